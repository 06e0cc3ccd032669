// The project's own models (models/*.onnx, trained by tools/train_models.py) run through the
// ONNX frontend, the float executor and the idx dataset plugin reproduce the test accuracy
// PyTorch measured and models/README.md records.
#include <catch2/catch.hpp>

#include "axevo/dataset.hpp"
#include "axevo/executor.hpp"
#include "axevo/model_loader.hpp"
#include "test_support.hpp"

using namespace axevo;

namespace {

const Dataset& fashion_mnist() {
  static const Dataset ds = load_dataset("fashion-mnist", test::plugin_path());
  return ds;
}

// Correct top-1 predictions of `model` on the first `limit` test images, in batches.
int correct_on_test(const std::string& model, std::size_t limit) {
  const Executor exec(load_model(std::string(AXEVO_SOURCE_DIR) + "/models/" + model, test::plugin_path()));
  const DatasetSplit& test = fashion_mnist().split("test");
  const Normalization norm{{0.2860f}, {0.3530f}};
  const std::size_t n = std::min(limit, test.count), batch = 500;
  int correct = 0;
  for (std::size_t start = 0; start < n; start += batch) {
    const std::size_t b = std::min(batch, n - start);
    std::vector<std::size_t> idx(b);
    for (std::size_t i = 0; i < b; ++i) idx[i] = start + i;
    Tensor x(DType::Float32, {static_cast<int64_t>(b), 1, 28, 28});
    fill_batch(test, idx, norm, x.f());
    const Tensor logits = exec.run(x)[0];
    REQUIRE(logits.shape == Shape{static_cast<int64_t>(b), 10});
    for (std::size_t i = 0; i < b; ++i) {
      const float* row = logits.f() + i * 10;
      const auto best = std::max_element(row, row + 10) - row;
      correct += best == test.labels[start + i];
    }
  }
  return correct;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

}  // namespace

// Recorded in models/README.md (PyTorch's own count on the 10,000 test images); at most
// two images may flip through float summation-order differences.
TEST_CASE("models/lenet5.onnx: 9,056 of 10,000 test images, as PyTorch measured", "[models]") {
  CHECK(std::abs(correct_on_test("lenet5.onnx", 10000) - 9056) <= 2);
}

TEST_CASE("models/lstm.onnx: 8,791 of 10,000 test images, as PyTorch measured", "[models]") {
  CHECK(std::abs(correct_on_test("lstm.onnx", 10000) - 8791) <= 2);
}

TEST_CASE("models/resnet8.onnx: 9,127 of 10,000 test images, as PyTorch measured", "[models]") {
  if (kSanitized) {
    // 93 GMAC is too slow under the sanitizers: check the first 1,000 images are plausible.
    CHECK(correct_on_test("resnet8.onnx", 1000) > 880);
  } else {
    CHECK(std::abs(correct_on_test("resnet8.onnx", 10000) - 9127) <= 2);
  }
}

TEST_CASE("models/dcgan.onnx: the generator maps latents to 28x28 images in [-1, 1]", "[models]") {
  const Executor exec(load_model(std::string(AXEVO_SOURCE_DIR) + "/models/dcgan.onnx", test::plugin_path()));
  Tensor z(DType::Float32, {8, 32});
  for (int64_t i = 0; i < z.numel(); ++i) z.f()[i] = static_cast<float>(std::sin(0.7 * static_cast<double>(i)));
  const Tensor img = exec.run(z)[0];
  REQUIRE(img.shape == Shape{8, 1, 28, 28});
  float lo = 1, hi = -1;
  for (int64_t i = 0; i < img.numel(); ++i) lo = std::min(lo, img.f()[i]), hi = std::max(hi, img.f()[i]);
  CHECK(lo >= -1.0f);
  CHECK(hi <= 1.0f);
  CHECK(hi - lo > 1.0f);  // not a constant image
}
