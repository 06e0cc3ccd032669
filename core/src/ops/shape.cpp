// Data movement and shape operators: Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Concat,
// Split, Slice, Pad, Expand, Tile, Gather, GatherElements, Trilu, DepthToSpace, SpaceToDepth,
// Shape, Size, Constant, ConstantOfShape, Cast, Identity, Dropout.
#include <algorithm>
#include <limits>

#include "op.hpp"

namespace axevo::ops {
namespace {

// Calls f(std::vector<T>& dst, const std::vector<T>& src) for the tensors' element type.
template <class F>
void with_data(const Tensor& src, Tensor& dst, F&& f) {
  if (src.dtype == DType::Float32) f(dst.f32, src.f32);
  else f(dst.i64, src.i64);
}

Tensor reshaped(const Tensor& x, Shape shape) {
  Tensor y = x;
  y.shape = std::move(shape);
  return y;
}

// Copies out[k] = in[offset(k)] where offset walks `out_shape` with `strides` from `base`.
Tensor strided_copy(const Tensor& x, const Shape& out_shape, const std::vector<int64_t>& strides, int64_t base) {
  Tensor y(x.dtype, out_shape);
  const std::vector<int64_t> zero(out_shape.size(), 0);
  with_data(x, y, [&](auto& dst, const auto& src) {
    for_each_broadcast(out_shape, strides, zero, [&](int64_t k, int64_t o, int64_t) {
      dst[static_cast<std::size_t>(k)] = src[static_cast<std::size_t>(base + o)];
    });
  });
  return y;
}

std::vector<int64_t> ints_of(const Tensor& t, const char* what) {
  if (t.dtype != DType::Int64) runtime_fail(std::string(what) + " must be int64");
  return t.i64;
}

// ---- Identity / Dropout --------------------------------------------------------------------
class IdentityOp : public Op {
 public:
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override { out[0] = need(in, 0); }
};

std::unique_ptr<Op> make_identity(NodeReader& r) {
  r.require_inputs(1, 1);
  return std::make_unique<IdentityOp>();
}

std::unique_ptr<Op> make_dropout(NodeReader& r) {
  r.require_inputs(1, 2);  // data, ratio (ignored at inference); training_mode is not supported
  r.get_float("ratio", 0.5f);
  r.get_int("seed", 0);
  if (r.has_output(1)) r.fail("the mask output is not supported (inference only)");
  return std::make_unique<IdentityOp>();
}

// ---- Reshape / Flatten / Squeeze / Unsqueeze ---------------------------------------------------
class ReshapeOp : public Op {
 public:
  explicit ReshapeOp(bool allowzero) : allowzero_(allowzero) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    Shape s = ints_of(need(in, 1), "shape");
    int64_t known = 1, infer = -1;
    for (std::size_t k = 0; k < s.size(); ++k) {
      if (s[k] == 0 && !allowzero_) {
        if (k >= x.shape.size()) runtime_fail("shape has a 0 beyond the input's rank");
        s[k] = x.shape[k];
      }
      if (s[k] == -1) {
        if (infer >= 0) runtime_fail("shape has two -1");
        infer = static_cast<int64_t>(k);
      } else {
        known *= s[k];
      }
    }
    if (infer >= 0) {
      if (known == 0 || x.numel() % known) runtime_fail("cannot reshape " + shape_string(x.shape) + " to " + shape_string(s));
      s[static_cast<std::size_t>(infer)] = x.numel() / known;
    }
    if (shape_numel(s) != x.numel()) runtime_fail("cannot reshape " + shape_string(x.shape) + " to " + shape_string(s));
    out[0] = reshaped(x, s);
  }

