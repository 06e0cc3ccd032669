// The hardware cost model (core/src/cost_model.cpp): cell areas, the switching-activity
// power proxy and its calibration, and its ranking of the 13 EvoApprox signed circuits.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "axevo/cost_model.hpp"
#include "axevo/plugin.hpp"

using axevo::Cell;

namespace {

int idx(Cell c) { return static_cast<int>(c); }

const axevo::LibraryLoad& builtin_library() {
  static const axevo::LibraryLoad lib =
      axevo::load_multiplier_library("builtin", axevo::PluginSearchPath::standard({AXEVO_PLUGIN_DIR}));
  return lib;
}

const axevo::Netlist& builtin_netlist(const std::string& name) {
  for (const auto& m : builtin_library().multipliers)
    if (m.name == name && m.netlist) return *m.netlist;
  FAIL("builtin multiplier " << name << " with a netlist not found");
  throw std::logic_error("unreachable");
}

// Ranks 1..n, ties get the average of their ranks.
std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<std::size_t> order(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    for (std::size_t k = i; k <= j; ++k) r[order[k]] = (static_cast<double>(i + j) / 2.0) + 1.0;
    i = j + 1;
  }
  return r;
}

// Spearman rank correlation: Pearson correlation of the (average) ranks.
double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  const auto rx = ranks(x), ry = ranks(y);
  const double n = static_cast<double>(rx.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < rx.size(); ++i) mx += rx[i] / n, my += ry[i] / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < rx.size(); ++i) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) * (rx[i] - mx);
    syy += (ry[i] - my) * (ry[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);
}

struct CellsRow {
  std::string name;
  std::array<int, axevo::kCellCount> counts{};
  double area_um2 = 0, power_mw = 0;
};

// ../shared/evoapprox/cells.csv, columns found by their header names.
std::vector<CellsRow> read_cells_csv() {
  const auto path = std::filesystem::path(AXEVO_SHARED_DIR) / "evoapprox" / "cells.csv";
  std::ifstream in(path);
  REQUIRE(in);
  auto split = [](const std::string& line) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string x;
    while (std::getline(ss, x, ',')) f.push_back(x);
    return f;
  };
  std::string line;
  std::getline(in, line);
  const auto header = split(line);
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  for (const char* c : {"name", "half_adders", "full_adders", "and2", "nand2", "area_um2", "power_mw"})
    REQUIRE(col.count(c));
  std::vector<CellsRow> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto f = split(line);
    REQUIRE(f.size() == header.size());
    CellsRow r;
    r.name = f[col["name"]];
    r.counts[idx(Cell::HA)] = std::stoi(f[col["half_adders"]]);
    r.counts[idx(Cell::FA)] = std::stoi(f[col["full_adders"]]);
    r.counts[idx(Cell::AND2)] = std::stoi(f[col["and2"]]);
    r.counts[idx(Cell::NAND2)] = std::stoi(f[col["nand2"]]);
    r.area_um2 = std::stod(f[col["area_um2"]]);
    r.power_mw = std::stod(f[col["power_mw"]]);
    rows.push_back(r);
  }
  return rows;
}

// A netlist whose O[0] is one gate over A[0], B[0] (and A[1]); the other outputs are 0.
axevo::Netlist one_gate(Cell cell) {
  axevo::Netlist n;
  const uint32_t out = n.add_gate(cell, axevo::kNetA0, axevo::kNetB0, axevo::kNetA0 + 1);
  n.outputs.fill(axevo::kNetConst0);
  n.outputs[0] = out;
  if (axevo::cell_outputs(cell) > 1) n.outputs[1] = out + 1;
  return n;
}

}  // namespace

TEST_CASE("cost: NanGate45 X1 cell areas and energy weights", "[cost]") {
  const std::map<Cell, double> area = {
      {Cell::AND2, 1.064}, {Cell::NAND2, 0.798}, {Cell::OR2, 1.064},  {Cell::NOR2, 0.798},  {Cell::XOR2, 1.596},
      {Cell::XNOR2, 1.596}, {Cell::INV, 0.532},  {Cell::BUF, 0.798},  {Cell::NAND3, 1.064}, {Cell::NOR3, 1.064},
      {Cell::AOI21, 1.064}, {Cell::OAI21, 1.064}, {Cell::MUX2, 1.862}, {Cell::HA, 2.66},     {Cell::FA, 4.256},
      {Cell::AND3, 1.33},  {Cell::OR3, 1.33}};
  REQUIRE(area.size() == static_cast<std::size_t>(axevo::kCellCount));
  for (const auto& [cell, a] : area) {
    INFO(axevo::cell_name(cell));
    CHECK(axevo::cell_cost(cell).area_um2 == Approx(a).epsilon(1e-12));
    CHECK(axevo::cell_cost(cell).energy_weight == Approx(a / axevo::cell_outputs(cell)).epsilon(1e-12));
    CHECK(axevo::nominal_activity(cell) > 0.2);
    CHECK(axevo::nominal_activity(cell) <= 0.5);
  }
}

