// Dataset plugin `idx`: MNIST / Fashion-MNIST idx files, gzip-compressed or raw.
//
//   idx:DIR   DIR holds train-images-idx3-ubyte[.gz] + train-labels-idx1-ubyte[.gz]
//             (split "train") and/or t10k-images-idx3-ubyte[.gz] + t10k-labels-idx1-ubyte[.gz]
//             (split "test"); the MNIST spellings train-images.idx3-ubyte ... work too.
//
// Images (magic 0x00000803, N x rows x cols bytes) become 1 x rows x cols samples read as
// pixel / 255; labels (magic 0x00000801) are class indices.  Debian's
// dataset-fashion-mnist installs the files in /usr/share/datasets/fashion-mnist.
#include <optional>

#include "dataset_support.hpp"
#include "plugin_support.hpp"

namespace fs = std::filesystem;
using axevo::Error;

namespace {

uint32_t big_endian(const std::string& d, std::size_t at) {
  return (static_cast<uint32_t>(static_cast<unsigned char>(d[at])) << 24) |
         (static_cast<uint32_t>(static_cast<unsigned char>(d[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<unsigned char>(d[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<unsigned char>(d[at + 3]));
}

std::optional<fs::path> find_file(const fs::path& dir, const std::string& prefix, const std::string& kind) {
  for (const std::string sep : {"-", "."})
    for (const std::string ext : {"", ".gz"}) {
      const fs::path p = dir / (prefix + "-" + kind + sep + (kind == "images" ? "idx3" : "idx1") + "-ubyte" + ext);
      std::error_code ec;
      if (fs::is_regular_file(p, ec)) return p;
    }
  return std::nullopt;
}

axevo::plugin::Split read_pair(const std::string& split, const fs::path& images, const fs::path& labels) {
  const std::string img = axevo::plugin::read_maybe_gzip(images);
  const std::string lab = axevo::plugin::read_maybe_gzip(labels);
  if (img.size() < 16 || big_endian(img, 0) != 0x00000803)
    throw Error(images.string(), 0, "not an idx3 image file (expected magic 0x00000803 and a 16-byte header)");
  if (lab.size() < 8 || big_endian(lab, 0) != 0x00000801)
    throw Error(labels.string(), 0, "not an idx1 label file (expected magic 0x00000801 and an 8-byte header)");
  const uint64_t n = big_endian(img, 4), rows = big_endian(img, 8), cols = big_endian(img, 12);
  const uint64_t nl = big_endian(lab, 4);
  if (img.size() != 16 + n * rows * cols)
    throw Error(images.string(), 0, "header announces " + std::to_string(n) + " images of " + std::to_string(rows) + "x" +
                                        std::to_string(cols) + " (" + std::to_string(16 + n * rows * cols) +
                                        " bytes) but the file has " + std::to_string(img.size()) + " bytes");
  if (lab.size() != 8 + nl) throw Error(labels.string(), 0, "header announces " + std::to_string(nl) + " labels but the file has " + std::to_string(lab.size() - 8));
  if (n != nl)
    throw Error(labels.string(), 0, std::to_string(nl) + " labels for " + std::to_string(n) + " images in " + images.string());
  axevo::plugin::Split s;
  s.name = split;
  s.sample_shape = {1, static_cast<int64_t>(rows), static_cast<int64_t>(cols)};
  s.count = n;
  s.encoding = AXEVO_SAMPLES_UINT8_PIXELS;
  s.bytes.assign(img.begin() + 16, img.end());
  s.labels.resize(n);
  uint32_t max_label = 0;
  for (uint64_t i = 0; i < n; ++i) {
    s.labels[i] = static_cast<unsigned char>(lab[8 + i]);
    max_label = std::max<uint32_t>(max_label, static_cast<uint32_t>(s.labels[i]));
  }
  s.num_classes = max_label + 1 > 10 ? max_label + 1 : 10;
  return s;
}

void load(const axevo_dataset_sink* sink, const std::string& arg) {
  if (arg.empty()) throw Error("dataset idx: give a folder, e.g. idx:/usr/share/datasets/fashion-mnist");
  const fs::path dir = arg;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(dir.string(), 0, "no such folder (dataset idx)");
  int found = 0;
  for (const auto& [prefix, split] : {std::pair<std::string, std::string>{"train", "train"}, {"t10k", "test"}}) {
    const auto images = find_file(dir, prefix, "images");
    const auto labels = find_file(dir, prefix, "labels");
    if (!images && !labels) continue;
    if (!images || !labels)
      throw Error((images ? *images : *labels).string(), 0,
                  std::string("has no matching ") + (images ? "labels" : "images") + " file " + prefix + "-" +
                      (images ? "labels-idx1" : "images-idx3") + "-ubyte[.gz] in the same folder");
    axevo::plugin::add_split(sink, read_pair(split, *images, *labels));
    ++found;
  }
  if (!found)
    throw Error(dir.string(), 0, "no idx files (expected train-images-idx3-ubyte[.gz], t10k-images-idx3-ubyte[.gz] and their labels)");
}

}  // namespace

AXEVO_DECLARE_PLUGIN(AXEVO_PLUGIN_DATASET, "idx", "MNIST / Fashion-MNIST idx files (gzip or raw)")

AXEVO_EXPORT int axevo_dataset_load(const axevo_dataset_sink* sink, const char* arg) {
  return axevo::plugin::guarded(sink, [&] { load(sink, arg ? arg : ""); });
}
