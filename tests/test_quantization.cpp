// Symmetric int8 quantization, weight granularity, requantization and the activation
// calibration observers (max, percentile, entropy, MSE).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "axevo/error.hpp"
#include "axevo/quantization.hpp"

using namespace axevo;
using namespace axevo::quant;

namespace {

std::vector<float> uniform(std::size_t n, float lo, float hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

std::vector<float> gaussian(std::size_t n, float sigma, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, sigma);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

const CalibrationMethod kMethods[] = {CalibrationMethod::Max, CalibrationMethod::Percentile,
                                      CalibrationMethod::Entropy, CalibrationMethod::Mse};

}  // namespace

TEST_CASE("quantization: round half to even and clamping", "[quantization]") {
  CHECK(round_half_even(0.5) == 0.0);
  CHECK(round_half_even(1.5) == 2.0);
  CHECK(round_half_even(2.5) == 2.0);
  CHECK(round_half_even(-0.5) == 0.0);
  CHECK(round_half_even(-1.5) == -2.0);
  CHECK(round_half_even(-2.5) == -2.0);
  CHECK(round_half_even(2.4999999) == 2.0);
  CHECK(round_half_even(-2.5000001) == -3.0);
  CHECK(round_half_even(-1e-300) == 0.0);
  CHECK(quantize_value(0.5f, 1.0f) == 0);
  CHECK(quantize_value(1.5f, 1.0f) == 2);
  CHECK(quantize_value(-2.5f, 1.0f) == -2);
  CHECK(quantize_value(1000.0f, 1.0f) == 127);
  CHECK(quantize_value(-1000.0f, 1.0f) == -127);  // symmetric: -128 is never produced
  CHECK(quantize_value(1000.0f, 1.0f, 100) == 100);
  CHECK(quantize_value(std::numeric_limits<float>::quiet_NaN(), 1.0f) == 0);
  CHECK(scale_from_threshold(12.7) == Approx(0.1f));
  CHECK(scale_from_threshold(0.0) == 1.0f);
  CHECK_THROWS_AS(scale_from_threshold(1.0, 128), Error);
}

TEST_CASE("quantization: the array quantize equals quantize_value on random values, exact ties and specials", "[quantization]") {
  // quantize() is the branch-free, vectorized form of quantize_value (clamp first, round with
  // the 1.5 * 2^52 trick; on AVX-512, multiply by 1/s and correct with the exact remainder):
  // equal on random values, exact ties x / s = m + 1/2 (scales with short mantissas), the
  // floats next to each tie and special values.
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> unit(0.5f, 1.0f);
  std::uniform_int_distribution<int> half(-140, 139), expo(-30, 10), mant12(2049, 4095);
  std::size_t ties = 0;
  for (int trial = 0; trial < 400; ++trial) {
    // Odd trials: a full 24-bit mantissa; even ones: 12 bits, so that (m + 1/2) * scale is an
    // exact float and x / scale a true tie.
    const float scale = trial % 2 ? std::ldexp(unit(rng), expo(rng)) : std::ldexp(static_cast<float>(mant12(rng)), expo(rng) - 12);
    for (int qmax : {127, 100, 15}) {
      std::vector<float> x = uniform(256, -140.0f * scale, 140.0f * scale, static_cast<uint32_t>(trial));
      for (int k = 0; k < 256; ++k) {  // exact ties, where the float product is exact
        const float t = (static_cast<float>(half(rng)) + 0.5f) * scale;
        if (static_cast<double>(t) == (std::floor(static_cast<double>(t) / scale) + 0.5) * scale) {
          x.push_back(t);
          ++ties;
        }
        // and its float neighbours, a hair off the tie on either side
        x.push_back(std::nextafter(t, std::numeric_limits<float>::infinity()));
        x.push_back(std::nextafter(t, -std::numeric_limits<float>::infinity()));
      }
      for (float v : {0.0f, -0.0f, scale / 2, -scale / 2, 1.5f * scale, -2.5f * scale, 127.5f * scale, -127.5f * scale,
                      1e30f, -1e30f, std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                      std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::denorm_min()})
        x.push_back(v);
      std::vector<int8_t> q(x.size());
      quantize(x.data(), x.size(), scale, q.data(), qmax);
      std::size_t same = 0;
      for (std::size_t i = 0; i < x.size(); ++i) same += q[i] == quantize_value(x[i], scale, qmax);
      INFO("scale " << scale << " qmax " << qmax);
      REQUIRE(same == x.size());
    }
  }
  CHECK(ties > 50000);
}

TEST_CASE("quantization: round trip error is at most scale / 2 inside the range", "[quantization]") {
  for (int qmax : {127, 63, 15}) {
    const float threshold = 3.7f;
    const float scale = scale_from_threshold(threshold, qmax);
    const auto x = uniform(20000, -threshold, threshold, 11);
    std::vector<int8_t> q(x.size());
    std::vector<float> back(x.size());
    quantize(x.data(), x.size(), scale, q.data(), qmax);
    dequantize(q.data(), q.size(), scale, back.data());
    double worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      REQUIRE(std::abs(q[i]) <= qmax);
      worst = std::max(worst, std::fabs(static_cast<double>(x[i]) - back[i]));
    }
    CHECK(worst <= scale / 2 * (1 + 1e-5));
    CHECK(worst > scale / 2 * 0.9);  // the bound is tight
  }
}

