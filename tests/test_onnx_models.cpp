// The ONNX frontend and the float executor on a real PyTorch export (LeNet-5 on
// Fashion-MNIST), and the frontend's error messages.
#include <zlib.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>

#include "axevo/error.hpp"
#include "axevo/executor.hpp"
#include "axevo/model_loader.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace axevo;

namespace {

fs::path lenet_path() { return test::shared_dir() / "models" / "lenet5_fmnist.onnx"; }
const fs::path kFashion = "/usr/share/datasets/fashion-mnist";

std::string gunzip(const fs::path& file) {
  gzFile f = gzopen(file.c_str(), "rb");
  if (!f) throw std::runtime_error(file.string() + ": cannot open (install dataset-fashion-mnist)");
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  gzclose(f);
  if (n < 0) throw std::runtime_error(file.string() + ": gzip data is corrupt");
  return out;
}

uint32_t be32(const std::string& s, std::size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) | (uint32_t(uint8_t(s[at + 2])) << 8) | uint8_t(s[at + 3]);
}

// Protobuf wire format, enough to write a tiny ModelProto by hand.
std::string varint(uint64_t v) {
  std::string s;
  while (v >= 0x80) {
    s += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  return s + static_cast<char>(v);
}
std::string field_varint(int field, uint64_t v) { return varint(uint64_t(field) << 3) + varint(v); }
std::string field_bytes(int field, const std::string& b) { return varint((uint64_t(field) << 3) | 2) + varint(b.size()) + b; }

std::string value_info(const std::string& name) {
  const std::string shape = field_bytes(2, field_bytes(1, field_varint(1, 4)));  // [4]
  const std::string tensor_type = field_varint(1, 1) + shape;                    // float32
  return field_bytes(1, name) + field_bytes(2, field_bytes(1, tensor_type));
}

// A one-node model: y = OP(x) with x, y float32 [4], optional extra INT attribute.
std::string tiny_model(const std::string& op, const std::string& attr = "", int64_t opset = 13) {
  std::string node = field_bytes(1, "x") + field_bytes(2, "y") + field_bytes(3, "the_node") + field_bytes(4, op);
  if (!attr.empty()) node += field_bytes(5, field_bytes(1, attr) + field_varint(3, 1) + field_varint(20, 2));  // INT attribute
  const std::string graph = field_bytes(1, node) + field_bytes(2, "g") + field_bytes(11, value_info("x")) + field_bytes(12, value_info("y"));
  const std::string opset_import = field_bytes(1, "") + field_varint(2, static_cast<uint64_t>(opset));
  return field_varint(1, 8) + field_bytes(8, opset_import) + field_bytes(7, graph);
}

fs::path write_file(const std::string& dir, const std::string& name, const std::string& bytes) {
  const fs::path p = test::scratch(dir) / name;
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}

std::string load_error(const fs::path& p) {
  try {
    load_model(p, test::plugin_path());
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("onnx: LeNet-5 approximable layers", "[onnx][models]") {
  const Graph g = load_model(lenet_path(), test::plugin_path());
  CHECK(g.opset == 13);
  const auto layers = approximable_layers(g, {1, 1, 28, 28});
  REQUIRE(layers.size() == 5);
  const std::vector<std::string> names = {"/conv1/Conv", "/conv2/Conv", "/fc1/Gemm", "/fc2/Gemm", "/fc3/Gemm"};
  const std::vector<std::string> ops = {"Conv", "Conv", "Gemm", "Gemm", "Gemm"};
  const std::vector<int64_t> macs = {117600, 240000, 48000, 10080, 840};
  int64_t params = 0;
  for (std::size_t k = 0; k < layers.size(); ++k) {
    CHECK(layers[k].name == names[k]);
    CHECK(layers[k].op_type == ops[k]);
    CHECK(layers[k].macs_per_sample == macs[k]);
    params += layers[k].params;
  }
  CHECK(params == 61706);
  CHECK(layers[0].weight_shape == Shape{6, 1, 5, 5});
  CHECK(layers[0].output_shape == Shape{1, 6, 28, 28});
  CHECK(layers[2].input_shape == Shape{1, 400});
  // Per-sample MACs do not depend on the batch.
  const auto batched = approximable_layers(g, {8, 1, 28, 28});
  CHECK(batched[1].macs == 8 * 240000);
  CHECK(batched[1].macs_per_sample == 240000);
}

TEST_CASE("onnx: LeNet-5 float accuracy on the 10,000 Fashion-MNIST test images", "[onnx][models]") {
  const std::string images = gunzip(kFashion / "t10k-images-idx3-ubyte.gz");
  const std::string labels = gunzip(kFashion / "t10k-labels-idx1-ubyte.gz");
  REQUIRE(be32(images, 0) == 2051);
  REQUIRE(be32(labels, 0) == 2049);
  const int64_t n = be32(images, 4);
  REQUIRE(n == 10000);
  REQUIRE(images.size() == 16 + static_cast<std::size_t>(n) * 784);

  const Executor exec(load_model(lenet_path(), test::plugin_path()));
  Tensor x(DType::Float32, {n, 1, 28, 28});
  for (int64_t k = 0; k < n * 784; ++k)
    x.f()[k] = (static_cast<float>(static_cast<uint8_t>(images[16 + static_cast<std::size_t>(k)])) / 255.0f - 0.2860f) / 0.3530f;
  const auto t0 = std::chrono::steady_clock::now();
  const auto out = exec.run(x);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(out.size() == 1);
  REQUIRE(out[0].shape == Shape{n, 10});
  int64_t correct = 0;
  for (int64_t k = 0; k < n; ++k) {
    const float* row = out[0].f() + k * 10;
    const auto best = std::max_element(row, row + 10) - row;
    if (best == static_cast<uint8_t>(labels[8 + static_cast<std::size_t>(k)])) ++correct;
  }
  std::printf("LeNet-5 float executor: %lld / %lld correct (accuracy %.4f) in %.2f s\n", static_cast<long long>(correct),
              static_cast<long long>(n), static_cast<double>(correct) / static_cast<double>(n), seconds);
  CHECK(std::llabs(correct - 9008) <= 2);

  // Deterministic and batch-independent: the first 64 images alone give the same logits.
  Tensor head(DType::Float32, {64, 1, 28, 28});
  std::copy(x.f(), x.f() + 64 * 784, head.f());
  const auto small = exec.run(head);
  for (int64_t k = 0; k < 64 * 10; ++k) REQUIRE(small[0].f()[k] == out[0].f()[k]);
}

TEST_CASE("onnx: approximate kernels plug into the layers", "[onnx][models]") {
  Executor exec(load_model(lenet_path(), test::plugin_path()));
  REQUIRE(exec.approximable_layer_names().size() == 5);
  Tensor x(DType::Float32, {2, 1, 28, 28});
  for (int64_t k = 0; k < x.numel(); ++k) x.f()[k] = std::sin(static_cast<float>(k));
  const auto exact = exec.run(x);
  int calls = 0;
  exec.set_kernel("/fc3/Gemm", [&](const MatMulProblem& p) {
    ++calls;
    float_matmul_kernel(p);
    for (int64_t m = 0; m < p.M; ++m) p.y[m * p.y_row_stride] += 1.0f;  // perturb output 0
  });
  const auto changed = exec.run(x);
  CHECK(calls == 1);
  CHECK(changed[0].f()[0] == Approx(exact[0].f()[0] + 1.0f));
  CHECK(changed[0].f()[1] == exact[0].f()[1]);
  exec.set_kernel("/fc3/Gemm", {});
  CHECK(exec.run(x)[0].f()[0] == exact[0].f()[0]);
  CHECK_THROWS_WITH(exec.set_kernel("nope", {}), Catch::Contains("no approximable layer named 'nope'"));
  CHECK_THROWS_WITH(exec.run(Tensor(DType::Float32, {2, 1, 27, 28})),
                    Catch::Contains("graph input 'input': got float32 [2, 1, 27, 28], the model expects float32 [?, 1, 28, 28]"));
}

TEST_CASE("onnx: clear errors for broken and unsupported models", "[onnx][models]") {
  const std::string model = test::slurp(lenet_path());
  SECTION("truncated file") {
    const fs::path p = write_file("onnx_truncated", "half.onnx", model.substr(0, model.size() / 2));
    const std::string msg = load_error(p);
    CHECK_THAT(msg, Catch::Contains(p.string()));
    CHECK_THAT(msg, Catch::Contains("truncated or corrupt"));
  }
  SECTION("random bytes") {
    std::mt19937 rng(7);
    std::string bytes(4096, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    const fs::path p = write_file("onnx_random", "random.onnx", bytes);
    const std::string msg = load_error(p);
    CHECK_THAT(msg, Catch::Contains(p.string()));
    CHECK_THAT(msg, Catch::Contains("not a valid ONNX model"));
  }
  SECTION("unsupported operator") {
    const fs::path p = write_file("onnx_unsupported", "fancy.onnx", tiny_model("FancyOp"));
    const std::string msg = load_error(p);
    CHECK_THAT(msg, Catch::Contains(p.string()));
    CHECK_THAT(msg, Catch::Contains("node 'the_node' (FancyOp"));
    CHECK_THAT(msg, Catch::Contains("unsupported operator FancyOp"));
  }
  SECTION("unsupported attribute") {
    const std::string msg = load_error(write_file("onnx_attr", "attr.onnx", tiny_model("Relu", "shiny")));
    CHECK_THAT(msg, Catch::Contains("node 'the_node' (Relu"));
    CHECK_THAT(msg, Catch::Contains("unsupported attribute 'shiny'"));
  }
  SECTION("unsupported opset") {
    const std::string msg = load_error(write_file("onnx_opset", "old.onnx", tiny_model("Relu", "", 9)));
    CHECK_THAT(msg, Catch::Contains("opset 9 is not supported"));
  }
  SECTION("a supported tiny model runs") {
    const Graph g = load_model(write_file("onnx_tiny", "relu.onnx", tiny_model("Relu")), test::plugin_path());
    const auto y = Executor(g).run(Tensor::from_floats({4}, {-1, 2, -3, 4}));
    CHECK(y[0].f32 == FloatVector{0, 2, 0, 4});
  }
  SECTION("missing file and unknown extension") {
    CHECK_THROWS_WITH(load_model("/nonexistent/model.onnx", test::plugin_path()), Catch::Contains("model file not found"));
    const fs::path p = write_file("onnx_ext", "model.xyz", "x");
    CHECK_THROWS_WITH(load_model(p, test::plugin_path()), Catch::Contains("no plugin named 'xyz'"));
  }
}
