// Add, Sub, Mul, Div, Pow, PRelu, variadic Max/Min/Sum/Mean with numpy broadcasting (float32
// and int64), and simple unary maths.
#include <algorithm>
#include <cmath>
#include <functional>

#include "op.hpp"

namespace axevo::ops {
namespace {

enum class Binary { Add, Sub, Mul, Div, Pow, PRelu, Max, Min };

template <class T>
T apply(Binary k, T a, T b) {
  switch (k) {
    case Binary::Add: return a + b;
    case Binary::Sub: return a - b;
    case Binary::Mul: return a * b;
    case Binary::Div:
      if constexpr (std::is_integral_v<T>) {
        if (b == 0) runtime_fail("integer division by zero");
      }
      return a / b;
    case Binary::Pow: return static_cast<T>(std::pow(a, b));
    case Binary::PRelu: return a < 0 ? a * b : a;
    case Binary::Max: return std::max(a, b);
    case Binary::Min: return std::min(a, b);
  }
  return a;
}

template <class T>
void binary_loop(Binary kind, const T* a, const T* b, T* y, const Shape& out, const Shape& sa_shape, const Shape& sb_shape) {
  const int64_t n = shape_numel(out);
  const int64_t na = shape_numel(sa_shape), nb = shape_numel(sb_shape);
  if (na == n && nb == n && kind == Binary::Add) {  // residual connections: a loop that vectorizes
    for (int64_t k = 0; k < n; ++k) y[k] = a[k] + b[k];
  } else if (na == n && nb == n) {
    for (int64_t k = 0; k < n; ++k) y[k] = apply(kind, a[k], b[k]);
  } else if (nb == 1 && na == n) {
    for (int64_t k = 0; k < n; ++k) y[k] = apply(kind, a[k], b[0]);
  } else if (na == 1 && nb == n) {
    for (int64_t k = 0; k < n; ++k) y[k] = apply(kind, a[0], b[k]);
  } else {
    for_each_broadcast(out, broadcast_strides(sa_shape, out), broadcast_strides(sb_shape, out),
                       [&](int64_t k, int64_t oa, int64_t ob) { y[k] = apply(kind, a[oa], b[ob]); });
  }
}

Tensor binary(Binary kind, const Tensor& a, const Tensor& b);

class BinaryOp : public Op {
 public:
  // channel_slope: PRelu before opset 7, whose 1-D slope applies along axis 1.
  explicit BinaryOp(Binary k, bool channel_slope = false) : kind_(k), channel_slope_(channel_slope) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& a = need(in, 0);
    const Tensor& b = need(in, 1);
    if (kind_ == Binary::Pow && b.dtype != a.dtype) {  // Pow allows an exponent of another type
      Tensor e(a.dtype, b.shape);
      for (int64_t k = 0; k < b.numel(); ++k) {
        if (a.dtype == DType::Float32) e.f()[k] = static_cast<float>(b.as_double(k));
        else e.i()[k] = static_cast<int64_t>(b.as_double(k));
      }
      out[0] = binary(kind_, a, e);
    } else if (channel_slope_ && b.rank() == 1 && a.rank() > 2 && b.numel() == a.shape[1]) {
      Tensor slope = b;
      slope.shape.assign(static_cast<std::size_t>(a.rank() - 1), 1);
      slope.shape[0] = b.numel();
      out[0] = binary(kind_, a, slope);
    } else if (relu_ && a.dtype == DType::Float32 && b.dtype == DType::Float32 && a.shape == b.shape) {
      Tensor y = Tensor::uninitialized_floats(a.shape);  // residual connection + ReLU: one loop, every element
      const float *pa = a.f(), *pb = b.f();
      float* py = y.f();
      for (int64_t k = 0, n = y.numel(); k < n; ++k) py[k] = relu_value(pa[k] + pb[k]);
      out[0] = std::move(y);
      return;
    } else {
      out[0] = binary(kind_, a, b);
    }
    if (relu_) {
      if (out[0].dtype != DType::Float32) runtime_fail("the Relu folded into this Add needs float32, not " + dtype_name(out[0].dtype));
      for (auto& v : out[0].f32) v = relu_value(v);
    }
  }
  // Add only (ResNet's residual connections); a folded Relu on int64 fails as the Relu would.
  bool absorb_relu() override { return kind_ == Binary::Add && (relu_ = true); }

 private:
  Binary kind_;
  bool channel_slope_;
  bool relu_ = false;
};

Tensor binary(Binary kind, const Tensor& a, const Tensor& b) {
  if (a.dtype != b.dtype) runtime_fail("operands have different types " + dtype_name(a.dtype) + " and " + dtype_name(b.dtype));
  const Shape shape = broadcast_shapes(a.shape, b.shape);
  Tensor y = a.dtype == DType::Float32 ? Tensor::uninitialized_floats(shape) : Tensor(a.dtype, shape);  // all written
  if (a.dtype == DType::Float32) binary_loop(kind, a.f(), b.f(), y.f(), shape, a.shape, b.shape);
  else binary_loop(kind, a.i(), b.i(), y.i(), shape, a.shape, b.shape);
  return y;
}

// Max, Min, Sum, Mean of any number of inputs.
class VariadicOp : public Op {
 public:
  VariadicOp(Binary kind, bool mean) : kind_(kind), mean_(mean) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    Tensor acc = need(in, 0);
    for (std::size_t k = 1; k < in.size(); ++k) acc = binary(kind_, acc, need(in, k));
    if (mean_) {
      need_float(acc, "Mean inputs");
      for (auto& v : acc.f32) v /= static_cast<float>(in.size());
    }
    out[0] = std::move(acc);
  }

