#pragma once
// Error metrics of a multiplier table, with the definitions of EvoApproxLib (see
// ../shared/evoapprox/README.md and README.md of this project).  e = M(a,b) - a*b over all
// 65536 operand pairs.
#include "axevo/multiplier.hpp"

namespace axevo {

struct ErrorMetrics {
  double mae = 0;        // mean |e| (exact, not rounded)
  double mae_pct = 0;    // 100 * round(MAE, 1 decimal, ties to even) / 2^16  (as published)
  double wce = 0;        // max |e|
  double wce_pct = 0;    // 100 * WCE / 2^16
  double wcre_pct = 0;   // 100 * max |e|/|a*b| over pairs with a*b != 0
  double ep_pct = 0;     // 100 * #(e != 0) / 2^16
  double mre_pct = 0;    // 100 * mean |e|/|a*b| over the 65025 pairs with a*b != 0
  double mse = 0;        // mean e^2
  double mean_error = 0; // mean e (bias)
  double error_std = 0;  // population standard deviation of e
};

ErrorMetrics compute_error_metrics(const Table& table);

}  // namespace axevo
