// The 8-bit emulator: calibration, per-layer assignment, and the integer semantics of an
// emulated layer checked against a hand computation; accuracy on a real PyTorch export.
#include <catch2/catch.hpp>

#include <cmath>

#include "axevo/activation_cache.hpp"
#include "axevo/dataset.hpp"
#include "axevo/emulator.hpp"
#include "axevo/kernels/approx_conv.hpp"
#include "axevo/error.hpp"
#include "axevo/library.hpp"
#include "axevo/model_loader.hpp"
#include "graph_builders.hpp"
#include "test_support.hpp"

using namespace axevo;
using Catch::Matchers::Contains;

namespace {

const Dataset& fashion() {
  static const Dataset ds = load_dataset("fashion-mnist", test::plugin_path());
  return ds;
}

Tensor images(const DatasetSplit& split, std::size_t start, std::size_t n) {
  std::vector<std::size_t> idx(n);
  for (std::size_t i = 0; i < n; ++i) idx[i] = start + i;
  Tensor x(DType::Float32, {static_cast<int64_t>(n), 1, 28, 28});
  fill_batch(split, idx, Normalization{{0.2860f}, {0.3530f}}, x.f());
  return x;
}

int correct(const Emulator& emu, std::size_t n) {
  const auto& test = fashion().split("test");
  int ok = 0;
  for (std::size_t start = 0; start < n; start += 500) {
    const std::size_t b = std::min<std::size_t>(500, n - start);
    const Tensor logits = emu.run(images(test, start, b))[0];
    for (std::size_t i = 0; i < b; ++i) {
      const float* row = logits.f() + i * 10;
      ok += (std::max_element(row, row + 10) - row) == test.labels[start + i];
    }
  }
  return ok;
}

// Values in [-1, 1] (times `scale`) from a fixed LCG, the same on every platform.
std::vector<float> lcg_values(uint64_t seed, std::size_t n, float scale = 1.0f) {
  std::vector<float> v(n);
  for (auto& e : v) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    e = static_cast<float>(static_cast<int>((seed >> 33) % 2001) - 1000) / 1000.0f * scale;
  }
  return v;
}

// The reference quantization of a one-batch test: max calibration of x and of w, per tensor.
struct MaxQuantized {
  float sx = 0, sw = 0;
  std::vector<int8_t> qx, qw;
};
MaxQuantized quantize_by_max(const std::vector<float>& x, const std::vector<float>& w) {
  auto scale = [](const std::vector<float>& v) {
    float m = 0;
    for (float e : v) m = std::max(m, std::fabs(e));
    return quant::scale_from_threshold(m);
  };
  MaxQuantized q;
  q.sx = scale(x), q.sw = scale(w);
  q.qx.resize(x.size()), q.qw.resize(w.size());
  quant::quantize(x.data(), x.size(), q.sx, q.qx.data());
  quant::quantize(w.data(), w.size(), q.sw, q.qw.data());
  return q;
}

}  // namespace

