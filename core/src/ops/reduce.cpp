// Reductions: ReduceSum/Mean/Max/Min/Prod/L1/L2/SumSquare/LogSum/LogSumExp, ArgMax, ArgMin.
#include <cmath>
#include <limits>

#include "op.hpp"

namespace axevo::ops {
namespace {

enum class Reduce { Sum, Mean, Max, Min, Prod, L1, L2, SumSquare, LogSum, LogSumExp };

// Output shape and, for every input element, the output it reduces into.
struct Reduction {
  Shape out_shape, kept_shape;  // kept_shape: with reduced dims as 1
  std::vector<int64_t> out_strides;  // by input dim, 0 on reduced dims
  int64_t group = 1;                 // input elements per output
};

Reduction plan(const Shape& in, std::vector<int64_t> axes, bool keepdims) {
  const auto rank = static_cast<int64_t>(in.size());
  std::vector<bool> reduced(in.size(), axes.empty());
  for (int64_t a : axes) reduced[static_cast<std::size_t>(normalize_axis(a, rank))] = true;
  Reduction r;
  for (std::size_t d = 0; d < in.size(); ++d) {
    r.kept_shape.push_back(reduced[d] ? 1 : in[d]);
    if (reduced[d]) r.group *= in[d];
    if (!reduced[d] || keepdims) r.out_shape.push_back(reduced[d] ? 1 : in[d]);
  }
  r.out_strides = broadcast_strides(r.kept_shape, in);
  return r;
}

class ReduceOp : public Op {
 public:
  ReduceOp(Reduce kind, std::vector<int64_t> axes, bool keepdims, bool axes_input, bool noop_empty)
      : kind_(kind), axes_(std::move(axes)), keepdims_(keepdims), axes_input_(axes_input), noop_empty_(noop_empty) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    need_float(x, "input");
    std::vector<int64_t> axes = axes_;
    if (axes_input_ && in.size() > 1 && in[1]) axes = in[1]->to_ints();
    if (axes.empty() && noop_empty_) {
      out[0] = x;
      return;
    }
    const Reduction r = plan(x.shape, axes, keepdims_);
    const int64_t n_out = shape_numel(r.out_shape);
    double init = 0;
    if (kind_ == Reduce::Max) init = -std::numeric_limits<double>::infinity();
    if (kind_ == Reduce::Min) init = std::numeric_limits<double>::infinity();
    if (kind_ == Reduce::Prod) init = 1;
    std::vector<double> acc(static_cast<std::size_t>(n_out), init);
    std::vector<double> mx;
    if (kind_ == Reduce::LogSumExp) {  // stable: subtract the max first
      mx.assign(static_cast<std::size_t>(n_out), -std::numeric_limits<double>::infinity());
      for_each_broadcast(x.shape, strides_of(x.shape), r.out_strides, [&](int64_t, int64_t i, int64_t o) {
        mx[static_cast<std::size_t>(o)] = std::max(mx[static_cast<std::size_t>(o)], static_cast<double>(x.f()[i]));
      });
    }
    for_each_broadcast(x.shape, strides_of(x.shape), r.out_strides, [&](int64_t, int64_t i, int64_t o) {
      const double v = x.f()[i];
      double& a = acc[static_cast<std::size_t>(o)];
      switch (kind_) {
        case Reduce::Sum:
        case Reduce::Mean:
        case Reduce::LogSum: a += v; break;
        case Reduce::Max: a = std::max(a, v); break;
        case Reduce::Min: a = std::min(a, v); break;
        case Reduce::Prod: a *= v; break;
        case Reduce::L1: a += std::fabs(v); break;
        case Reduce::L2:
        case Reduce::SumSquare: a += v * v; break;
        case Reduce::LogSumExp: a += std::exp(v - mx[static_cast<std::size_t>(o)]); break;
      }
    });
    Tensor y(DType::Float32, r.out_shape);
    for (int64_t k = 0; k < n_out; ++k) {
      double a = acc[static_cast<std::size_t>(k)];
      if (kind_ == Reduce::Mean) a /= static_cast<double>(r.group);
      if (kind_ == Reduce::L2) a = std::sqrt(a);
      if (kind_ == Reduce::LogSum) a = std::log(a);
      if (kind_ == Reduce::LogSumExp) a = std::log(a) + mx[static_cast<std::size_t>(k)];
      y.f()[k] = static_cast<float>(a);
    }
    out[0] = std::move(y);
  }

