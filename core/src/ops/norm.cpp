// BatchNormalization (inference), InstanceNormalization, LayerNormalization.
#include <algorithm>
#include <cmath>

#include "op.hpp"

namespace axevo::ops {
namespace {

class BatchNormOp : public Op {
 public:
  explicit BatchNormOp(float eps) : eps_(eps) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    need_float(x, "X");
    if (x.rank() < 2) runtime_fail("X must have at least 2 dims");
    const int64_t N = x.shape[0], C = x.shape[1], inner = x.numel() / std::max<int64_t>(N * C, 1);
    for (std::size_t k = 1; k < 5; ++k) {
      need_float(need(in, k), "scale, B, mean and var");
      if (in[k]->numel() != C) runtime_fail("scale, B, mean and var must have " + std::to_string(C) + " values");
    }
    const float *scale = in[1]->f(), *bias = in[2]->f(), *mean = in[3]->f(), *var = in[4]->f();
    Tensor y(DType::Float32, x.shape);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = 0; c < C; ++c) {
        const float s = scale[c] / std::sqrt(var[c] + eps_);
        const float b = bias[c] - mean[c] * s;
        const float* xp = x.f() + (n * C + c) * inner;
        float* yp = y.f() + (n * C + c) * inner;
        for (int64_t k = 0; k < inner; ++k) yp[k] = xp[k] * s + b;
      }
    out[0] = std::move(y);
  }

 private:
  float eps_;
};

std::unique_ptr<Op> make_batch_norm(NodeReader& r) {
  r.require_inputs(5, 5);
  if (r.get_int("training_mode", 0) != 0) r.fail("training_mode=1 is not supported (inference only)");
  for (std::size_t k = 1; k < r.node().outputs.size(); ++k)
    if (r.has_output(k)) r.fail("training outputs (running mean/var) are not supported");
  r.get_float("momentum", 0.9f);
  if (r.opset() < 7) r.get_int("is_test", 0);  // inference either way
  if (r.opset() < 9 && r.get_int("spatial", 1) != 1) r.fail("spatial=0 is not supported");
  return std::make_unique<BatchNormOp>(r.get_float("epsilon", 1e-5f));
}

// Normalizes each of `outer` groups of `len` values: y = (x - mean) / sqrt(var + eps) * scale + bias,
// with scale/bias indexed by scale_index(group, k).
class InstanceNormOp : public Op {
 public:
  explicit InstanceNormOp(float eps) : eps_(eps) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    need_float(x, "X");
    if (x.rank() < 3) runtime_fail("X must have at least 3 dims");
    const int64_t N = x.shape[0], C = x.shape[1], inner = x.numel() / std::max<int64_t>(N * C, 1);
    const Tensor &scale = need(in, 1), &bias = need(in, 2);
    if (scale.numel() != C || bias.numel() != C) runtime_fail("scale and B must have one value per channel");
    Tensor y(DType::Float32, x.shape);
    for (int64_t g = 0; g < N * C; ++g) {
      const float* xp = x.f() + g * inner;
      double mean = 0, var = 0;
      for (int64_t k = 0; k < inner; ++k) mean += xp[k];
      mean /= static_cast<double>(inner);
      for (int64_t k = 0; k < inner; ++k) var += (xp[k] - mean) * (xp[k] - mean);
      var /= static_cast<double>(inner);
      const double inv = 1.0 / std::sqrt(var + eps_);
      const int64_t c = g % C;
      for (int64_t k = 0; k < inner; ++k) y.f()[g * inner + k] = static_cast<float>((xp[k] - mean) * inv * scale.f()[c] + bias.f()[c]);
    }
    out[0] = std::move(y);
  }

 private:
  float eps_;
};

std::unique_ptr<Op> make_instance_norm(NodeReader& r) {
  r.require_inputs(3, 3);
  return std::make_unique<InstanceNormOp>(r.get_float("epsilon", 1e-5f));
}

class LayerNormOp : public Op {
 public:
  LayerNormOp(int64_t axis, float eps) : axis_(axis), eps_(eps) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    need_float(x, "X");
    const int64_t axis = normalize_axis(axis_, x.rank());
    int64_t outer = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= x.shape[static_cast<std::size_t>(d)];
    const int64_t len = outer ? x.numel() / outer : 0;
    const Tensor& scale = need(in, 1);
    const Tensor* bias = in.size() > 2 ? in[2] : nullptr;
    const Shape norm_shape(x.shape.begin() + axis, x.shape.end());
    auto per_element = [&](const Tensor& t, const char* what) {
      need_float(t, what);
      if (broadcast_shapes(t.shape, norm_shape) != norm_shape) runtime_fail(std::string(what) + " does not broadcast to the normalized dims");
      return broadcast_strides(t.shape, norm_shape);
    };
    const auto ss = per_element(scale, "Scale");
    const auto bs = bias ? per_element(*bias, "B") : std::vector<int64_t>(norm_shape.size(), 0);
    std::vector<int64_t> soff(static_cast<std::size_t>(len)), boff(static_cast<std::size_t>(len));
    for_each_broadcast(norm_shape, ss, bs, [&](int64_t k, int64_t a, int64_t b) {
      soff[static_cast<std::size_t>(k)] = a;
      boff[static_cast<std::size_t>(k)] = b;
    });
    Shape stat_shape = x.shape;
    for (std::size_t d = static_cast<std::size_t>(axis); d < stat_shape.size(); ++d) stat_shape[d] = 1;
    Tensor y(DType::Float32, x.shape), mean_t(DType::Float32, stat_shape), inv_t(DType::Float32, stat_shape);
    for (int64_t g = 0; g < outer; ++g) {
      const float* xp = x.f() + g * len;
      double mean = 0, var = 0;
      for (int64_t k = 0; k < len; ++k) mean += xp[k];
      mean /= static_cast<double>(len);
      for (int64_t k = 0; k < len; ++k) var += (xp[k] - mean) * (xp[k] - mean);
      var /= static_cast<double>(len);
      const double inv = 1.0 / std::sqrt(var + eps_);
      mean_t.f()[g] = static_cast<float>(mean);
      inv_t.f()[g] = static_cast<float>(inv);
      for (int64_t k = 0; k < len; ++k) {
        const double b = bias ? bias->f()[boff[static_cast<std::size_t>(k)]] : 0.0;
        y.f()[g * len + k] = static_cast<float>((xp[k] - mean) * inv * scale.f()[soff[static_cast<std::size_t>(k)]] + b);
      }
    }
    out[0] = std::move(y);
    if (out.size() > 1) out[1] = std::move(mean_t);
    if (out.size() > 2) out[2] = std::move(inv_t);
  }

 private:
  int64_t axis_;
  float eps_;
};

std::unique_ptr<Op> make_layer_norm(NodeReader& r) {
  r.require_inputs(2, 3);
  if (r.get_int("stash_type", 1) != 1) r.fail("only stash_type=1 (float) is supported");
  return std::make_unique<LayerNormOp>(r.get_int("axis", -1), r.get_float("epsilon", 1e-5f));
}

}  // namespace

void register_norm(Registry& r) {
  r["BatchNormalization"] = make_batch_norm;
  r["InstanceNormalization"] = make_instance_norm;
  r["LayerNormalization"] = make_layer_norm;
}

}  // namespace axevo::ops