TEST_CASE("emulator: a Gemm layer follows the documented integer semantics", "[emulator]") {
  // y = x · Wᵀ + b with 2 inputs, 3 outputs.
  Graph g;
  g.opset = 13;
  g.inputs.push_back({"x", DType::Float32, {-1, 2}});
  g.outputs = {"y"};
  g.initializers["W"] = Tensor::from_floats({3, 2}, {0.5f, -1.0f, 0.25f, 0.125f, -0.75f, 1.0f});
  g.initializers["b"] = Tensor::from_floats({3}, {0.1f, 0.0f, -0.2f});
  Node gemm;
  gemm.op_type = "Gemm";
  gemm.name = "fc";
  gemm.inputs = {"x", "W", "b"};
  gemm.outputs = {"y"};
  Attribute trans_b;
  trans_b.kind = Attribute::Kind::Int;
  trans_b.i = 1;
  gemm.attributes["transB"] = trans_b;
  g.nodes.push_back(gemm);
  const Tensor x = Tensor::from_floats({1, 2}, {0.0165f, -0.7f});  // quantizes to {3, -127}
  QuantOptions opt;
  opt.calibration = quant::CalibrationMethod::Max;
  const Calibration cal = calibrate(g, {x}, opt);
  REQUIRE(cal.activation_scale.at("fc") == Approx(0.7f / 127));
  // A multiplier that is exact except 3 * w = 3 * w + 1 for every w: visible in the sums.
  Table t = exact_table();
  for (int w = -128; w < 128; ++w) t[table_index(3, w)] = static_cast<int16_t>(3 * w + 1);
  const Multiplier m = make_multiplier("plus_one_on_3", t);
  Emulator emu(g, cal, opt);
  emu.assign("fc", &m);
  const Tensor y = emu.run(x)[0];
  // By hand: s_x = 0.7/127, s_w = 1/127 (max |W| = 1), q = round_half_even(v / s).
  const float sx = 0.7f / 127, sw = 1.0f / 127;
  const int qx[2] = {static_cast<int>(quant::round_half_even(0.0165f / sx)), -127};
  REQUIRE(qx[0] == 3);
  const float W[3][2] = {{0.5f, -1.0f}, {0.25f, 0.125f}, {-0.75f, 1.0f}};
  const float b[3] = {0.1f, 0.0f, -0.2f};
  for (int n = 0; n < 3; ++n) {
    int acc = 0, exact_acc = 0;
    for (int k = 0; k < 2; ++k) {
      const int qw = static_cast<int>(quant::round_half_even(W[n][k] / sw));
      acc += t[table_index(qx[k], qw)];
      exact_acc += qx[k] * qw;
    }
    CHECK(acc == exact_acc + 1);  // the table's one deviation is in every output
    CHECK(y.f()[n] == Approx(static_cast<float>(acc) * sx * sw + b[n]).epsilon(1e-6));
  }
  REQUIRE_THROWS_WITH(emu.assign("fc2", &m), Contains("unknown layer 'fc2'") && Contains("fc"));
  emu.assign("fc", nullptr);  // back to float
  const Tensor yf = emu.run(x)[0];
  CHECK(yf.f()[0] == Approx(0.0165f * 0.5f + 0.7f * 1.0f + 0.1f));
}

TEST_CASE("emulator: LeNet-5 export in exact 8 bits stays within 0.5 points of float; 1KV8 equals exact",
          "[emulator][evoapprox]") {
  const Graph g = load_model(test::shared_dir() / "models" / "lenet5_fmnist.onnx", test::plugin_path());
  const auto& train = fashion().split("train");
  std::vector<Tensor> batches;
  for (std::size_t s = 0; s < 2000; s += 500) batches.push_back(images(train, s, 500));
  const QuantOptions opt;  // per-tensor weights, percentile 99.99 activations
  const Calibration cal = calibrate(g, batches, opt);
  Emulator emu(g, cal, opt);
  const int float_correct = correct(emu, 10000);
  CHECK(std::abs(float_correct - 9008) <= 2);
  const Multiplier exact = make_multiplier("exact", exact_table());
  emu.assign_all(&exact);
  const int exact_correct = correct(emu, 10000);
  WARN("LeNet-5 (shared export): float " << float_correct << ", exact 8-bit " << exact_correct << " of 10,000");
  CHECK(std::abs(exact_correct - float_correct) <= 50);  // 0.5 points of 10,000
  // EvoApprox's exact circuit gives bit-identical outputs.
  const auto evo = MultiplierSet::load({"lut:" + test::evoapprox_dir().string()}, test::plugin_path(), nullptr);
  const Tensor x = images(fashion().split("test"), 0, 200);
  const Tensor a = emu.run(x)[0];
  emu.assign_all(&evo.get("mul8s_1KV8"));
  const Tensor b = emu.run(x)[0];
  CHECK(a.f32 == b.f32);
  // A coarse circuit changes them.
  emu.assign_all(&evo.get("mul8s_1KR3"));
  CHECK(emu.run(x)[0].f32 != a.f32);
}