 private:
  Reduce kind_;
  std::vector<int64_t> axes_;
  bool keepdims_, axes_input_, noop_empty_;
};

template <Reduce K>
std::unique_ptr<Op> make_reduce(NodeReader& r) {
  // ReduceSum takes axes as an input from opset 13 on; the others from opset 18.
  const bool axes_input = K == Reduce::Sum ? r.opset() >= 13 : r.opset() >= 18;
  r.require_inputs(1, axes_input ? 2 : 1);
  const bool keepdims = r.get_int("keepdims", 1) != 0;
  if (axes_input) return std::make_unique<ReduceOp>(K, std::vector<int64_t>{}, keepdims, true, r.get_int("noop_with_empty_axes", 0) != 0);
  return std::make_unique<ReduceOp>(K, r.get_ints("axes"), keepdims, false, false);
}

class ArgOp : public Op {
 public:
  ArgOp(bool max, int64_t axis, bool keepdims, bool last) : max_(max), axis_(axis), keepdims_(keepdims), last_(last) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    need_float(x, "input");
    const int64_t axis = normalize_axis(axis_, x.rank());
    const Reduction r = plan(x.shape, {axis}, keepdims_);
    const int64_t len = x.shape[static_cast<std::size_t>(axis)];
    int64_t inner = 1;
    for (int64_t d = axis + 1; d < x.rank(); ++d) inner *= x.shape[static_cast<std::size_t>(d)];
    const int64_t outer = len * inner == 0 ? 0 : x.numel() / (len * inner);
    Tensor y(DType::Int64, r.out_shape);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const float* p = x.f() + o * len * inner + i;
        int64_t best = 0;
        for (int64_t k = 1; k < len; ++k) {
          const float v = p[k * inner], b = p[best * inner];
          const bool better = max_ ? (v > b || (last_ && v == b)) : (v < b || (last_ && v == b));
          if (better) best = k;
        }
        y.i()[o * inner + i] = best;
      }
    out[0] = std::move(y);
  }

 private:
  bool max_;
  int64_t axis_;
  bool keepdims_, last_;
};

template <bool Max>
std::unique_ptr<Op> make_arg(NodeReader& r) {
  r.require_inputs(1, 1);
  return std::make_unique<ArgOp>(Max, r.get_int("axis", 0), r.get_int("keepdims", 1) != 0, r.get_int("select_last_index", 0) != 0);
}

}  // namespace

void register_reduce(Registry& r) {
  r["ReduceSum"] = make_reduce<Reduce::Sum>;
  r["ReduceMean"] = make_reduce<Reduce::Mean>;
  r["ReduceMax"] = make_reduce<Reduce::Max>;
  r["ReduceMin"] = make_reduce<Reduce::Min>;
  r["ReduceProd"] = make_reduce<Reduce::Prod>;
  r["ReduceL1"] = make_reduce<Reduce::L1>;
  r["ReduceL2"] = make_reduce<Reduce::L2>;
  r["ReduceSumSquare"] = make_reduce<Reduce::SumSquare>;
  r["ReduceLogSum"] = make_reduce<Reduce::LogSum>;
  r["ReduceLogSumExp"] = make_reduce<Reduce::LogSumExp>;
  r["ArgMax"] = make_arg<true>;
  r["ArgMin"] = make_arg<false>;
}

}  // namespace axevo::ops
