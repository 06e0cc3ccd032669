#pragma once
// Approximate Conv2d and ConvTranspose2d (NCHW, int8 in, int8 weights, int32 out): every
// product goes through the multiplier table (see approx_gemm.hpp for operand order), sums are
// exact int32, no bias (the caller adds it after requantization).
//
// Conv2d padding: padded positions hold the quantized zero, 0, and ARE multiplied like any
// other input (as AdaPT's unfold-based conv does), so an approximate multiplier with
// M(0, w) != 0 changes border outputs.  ConvTranspose2d is the scatter form: only real input
// pixels are multiplied (no zero-insertion products).
//
// Each operation has a direct scalar reference and a fast version (im2col / col2im around
// approx_gemm_strided) with bit-identical results for any thread count.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "axevo/kernels/approx_gemm.hpp"

namespace axevo::kernels {

// Output pixels handed to one im2col + GEMM: layers with small outputs put several images
// side by side so the GEMM's vector lanes stay full (approx_conv2d and the emulator's Conv).
// Up to kConvChunkPixels pixels, or, when the im2col rows are short (K bytes per pixel), up
// to about kConvChunkBytes of im2col but no more than 1/kConvMinChunks of the batch (chunks
// for the threads).  A 1-channel 3x3 layer (K = 9, 28 x 28 outputs, batch 256) then runs 16
// GEMMs of 16 images, not 128 of 2: 775 -> 610 us on 2 threads, 1113 -> 1062 on one (the
// per-GEMM work outside the kernel, and 98 whole lane tiles instead of 12.25 per 2 images).
inline constexpr std::ptrdiff_t kConvChunkPixels = 1024;
inline constexpr std::ptrdiff_t kConvChunkBytes = 128 * 1024;
inline constexpr std::ptrdiff_t kConvMinChunks = 8;
// The kernels compute lanes in tiles of up to this many (a GEMM's last tile is computed whole).
inline constexpr std::ptrdiff_t kConvLaneTile = 128;
// The most images per GEMM for a batch of `batch` images of `pixels` output pixels, K = `k`.
inline std::ptrdiff_t conv_most_images_per_gemm(std::ptrdiff_t batch, std::ptrdiff_t pixels, std::ptrdiff_t k) {
  auto images_for = [&](std::ptrdiff_t px) { return (px + pixels - 1) / pixels; };
  std::ptrdiff_t most = images_for(kConvChunkPixels);
  const std::ptrdiff_t by_bytes = images_for(kConvChunkBytes / std::max<std::ptrdiff_t>(k, 1));
  if (by_bytes > most) most = std::max(most, std::min(by_bytes, (batch + kConvMinChunks - 1) / kConvMinChunks));
  return std::max<std::ptrdiff_t>(1, std::min(batch, most));
}
// Images per such GEMM: among the counts from conv_most_images_per_gemm down to half of it,
// the one that computes the fewest lane tiles over the whole batch (ties: more images).  7x7
// outputs, batch 256: 13 images per GEMM, 99 tiles (21 images: 110).
inline std::ptrdiff_t conv_images_per_gemm(std::ptrdiff_t batch, std::ptrdiff_t pixels, std::ptrdiff_t k) {
  const std::ptrdiff_t most = conv_most_images_per_gemm(batch, pixels, k);
  auto tiles = [&](std::ptrdiff_t n) {  // over the batch, n images per GEMM
    auto of = [&](std::ptrdiff_t images) { return (images * pixels + kConvLaneTile - 1) / kConvLaneTile; };
    return batch / n * of(n) + of(batch % n);
  };
  std::ptrdiff_t best = most;
  for (std::ptrdiff_t n = most - 1; n > most / 2; --n)
    if (tiles(n) < tiles(best)) best = n;
  return best;
}

// int8 im2col of 2-D windows (the emulator's Conv and approx_conv2d): one image's channels
// are copied into a zero-bordered buffer where padded row r (input row r - pad_top) holds its
// padded columns split by the column stride s into s phases, phase q holding columns q, q + s,
// q + 2s, ...  Output row oy of kernel tap (ky, kx) then reads padded row oy*s_h + ky*d_h,
// phase (kx*d_w) % s_w, from index (kx*d_w) / s_w on: one contiguous run of out_w bytes,
// copied as a fixed-size block when short.  Borders are zeroed once and never written, so one
// PaddedIm2col serves image after image.  Input rows no tap reads are not copied.  A 1x1
// kernel without padding needs no buffer: its rows are copied (stride 1) or subsampled
// (stride 2: 16 outputs per SSE2 step) straight from the input.
struct Im2colGeometry {
  std::ptrdiff_t channels = 1, in_h = 1, in_w = 1, out_h = 1, out_w = 1, kernel_h = 1, kernel_w = 1;
  std::ptrdiff_t stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1, pad_top = 0, pad_left = 0;  // pads >= 0
};
class PaddedIm2col {
 public:
  // Rows of col must be at least out_h*out_w + kSlack bytes apart (a short row's block copy
  // writes up to kSlack bytes past its end, which the next row or the slack takes).
  static constexpr std::ptrdiff_t kSlack = 32;
  explicit PaddedIm2col(const Im2colGeometry& g);
  // One image's input x [channels][in_h][in_w] (read only inside those bytes) to
  // col[(c*kernel_h + ky)*kernel_w + kx][oy*out_w + ox], rows `ld` apart; 0 where the tap
  // covers padding.  Images side by side in col are written in order (each one's block
  // copies may write into the next one's place, which is written after it).
  void im2col(const int8_t* x, int8_t* col, std::ptrdiff_t ld);