TEST_CASE("quantization: per-channel weights keep small channels that per-tensor loses", "[quantization]") {
  // 4 output channels of 50 weights each, magnitudes 0.01, 0.1, 1, 10.
  const int C = 4, per = 50;
  std::vector<float> w;
  const float mags[] = {0.01f, 0.1f, 1.0f, 10.0f};
  for (int c = 0; c < C; ++c) {
    auto u = uniform(per, -mags[c], mags[c], 20 + c);
    u[7] = mags[c];  // the channel's max |w|
    w.insert(w.end(), u.begin(), u.end());
  }
  const auto pt = quantize_weights(w.data(), w.size(), C, WeightGranularity::PerTensor);
  const auto pc = quantize_weights(w.data(), w.size(), C, WeightGranularity::PerChannel);
  REQUIRE(pt.scales.size() == 1);
  REQUIRE(pc.scales.size() == static_cast<std::size_t>(C));
  CHECK(pt.scale(2) == Approx(10.0f / 127));
  for (int c = 0; c < C; ++c) {
    CHECK(pc.scale(c) == Approx(mags[c] / 127));
    CHECK(pc.q[c * per + 7] == 127);  // each channel uses the full range
    double err_pc = 0, err_pt = 0;
    for (int i = 0; i < per; ++i) {
      const float x = w[c * per + i];
      err_pc = std::max(err_pc, std::fabs(static_cast<double>(x) - dequantize_value(pc.q[c * per + i], pc.scale(c))));
      err_pt = std::max(err_pt, std::fabs(static_cast<double>(x) - dequantize_value(pt.q[c * per + i], pt.scale(c))));
    }
    CHECK(err_pc <= pc.scale(c) / 2 * (1 + 1e-5));
    CHECK(err_pt <= pt.scale(c) / 2 * (1 + 1e-5));
    if (c < 3) CHECK(err_pc < err_pt);
  }
  // The 0.01 channel is below half a per-tensor step: it vanishes per tensor.
  CHECK(std::all_of(pt.q.begin(), pt.q.begin() + per, [](int8_t q) { return q == 0; }));
  CHECK(pt.q == quantize_weights(w.data(), w.size(), 1, WeightGranularity::PerChannel).q);  // 1 channel = per tensor
  CHECK_THROWS_AS(quantize_weights(w.data(), 199, C), Error);
  CHECK_THROWS_AS(quantize_weights(w.data(), w.size(), C, WeightGranularity::PerTensor, 0), Error);
}

TEST_CASE("quantization: requantize applies input scale, per-channel weight scale and bias", "[quantization]") {
  // outer = 2 images, 3 channels, inner = 2 positions (NCHW).
  const std::vector<int32_t> acc = {1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6};
  const float s_in = 0.5f;
  const std::vector<float> s_w = {1.0f, 0.25f, 2.0f}, bias = {0.0f, 1.0f, -1.0f};
  std::vector<float> out(acc.size());
  requantize(acc.data(), 2, 3, 2, s_in, s_w.data(), 3, bias.data(), out.data());
  const std::vector<float> expect = {0.5f, 1.0f, 1.375f, 1.5f, 4.0f, 5.0f, -0.5f, -1.0f, 0.625f, 0.5f, -6.0f, -7.0f};
  CHECK(out == expect);
  // Per-tensor weight scale, no bias, GEMM layout [M][N] (inner = 1).
  const float one = 2.0f;
  requantize(acc.data(), 4, 3, 1, s_in, &one, 1, nullptr, out.data());
  for (std::size_t i = 0; i < acc.size(); ++i) CHECK(out[i] == static_cast<float>(acc[i]));
  CHECK_THROWS_AS(requantize(acc.data(), 2, 3, 2, s_in, s_w.data(), 2, nullptr, out.data()), Error);
}

