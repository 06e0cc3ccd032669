// Approximate Conv2d / ConvTranspose2d: direct references and im2col/col2im + GEMM versions.
// See kernels/approx_conv.hpp for the semantics.
#include "axevo/kernels/approx_conv.hpp"

#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "axevo/error.hpp"

namespace axevo::kernels {

namespace {

int16_t product(const Table& table, OperandOrder order, int x, int w) {
  return order == OperandOrder::ActivationFirst ? table[table_index(x, w)] : table[table_index(w, x)];
}

void check(bool ok, const char* op, const char* what) {
  if (!ok) throw Error(std::string(op) + ": " + what);
}

// Throws (outside any parallel region) when the caller forces a path this CPU lacks.
void require_path(KernelPath path, const char* op) {
  if (path == KernelPath::Auto) return;
  const auto paths = available_kernel_paths();
  if (std::find(paths.begin(), paths.end(), path) == paths.end())
    throw Error(std::string(op) + ": kernel path '" + kernel_path_name(path) + "' is not available on this CPU");
}

// Runs task(i, inner_parallel) for i < n: in parallel over i when there are enough tasks to
// keep every thread busy (then each task runs its GEMM single-threaded), else sequentially
// with the GEMM itself parallel.  Either way every output element is written by one task.
template <typename F>
void for_each_task(int n, double work_per_task, F&& task) {
  const int threads = omp_get_max_threads();
  const bool outer = n >= 2 * threads && threads > 1 && n * work_per_task > 65536.0 && !omp_in_parallel();
  if (!outer) {
    for (int i = 0; i < n; ++i) task(i, true);
    return;
  }
#pragma omp parallel for schedule(dynamic)
  for (int i = 0; i < n; ++i) task(i, false);
}

}  // namespace

void Conv2dParams::validate() const {
  const char* op = "approx_conv2d";
  check(batch >= 0 && in_channels > 0 && out_channels > 0 && in_h > 0 && in_w > 0, op, "non-positive size");
  check(kernel_h > 0 && kernel_w > 0 && stride_h > 0 && stride_w > 0 && dilation_h > 0 && dilation_w > 0, op,
        "kernel, stride and dilation must be positive");
  check(pad_h >= 0 && pad_w >= 0, op, "negative padding");
  check(groups > 0 && in_channels % groups == 0 && out_channels % groups == 0, op,
        "channels not divisible by groups");
  check(in_h + 2 * pad_h >= dilation_h * (kernel_h - 1) + 1 && in_w + 2 * pad_w >= dilation_w * (kernel_w - 1) + 1,
        op, "kernel larger than the padded input");
}

void ConvTranspose2dParams::validate() const {
  const char* op = "approx_conv_transpose2d";
  check(batch >= 0 && in_channels > 0 && out_channels > 0 && in_h > 0 && in_w > 0, op, "non-positive size");
  check(kernel_h > 0 && kernel_w > 0 && stride_h > 0 && stride_w > 0 && dilation_h > 0 && dilation_w > 0, op,
        "kernel, stride and dilation must be positive");
  check(pad_h >= 0 && pad_w >= 0 && output_pad_h >= 0 && output_pad_w >= 0, op, "negative padding");
  check(output_pad_h < std::max(stride_h, dilation_h) && output_pad_w < std::max(stride_w, dilation_w), op,
        "output padding must be smaller than stride or dilation");
  check(groups > 0 && in_channels % groups == 0 && out_channels % groups == 0, op,
        "channels not divisible by groups");
  check(out_h() > 0 && out_w() > 0, op, "empty output");
}

// ---------------------------------------------------------------------------------------
// PaddedIm2col

PaddedIm2col::PaddedIm2col(const Im2colGeometry& g) : g_(g) {
  direct_ = g.kernel_h == 1 && g.kernel_w == 1 && g.pad_top == 0 && g.pad_left == 0;
  if (direct_) return;
  const std::ptrdiff_t rows = std::max((g.out_h - 1) * g.stride_h + (g.kernel_h - 1) * g.dilation_h + 1, g.pad_top + g.in_h);
  const std::ptrdiff_t cols = std::max((g.out_w - 1) * g.stride_w + (g.kernel_w - 1) * g.dilation_w + 1, g.pad_left + g.in_w);
  phase_w_ = (cols + g.stride_w - 1) / g.stride_w;
  pitch_ = phase_w_ * g.stride_w;
  plane_ = rows * pitch_;
  buf_.assign(static_cast<std::size_t>(g.channels * plane_ + kSlack), 0);  // block copies read past the end
  // The input rows some tap reads (a strided 1x1 kernel skips the others).
  read_row_.assign(static_cast<std::size_t>(g.in_h), 0);
  for (std::ptrdiff_t oh = 0; oh < g.out_h; ++oh)
    for (std::ptrdiff_t kh = 0; kh < g.kernel_h; ++kh) {
      const std::ptrdiff_t ih = oh * g.stride_h + kh * g.dilation_h - g.pad_top;
      if (ih >= 0 && ih < g.in_h) read_row_[static_cast<std::size_t>(ih)] = 1;
    }
}

void PaddedIm2col::load(const int8_t* x) {
  const std::ptrdiff_t H = g_.in_h, W = g_.in_w, s = g_.stride_w, pl = g_.pad_left, pitch = pitch_, plane = plane_;
  for (std::ptrdiff_t c = 0; c < g_.channels; ++c)
    for (std::ptrdiff_t ih = 0; ih < H; ++ih, x += W) {
      if (!read_row_[static_cast<std::size_t>(ih)]) continue;
      int8_t* row = buf_.data() + c * plane + (ih + g_.pad_top) * pitch;
      if (s == 1) {
        std::copy(x, x + W, row + pl);
      } else if (s == 2) {
        // Column iw = 2t + u goes to phase (pl + u) % 2, index t + (pl + u) / 2: two plain
        // loops the compiler vectorizes.
        int8_t* even = row + (pl % 2) * phase_w_ + pl / 2;
        int8_t* odd = row + ((pl + 1) % 2) * phase_w_ + (pl + 1) / 2;
        for (std::ptrdiff_t t = 0; t < (W + 1) / 2; ++t) even[t] = x[2 * t];
        for (std::ptrdiff_t t = 0; t < W / 2; ++t) odd[t] = x[2 * t + 1];
      } else {
        // Padded column pc = iw + pad_left goes to phase pc % s, index pc / s (counted, not divided).
        std::ptrdiff_t q = pl % s, j = pl / s;
        for (std::ptrdiff_t iw = 0; iw < W; ++iw) {
          row[q * phase_w_ + j] = x[iw];
          if (++q == s) q = 0, ++j;
        }
      }
    }
}

void PaddedIm2col::im2col(const int8_t* x, int8_t* col, std::ptrdiff_t ld) {
  if (direct_) {
    direct_im2col(x, col, ld);
  } else {
    load(x);
    padded_im2col(col, ld);
  }
}

void PaddedIm2col::direct_im2col(const int8_t* x, int8_t* col, std::ptrdiff_t ld) const {
  const std::ptrdiff_t H = g_.in_h, W = g_.in_w, Ho = g_.out_h, Wo = g_.out_w, sh = g_.stride_h, sw = g_.stride_w;
  const int8_t* end = x + g_.channels * H * W;
  for (std::ptrdiff_t c = 0; c < g_.channels; ++c) {
    const int8_t* xc = x + c * H * W;
    int8_t* d = col + c * ld;
    if (sh == 1 && sw == 1) {
      std::memcpy(d, xc, static_cast<std::size_t>(H * W));
      continue;
    }
    for (std::ptrdiff_t oh = 0; oh < Ho; ++oh, d += Wo) {
      const int8_t* src = xc + oh * sh * W;
      std::ptrdiff_t ow = 0;
      if (sw == 1) {
        std::memcpy(d, src, static_cast<std::size_t>(Wo));
        continue;
      }
#if defined(__SSE2__)
      if (sw == 2) {
        // The even bytes of 32 input bytes (read inside the image only); a store may run up to
        // 15 bytes past this row's end, into the next row's place or the slack.
        const __m128i low = _mm_set1_epi16(0x00ff);
        for (; ow < Wo && src + 2 * ow + 32 <= end; ow += 16) {
          const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * ow));
          const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * ow + 16));
          _mm_storeu_si128(reinterpret_cast<__m128i*>(d + ow), _mm_packus_epi16(_mm_and_si128(a, low), _mm_and_si128(b, low)));
        }
      }
