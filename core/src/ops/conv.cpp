// Conv and ConvTranspose (1 to 3 spatial dims, groups, strides, dilations, pads, auto_pad):
// im2col / col2im around the layer's MatMulKernel, OpenMP over the batch.
#include <algorithm>
#include <cstring>
#include <memory>

#include "axevo/kernels/approx_conv.hpp"
#include "op.hpp"

namespace axevo::ops {
namespace {

Shape spatial_of(const Shape& s) { return Shape(s.begin() + 2, s.end()); }

class ConvOp : public Op {
 public:
  ConvOp(WindowAttrs a, int64_t group) : a_(std::move(a)), group_(group) {}
  bool approximable() const override { return true; }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext& ctx) const override {
    const Tensor& x = need(in, 0);
    const Tensor& w = need(in, 1);
    const Tensor* b = in.size() > 2 ? in[2] : nullptr;
    need_float(x, "X");
    need_float(w, "W");
    if (x.rank() < 3 || w.rank() != x.rank()) runtime_fail("X " + shape_string(x.shape) + " and W " + shape_string(w.shape) + " do not match");
    const int64_t N = x.shape[0], C = x.shape[1], M = w.shape[0], G = group_;
    if (G < 1 || C % G || M % G || w.shape[1] != C / G)
      runtime_fail("X " + shape_string(x.shape) + ", W " + shape_string(w.shape) + " and group " + std::to_string(G) + " do not match");
    const Shape kernel = spatial_of(w.shape);
    if (!a_.kernel.empty() && a_.kernel != kernel) runtime_fail("kernel_shape does not match W " + shape_string(w.shape));
    const Window3 g = forward_window(a_, spatial_of(x.shape), kernel);
    Shape yshape = {N, M};
    for (std::size_t k = 3 - kernel.size(); k < 3; ++k) yshape.push_back(g.out[k]);
    // Every element is written by a matmul below (chunks x groups cover the output).
    Tensor y = Tensor::uninitialized_floats(yshape);
    const int64_t Cg = C / G, Mg = M / G, P = g.out_size(), Kc = Cg * g.k_size(), In = g.in_size();
    if (b && (b->numel() != M)) runtime_fail("B must have " + std::to_string(M) + " values");
    const QuantizedKernel* qk = ctx.quantized(layer_slot);
    // Bias, then the absorbed ReLU (if any), on one image's output while it is in cache.
    auto finish_image = [&](int64_t n) {
      for (int64_t m = 0; m < M; ++m) {
        float* yp = y.f() + (n * M + m) * P;
        const float bias = b ? b->f()[m] : 0.0f;
        if (b && relu_)
          for (int64_t k = 0; k < P; ++k) yp[k] = relu_value(yp[k] + bias);
        else if (b)
          for (int64_t k = 0; k < P; ++k) yp[k] += bias;
        else if (relu_)
          for (int64_t k = 0; k < P; ++k) yp[k] = relu_value(yp[k]);
      }
    };
    if (qk) {
      // int8: quantize each image's input once, im2col bytes (k-major), and hand several
      // images to one GEMM (their pixels side by side as its rows) so that layers with few
      // output pixels still fill the kernel's vector lanes; chunks in parallel.
      const int64_t per = kernels::conv_images_per_gemm(N, P, Kc);
      const int64_t chunks = (N + per - 1) / per;
      // 1-D and 2-D windows (non-negative pads) take kernels::PaddedIm2col (a zero-bordered,
      // stride-phase copy where every tap's output row is one contiguous run), others the
      // general im2col.  col rows are `ld` apart (slack for the short rows' block copies).
      const bool padded = g.k[0] == 1 && g.in[0] == 1 && g.out[0] == 1 && g.pb[0] == 0 && g.pb[1] >= 0 && g.pb[2] >= 0;
      kernels::Im2colGeometry geo;
      geo.channels = Cg, geo.in_h = g.in[1], geo.in_w = g.in[2], geo.out_h = g.out[1], geo.out_w = g.out[2];
      geo.kernel_h = g.k[1], geo.kernel_w = g.k[2], geo.stride_h = g.s[1], geo.stride_w = g.s[2];
      geo.dilation_h = g.d[1], geo.dilation_w = g.d[2], geo.pad_top = g.pb[1], geo.pad_left = g.pb[2];
      const int64_t ld = kernels::im2col_pitch(per * P);
      parallel_for(chunks, [&](int64_t c) {
        const int64_t n0 = c * per, nb = std::min(per, N - n0), L = nb * P;
        // Scratch written in full before it is read: left uninitialized.
        const std::unique_ptr<int8_t[]> xq(new int8_t[static_cast<std::size_t>(Cg * In)]),
            colq(new int8_t[static_cast<std::size_t>(ld * Kc)]);
        std::unique_ptr<kernels::PaddedIm2col> pp;
        if (padded) pp = std::make_unique<kernels::PaddedIm2col>(geo);
        for (int64_t gi = 0; gi < G; ++gi) {
          for (int64_t i = 0; i < nb; ++i) {
            // One quantize call per image (it vectorizes over long arrays).
            qk->quantize(x.f() + ((n0 + i) * C + gi * Cg) * In, static_cast<std::size_t>(Cg * In), xq.get());
            if (padded) {
              pp->im2col(xq.get(), colq.get() + i * P, ld);
            } else {
              im2col_k_major(g, xq.get(), Cg, colq.get() + i * P, ld);
            }
          }
          QuantizedMatMulProblem p;
          p.M = L;
          p.N = Mg;
          p.K = Kc;
          p.x = colq.get();
          p.ldx = 1;
          p.x_k_stride = ld;
          p.w = w.f() + gi * Mg * Kc;
          p.ldw = Kc;
          p.y = y.f() + (n0 * M + gi * Mg) * P;
          p.y_row_stride = 1;
          p.y_col_stride = P;
          p.y_block = P;
          p.y_block_stride = M * P;
          qk->matmul(p);
        }
        for (int64_t i = 0; i < nb; ++i) finish_image(n0 + i);
      });
    } else {
      parallel_for(N, [&](int64_t n) {  // float (or a kernel without the int8 protocol): im2col floats
        std::vector<float> col(static_cast<std::size_t>(P * Kc));
        for (int64_t gi = 0; gi < G; ++gi) {
          im2col(g, x.f() + (n * C + gi * Cg) * In, Cg, col.data());
          run_matmul(ctx, layer_slot, matmul_problem(P, Mg, Kc, col.data(), Kc, w.f() + gi * Mg * Kc, Kc, y.f() + (n * M + gi * Mg) * P, 1, P));
        }
        finish_image(n);
      });
    }
    out[0] = std::move(y);
  }

