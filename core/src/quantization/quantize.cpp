// Symmetric int8 quantization of values and weights, and requantization of accumulators.
// See axevo/quantization.hpp.
#include <algorithm>
#include <cmath>

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

// Compiled for AVX-512 and AVX2 as well as baseline x86-64, picked at load time (GCC function
// multi-versioning): the same IEEE double operations in wider vectors, so the same results.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void quantize(const float* x, std::size_t n, float scale, int8_t* q, int qmax) {
  // The same result as quantize_value, branch-free so that it vectorizes: clamping to
  // [-qmax-1, qmax+1] before rounding changes no result, and for |v| < 2^51 adding and
  // subtracting 1.5·2^52 rounds to the nearest integer, ties to even (the default rounding mode,
  // which axevo never changes; a test compares with quantize_value).  NaN maps to 0.
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