 private:
  bool allowzero_;
};

std::unique_ptr<Op> make_reshape(NodeReader& r) {
  r.require_inputs(2, 2);
  return std::make_unique<ReshapeOp>(r.get_int("allowzero", 0) != 0);
}

class FlattenOp : public Op {
 public:
  explicit FlattenOp(int64_t axis) : axis_(axis) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    const int64_t axis = axis_ < 0 ? axis_ + x.rank() : axis_;
    if (axis < 0 || axis > x.rank()) runtime_fail("axis out of range");
    int64_t outer = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= x.shape[static_cast<std::size_t>(d)];
    out[0] = reshaped(x, {outer, outer ? x.numel() / outer : 0});
  }

 private:
  int64_t axis_;
};

std::unique_ptr<Op> make_flatten(NodeReader& r) {
  r.require_inputs(1, 1);
  return std::make_unique<FlattenOp>(r.get_int("axis", 1));
}

// Squeeze / Unsqueeze: axes as attribute before opset 13, as input from 13 on.
class SqueezeOp : public Op {
 public:
  SqueezeOp(bool unsqueeze, std::vector<int64_t> axes, bool from_input) : unsqueeze_(unsqueeze), axes_(std::move(axes)), from_input_(from_input) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    std::vector<int64_t> axes = axes_;
    if (from_input_ && in.size() > 1 && in[1]) axes = ints_of(*in[1], "axes");
    Shape s;
    if (unsqueeze_) {
      const int64_t rank = x.rank() + static_cast<int64_t>(axes.size());
      std::vector<bool> inserted(static_cast<std::size_t>(rank), false);
      for (int64_t a : axes) {
        const int64_t n = normalize_axis(a, rank);
        if (inserted[static_cast<std::size_t>(n)]) runtime_fail("repeated axis");
        inserted[static_cast<std::size_t>(n)] = true;
      }
      std::size_t src = 0;
      for (int64_t d = 0; d < rank; ++d) s.push_back(inserted[static_cast<std::size_t>(d)] ? 1 : x.shape[src++]);
    } else {
      std::vector<bool> drop(x.shape.size(), false);
      if (axes.empty()) {
        for (std::size_t d = 0; d < x.shape.size(); ++d) drop[d] = x.shape[d] == 1;
      } else {
        for (int64_t a : axes) {
          const int64_t n = normalize_axis(a, x.rank());
          if (x.shape[static_cast<std::size_t>(n)] != 1) runtime_fail("cannot squeeze a dim of size " + std::to_string(x.shape[static_cast<std::size_t>(n)]));
          drop[static_cast<std::size_t>(n)] = true;
        }
      }
      for (std::size_t d = 0; d < x.shape.size(); ++d)
        if (!drop[d]) s.push_back(x.shape[d]);
    }
    out[0] = reshaped(x, s);
  }

 private:
  bool unsqueeze_;
  std::vector<int64_t> axes_;
  bool from_input_;
};

template <bool Unsqueeze>
std::unique_ptr<Op> make_squeeze(NodeReader& r) {
  if (r.opset() < 13) {
    r.require_inputs(1, 1);
    auto axes = r.get_ints("axes");
    if (Unsqueeze && axes.empty()) r.fail("axes is required");
    return std::make_unique<SqueezeOp>(Unsqueeze, axes, false);
  }
  r.require_inputs(Unsqueeze ? 2 : 1, 2);
  return std::make_unique<SqueezeOp>(Unsqueeze, std::vector<int64_t>{}, true);
}

// ---- Transpose / Concat / Slice / Expand / Pad / Gather ------------------------------------------
class TransposeOp : public Op {
 public:
  explicit TransposeOp(std::vector<int64_t> perm) : perm_(std::move(perm)) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    std::vector<int64_t> perm = perm_;
    if (perm.empty())
      for (int64_t d = x.rank(); d-- > 0;) perm.push_back(d);
    if (static_cast<int64_t>(perm.size()) != x.rank()) runtime_fail("perm does not match the input's rank");
    const auto st = strides_of(x.shape);
    Shape s;
    std::vector<int64_t> strides;
    for (int64_t p : perm) {
      const auto d = static_cast<std::size_t>(normalize_axis(p, x.rank(), "perm"));
      s.push_back(x.shape[d]);
      strides.push_back(st[d]);
    }
    out[0] = strided_copy(x, s, strides, 0);
  }

 private:
  std::vector<int64_t> perm_;
};

