#include "axevo/dataset.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "axevo/error.hpp"

namespace axevo {

std::size_t DatasetSplit::sample_size() const {
  std::size_t s = 1;
  for (int64_t d : sample_shape) s *= static_cast<std::size_t>(d);
  return s;
}

const DatasetSplit& Dataset::split(const std::string& name) const {
  auto it = splits.find(name);
  if (it != splits.end()) return it->second;
  std::string have;
  for (const auto& [k, v] : splits) have += (have.empty() ? "" : ", ") + k;
  throw Error("dataset " + spec + " has no '" + name + "' split (it has: " + (have.empty() ? "none" : have) + ")");
}

namespace {

struct SinkContext {
  Dataset* dataset;
  std::vector<std::string> errors, warnings;
};

int sink_add_split(void* ctx, const char* split, uint64_t n, const int64_t* shape, size_t rank, uint32_t encoding,
                   const void* data, const int32_t* labels, uint32_t num_classes) {
  auto* c = static_cast<SinkContext*>(ctx);
  try {
    const std::string name = split ? split : "";
    if (name.empty()) throw Error("dataset " + c->dataset->spec + ": a split without a name");
    if (c->dataset->splits.count(name)) throw Error("dataset " + c->dataset->spec + ": split '" + name + "' reported twice");
    if (encoding != AXEVO_SAMPLES_FLOAT32 && encoding != AXEVO_SAMPLES_UINT8_PIXELS)
      throw Error("dataset " + c->dataset->spec + ": unknown sample encoding " + std::to_string(encoding));
    DatasetSplit s;
    s.name = name;
    s.sample_shape.assign(shape, shape + rank);
    for (int64_t d : s.sample_shape)
      if (d <= 0) throw Error("dataset " + c->dataset->spec + ": split '" + name + "' has a non-positive sample dimension");
    s.count = static_cast<std::size_t>(n);
    s.pixels = encoding == AXEVO_SAMPLES_UINT8_PIXELS;
    const std::size_t total = s.count * s.sample_size();
    if (s.pixels) {
      const auto* p = static_cast<const uint8_t*>(data);
      s.bytes.assign(p, p + total);
    } else {
      const auto* p = static_cast<const float*>(data);
      s.values.assign(p, p + total);
    }
    s.labels.assign(labels, labels + s.count);
    for (std::size_t i = 0; i < s.count; ++i)
      if (s.labels[i] < -1 || (num_classes > 0 && s.labels[i] >= static_cast<int32_t>(num_classes)))
        throw Error("dataset " + c->dataset->spec + ": split '" + name + "', sample " + std::to_string(i) + ": label " +
                    std::to_string(s.labels[i]) + " outside 0.." + std::to_string(static_cast<int>(num_classes) - 1));
    c->dataset->num_classes = std::max(c->dataset->num_classes, static_cast<int>(num_classes));
    c->dataset->splits.emplace(name, std::move(s));
    return 0;
  } catch (const std::exception& e) {
    c->errors.push_back(e.what());
    return 1;
  }
}
void sink_warn(void* ctx, const char* m) { static_cast<SinkContext*>(ctx)->warnings.push_back(m ? m : ""); }
void sink_error(void* ctx, const char* m) { static_cast<SinkContext*>(ctx)->errors.push_back(m ? m : ""); }

}  // namespace

Dataset load_dataset(const std::string& spec_in, const PluginSearchPath& path) {
  std::string spec = spec_in;
  if (spec == "fashion-mnist") spec = "idx:/usr/share/datasets/fashion-mnist";
  if (spec.empty()) throw Error("empty dataset SPEC (expected idx:DIR, cifar10:DIR, npy:X.npy,Y.npy or fashion-mnist)");
  const SpecPlugin sp = open_spec_plugin(spec, AXEVO_PLUGIN_DATASET, path);
  const std::string& arg = sp.arg;
  auto load = plugin_symbol<int(const axevo_dataset_sink*, const char*)>(*sp.plugin, AXEVO_DATASET_LOAD_SYMBOL);
  Dataset ds;
  ds.spec = spec;
  SinkContext ctx{&ds, {}, {}};
  axevo_dataset_sink sink{};
  sink.abi_version = AXEVO_PLUGIN_ABI_VERSION;
  sink.context = &ctx;
  sink.add_split = &sink_add_split;
  sink.warn = &sink_warn;
  sink.error = &sink_error;
  int rc = 0;
  try {
    rc = load(&sink, arg.c_str());
  } catch (const std::exception& e) {
    ctx.errors.push_back(e.what());
  }
  if (!ctx.errors.empty()) throw Error(ctx.errors.front());
  if (rc != 0) throw Error("dataset " + spec + ": plugin reported failure (code " + std::to_string(rc) + ") without a message");
  if (ds.splits.empty()) throw Error("dataset " + spec + ": no data");
  return ds;
}

void check_normalization(const Normalization& n, int64_t channels) {
  if (n.mean.size() != n.std.size())
    throw Error("normalization: " + std::to_string(n.mean.size()) + " mean values but " + std::to_string(n.std.size()) +
                " std values");
  if (!n.mean.empty() && n.mean.size() != 1 && static_cast<int64_t>(n.mean.size()) != channels)
    throw Error("normalization: " + std::to_string(n.mean.size()) + " values given, but the samples have " +
                std::to_string(channels) + " channels (give 1 or " + std::to_string(channels) + ")");
  for (float s : n.std)
    if (!(s > 0)) throw Error("normalization: std values must be positive");
}

void fill_batch(const DatasetSplit& split, const std::vector<std::size_t>& indices, const Normalization& norm,
                float* out) {
  const std::size_t size = split.sample_size();
  const int64_t channels = split.sample_shape.empty() ? 1 : split.sample_shape[0];
  const std::size_t plane = channels > 0 ? size / static_cast<std::size_t>(channels) : size;
  for (std::size_t b = 0; b < indices.size(); ++b) {
    const std::size_t s = indices[b];
    if (s >= split.count) throw Error("dataset split '" + split.name + "': sample index " + std::to_string(s) + " out of range");
    float* dst = out + b * size;
    for (std::size_t e = 0; e < size; ++e) {
      float v = split.value(s, e);
      if (!norm.empty()) {
        const std::size_t c = norm.mean.size() == 1 ? 0 : e / plane;
        v = (v - norm.mean[c]) / norm.std[c];
      }
      dst[e] = v;
    }
  }
}

IndexSplit carve_validation(std::size_t n, std::size_t validation, uint64_t seed) {
  if (validation > n)
    throw Error("validation split of " + std::to_string(validation) + " samples is larger than the " + std::to_string(n) +
                " training samples");
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  uint64_t state = seed;
  auto next = [&state]() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  // Partial Fisher-Yates: the first `validation` positions become a uniform sample.
  for (std::size_t i = 0; i < validation; ++i) {
    const std::size_t j = i + static_cast<std::size_t>(next() % (n - i));
    std::swap(order[i], order[j]);
  }
  IndexSplit r;
  r.validation.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(validation));
  r.train.assign(order.begin() + static_cast<std::ptrdiff_t>(validation), order.end());
  std::sort(r.validation.begin(), r.validation.end());
  std::sort(r.train.begin(), r.train.end());
  return r;
}

}  // namespace axevo
