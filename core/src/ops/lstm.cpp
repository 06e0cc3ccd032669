// LSTM (layout 0; forward, reverse, bidirectional; default activations; optional initial
// states and peepholes).  The input and recurrent products go through the layer's kernel
// with part "W" and "R".
#include <cmath>
#include <cstring>

#include "op.hpp"

namespace axevo::ops {
namespace {

float sigm(float x) { return 1.0f / (1.0f + std::exp(-x)); }

class LstmOp : public Op {
 public:
  LstmOp(int64_t hidden, int dirs, bool reverse_only) : hidden_(hidden), dirs_(dirs), reverse_only_(reverse_only) {}
  bool approximable() const override { return true; }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext& ctx) const override {
    const Tensor& x = need(in, 0);
    const Tensor& w = need(in, 1);
    const Tensor& r = need(in, 2);
    auto opt = [&](std::size_t k) { return k < in.size() ? in[k] : nullptr; };
    const Tensor *b = opt(3), *h0 = opt(5), *c0 = opt(6), *peep = opt(7);
    for (const Tensor* t : {&x, &w, &r, b, h0, c0, peep})
      if (t) need_float(*t, "LSTM inputs");
    if (x.rank() != 3) runtime_fail("X must be [seq, batch, input]");
    const int64_t T = x.shape[0], Bn = x.shape[1], I = x.shape[2], H = hidden_, D = dirs_;
    if (w.shape != Shape{D, 4 * H, I} || r.shape != Shape{D, 4 * H, H}) runtime_fail("W or R has the wrong shape");
    if (b && b->shape != Shape{D, 8 * H}) runtime_fail("B has the wrong shape");
    if ((h0 && h0->shape != Shape{D, Bn, H}) || (c0 && c0->shape != Shape{D, Bn, H})) runtime_fail("initial_h or initial_c has the wrong shape");
    if (peep && peep->shape != Shape{D, 3 * H}) runtime_fail("P has the wrong shape");
    Tensor y(DType::Float32, {T, D, Bn, H}), yh(DType::Float32, {D, Bn, H}), yc(DType::Float32, {D, Bn, H});
    std::vector<float> xw(static_cast<std::size_t>(T * Bn * 4 * H)), hr(static_cast<std::size_t>(Bn * 4 * H));
    for (int64_t d = 0; d < D; ++d) {
      const bool reverse = reverse_only_ || d == 1;
      MatMulProblem p = matmul_problem(T * Bn, 4 * H, I, x.f(), I, w.f() + d * 4 * H * I, I, xw.data(), 4 * H);
      p.part = "W";
      run_matmul(ctx, layer_slot, p);
      std::vector<float> h(static_cast<std::size_t>(Bn * H), 0.0f), c(h);
      if (h0) std::memcpy(h.data(), h0->f() + d * Bn * H, sizeof(float) * static_cast<std::size_t>(Bn * H));
      if (c0) std::memcpy(c.data(), c0->f() + d * Bn * H, sizeof(float) * static_cast<std::size_t>(Bn * H));
      const float* wb = b ? b->f() + d * 8 * H : nullptr;
      const float* pp = peep ? peep->f() + d * 3 * H : nullptr;
      for (int64_t step = 0; step < T; ++step) {
        const int64_t t = reverse ? T - 1 - step : step;
        MatMulProblem q = matmul_problem(Bn, 4 * H, H, h.data(), H, r.f() + d * 4 * H * H, H, hr.data(), 4 * H);
        q.part = "R";
        run_matmul(ctx, layer_slot, q);
        for (int64_t n = 0; n < Bn; ++n) {
          const float* gx = xw.data() + (t * Bn + n) * 4 * H;
          const float* gh = hr.data() + n * 4 * H;
          for (int64_t j = 0; j < H; ++j) {
            float g[4];
            for (int64_t k = 0; k < 4; ++k) g[k] = gx[k * H + j] + gh[k * H + j] + (wb ? wb[k * H + j] + wb[(4 + k) * H + j] : 0.0f);
            float& cs = c[static_cast<std::size_t>(n * H + j)];
            const float i = sigm(g[0] + (pp ? pp[j] * cs : 0.0f));
            const float f = sigm(g[2] + (pp ? pp[2 * H + j] * cs : 0.0f));
            cs = f * cs + i * std::tanh(g[3]);
            const float o = sigm(g[1] + (pp ? pp[H + j] * cs : 0.0f));
            h[static_cast<std::size_t>(n * H + j)] = o * std::tanh(cs);
          }
        }
        std::memcpy(y.f() + ((t * D + d) * Bn) * H, h.data(), sizeof(float) * h.size());
      }
      std::memcpy(yh.f() + d * Bn * H, h.data(), sizeof(float) * h.size());
      std::memcpy(yc.f() + d * Bn * H, c.data(), sizeof(float) * c.size());
    }
    out[0] = std::move(y);
    if (out.size() > 1) out[1] = std::move(yh);
    if (out.size() > 2) out[2] = std::move(yc);
  }

  void describe(const std::vector<const Tensor*>& in, const std::vector<Tensor>& out, LayerInfo& info) const override {
    const Tensor& x = *in[0];
    info.input_shape = x.shape;
    info.weight_shape = in[1]->shape;
    info.output_shape = out[0].shape;
    info.macs = x.shape[0] * x.shape[1] * dirs_ * 4 * hidden_ * (x.shape[2] + hidden_);
    info.params = 0;
    for (std::size_t k : {1u, 2u, 3u, 7u})
      if (k < in.size() && in[k]) info.params += in[k]->numel();
  }

 private:
  int64_t hidden_;
  int dirs_;
  bool reverse_only_;
};

std::unique_ptr<Op> make_lstm(NodeReader& r) {
  r.require_inputs(3, 8);
  if (r.has_input(4)) r.fail("sequence_lens is not supported");
  const int64_t hidden = r.get_int("hidden_size", 0);
  if (hidden <= 0) r.fail("hidden_size is required");
  const std::string dir = r.get_string("direction", "forward");
  if (dir != "forward" && dir != "reverse" && dir != "bidirectional") r.fail("unknown direction '" + dir + "'");
  const int dirs = dir == "bidirectional" ? 2 : 1;
  if (r.get_int("layout", 0) != 0) r.fail("layout=1 is not supported");
  if (r.get_int("input_forget", 0) != 0) r.fail("input_forget=1 is not supported");
  if (r.has("clip")) r.fail("unsupported attribute 'clip'");
  if (r.has("activation_alpha") || r.has("activation_beta")) r.fail("activation_alpha/activation_beta are not supported");
  const auto acts = r.get_strings("activations");
  for (std::size_t k = 0; k < acts.size(); ++k)
    if (acts[k] != (k % 3 == 0 ? "Sigmoid" : "Tanh"))
      r.fail("only the default activations (Sigmoid, Tanh, Tanh) are supported, got '" + acts[k] + "'");
  return std::make_unique<LstmOp>(hidden, dirs, dir == "reverse");
}

}  // namespace

void register_lstm(Registry& r) { r["LSTM"] = make_lstm; }

}  // namespace axevo::ops