std::unique_ptr<Op> make_transpose(NodeReader& r) {
  r.require_inputs(1, 1);
  return std::make_unique<TransposeOp>(r.get_ints("perm"));
}

class ConcatOp : public Op {
 public:
  explicit ConcatOp(int64_t axis) : axis_(axis) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& first = need(in, 0);
    const int64_t axis = normalize_axis(axis_, first.rank());
    Shape s = first.shape;
    s[static_cast<std::size_t>(axis)] = 0;
    for (std::size_t k = 0; k < in.size(); ++k) {
      const Tensor& t = need(in, k);
      if (t.dtype != first.dtype || t.rank() != first.rank()) runtime_fail("inputs differ in type or rank");
      for (int64_t d = 0; d < t.rank(); ++d)
        if (d != axis && t.shape[static_cast<std::size_t>(d)] != first.shape[static_cast<std::size_t>(d)])
          runtime_fail("input shapes " + shape_string(first.shape) + " and " + shape_string(t.shape) + " differ off the axis");
      s[static_cast<std::size_t>(axis)] += t.shape[static_cast<std::size_t>(axis)];
    }
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < first.rank(); ++d) {
      if (d < axis) outer *= s[static_cast<std::size_t>(d)];
      if (d > axis) inner *= s[static_cast<std::size_t>(d)];
    }
    Tensor y(first.dtype, s);
    int64_t col = 0;
    const int64_t row = s[static_cast<std::size_t>(axis)] * inner;
    for (const Tensor* t : in) {
      const int64_t len = t->shape[static_cast<std::size_t>(axis)] * inner;
      with_data(*t, y, [&](auto& dst, const auto& src) {
        for (int64_t o = 0; o < outer; ++o)
          std::copy(src.begin() + o * len, src.begin() + (o + 1) * len, dst.begin() + o * row + col);
      });
      col += len;
    }
    out[0] = std::move(y);
  }

 private:
  int64_t axis_;
};

std::unique_ptr<Op> make_concat(NodeReader& r) {
  if (!r.has("axis")) r.fail("axis is required");
  if (r.n_inputs() < 1) r.fail("needs at least one input");
  return std::make_unique<ConcatOp>(r.get_int("axis", 0));
}

class SliceOp : public Op {
 public:
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    const auto starts = ints_of(need(in, 1), "starts"), ends = ints_of(need(in, 2), "ends");
    std::vector<int64_t> axes, steps;
    if (in.size() > 3 && in[3]) axes = ints_of(*in[3], "axes");
    if (in.size() > 4 && in[4]) steps = ints_of(*in[4], "steps");
    if (axes.empty())
      for (std::size_t k = 0; k < starts.size(); ++k) axes.push_back(static_cast<int64_t>(k));
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
      runtime_fail("starts, ends, axes and steps differ in length");
    Shape s = x.shape;
    const auto st = strides_of(x.shape);
    std::vector<int64_t> strides = st;
    int64_t base = 0;
    for (std::size_t k = 0; k < starts.size(); ++k) {
      const auto a = static_cast<std::size_t>(normalize_axis(axes[k], x.rank()));
      const int64_t dim = x.shape[a], step = steps[k];
      if (step == 0) runtime_fail("step 0");
      int64_t b = starts[k] < 0 ? starts[k] + dim : starts[k];
      int64_t e = ends[k] < 0 ? ends[k] + dim : ends[k];
      if (step > 0) {
        b = std::clamp<int64_t>(b, 0, dim);
        e = std::clamp<int64_t>(e, 0, dim);
        s[a] = e > b ? (e - b + step - 1) / step : 0;
      } else {
        b = std::clamp<int64_t>(b, -1, dim - 1);
        e = std::clamp<int64_t>(e, -1, dim - 1);
        s[a] = b > e ? (b - e - step - 1) / -step : 0;
      }
      if (s[a] > 0) base += b * st[a];
      strides[a] = st[a] * step;
    }
    out[0] = strided_copy(x, s, strides, base);
  }
};