using axevo::test::int_attr;
using axevo::test::ints_attr;

TEST_CASE("emulator: an emulated Conv equals the reference table convolution bit for bit", "[emulator][evoapprox]") {
  // Odd shapes: 4 -> 6 channels in 2 groups, 3x3 kernel, stride 2, pad 1, dilation 2, a bias;
  // 2 images of 7x9 (one GEMM holds both), and 7 images of 28x40 (247 output pixels: the
  // op hands 5 images to one GEMM, then the last 2), and 3 images of 5x80 (39 output
  // columns: rows longer than the fixed-size row copy); a non-commutative EvoApprox circuit,
  // both operand orders.
  struct Case {
    int batch, h, w;
  };
  const auto evo = MultiplierSet::load({"lut:" + test::evoapprox_dir().string()}, test::plugin_path(), nullptr);
  const Multiplier& m = evo.get("mul8s_1KRC");
  for (const Case c : {Case{2, 7, 9}, Case{7, 28, 40}, Case{3, 5, 80}}) {
    kernels::Conv2dParams p;
    p.batch = c.batch, p.in_channels = 4, p.in_h = c.h, p.in_w = c.w, p.out_channels = 6, p.kernel_h = p.kernel_w = 3;
    p.stride_h = p.stride_w = 2, p.pad_h = p.pad_w = 1, p.dilation_h = p.dilation_w = 2, p.groups = 2;
    const std::vector<float> w = lcg_values(7, 6 * 2 * 3 * 3), bias = lcg_values(9, 6),
                             xin = lcg_values(8, static_cast<std::size_t>(c.batch * 4 * c.h * c.w), 3.0f);
    const Graph g = test::one_node_graph("Conv", "conv", {c.batch, 4, c.h, c.w}, Tensor::from_floats({6, 2, 3, 3}, w),
                                         Tensor::from_floats({6}, bias),
                                         {{"group", int_attr(2)},
                                          {"strides", ints_attr({2, 2})},
                                          {"pads", ints_attr({1, 1, 1, 1})},
                                          {"dilations", ints_attr({2, 2})},
                                          {"kernel_shape", ints_attr({3, 3})}});
    const Tensor x = Tensor::from_floats({c.batch, 4, c.h, c.w}, xin);
    for (auto order : {kernels::OperandOrder::ActivationFirst, kernels::OperandOrder::WeightFirst}) {
      QuantOptions opt;
      opt.calibration = quant::CalibrationMethod::Max;
      opt.order = order;
      Emulator emu(g, calibrate(g, {x}, opt), opt);
      emu.assign("conv", &m);
      const Tensor y = emu.run(x)[0];
      // The reference: quantize, convolve through the table, scale, add the bias.
      const MaxQuantized q = quantize_by_max(xin, w);  // max calibration on this one batch
      const int oh = p.out_h(), ow = p.out_w();
      std::vector<int32_t> acc(static_cast<std::size_t>(c.batch * 6 * oh * ow));
      kernels::approx_conv2d_reference(*m.table, order, p, q.qx.data(), q.qw.data(), acc.data());
      REQUIRE(y.shape == Shape{c.batch, 6, oh, ow});
      std::size_t same = 0;
      for (std::size_t i = 0; i < acc.size(); ++i) {
        const std::size_t ch = (i / static_cast<std::size_t>(oh * ow)) % 6;
        same += y.f()[i] == static_cast<float>(acc[i]) * q.sx * q.sw + bias[ch];
      }
      INFO(c.batch << " images of " << c.h << "x" << c.w);
      CHECK(same == acc.size());
    }
  }
}

