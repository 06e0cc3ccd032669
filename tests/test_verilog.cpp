// Verilog netlists: the parser / evaluator and writer of axevo::formats, and the
// `verilog` multiplier-library plugin through the host.  Fixtures: tests/data/verilog/.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "axevo/error.hpp"
#include "axevo/formats/verilog.hpp"
#include "axevo/io.hpp"
#include "axevo/multiplier.hpp"
#include "axevo/netlist.hpp"
#include "axevo/plugin.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using axevo::Cell;
using axevo::Netlist;
using axevo::formats::parse_verilog;
using axevo::formats::write_verilog;

namespace {

fs::path fixture(const std::string& name) { return fs::path(AXEVO_SOURCE_DIR) / "tests" / "data" / "verilog" / name; }

std::vector<Netlist> parse_fixture(const std::string& name) {
  const fs::path p = fixture(name);
  return parse_verilog(axevo::read_file(p), p.string());
}

std::map<std::string, int> cell_counts(const Netlist& n) {
  std::map<std::string, int> counts;
  for (const axevo::Gate& g : n.gates) ++counts[std::string(axevo::cell_name(g.cell))];
  return counts;
}

// The table of f(a, b) for the operand bytes a, b (0..255), as 16-bit values.
template <class F>
std::vector<int16_t> table_of(F f) {
  std::vector<int16_t> t(65536);
  for (unsigned a = 0; a < 256; ++a)
    for (unsigned b = 0; b < 256; ++b)
      t[(a << 8) | b] = static_cast<int16_t>(static_cast<uint16_t>(f(a, b)));
  return t;
}

std::vector<int16_t> exact() {
  const axevo::Table t = axevo::exact_table();
  return std::vector<int16_t>(t.begin(), t.end());
}

// A module with the multiplier ports around `body`; the body starts on line 5.
std::string module_with(const std::string& body) {
  return "module m(A, B, O);\n  input [7:0] A;\n  input [7:0] B;\n  output [15:0] O;\n" + body + "endmodule\n";
}

Netlist parse_one(const std::string& text) {
  auto netlists = parse_verilog(text, "test.v");
  REQUIRE(netlists.size() == 1);
  return netlists[0];
}

// The message of the axevo::Error that parsing `text` as FILE throws ("" if none).
std::string parse_error(const std::string& text, const std::string& file) {
  try {
    parse_verilog(text, file);
  } catch (const axevo::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("verilog: handwritten EvoApprox-style exact multiplier equals a*b", "[verilog]") {
  const auto netlists = parse_fixture("mul8s_exact_bw.v");
  REQUIRE(netlists.size() == 1);  // the PDKGEN cell modules are cells, not multipliers
  const Netlist& n = netlists[0];
  CHECK(n.module_name == "mul8s_exact_bw");
  CHECK(axevo::evaluate_netlist(n) == exact());
  // Same cells as EvoApprox's exact mul8s_1KV8: 8 HA / 7 FA instances, the rest from
  // the vector + (constant-0 bits dropped), 64 partial products as AND2 / NAND2.
  const auto counts = cell_counts(n);
  CHECK(counts == std::map<std::string, int>{{"AND2", 50}, {"NAND2", 14}, {"HA", 15}, {"FA", 49}});
  REQUIRE(n.net_names.size() == n.num_nets);
  CHECK(std::count(n.net_names.begin(), n.net_names.end(), "s01[1]") == 1);
  CHECK(std::count(n.net_names.begin(), n.net_names.end(), "A[7]") == 1);
}

TEST_CASE("verilog: statements in any order, cells of several libraries", "[verilog]") {
  const auto netlists = parse_fixture("add8u_out_of_order.v");
  REQUIRE(netlists.size() == 1);
  CHECK(axevo::evaluate_netlist(netlists[0]) == table_of([](unsigned a, unsigned b) { return a + b; }));
  CHECK(cell_counts(netlists[0]) == std::map<std::string, int>{{"FA", 4},
                                                                {"HA", 1},
                                                                {"XOR2", 6},
                                                                {"AND2", 3},
                                                                {"OR2", 1},
                                                                {"MUX2", 1},
                                                                {"AOI21", 1},
                                                                {"INV", 1}});
}

TEST_CASE("verilog: several multipliers in a file, other modules ignored", "[verilog]") {
  const auto netlists = parse_fixture("two_modules.v");
  REQUIRE(netlists.size() == 2);
  CHECK(netlists[0].module_name == "mul8s_zero");
  CHECK(netlists[0].gates.empty());
  CHECK(axevo::evaluate_netlist(netlists[0]) == table_of([](unsigned, unsigned) { return 0u; }));
  CHECK(netlists[1].module_name == "mul8s_and");
  CHECK(cell_counts(netlists[1]) == std::map<std::string, int>{{"AND2", 8}});
  CHECK(axevo::evaluate_netlist(netlists[1]) == table_of([](unsigned a, unsigned b) { return a & b; }));
}

TEST_CASE("verilog: vector + becomes a ripple of half and full adders", "[verilog]") {
  SECTION("8-bit operands into 16 bits: 1 HA + 7 FA, carry kept") {
    const Netlist n = parse_one(module_with("  assign O = A + B;\n"));
    CHECK(cell_counts(n) == std::map<std::string, int>{{"HA", 1}, {"FA", 7}});
    CHECK(axevo::evaluate_netlist(n) == table_of([](unsigned a, unsigned b) { return a + b; }));
  }
  SECTION("into 8 bits: the carry out of the top bit is dropped") {
    const Netlist n = parse_one(module_with("  assign O[7:0] = A + B;\n  assign O[15:8] = 8'b0;\n"));
    CHECK(cell_counts(n) == std::map<std::string, int>{{"HA", 1}, {"FA", 7}});
    CHECK(axevo::evaluate_netlist(n) == table_of([](unsigned a, unsigned b) { return (a + b) & 0xffu; }));
  }
  SECTION("concatenated target, as in EvoApprox mul8s_1KR3") {
    const Netlist n = parse_one(module_with(
        "  wire [8:0] s;\n  assign {s[8], s[7:0]} = {B[7:1], A[0]} + {1'b1, A[7:1]};\n"
        "  assign O = {7'b0, s};\n"));
    CHECK(cell_counts(n) == std::map<std::string, int>{{"HA", 1}, {"FA", 7}});
    CHECK(axevo::evaluate_netlist(n) == table_of([](unsigned a, unsigned b) {
            return ((b >> 1) << 1 | (a & 1u)) + (0x80u | (a >> 1));
          }));
  }
  SECTION("constant-0 bits are dropped, constant-1 bits kept") {
    const Netlist n = parse_one(module_with("  assign O = A + 8'd1 + 16'd0;\n"));
    CHECK(cell_counts(n) == std::map<std::string, int>{{"HA", 8}});
    CHECK(axevo::evaluate_netlist(n) == table_of([](unsigned a, unsigned) { return a + 1; }));
  }
}

TEST_CASE("verilog: expression operators, widths and constants", "[verilog]") {
  SECTION("plain assigns and constants are no cells") {
    const Netlist n = parse_one(module_with("  assign O = {A & 8'hFF, B | 8'h00};\n"));
    CHECK(n.gates.empty());
    CHECK(axevo::evaluate_netlist(n) == table_of([](unsigned a, unsigned b) { return a << 8 | b; }));
  }
  SECTION("~ of a narrower operand inverts its zero extension (Verilog widths)") {
    const Netlist n = parse_one(module_with("  assign O = ~A;\n"));
    CHECK(cell_counts(n) == std::map<std::string, int>{{"INV", 8}});
    CHECK(axevo::evaluate_netlist(n) == table_of([](unsigned a, unsigned) { return 0xff00u | (~a & 0xffu); }));
  }
  SECTION("~(a & b), ~(a | b), ~(a ^ b), ~^, ?: and !") {
    const Netlist n = parse_one(module_with(
        "  assign O[0] = ~(A[0] & B[0]);\n  assign O[1] = ~(A[1] | B[1]);\n  assign O[2] = ~(A[2] ^ B[2]);\n"
        "  assign O[3] = A[3] ~^ B[3];\n  assign O[4] = B[0] ? A[4] : A[5];\n  assign O[5] = !B[5];\n"
        "  assign O[15:6] = {2{5'b10101}};\n"));
    CHECK(cell_counts(n) ==
          std::map<std::string, int>{{"NAND2", 1}, {"NOR2", 1}, {"XNOR2", 2}, {"MUX2", 1}, {"INV", 1}});
    CHECK(axevo::evaluate_netlist(n) == table_of([](unsigned a, unsigned b) {
            auto bit = [](unsigned v, int i) { return (v >> i) & 1u; };
            unsigned o = 0;
            o |= (1u ^ (bit(a, 0) & bit(b, 0))) << 0;
            o |= (1u ^ (bit(a, 1) | bit(b, 1))) << 1;
            o |= (1u ^ (bit(a, 2) ^ bit(b, 2))) << 2;
            o |= (1u ^ (bit(a, 3) ^ bit(b, 3))) << 3;
            o |= (bit(b, 0) ? bit(a, 4) : bit(a, 5)) << 4;
            o |= (1u ^ bit(b, 5)) << 5;
            return o | (0x2b5u << 6);
          }));
  }
}

TEST_CASE("verilog: gate primitives and cell port conventions", "[verilog]") {
  const Netlist n = parse_one(module_with(
      "  and g1 (O[0], A[0], A[1], A[2], A[3], A[4]);\n"  // 5 inputs: 2 AND2 + AND3
      "  xnor (O[1], A[0], B[0], B[1]);\n"                 // XOR2 + XNOR2
      "  nand #1 (O[2], A[0], B[0], B[1]);\n"              // NAND3
      "  not (O[3], O[4], B[7]);\n"                        // two INV
      "  buf (O[5], A[7]);\n"                              // BUF
      "  NAND2_X1 u6 (.A1(A[1]), .A2(B[1]), .ZN(O[6]));\n"
      "  AOI21_X1 u7 (.A(A[2]), .B1(B[2]), .B2(B[3]), .ZN(O[7]));\n"  // ~((B1 & B2) | A)
      "  OAI21X1 u8 (.A(A[3]), .B(B[3]), .C(B[4]), .Y(O[8]));\n"       // ~((A | B) & C)
      "  NOR3X1 u9 (O[9], A[5], B[5], B[6]);\n"
      "  MUX2_X1 u10 (.A(A[6]), .B(B[6]), .S(A[0]), .Z(O[10]));\n"
      "  PDKGENPDKGENHAX1 u11 (.A(A[1]), .B(B[2]), .YS(O[11]), .YC(O[12]));\n"
      "  OR3X2 u13 (.A(A[4]), .B(B[4]), .C(B[0]), .Y(O[13]));\n"
      "  INVX1 u14 (.A(B[3]), .Y(O[14]));\n"
      "  XNOR2X1 u15 (O[15], A[7], B[7]);\n"));
  CHECK(cell_counts(n) == std::map<std::string, int>{{"AND2", 2},
                                                     {"AND3", 1},
                                                     {"XOR2", 1},
                                                     {"XNOR2", 2},
                                                     {"NAND3", 1},
                                                     {"INV", 3},
                                                     {"BUF", 1},
                                                     {"NAND2", 1},
                                                     {"AOI21", 1},
                                                     {"OAI21", 1},
                                                     {"NOR3", 1},
                                                     {"MUX2", 1},
                                                     {"HA", 1},
                                                     {"OR3", 1}});
  CHECK(axevo::evaluate_netlist(n) == table_of([](unsigned a, unsigned b) {
          auto x = [&](int i) { return (a >> i) & 1u; };
          auto y = [&](int i) { return (b >> i) & 1u; };
          const unsigned bits[16] = {x(0) & x(1) & x(2) & x(3) & x(4),
                                     1u ^ x(0) ^ y(0) ^ y(1),
                                     1u ^ (x(0) & y(0) & y(1)),
                                     1u ^ y(7),
                                     1u ^ y(7),
                                     x(7),
                                     1u ^ (x(1) & y(1)),
                                     1u ^ ((y(2) & y(3)) | x(2)),
                                     1u ^ ((x(3) | y(3)) & y(4)),
                                     1u ^ (x(5) | y(5) | y(6)),
                                     x(0) ? y(6) : x(6),
                                     x(1) ^ y(2),
                                     x(1) & y(2),
                                     x(4) | y(4) | y(0),
                                     1u ^ y(3),
                                     1u ^ x(7) ^ y(7)};
          unsigned o = 0;
          for (int i = 0; i < 16; ++i) o |= bits[i] << i;
          return o;
        }));
}

TEST_CASE("verilog: write_verilog round trip keeps the function and the cells", "[verilog]") {
  SECTION("a netlist built in code, every cell type") {
    Netlist n;
    n.module_name = "built";
    const uint32_t a0 = axevo::kNetA0, b0 = axevo::kNetB0;
    std::vector<uint32_t> outs;
    for (int c = 0; c < axevo::kCellCount; ++c) {
      const Cell cell = static_cast<Cell>(c);
      const uint32_t y = n.add_gate(cell, a0 + static_cast<uint32_t>(c % 8), b0 + static_cast<uint32_t>(c % 7),
                                    a0 + static_cast<uint32_t>((c + 3) % 8));
      outs.push_back(y);
      if (axevo::cell_outputs(cell) == 2) outs.push_back(y + 1);
    }
    const uint32_t ha = n.add_gate(Cell::HA, axevo::kNetConst1, outs[0]);  // constant input kept
    n.gates.back().out[1] = axevo::kNoNet;                                   // unused carry
    n.gates.back().instance = "my_ha";
    const uint32_t fa = n.add_gate(Cell::FA, outs[1], outs[2], ha);
    n.outputs = {fa, fa + 1, outs[3], outs[4], outs[5], outs[6], outs[7], outs[8], outs[9], outs[10], outs[11],
                 outs[12], outs[13], axevo::kNetConst1, axevo::kNetConst0, b0 + 7};
    const std::string text = write_verilog(n, "rt");
    CHECK(text.find("module rt(A, B, O);") != std::string::npos);
    CHECK(text.find("HA my_ha (.A(1'b1)") != std::string::npos);
    const Netlist back = parse_one(text);
    CHECK(back.module_name == "rt");
    CHECK(axevo::evaluate_netlist(back) == axevo::evaluate_netlist(n));
    CHECK(cell_counts(back) == cell_counts(n));
  }
  SECTION("a module name that is not a plain identifier is escaped") {
    Netlist n;
    n.outputs.fill(axevo::kNetConst0);
    n.outputs[0] = axevo::kNetA0;
    const std::string text = write_verilog(n, "mul8s-x.v2");
    CHECK(text.find("module \\mul8s-x.v2 (A, B, O);") != std::string::npos);
    const Netlist back = parse_one(text);
    CHECK(back.module_name == "mul8s-x.v2");
    CHECK(axevo::evaluate_netlist(back) == table_of([](unsigned a, unsigned) { return a & 1u; }));
  }
  SECTION("the EvoApprox-style fixture") {
    const Netlist n = parse_fixture("mul8s_exact_bw.v").at(0);
    const Netlist back = parse_one(write_verilog(n, ""));
    CHECK(back.module_name == "mul8s_exact_bw");
    CHECK(axevo::evaluate_netlist(back) == exact());
    CHECK(cell_counts(back) == cell_counts(n));
  }
}

TEST_CASE("verilog: errors name the file, the line and the net or cell", "[verilog]") {
  SECTION("an output bit never assigned") {
    const std::string msg =
        parse_error(module_with("  assign O[4:0] = A[4:0] & B[4:0];\n  assign O[15:6] = 10'b0;\n"), "missing.v");
    CHECK_THAT(msg, Catch::Contains("missing.v:1:") && Catch::Contains("O[5]") && Catch::Contains("never assigned"));
  }
  SECTION("an undriven net") {
    const std::string msg =
        parse_error(module_with("  wire t, u;\n  assign u = A[1];\n  assign O = {15'b0, t & A[0]};\n"), "undriven.v");
    CHECK_THAT(msg, Catch::Contains("undriven.v:7:") && Catch::Contains("'t'") && Catch::Contains("never driven"));
  }
  SECTION("an undriven net read by a cell") {
    const std::string msg = parse_error(
        module_with("  wire x, y;\n  HAX1 U3 (.A(x), .B(A[0]), .YS(y), .YC());\n  assign O = {15'b0, y};\n"), "cell.v");
    CHECK_THAT(msg, Catch::Contains("cell.v:6:") && Catch::Contains("'x'") && Catch::Contains("U3"));
  }
  SECTION("a combinational loop through cells") {
    const std::string msg = parse_error(module_with("  wire x, y;\n"
                                                    "  AND2X1 U1 (.A(y), .B(A[0]), .Y(x));\n"
                                                    "  OR2X1 U2 (.A(x), .B(B[0]), .Y(y));\n"
                                                    "  assign O = {15'b0, x};\n"),
                                        "loop.v");
    CHECK_THAT(msg, Catch::Contains("loop.v:6:") || Catch::Contains("loop.v:7:"));
    CHECK_THAT(msg, Catch::Contains("combinational loop") && Catch::Contains("U1") && Catch::Contains("U2"));
  }
  SECTION("a combinational loop through assigns") {
    const std::string msg =
        parse_error(module_with("  wire p, q;\n  assign p = q;\n  assign q = p;\n  assign O = {15'b0, p};\n"), "loop2.v");
    CHECK_THAT(msg, Catch::Contains("loop2.v:") && Catch::Contains("combinational loop") && Catch::Contains("p") &&
                        Catch::Contains("q"));
  }
  SECTION("an unknown cell") {
    const std::string msg =
        parse_error(module_with("  wire t;\n  FOO2X1 U7 (.A(A[0]), .B(B[0]), .Y(t));\n  assign O = {15'b0, t};\n"),
                    "unknown.v");
    CHECK_THAT(msg, Catch::Contains("unknown.v:6:") && Catch::Contains("unknown cell 'FOO2X1'") && Catch::Contains("U7"));
  }
  SECTION("a syntax error") {
    const std::string msg = parse_error(module_with("  wire t;\n  assign O = {A, B;\n"), "syntax.v");
    CHECK_THAT(msg, Catch::Contains("syntax.v:6:") && Catch::Contains("syntax error") && Catch::Contains("'}'"));
  }
  SECTION("a net driven twice") {
    const std::string msg = parse_error(module_with("  assign O = A;\n  assign O[3] = B[0];\n"), "twice.v");
    CHECK_THAT(msg, Catch::Contains("twice.v:6:") && Catch::Contains("O[3]") && Catch::Contains("line 5"));
  }
  SECTION("a port the cell does not have") {
    const std::string msg =
        parse_error(module_with("  wire t;\n  HAX1 U1 (.A(A[0]), .B(B[0]), .Q(t));\n  assign O = {15'b0, t};\n"), "port.v");
    CHECK_THAT(msg, Catch::Contains("port.v:6:") && Catch::Contains(".Q") && Catch::Contains("HA"));
  }
  SECTION("a bus on a 1-bit port") {
    const std::string msg =
        parse_error(module_with("  wire t;\n  INVX1 U1 (.A(A), .Y(t));\n  assign O = {15'b0, t};\n"), "width.v");
    CHECK_THAT(msg, Catch::Contains("width.v:6:") && Catch::Contains("8 bits"));
  }
  SECTION("a cell module that does not compute its cell") {
    const std::string text = module_with("  wire s, c;\n  HAX1 U1 (.A(A[0]), .B(B[0]), .YS(s), .YC(c));\n"
                                         "  assign O = {14'b0, c, s};\n") +
                             "module HAX1(input A, input B, output YS, output YC);\n"
                             "  assign YS = A ^ B;\n  assign YC = A | B;\nendmodule\n";
    CHECK_THAT(parse_error(text, "badcell.v"), Catch::Contains("badcell.v:9:") && Catch::Contains("HAX1") &&
                                                   Catch::Contains("does not compute HA"));
  }
  SECTION("no multiplier module") {
    CHECK_THAT(parse_error("module x(input a, output y);\n  assign y = a;\nendmodule\n", "none.v"),
               Catch::Contains("none.v: no multiplier module") && Catch::Contains("x"));
  }
  SECTION("behavioural code in a multiplier") {
    CHECK_THAT(parse_error(module_with("  reg [15:0] r;\n  always @(*) r = A * B;\n  assign O = r;\n"), "beh.v"),
               Catch::Contains("beh.v:5:") && Catch::Contains("'reg' is not supported"));
  }
  SECTION("expressions nested absurdly deep") {
    const std::string deep = std::string(10000, '(') + "A" + std::string(10000, ')');
    CHECK_THAT(parse_error(module_with("  assign O = " + deep + ";\n"), "deep.v"),
               Catch::Contains("deep.v:5:") && Catch::Contains("nested too deeply"));
  }
  SECTION("x constants, unterminated comments") {
    CHECK_THAT(parse_error(module_with("  assign O = 16'bx;\n"), "x.v"), Catch::Contains("x.v:5:") && Catch::Contains("x/z"));
    CHECK_THAT(parse_error(module_with("  /* never closed\n"), "c.v"), Catch::Contains("c.v:5:") && Catch::Contains("unterminated"));
  }
}

TEST_CASE("verilog plugin: a file through the host", "[verilog]") {
  const fs::path file = fixture("mul8s_exact_bw.v");
  const auto load = axevo::load_multiplier_library("verilog:" + file.string(), axevo::test::plugin_path());
  REQUIRE(load.multipliers.size() == 1);
  const axevo::Multiplier& m = load.multipliers[0];
  CHECK(m.name == "mul8s_exact_bw");
  CHECK(m.family == "netlist");
  CHECK(m.source == file.string());
  CHECK(*m.table == axevo::exact_table());
  REQUIRE(m.netlist);
  CHECK(m.netlist->gates.size() == 128);
  CHECK(m.power_mw == Approx(0.425));  // sidecar mul8s_exact_bw.yaml
  CHECK(m.area_um2 == Approx(729.8));  // folder multipliers.csv (not in the sidecar)
  CHECK(m.delay_ns == Approx(1.48));   // sidecar
}

TEST_CASE("verilog plugin: a folder of .v files, by file name", "[verilog]") {
  const auto load = axevo::load_multiplier_library("verilog:" + fixture("").string(), axevo::test::plugin_path());
  std::vector<std::string> names;
  for (const auto& m : load.multipliers) names.push_back(m.name);
  CHECK(names == std::vector<std::string>{"add8u", "mul8s_exact_bw", "mul8s_zero", "mul8s_and"});
  REQUIRE(load.multipliers.size() == 4);
  const axevo::Multiplier& add = load.multipliers[0];
  CHECK(add.source == fixture("add8u_out_of_order.v").string());
  CHECK(add(3, 5) == 8);
  CHECK(add(-1, -1) == 510);  // unsigned bytes 255 + 255
  CHECK(add.power_mw == Approx(0.05));
  CHECK(*load.multipliers[1].table == axevo::exact_table());
  CHECK(load.multipliers[3](-1, 0x0f) == 0x0f);
  CHECK(std::isnan(load.multipliers[3].power_mw));
}

TEST_CASE("verilog plugin: errors", "[verilog]") {
  const auto path = axevo::test::plugin_path();
  SECTION("a folder without .v files") {
    const fs::path dir = axevo::test::scratch("verilog_empty");
    std::ofstream(dir / "notes.txt") << "no netlists here\n";
    try {
      axevo::load_multiplier_library("verilog:" + dir.string(), path);
      FAIL("no error");
    } catch (const axevo::Error& e) {
      CHECK_THAT(std::string(e.what()), Catch::Contains(dir.string()) && Catch::Contains("no Verilog"));
    }
  }
  SECTION("a broken netlist: the plugin passes on FILE:LINE") {
    const fs::path dir = axevo::test::scratch("verilog_bad");
    std::ofstream(dir / "bad.v") << module_with("  assign O = A + ;\n");
    try {
      axevo::load_multiplier_library("verilog:" + (dir / "bad.v").string(), path);
      FAIL("no error");
    } catch (const axevo::Error& e) {
      CHECK_THAT(std::string(e.what()), Catch::Contains((dir / "bad.v").string() + ":5:"));
    }
  }
  SECTION("a missing path") {
    CHECK_THROWS_WITH(axevo::load_multiplier_library("verilog:/nonexistent/x.v", path),
                      Catch::Contains("/nonexistent/x.v") && Catch::Contains("no such file"));
  }
}