  // col[c, kd, kh, kw][p] (one row of output pixels per kernel tap, rows `ld` apart; 0
  // outside): contiguous runs copied at once, the padded ends filled with zeros.
  static void im2col_k_major(const Window3& g, const int8_t* x, int64_t C, int8_t* col, int64_t ld) {
    int8_t* dst = col;
    for (int64_t c = 0; c < C; ++c) {
      const int8_t* xc = x + c * g.in_size();
      for (int64_t kd = 0; kd < g.k[0]; ++kd)
        for (int64_t kh = 0; kh < g.k[1]; ++kh)
          for (int64_t kw = 0; kw < g.k[2]; ++kw, dst += ld) {
            const int64_t off = kw * g.d[2] - g.pb[2];
            const auto [lo, hi] = kernels::inside_columns(off, g.s[2], g.in[2], g.out[2]);
            int8_t* d = dst;
            for (int64_t od = 0; od < g.out[0]; ++od) {
              const int64_t id = od * g.s[0] - g.pb[0] + kd * g.d[0];
              for (int64_t oh = 0; oh < g.out[1]; ++oh, d += g.out[2]) {
                const int64_t ih = oh * g.s[1] - g.pb[1] + kh * g.d[1];
                if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1]) {
                  std::memset(d, 0, static_cast<std::size_t>(g.out[2]));
                  continue;
                }
                const int8_t* xr = xc + (id * g.in[1] + ih) * g.in[2] + off;
                std::memset(d, 0, static_cast<std::size_t>(lo));
                if (g.s[2] == 1) {
                  std::memcpy(d + lo, xr + lo, static_cast<std::size_t>(hi - lo));
                } else {
                  for (int64_t ow = lo; ow < hi; ++ow) d[ow] = xr[ow * g.s[2]];
                }
                std::memset(d + hi, 0, static_cast<std::size_t>(g.out[2] - hi));
              }
            }
          }
    }
  }

  static void im2col(const Window3& g, const float* x, int64_t C, float* col) {
    const int64_t Kc = C * g.k_size();
    int64_t p = 0;
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh)
        for (int64_t ow = 0; ow < g.out[2]; ++ow, ++p) {
          float* row = col + p * Kc;
          for (int64_t c = 0; c < C; ++c) {
            const float* xc = x + c * g.in_size();
            for (int64_t kd = 0; kd < g.k[0]; ++kd) {
              const int64_t id = od * g.s[0] - g.pb[0] + kd * g.d[0];
              const bool okd = id >= 0 && id < g.in[0];
              for (int64_t kh = 0; kh < g.k[1]; ++kh) {
                const int64_t ih = oh * g.s[1] - g.pb[1] + kh * g.d[1];
                const bool ok = okd && ih >= 0 && ih < g.in[1];
                const float* xr = xc + (id * g.in[1] + ih) * g.in[2];
                for (int64_t kw = 0; kw < g.k[2]; ++kw) {
                  const int64_t iw = ow * g.s[2] - g.pb[2] + kw * g.d[2];
                  *row++ = ok && iw >= 0 && iw < g.in[2] ? xr[iw] : 0.0f;
                }
              }
            }
          }
        }
  }

  void describe(const std::vector<const Tensor*>& in, const std::vector<Tensor>& out, LayerInfo& info) const override {
    const Tensor& w = *in[1];
    info.input_shape = in[0]->shape;
    info.weight_shape = w.shape;
    info.output_shape = out[0].shape;
    // Every output element takes Cin/group * kernel-size products.
    info.macs = out[0].numel() * (w.numel() / w.shape[0]);
    info.params = w.numel() + (in.size() > 2 && in[2] ? in[2]->numel() : 0);
  }
  bool absorb_relu() override { return relu_ = true; }

 private:
  WindowAttrs a_;
  int64_t group_;
  bool relu_ = false;
};