TEST_CASE("calibration: uniform[-1, 1]", "[quantization]") {
  const auto x = uniform(200000, -1.0f, 1.0f, 31);
  const double mx = calibrate(CalibrationMethod::Max, x.data(), x.size());
  const double pct = calibrate(CalibrationMethod::Percentile, x.data(), x.size());
  const double ent = calibrate(CalibrationMethod::Entropy, x.data(), x.size());
  const double mse = calibrate(CalibrationMethod::Mse, x.data(), x.size());
  CHECK(mx > 0.9999);
  CHECK(mx <= 1.0);
  CHECK(pct == Approx(0.9999).margin(2e-3));  // the 99.99th percentile of |x| ~ U[0, 1]
  CHECK(pct <= mx);
  // No outliers: clipping anything costs more than it gains, both stay close to the max.
  CHECK(mse > 0.95);
  CHECK(mse <= mx);
  CHECK(ent > 0.6);
  CHECK(ent <= mx);
}

TEST_CASE("calibration: Gaussian with an outlier", "[quantization]") {
  auto x = gaussian(200000, 1.0f, 32);
  x[12345] = 60.0f;  // one huge outlier
  ActivationObserver max_o(CalibrationMethod::Max), pct_o(CalibrationMethod::Percentile),
      ent_o(CalibrationMethod::Entropy), mse_o(CalibrationMethod::Mse);
  for (auto* o : {&max_o, &pct_o, &ent_o, &mse_o}) o->observe(x);
  CHECK(max_o.threshold() == 60.0);
  CHECK(max_o.count() == x.size());
  // The 99.99th percentile of |x|: the empirical order statistic (about 3.89 sigma).
  std::vector<float> a(x.size());
  std::transform(x.begin(), x.end(), a.begin(), [](float v) { return std::fabs(v); });
  std::sort(a.begin(), a.end());
  const double rank = 0.9999 * static_cast<double>(a.size());
  CHECK(pct_o.threshold() >= a[static_cast<std::size_t>(rank) - 1] * 0.999);
  CHECK(pct_o.threshold() <= a[static_cast<std::size_t>(rank)] * 1.001);
  CHECK(pct_o.threshold() == Approx(3.89).margin(0.3));
  // Entropy ignores the outlier and keeps the bulk of the Gaussian (beyond 3 sigma).
  INFO("entropy " << ent_o.threshold() << " mse " << mse_o.threshold());
  CHECK(ent_o.threshold() > 3.0);
  CHECK(ent_o.threshold() < 10.0);
  // MSE trades the outlier's clipping error against everyone's rounding noise: with a single
  // outlier at 60 sigma the optimum clips it (well below 60) but lies far above the bulk.
  CHECK(mse_o.threshold() > 3.0);
  CHECK(mse_o.threshold() < 0.75 * 60.0);
  // ... and it is a real minimum of the measured quantization MSE of the data.
  auto measured_mse = [&](double t) {
    const float scale = scale_from_threshold(t);
    double s = 0;
    for (float v : x) {
      const double e = v - dequantize_value(quantize_value(v, scale), scale);
      s += e * e;
    }
    return s;
  };
  const double at_mse = measured_mse(mse_o.threshold());
  CHECK(at_mse < measured_mse(max_o.threshold()));
  CHECK(at_mse < measured_mse(pct_o.threshold()));
  CHECK(at_mse < measured_mse(ent_o.threshold()));
  CHECK(at_mse <= 1.02 * std::min(measured_mse(mse_o.threshold() * 0.9), measured_mse(mse_o.threshold() * 1.1)));
}

