#pragma once
// Hardware cost model for gate-level netlists: cell counts, area from the NanGate 45 nm
// open cell library, and a switching-activity power proxy.  See README.md ("Hardware cost
// model") for the tables, the formula and its calibration.
#include <array>
#include <cstdint>
#include <string>

#include "axevo/netlist.hpp"

namespace axevo {

struct CellCost {
  double area_um2;         // NanGate45 X1 cell area
  double energy_weight;    // relative switched energy per output toggle
};
const CellCost& cell_cost(Cell c);

struct CostEstimate {
  std::array<int, kCellCount> cell_counts{};  // indexed by Cell
  int total_cells = 0;
  double area_um2 = 0;       // sum of cell areas
  double toggles_per_op = 0; // weighted output toggles per random operation
  double power_mw = 0;       // power proxy, mW (calibrated, see README)
  std::string cells_text() const;  // "FA=49 HA=15 AND2=50 NAND2=14"
};

// Cell counts + area; activity by simulating `pairs` uniformly random operand pairs from
// a fixed seed (deterministic).
CostEstimate estimate_cost(const Netlist& netlist, std::size_t pairs = 65536, uint64_t seed = 1);

// The same formula from cell counts alone, every output toggling at the cell type's
// nominal activity (used when only counts are known, e.g. ../shared/evoapprox/cells.csv).
CostEstimate estimate_cost_from_counts(const std::array<int, kCellCount>& counts);

}  // namespace axevo