std::unique_ptr<Op> make_slice(NodeReader& r) {
  if (r.opset() < 10) r.fail("Slice before opset 10 (starts/ends as attributes) is not supported");
  r.require_inputs(3, 5);
  return std::make_unique<SliceOp>();
}

class ExpandOp : public Op {
 public:
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    const Shape s = broadcast_shapes(x.shape, ints_of(need(in, 1), "shape"));
    out[0] = strided_copy(x, s, broadcast_strides(x.shape, s), 0);
  }
};

std::unique_ptr<Op> make_expand(NodeReader& r) {
  r.require_inputs(2, 2);
  return std::make_unique<ExpandOp>();
}

class PadOp : public Op {
 public:
  enum class Mode { Constant, Reflect, Edge };
  PadOp(Mode mode, std::vector<int64_t> pads, float value, bool from_inputs) : mode_(mode), pads_(std::move(pads)), value_(value), from_inputs_(from_inputs) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    std::vector<int64_t> pads = pads_;
    double value = value_;
    if (from_inputs_) {
      pads = ints_of(need(in, 1), "pads");
      if (in.size() > 2 && in[2] && in[2]->numel() > 0) value = in[2]->as_double(0);
    }
    const std::size_t r = x.shape.size();
    if (pads.size() != 2 * r) runtime_fail("pads must have " + std::to_string(2 * r) + " values");
    Shape s(r);
    for (std::size_t d = 0; d < r; ++d) {
      s[d] = x.shape[d] + pads[d] + pads[d + r];
      if (s[d] < 0) runtime_fail("negative output size");
      if (mode_ != Mode::Constant && x.shape[d] == 0 && s[d] > 0) runtime_fail("cannot reflect or extend an empty dim");
    }
    Tensor y(x.dtype, s);
    const auto st = strides_of(x.shape);
    const int64_t n = y.numel();
    std::vector<int64_t> idx(r, 0);
    with_data(x, y, [&](auto& dst, const auto& src) {
      using T = typename std::decay_t<decltype(dst)>::value_type;
      for (int64_t k = 0; k < n; ++k) {
        int64_t off = 0;
        bool inside = true;
        for (std::size_t d = 0; d < r; ++d) {
          int64_t i = idx[d] - pads[d];
          const int64_t dim = x.shape[d];
          if (i < 0 || i >= dim) {
            if (mode_ == Mode::Constant) {
              inside = false;
              break;
            }
            if (mode_ == Mode::Edge) i = std::clamp<int64_t>(i, 0, dim - 1);
            else if (dim == 1) i = 0;
            else {
              const int64_t period = 2 * (dim - 1);
              i = ((i % period) + period) % period;
              if (i >= dim) i = period - i;
            }
          }
          off += i * st[d];
        }
        dst[static_cast<std::size_t>(k)] = inside ? src[static_cast<std::size_t>(off)] : static_cast<T>(value);
        for (std::size_t d = r; d-- > 0;) {
          if (++idx[d] < s[d]) break;
          idx[d] = 0;
        }
      }
    });
    out[0] = std::move(y);
  }

 private:
  Mode mode_;
  std::vector<int64_t> pads_;
  double value_;
  bool from_inputs_;
};

