// Dataset plugins (idx, cifar10, npy), normalization and the validation split.
#include <catch2/catch.hpp>

#include <numeric>
#include <set>

#include "axevo/dataset.hpp"
#include "axevo/error.hpp"
#include "axevo/io.hpp"
#include "test_support.hpp"

using namespace axevo;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {
const std::string kFashion = "/usr/share/datasets/fashion-mnist";
const std::string kNpy = std::string(AXEVO_SOURCE_DIR) + "/tests/data/npy/";

std::string big_endian32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}
}  // namespace

TEST_CASE("idx: Debian's Fashion-MNIST, gzip, has the published split sizes and class balance", "[datasets][idx]") {
  REQUIRE(fs::exists(kFashion + "/t10k-images-idx3-ubyte.gz"));  // apt-get install dataset-fashion-mnist
  const Dataset ds = load_dataset("fashion-mnist", test::plugin_path());
  CHECK(ds.num_classes == 10);
  const auto& train = ds.split("train");
  const auto& test = ds.split("test");
  CHECK(train.count == 60000);
  CHECK(test.count == 10000);
  CHECK(test.sample_shape == std::vector<int64_t>{1, 28, 28});
  CHECK(test.pixels);
  // Fashion-MNIST is balanced: 6,000 training and 1,000 test images per class.
  std::vector<int> train_hist(10, 0), test_hist(10, 0);
  for (int32_t l : train.labels) ++train_hist.at(static_cast<std::size_t>(l));
  for (int32_t l : test.labels) ++test_hist.at(static_cast<std::size_t>(l));
  CHECK(train_hist == std::vector<int>(10, 6000));
  CHECK(test_hist == std::vector<int>(10, 1000));
  // Pixels are read as value / 255.
  float lo = 1, hi = 0;
  for (std::size_t e = 0; e < 784; ++e) lo = std::min(lo, test.value(0, e)), hi = std::max(hi, test.value(0, e));
  CHECK(lo == 0.0f);
  CHECK(hi <= 1.0f);
  CHECK(hi > 0.5f);
  REQUIRE_THROWS_WITH(ds.split("validation"), Contains("no 'validation' split") && Contains("test, train"));
}

