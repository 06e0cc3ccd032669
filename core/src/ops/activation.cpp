// Relu, LeakyRelu, Clip, Sigmoid, Tanh and friends, Softmax and LogSoftmax.
#include <algorithm>
#include <cmath>
#include <limits>

#include "op.hpp"

namespace axevo::ops {
namespace {

using Fn = float (*)(float, float, float);

// y[k] = F(x[k], alpha, beta): one loop per function, so that F is inlined (and Relu vectorizes).
template <Fn F>
void apply_all(const float* x, float* y, int64_t n, float alpha, float beta) {
  for (int64_t k = 0; k < n; ++k) y[k] = F(x[k], alpha, beta);
}
using Loop = void (*)(const float*, float*, int64_t, float, float);

// y = f(x, alpha, beta) elementwise on float32.
class ActivationOp : public Op {
 public:
  ActivationOp(Loop loop, float alpha, float beta) : loop_(loop), alpha_(alpha), beta_(beta) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    need_float(x, "input");
    Tensor y(DType::Float32, x.shape);
    loop_(x.f(), y.f(), x.numel(), alpha_, beta_);
    out[0] = std::move(y);
  }

 private:
  Loop loop_;
  float alpha_, beta_;
};

float relu(float x, float, float) { return relu_value(x); }
float leaky_relu(float x, float a, float) { return x >= 0 ? x : a * x; }
float sigmoid(float x, float, float) { return 1.0f / (1.0f + std::exp(-x)); }
float tanh_(float x, float, float) { return std::tanh(x); }
float elu(float x, float a, float) { return x >= 0 ? x : a * (std::exp(x) - 1.0f); }
float selu(float x, float a, float g) { return x > 0 ? g * x : g * (a * std::exp(x) - a); }
float softplus(float x, float, float) { return std::log1p(std::exp(x)); }
float softsign(float x, float, float) { return x / (1.0f + std::fabs(x)); }
float hard_sigmoid(float x, float a, float b) { return std::max(0.0f, std::min(1.0f, a * x + b)); }
float hard_swish(float x, float, float) { return x * std::max(0.0f, std::min(1.0f, x / 6.0f + 0.5f)); }
float celu(float x, float a, float) { return std::max(0.0f, x) + std::min(0.0f, a * (std::exp(x / a) - 1.0f)); }
float thresholded_relu(float x, float a, float) { return x > a ? x : 0.0f; }

template <Fn F>
std::unique_ptr<Op> make_plain(NodeReader& r) {
  r.require_inputs(1, 1);
  return std::make_unique<ActivationOp>(&apply_all<F>, 0.0f, 0.0f);
}
std::unique_ptr<Op> make_leaky_relu(NodeReader& r) {
  r.require_inputs(1, 1);
  return std::make_unique<ActivationOp>(&apply_all<leaky_relu>, r.get_float("alpha", 0.01f), 0.0f);
}
std::unique_ptr<Op> make_elu(NodeReader& r) {
  r.require_inputs(1, 1);
  return std::make_unique<ActivationOp>(&apply_all<elu>, r.get_float("alpha", 1.0f), 0.0f);
}
std::unique_ptr<Op> make_selu(NodeReader& r) {
  r.require_inputs(1, 1);
  return std::make_unique<ActivationOp>(&apply_all<selu>, r.get_float("alpha", 1.67326319217681884765625f),
                                        r.get_float("gamma", 1.05070102214813232421875f));
}
std::unique_ptr<Op> make_celu(NodeReader& r) {
  r.require_inputs(1, 1);
  return std::make_unique<ActivationOp>(&apply_all<celu>, r.get_float("alpha", 1.0f), 0.0f);
}
std::unique_ptr<Op> make_thresholded_relu(NodeReader& r) {
  r.require_inputs(1, 1);
  return std::make_unique<ActivationOp>(&apply_all<thresholded_relu>, r.get_float("alpha", 1.0f), 0.0f);
}
std::unique_ptr<Op> make_hard_sigmoid(NodeReader& r) {
  r.require_inputs(1, 1);
  return std::make_unique<ActivationOp>(&apply_all<hard_sigmoid>, r.get_float("alpha", 0.2f), r.get_float("beta", 0.5f));
}

// Clip: bounds as attributes before opset 11, as optional inputs from 11 on.
class ClipOp : public Op {
 public:
  ClipOp(float lo, float hi) : lo_(lo), hi_(hi) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    const bool has_lo = in.size() > 1 && in[1], has_hi = in.size() > 2 && in[2];
    if (x.dtype == DType::Int64) {
      int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
      if (has_lo) lo = in[1]->as_int(0);
      if (has_hi) hi = in[2]->as_int(0);
      Tensor y(DType::Int64, x.shape);
      for (int64_t k = 0; k < x.numel(); ++k) y.i()[k] = std::min(hi, std::max(lo, x.i()[k]));
      out[0] = std::move(y);
      return;
    }
    float lo = lo_, hi = hi_;
    if (has_lo) lo = static_cast<float>(in[1]->as_double(0));
    if (has_hi) hi = static_cast<float>(in[2]->as_double(0));
    Tensor y(DType::Float32, x.shape);
    for (int64_t k = 0; k < x.numel(); ++k) y.f()[k] = std::min(hi, std::max(lo, x.f()[k]));
    out[0] = std::move(y);
  }