TEST_CASE("calibration: ReLU activations (half exact zeros) scale with the data", "[quantization]") {
  auto x = gaussian(100000, 2.0f, 33);
  for (auto& v : x) v = std::max(v, 0.0f);
  for (CalibrationMethod m : kMethods) {
    const double t = calibrate(m, x.data(), x.size());
    std::vector<float> scaled(x);
    for (auto& v : scaled) v *= 4.0f;  // power of two: exact
    const double t4 = calibrate(m, scaled.data(), scaled.size());
    INFO(calibration_method_name(m) << " " << t << " " << t4);
    // Entropy (TensorRT) clips ReLU outputs hardest (the spike at 0 dominates P); the others
    // keep well beyond 2.5 sigma.
    CHECK(t > 2.0 * (m == CalibrationMethod::Entropy ? 1.5 : 2.5));
    CHECK(t <= *std::max_element(x.begin(), x.end()));
    CHECK(t4 == Approx(4 * t).epsilon(0.01));
  }
}

TEST_CASE("calibration: thresholds do not depend on batch split, order or merging", "[quantization]") {
  auto x = gaussian(60000, 0.7f, 34);
  x[100] = -25.0f;
  for (std::size_t i = 0; i < x.size(); i += 3) x[i] = std::max(x[i], 0.0f);
  for (CalibrationMethod m : kMethods) {
    ActivationObserver whole(m);
    whole.observe(x);
    // Uneven batches, fed in reverse order.
    ActivationObserver split(m);
    std::vector<std::size_t> cuts = {0, 1, 7777, 7778, 31000, 59999, x.size()};
    for (std::size_t i = cuts.size() - 1; i > 0; --i) split.observe(x.data() + cuts[i - 1], cuts[i] - cuts[i - 1]);
    // Two observers merged.
    ActivationObserver a(m), b(m);
    a.observe(x.data() + 30000, x.size() - 30000);
    b.observe(x.data(), 30000);
    a.merge(b);
    INFO(calibration_method_name(m));
    CHECK(split.threshold() == whole.threshold());
    CHECK(a.threshold() == whole.threshold());
    CHECK(split.linear_histogram() == whole.linear_histogram());
    CHECK(whole.threshold() > 0);
  }
}

TEST_CASE("calibration: empty and all-zero data, options and names", "[quantization]") {
  for (CalibrationMethod m : kMethods) {
    ActivationObserver o(m);
    CHECK(o.threshold() == 0.0);
    const std::vector<float> zeros(100, 0.0f);
    o.observe(zeros);
    CHECK(o.threshold() == 0.0);
    CHECK(o.scale() == 1.0f);
    CHECK(parse_calibration_method(calibration_method_name(m)) == m);
    const std::vector<float> odd = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                                    2.0f};
    o.observe(odd);
    CHECK(o.count() == 101);  // non-finite values ignored
    CHECK(o.abs_max() == 2.0);
  }
  CHECK_THROWS_AS(parse_calibration_method("kl"), Error);
  ObserverOptions bad;
  bad.percentile = 0;
  CHECK_THROWS_AS(ActivationObserver(CalibrationMethod::Percentile, bad), Error);
  bad = {};
  bad.num_bins = 100;
  CHECK_THROWS_AS(ActivationObserver(CalibrationMethod::Entropy, bad), Error);
}

TEST_CASE("quantization: the vectorized quantize() equals quantize_value on every kind of value", "[quantization]") {
  // Ties at every half step of the range, values around the clamps, huge, tiny, signed zeros,
  // infinities, NaN, and random values; several scales and qmax.
  std::vector<float> x;
  for (int k = -600; k <= 600; ++k) x.push_back(static_cast<float>(k) * 0.5f);
  for (float v : {0.0f, -0.0f, 1e-30f, -1e-30f, 126.49999f, 126.5f, 127.5f, 128.5f, -127.5f, -128.5f, 1e30f, -1e30f, 3e38f,
                  std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                  std::numeric_limits<float>::quiet_NaN()})
    x.push_back(v);
  uint64_t s = 12345;
  for (int i = 0; i < 100000; ++i) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    x.push_back(static_cast<float>(static_cast<int64_t>(s >> 11) % 4000001 - 2000000) / 7919.0f);
  }
  for (float scale : {1.0f, 0.5f, 0.0123f, 3.0f, 1e-6f})
    for (int qmax : {127, 100, 7}) {
      std::vector<int8_t> fast(x.size());
      quantize(x.data(), x.size(), scale, fast.data(), qmax);
      std::size_t same = 0;
      for (std::size_t i = 0; i < x.size(); ++i) same += fast[i] == quantize_value(x[i], scale, qmax);
      INFO("scale " << scale << " qmax " << qmax);
      CHECK(same == x.size());
    }
}