TEST_CASE("emulator: a 3-D Conv whose only depth tap falls in the padding multiplies zeros", "[emulator]") {
  // Depth: 1 input slice, kernel depth 1, pads (1, 0), stride 3: one output slice, read at
  // depth -1, i.e. padding, so with the exact multiplier every output is its channel's bias
  // (the 2-D im2col must not be taken for it).
  const std::vector<float> w = lcg_values(21, 3 * 2 * 1 * 3 * 3), bias = lcg_values(22, 3), xin = lcg_values(23, 2 * 5 * 5, 3.0f);
  const Graph g = test::one_node_graph("Conv", "conv3d", {1, 2, 1, 5, 5}, Tensor::from_floats({3, 2, 1, 3, 3}, w),
                                       Tensor::from_floats({3}, bias),
                                       {{"strides", ints_attr({3, 1, 1})}, {"pads", ints_attr({1, 1, 1, 0, 1, 1})},
                                        {"kernel_shape", ints_attr({1, 3, 3})}});
  const Tensor x = Tensor::from_floats({1, 2, 1, 5, 5}, xin);
  QuantOptions opt;
  opt.calibration = quant::CalibrationMethod::Max;
  Emulator emu(g, calibrate(g, {x}, opt), opt);
  const Multiplier exact = make_multiplier("exact", exact_table());
  emu.assign("conv3d", &exact);
  const Tensor y = emu.run(x)[0];
  REQUIRE(y.shape == Shape{1, 3, 1, 5, 5});
  for (int64_t i = 0; i < y.numel(); ++i) CHECK(y.f()[i] == bias[static_cast<std::size_t>(i / 25)]);
}

TEST_CASE("emulator: an emulated ConvTranspose equals the reference table scatter bit for bit", "[emulator][evoapprox]") {
  // Odd shape: 2 images, 4 -> 6 channels in 2 groups, 5x6 input, 3x3 kernel, stride 2, pad 1,
  // dilation 2, output padding 1 (so most output pixels sum several overlapping taps), a bias;
  // a non-commutative EvoApprox circuit, both operand orders.  Each output must be the one
  // int32 sum of all its taps, scaled once: y = float(acc) * s_x * s_w + b.
  kernels::ConvTranspose2dParams p;
  p.batch = 2, p.in_channels = 4, p.in_h = 5, p.in_w = 6, p.out_channels = 6, p.kernel_h = p.kernel_w = 3;
  p.stride_h = p.stride_w = 2, p.pad_h = p.pad_w = 1, p.dilation_h = p.dilation_w = 2, p.groups = 2;
  p.output_pad_h = p.output_pad_w = 1;
  const std::vector<float> w = lcg_values(11, 4 * 3 * 3 * 3), xin = lcg_values(12, 2 * 4 * 5 * 6, 3.0f), bias = lcg_values(13, 6);
  const Graph g = test::one_node_graph("ConvTranspose", "deconv", {2, 4, 5, 6}, Tensor::from_floats({4, 3, 3, 3}, w),
                                       Tensor::from_floats({6}, bias),
                                       {{"group", int_attr(2)},
                                        {"strides", ints_attr({2, 2})},
                                        {"pads", ints_attr({1, 1, 1, 1})},
                                        {"dilations", ints_attr({2, 2})},
                                        {"output_padding", ints_attr({1, 1})},
                                        {"kernel_shape", ints_attr({3, 3})}});
  const Tensor x = Tensor::from_floats({2, 4, 5, 6}, xin);
  const auto evo = MultiplierSet::load({"lut:" + test::evoapprox_dir().string()}, test::plugin_path(), nullptr);
  const Multiplier& m = evo.get("mul8s_1KRC");
  for (auto order : {kernels::OperandOrder::ActivationFirst, kernels::OperandOrder::WeightFirst}) {
    QuantOptions opt;
    opt.calibration = quant::CalibrationMethod::Max;
    opt.order = order;
    Emulator emu(g, calibrate(g, {x}, opt), opt);
    emu.assign("deconv", &m);
    const Tensor y = emu.run(x)[0];
    const MaxQuantized q = quantize_by_max(xin, w);
    const int oh = p.out_h(), ow = p.out_w();
    std::vector<int32_t> acc(static_cast<std::size_t>(2 * 6 * oh * ow));
    kernels::approx_conv_transpose2d_reference(*m.table, order, p, q.qx.data(), q.qw.data(), acc.data());
    REQUIRE(y.shape == Shape{2, 6, oh, ow});
    std::size_t same = 0;
    for (std::size_t i = 0; i < acc.size(); ++i) {
      const std::size_t c = (i / static_cast<std::size_t>(oh * ow)) % 6;
      same += y.f()[i] == static_cast<float>(acc[i]) * q.sx * q.sw + bias[c];
    }
    CHECK(same == acc.size());
  }
  // Per-channel weight scales cannot be summed across taps in integers: refused by name.
  QuantOptions pc;
  pc.weights = quant::WeightGranularity::PerChannel;
  CHECK_THROWS_WITH(Emulator(g, calibrate(g, {x}, pc), pc), Contains("deconv") && Contains("per-channel"));
}

