// MaxPool, AveragePool (1 to 3 spatial dims), GlobalAveragePool, GlobalMaxPool.
#include <algorithm>
#include <limits>

#include "op.hpp"

namespace axevo::ops {
namespace {

class PoolOp : public Op {
 public:
  PoolOp(WindowAttrs a, bool max, bool count_include_pad) : a_(std::move(a)), max_(max), include_pad_(count_include_pad) {}

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    need_float(x, "X");
    if (x.rank() < 3) runtime_fail("X must have at least 3 dims, got " + shape_string(x.shape));
    const Window3 g = forward_window(a_, Shape(x.shape.begin() + 2, x.shape.end()), a_.kernel);
    Shape yshape = {x.shape[0], x.shape[1]};
    for (std::size_t k = 3 - a_.kernel.size(); k < 3; ++k) yshape.push_back(g.out[k]);
    Tensor y(DType::Float32, yshape);
    const int64_t planes = x.shape[0] * x.shape[1];
    parallel_for(planes, [&](int64_t pl) {
      const float* xp = x.f() + pl * g.in_size();
      float* yp = y.f() + pl * g.out_size();
      for (int64_t o0 = 0; o0 < g.out[0]; ++o0)
        for (int64_t o1 = 0; o1 < g.out[1]; ++o1)
          for (int64_t o2 = 0; o2 < g.out[2]; ++o2) {
            const int64_t o[3] = {o0, o1, o2};
            float best = -std::numeric_limits<float>::infinity();
            double sum = 0;
            int64_t valid = 1, padded = 1;
            int64_t lo[3], hi[3];
            for (int k = 0; k < 3; ++k) {
              const int64_t start = o[k] * g.s[k] - g.pb[k];
              const int64_t end = start + (g.k[k] - 1) * g.d[k] + 1;
              lo[k] = start;
              hi[k] = end;
              // Positions inside the padded input (count_include_pad) and inside the input.
              const int64_t pstart = std::max<int64_t>(start, -g.pb[k]), pend = std::min<int64_t>(end, g.in[k] + g.pe[k]);
              padded *= (pend - pstart + g.d[k] - 1) / g.d[k];
            }
            valid = 0;
            for (int64_t i0 = lo[0]; i0 < hi[0]; i0 += g.d[0]) {
              if (i0 < 0 || i0 >= g.in[0]) continue;
              for (int64_t i1 = lo[1]; i1 < hi[1]; i1 += g.d[1]) {
                if (i1 < 0 || i1 >= g.in[1]) continue;
                for (int64_t i2 = lo[2]; i2 < hi[2]; i2 += g.d[2]) {
                  if (i2 < 0 || i2 >= g.in[2]) continue;
                  const float v = xp[(i0 * g.in[1] + i1) * g.in[2] + i2];
                  best = std::max(best, v);
                  sum += v;
                  ++valid;
                }
              }
            }
            float r;
            if (max_) r = best;
            else r = static_cast<float>(sum / static_cast<double>(include_pad_ ? padded : std::max<int64_t>(valid, 1)));
            yp[(o0 * g.out[1] + o1) * g.out[2] + o2] = r;
          }
    });
    out[0] = std::move(y);
  }

 private:
  WindowAttrs a_;
  bool max_, include_pad_;
};

std::unique_ptr<Op> make_max_pool(NodeReader& r) {
  r.require_inputs(1, 1);
  if (r.has_output(1)) r.fail("the Indices output is not supported");
  WindowAttrs a;
  a.read(r, true, true);
  if (r.get_int("storage_order", 0) != 0) r.fail("storage_order=1 is not supported");
  if (a.kernel.empty()) r.fail("kernel_shape is required");
  return std::make_unique<PoolOp>(a, true, false);
}

std::unique_ptr<Op> make_average_pool(NodeReader& r) {
  r.require_inputs(1, 1);
  WindowAttrs a;
  a.read(r, r.opset() >= 19, true);
  if (a.kernel.empty()) r.fail("kernel_shape is required");
  return std::make_unique<PoolOp>(a, false, r.get_int("count_include_pad", 0) != 0);
}

class GlobalPoolOp : public Op {
 public:
  explicit GlobalPoolOp(bool max) : max_(max) {}
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext&) const override {
    const Tensor& x = need(in, 0);
    need_float(x, "X");
    if (x.rank() < 3) runtime_fail("X must have at least 3 dims, got " + shape_string(x.shape));
    Shape yshape = {x.shape[0], x.shape[1]};
    yshape.resize(x.shape.size(), 1);
    Tensor y(DType::Float32, yshape);
    const int64_t planes = x.shape[0] * x.shape[1], size = x.numel() / std::max<int64_t>(planes, 1);
    for (int64_t p = 0; p < planes; ++p) {
      const float* xp = x.f() + p * size;
      if (max_) {
        float best = -std::numeric_limits<float>::infinity();
        for (int64_t k = 0; k < size; ++k) best = std::max(best, xp[k]);
        y.f()[p] = best;
      } else {
        double sum = 0;
        for (int64_t k = 0; k < size; ++k) sum += xp[k];
        y.f()[p] = static_cast<float>(sum / static_cast<double>(size));
      }
    }
    out[0] = std::move(y);
  }

 private:
  bool max_;
};

template <bool Max>
std::unique_ptr<Op> make_global_pool(NodeReader& r) {
  r.require_inputs(1, 1);
  return std::make_unique<GlobalPoolOp>(Max);
}

}  // namespace

void register_pool(Registry& r) {
  r["MaxPool"] = make_max_pool;
  r["AveragePool"] = make_average_pool;
  r["GlobalAveragePool"] = make_global_pool<false>;
  r["GlobalMaxPool"] = make_global_pool<true>;
}

}  // namespace axevo::ops
