// The axevo program's mult commands, run as a user runs them: import/export round trips,
// heat maps, help texts and the error cases (clear message, non-zero exit, nothing written).
#include <catch2/catch.hpp>

#include <map>

#include "axevo/formats/tables.hpp"
#include "axevo/formats/verilog.hpp"
#include "axevo/io.hpp"
#include "axevo/library.hpp"
#include "test_support.hpp"

using namespace axevo;
using axevo::test::run_axevo;
using axevo::test::scratch;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

const MultiplierSet& builtins() {
  static const MultiplierSet set = MultiplierSet::load({"builtin"}, test::plugin_path(), nullptr);
  return set;
}

std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("every builtin written to Verilog and read back gives the identical table", "[cli][verilog][builtin]") {
  const auto& set = builtins();
  REQUIRE(set.all().size() >= 30);
  for (const Multiplier& m : set.all()) {
    INFO(m.name);
    REQUIRE(m.netlist);
    const std::string text = formats::write_verilog(*m.netlist, m.name);
    const auto parsed = formats::parse_verilog(text, m.name + ".v");
    REQUIRE(parsed.size() == 1);
    const auto values = evaluate_netlist(parsed[0]);
    Table t;
    std::copy(values.begin(), values.end(), t.begin());
    REQUIRE(table_sha256(t) == m.sha256);
  }
}

