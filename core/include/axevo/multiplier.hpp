#pragma once
// The multiplier model: a signed 8x8 function as a 256x256 int16 table plus metadata.
//
// Operand order is explicit: the table is indexed [first operand][second operand], i.e.
// the value of M(a, b) is table[((uint8)a << 8) | (uint8)b], where a drives the circuit's
// input A and b its input B.  Which of the two is the activation and which the weight is
// decided by the emulator's OperandOrder (activation first by default).
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "axevo/netlist.hpp"

namespace axevo {

inline constexpr std::size_t kTableSize = 65536;
using Table = std::array<int16_t, kTableSize>;

constexpr std::size_t table_index(int a, int b) {
  return (static_cast<std::size_t>(static_cast<uint8_t>(a)) << 8) | static_cast<uint8_t>(b);
}

inline constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();
inline bool known(double v) { return !std::isnan(v); }

struct Multiplier {
  std::string name;
  std::string library;  // the SPEC it was loaded from: "builtin", "lut:/path", ...
  std::string source;   // file or generator it came from
  std::string family;   // approximation family ("exact", "truncation", ...), may be empty
  std::string params;   // family parameters, e.g. "k=4"
  std::shared_ptr<const Table> table;
  std::shared_ptr<const Netlist> netlist;  // null unless known at gate level
  double power_mw = kUnknown;  // published figures (synthesis); NaN when unknown
  double area_um2 = kUnknown;
  double delay_ns = kUnknown;
  std::string sha256;  // of the table as 131072 little-endian bytes

  int16_t operator()(int a, int b) const { return (*table)[table_index(a, b)]; }
};

// Table exactly a * b.
Table exact_table();

// SHA-256 (lowercase hex) of a table stored as 65536 little-endian int16 values, the same
// bytes as an EvoApprox .bin file.
std::string table_sha256(const Table& table);

// Builds a Multiplier from a table (computes the hash).
Multiplier make_multiplier(std::string name, Table table);

}  // namespace axevo
