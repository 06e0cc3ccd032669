// Activation calibration observers (max, percentile, entropy/KL, MSE).  See the algorithm
// descriptions and references in axevo/quantization.hpp.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "axevo/error.hpp"
#include "axevo/quantization.hpp"

namespace axevo::quant {

namespace {

// Fine histogram keys: the bits of |x| as a float, without the low 12 mantissa bits
// (8 exponent + 11 mantissa bits).  |x| below 2^-40 counts as zero.
constexpr int kDropBits = 12;
constexpr uint32_t kMinBiasedExponent = 127 - 40;

uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
double bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}
double key_lo(uint32_t key) { return bits_float(key << kDropBits); }
double key_hi(uint32_t key) {
  const uint32_t next = (key + 1) << kDropBits;
  return next >= 0x7f800000u ? std::numeric_limits<float>::max() : bits_float(next);
}

}  // namespace

std::string calibration_method_name(CalibrationMethod m) {
  switch (m) {
    case CalibrationMethod::Max: return "max";
    case CalibrationMethod::Percentile: return "percentile";
    case CalibrationMethod::Entropy: return "entropy";
    case CalibrationMethod::Mse: return "mse";
  }
  return "?";
}

CalibrationMethod parse_calibration_method(const std::string& name) {
  for (auto m : {CalibrationMethod::Max, CalibrationMethod::Percentile, CalibrationMethod::Entropy, CalibrationMethod::Mse})
    if (calibration_method_name(m) == name) return m;
  throw Error("unknown calibration method '" + name + "' (expected max, percentile, entropy or mse)");
}

ActivationObserver::ActivationObserver(CalibrationMethod method, ObserverOptions options)
    : method_(method), options_(options) {
  if (options_.qmax < 1 || options_.qmax > 127)
    throw Error("ActivationObserver: qmax " + std::to_string(options_.qmax) + " outside [1, 127]");
  if (options_.num_bins < options_.qmax + 1)
    throw Error("ActivationObserver: num_bins must be at least qmax + 1");
  if (!(options_.percentile > 0 && options_.percentile <= 100))
    throw Error("ActivationObserver: percentile must be in (0, 100]");
}

void ActivationObserver::add_key(uint32_t key, uint64_t count) {
  if (bins_.empty()) {
    base_ = key;
    bins_.assign(1, 0);
  } else if (key < base_) {
    bins_.insert(bins_.begin(), base_ - key, 0);
    base_ = key;
  } else if (key - base_ >= bins_.size()) {
    bins_.resize(key - base_ + 1, 0);
  }
  bins_[key - base_] += count;
}

void ActivationObserver::observe(const float* x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) continue;
    const float a = std::fabs(x[i]);
    ++count_;
    abs_max_ = std::max(abs_max_, static_cast<double>(a));
    const uint32_t u = float_bits(a);
    if ((u >> 23) < kMinBiasedExponent) {
      ++zeros_;
      continue;
    }
    const uint32_t key = u >> kDropBits;
    if (!bins_.empty() && key >= base_ && key - base_ < bins_.size()) ++bins_[key - base_];  // common case
    else add_key(key, 1);
  }
}

void ActivationObserver::merge(const ActivationObserver& other) {
  count_ += other.count_;
  zeros_ += other.zeros_;
  abs_max_ = std::max(abs_max_, other.abs_max_);
  for (std::size_t i = 0; i < other.bins_.size(); ++i)
    if (other.bins_[i]) add_key(other.base_ + static_cast<uint32_t>(i), other.bins_[i]);
}

std::vector<double> ActivationObserver::linear_histogram() const {
  const int n = options_.num_bins;
  std::vector<double> h(static_cast<std::size_t>(n), 0.0);
  h[0] = static_cast<double>(zeros_);
  if (!(abs_max_ > 0)) return h;
  const double w = abs_max_ / n;
  for (std::size_t i = 0; i < bins_.size(); ++i) {
    if (!bins_[i]) continue;
    const double c = static_cast<double>(bins_[i]);
    const uint32_t key = base_ + static_cast<uint32_t>(i);
    const double lo = key_lo(key), hi = std::min(key_hi(key), abs_max_);
    const int b0 = std::min(n - 1, static_cast<int>(lo / w));
    if (!(hi > lo)) {
      h[static_cast<std::size_t>(b0)] += c;
      continue;
    }
    const int b1 = std::min(n - 1, static_cast<int>(hi / w));
    if (b0 == b1) {
      h[static_cast<std::size_t>(b0)] += c;
      continue;
    }
    // Split the count over the linear bins by overlap (the last one takes the remainder so
    // the total is preserved).
    double left = c;
    for (int b = b0; b < b1; ++b) {
      const double overlap = std::max(0.0, std::min(hi, (b + 1) * w) - std::max(lo, b * w));
      const double part = c * overlap / (hi - lo);
      h[static_cast<std::size_t>(b)] += part;
      left -= part;
    }
    h[static_cast<std::size_t>(b1)] += std::max(0.0, left);
  }
  return h;
}

double ActivationObserver::threshold() const {
  if (!(abs_max_ > 0)) return 0.0;
  switch (method_) {
    case CalibrationMethod::Max: return abs_max_;
    case CalibrationMethod::Percentile: return percentile_threshold();
    case CalibrationMethod::Entropy: return entropy_threshold();
    case CalibrationMethod::Mse: return mse_threshold();
  }
  return abs_max_;
}