#endif
      for (; ow < Wo; ++ow) d[ow] = src[ow * sw];
    }
  }
}

void PaddedIm2col::padded_im2col(int8_t* col, std::ptrdiff_t ld) const {
  const std::ptrdiff_t Ho = g_.out_h, Wo = g_.out_w, sh = g_.stride_h, dh = g_.dilation_h, sw = g_.stride_w,
                       dw = g_.dilation_w, KH = g_.kernel_h, KW = g_.kernel_w, pitch = pitch_, plane = plane_,
                       phase_w = phase_w_;
  int8_t* dst = col;
  for (std::ptrdiff_t c = 0; c < g_.channels; ++c)
    for (std::ptrdiff_t kh = 0; kh < KH; ++kh)
      for (std::ptrdiff_t kw = 0; kw < KW; ++kw, dst += ld) {
        const int8_t* src = buf_.data() + c * plane + kh * dh * pitch + ((kw * dw) % sw) * phase_w + (kw * dw) / sw;
        int8_t* d = dst;
        if (Wo <= kSlack)
          for (std::ptrdiff_t oh = 0; oh < Ho; ++oh, d += Wo) std::memcpy(d, src + oh * sh * pitch, kSlack);
        else
          for (std::ptrdiff_t oh = 0; oh < Ho; ++oh, d += Wo) std::memcpy(d, src + oh * sh * pitch, static_cast<std::size_t>(Wo));
      }
}

