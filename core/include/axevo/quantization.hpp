#pragma once
// Symmetric signed 8-bit quantization and activation calibration.
//
// Quantization: q = clamp(round(x / scale), -qmax, qmax), qmax = 127 by default, zero point 0.
//   * round() is round-half-to-even (banker's rounding, like numpy.round and PyTorch's
//     quantize_per_tensor), computed exactly on double(x) / double(scale).  quantize_value is
//     the plain reference; quantize() (arrays) is a branch-free version with the same results
//     in the default rounding mode (round to nearest), which axevo never changes.  NaN -> 0.
//   * scale = threshold / qmax; a threshold <= 0 (an all-zero tensor) gives scale 1, so
//     everything still quantizes to 0 without dividing by zero.
//   * Dequantization: x' = q * scale; for |x| <= threshold, |x - x'| <= scale / 2.
// Weights: per tensor (one scale from max |w|, AdaPT's default) or per output channel (axis 0,
// one scale per channel from that channel's max |w|).  Activations: per tensor, the threshold
// coming from an ActivationObserver.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace axevo::quant {

inline constexpr int kDefaultQmax = 127;

// Round half to even (exact for every double).
double round_half_even(double v);
float scale_from_threshold(double threshold, int qmax = kDefaultQmax);
int8_t quantize_value(float x, float scale, int qmax = kDefaultQmax);
inline float dequantize_value(int8_t q, float scale) { return static_cast<float>(q) * scale; }
void quantize(const float* x, std::size_t n, float scale, int8_t* q, int qmax = kDefaultQmax);
void dequantize(const int8_t* q, std::size_t n, float scale, float* x);

// Weight quantization.
enum class WeightGranularity { PerTensor, PerChannel };
struct QuantizedWeights {
  std::vector<int8_t> q;      // same layout as the float weights
  std::vector<float> scales;  // 1 (per tensor) or out_channels (per channel) entries
  int qmax = kDefaultQmax;
  int out_channels = 1;
  // Scale of output channel c (the single scale when per tensor).
  float scale(int c) const { return scales.size() == 1 ? scales[0] : scales.at(static_cast<std::size_t>(c)); }
};
// `w` holds `count` weights whose first axis is the output channel (count divisible by
// out_channels, each channel's weights contiguous: [Cout][...]).  Throws axevo::Error on bad
// sizes or qmax outside [1, 127].
QuantizedWeights quantize_weights(const float* w, std::size_t count, int out_channels,
                                  WeightGranularity granularity = WeightGranularity::PerTensor,
                                  int qmax = kDefaultQmax);

// Requantization of int32 accumulators to float:
//   out[i] = float(double(acc[i]) * (double(s_in) * s_w[c]) + bias[c])
// for the element i = (o * channels + c) * inner + j (o < outer, j < inner): NCHW conv output
// is outer = batch, inner = H*W; a GEMM output [M][N] is outer = M, channels = N, inner = 1.
// `s_w` has 1 entry (per tensor) or `channels`; `bias` may be null (no bias).
void requantize(const int32_t* acc, std::size_t outer, int channels, std::size_t inner, float s_in,
                const float* s_w, std::size_t n_sw, const float* bias, float* out);

// ---------------------------------------------------------------------------------------
// Activation calibration.
//
// An observer accumulates activation statistics over any number of batches and returns a
// threshold T (the quantization range is [-T, T], scale = T / qmax).  Statistics are kept in
// a data-independent histogram of |x| (bins fixed by the float's exponent and its top 11
// mantissa bits, i.e. relative bin width <= 2^-11, values below 2^-40 counted as 0), plus the
// exact max |x|; counts are integers, so the result does not depend on how the data is split
// into batches or in which order the batches come.  Non-finite values are ignored.
//
// Methods (every histogram method first redistributes the fine histogram onto
// `num_bins` = 2048 linear bins over [0, max|x|], proportionally to overlap):
//   Max        T = max |x|.
//   Percentile T = the `percentile` (default 99.99) percentile of |x|, interpolated linearly
//              inside the fine bin that holds it (cf. NVIDIA pytorch-quantization
//              HistogramCalibrator "percentile"; McKinstry et al. 2018).
//   Entropy    TensorRT's KL-divergence calibration (Migacz, "8-bit Inference with TensorRT",
//              GTC 2017; MXNet's _get_optimal_threshold): for i = qmax+1 .. 2048 bins,
//              P = hist[0:i] with the outliers hist[i:] added to its last bin, Q = hist[0:i]
//              merged into qmax+1 levels and expanded back uniformly over the non-empty bins
//              of each level; both smoothed (eps = 1e-4 moved onto empty bins); the i with
//              minimal KL(P || Q) gives T = i * bin_width.
//   Mse        T minimizing the expected quantization MSE over the histogram: bins (centers
//              c) above T cost (c - T)^2 (clipping), bins at or below T cost scale^2 / 12
//              (uniform rounding noise, scale = T / qmax), exact zeros cost nothing;
//              candidates T = i * bin_width, i = 1 .. 2048 (cf. pytorch-quantization "mse",
//              Banner et al. 2019 ACIQ).
enum class CalibrationMethod { Max, Percentile, Entropy, Mse };
std::string calibration_method_name(CalibrationMethod m);
// Parses "max", "percentile", "entropy" or "mse"; throws axevo::Error otherwise.
CalibrationMethod parse_calibration_method(const std::string& name);

struct ObserverOptions {
  double percentile = 99.99;  // Percentile method, in (0, 100]
  int num_bins = 2048;        // linear bins for Entropy / Mse (>= qmax + 1)
  int qmax = kDefaultQmax;    // levels are qmax + 1 for Entropy, scale = T / qmax for Mse
};

class ActivationObserver {
 public:
  explicit ActivationObserver(CalibrationMethod method = CalibrationMethod::Max, ObserverOptions options = {});

  // Adds a batch of activations.
  void observe(const float* x, std::size_t n);
  void observe(const std::vector<float>& x) { observe(x.data(), x.size()); }
  // Adds everything another observer has seen (same result as observing its data here).
  void merge(const ActivationObserver& other);

  // The calibrated threshold (0 when nothing non-zero was observed).
  double threshold() const;
  float scale() const { return scale_from_threshold(threshold(), options_.qmax); }

  CalibrationMethod method() const { return method_; }
  double abs_max() const { return abs_max_; }
  uint64_t count() const { return count_; }

  // The linear histogram [num_bins] of |x| over [0, abs_max()] the histogram methods use.
  std::vector<double> linear_histogram() const;

 private:
  CalibrationMethod method_;
  ObserverOptions options_;
  double abs_max_ = 0;
  uint64_t count_ = 0;   // finite values observed
  uint64_t zeros_ = 0;   // |x| < 2^-40 (counted as exact zeros)
  uint32_t base_ = 0;    // fine key of bins_[0]
  std::vector<uint64_t> bins_;  // fine histogram of |x| over keys [base_, base_ + size)

  void add_key(uint32_t key, uint64_t count);
  double percentile_threshold() const;
  double entropy_threshold() const;
  double mse_threshold() const;
};

// Convenience: the threshold of one method over a single batch.
double calibrate(CalibrationMethod method, const float* x, std::size_t n, ObserverOptions options = {});

}  // namespace axevo::quant
