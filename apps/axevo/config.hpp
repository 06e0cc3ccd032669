#pragma once
// Campaign configuration (YAML).  Every key is documented in configs/README.md; unknown keys
// and wrong types are errors naming the file and line.  Paths are relative to the config
// file's folder.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "axevo/dataset.hpp"
#include "axevo/emulator.hpp"
#include "axevo/search/campaign.hpp"

namespace axevo::cli {

// The `search:` section (configs/README.md).
struct SearchConfig {
  bool present = false;
  search::AlgorithmOptions algorithm;
  std::vector<std::string> objectives{"accuracy_drop", "energy"};
  std::string baseline = "exact";          // accuracy_drop relative to exact 8-bit, or float
  std::optional<double> max_accuracy_drop;
  std::optional<int> max_distinct_multipliers;
  std::vector<std::string> multipliers;     // allowed on every layer; empty = every loaded one + exact
  std::map<std::string, std::vector<std::string>> layers;  // per layer: allowed list (one = pinned)
  std::size_t test_images = 0;              // final re-evaluation on the test split; 0 = all
  std::vector<double> hypervolume_reference;  // one value per objective; empty = not computed
  std::size_t cache_mb = 2048;              // activation cache (0 = off); does not change results
  // Lines of keys, for errors found once the model and libraries are loaded.
  std::map<std::string, std::size_t> line;  // "layers.NAME", "multipliers", "max_distinct_multipliers"
};

struct Config {
  std::filesystem::path file;  // empty when built from flags only
  std::filesystem::path model;
  std::string dataset = "fashion-mnist";
  Normalization normalize;
  std::size_t validation_size = 2000;
  uint64_t validation_seed = 1;
  QuantOptions quant;
  std::size_t calibration_images = 2000;
  std::vector<std::string> libraries{"builtin"};
  std::vector<std::string> plugin_paths;
  std::string default_assignment = "exact";        // float, exact or a multiplier name
  std::map<std::string, std::string> layer_assignment;
  std::string metric = "accuracy";                 // accuracy (top-1 and top-5), mse or psnr
  std::size_t batch_size = 500;
  std::filesystem::path cache_dir;                 // calibration cache; empty = default
  SearchConfig search;
  // From a campaign.yaml written by `axevo search`: table hashes the libraries must still give.
  std::map<std::string, std::string> recorded_sha256;
  std::string recorded_version;
};

// Reads a config file; throws axevo::Error("FILE:LINE: problem").
Config load_config(const std::filesystem::path& file);

// ${VAR} and ${VAR:-default} in `text` replaced from the environment; throws Error(file, line)
// naming an unset variable without a default.
// *from_environment tells whether a variable's value (not a default) was used.
std::string expand_environment(const std::string& text, const std::string& file, std::size_t line,
                               bool* from_environment = nullptr);

// --library replaces the config's libraries; --plugin-path adds folders.
struct LibraryOptions;
void apply_library_options(const LibraryOptions& libs, Config& c);

// "MEAN,STD" or "M1,M2,M3:S1,S2,S3" (per channel).
Normalization parse_normalization(const std::string& text);

}  // namespace axevo::cli