TEST_CASE("activation cache: runs resumed from shared prefixes equal uncached runs bit for bit", "[emulator][cache]") {
  // ResNet-8 (residual adds, projection shortcuts: states hold several live tensors) and
  // LeNet-5; random assignments drawn from 4 multipliers so prefixes repeat.
  const auto builtin = MultiplierSet::load({"builtin"}, test::plugin_path(), nullptr);
  const Multiplier* choices[] = {nullptr, &builtin.get("bw_exact"), &builtin.get("bw_trunc_k6"), &builtin.get("bw_ama5_k8")};
  for (const char* name : {"resnet8", "lenet5"}) {
    const Graph g = load_model(std::string(AXEVO_SOURCE_DIR) + "/models/" + name + ".onnx", test::plugin_path());
    const auto& test_split = fashion().split("test");
    std::vector<Tensor> batches{images(test_split, 0, 40), images(test_split, 40, 33)};
    QuantOptions opt;
    const Calibration cal = calibrate(g, {batches[0]}, opt);
    Emulator plain(g, cal, opt), cached(g, cal, opt);
    ActivationCache cache(std::size_t(1) << 30);
    uint64_t s = 99;
    std::size_t runs = 0, identical = 0;
    for (int trial = 0; trial < 24; ++trial) {
      for (const auto& l : plain.layers()) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        // Early layers vary less, so deep prefixes recur.
        const std::size_t pick = trial % 3 == 0 ? (s >> 33) % 4 : (&l == &plain.layers().front() ? 2 : (s >> 33) % 4);
        plain.assign(l, choices[pick]);
        cached.assign(l, choices[pick]);
      }
      for (std::size_t b = 0; b < batches.size(); ++b) {
        const Tensor want = plain.run(batches[b])[0];
        const Tensor got = cache.run(cached, b, batches[b])[0];
        ++runs;
        identical += want.shape == got.shape && want.f32 == got.f32;
      }
    }
    INFO(name);
    CHECK(identical == runs);
    const auto st = cache.stats();
    CHECK(st.runs == runs);
    CHECK(st.hits > runs / 2);  // every run after the first per batch resumes at least at layer 0
    CHECK(st.layers_skipped > 0);
    CHECK(st.bytes <= std::size_t(1) << 30);
  }
  // A tiny budget evicts but stays correct.
  const Graph g = load_model(std::string(AXEVO_SOURCE_DIR) + "/models/lenet5.onnx", test::plugin_path());
  const Tensor x = images(fashion().split("test"), 0, 16);
  QuantOptions opt;
  Emulator a(g, calibrate(g, {x}, opt), opt), b(g, calibrate(g, {x}, opt), opt);
  ActivationCache small(60000);
  small.set_layer_costs({1, 100, 100, 10, 1});  // cost-aware eviction
  for (int trial = 0; trial < 6; ++trial) {
    a.assign_all(choices[trial % 4]);
    b.assign_all(choices[trial % 4]);
    CHECK(a.run(x)[0].f32 == small.run(b, 0, x)[0].f32);
  }
  CHECK(small.stats().bytes <= 60000);
  CHECK(small.stats().evictions > 0);
  // The first layer's input (16 x 1 x 28 x 28 floats, 50 KB) is never dropped: every run after
  // the first resumes from it at least.
  CHECK(small.stats().hits == 5);
}