TEST_CASE("mult export verilog, then verilog: import, round-trips through the program", "[cli][verilog]") {
  const auto dir = scratch("cli_export_verilog");
  const auto r = run_axevo({"mult", "export", "bw_bam_h2_v6", "--format", "verilog", "--out", (dir / "bam.v").string()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto lib = load_multiplier_library("verilog:" + (dir / "bam.v").string(), test::plugin_path());
  REQUIRE(lib.multipliers.size() == 1);
  CHECK(lib.multipliers[0].name == "bw_bam_h2_v6");
  CHECK(lib.multipliers[0].sha256 == builtins().get("bw_bam_h2_v6").sha256);
}

TEST_CASE("mult export writes bin, h and csv tables that lut: reads back", "[cli][lut]") {
  const auto dir = scratch("cli_export_tables");
  const Multiplier& m = builtins().get("bw_trunc_k6_c");
  for (const std::string fmt : {"bin", "h", "csv"}) {
    const auto file = dir / ("t_" + fmt + "." + fmt);
    const auto r = run_axevo({"mult", "export", m.name, "--format", fmt, "--out", file.string()});
    INFO(fmt << ": " << r.err);
    REQUIRE(r.exit_code == 0);
    const auto lib = load_multiplier_library("lut:" + file.string(), test::plugin_path());
    REQUIRE(lib.multipliers.size() == 1);
    CHECK(lib.multipliers[0].sha256 == m.sha256);
    CHECK(lib.warnings.empty());
  }
  // A table-only multiplier has no netlist to export.
  const auto r = run_axevo({"mult", "export", "mul8s_1KV8", "--library", "lut:" + test::evoapprox_dir().string(),
                            "--format", "verilog", "--out", (dir / "x.v").string()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("mul8s_1KV8") && Contains("no gate-level netlist"));
  CHECK_FALSE(fs::exists(dir / "x.v"));
}

TEST_CASE("mult import writes a folder that lut: reads back identically", "[cli][lut]") {
  const auto base = scratch("cli_import");
  const auto out = base / "evo_and_builtin";
  const auto r = run_axevo({"mult", "import", "lut:" + test::evoapprox_dir().string(), "builtin", "--out", out.string()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("wrote"));
  const auto original = MultiplierSet::load({"lut:" + test::evoapprox_dir().string(), "builtin"}, test::plugin_path(), nullptr);
  const auto back = MultiplierSet::load({"lut:" + out.string()}, test::plugin_path(), nullptr);
  REQUIRE(back.all().size() == original.all().size());
  for (const Multiplier& m : original.all()) {
    INFO(m.name);
    const Multiplier& b = back.get(m.name);
    CHECK(b.sha256 == m.sha256);
    CHECK(b.family == m.family);
    CHECK(b.params == m.params);
    for (auto [x, y] : {std::pair{m.power_mw, b.power_mw}, {m.area_um2, b.area_um2}, {m.delay_ns, b.delay_ns}})
      CHECK(((std::isnan(x) && std::isnan(y)) || x == y));
  }
  // The netlists came along as Verilog: verilog: reads the same folder to the same tables.
  const auto netlists = MultiplierSet::load({"verilog:" + out.string()}, test::plugin_path(), nullptr);
  CHECK(netlists.all().size() == builtins().all().size());
  for (const Multiplier& m : netlists.all()) CHECK(m.sha256 == builtins().get(m.name).sha256);
  // No temporary folder is left behind.
  CHECK(files_in(base) == std::vector<std::string>{"evo_and_builtin"});
}

TEST_CASE("mult import writes nothing when the input is bad or the output exists", "[cli][errors]") {
  const auto base = scratch("cli_import_errors");
  const auto bad = base / "bad";
  fs::create_directories(bad);
  write_file_atomic(bad / "short.bin", std::string(1000, '\0'));
  const auto out = base / "out";
  auto r = run_axevo({"mult", "import", "lut:" + bad.string(), "--out", out.string()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains((bad / "short.bin").string()) && Contains("131072"));
  CHECK_FALSE(fs::exists(out));
  CHECK(files_in(base) == std::vector<std::string>{"bad"});

  fs::create_directories(out);
  write_file_atomic(out / "keep.txt", "mine\n");
  r = run_axevo({"mult", "import", "builtin", "--out", out.string()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains(out.string()) && Contains("not an empty folder"));
  CHECK(files_in(out) == std::vector<std::string>{"keep.txt"});

  // An empty folder as input.
  const auto empty = base / "empty";
  fs::create_directories(empty);
  r = run_axevo({"mult", "import", "lut:" + empty.string(), "--out", (base / "out2").string()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains(empty.string()));
  CHECK_FALSE(fs::exists(base / "out2"));
}

TEST_CASE("each kind of bad input: one message with file and line, exit 1, nothing written", "[cli][errors]") {
  const auto base = scratch("cli_bad_inputs");
  const std::string data = std::string(AXEVO_SOURCE_DIR) + "/tests/data";
  // A CSV table whose second row has 255 values.
  std::string csv;
  for (int r = 0; r < 256; ++r) {
    for (int c = 0; c < (r == 1 ? 255 : 256); ++c) csv += (c ? ",0" : "0");
    csv += "\n";
  }
  write_file_atomic(base / "short_row.csv", csv);
  // Netlists: a loop, an undriven net, an unknown cell, a missing output bit.
  const std::string head = "module m(A, B, O);\ninput [7:0] A;\ninput [7:0] B;\noutput [15:0] O;\nwire x, y;\n";
  const std::string rest = "assign O[15:1] = 15'b0;\nendmodule\n";
  write_file_atomic(base / "loop.v", head + "assign x = y & A[0];\nassign y = x | B[0];\nassign O[0] = x;\n" + rest);
  write_file_atomic(base / "undriven.v", head + "assign O[0] = y & A[0];\n" + rest);
  write_file_atomic(base / "unknown_cell.v", head + "FOO7X1 u1 (.A(A[0]), .B(B[0]), .Y(x));\nassign O[0] = x;\n" + rest);
  write_file_atomic(base / "missing_bit.v", head + "assign O[0] = A[0] & B[0];\nassign O[15:2] = 14'b0;\nendmodule\n");
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"lut:" + (base / "short_row.csv").string(), {"short_row.csv:2", "255"}},
      {"lut:" + data + "/lut/bad_dims/half.h", {"half.h:", "128"}},
      {"verilog:" + (base / "loop.v").string(), {"loop.v:", "loop"}},
      {"verilog:" + (base / "undriven.v").string(), {"undriven.v:", "undriven"}},
      {"verilog:" + (base / "unknown_cell.v").string(), {"unknown_cell.v:", "FOO7X1"}},
      {"verilog:" + (base / "missing_bit.v").string(), {"missing_bit.v:", "O[1]"}},
      {"cmodel:" + data + "/cmodel/bad/syntax_error.c", {"syntax_error.c:", "error"}},
  };
  for (const auto& [spec, expected] : cases) {
    const auto out = base / "out";
    const auto r = run_axevo({"mult", "import", spec, "--out", out.string()});
    INFO(spec << "\n" << r.err);
    CHECK(r.exit_code == 1);
    for (const auto& e : expected) CHECK_THAT(r.err, Contains(e));
    CHECK_FALSE(fs::exists(out));
    CHECK(r.out.empty());
  }
}

TEST_CASE("mult show prints metrics and writes an SVG or PNG heat map", "[cli]") {
  const auto dir = scratch("cli_show");
  auto r = run_axevo({"mult", "show", "mul8s_1KR3", "--library", "lut:" + test::evoapprox_dir().string(), "--heatmap",
                      (dir / "1kr3.png").string()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("mul8s_1KR3") && Contains("MAE") && Contains("2016") && Contains("0.052 mW (published)") &&
                        Contains("commutative   no"));
  const std::string png = test::slurp(dir / "1kr3.png");
  REQUIRE(png.size() > 100);
  CHECK(png.substr(1, 3) == "PNG");

  r = run_axevo({"mult", "show", "bw_trunc_k2"}, dir.string());
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("power_model") && Contains("FA=") && Contains("bw_trunc_k2-error.svg"));
  const std::string svg = test::slurp(dir / "bw_trunc_k2-error.svg");
  CHECK_THAT(svg, Contains("<svg") && Contains("data:image/png;base64,") && Contains("first operand"));
  // The same circuit under two names is recognised: bw_trunc_k2 is EvoApprox's 1KVA.
  r = run_axevo({"mult", "show", "bw_trunc_k2", "--no-heatmap", "--library", "builtin", "--library",
                 "lut:" + test::evoapprox_dir().string()});
  CHECK_THAT(r.out, Contains("same table as") && Contains("mul8s_1KVA"));
}

TEST_CASE("every command has --help; bad command lines exit 2 with a hint", "[cli]") {
  for (const std::vector<std::string>& cmd :
       {std::vector<std::string>{"--help"}, {"mult", "--help"}, {"mult", "list", "--help"}, {"mult", "show", "--help"},
        {"mult", "import", "--help"}, {"mult", "export", "--help"}, {"plugins", "--help"}}) {
    const auto r = run_axevo(cmd);
    INFO(cmd.back());
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("Usage"));
  }
  auto r = run_axevo({"mult", "list", "--format", "xml"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("--format"));
  r = run_axevo({"frobnicate"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("unknown command 'frobnicate'") && Contains("--help"));
  r = run_axevo({"mult", "list", "--bogus"});
  CHECK(r.exit_code == 2);
}

TEST_CASE("unknown multipliers and libraries are clear errors", "[cli][errors]") {
  auto r = run_axevo({"mult", "show", "bw_trunc_k44", "--no-heatmap"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("unknown multiplier 'bw_trunc_k44'") && Contains("did you mean 'bw_trunc_k4"));
  r = run_axevo({"mult", "list", "--library", "lut:/no/such/folder"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("/no/such/folder"));
  r = run_axevo({"mult", "list", "--library", "nosuch:x"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("no plugin named 'nosuch'"));
}

TEST_CASE("mult list shows the builtin library with costs from the model", "[cli][builtin]") {
  const auto r = run_axevo({"mult", "list", "--format", "csv"});
  REQUIRE(r.exit_code == 0);
  const auto rows = test::parse_csv(r.out);
  REQUIRE(rows.size() >= 30);
  double max_mae_pct = 0;
  for (const auto& row : rows) {
    CHECK(test::cell(row, "library") == "builtin");
    CHECK(test::cell(row, "power_source") == "model");
    CHECK(test::cell(row, "area_source") == "model");
    CHECK(test::cell(row, "delay_source") == "model");
    CHECK(std::stod(test::cell(row, "power_model")) > 0);
    CHECK_FALSE(test::cell(row, "cells").empty());
    max_mae_pct = std::max(max_mae_pct, std::stod(test::cell(row, "mae_pct")));
  }
  CHECK(test::cell(rows[0], "name") == "bw_exact");
  CHECK(std::stod(test::cell(rows[0], "mae")) == 0);
  CHECK(max_mae_pct >= 2.0);
}
