#include <catch2/catch.hpp>

#include "axevo/error_metrics.hpp"

TEST_CASE("exact table has zero error", "[metrics]") {
  const auto m = axevo::compute_error_metrics(axevo::exact_table());
  CHECK(m.mae == 0);
  CHECK(m.wce == 0);
  CHECK(m.ep_pct == 0);
}