TEST_CASE("cost: single gates toggle at their textbook rates", "[cost]") {
  // Independent random inputs: P(1) = p gives a toggle rate of 2p(1-p).
  const std::vector<std::pair<Cell, double>> expected = {
      {Cell::AND2, 0.375}, {Cell::XOR2, 0.5}, {Cell::INV, 0.5}, {Cell::NAND3, 0.21875}, {Cell::FA, 0.5}, {Cell::HA, 0.4375}};
  for (const auto& [cell, rate] : expected) {
    INFO(axevo::cell_name(cell));
    const auto n = one_gate(cell);
    const auto c = axevo::estimate_cost(n);
    CHECK(c.total_cells == 1);
    CHECK(c.cell_counts[idx(cell)] == 1);
    CHECK(c.area_um2 == Approx(axevo::cell_cost(cell).area_um2));
    CHECK(c.activity[idx(cell)] == Approx(rate).margin(0.01));
    CHECK(c.toggles_per_op ==
          Approx(c.activity[idx(cell)] * axevo::cell_outputs(cell) * axevo::cell_cost(cell).energy_weight));
    CHECK(c.power_mw == Approx(c.toggles_per_op * axevo::power_mw_per_weighted_toggle()));
    // Deterministic; another seed or a pair count that is not a multiple of 64 agrees closely.
    CHECK(axevo::estimate_cost(n).toggles_per_op == c.toggles_per_op);
    CHECK(axevo::estimate_cost(n, 65536, 12345).activity[idx(cell)] == Approx(rate).margin(0.01));
    CHECK(axevo::estimate_cost(n, 20001, 7).activity[idx(cell)] == Approx(rate).margin(0.02));
  }
  CHECK(axevo::estimate_cost(one_gate(Cell::AND2), 1).toggles_per_op == 0);
}

TEST_CASE("cost: calibration re-derived from the builtin exact multiplier", "[cost]") {
  const auto c = axevo::estimate_cost(builtin_netlist("bw_exact"));
  CHECK(c.cells_text() == "FA=49 HA=15 AND2=50 NAND2=14");
  CHECK(c.area_um2 == Approx(15 * 2.66 + 49 * 4.256 + 50 * 1.064 + 14 * 0.798));
  // power_mw_per_weighted_toggle() = 0.425 mW / toggles_per_op(bw_exact).
  const double derived = axevo::kCalibrationPowerMw / c.toggles_per_op;
  std::cout << "cost model calibration: bw_exact toggles_per_op = " << c.toggles_per_op
            << ", mW per weighted toggle = " << derived << "\n";
  CHECK(axevo::power_mw_per_weighted_toggle() == Approx(derived).epsilon(1e-12));
  CHECK(c.power_mw == Approx(0.425).epsilon(1e-12));
  // The nominal activities of the exact array's cell types are their measured rates there.
  for (Cell cell : {Cell::AND2, Cell::NAND2, Cell::HA, Cell::FA}) {
    INFO(axevo::cell_name(cell));
    CHECK(axevo::nominal_activity(cell) == Approx(c.activity[idx(cell)]).epsilon(1e-12));
  }
  // So the count-only formula reproduces the calibration point too.
  CHECK(axevo::estimate_cost_from_counts(c.cell_counts).power_mw == Approx(0.425).epsilon(1e-9));
  // Delay: ns_per_delay_unit() = 1.48 ns / critical-path units of bw_exact.
  std::cout << "cost model calibration: bw_exact critical path = " << c.delay_units << " delay units\n";
  CHECK(axevo::ns_per_delay_unit() == Approx(axevo::kCalibrationDelayNs / c.delay_units).epsilon(1e-12));
  CHECK(c.delay_ns == Approx(1.48).epsilon(1e-12));
}