TEST_CASE("idx: raw (uncompressed) files read the same as gzip ones", "[datasets][idx]") {
  const auto dir = test::scratch("idx_raw");
  for (const char* f : {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    const std::string cmd = "gzip -dc " + kFashion + "/" + f + ".gz > " + (dir / f).string();
    REQUIRE(std::system(cmd.c_str()) == 0);
  }
  const Dataset raw = load_dataset("idx:" + dir.string(), test::plugin_path());
  const Dataset gz = load_dataset("idx:" + kFashion, test::plugin_path());
  REQUIRE(raw.splits.size() == 1);
  CHECK(raw.split("test").bytes == gz.split("test").bytes);
  CHECK(raw.split("test").labels == gz.split("test").labels);
}

TEST_CASE("idx: bad files are clear errors", "[datasets][idx][errors]") {
  const auto dir = test::scratch("idx_bad");
  REQUIRE_THROWS_WITH(load_dataset("idx:" + (dir / "nope").string(), test::plugin_path()), Contains("nope") && Contains("no such folder"));
  REQUIRE_THROWS_WITH(load_dataset("idx:" + dir.string(), test::plugin_path()), Contains(dir.string()) && Contains("no idx files"));
  // 3 images announced, 2 present.
  std::string images = big_endian32(0x803) + big_endian32(3) + big_endian32(2) + big_endian32(2) + std::string(8, '\1');
  std::string labels = big_endian32(0x801) + big_endian32(3) + std::string("\1\2\3");
  write_file_atomic(dir / "t10k-images-idx3-ubyte", images);
  REQUIRE_THROWS_WITH(load_dataset("idx:" + dir.string(), test::plugin_path()), Contains("no matching labels file"));
  write_file_atomic(dir / "t10k-labels-idx1-ubyte", labels);
  REQUIRE_THROWS_WITH(load_dataset("idx:" + dir.string(), test::plugin_path()),
                      Contains("t10k-images-idx3-ubyte") && Contains("announces 3 images") && Contains("28 bytes"));
  write_file_atomic(dir / "t10k-images-idx3-ubyte", "\0\0\x08\x02" + images.substr(4));
  REQUIRE_THROWS_WITH(load_dataset("idx:" + dir.string(), test::plugin_path()), Contains("not an idx3 image file"));
  // A consistent file loads.
  write_file_atomic(dir / "t10k-images-idx3-ubyte", images + std::string(4, '\2'));
  const Dataset ok = load_dataset("idx:" + dir.string(), test::plugin_path());
  CHECK(ok.split("test").count == 3);
  CHECK(ok.split("test").labels == std::vector<int32_t>{1, 2, 3});
}

TEST_CASE("cifar10: binary batches in channel-plane order", "[datasets][cifar10]") {
  const auto dir = test::scratch("cifar10") / "cifar-10-batches-bin";
  fs::create_directories(dir);
  auto record = [](int label, int seed) {
    std::string r(1, static_cast<char>(label));
    for (int i = 0; i < 3072; ++i) r += static_cast<char>((i / 1024) * 100 + (seed + i) % 50);
    return r;
  };
  for (int b = 1; b <= 5; ++b) write_file_atomic(dir / ("data_batch_" + std::to_string(b) + ".bin"), record(b, b) + record(9, 0));
  write_file_atomic(dir / "test_batch.bin", record(4, 7));
  const Dataset ds = load_dataset("cifar10:" + dir.parent_path().string(), test::plugin_path());
  const auto& train = ds.split("train");
  CHECK(train.count == 10);
  CHECK(train.sample_shape == std::vector<int64_t>{3, 32, 32});
  CHECK(train.labels == std::vector<int32_t>{1, 9, 2, 9, 3, 9, 4, 9, 5, 9});
  const auto& test = ds.split("test");
  REQUIRE(test.count == 1);
  CHECK(test.value(0, 0) == Approx(7 / 255.0));          // red plane first
  CHECK(test.value(0, 1024) == Approx((100 + (7 + 1024) % 50) / 255.0));  // then green
  CHECK(test.value(0, 2048) == Approx((200 + (7 + 2048) % 50) / 255.0));  // then blue
  fs::remove(dir / "data_batch_3.bin");
  REQUIRE_THROWS_WITH(load_dataset("cifar10:" + dir.string(), test::plugin_path()), Contains("data_batch_3.bin") && Contains("missing"));
  write_file_atomic(dir / "data_batch_3.bin", record(1, 1).substr(0, 3000));
  REQUIRE_THROWS_WITH(load_dataset("cifar10:" + dir.string(), test::plugin_path()), Contains("data_batch_3.bin") && Contains("3073-byte"));
}

TEST_CASE("npy: arrays written by NumPy read back", "[datasets][npy]") {
  const Dataset ds = load_dataset("npy:" + kNpy + "x_f32.npy," + kNpy + "y_i64.npy", test::plugin_path());
  const auto& t = ds.split("test");
  CHECK(t.count == 2);
  CHECK(t.sample_shape == std::vector<int64_t>{3, 2, 2});
  CHECK(!t.pixels);
  for (std::size_t i = 0; i < 24; ++i) CHECK(t.values[i] == static_cast<float>(i) / 8.0f - 1.0f);
  CHECK(t.labels == std::vector<int32_t>{3, 1});
  CHECK(ds.num_classes == 4);
  // float64 inputs, labels of shape (N, 1), named splits.
  const Dataset two = load_dataset("npy:train=" + kNpy + "x_f64.npy," + kNpy + "y_i32_col.npy;test=" + kNpy + "x_u8.npy," +
                                       kNpy + "y_u8.npy",
                                   test::plugin_path());
  CHECK(two.split("train").values == t.values);
  CHECK(two.split("train").labels == std::vector<int32_t>{0, 2});
  const auto& u8 = two.split("test");
  CHECK(u8.pixels);
  CHECK(u8.sample_shape == std::vector<int64_t>{2, 2});
  CHECK(u8.value(0, 1) == 1.0f);
  CHECK(u8.value(0, 2) == Approx(0.2f));
}

TEST_CASE("npy: unsupported or inconsistent arrays are clear errors", "[datasets][npy][errors]") {
  auto err = [](const std::string& arg) {
    try {
      load_dataset("npy:" + arg, test::plugin_path());
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(err(kNpy + "x_fortran.npy," + kNpy + "y_i64.npy"), Contains("x_fortran.npy") && Contains("Fortran"));
  CHECK_THAT(err(kNpy + "x_f32.npy," + kNpy + "y_float.npy"), Contains("y_float.npy") && Contains("integers"));
  CHECK_THAT(err(kNpy + "x_f32.npy," + kNpy + "y_u8.npy"), Contains("y_u8.npy") && Contains("shape (2,)"));
  CHECK_THAT(err(kNpy + "x_f32.npy"), Contains("X.npy,Y.npy"));
  CHECK_THAT(err(kNpy + "missing.npy," + kNpy + "y_i64.npy"), Contains("missing.npy") && Contains("no such file"));
  const auto dir = test::scratch("npy_bad");
  write_file_atomic(dir / "junk.npy", "not numpy at all");
  CHECK_THAT(err((dir / "junk.npy").string() + "," + kNpy + "y_i64.npy"), Contains("junk.npy") && Contains("magic"));
  // Truncated data.
  const std::string full = read_file(kNpy + "x_f32.npy");
  write_file_atomic(dir / "short.npy", full.substr(0, full.size() - 4));
  CHECK_THAT(err((dir / "short.npy").string() + "," + kNpy + "y_i64.npy"), Contains("short.npy") && Contains("does not match"));
}

TEST_CASE("unknown dataset plugins and plugins of another kind are refused", "[datasets][errors]") {
  REQUIRE_THROWS_WITH(load_dataset("mnist2:/x", test::plugin_path()), Contains("no plugin named 'mnist2'"));
  REQUIRE_THROWS_WITH(load_dataset("builtin", test::plugin_path()), Contains("multiplier-library plugin, not a dataset"));
}

TEST_CASE("normalization per channel and batches", "[datasets]") {
  const Dataset ds = load_dataset("npy:" + kNpy + "x_f32.npy," + kNpy + "y_i64.npy", test::plugin_path());
  const auto& t = ds.split("test");
  Normalization n{{0.5f, -1.0f, 0.0f}, {2.0f, 1.0f, 0.5f}};
  check_normalization(n, 3);
  std::vector<float> batch(2 * 12);
  fill_batch(t, {1, 0}, n, batch.data());
  for (std::size_t e = 0; e < 12; ++e) {
    const std::size_t c = e / 4;
    CHECK(batch[e] == Approx((t.value(1, e) - n.mean[c]) / n.std[c]));
    CHECK(batch[12 + e] == Approx((t.value(0, e) - n.mean[c]) / n.std[c]));
  }
  REQUIRE_THROWS_WITH(check_normalization({{0.1f, 0.2f}, {1.0f, 1.0f}}, 3), Contains("2 values given") && Contains("3 channels"));
  REQUIRE_THROWS_WITH(check_normalization({{0.1f}, {0.0f}}, 1), Contains("positive"));
}

TEST_CASE("validation split: deterministic, disjoint, complete", "[datasets]") {
  const IndexSplit a = carve_validation(60000, 2000, 42);
  const IndexSplit b = carve_validation(60000, 2000, 42);
  const IndexSplit c = carve_validation(60000, 2000, 43);
  CHECK(a.validation == b.validation);
  CHECK(a.validation != c.validation);
  REQUIRE(a.validation.size() == 2000);
  REQUIRE(a.train.size() == 58000);
  std::set<std::size_t> all(a.train.begin(), a.train.end());
  for (std::size_t v : a.validation) CHECK(all.insert(v).second);
  CHECK(all.size() == 60000);
  CHECK(std::is_sorted(a.validation.begin(), a.validation.end()));
  // Roughly uniform: the validation indices spread over the whole range.
  const double mean = std::accumulate(a.validation.begin(), a.validation.end(), 0.0) / 2000;
  CHECK(mean == Approx(30000).margin(1500));
  REQUIRE_THROWS_WITH(carve_validation(10, 11, 1), Contains("larger than"));
}