 private:
  float lo_, hi_;
};

std::unique_ptr<Op> make_clip(NodeReader& r) {
  const float inf = std::numeric_limits<float>::infinity();
  if (r.opset() < 11) {
    r.require_inputs(1, 1);
    return std::make_unique<ClipOp>(r.get_float("min", -inf), r.get_float("max", inf));
  }
  r.require_inputs(1, 3);
  return std::make_unique<ClipOp>(-inf, inf);
}

// Softmax / LogSoftmax.  Opset < 13: the input is coerced to 2D at `axis` (default 1) and
// normalized over the flattened trailing part; opset >= 13: over the single `axis` (default -1).
class SoftmaxOp : public Op {
 public:
  SoftmaxOp(int64_t axis, bool coerce_2d, bool log) : axis_(axis), coerce_(coerce_2d), log_(log) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    need_float(x, "input");
    const int64_t rank = x.rank();
    const int64_t axis = rank == 0 ? 0 : normalize_axis(axis_, rank);
    int64_t outer = 1, len = 1, inner = 1;
    for (int64_t d = 0; d < rank; ++d) {
      if (d < axis) outer *= x.shape[static_cast<std::size_t>(d)];
      else if (d == axis || coerce_) len *= x.shape[static_cast<std::size_t>(d)];
      else inner *= x.shape[static_cast<std::size_t>(d)];
    }
    Tensor y(DType::Float32, x.shape);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const float* xp = x.f() + o * len * inner + i;
        float* yp = y.f() + o * len * inner + i;
        float mx = -std::numeric_limits<float>::infinity();
        for (int64_t k = 0; k < len; ++k) mx = std::max(mx, xp[k * inner]);
        double sum = 0;
        for (int64_t k = 0; k < len; ++k) sum += std::exp(static_cast<double>(xp[k * inner] - mx));
        for (int64_t k = 0; k < len; ++k) {
          const double v = static_cast<double>(xp[k * inner] - mx);
          yp[k * inner] = static_cast<float>(log_ ? v - std::log(sum) : std::exp(v) / sum);
        }
      }
    out[0] = std::move(y);
  }

 private:
  int64_t axis_;
  bool coerce_, log_;
};

// Hardmax: 1 at the first maximum along the axis (same axis semantics as Softmax), else 0.
class HardmaxOp : public Op {
 public:
  HardmaxOp(int64_t axis, bool coerce_2d) : axis_(axis), coerce_(coerce_2d) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    need_float(x, "input");
    const int64_t rank = x.rank();
    const int64_t axis = normalize_axis(axis_, rank);
    int64_t outer = 1, len = 1, inner = 1;
    for (int64_t d = 0; d < rank; ++d) {
      if (d < axis) outer *= x.shape[static_cast<std::size_t>(d)];
      else if (d == axis || coerce_) len *= x.shape[static_cast<std::size_t>(d)];
      else inner *= x.shape[static_cast<std::size_t>(d)];
    }
    Tensor y(DType::Float32, x.shape);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const float* xp = x.f() + o * len * inner + i;
        int64_t best = 0;
        for (int64_t k = 1; k < len; ++k)
          if (xp[k * inner] > xp[best * inner]) best = k;
        if (len > 0) y.f()[o * len * inner + i + best * inner] = 1.0f;
      }
    out[0] = std::move(y);
  }

 private:
  int64_t axis_;
  bool coerce_;
};

std::unique_ptr<Op> make_hardmax(NodeReader& r) {
  r.require_inputs(1, 1);
  const bool old = r.opset() < 13;
  return std::make_unique<HardmaxOp>(r.get_int("axis", old ? 1 : -1), old);
}

template <bool Log>
std::unique_ptr<Op> make_softmax(NodeReader& r) {
  r.require_inputs(1, 1);
  const bool old = r.opset() < 13;
  return std::make_unique<SoftmaxOp>(r.get_int("axis", old ? 1 : -1), old, Log);
}

}  // namespace

void register_activation(Registry& r) {
  r["Relu"] = make_plain<relu>;
  r["Sigmoid"] = make_plain<sigmoid>;
  r["Tanh"] = make_plain<tanh_>;
  r["Softplus"] = make_plain<softplus>;
  r["Softsign"] = make_plain<softsign>;
  r["LeakyRelu"] = make_leaky_relu;
  r["Elu"] = make_elu;
  r["Selu"] = make_selu;
  r["HardSigmoid"] = make_hard_sigmoid;
  r["HardSwish"] = make_plain<hard_swish>;
  r["Celu"] = make_celu;
  r["ThresholdedRelu"] = make_thresholded_relu;
  r["Clip"] = make_clip;
  r["Softmax"] = make_softmax<false>;
  r["Hardmax"] = make_hardmax;
  r["LogSoftmax"] = make_softmax<true>;
}

}  // namespace axevo::ops
