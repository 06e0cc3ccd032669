#pragma once
// Hardware cost model for gate-level netlists: cell counts, area from the NanGate 45 nm
// open cell library, and a switching-activity power proxy.  See README.md ("Hardware cost
// model") and core/src/cost_model.cpp for the tables, the formula and its calibration.
#include <array>
#include <cstdint>
#include <limits>
#include <string>

#include "axevo/netlist.hpp"

namespace axevo {

struct CellCost {
  double area_um2;         // NanGate45 X1 cell area
  double energy_weight;    // relative switched energy per output toggle (area / outputs)
};
const CellCost& cell_cost(Cell c);

// Toggle rate per output that estimate_cost_from_counts assumes for a cell type.
double nominal_activity(Cell c);

// The calibration constant: power_mw = power_mw_per_weighted_toggle() * toggles_per_op.
// Chosen so that the builtin exact Baugh-Wooley multiplier (bw_exact) gets the published
// PDK45 power of EvoApprox's exact mul8s_1KV8, kCalibrationPowerMw.
double power_mw_per_weighted_toggle();
inline constexpr double kCalibrationPowerMw = 0.425;

// Delay: delay_ns = ns_per_delay_unit() * critical-path delay units; bw_exact gets the
// published PDK45 delay of mul8s_1KV8, kCalibrationDelayNs.
double ns_per_delay_unit();
inline constexpr double kCalibrationDelayNs = 1.48;

struct CostEstimate {
  std::array<int, kCellCount> cell_counts{};  // indexed by Cell
  int total_cells = 0;
  double area_um2 = 0;       // sum of cell areas
  double toggles_per_op = 0; // weighted output toggles per random operation
  // Mean toggle rate per output of each cell type (toggles per operation; estimate_cost:
  // measured, estimate_cost_from_counts: the nominal activity), 0 for absent types.
  std::array<double, kCellCount> activity{};
  double power_mw = 0;       // power proxy, mW (calibrated, see README)
  double delay_units = std::numeric_limits<double>::quiet_NaN();  // critical path, relative units
  double delay_ns = std::numeric_limits<double>::quiet_NaN();     // calibrated; NaN from counts alone
  std::string cells_text() const;  // "FA=49 HA=15 AND2=50 NAND2=14"
};

// Cell counts + area; activity by simulating `pairs` uniformly random operand pairs from
// a fixed seed (deterministic).
CostEstimate estimate_cost(const Netlist& netlist, std::size_t pairs = 65536, uint64_t seed = 1);

// The same formula from cell counts alone, every output toggling at the cell type's
// nominal activity (used when only counts are known, e.g. ../shared/evoapprox/cells.csv).
CostEstimate estimate_cost_from_counts(const std::array<int, kCellCount>& counts);

}  // namespace axevo