std::unique_ptr<Op> make_pad(NodeReader& r) {
  const std::string m = r.get_string("mode", "constant");
  PadOp::Mode mode = PadOp::Mode::Constant;
  if (m == "reflect") mode = PadOp::Mode::Reflect;
  else if (m == "edge") mode = PadOp::Mode::Edge;
  else if (m != "constant") r.fail("unsupported mode '" + m + "'");
  if (r.opset() < 11) {
    r.require_inputs(1, 1);
    return std::make_unique<PadOp>(mode, r.get_ints("pads"), r.get_float("value", 0.0f), false);
  }
  r.require_inputs(2, 3);
  return std::make_unique<PadOp>(mode, std::vector<int64_t>{}, 0.0f, true);
}

class GatherOp : public Op {
 public:
  explicit GatherOp(int64_t axis) : axis_(axis) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    const Tensor& idx = need(in, 1);
    const auto indices = ints_of(idx, "indices");
    const int64_t axis = normalize_axis(axis_, x.rank());
    const int64_t dim = x.shape[static_cast<std::size_t>(axis)];
    Shape s(x.shape.begin(), x.shape.begin() + axis);
    s.insert(s.end(), idx.shape.begin(), idx.shape.end());
    s.insert(s.end(), x.shape.begin() + axis + 1, x.shape.end());
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < x.rank(); ++d) {
      if (d < axis) outer *= x.shape[static_cast<std::size_t>(d)];
      if (d > axis) inner *= x.shape[static_cast<std::size_t>(d)];
    }
    Tensor y(x.dtype, s);
    const auto ni = static_cast<int64_t>(indices.size());
    with_data(x, y, [&](auto& dst, const auto& src) {
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t j = 0; j < ni; ++j) {
          int64_t i = indices[static_cast<std::size_t>(j)];
          if (i < 0) i += dim;
          if (i < 0 || i >= dim) runtime_fail("index " + std::to_string(indices[static_cast<std::size_t>(j)]) + " out of range");
          std::copy(src.begin() + (o * dim + i) * inner, src.begin() + (o * dim + i + 1) * inner, dst.begin() + (o * ni + j) * inner);
        }
    });
    out[0] = std::move(y);
  }

 private:
  int64_t axis_;
};

std::unique_ptr<Op> make_gather(NodeReader& r) {
  r.require_inputs(2, 2);
  return std::make_unique<GatherOp>(r.get_int("axis", 0));
}

class SplitOp : public Op {
 public:
  SplitOp(int64_t axis, std::vector<int64_t> split, bool from_input) : axis_(axis), split_(std::move(split)), from_input_(from_input) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    const int64_t axis = normalize_axis(axis_, x.rank());
    const int64_t dim = x.shape[static_cast<std::size_t>(axis)];
    std::vector<int64_t> split = split_;
    if (from_input_ && in.size() > 1 && in[1]) split = ints_of(*in[1], "split");
    const auto n = static_cast<int64_t>(out.size());
    if (split.empty()) {
      if (dim % n) runtime_fail("cannot split " + std::to_string(dim) + " into " + std::to_string(n) + " equal parts");
      split.assign(static_cast<std::size_t>(n), dim / n);
    }
    if (static_cast<int64_t>(split.size()) != n) runtime_fail("split has " + std::to_string(split.size()) + " sizes for " + std::to_string(n) + " outputs");
    const auto st = strides_of(x.shape);
    int64_t offset = 0;
    for (std::size_t k = 0; k < split.size(); ++k) {
      Shape s = x.shape;
      s[static_cast<std::size_t>(axis)] = split[k];
      out[k] = strided_copy(x, s, st, offset * st[static_cast<std::size_t>(axis)]);
      offset += split[k];
    }
    if (offset != dim) runtime_fail("split sizes do not add up to " + std::to_string(dim));
  }

 private:
  int64_t axis_;
  std::vector<int64_t> split_;
  bool from_input_;
};

std::unique_ptr<Op> make_split(NodeReader& r) {
  const int64_t axis = r.get_int("axis", 0);
  if (r.opset() < 13) {
    r.require_inputs(1, 1);
    return std::make_unique<SplitOp>(axis, r.get_ints("split"), false);
  }
  r.require_inputs(1, 2);
  return std::make_unique<SplitOp>(axis, std::vector<int64_t>{}, true);
}

