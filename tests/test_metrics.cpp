// Error metrics against the figures EvoApproxLib publishes for its 13 signed 8x8
// multipliers (../shared/evoapprox/multipliers.csv), compared at the published precision,
// both through the library API and through `axevo mult list --format csv`.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>

#include "axevo/error_metrics.hpp"
#include "axevo/io.hpp"
#include "test_support.hpp"

using namespace axevo;
using axevo::test::cell;

namespace {

// The library's rounding of published strings (../shared/evoapprox/README.md):
// percentages with two decimals when >= 0.1 (zero as 0.00), else two significant digits;
// MAE, WCE, MSE with two significant digits below 10, integers from 10 up, zero as 0;
// halves to even (printf rounds exact binary ties to even).
std::string published_pct(double v) {
  char buf[64];
  if (v == 0) return "0.00";
  if (v >= 0.1) std::snprintf(buf, sizeof buf, "%.2f", v);
  else std::snprintf(buf, sizeof buf, "%.2g", v);
  return buf;
}
std::string published_abs(double v) {
  char buf[64];
  if (v == 0) return "0";
  if (v < 10) std::snprintf(buf, sizeof buf, "%.1f", v);
  else std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}
double round_one_decimal(double v) { return std::nearbyint(v * 10) / 10; }

// Compares a recomputed value with a published string at the string's precision. The
// string "72829.102e2" (MSE of 1KR3, exactly 7282910.25) carries one decimal.
void check_published(const std::string& circuit, const std::string& metric, const std::string& published, double value,
                     bool percentage) {
  INFO(circuit << " " << metric << ": published " << published << ", recomputed " << value);
  if (published.find('e') != std::string::npos) {
    CHECK(std::fabs(std::stod(published) - value) <= 0.05 + 1e-9);
  } else {
    CHECK((percentage ? published_pct(value) : published_abs(value)) == published);
  }
}

std::vector<std::vector<std::pair<std::string, std::string>>> published_rows() {
  return axevo::test::parse_csv(axevo::read_file(axevo::test::evoapprox_dir() / "multipliers.csv"));
}

Table read_bin(const std::string& file) {
  const std::string bytes = axevo::read_file(axevo::test::evoapprox_dir() / file);
  REQUIRE(bytes.size() == 131072);
  Table t;
  for (std::size_t i = 0; i < kTableSize; ++i)
    t[i] = static_cast<int16_t>(static_cast<uint16_t>(static_cast<unsigned char>(bytes[2 * i]) |
                                                      (static_cast<unsigned char>(bytes[2 * i + 1]) << 8)));
  return t;
}

}  // namespace

TEST_CASE("exact table has zero error everywhere", "[metrics]") {
  const auto m = compute_error_metrics(exact_table());
  CHECK(m.mae == 0);
  CHECK(m.wce == 0);
  CHECK(m.ep_pct == 0);
  CHECK(m.mre_pct == 0);
  CHECK(m.wcre_pct == 0);
  CHECK(m.mse == 0);
  CHECK(m.mean_error == 0);
  CHECK(m.error_std == 0);
}

TEST_CASE("metrics of a constant offset are exact", "[metrics]") {
  Table t = exact_table();
  for (auto& v : t) v = static_cast<int16_t>(v + 3);
  const auto m = compute_error_metrics(t);
  CHECK(m.mae == 3);
  CHECK(m.wce == 3);
  CHECK(m.mse == 9);
  CHECK(m.mean_error == 3);
  CHECK(m.error_std == 0);
  CHECK(m.ep_pct == 100);
  CHECK(m.wcre_pct == Approx(300.0));  // |e|/|a*b| is largest at a*b = +-1
}

TEST_CASE("all 13 EvoApprox circuits reproduce every published metric", "[metrics][evoapprox]") {
  const auto rows = published_rows();
  REQUIRE(rows.size() == 13);
  for (const auto& row : rows) {
    const std::string name = cell(row, "name");
    const Table t = read_bin(cell(row, "table_file"));
    const ErrorMetrics m = compute_error_metrics(t);
    check_published(name, "mae", cell(row, "mae"), round_one_decimal(m.mae), false);
    check_published(name, "mae_pct", cell(row, "mae_pct"), m.mae_pct, true);
    check_published(name, "wce", cell(row, "wce"), m.wce, false);
    check_published(name, "wce_pct", cell(row, "wce_pct"), m.wce_pct, true);
    check_published(name, "wcre_pct", cell(row, "wcre_pct"), m.wcre_pct, true);
    check_published(name, "ep_pct", cell(row, "ep_pct"), m.ep_pct, true);
    check_published(name, "mre_pct", cell(row, "mre_pct"), m.mre_pct, true);
    check_published(name, "mse", cell(row, "mse"), m.mse, false);
    // Consistency of the two extra metrics with MSE: var = MSE - bias^2.
    CHECK(m.error_std * m.error_std + m.mean_error * m.mean_error == Approx(m.mse).epsilon(1e-12));
  }
}

TEST_CASE("MRE of 1KR3 matches the ten published digits", "[metrics][evoapprox]") {
  // The library's January 2019 tables list MRE% 135.7731035 for mul8s_1KR3.
  const auto m = compute_error_metrics(read_bin("mul8s_1KR3.bin"));
  CHECK(m.mre_pct == Approx(135.7731035).margin(5e-8));
  CHECK(m.mae == 2016);
  CHECK(m.mse == 7282910.25);
}

TEST_CASE("axevo mult list --format csv reproduces the published EvoApprox figures", "[metrics][evoapprox][cli]") {
  const auto run = axevo::test::run_axevo(
      {"mult", "list", "--library", "lut:" + axevo::test::evoapprox_dir().string(), "--format", "csv"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto listed = axevo::test::parse_csv(run.out);
  const auto rows = published_rows();
  REQUIRE(listed.size() == 13);
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> by_name;
  for (const auto& r : listed) by_name[cell(r, "name")] = r;
  for (const auto& row : rows) {
    const std::string name = cell(row, "name");
    REQUIRE(by_name.count(name) == 1);
    const auto& r = by_name[name];
    auto num = [&](const char* k) { return std::stod(cell(r, k)); };
    check_published(name, "mae", cell(row, "mae"), round_one_decimal(num("mae")), false);
    for (const char* k : {"mae_pct", "wce_pct", "wcre_pct", "ep_pct", "mre_pct"})
      check_published(name, k, cell(row, k), num(k), true);
    for (const char* k : {"wce", "mse"}) check_published(name, k, cell(row, k), num(k), false);
    for (const char* k : {"power_mw", "area_um2", "delay_ns"}) {
      INFO(name << " " << k);
      CHECK(num(k) == std::stod(cell(row, k)));
    }
    CHECK(cell(r, "power_source") == "published");
    CHECK(cell(r, "area_source") == "published");
    CHECK(cell(r, "delay_source") == "published");
  }
  // The six non-commutative circuits are recognised as such.
  for (const char* nc : {"mul8s_1KR3", "mul8s_1KR6", "mul8s_1KR8", "mul8s_1KRC", "mul8s_1KTY", "mul8s_1KVL"})
    CHECK(cell(by_name[nc], "commutative") == "no");
  for (const char* c : {"mul8s_1KV8", "mul8s_1KVA", "mul8s_1KVB", "mul8s_1KX2", "mul8s_1L1G", "mul8s_1L2D", "mul8s_1L2H"})
    CHECK(cell(by_name[c], "commutative") == "yes");
}
