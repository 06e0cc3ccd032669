#include "axevo/error_metrics.hpp"

#include <cmath>
#include <cstdlib>

namespace axevo {

namespace {
// Rounds to one decimal place, halves to even (the published MAE% derive from this).
double round_one_decimal_even(double x) {
  const double scaled = x * 10.0;
  const double r = std::nearbyint(scaled);  // default rounding mode: to nearest, ties to even
  return r / 10.0;
}
}  // namespace

ErrorMetrics compute_error_metrics(const Table& table) {
  constexpr double kPairs = 65536.0;
  long double sum_abs = 0, sum_e = 0, sum_sq = 0, sum_rel = 0;
  long long max_abs = 0, nonzero = 0, rel_pairs = 0;
  double max_rel = 0;
  for (int a = -128; a < 128; ++a) {
    for (int b = -128; b < 128; ++b) {
      const long long p = static_cast<long long>(a) * b;
      const long long e = static_cast<long long>(table[table_index(a, b)]) - p;
      const long long ae = std::llabs(e);
      sum_abs += ae;
      sum_e += e;
      sum_sq += static_cast<long double>(e) * e;
      if (ae > max_abs) max_abs = ae;
      if (e != 0) ++nonzero;
      if (p != 0) {
        const double rel = static_cast<double>(ae) / static_cast<double>(std::llabs(p));
        sum_rel += rel;
        ++rel_pairs;
        if (rel > max_rel) max_rel = rel;
      }
    }
  }
  ErrorMetrics m;
  m.mae = static_cast<double>(sum_abs / kPairs);
  m.mae_pct = 100.0 * round_one_decimal_even(m.mae) / kPairs;
  m.wce = static_cast<double>(max_abs);
  m.wce_pct = 100.0 * m.wce / kPairs;
  m.wcre_pct = 100.0 * max_rel;
  m.ep_pct = 100.0 * static_cast<double>(nonzero) / kPairs;
  m.mre_pct = rel_pairs ? static_cast<double>(100.0L * sum_rel / rel_pairs) : 0.0;
  m.mse = static_cast<double>(sum_sq / kPairs);
  m.mean_error = static_cast<double>(sum_e / kPairs);
  const double var = m.mse - m.mean_error * m.mean_error;
  m.error_std = var > 0 ? std::sqrt(var) : 0.0;
  return m;
}

}  // namespace axevo
