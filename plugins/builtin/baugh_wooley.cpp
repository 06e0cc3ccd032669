#include "baugh_wooley.hpp"

#include <deque>
#include <utility>
#include <vector>

namespace axevo::builtin {

ArraySpec ArraySpec::exact() {
  ArraySpec s;
  for (auto& row : s.keep) row.fill(true);
  return s;
}

namespace {

constexpr int kColumns = 16;
constexpr uint32_t kOne = kNetConst1;  // a constant-1 bit; constant-0 bits are never stored

// The column-compression routine shared by every family.
class Compressor {
 public:
  Compressor(const ArraySpec& spec, Netlist& n) : spec_(spec), n_(n) {}

  void run() {
    std::array<std::deque<uint32_t>, kColumns> col;
    for (int c = 0; c < kColumns; ++c)
      if ((spec_.constant >> c) & 1u) col[c].push_back(kOne);

    // Carry-save array: one row of partial products at a time, one adder per column.
    for (int j = 0; j < 8; ++j) {
      std::array<std::vector<uint32_t>, kColumns + 1> carries;
      for (int i = 0; i < 8; ++i) {
        if (!spec_.keep[i][j]) continue;
        const int c = i + j;
        const uint32_t x = n_.add_gate(is_nand_term(i, j) ? Cell::NAND2 : Cell::AND2, kNetA0 + i, kNetB0 + j);
        std::vector<uint32_t> in{x};
        while (in.size() < 3 && !col[c].empty()) {
          in.push_back(col[c].front());
          col[c].pop_front();
        }
        add(c, in, col[c], carries[c + 1]);
      }
      for (int c = 0; c < kColumns; ++c)
        for (uint32_t k : carries[c]) col[c].push_back(k);
    }

    // Final ripple-carry adder (vector merging); the carry out of column 15 is dropped.
    std::vector<uint32_t> ripple;
    for (int c = 0; c < kColumns; ++c) {
      std::deque<uint32_t> bits = std::move(col[c]);
      for (uint32_t k : ripple) bits.push_back(k);
      std::vector<uint32_t> next;
      while (bits.size() > 1) {
        std::vector<uint32_t> in;
        while (in.size() < 3 && !bits.empty()) {
          in.push_back(bits.front());
          bits.pop_front();
        }
        add(c, in, bits, next);
      }
      n_.outputs[c] = bits.empty() ? kNetConst0 : bits.front();
      ripple = std::move(next);
    }
  }

 private:
  // Adds the bits `in` (1 to 3) of column c: the sum bit (if not constant 0) goes to
  // `sum_to`, the carry (if not constant 0) to `carry_to`.
  template <class SumList, class CarryList>
  void add(int c, const std::vector<uint32_t>& in, SumList& sum_to, CarryList& carry_to) {
    if (in.size() == 1) {
      sum_to.push_back(in[0]);
      return;
    }
    std::vector<uint32_t> vars;
    for (uint32_t b : in)
      if (b != kOne) vars.push_back(b);
    const std::size_t ones = in.size() - vars.size();
    if (vars.empty() || (in.size() == 3 && ones == 2)) {  // fold: no cell
      const std::size_t total = ones + vars.size();         // vars has at most one bit here
      if (!vars.empty()) sum_to.push_back(vars[0]);
      else if (total & 1u) sum_to.push_back(kOne);
      if (total >= 2) carry_to.push_back(kOne);
      return;
    }
    if (ones == 0 && c < spec_.approx_columns && spec_.approx_cell != ApproxCell::None) {
      if (add_approx(in, sum_to, carry_to)) return;
    }
    const uint32_t s = in.size() == 3 ? n_.add_gate(Cell::FA, in[0], in[1], in[2]) : n_.add_gate(Cell::HA, in[0], in[1]);
    sum_to.push_back(s);
    carry_to.push_back(s + 1);  // HA/FA carry is the net after the sum
  }

  // Returns false when the approximate cell leaves this adder exact (half adders for AMA).
  template <class SumList, class CarryList>
  bool add_approx(const std::vector<uint32_t>& in, SumList& sum_to, CarryList& carry_to) {
    const bool full = in.size() == 3;
    switch (spec_.approx_cell) {
      case ApproxCell::None:
        return false;
      case ApproxCell::AMA2: {
        if (!full) return false;
        const uint32_t nand_ab = n_.add_gate(Cell::NAND2, in[0], in[1]);
        const uint32_t oai = n_.add_gate(Cell::OAI21, in[0], in[1], in[2]);  // ~((A|B)&Cin)
        const uint32_t cout = n_.add_gate(Cell::NAND2, nand_ab, oai);         // MAJ(A,B,Cin)
        sum_to.push_back(n_.add_gate(Cell::INV, cout));
        carry_to.push_back(cout);
        return true;
      }
      case ApproxCell::AMA5:
        if (!full) return false;
        sum_to.push_back(in[1]);    // Sum = B
        carry_to.push_back(in[0]);  // Cout = A
        return true;
      case ApproxCell::OR:
        sum_to.push_back(full ? n_.add_gate(Cell::OR3, in[0], in[1], in[2]) : n_.add_gate(Cell::OR2, in[0], in[1]));
        return true;
    }
    return false;
  }

  const ArraySpec& spec_;
  Netlist& n_;
};

// Removes the cells none of whose outputs is read (e.g. the adders feeding only carry inputs
// that an AMA5 cell ignores) and renumbers the nets densely, in gate order.  A cell with one
// output still read stays as it is, like the column-15 adder whose carry out is dropped.
void remove_dead_cells(Netlist& n) {
  std::vector<char> used(n.num_nets, 0), live(n.gates.size(), 0);
  for (uint32_t o : n.outputs) used[o] = 1;
  for (std::size_t g = n.gates.size(); g-- > 0;) {  // gates are in topological order
    const Gate& gate = n.gates[g];
    for (int o = 0; o < cell_outputs(gate.cell); ++o) live[g] |= used[gate.out[o]];
    if (live[g])
      for (int i = 0; i < cell_inputs(gate.cell); ++i) used[gate.in[i]] = 1;
  }
  std::vector<uint32_t> map(n.num_nets, kNoNet);
  for (uint32_t p = 0; p < kNetFirstInternal; ++p) map[p] = p;
  uint32_t next = kNetFirstInternal;
  std::vector<Gate> kept;
  for (std::size_t g = 0; g < n.gates.size(); ++g) {
    if (!live[g]) continue;
    Gate gate = n.gates[g];
    for (int i = 0; i < cell_inputs(gate.cell); ++i) gate.in[i] = map[gate.in[i]];
    for (int o = 0; o < cell_outputs(gate.cell); ++o) gate.out[o] = map[gate.out[o]] = next++;
    kept.push_back(gate);
  }
  for (uint32_t& o : n.outputs) o = map[o];
  n.gates = std::move(kept);
  n.num_nets = next;
}

}  // namespace

Netlist build_baugh_wooley(const ArraySpec& spec, const std::string& module_name) {
  Netlist n;
  n.module_name = module_name;
  Compressor(spec, n).run();
  remove_dead_cells(n);
  return n;
}

}  // namespace axevo::builtin