 private:
  Binary kind_;
  bool mean_;
};

template <Binary K, bool Mean = false>
std::unique_ptr<Op> make_variadic(NodeReader& r) {
  if (r.n_inputs() < 1) r.fail("needs at least one input");
  r.require_inputs(r.n_inputs(), r.n_inputs());
  return std::make_unique<VariadicOp>(K, Mean);
}

template <Binary K>
std::unique_ptr<Op> make_binary(NodeReader& r) {
  r.require_inputs(2, 2);
  // Before opset 7, broadcast=1 without axis is numpy's trailing-aligned broadcasting.
  if (r.opset() < 7) r.get_int("broadcast", 0);
  return std::make_unique<BinaryOp>(K);
}

std::unique_ptr<Op> make_prelu(NodeReader& r) {
  r.require_inputs(2, 2);
  return std::make_unique<BinaryOp>(Binary::PRelu, r.opset() < 7);
}

// Unary float functions without attributes.
class UnaryOp : public Op {
 public:
  explicit UnaryOp(float (*f)(float)) : f_(f) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    if (x.dtype == DType::Int64) {
      Tensor y(DType::Int64, x.shape);
      for (int64_t k = 0; k < x.numel(); ++k) y.i()[k] = static_cast<int64_t>(f_(static_cast<float>(x.i()[k])));
      out[0] = std::move(y);
      return;
    }
    Tensor y(DType::Float32, x.shape);
    for (int64_t k = 0; k < x.numel(); ++k) y.f()[k] = f_(x.f()[k]);
    out[0] = std::move(y);
  }

 private:
  float (*f_)(float);
};

template <float (*F)(float)>
std::unique_ptr<Op> make_unary(NodeReader& r) {
  r.require_inputs(1, 1);
  return std::make_unique<UnaryOp>(F);
}

float f_neg(float x) { return -x; }
float f_abs(float x) { return std::fabs(x); }
float f_exp(float x) { return std::exp(x); }
float f_log(float x) { return std::log(x); }
float f_sqrt(float x) { return std::sqrt(x); }
float f_reciprocal(float x) { return 1.0f / x; }
float f_floor(float x) { return std::floor(x); }
float f_ceil(float x) { return std::ceil(x); }
float f_erf(float x) { return std::erf(x); }
float f_sin(float x) { return std::sin(x); }
float f_cos(float x) { return std::cos(x); }
float f_tan(float x) { return std::tan(x); }
float f_asin(float x) { return std::asin(x); }
float f_acos(float x) { return std::acos(x); }
float f_atan(float x) { return std::atan(x); }
float f_sinh(float x) { return std::sinh(x); }
float f_cosh(float x) { return std::cosh(x); }
float f_asinh(float x) { return std::asinh(x); }
float f_acosh(float x) { return std::acosh(x); }
float f_atanh(float x) { return std::atanh(x); }
float f_sign(float x) { return static_cast<float>((x > 0) - (x < 0)); }
float f_round(float x) { return std::nearbyint(x); }  // halves to even

}  // namespace

void register_elementwise(Registry& r) {
  r["Add"] = make_binary<Binary::Add>;
  r["Sub"] = make_binary<Binary::Sub>;
  r["Mul"] = make_binary<Binary::Mul>;
  r["Div"] = make_binary<Binary::Div>;
  r["Pow"] = make_binary<Binary::Pow>;
  r["Neg"] = make_unary<f_neg>;
  r["Abs"] = make_unary<f_abs>;
  r["Exp"] = make_unary<f_exp>;
  r["Log"] = make_unary<f_log>;
  r["Sqrt"] = make_unary<f_sqrt>;
  r["Reciprocal"] = make_unary<f_reciprocal>;
  r["Floor"] = make_unary<f_floor>;
  r["Ceil"] = make_unary<f_ceil>;
  r["Erf"] = make_unary<f_erf>;
  r["Sin"] = make_unary<f_sin>;
  r["Cos"] = make_unary<f_cos>;
  r["Tan"] = make_unary<f_tan>;
  r["Asin"] = make_unary<f_asin>;
  r["Acos"] = make_unary<f_acos>;
  r["Atan"] = make_unary<f_atan>;
  r["Sinh"] = make_unary<f_sinh>;
  r["Cosh"] = make_unary<f_cosh>;
  r["Asinh"] = make_unary<f_asinh>;
  r["Acosh"] = make_unary<f_acosh>;
  r["Atanh"] = make_unary<f_atanh>;
  r["Sign"] = make_unary<f_sign>;
  r["Round"] = make_unary<f_round>;
  r["PRelu"] = make_prelu;
  r["Max"] = make_variadic<Binary::Max>;
  r["Min"] = make_variadic<Binary::Min>;
  r["Sum"] = make_variadic<Binary::Add>;
  r["Mean"] = make_variadic<Binary::Add, true>;
}

}  // namespace axevo::ops
