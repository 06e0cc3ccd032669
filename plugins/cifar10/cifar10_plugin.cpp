// Dataset plugin `cifar10`: the CIFAR-10 binary version.
//
//   cifar10:DIR   DIR (or DIR/cifar-10-batches-bin) holds data_batch_1.bin .. data_batch_5.bin
//                 (split "train", in that order) and test_batch.bin (split "test").
//
// Each record is 1 label byte and 3072 pixel bytes (1024 red, 1024 green, 1024 blue, rows
// of 32): samples are 3 x 32 x 32, read as pixel / 255.
#include "dataset_support.hpp"
#include "plugin_support.hpp"

namespace fs = std::filesystem;
using axevo::Error;

namespace {

constexpr std::size_t kRecord = 1 + 3 * 32 * 32;

void append_batch(axevo::plugin::Split& s, const fs::path& file) {
  const std::string d = axevo::plugin::read_maybe_gzip(file);
  if (d.empty() || d.size() % kRecord != 0)
    throw Error(file.string(), 0, "size " + std::to_string(d.size()) + " is not a whole number of 3073-byte CIFAR-10 records");
  const std::size_t n = d.size() / kRecord;
  for (std::size_t i = 0; i < n; ++i) {
    const auto label = static_cast<unsigned char>(d[i * kRecord]);
    if (label > 9) throw Error(file.string(), 0, "record " + std::to_string(i) + ": label " + std::to_string(label) + " is not 0..9");
    s.labels.push_back(label);
    s.bytes.insert(s.bytes.end(), d.begin() + static_cast<std::ptrdiff_t>(i * kRecord + 1),
                   d.begin() + static_cast<std::ptrdiff_t>((i + 1) * kRecord));
  }
  s.count += n;
}

void load(const axevo_dataset_sink* sink, const std::string& arg) {
  if (arg.empty()) throw Error("dataset cifar10: give the folder of the binary batches, e.g. cifar10:data/cifar-10-batches-bin");
  fs::path dir = arg;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(dir.string(), 0, "no such folder (dataset cifar10)");
  if (fs::is_directory(dir / "cifar-10-batches-bin", ec)) dir /= "cifar-10-batches-bin";
  auto fresh = [](const std::string& name) {
    axevo::plugin::Split s;
    s.name = name;
    s.sample_shape = {3, 32, 32};
    s.encoding = AXEVO_SAMPLES_UINT8_PIXELS;
    s.num_classes = 10;
    return s;
  };
  int found = 0;
  axevo::plugin::Split train = fresh("train");
  for (int b = 1; b <= 5; ++b) {
    const fs::path f = dir / ("data_batch_" + std::to_string(b) + ".bin");
    if (fs::is_regular_file(f, ec)) append_batch(train, f);
    else if (train.count > 0) throw Error(f.string(), 0, "missing (the batches before it are present)");
  }
  if (train.count > 0) {
    axevo::plugin::add_split(sink, train);
    ++found;
  }
  const fs::path test = dir / "test_batch.bin";
  if (fs::is_regular_file(test, ec)) {
    axevo::plugin::Split t = fresh("test");
    append_batch(t, test);
    axevo::plugin::add_split(sink, t);
    ++found;
  }
  if (!found) throw Error(dir.string(), 0, "no CIFAR-10 batches (expected data_batch_1.bin .. data_batch_5.bin and/or test_batch.bin)");
}

}  // namespace

AXEVO_DECLARE_PLUGIN(AXEVO_PLUGIN_DATASET, "cifar10", "CIFAR-10 binary batches")

AXEVO_EXPORT int axevo_dataset_load(const axevo_dataset_sink* sink, const char* arg) {
  return axevo::plugin::guarded(sink, [&] { load(sink, arg ? arg : ""); });
}