TEST_CASE("cost: delay model follows the critical path", "[cost]") {
  // A chain of k inverters has k times one inverter's delay; a parallel gate adds nothing.
  auto chain = [](int k) {
    axevo::Netlist n;
    uint32_t net = axevo::kNetA0;
    for (int i = 0; i < k; ++i) net = n.add_gate(Cell::INV, net);
    const uint32_t side = n.add_gate(Cell::NAND2, axevo::kNetA0, axevo::kNetB0);
    n.outputs.fill(axevo::kNetConst0);
    n.outputs[0] = net;
    n.outputs[1] = side;
    return n;
  };
  auto units = [&](int k) { return axevo::estimate_cost(chain(k), 2).delay_units; };
  const double inv = units(4) - units(3);
  CHECK(inv > 0);
  CHECK(units(8) == Approx(units(4) + 4 * inv));
  CHECK(units(8) == Approx(8 * inv));  // the NAND2 beside the chain is off the critical path
  // Truncating low columns never lengthens the exact array's critical path.
  const double exact = axevo::estimate_cost(builtin_netlist("bw_exact")).delay_ns;
  for (const char* name : {"bw_trunc_k4", "bw_trunc_k8", "bw_trunc_k10"})
    CHECK(axevo::estimate_cost(builtin_netlist(name)).delay_ns <= exact);
  CHECK(axevo::estimate_cost(builtin_netlist("bw_trunc_k10")).delay_ns < exact);
  // Counts alone carry no path information.
  CHECK(std::isnan(axevo::estimate_cost_from_counts({}).delay_ns));
}

TEST_CASE("cost: ranks the EvoApprox signed circuits like their published power and area", "[cost]") {
  const auto rows = read_cells_csv();
  REQUIRE(rows.size() == 13);
  std::vector<double> model_power, model_area, pub_power, pub_area;
  for (const auto& r : rows) {
    const auto e = axevo::estimate_cost_from_counts(r.counts);
    model_power.push_back(e.power_mw);
    model_area.push_back(e.area_um2);
    pub_power.push_back(r.power_mw);
    pub_area.push_back(r.area_um2);
    if (r.name == "mul8s_1KV8") CHECK(e.power_mw == Approx(0.425).epsilon(1e-9));
  }
  const double rho_power = spearman(model_power, pub_power);
  const double rho_area = spearman(model_area, pub_area);
  std::cout << "cost model vs EvoApprox PDK45 (13 signed 8x8): Spearman power = " << rho_power
            << ", Spearman area = " << rho_area << "\n";
  WARN("Spearman power " << rho_power << ", area " << rho_area);
  CHECK(rho_power >= 0.95);
  CHECK(rho_area >= 0.95);
}

TEST_CASE("cost: count-only estimate agrees with simulation on the adder arrays", "[cost]") {
  for (const auto& m : builtin_library().multipliers) {
    const auto c = axevo::estimate_cost(*m.netlist);
    if (c.cell_counts[idx(Cell::HA)] + c.cell_counts[idx(Cell::FA)] + c.cell_counts[idx(Cell::AND2)] +
            c.cell_counts[idx(Cell::NAND2)] != c.total_cells || c.total_cells < 60)
      continue;
    INFO(m.name);
    const auto f = axevo::estimate_cost_from_counts(c.cell_counts);
    CHECK(f.area_um2 == Approx(c.area_um2));
    CHECK(f.power_mw == Approx(c.power_mw).epsilon(0.10));
  }
}

TEST_CASE("cost: decreases monotonically along the approximation sweeps", "[cost]") {
  auto sweep = [](const std::vector<std::string>& names) {
    double area = 1e9, power = 1e9;
    for (const auto& name : names) {
      INFO(name);
      const auto c = axevo::estimate_cost(builtin_netlist(name));
      CHECK(c.area_um2 < area);
      CHECK(c.power_mw < power);
      area = c.area_um2;
      power = c.power_mw;
    }
  };
  std::vector<std::string> trunc{"bw_exact"}, trunc_c{"bw_exact"}, ama5{"bw_exact"}, loa{"bw_exact"};
  for (int k = 1; k <= 10; ++k) trunc.push_back("bw_trunc_k" + std::to_string(k));
  for (int k = 2; k <= 10; ++k) trunc_c.push_back("bw_trunc_k" + std::to_string(k) + "_c");
  for (int k = 4; k <= 12; k += 2) ama5.push_back("bw_ama5_k" + std::to_string(k)), loa.push_back("bw_loa_k" + std::to_string(k));
  sweep(trunc);
  sweep(trunc_c);
  sweep(ama5);
  sweep(loa);
  sweep({"bw_exact", "bw_perf_r0_m1", "bw_perf_r0_m2", "bw_perf_r0_m3"});
  sweep({"bw_exact", "bw_bam_h1_v3", "bw_bam_h1_v5", "bw_bam_h1_v7"});
}

TEST_CASE("cost: estimating every builtin multiplier is fast", "[cost]") {
  const auto& lib = builtin_library();
  const auto t0 = std::chrono::steady_clock::now();
  double total = 0;
  for (const auto& m : lib.multipliers) total += axevo::estimate_cost(*m.netlist).power_mw;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  WARN("cost model: " << lib.multipliers.size() << " netlists in " << seconds << " s");
  CHECK(total > 0);
  CHECK(seconds < 10.0);  // about 0.05 s in Release
}