// ---------------------------------------------------------------------------------------
// Conv2d

void approx_conv2d_reference(const Table& table, OperandOrder order, const Conv2dParams& p, const int8_t* input,
                             const int8_t* weight, int32_t* output) {
  p.validate();
  const int Ho = p.out_h(), Wo = p.out_w(), cin_g = p.in_channels / p.groups, cout_g = p.out_channels / p.groups;
  for (int b = 0; b < p.batch; ++b)
    for (int co = 0; co < p.out_channels; ++co) {
      const int g = co / cout_g;
      for (int oy = 0; oy < Ho; ++oy)
        for (int ox = 0; ox < Wo; ++ox) {
          int32_t sum = 0;
          for (int ci = 0; ci < cin_g; ++ci)
            for (int ky = 0; ky < p.kernel_h; ++ky)
              for (int kx = 0; kx < p.kernel_w; ++kx) {
                const int iy = oy * p.stride_h - p.pad_h + ky * p.dilation_h;
                const int ix = ox * p.stride_w - p.pad_w + kx * p.dilation_w;
                const bool inside = iy >= 0 && iy < p.in_h && ix >= 0 && ix < p.in_w;
                const int x =
                    inside ? input[((static_cast<std::size_t>(b) * p.in_channels + g * cin_g + ci) * p.in_h + iy) * p.in_w + ix]
                           : 0;
                const int w = weight[((static_cast<std::size_t>(co) * cin_g + ci) * p.kernel_h + ky) * p.kernel_w + kx];
                sum += product(table, order, x, w);
              }
          output[((static_cast<std::size_t>(b) * p.out_channels + co) * Ho + oy) * Wo + ox] = sum;
        }
    }
}

