#pragma once
// Gate-level combinational Verilog netlists of signed 8x8 multipliers: a module with
// inputs A[7:0], B[7:0] and output O[15:0].  See src/verilog.cpp for the accepted subset.
#include <string>
#include <string_view>
#include <vector>

#include "axevo/netlist.hpp"

namespace axevo::formats {

// Parses every multiplier module (ports A[7:0], B[7:0], O[15:0]) of a Verilog source.
// Expressions in `assign` are lowered to cells (vector `+` to half/full adders).  Throws
// axevo::Error("FILE:LINE: problem") for syntax errors, unknown cells, undriven nets,
// loops, missing output bits ...  The returned netlists are topologically sorted.
std::vector<Netlist> parse_verilog(std::string_view text, const std::string& file);

// Writes a netlist as structural Verilog that parse_verilog reads back to the same
// function (and the same cells): `module NAME(A, B, O);` with one instance per gate
// using the plain cell names (AND2 ... with .A .B [.C] .Y; MUX2 .A .B .S .Y, Y = S ? B : A;
// HA .A .B .YS .YC; FA .A .B .C .YS .YC) and one assign of O.  The cells used are defined
// as small modules after it, so any Verilog simulator can run the file.  An empty
// `module_name` means netlist.module_name (or "mul8s"); a name that is not a plain
// identifier (e.g. "mul8s-1KV8") is written as an escaped identifier.  Throws
// axevo::Error for an invalid netlist (checked with topological_sort).
std::string write_verilog(const Netlist& netlist, const std::string& module_name);

}  // namespace axevo::formats
