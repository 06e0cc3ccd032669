// Hardware cost model of gate-level netlists.
//
// Area: sum of the cell areas of the NanGate FreePDK45 Open Cell Library (v1.3, the 45 nm
// library of EvoApproxLib's PDK45 figures), drive strength X1, as given by the library's
// Liberty/LEF files (NangateOpenCellLibrary_typical.lib, "area" of each *_X1 cell).  The
// cells sit on a 0.19 um x 1.4 um placement site (0.266 um^2), so every area is a whole
// number of sites: INV 2, NAND2/NOR2/BUF 3, AND2/OR2/NAND3/NOR3/AOI21/OAI21 4, AND3/OR3 5,
// XOR2/XNOR2 6, MUX2 7, HA 10, FA 16.
//
// Power: a switching-activity proxy.  The netlist is simulated on `pairs` uniformly random
// operand pairs (bit-parallel, 64 pairs per word; every input bit of every pair is a bit of
// a splitmix64 stream started at `seed`), consecutive pairs forming the transitions.  Every
// cell output that changes between two consecutive pairs counts one toggle, weighted by the
// cell's energy_weight, and
//
//   toggles_per_op = sum over toggles of energy_weight / (pairs - 1)
//   power_mw       = kPowerMwPerWeightedToggle * toggles_per_op
//
// energy_weight = cell area / number of outputs: the area is a first-order proxy of the
// capacitance a cell switches (its transistors and internal nodes), and an HA or FA counts
// the toggles of both its outputs, each with half the cell's area, so a cell whose outputs
// all toggle weighs its full area.
// Glitches, wire load and leakage are not modelled.
//
// Calibration: kPowerMwPerWeightedToggle makes the builtin exact Baugh-Wooley multiplier
// (plugins/builtin, bw_exact: 15 HA, 49 FA, 50 AND2, 14 NAND2) come out at 0.425 mW, the
// published PDK45 power of EvoApproxLib's exact mul8s_1KV8, which is the same Baugh-Wooley
// array with the same cells (its truth table and cell counts are identical; both were
// synthesized in 45 nm).  estimate_cost(bw_exact) with the defaults (65536 pairs, seed 1)
// gives toggles_per_op = kExactToggles = 126.34750783550773 (weighted um^2-toggles per
// operation), hence
//   kPowerMwPerWeightedToggle = 0.425 mW / 126.34750783550773 = 0.0033637386861109205 mW.
// tests/test_cost_model.cpp re-derives these numbers and the nominal activities below from
// the builtin netlist.
//
// estimate_cost_from_counts: the same formula with every output of a cell type toggling at
// that type's nominal activity.  For AND2, NAND2, HA and FA (the cells of the exact array)
// it is the mean toggle rate per output that type shows in bw_exact under estimate_cost's
// defaults; for the other types it is the toggle rate of the cell's outputs when its inputs
// are independent random bits with P(1) = 1/2 (a signal with P(1) = p toggles between two
// independent samples with probability 2p(1-p): 0.5 for INV/BUF/XOR/XNOR/MUX2, 0.375 for
// AND2/OR2/NAND2/NOR2, 0.21875 for the 3-input AND/OR/NAND/NOR, 0.46875 for AOI21/OAI21).
//
// Delay: static timing of the longest input-to-output path.  Each cell output adds a fixed
// relative delay (kCellDelay below, in units of a 2-input NAND's delay, roughly following
// logical-effort estimates: inverting single-stage gates are fastest, AND/OR are a NAND/NOR
// plus an inverter, XOR/XNOR and MUX two stages, an adder's sum two XOR levels, its carry a
// majority gate).  Wires, fan-out and input slopes are not modelled.  The result is scaled
// to ns by kNsPerDelayUnit, chosen so that bw_exact gets the published PDK45 delay of
// mul8s_1KV8 (kCalibrationDelayNs = 1.48 ns): bw_exact's critical path is kExactDelayUnits
// = 37.5 units (carry-save rows, then a ripple-carry final adder), hence 1.48 / 37.5 ns per unit.
#include "axevo/cost_model.hpp"

#include <algorithm>
#include <bitset>
#include <vector>

