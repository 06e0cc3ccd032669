#pragma once
// Campaign configuration (YAML).  Every key is documented in configs/README.md; unknown keys
// and wrong types are errors naming the file and line.  Paths are relative to the config
// file's folder.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "axevo/dataset.hpp"
#include "axevo/emulator.hpp"

namespace axevo::cli {

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
};

// Reads a config file; throws axevo::Error("FILE:LINE: problem").
Config load_config(const std::filesystem::path& file);

// "MEAN,STD" or "M1,M2,M3:S1,S2,S3" (per channel).
Normalization parse_normalization(const std::string& text);

}  // namespace axevo::cli
