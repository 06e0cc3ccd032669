#pragma once
// Glue for in-tree dataset plugins: reading (possibly gzip-compressed) files and reporting
// splits over the C ABI.
#include <filesystem>
#include <string>
#include <vector>

#include "axevo/error.hpp"
#include "axevo/plugin_abi.h"

namespace axevo::plugin {

// Whole file, transparently gunzipped when it is gzip-compressed (zlib).  Throws
// axevo::Error naming the file.
std::string read_maybe_gzip(const std::filesystem::path& file);

struct Split {
  std::string name;
  std::vector<int64_t> sample_shape;
  uint64_t count = 0;
  uint32_t encoding = AXEVO_SAMPLES_UINT8_PIXELS;
  std::vector<uint8_t> bytes;  // AXEVO_SAMPLES_UINT8_PIXELS
  std::vector<float> values;   // AXEVO_SAMPLES_FLOAT32
  std::vector<int32_t> labels;
  uint32_t num_classes = 0;
};

// Reports a split; throws HostRejected when the host refuses it.
void add_split(const axevo_dataset_sink* sink, const Split& split);

}  // namespace axevo::plugin
