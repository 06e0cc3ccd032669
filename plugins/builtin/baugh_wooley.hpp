#pragma once
// Gate-level generator of signed 8x8 Baugh-Wooley array multipliers, exact and approximate.
//
// Modified Baugh-Wooley form of the product of two's-complement a, b (bits a_i, b_j):
//
//   a*b = sum_{i,j<7} a_i b_j 2^(i+j) + a_7 b_7 2^14
//       + sum_{j<7} ~(a_7 b_j) 2^(7+j) + sum_{i<7} ~(a_i b_7) 2^(i+7) + 2^8 + 2^15   (mod 2^16)
//
// i.e. 64 partial-product bits pp(i,j) of weight 2^(i+j), all non-negative: 50 AND2 and the
// 14 mixed sign terms as NAND2, plus constant ones in columns 8 and 15.
//
// The bits are summed by one small routine, compress(), shaped like the classic carry-save
// array: row j (the bits pp(*, j) of multiplier bit b_j) is added to the running sum/carry
// vectors with one adder per column (FA for three bits, HA for two), carries moving one
// column up for the next row, and a ripple-carry adder merges the last sum/carry vectors.
// For the exact multiplier this gives 8 HA in row 1, 7 FA + 1 HA in each of rows 2..7 and
// 1 HA + 7 FA in the final adder: 15 HA, 49 FA, 50 AND2, 14 NAND2 - the cell counts of
// EvoApproxLib's exact signed multiplier mul8s_1KV8, which has the same structure.
//
// Constants: all constant bits are merged into one 16-bit word (2^8 + 2^15 for Baugh-Wooley,
// plus a correction term where a family adds one) whose one bits enter their columns like
// any other bit.  An adder with a single constant-1 input is kept as an adder cell that
// absorbs the constant (HA(x,1): sum = ~x, carry = x; FA(x,y,1): sum = XNOR, carry = OR), as
// the EvoApprox netlists do (the column-8 one enters an HA in row 1 and the column-15 one
// the last FA of the final adder).  Adders with two or more constant inputs are folded away
// (1+1 = carry 1, sum 0; FA(x,1,1) = sum x, carry 1), so no cell has only constant inputs.
//
// Approximate families only decide which partial-product bits exist, the constant word,
// and which kind of cell replaces the adders of the low columns; see families.hpp.
#include <array>
#include <cstdint>
#include <string>

#include "axevo/netlist.hpp"

namespace axevo::builtin {

// Replacement of the adder cells in the low columns (ApproxAdders::columns).
enum class ApproxCell {
  None,  // exact full and half adders everywhere
  // Gupta et al. 2013, approximate mirror adder 2: Cout = MAJ(A,B,Cin) exact, Sum = ~Cout
  // (wrong for A=B=Cin=0 and A=B=Cin=1).  Cells: Cout = NAND2(NAND2(A,B), OAI21(A,B,Cin)),
  // Sum = INV(Cout).  Replaces full adders only.
  AMA2,
  // Gupta et al. 2013, approximate mirror adder 5: Sum = B, Cout = A (buffers in the paper,
  // plain wires here: no cell).  Replaces full adders only.
  AMA5,
  // Lower-part OR (Mahdiani et al. 2010, LOA) carried over to the array cells: every adder
  // becomes an OR gate of its inputs (OR3 for a full adder, OR2 for a half adder) and
  // produces no carry.
  OR,
};

// Full-adder input order (A, B, Cin) seen by the approximate cells: in the array, (the
// partial product entering the column, the column's running sum, its running carry); in
// the final adder, (the column's sum bit, its carry bit, the ripple carry).
struct ArraySpec {
  // keep[i][j]: partial product a_i b_j (column i+j) exists.  All true = exact.
  std::array<std::array<bool, 8>, 8> keep{};
  // Constant word added to the bits (mod 2^16); 0x8100 = 2^15 + 2^8 is Baugh-Wooley's.
  uint32_t constant = 0x8100;
  ApproxCell approx_cell = ApproxCell::None;
  int approx_columns = 0;  // adders in columns < approx_columns use approx_cell

  static ArraySpec exact();
};

// Partial product a_i b_j is a NAND2 (one of the 14 mixed sign terms) rather than an AND2.
constexpr bool is_nand_term(int i, int j) { return (i == 7) != (j == 7); }

// Builds the netlist: gates in topological order, nets numbered densely, no cell whose
// outputs are all unread.  The module is named `module_name`.
Netlist build_baugh_wooley(const ArraySpec& spec, const std::string& module_name);

}  // namespace axevo::builtin