class TileOp : public Op {
 public:
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    const auto repeats = ints_of(need(in, 1), "repeats");
    if (static_cast<int64_t>(repeats.size()) != x.rank()) runtime_fail("repeats must have one value per dim");
    // View the output as [r0, d0, r1, d1, ...] with stride 0 on the repeat dims.
    Shape view;
    std::vector<int64_t> strides;
    const auto st = strides_of(x.shape);
    Shape s;
    for (std::size_t d = 0; d < repeats.size(); ++d) {
      view.push_back(repeats[d]);
      strides.push_back(0);
      view.push_back(x.shape[d]);
      strides.push_back(st[d]);
      s.push_back(repeats[d] * x.shape[d]);
    }
    Tensor y = strided_copy(x, view, strides, 0);
    y.shape = s;
    out[0] = std::move(y);
  }
};

std::unique_ptr<Op> make_tile(NodeReader& r) {
  r.require_inputs(2, 2);
  return std::make_unique<TileOp>();
}

class GatherElementsOp : public Op {
 public:
  explicit GatherElementsOp(int64_t axis) : axis_(axis) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    const Tensor& idx = need(in, 1);
    const auto indices = ints_of(idx, "indices");
    const int64_t axis = normalize_axis(axis_, x.rank());
    if (idx.rank() != x.rank()) runtime_fail("indices must have the data's rank");
    const auto st = strides_of(x.shape);
    const auto ax = static_cast<std::size_t>(axis);
    const int64_t dim = x.shape[ax];
    std::vector<int64_t> data_strides(st);
    data_strides[ax] = 0;  // the axis coordinate comes from the index
    Tensor y(x.dtype, idx.shape);
    with_data(x, y, [&](auto& dst, const auto& src) {
      for_each_broadcast(idx.shape, data_strides, strides_of(idx.shape), [&](int64_t k, int64_t base, int64_t) {
        int64_t i = indices[static_cast<std::size_t>(k)];
        if (i < 0) i += dim;
        if (i < 0 || i >= dim) runtime_fail("index out of range");
        dst[static_cast<std::size_t>(k)] = src[static_cast<std::size_t>(base + i * st[ax])];
      });
    });
    out[0] = std::move(y);
  }

 private:
  int64_t axis_;
};

std::unique_ptr<Op> make_gather_elements(NodeReader& r) {
  r.require_inputs(2, 2);
  return std::make_unique<GatherElementsOp>(r.get_int("axis", 0));
}

class TriluOp : public Op {
 public:
  explicit TriluOp(bool upper) : upper_(upper) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    if (x.rank() < 2) runtime_fail("input must have at least 2 dims");
    const int64_t k = in.size() > 1 && in[1] ? in[1]->as_int(0) : 0;
    const int64_t rows = x.shape[x.shape.size() - 2], cols = x.shape.back();
    Tensor y = x;
    const int64_t mats = rows * cols == 0 ? 0 : x.numel() / (rows * cols);
    for (int64_t m = 0; m < mats; ++m)
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) {
          const bool keep = upper_ ? j - i >= k : j - i <= k;
          if (keep) continue;
          const int64_t at = (m * rows + i) * cols + j;
          if (y.dtype == DType::Float32) y.f()[at] = 0;
          else y.i()[at] = 0;
        }
    out[0] = std::move(y);
  }

 private:
  bool upper_;
};

std::unique_ptr<Op> make_trilu(NodeReader& r) {
  r.require_inputs(1, 2);
  return std::make_unique<TriluOp>(r.get_int("upper", 1) != 0);
}