double ActivationObserver::percentile_threshold() const {
  const double target = options_.percentile / 100.0 * static_cast<double>(count_);
  double cum = static_cast<double>(zeros_);
  if (cum >= target) return 0.0;
  for (std::size_t i = 0; i < bins_.size(); ++i) {
    if (!bins_[i]) continue;
    const double c = static_cast<double>(bins_[i]);
    if (cum + c >= target) {
      const uint32_t key = base_ + static_cast<uint32_t>(i);
      const double lo = key_lo(key), hi = std::min(key_hi(key), abs_max_);
      return std::min(abs_max_, lo + (target - cum) / c * std::max(0.0, hi - lo));
    }
    cum += c;
  }
  return abs_max_;
}

namespace {

// MXNet's _smooth_distribution: moves eps onto every empty bin, taken evenly from the
// non-empty ones (values are kept positive).
void smooth(std::vector<double>& p) {
  constexpr double eps = 1e-4;
  std::size_t zeros = 0;
  for (double v : p) zeros += v == 0;
  const std::size_t nonzeros = p.size() - zeros;
  if (nonzeros == 0) return;
  const double eps1 = eps * static_cast<double>(zeros) / static_cast<double>(nonzeros);
  for (double& v : p) v = v == 0 ? eps : std::max(v - eps1, eps * 1e-3);
}

// KL(P || Q) of the two (unnormalized, positive) distributions.
double kl_divergence(const std::vector<double>& p, const std::vector<double>& q) {
  double sp = 0, sq = 0;
  for (std::size_t i = 0; i < p.size(); ++i) sp += p[i], sq += q[i];
  double kl = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double pi = p[i] / sp, qi = q[i] / sq;
    kl += pi * std::log(pi / qi);
  }
  return kl;
}

}  // namespace

double ActivationObserver::entropy_threshold() const {
  const std::vector<double> h = linear_histogram();
  const int n = options_.num_bins, levels = options_.qmax + 1;
  const double w = abs_max_ / n;
  std::vector<double> suffix(static_cast<std::size_t>(n) + 1, 0.0);  // suffix[i] = sum h[i:]
  for (int i = n - 1; i >= 0; --i) suffix[static_cast<std::size_t>(i)] = suffix[static_cast<std::size_t>(i) + 1] + h[static_cast<std::size_t>(i)];
  double best_kl = std::numeric_limits<double>::infinity();
  int best_i = n;
  std::vector<double> p, q;
  for (int i = levels; i <= n; ++i) {
    p.assign(h.begin(), h.begin() + i);
    p[static_cast<std::size_t>(i) - 1] += suffix[static_cast<std::size_t>(i)];  // outliers into the last bin
    q.assign(static_cast<std::size_t>(i), 0.0);
    const int merged = i / levels;
    for (int j = 0; j < levels; ++j) {
      const int start = j * merged, stop = j == levels - 1 ? i : start + merged;
      double sum = 0;
      int nonzero = 0;
      for (int b = start; b < stop; ++b) {
        sum += h[static_cast<std::size_t>(b)];
        nonzero += p[static_cast<std::size_t>(b)] != 0;
      }
      if (nonzero == 0) continue;
      for (int b = start; b < stop; ++b)
        if (p[static_cast<std::size_t>(b)] != 0) q[static_cast<std::size_t>(b)] = sum / nonzero;
    }
    smooth(p);
    smooth(q);
    const double kl = kl_divergence(p, q);
    if (kl < best_kl) best_kl = kl, best_i = i;
  }
  return best_i * w;
}

double ActivationObserver::mse_threshold() const {
  std::vector<double> h = linear_histogram();
  h[0] = std::max(0.0, h[0] - static_cast<double>(zeros_));  // exact zeros have no error
  const int n = options_.num_bins;
  const double w = abs_max_ / n, qmax = options_.qmax;
  // Suffix sums over bins j >= i of h, h*c and h*c^2 (c = bin center).
  std::vector<double> s0(static_cast<std::size_t>(n) + 1, 0.0), s1(s0), s2(s0);
  for (int j = n - 1; j >= 0; --j) {
    const auto u = static_cast<std::size_t>(j);
    const double c = (j + 0.5) * w;
    s0[u] = s0[u + 1] + h[u];
    s1[u] = s1[u + 1] + h[u] * c;
    s2[u] = s2[u + 1] + h[u] * c * c;
  }
  double best = std::numeric_limits<double>::infinity();
  int best_i = n;
  for (int i = 1; i <= n; ++i) {
    const auto u = static_cast<std::size_t>(i);
    const double t = i * w, step = t / qmax;
    const double inside = s0[0] - s0[u];
    const double clipped = s2[u] - 2 * t * s1[u] + t * t * s0[u];
    const double cost = inside * step * step / 12.0 + clipped;
    if (cost < best) best = cost, best_i = i;
  }
  return best_i * w;
}

double calibrate(CalibrationMethod method, const float* x, std::size_t n, ObserverOptions options) {
  ActivationObserver o(method, options);
  o.observe(x, n);
  return o.threshold();
}

}  // namespace axevo::quant
