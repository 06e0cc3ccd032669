// Symmetric int8 quantization of values and weights, and requantization of accumulators.
// See axevo/quantization.hpp.
#include <algorithm>
#include <cmath>
#include <cstdint>
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// GCC 12's AVX-512 intrinsics initialise their "undefined" source operands as `__Y = __Y`,
// which -Wmaybe-uninitialized reports when inlined (GCC bug 105593); harmless here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>
#endif

#include "axevo/error.hpp"
#include "axevo/quantization.hpp"

namespace axevo::quant {

double round_half_even(double v) {
  const double f = std::floor(v);
  // v - f is exact for v >= 0 (Sterbenz) and may round only for v in (-1, 0), where the
  // rounding cannot move it across 0.5 in a way that changes the nearest integer.
  const double d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return std::fmod(f, 2.0) == 0 ? f : f + 1;
}

float scale_from_threshold(double threshold, int qmax) {
  if (qmax < 1 || qmax > 127) throw Error("quantization: qmax " + std::to_string(qmax) + " outside [1, 127]");
  if (!(threshold > 0) || !std::isfinite(threshold)) return 1.0f;
  return static_cast<float>(threshold / qmax);
}

int8_t quantize_value(float x, float scale, int qmax) {
  if (std::isnan(x)) return 0;
  const double q = round_half_even(static_cast<double>(x) / static_cast<double>(scale));
  return static_cast<int8_t>(std::clamp(q, static_cast<double>(-qmax), static_cast<double>(qmax)));
}

namespace {

// The same result as quantize_value, branch-free so that it vectorizes: clamping to
// [-qmax-1, qmax+1] before rounding changes no result, and for |v| < 2^51 adding and
// subtracting 1.5·2^52 rounds to the nearest integer, ties to even (the default rounding mode,
// which axevo never changes; a test compares with quantize_value).  NaN maps to 0.  Compiled
// for AVX2 as well as baseline x86-64, picked at load time (GCC function multi-versioning): the
// same IEEE double operations in wider vectors, so the same results.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
void quantize_portable(const float* x, std::size_t n, float scale, int8_t* q, int qmax) {
  const double s = static_cast<double>(scale), lo = -qmax - 1.0, hi = qmax + 1.0, qm = qmax;
  constexpr double kMagic = 6755399441055744.0;  // 1.5 * 2^52
  for (std::size_t i = 0; i < n; ++i) {
    double v = static_cast<double>(x[i]) / s;
    v = v == v ? v : 0.0;
    v = v < lo ? lo : (v > hi ? hi : v);
    v = (v + kMagic) - kMagic;
    v = v < -qm ? -qm : (v > qm ? qm : v);
    q[i] = static_cast<int8_t>(static_cast<int>(v));
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define AXEVO_QUANTIZE_AVX512 1
// AVX-512 in float, without a division (vdivpd is the slow part of the loop above).  For
// floats x and s > 0, x / s is never within double rounding of a half-integer unless it is one
// (x - (m+1/2)s, when not 0, is at least about 2^-25 s), so quantize_value's result is the
// round-half-even of the exact quotient.  Here: r = nearest integer to x * (1/s) in float
// (clamped as above; within one of the answer), then the signs of x - (r ± 1/2)·s decide: one
// fma each, which rounds the exact difference once, and rounding to nearest keeps a sign and
// keeps 0 at 0 (no underflow for 2^-100 <= s <= 2^100, the range this path takes).  Above
// r + 1/2 moves r up, below r - 1/2 down, exactly on either (a tie) moves r to the even
// neighbour.  Infinite x steps past the clamp and is clamped back; NaN gives 0.  A test
// compares with quantize_value on random values, ties and their neighbours.
__attribute__((target("avx512f"))) std::size_t quantize_avx512(const float* x, std::size_t n, float scale, int8_t* q,
                                                              int qmax) {
  constexpr int kNearest = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC, kTrunc = _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC;
  const __m512 s = _mm512_set1_ps(scale), inv = _mm512_set1_ps(1.0f / scale), lo = _mm512_set1_ps(-qmax - 1.0f),
               hi = _mm512_set1_ps(qmax + 1.0f), qlo = _mm512_set1_ps(static_cast<float>(-qmax)),
               qhi = _mm512_set1_ps(static_cast<float>(qmax)), half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f),
               zero = _mm512_setzero_ps();
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    const __mmask16 number = _mm512_cmp_ps_mask(v, v, _CMP_ORD_Q);
    __m512 r = _mm512_roundscale_ps(_mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(v, inv), lo), hi), kNearest);
    const __m512 up = _mm512_fnmadd_ps(_mm512_add_ps(r, half), s, v);    // sign of x - (r + 1/2)·s
    const __m512 down = _mm512_fnmadd_ps(_mm512_sub_ps(r, half), s, v);  // sign of x - (r - 1/2)·s
    const __m512 halved = _mm512_mul_ps(r, half);
    const __mmask16 odd = _mm512_cmp_ps_mask(_mm512_roundscale_ps(halved, kTrunc), halved, _CMP_NEQ_UQ);
    const __mmask16 inc = _mm512_cmp_ps_mask(up, zero, _CMP_GT_OQ) | (_mm512_cmp_ps_mask(up, zero, _CMP_EQ_OQ) & odd);
    const __mmask16 dec = _mm512_cmp_ps_mask(down, zero, _CMP_LT_OQ) | (_mm512_cmp_ps_mask(down, zero, _CMP_EQ_OQ) & odd);
    r = _mm512_mask_sub_ps(_mm512_mask_add_ps(r, inc, r, one), dec, r, one);
    r = _mm512_maskz_mov_ps(number, _mm512_min_ps(_mm512_max_ps(r, qlo), qhi));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(r)));
  }
  return i;
}
#endif

}  // namespace

