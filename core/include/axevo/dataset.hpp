#pragma once
// Datasets: splits of samples with labels, loaded through dataset plugins (idx, cifar10,
// npy), normalized per channel, and a validation split carved from the training set.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "axevo/plugin.hpp"

namespace axevo {

struct DatasetSplit {
  std::string name;                   // "train", "test"
  std::vector<int64_t> sample_shape;  // channels first, e.g. {1, 28, 28}
  std::size_t count = 0;
  bool pixels = false;                // samples stored as bytes read as value / 255
  std::vector<uint8_t> bytes;         // when pixels
  std::vector<float> values;          // otherwise
  std::vector<int32_t> labels;        // -1 when unlabeled

  std::size_t sample_size() const;
  float value(std::size_t sample, std::size_t element) const {
    const std::size_t i = sample * sample_size() + element;
    return pixels ? static_cast<float>(bytes[i]) / 255.0f : values[i];
  }
};

struct Dataset {
  std::string spec;
  int num_classes = 0;  // 0 when unknown / not a classification set
  std::map<std::string, DatasetSplit> splits;
  const DatasetSplit& split(const std::string& name) const;  // throws naming the splits present
};

// SPEC: "idx:DIR", "cifar10:DIR", "npy:X.npy,Y.npy" or "fashion-mnist" (Debian's copy,
// /usr/share/datasets/fashion-mnist); or a plugin file "path.so:ARG".
Dataset load_dataset(const std::string& spec, const PluginSearchPath& path);

// Per-channel normalization: x' = (x - mean[c]) / std[c]; one value applies to all channels.
struct Normalization {
  std::vector<float> mean, std;
  bool empty() const { return mean.empty(); }
};
// Checks the sizes against the channel count; throws axevo::Error.
void check_normalization(const Normalization& n, int64_t channels);

// Writes the samples `indices` of `split`, normalized, into `out` (indices.size() *
// sample_size() floats, NCHW).
void fill_batch(const DatasetSplit& split, const std::vector<std::size_t>& indices, const Normalization& norm,
                float* out);

// Deterministic partition of 0..n-1 into (training part, validation part) with
// `validation` samples drawn by a seeded Fisher-Yates shuffle (splitmix64; the same on
// every platform).  Both parts are returned in ascending order.
struct IndexSplit {
  std::vector<std::size_t> train, validation;
};
IndexSplit carve_validation(std::size_t n, std::size_t validation, uint64_t seed);

}  // namespace axevo