void approx_conv2d(const PreparedTable& table, const Conv2dParams& p, const int8_t* input, const int8_t* weight,
                   int32_t* output, KernelPath path) {
  p.validate();
  require_path(path, "approx_conv2d");
  const int Ho = p.out_h(), Wo = p.out_w(), cin_g = p.in_channels / p.groups, cout_g = p.out_channels / p.groups;
  const int K = cin_g * p.kernel_h * p.kernel_w;
  const std::ptrdiff_t P = static_cast<std::ptrdiff_t>(Ho) * Wo;
  const std::size_t plane = static_cast<std::size_t>(p.in_h) * p.in_w;
  // Several images per GEMM (their output pixels side by side as its lanes) when the output
  // is small, as the emulator's Conv op does.
  const int per = static_cast<int>(conv_images_per_gemm(p.batch, P, K));
  const int chunks = (p.batch + per - 1) / per;
  const int tasks = chunks * p.groups;
  // Each group's weights packed once for the kernel (not once per chunk).
  std::vector<PackedRows> packed;
  for (int g = 0; g < p.groups; ++g)
    packed.emplace_back(table, cout_g, K, weight + static_cast<std::size_t>(g) * cout_g * K, K, 1, false, path);
  for_each_task(tasks, static_cast<double>(cout_g) * K * P * per, [&](int task, bool inner_parallel) {
    const int c = task / p.groups, g = task % p.groups;
    const int b0 = c * per, nb = std::min(per, p.batch - b0);
    const std::ptrdiff_t L = nb * P;
    // im2col: col[(ci*kh + ky)*kw + kx][i*P + oy*Wo + ox] for image b0 + i (rows ld apart),
    // zero where the kernel covers padding.
    Im2colGeometry geo;
    geo.channels = cin_g, geo.in_h = p.in_h, geo.in_w = p.in_w, geo.out_h = Ho, geo.out_w = Wo;
    geo.kernel_h = p.kernel_h, geo.kernel_w = p.kernel_w, geo.stride_h = p.stride_h, geo.stride_w = p.stride_w;
    geo.dilation_h = p.dilation_h, geo.dilation_w = p.dilation_w, geo.pad_top = p.pad_h, geo.pad_left = p.pad_w;
    PaddedIm2col padded(geo);
    const std::ptrdiff_t ld = im2col_pitch(L);
    // Written before it is read (lanes [0, L) of every row): left uninitialized.
    const std::unique_ptr<int8_t[]> col(new int8_t[static_cast<std::size_t>(K) * ld]);
    for (int i = 0; i < nb; ++i) {
      padded.im2col(input + (static_cast<std::size_t>(b0 + i) * p.in_channels + static_cast<std::size_t>(g) * cin_g) * plane,
                    col.get() + i * P, ld);
    }
    // Y[co][lane] = sum_k M(col[k][lane], W_g[co][k]): weights are the row operand; lane
    // i*P + pixel is written straight into image b0 + i's output plane.
    StridedGemm gm;
    gm.M = cout_g, gm.N = static_cast<int>(L), gm.K = K;
    gm.L = weight + static_cast<std::size_t>(g) * cout_g * K, gm.l_m = K, gm.l_k = 1;
    gm.R = col.get(), gm.r_n = 1, gm.r_k = ld;
    gm.Y = output + (static_cast<std::size_t>(b0) * p.out_channels + static_cast<std::size_t>(g) * cout_g) * P;
    gm.y_m = P, gm.y_n = 1, gm.y_n_block = P, gm.y_n_block_stride = static_cast<std::ptrdiff_t>(p.out_channels) * P;
    gm.left_is_activation = false;
    gm.packed_left = &packed[static_cast<std::size_t>(g)];
    approx_gemm_strided(table, gm, path, inner_parallel);
  });
}

// ---------------------------------------------------------------------------------------
// ConvTranspose2d