// DepthToSpace (DCR or CRD) and SpaceToDepth as a reshape-transpose-reshape.
class SpaceDepthOp : public Op {
 public:
  SpaceDepthOp(bool to_space, int64_t block, bool crd) : to_space_(to_space), b_(block), crd_(crd) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    if (x.rank() != 4) runtime_fail("input must be 4-D");
    const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3], b = b_;
    Shape view, s;
    std::vector<int64_t> perm;
    if (to_space_) {
      if (C % (b * b)) runtime_fail("channels are not a multiple of blocksize^2");
      const int64_t c = C / (b * b);
      view = crd_ ? Shape{N, c, b, b, H, W} : Shape{N, b, b, c, H, W};
      perm = crd_ ? std::vector<int64_t>{0, 1, 4, 2, 5, 3} : std::vector<int64_t>{0, 3, 4, 1, 5, 2};
      s = {N, c, H * b, W * b};
    } else {
      if (H % b || W % b) runtime_fail("height and width are not multiples of blocksize");
      view = {N, C, H / b, b, W / b, b};
      perm = {0, 3, 5, 1, 2, 4};
      s = {N, C * b * b, H / b, W / b};
    }
    const auto st = strides_of(view);
    Shape ps;
    std::vector<int64_t> pst;
    for (int64_t p : perm) {
      ps.push_back(view[static_cast<std::size_t>(p)]);
      pst.push_back(st[static_cast<std::size_t>(p)]);
    }
    Tensor y = strided_copy(x, ps, pst, 0);
    y.shape = s;
    out[0] = std::move(y);
  }

 private:
  bool to_space_;
  int64_t b_;
  bool crd_;
};

template <bool ToSpace>
std::unique_ptr<Op> make_space_depth(NodeReader& r) {
  r.require_inputs(1, 1);
  const int64_t block = r.get_int("blocksize", 0);
  if (block < 1) r.fail("blocksize is required");
  bool crd = false;
  if (ToSpace) {
    const std::string mode = r.get_string("mode", "DCR");
    if (mode != "DCR" && mode != "CRD") r.fail("unknown mode '" + mode + "'");
    crd = mode == "CRD";
  }
  return std::make_unique<SpaceDepthOp>(ToSpace, block, crd);
}

class SizeOp : public Op {
 public:
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    out[0] = Tensor::from_ints({}, {need(in, 0).numel()});
  }
};

std::unique_ptr<Op> make_size(NodeReader& r) {
  r.require_inputs(1, 1);
  return std::make_unique<SizeOp>();
}

// ---- Shape / Constant / ConstantOfShape / Cast ---------------------------------------------------
class ShapeOp : public Op {
 public:
  ShapeOp(int64_t start, int64_t end) : start_(start), end_(end) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    const int64_t r = x.rank();
    auto clampi = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + r : v, 0, r); };
    const int64_t b = clampi(start_), e = clampi(end_ == std::numeric_limits<int64_t>::max() ? r : end_);
    std::vector<int64_t> dims;
    for (int64_t d = b; d < e; ++d) dims.push_back(x.shape[static_cast<std::size_t>(d)]);
    const auto n = static_cast<int64_t>(dims.size());
    out[0] = Tensor::from_ints({n}, dims);
  }

 private:
  int64_t start_, end_;
};

std::unique_ptr<Op> make_shape(NodeReader& r) {
  r.require_inputs(1, 1);
  return std::make_unique<ShapeOp>(r.get_int("start", 0), r.get_int("end", std::numeric_limits<int64_t>::max()));
}

class ConstantOp : public Op {
 public:
  explicit ConstantOp(Tensor t) : t_(std::move(t)) {}
  void run(const std::vector<const Tensor*>&, std::vector<Tensor>& out, const RunContext&) const override { out[0] = t_; }

 private:
  Tensor t_;
};