std::unique_ptr<Op> make_conv(NodeReader& r) {
  r.require_inputs(2, 3);
  WindowAttrs a;
  a.read(r, true, false);
  return std::make_unique<ConvOp>(a, r.get_int("group", 1));
}

class ConvTransposeOp : public Op {
 public:
  ConvTransposeOp(WindowAttrs a, int64_t group, std::vector<int64_t> output_padding, std::vector<int64_t> output_shape,
                  const Tensor* constant_w)
      : a_(std::move(a)), group_(group), output_padding_(std::move(output_padding)), output_shape_(std::move(output_shape)) {
    if (constant_w && constant_w->dtype == DType::Float32 && constant_w->rank() >= 3 && constant_w->shape[0] % group_ == 0)
      w_rows_ = weight_rows(*constant_w, group_);
  }

  // Weights as rows (cout, kpos) of Cin/group values: wt[g][(co,kp)][c] = W[g*Cg + c][co][kp].
  static std::vector<float> weight_rows(const Tensor& w, int64_t G) {
    const int64_t Cg = w.shape[0] / G, Ncol = w.numel() / w.shape[0];
    std::vector<float> wt(static_cast<std::size_t>(w.numel()));
    for (int64_t gi = 0; gi < G; ++gi)
      for (int64_t c = 0; c < Cg; ++c)
        for (int64_t j = 0; j < Ncol; ++j) wt[static_cast<std::size_t>((gi * Ncol + j) * Cg + c)] = w.f()[(gi * Cg + c) * Ncol + j];
    return wt;
  }
  bool approximable() const override { return true; }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext& ctx) const override {
    const Tensor& x = need(in, 0);
    const Tensor& w = need(in, 1);
    const Tensor* b = in.size() > 2 ? in[2] : nullptr;
    need_float(x, "X");
    need_float(w, "W");
    const std::size_t r = static_cast<std::size_t>(x.rank()) - 2;
    if (x.rank() < 3 || x.rank() > 5 || w.rank() != x.rank()) runtime_fail("X " + shape_string(x.shape) + " and W " + shape_string(w.shape) + " do not match");
    const int64_t N = x.shape[0], C = x.shape[1], G = group_;
    if (G < 1 || C % G || w.shape[0] != C) runtime_fail("X " + shape_string(x.shape) + ", W " + shape_string(w.shape) + " and group do not match");
    const int64_t Cg = C / G, Mg = w.shape[1], M = Mg * G;
    // Geometry, padded to 3 spatial dims.
    int64_t in3[3] = {1, 1, 1}, out3[3] = {1, 1, 1}, k3[3] = {1, 1, 1}, s3[3] = {1, 1, 1}, d3[3] = {1, 1, 1}, pb3[3] = {0, 0, 0};
    auto pick = [&](const std::vector<int64_t>& v, std::size_t k, int64_t def) { return v.size() == r ? v[k] : def; };
    for (std::size_t k = 0; k < r; ++k) {
      const std::size_t o = 3 - r + k;
      in3[o] = x.shape[k + 2];
      k3[o] = w.shape[k + 2];
      s3[o] = pick(a_.strides, k, 1);
      d3[o] = pick(a_.dilations, k, 1);
      const int64_t op = pick(output_padding_, k, 0);
      const int64_t full = s3[o] * (in3[o] - 1) + op + (k3[o] - 1) * d3[o] + 1;
      int64_t pb = 0, pe = 0, outd = 0;
      if (!output_shape_.empty() || a_.auto_pad == "SAME_UPPER" || a_.auto_pad == "SAME_LOWER") {
        const std::size_t os = output_shape_.size();
        outd = output_shape_.empty() ? in3[o] * s3[o] : output_shape_[os - r + k];
        const int64_t total = std::max<int64_t>(0, full - outd);
        if (a_.auto_pad == "SAME_UPPER") pb = total / 2, pe = total - pb;
        else pb = total - total / 2, pe = total / 2;
      } else {
        if (a_.pads.size() == 2 * r) pb = a_.pads[k], pe = a_.pads[k + r];
        outd = full - pb - pe;
      }
      if (outd < 1) runtime_fail("ConvTranspose output would be empty");
      out3[o] = outd;
      pb3[o] = pb;
    }
    Shape yshape = {N, M};
    for (std::size_t k = 3 - r; k < 3; ++k) yshape.push_back(out3[k]);
    Tensor y(DType::Float32, yshape);
    const int64_t Pin = in3[0] * in3[1] * in3[2], Pout = out3[0] * out3[1] * out3[2], Ks = k3[0] * k3[1] * k3[2];
    const int64_t Ncol = Mg * Ks;
    std::vector<float> computed;
    const float* wt = !w_rows_.empty() ? w_rows_.data() : (computed = weight_rows(w, G)).data();
    parallel_for(N, [&](int64_t n) {
      std::vector<float> xt(static_cast<std::size_t>(Pin * Cg)), col(static_cast<std::size_t>(Pin * Ncol));
      std::vector<int32_t> coli, yi;  // integer columns and sums, when the kernel offers them
      for (int64_t gi = 0; gi < G; ++gi) {
        const float* xs = x.f() + (n * C + gi * Cg) * Pin;
        for (int64_t c = 0; c < Cg; ++c)
          for (int64_t p = 0; p < Pin; ++p) xt[static_cast<std::size_t>(p * Cg + c)] = xs[c * Pin + p];
        MatMulProblem p = matmul_problem(Pin, Ncol, Cg, xt.data(), Cg, wt + gi * Ncol * Cg, Cg, col.data(), Ncol);
        MatMulProblem::IntegerOutput io;
        if (coli.empty()) coli.resize(col.size());
        io.acc = coli.data();
        p.int_out = &io;
        run_matmul(ctx, layer_slot, p);
        const bool integer = io.s_x != 0;
        if (integer) yi.assign(static_cast<std::size_t>(Mg * Pout), 0);
        float* ys = y.f() + (n * M + gi * Mg) * Pout;
        // col2im: add every column entry into its output position (as int32 when the kernel
        // gave integer sums, so an output is one integer sum scaled once).
        auto scatter = [&](auto* out, const auto* cols) {
          int64_t pi = 0;
          for (int64_t i0 = 0; i0 < in3[0]; ++i0)
            for (int64_t i1 = 0; i1 < in3[1]; ++i1)
              for (int64_t i2 = 0; i2 < in3[2]; ++i2, ++pi) {
                const auto* cr = cols + pi * Ncol;
                for (int64_t co = 0; co < Mg; ++co) {
                  auto* yc = out + co * Pout;
                  int64_t kp = co * Ks;
                  for (int64_t k0 = 0; k0 < k3[0]; ++k0) {
                    const int64_t o0 = i0 * s3[0] - pb3[0] + k0 * d3[0];
                    for (int64_t k1 = 0; k1 < k3[1]; ++k1) {
                      const int64_t o1 = i1 * s3[1] - pb3[1] + k1 * d3[1];
                      for (int64_t k2 = 0; k2 < k3[2]; ++k2, ++kp) {
                        const int64_t o2 = i2 * s3[2] - pb3[2] + k2 * d3[2];
                        if (o0 < 0 || o0 >= out3[0] || o1 < 0 || o1 >= out3[1] || o2 < 0 || o2 >= out3[2]) continue;
                        yc[(o0 * out3[1] + o1) * out3[2] + o2] += cr[kp];
                      }
                    }
                  }
                }
              }
        };
        if (!integer) {
          scatter(ys, col.data());
        } else {
          scatter(yi.data(), coli.data());
          for (std::size_t k = 0; k < yi.size(); ++k) ys[k] = static_cast<float>(yi[k]) * io.s_x * io.s_w;
        }
      }
      if (b)
        for (int64_t m = 0; m < M; ++m) {
          float* yp = y.f() + (n * M + m) * Pout;
          for (int64_t k = 0; k < Pout; ++k) yp[k] += b->f()[m];
        }
    });
    out[0] = std::move(y);
  }

  void describe(const std::vector<const Tensor*>& in, const std::vector<Tensor>& out, LayerInfo& info) const override {
    const Tensor& x = *in[0];
    const Tensor& w = *in[1];
    info.input_shape = x.shape;
    info.output_shape = out[0].shape;
    info.weight_shape = w.shape;
    // Every input element is multiplied by Cout/group * kernel-size weights.
    info.macs = x.numel() * (w.numel() / w.shape[0]);
    info.params = w.numel() + (in.size() > 2 && in[2] ? in[2]->numel() : 0);
  }

 private:
  WindowAttrs a_;
  int64_t group_;
  std::vector<int64_t> output_padding_, output_shape_;
  std::vector<float> w_rows_;  // precomputed weight_rows() of a constant W
};

std::unique_ptr<Op> make_conv_transpose(NodeReader& r) {
  r.require_inputs(2, 3);
  WindowAttrs a;
  a.read(r, true, false);
  if (a.auto_pad == "VALID") a.auto_pad = "NOTSET";
  const int64_t group = r.get_int("group", 1);
  if (group < 1) r.fail("group must be positive");
  return std::make_unique<ConvTransposeOp>(a, group, r.get_ints("output_padding"), r.get_ints("output_shape"), r.constant_input(1));
}

}  // namespace

void register_conv(Registry& r) {
  r["Conv"] = make_conv;
  r["ConvTranspose"] = make_conv_transpose;
}

}  // namespace axevo::ops