void approx_conv_transpose2d_reference(const Table& table, OperandOrder order, const ConvTranspose2dParams& p,
                                       const int8_t* input, const int8_t* weight, int32_t* output) {
  p.validate();
  const int Ho = p.out_h(), Wo = p.out_w(), cin_g = p.in_channels / p.groups, cout_g = p.out_channels / p.groups;
  std::fill(output, output + static_cast<std::size_t>(p.batch) * p.out_channels * Ho * Wo, 0);
  for (int b = 0; b < p.batch; ++b)
    for (int ci = 0; ci < p.in_channels; ++ci) {
      const int g = ci / cin_g;
      for (int iy = 0; iy < p.in_h; ++iy)
        for (int ix = 0; ix < p.in_w; ++ix) {
          const int x = input[((static_cast<std::size_t>(b) * p.in_channels + ci) * p.in_h + iy) * p.in_w + ix];
          for (int co = 0; co < cout_g; ++co)
            for (int ky = 0; ky < p.kernel_h; ++ky)
              for (int kx = 0; kx < p.kernel_w; ++kx) {
                const int oy = iy * p.stride_h - p.pad_h + ky * p.dilation_h;
                const int ox = ix * p.stride_w - p.pad_w + kx * p.dilation_w;
                if (oy < 0 || oy >= Ho || ox < 0 || ox >= Wo) continue;
                const int w = weight[((static_cast<std::size_t>(ci) * cout_g + co) * p.kernel_h + ky) * p.kernel_w + kx];
                output[((static_cast<std::size_t>(b) * p.out_channels + g * cout_g + co) * Ho + oy) * Wo + ox] +=
                    product(table, order, x, w);
              }
        }
    }
}

void approx_conv_transpose2d(const PreparedTable& table, const ConvTranspose2dParams& p, const int8_t* input,
                             const int8_t* weight, int32_t* output, KernelPath path) {
  p.validate();
  require_path(path, "approx_conv_transpose2d");
  const int Ho = p.out_h(), Wo = p.out_w(), cin_g = p.in_channels / p.groups, cout_g = p.out_channels / p.groups;
  const int KK = p.kernel_h * p.kernel_w, rows = cout_g * KK;
  const std::ptrdiff_t HW = static_cast<std::ptrdiff_t>(p.in_h) * p.in_w;
  const std::size_t out_plane = static_cast<std::size_t>(Ho) * Wo;
  const int tasks = p.batch * p.groups;
  for_each_task(tasks, static_cast<double>(rows) * cin_g * HW, [&](int task, bool inner_parallel) {
    const int b = task / p.groups, g = task % p.groups;
    // col[co*KK + ky*kw + kx][iy*in_w + ix] = sum_ci M(input[ci][iy][ix], weight[ci][co][ky][kx]).
    std::vector<int32_t> col(static_cast<std::size_t>(rows) * HW);
    StridedGemm gm;
    gm.M = rows, gm.N = static_cast<int>(HW), gm.K = cin_g;
    gm.L = weight + static_cast<std::size_t>(g) * cin_g * rows, gm.l_m = 1, gm.l_k = rows;
    gm.R = input + (static_cast<std::size_t>(b) * p.in_channels + static_cast<std::size_t>(g) * cin_g) * HW;
    gm.r_n = 1, gm.r_k = HW;
    gm.Y = col.data(), gm.y_m = HW, gm.y_n = 1;
    gm.left_is_activation = false;
    approx_gemm_strided(table, gm, path, inner_parallel);
    // col2im: scatter-add every column entry to its output position (if inside).
    int32_t* out_g = output + (static_cast<std::size_t>(b) * p.out_channels + static_cast<std::size_t>(g) * cout_g) * out_plane;
    std::fill(out_g, out_g + cout_g * out_plane, 0);
    for (int co = 0; co < cout_g; ++co)
      for (int ky = 0; ky < p.kernel_h; ++ky)
        for (int kx = 0; kx < p.kernel_w; ++kx) {
          const int32_t* src = col.data() + static_cast<std::size_t>((co * p.kernel_h + ky) * p.kernel_w + kx) * HW;
          int32_t* dst = out_g + co * out_plane;
          for (int iy = 0; iy < p.in_h; ++iy) {
            const int oy = iy * p.stride_h - p.pad_h + ky * p.dilation_h;
            if (oy < 0 || oy >= Ho) continue;
            for (int ix = 0; ix < p.in_w; ++ix) {
              const int ox = ix * p.stride_w - p.pad_w + kx * p.dilation_w;
              if (ox >= 0 && ox < Wo) dst[static_cast<std::size_t>(oy) * Wo + ox] += src[static_cast<std::size_t>(iy) * p.in_w + ix];
            }
          }
        }
  });
}

}  // namespace axevo::kernels