 private:
  void load(const int8_t* x);                          // x into the interior of buf_
  void padded_im2col(int8_t* col, std::ptrdiff_t ld) const;  // buf_ to col
  void direct_im2col(const int8_t* x, int8_t* col, std::ptrdiff_t ld) const;  // 1x1, no padding
  Im2colGeometry g_;
  bool direct_ = false;
  std::ptrdiff_t phase_w_ = 0, pitch_ = 0, plane_ = 0;
  std::vector<int8_t> buf_;
  std::vector<char> read_row_;  // per input row: read by some tap (else load() skips it)
};
// A row pitch for col holding L output pixels per row: at least L + kSlack, a multiple of 64.
inline std::ptrdiff_t im2col_pitch(std::ptrdiff_t L) { return (L + PaddedIm2col::kSlack + 63) / 64 * 64; }

// im2col along a row: the output columns [lo, hi) of one kernel tap whose input column
// out * stride + off (off = tap * dilation - pad) lies inside [0, in_w); the others read padding.
struct InsideColumns {
  std::ptrdiff_t lo, hi;
};
inline InsideColumns inside_columns(std::ptrdiff_t off, std::ptrdiff_t stride, std::ptrdiff_t in_w, std::ptrdiff_t out_w) {
  std::ptrdiff_t lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
  std::ptrdiff_t hi = in_w - 1 - off < 0 ? 0 : (in_w - 1 - off) / stride + 1;
  lo = std::min(lo, out_w);
  return {lo, std::max(lo, std::min(hi, out_w))};
}

// Conv2d, PyTorch semantics:
//   input  [batch][in_channels][in_h][in_w]
//   weight [out_channels][in_channels / groups][kernel_h][kernel_w]
//   output [batch][out_channels][out_h][out_w],
//   out_h = (in_h + 2*pad_h - dilation_h*(kernel_h-1) - 1) / stride_h + 1 (same for w)
//   output[b][co][oy][ox] = sum_{ci, ky, kx} M(input[b][g*Cin_g + ci][iy][ix], weight[co][ci][ky][kx])
//   with g = co / (out_channels/groups), iy = oy*stride_h - pad_h + ky*dilation_h, ix alike,
//   and input value 0 where (iy, ix) is outside the input (padding).
struct Conv2dParams {
  int batch = 1, in_channels = 1, in_h = 1, in_w = 1, out_channels = 1;
  int kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
  int dilation_h = 1, dilation_w = 1, groups = 1;
  int out_h() const { return (in_h + 2 * pad_h - dilation_h * (kernel_h - 1) - 1) / stride_h + 1; }
  int out_w() const { return (in_w + 2 * pad_w - dilation_w * (kernel_w - 1) - 1) / stride_w + 1; }
  // Throws axevo::Error when the parameters are inconsistent (channels not divisible by
  // groups, non-positive sizes, empty output).
  void validate() const;
};

void approx_conv2d_reference(const Table& table, OperandOrder order, const Conv2dParams& p, const int8_t* input,
                             const int8_t* weight, int32_t* output);
// im2col per (image, group) into a [K = Cin_g*kh*kw][out_h*out_w] column matrix, then one
// GEMM with the weights as the row operand.  OpenMP over (image, group) when there are
// enough of them (depthwise), otherwise inside the GEMM.
void approx_conv2d(const PreparedTable& table, const Conv2dParams& p, const int8_t* input, const int8_t* weight,
                   int32_t* output, KernelPath path = KernelPath::Auto);

// ConvTranspose2d, PyTorch semantics:
//   input  [batch][in_channels][in_h][in_w]
//   weight [in_channels][out_channels / groups][kernel_h][kernel_w]
//   output [batch][out_channels][out_h][out_w],
//   out_h = (in_h-1)*stride_h - 2*pad_h + dilation_h*(kernel_h-1) + output_pad_h + 1 (same for w)
//   every input pixel (b, ci, iy, ix) of group g = ci / Cin_g adds M(input, weight[ci][co][ky][kx])
//   to output[b][g*Cout_g + co][iy*stride_h - pad_h + ky*dilation_h][ix*stride_w - pad_w + kx*dilation_w]
//   when that position is inside the output.
struct ConvTranspose2dParams {
  int batch = 1, in_channels = 1, in_h = 1, in_w = 1, out_channels = 1;
  int kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
  int output_pad_h = 0, output_pad_w = 0, dilation_h = 1, dilation_w = 1, groups = 1;
  int out_h() const { return (in_h - 1) * stride_h - 2 * pad_h + dilation_h * (kernel_h - 1) + output_pad_h + 1; }
  int out_w() const { return (in_w - 1) * stride_w - 2 * pad_w + dilation_w * (kernel_w - 1) + output_pad_w + 1; }
  void validate() const;
};

// Direct scatter form.
void approx_conv_transpose2d_reference(const Table& table, OperandOrder order, const ConvTranspose2dParams& p,
                                       const int8_t* input, const int8_t* weight, int32_t* output);
// GEMM per (image, group): columns [Cout_g*kh*kw][in_h*in_w] = W_g^T x input_g (K = Cin_g),
// then col2im adds each column entry into its output position.
void approx_conv_transpose2d(const PreparedTable& table, const ConvTranspose2dParams& p, const int8_t* input,
                             const int8_t* weight, int32_t* output, KernelPath path = KernelPath::Auto);

}  // namespace axevo::kernels
