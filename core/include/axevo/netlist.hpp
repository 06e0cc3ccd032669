#pragma once
// Gate-level combinational netlists of signed 8x8 multipliers (inputs A[7:0], B[7:0],
// output O[15:0]).  Net numbering and cell semantics are those of plugin_abi.h.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "axevo/plugin_abi.h"

namespace axevo {

enum class Cell : uint8_t {
  AND2 = AXEVO_CELL_AND2,
  OR2 = AXEVO_CELL_OR2,
  NAND2 = AXEVO_CELL_NAND2,
  NOR2 = AXEVO_CELL_NOR2,
  XOR2 = AXEVO_CELL_XOR2,
  XNOR2 = AXEVO_CELL_XNOR2,
  INV = AXEVO_CELL_INV,
  BUF = AXEVO_CELL_BUF,
  NAND3 = AXEVO_CELL_NAND3,
  NOR3 = AXEVO_CELL_NOR3,
  AOI21 = AXEVO_CELL_AOI21,
  OAI21 = AXEVO_CELL_OAI21,
  MUX2 = AXEVO_CELL_MUX2,
  HA = AXEVO_CELL_HA,
  FA = AXEVO_CELL_FA,
  AND3 = AXEVO_CELL_AND3,
  OR3 = AXEVO_CELL_OR3,
};
inline constexpr int kCellCount = AXEVO_CELL_COUNT;

std::string_view cell_name(Cell c);        // "AND2", ..., "HA", "FA"
int cell_inputs(Cell c);                   // 1, 2 or 3
int cell_outputs(Cell c);                  // 1, or 2 for HA / FA

inline constexpr uint32_t kNetConst0 = AXEVO_NET_CONST0;
inline constexpr uint32_t kNetConst1 = AXEVO_NET_CONST1;
inline constexpr uint32_t kNetA0 = AXEVO_NET_A0;
inline constexpr uint32_t kNetB0 = AXEVO_NET_B0;
inline constexpr uint32_t kNetFirstInternal = AXEVO_NET_FIRST_INTERNAL;
inline constexpr uint32_t kNoNet = 0xffffffffu;

struct Gate {
  Cell cell = Cell::BUF;
  std::array<uint32_t, 3> in{kNoNet, kNoNet, kNoNet};
  std::array<uint32_t, 2> out{kNoNet, kNoNet};
  std::string instance;  // instance name, optional (used in messages and Verilog output)
};

struct Netlist {
  std::string module_name = "mul8s";
  uint32_t num_nets = kNetFirstInternal;
  std::vector<Gate> gates;
  std::array<uint32_t, 16> outputs{};
  std::vector<std::string> net_names;  // optional, size num_nets when present

  uint32_t add_net() { return num_nets++; }
  // Adds a gate driving fresh nets and returns its first output net (sum for HA/FA;
  // the carry is the returned value + 1).
  uint32_t add_gate(Cell cell, uint32_t in0, uint32_t in1 = kNoNet, uint32_t in2 = kNoNet);
  std::string net_label(uint32_t net) const;  // net name, or "A[3]", "n42", ...
};

// The function of a cell on 64 input patterns at once (one per bit): out0 (and out1, the
// carry of HA / FA) from inputs a, b, c (unused inputs ignored).
inline void eval_cell_bits(Cell cell, uint64_t a, uint64_t b, uint64_t c, uint64_t& out0, uint64_t& out1) {
  out1 = 0;
  switch (cell) {
    case Cell::AND2: out0 = a & b; break;
    case Cell::OR2: out0 = a | b; break;
    case Cell::NAND2: out0 = ~(a & b); break;
    case Cell::NOR2: out0 = ~(a | b); break;
    case Cell::XOR2: out0 = a ^ b; break;
    case Cell::XNOR2: out0 = ~(a ^ b); break;
    case Cell::INV: out0 = ~a; break;
    case Cell::BUF: out0 = a; break;
    case Cell::NAND3: out0 = ~(a & b & c); break;
    case Cell::NOR3: out0 = ~(a | b | c); break;
    case Cell::AOI21: out0 = ~((a & b) | c); break;
    case Cell::OAI21: out0 = ~((a | b) & c); break;
    case Cell::MUX2: out0 = (c & b) | (~c & a); break;
    case Cell::HA: out0 = a ^ b; out1 = a & b; break;
    case Cell::FA: out0 = a ^ b ^ c; out1 = (a & b) | (c & (a ^ b)); break;
    case Cell::AND3: out0 = a & b & c; break;
    case Cell::OR3: out0 = a | b | c; break;
    default: out0 = 0; break;
  }
}

// Orders the gates so that each gate comes after the drivers of its inputs.  Throws
// axevo::Error naming the nets of a combinational loop, an undriven net, a net with two
// drivers or an output bit that is not connected.
void topological_sort(Netlist& netlist);

// Evaluates the netlist on all 65536 operand pairs (bit-parallel).  Sorts a copy first if
// needed.  Result indexed as Table: ((uint8)a << 8) | (uint8)b.
std::vector<int16_t> evaluate_netlist(const Netlist& netlist);

// Conversion to and from the plugin ABI form.
Netlist netlist_from_abi(const axevo_netlist& abi);
struct AbiNetlist {  // owns the storage an axevo_netlist points into
  std::vector<axevo_gate> gates;
  axevo_netlist view{};
};
AbiNetlist netlist_to_abi(const Netlist& netlist);

}  // namespace axevo