void quantize(const float* x, std::size_t n, float scale, int8_t* q, int qmax) {
  std::size_t done = 0;
#ifdef AXEVO_QUANTIZE_AVX512
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  if (avx512 && scale >= 0x1p-100f && scale <= 0x1p100f) done = quantize_avx512(x, n, scale, q, qmax);
#endif
  quantize_portable(x + done, n - done, scale, q + done, qmax);
}

void dequantize(const int8_t* q, std::size_t n, float scale, float* x) {
  for (std::size_t i = 0; i < n; ++i) x[i] = dequantize_value(q[i], scale);
}

QuantizedWeights quantize_weights(const float* w, std::size_t count, int out_channels, WeightGranularity granularity,
                                  int qmax) {
  if (qmax < 1 || qmax > 127) throw Error("quantize_weights: qmax " + std::to_string(qmax) + " outside [1, 127]");
  if (out_channels < 1 || count % static_cast<std::size_t>(out_channels) != 0)
    throw Error("quantize_weights: " + std::to_string(count) + " weights do not split into " +
                std::to_string(out_channels) + " output channels");
  QuantizedWeights r;
  r.qmax = qmax;
  r.out_channels = out_channels;
  r.q.resize(count);
  const std::size_t per = count / static_cast<std::size_t>(out_channels);
  auto abs_max = [&](std::size_t begin, std::size_t end) {
    double m = 0;
    for (std::size_t i = begin; i < end; ++i)
      if (std::isfinite(w[i])) m = std::max(m, std::fabs(static_cast<double>(w[i])));
    return m;
  };
  if (granularity == WeightGranularity::PerTensor) {
    r.scales = {scale_from_threshold(abs_max(0, count), qmax)};
    quantize(w, count, r.scales[0], r.q.data(), qmax);
  } else {
    r.scales.resize(static_cast<std::size_t>(out_channels));
    for (int c = 0; c < out_channels; ++c) {
      const std::size_t b = per * static_cast<std::size_t>(c);
      r.scales[static_cast<std::size_t>(c)] = scale_from_threshold(abs_max(b, b + per), qmax);
      quantize(w + b, per, r.scales[static_cast<std::size_t>(c)], r.q.data() + b, qmax);
    }
  }
  return r;
}

void requantize(const int32_t* acc, std::size_t outer, int channels, std::size_t inner, float s_in, const float* s_w,
                std::size_t n_sw, const float* bias, float* out) {
  if (channels < 1 || (n_sw != 1 && n_sw != static_cast<std::size_t>(channels)))
    throw Error("requantize: " + std::to_string(n_sw) + " weight scales for " + std::to_string(channels) + " channels");
  for (std::size_t o = 0; o < outer; ++o)
    for (int c = 0; c < channels; ++c) {
      const double s = static_cast<double>(s_in) * s_w[n_sw == 1 ? 0 : static_cast<std::size_t>(c)];
      const double b = bias ? bias[c] : 0.0;
      const std::size_t base = (o * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)) * inner;
      for (std::size_t j = 0; j < inner; ++j) out[base + j] = static_cast<float>(acc[base + j] * s + b);
    }
}

}  // namespace axevo::quant
