// Gemm and MatMul (numpy batched broadcasting) through the layer's MatMulKernel.
#include <algorithm>

#include "op.hpp"

namespace axevo::ops {
namespace {

constexpr int64_t kRowBlock = 64;  // rows per task: fixed, so results do not depend on threads

// W (N x K, one output per row) from B (K x N).
std::vector<float> transpose(const float* b, int64_t K, int64_t N) {
  std::vector<float> w(static_cast<std::size_t>(K * N));
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n) w[static_cast<std::size_t>(n * K + k)] = b[k * N + n];
  return w;
}

// Y (M x N, row-major) = X (M x K) · Wᵀ, in fixed blocks of rows over the threads.
void blocked_matmul(const RunContext& ctx, int slot, const float* x, const float* w, float* y, int64_t M, int64_t N, int64_t K) {
  const int64_t blocks = (M + kRowBlock - 1) / kRowBlock;
  parallel_for(blocks, [&](int64_t bi) {
    const int64_t r0 = bi * kRowBlock;
    run_matmul(ctx, slot, matmul_problem(std::min(kRowBlock, M - r0), N, K, x + r0 * K, K, w, K, y + r0 * N, N));
  });
}

class GemmOp : public Op {
 public:
  // w_rows: B as rows of output weights (N x K), precomputed when B is a constant.
  GemmOp(float alpha, float beta, bool ta, bool tb, std::vector<float> w_rows)
      : alpha_(alpha), beta_(beta), ta_(ta), tb_(tb), w_rows_(std::move(w_rows)) {}
  bool approximable() const override { return true; }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext& ctx) const override {
    const Tensor& a = need(in, 0);
    const Tensor& b = need(in, 1);
    const Tensor* c = in.size() > 2 ? in[2] : nullptr;
    need_float(a, "A");
    need_float(b, "B");
    if (a.rank() != 2 || b.rank() != 2) runtime_fail("A " + shape_string(a.shape) + " and B " + shape_string(b.shape) + " must be 2-D");
    const int64_t M = ta_ ? a.shape[1] : a.shape[0], K = ta_ ? a.shape[0] : a.shape[1];
    const int64_t N = tb_ ? b.shape[0] : b.shape[1], Kb = tb_ ? b.shape[1] : b.shape[0];
    if (K != Kb) runtime_fail("A " + shape_string(a.shape) + " and B " + shape_string(b.shape) + " do not match");
    std::vector<float> at, bt;
    const float* x = a.f();
    if (ta_) x = (at = transpose(a.f(), K, M)).data();
    const float* w = b.f();
    if (!tb_) w = !w_rows_.empty() ? w_rows_.data() : (bt = transpose(b.f(), K, N)).data();
    Tensor y(DType::Float32, {M, N});
    blocked_matmul(ctx, layer_slot, x, w, y.f(), M, N, K);
    if (alpha_ != 1.0f)
      for (auto& v : y.f32) v *= alpha_;
    if (c && beta_ != 0.0f) {
      need_float(*c, "C");
      if (broadcast_shapes(c->shape, y.shape) != y.shape) runtime_fail("C " + shape_string(c->shape) + " does not broadcast to Y");
      const auto sc = broadcast_strides(c->shape, y.shape);
      for (int64_t m = 0; m < M; ++m)
        for (int64_t n = 0; n < N; ++n) y.f()[m * N + n] += beta_ * c->f()[m * sc[0] + n * sc[1]];
    }
    if (relu_)
      for (auto& v : y.f32) v = relu_value(v);
    out[0] = std::move(y);
  }
  bool absorb_relu() override { return relu_ = true; }

  void describe(const std::vector<const Tensor*>& in, const std::vector<Tensor>& out, LayerInfo& info) const override {
    info.input_shape = in[0]->shape;
    info.weight_shape = in[1]->shape;
    info.output_shape = out[0].shape;
    info.macs = out[0].numel() * (ta_ ? in[0]->shape[0] : in[0]->shape[1]);
    info.params = in[1]->numel() + (in.size() > 2 && in[2] ? in[2]->numel() : 0);
  }

 private:
  float alpha_, beta_;
  bool ta_, tb_;
  std::vector<float> w_rows_;
  bool relu_ = false;
};