namespace axevo {

namespace {

// NanGate FreePDK45 Open Cell Library v1.3, X1 cells, area in um^2 (see the top).
constexpr CellCost kCellCosts[kCellCount] = {
    {1.064, 1.064},  // AND2_X1
    {1.064, 1.064},  // OR2_X1
    {0.798, 0.798},  // NAND2_X1
    {0.798, 0.798},  // NOR2_X1
    {1.596, 1.596},  // XOR2_X1
    {1.596, 1.596},  // XNOR2_X1
    {0.532, 0.532},  // INV_X1
    {0.798, 0.798},  // BUF_X1
    {1.064, 1.064},  // NAND3_X1
    {1.064, 1.064},  // NOR3_X1
    {1.064, 1.064},  // AOI21_X1
    {1.064, 1.064},  // OAI21_X1
    {1.862, 1.862},  // MUX2_X1
    {2.660, 1.330},  // HA_X1 (2 outputs)
    {4.256, 2.128},  // FA_X1 (2 outputs)
    {1.330, 1.330},  // AND3_X1
    {1.330, 1.330},  // OR3_X1
};

// Weighted toggles per operation of bw_exact under estimate_cost(netlist, 65536, 1).
constexpr double kExactToggles = 126.34750783550773;
constexpr double kPowerMwPerWeightedToggle = kCalibrationPowerMw / kExactToggles;

// Nominal toggle rate per output, by cell type (see the top).
constexpr double kNominalActivity[kCellCount] = {
    0.37420431830319678,       // AND2: measured in bw_exact
    0.375,                     // OR2
    0.37485531177451525,       // NAND2: measured in bw_exact
    0.375,                     // NOR2
    0.5,                       // XOR2
    0.5,                       // XNOR2
    0.5,                       // INV
    0.5,                       // BUF
    0.21875,                   // NAND3
    0.21875,                   // NOR3
    0.46875,                   // AOI21
    0.46875,                   // OAI21
    0.5,                       // MUX2
    0.3539609877673508,        // HA: measured in bw_exact
    0.42259144903097423,       // FA: measured in bw_exact
    0.21875,                   // AND3
    0.21875,                   // OR3
};

// Relative delay of each output of each cell type (out[0], out[1]; see the top).
constexpr double kCellDelay[kCellCount][2] = {
    {1.5, 0},    // AND2
    {1.5, 0},    // OR2
    {1.0, 0},    // NAND2
    {1.2, 0},    // NOR2
    {2.0, 0},    // XOR2
    {2.0, 0},    // XNOR2
    {0.7, 0},    // INV
    {1.2, 0},    // BUF
    {1.3, 0},    // NAND3
    {1.7, 0},    // NOR3
    {1.4, 0},    // AOI21
    {1.4, 0},    // OAI21
    {2.0, 0},    // MUX2
    {2.0, 1.5},  // HA: sum, carry
    {3.0, 2.0},  // FA: sum, carry
    {1.8, 0},    // AND3
    {2.0, 0},    // OR3
};
constexpr double kExactDelayUnits = 37.5;
constexpr double kNsPerDelayUnit = kCalibrationDelayNs / kExactDelayUnits;

// Longest path from any input to any output bit, in delay units (netlist sorted).
double critical_path_units(const Netlist& n) {
  std::vector<double> arrival(n.num_nets, 0.0);
  for (const Gate& g : n.gates) {
    double in = 0;
    for (int i = 0; i < cell_inputs(g.cell); ++i) in = std::max(in, arrival[g.in[i]]);
    for (int o = 0; o < cell_outputs(g.cell); ++o)
      if (g.out[o] != kNoNet) arrival[g.out[o]] = in + kCellDelay[static_cast<int>(g.cell)][o];
  }
  double worst = 0;
  for (uint32_t net : n.outputs) worst = std::max(worst, arrival[net]);
  return worst;
}

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void fill_counts(CostEstimate& e) {
  e.total_cells = 0;
  e.area_um2 = 0;
  for (int c = 0; c < kCellCount; ++c) {
    e.total_cells += e.cell_counts[c];
    e.area_um2 += e.cell_counts[c] * kCellCosts[c].area_um2;
  }
}

}  // namespace

const CellCost& cell_cost(Cell c) { return kCellCosts[static_cast<int>(c)]; }

double nominal_activity(Cell c) { return kNominalActivity[static_cast<int>(c)]; }

double power_mw_per_weighted_toggle() { return kPowerMwPerWeightedToggle; }

double ns_per_delay_unit() { return kNsPerDelayUnit; }

std::string CostEstimate::cells_text() const {
  // Adders first (the EvoApprox order), then the gates in cell-code order.
  std::vector<Cell> order{Cell::FA, Cell::HA};
  for (int c = 0; c < kCellCount; ++c)
    if (static_cast<Cell>(c) != Cell::FA && static_cast<Cell>(c) != Cell::HA) order.push_back(static_cast<Cell>(c));
  std::string s;
  for (Cell c : order) {
    const int n = cell_counts[static_cast<int>(c)];
    if (n == 0) continue;
    if (!s.empty()) s += ' ';
    s += std::string(cell_name(c)) + "=" + std::to_string(n);
  }
  return s;
}

CostEstimate estimate_cost(const Netlist& input, std::size_t pairs, uint64_t seed) {
  Netlist n = input;
  topological_sort(n);

  CostEstimate e;
  for (const Gate& g : n.gates) ++e.cell_counts[static_cast<int>(g.cell)];
  fill_counts(e);
  e.delay_units = critical_path_units(n);
  e.delay_ns = kNsPerDelayUnit * e.delay_units;
  if (pairs < 2) return e;

  // Simulated in blocks of kBlock words (64 pairs each) to stay in cache.  Gate outputs
  // that nothing reads (kNoNet) are still simulated: the cell switches all the same.
  constexpr std::size_t kBlock = 64;
  const std::size_t words = (pairs + 63) / 64;
  const std::size_t slots = n.gates.size() * 2;  // per gate: out[0], out[1]
  std::vector<uint64_t> value(static_cast<std::size_t>(n.num_nets) * kBlock, 0);
  std::vector<uint64_t> scratch(2 * kBlock, 0);
  std::vector<uint64_t> last_bit(slots, 0);    // value of each output in the previous pair
  std::vector<uint64_t> toggles(slots, 0);
  auto net = [&](uint32_t id) { return value.data() + static_cast<std::size_t>(id) * kBlock; };
  std::fill_n(net(kNetConst1), kBlock, ~uint64_t{0});
  uint64_t rng = seed;

  for (std::size_t w0 = 0; w0 < words; w0 += kBlock) {
    const std::size_t nw = std::min(kBlock, words - w0);
    for (std::size_t w = 0; w < nw; ++w)
      for (uint32_t in = 0; in < 16; ++in) net(kNetA0 + in)[w] = splitmix64(rng);
    for (std::size_t gi = 0; gi < n.gates.size(); ++gi) {
      const Gate& g = n.gates[gi];
      const int ni = cell_inputs(g.cell);
      const uint64_t* x = net(g.in[0]);
      const uint64_t* y = ni > 1 ? net(g.in[1]) : x;
      const uint64_t* z = ni > 2 ? net(g.in[2]) : x;
      uint64_t* o0 = g.out[0] != kNoNet ? net(g.out[0]) : scratch.data();
      uint64_t* o1 = (cell_outputs(g.cell) > 1 && g.out[1] != kNoNet) ? net(g.out[1]) : scratch.data() + kBlock;
      for (std::size_t w = 0; w < nw; ++w) {
        const uint64_t a = x[w], b = y[w], c = z[w];
        uint64_t r0, r1;
        eval_cell_bits(g.cell, a, b, c, r0, r1);
        o0[w] = r0;
        o1[w] = r1;
      }
      // Toggles between consecutive pairs: bit t of word w is pair 64*(w0+w) + t; the
      // first pair of all has no predecessor, pairs past `pairs` are masked off.
      for (int o = 0; o < cell_outputs(g.cell); ++o) {
        const uint64_t* v = o == 0 ? o0 : o1;
        const std::size_t slot = gi * 2 + static_cast<std::size_t>(o);
        uint64_t prev = last_bit[slot];
        uint64_t count = 0;
        for (std::size_t w = 0; w < nw; ++w) {
          const std::size_t word = w0 + w;
          uint64_t t = v[w] ^ ((v[w] << 1) | prev);
          if (word == 0) t &= ~uint64_t{1};
          const std::size_t end = pairs - word * 64;  // pairs in this word and after
          if (end < 64) t &= (uint64_t{1} << end) - 1;
          count += static_cast<uint64_t>(std::bitset<64>(t).count());
          prev = v[w] >> 63;
        }
        last_bit[slot] = prev;
        toggles[slot] += count;
      }
    }
  }

  const double transitions = static_cast<double>(pairs - 1);
  double weighted = 0;
  std::array<uint64_t, kCellCount> type_toggles{};
  for (std::size_t gi = 0; gi < n.gates.size(); ++gi) {
    const int type = static_cast<int>(n.gates[gi].cell);
    const uint64_t t = toggles[gi * 2] + toggles[gi * 2 + 1];
    weighted += kCellCosts[type].energy_weight * static_cast<double>(t);
    type_toggles[type] += t;
  }
  for (int c = 0; c < kCellCount; ++c)
    if (e.cell_counts[c] > 0)
      e.activity[c] = static_cast<double>(type_toggles[c]) /
                      (static_cast<double>(e.cell_counts[c]) * cell_outputs(static_cast<Cell>(c)) * transitions);
  e.toggles_per_op = weighted / transitions;
  e.power_mw = kPowerMwPerWeightedToggle * e.toggles_per_op;
  return e;
}

CostEstimate estimate_cost_from_counts(const std::array<int, kCellCount>& counts) {
  CostEstimate e;
  e.cell_counts = counts;
  fill_counts(e);
  for (int c = 0; c < kCellCount; ++c) {
    if (counts[c] > 0) e.activity[c] = kNominalActivity[c];
    e.toggles_per_op += counts[c] * cell_outputs(static_cast<Cell>(c)) * kNominalActivity[c] * kCellCosts[c].energy_weight;
  }
  e.power_mw = kPowerMwPerWeightedToggle * e.toggles_per_op;
  return e;
}

}  // namespace axevo