std::unique_ptr<Op> make_constant(NodeReader& r) {
  r.require_inputs(0, 0);
  if (r.node().attributes.size() != 1) r.fail("needs exactly one value attribute");
  if (const Tensor* t = r.get_tensor("value")) return std::make_unique<ConstantOp>(*t);
  if (r.has("value_float")) return std::make_unique<ConstantOp>(Tensor::from_floats({}, {r.get_float("value_float", 0)}));
  if (r.has("value_int")) return std::make_unique<ConstantOp>(Tensor::from_ints({}, {r.get_int("value_int", 0)}));
  if (r.has("value_floats")) {
    auto v = r.get_floats("value_floats");
    const auto n = static_cast<int64_t>(v.size());
    return std::make_unique<ConstantOp>(Tensor::from_floats({n}, std::move(v)));
  }
  if (r.has("value_ints")) {
    auto v = r.get_ints("value_ints");
    const auto n = static_cast<int64_t>(v.size());
    return std::make_unique<ConstantOp>(Tensor::from_ints({n}, std::move(v)));
  }
  r.fail("unsupported value attribute '" + r.node().attributes.begin()->first + "'");
}

class ConstantOfShapeOp : public Op {
 public:
  explicit ConstantOfShapeOp(Tensor value) : value_(std::move(value)) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Shape s = ints_of(need(in, 0), "shape");
    Tensor y(value_.dtype, s);
    if (y.dtype == DType::Float32) std::fill(y.f32.begin(), y.f32.end(), value_.f32.at(0));
    else std::fill(y.i64.begin(), y.i64.end(), value_.i64.at(0));
    out[0] = std::move(y);
  }

 private:
  Tensor value_;
};

std::unique_ptr<Op> make_constant_of_shape(NodeReader& r) {
  r.require_inputs(1, 1);
  Tensor v = Tensor::from_floats({1}, {0.0f});
  if (const Tensor* t = r.get_tensor("value")) {
    if (t->numel() != 1) r.fail("value must have one element");
    v = *t;
  }
  return std::make_unique<ConstantOfShapeOp>(v);
}

class CastOp : public Op {
 public:
  explicit CastOp(DType to) : to_(to) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    Tensor y(to_, x.shape);
    for (int64_t k = 0; k < x.numel(); ++k) {
      if (to_ == DType::Float32) y.f()[k] = static_cast<float>(x.as_double(k));
      else y.i()[k] = x.dtype == DType::Int64 ? x.i()[k] : static_cast<int64_t>(x.f()[k]);
    }
    out[0] = std::move(y);
  }

 private:
  DType to_;
};

std::unique_ptr<Op> make_cast(NodeReader& r) {
  r.require_inputs(1, 1);
  const int64_t to = r.get_int("to", 0);
  if (to != static_cast<int64_t>(DType::Float32) && to != static_cast<int64_t>(DType::Int64))
    r.fail("Cast to data type " + std::to_string(to) + " is not supported (only float32 = 1 and int64 = 7)");
  if (r.opset() >= 19) r.get_int("saturate", 1);
  return std::make_unique<CastOp>(static_cast<DType>(to));
}

}  // namespace

void register_shape(Registry& r) {
  r["Identity"] = make_identity;
  r["Dropout"] = make_dropout;
  r["Reshape"] = make_reshape;
  r["Flatten"] = make_flatten;
  r["Squeeze"] = make_squeeze<false>;
  r["Unsqueeze"] = make_squeeze<true>;
  r["Transpose"] = make_transpose;
  r["Concat"] = make_concat;
  r["Slice"] = make_slice;
  r["Expand"] = make_expand;
  r["Pad"] = make_pad;
  r["Gather"] = make_gather;
  r["Shape"] = make_shape;
  r["Constant"] = make_constant;
  r["ConstantOfShape"] = make_constant_of_shape;
  r["Cast"] = make_cast;
  r["Split"] = make_split;
  r["Tile"] = make_tile;
  r["GatherElements"] = make_gather_elements;
  r["Trilu"] = make_trilu;
  r["DepthToSpace"] = make_space_depth<true>;
  r["SpaceToDepth"] = make_space_depth<false>;
  r["Size"] = make_size;
}

}  // namespace axevo::ops