std::unique_ptr<Op> make_gemm(NodeReader& r) {
  r.require_inputs(2, 3);
  if (r.opset() < 7) r.get_int("broadcast", 0);  // C broadcasts in every opset we run
  const bool tb = r.get_int("transB", 0) != 0;
  std::vector<float> w_rows;
  const Tensor* b = r.constant_input(1);
  if (!tb && b && b->dtype == DType::Float32 && b->rank() == 2) w_rows = transpose(b->f(), b->shape[0], b->shape[1]);
  return std::make_unique<GemmOp>(r.get_float("alpha", 1.0f), r.get_float("beta", 1.0f), r.get_int("transA", 0) != 0, tb,
                                  std::move(w_rows));
}

class MatMulOp : public Op {
 public:
  // w_rows: a constant 2-D B as rows of output weights (N x K); empty otherwise.
  explicit MatMulOp(std::vector<float> w_rows) : w_rows_(std::move(w_rows)) {}
  bool approximable() const override { return !w_rows_.empty(); }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext& ctx) const override {
    const Tensor& a = need(in, 0);
    const Tensor& b = need(in, 1);
    need_float(a, "A");
    need_float(b, "B");
    if (a.rank() < 1 || b.rank() < 1) runtime_fail("MatMul of a scalar");
    Shape as = a.shape, bs = b.shape;
    const bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
    if (a_vec) as.insert(as.begin(), 1);
    if (b_vec) bs.push_back(1);
    const int64_t M = as[as.size() - 2], K = as.back(), N = bs.back();
    if (bs[bs.size() - 2] != K) runtime_fail("A " + shape_string(a.shape) + " and B " + shape_string(b.shape) + " do not match");
    const Shape abatch(as.begin(), as.end() - 2), bbatch(bs.begin(), bs.end() - 2);
    const Shape batch = broadcast_shapes(abatch, bbatch);
    Shape yshape = batch;
    if (!a_vec) yshape.push_back(M);
    if (!b_vec) yshape.push_back(N);
    Tensor y(DType::Float32, yshape);
    const int64_t slot = w_rows_.empty() ? -1 : layer_slot;
    if (bbatch.empty() || shape_numel(bbatch) == 1) {
      // One weight matrix: all rows of A at once.
      std::vector<float> wt;
      const float* w = !w_rows_.empty() ? w_rows_.data() : (wt = transpose(b.f(), K, N)).data();
      const int64_t rows = shape_numel(abatch) * M;
      blocked_matmul(ctx, static_cast<int>(slot), a.f(), w, y.f(), rows, N, K);
    } else {
      const auto sa = broadcast_strides(abatch, batch), sb = broadcast_strides(bbatch, batch);
      const int64_t nb = shape_numel(batch);
      std::vector<int64_t> offs_a(static_cast<std::size_t>(nb)), offs_b(static_cast<std::size_t>(nb));
      for_each_broadcast(batch, sa, sb, [&](int64_t k, int64_t oa, int64_t ob) {
        offs_a[static_cast<std::size_t>(k)] = oa;
        offs_b[static_cast<std::size_t>(k)] = ob;
      });
      parallel_for(nb, [&](int64_t k) {
        const auto w = transpose(b.f() + offs_b[static_cast<std::size_t>(k)] * K * N, K, N);
        run_matmul(ctx, static_cast<int>(slot),
                   matmul_problem(M, N, K, a.f() + offs_a[static_cast<std::size_t>(k)] * M * K, K, w.data(), K, y.f() + k * M * N, N));
      });
    }
    out[0] = std::move(y);
  }

  void describe(const std::vector<const Tensor*>& in, const std::vector<Tensor>& out, LayerInfo& info) const override {
    info.input_shape = in[0]->shape;
    info.weight_shape = in[1]->shape;
    info.output_shape = out[0].shape;
    info.macs = out[0].numel() * in[0]->shape.back();
    info.params = in[1]->numel();
  }

 private:
  std::vector<float> w_rows_;
};

std::unique_ptr<Op> make_matmul(NodeReader& r) {
  r.require_inputs(2, 2);
  const Tensor* b = r.constant_input(1);
  std::vector<float> w_rows;
  if (b && b->dtype == DType::Float32 && b->rank() == 2) w_rows = transpose(b->f(), b->shape[0], b->shape[1]);
  return std::make_unique<MatMulOp>(std::move(w_rows));
}

}  // namespace

void register_gemm(Registry& r) {
  r["Gemm"] = make_gemm;
  r["MatMul"] = make_matmul;
}

}  // namespace axevo::ops
