// Table files (.bin, .h, .csv) and metadata (CSV, YAML): readers, writers, errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "axevo/error.hpp"
#include "axevo/formats/metadata.hpp"
#include "axevo/formats/tables.hpp"
#include "axevo/io.hpp"

namespace fs = std::filesystem;
using namespace axevo;
using namespace axevo::formats;

namespace {

const fs::path kShared = fs::path(AXEVO_SHARED_DIR) / "evoapprox";

struct SharedTable {
  const char* name;
  const char* sha256;
  int adapt_diffs;  // entries the AdaPT transformation changes (README), -1 = not listed
};
const SharedTable kSharedTables[] = {
    {"mul8s_1KR3", "53c285989be8f8329c35c3cd65bf1117f20dc5ffe98737b6c2d9be0072b6b9d0", 16256},
    {"mul8s_1KR6", "9a8616bab666bfde73386d0a102d2db32d81ec02f84285e9de27323308ba10ab", 9310},
    {"mul8s_1KR8", "cca1e3aa53a958b0d95bbaa47025cfd144e0acfa1ab08b1012d5b733f4a7511c", -1},
    {"mul8s_1KRC", "a973c057b4718077cc8c8a613b921ff0d6c60016f3f234bb193bcea891b7a0ea", -1},
    {"mul8s_1KTY", "6f7d9fb30f67ceb2133d961b423ac8c730c1936754d92cd0b7fc06b24467553d", -1},
    {"mul8s_1KV8", "5cecff7e22049d0083ad9ee36dcf0695222c61621bacfd5a401c7b133abe892d", 254},
    {"mul8s_1KVA", "5731ee1dac928033a40b72fd981fb752775899f258659426e8e0c434d5df1085", 2302},
    {"mul8s_1KVB", "8110624a2ae9062fd15efa13bd6b15766fda95211c9bb81677e53273e4be347a", 4862},
    {"mul8s_1KVL", "bd68050c9de3de7da9d551ec7679d685dd11d21e9adb5abf070a74a404a3ca35", -1},
    {"mul8s_1KX2", "9f75944973b0cb2e98b28504edcd3cb00df4271620ed6a91c2c2e57ebe52e326", -1},
    {"mul8s_1L1G", "c6125693dd61ae4a36d225270aab82da37a9a9db378a10ef03dd6ba4083d5109", 16158},
    {"mul8s_1L2D", "01885eb6088b2bdf59047e49ea44109f0d90139e6e0e37891eab21119a55669c", 15422},
    {"mul8s_1L2H", "99c9a3a62a4b9624dce39e42c17f3d37e6e42050b416d9ae8673028108df5a20", 12414},
};

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::path(AXEVO_TEST_TMP) / "test_tables" / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

Table shared_table(const std::string& name) { return read_table(kShared / (name + ".bin")).table; }

Table random_table(unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(-32768, 32767);
  Table t;
  for (auto& v : t) v = static_cast<int16_t>(dist(rng));
  t[0] = -32768;
  t[1] = 32767;
  return t;
}

// The error message of `f`, or "" when it does not throw axevo::Error.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t eol = text.find('\n', pos);
    lines.push_back(text.substr(pos, eol - pos));
    pos = eol == std::string::npos ? text.size() : eol + 1;
  }
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

bool same_figure(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

}  // namespace

TEST_CASE("tables: the 13 shared tables read with the published hashes and round-trip in every format",
          "[tables]") {
  const fs::path dir = fresh_dir("roundtrip_shared");
  for (const auto& s : kSharedTables) {
    INFO(s.name);
    const TableRead r = read_table(kShared / (std::string(s.name) + ".bin"));
    CHECK(r.warnings.empty());
    CHECK(table_sha256(r.table) == s.sha256);
    CHECK(write_table_bin(r.table) == read_file(kShared / (std::string(s.name) + ".bin")));
    for (const char* ext : {"bin", "h", "csv"}) {
      const TableFormat fmt = *table_format_from_name(ext);
      const fs::path file = dir / (std::string(s.name) + "." + ext);
      write_file_atomic(file, write_table(r.table, fmt, s.name));
      const TableRead back = read_table(file);
      CHECK(back.table == r.table);
      CHECK(back.warnings.empty());
    }
  }
}

TEST_CASE("tables: random tables round-trip through .bin, .h and .csv", "[tables]") {
  for (unsigned seed : {1u, 2u, 3u}) {
    const Table t = random_table(seed);
    CHECK(parse_table_bin(write_table_bin(t), "r.bin") == t);
    CHECK(parse_table_header(write_table_header(t, "rand"), "r.h") == t);
    CHECK(parse_table_csv(write_table_csv(t), "r.csv") == t);
  }
}

TEST_CASE("tables: format from extension", "[tables]") {
  CHECK(table_format_from_path("a/x.bin") == TableFormat::Bin);
  CHECK(table_format_from_path("x.H") == TableFormat::CHeader);
  CHECK(table_format_from_path("x.csv") == TableFormat::Csv);
  CHECK_FALSE(table_format_from_path("README.md"));
  CHECK_FALSE(table_format_from_path("noext"));
  CHECK(table_format_from_name("h") == TableFormat::CHeader);
  CHECK_FALSE(table_format_from_name("txt"));
}

TEST_CASE("tables: AdaPT negative-quadrant detection", "[tables][adapt]") {
  for (const auto& s : kSharedTables) {
    INFO(s.name);
    const Table t = shared_table(s.name);
    CHECK_FALSE(has_adapt_negative_quadrant_bug(t));
    const Table bugged = with_adapt_negative_quadrant_bug(t);
    CHECK(has_adapt_negative_quadrant_bug(bugged));
    int diffs = 0;
    for (int a = -128; a < 128; ++a)
      for (int b = -128; b < 128; ++b)
        if (t[table_index(a, b)] != bugged[table_index(a, b)]) {
          ++diffs;
          CHECK((a < 0 && b < 0));
        }
    if (s.adapt_diffs >= 0) CHECK(diffs == s.adapt_diffs);  // the counts the shared README gives
  }
  const Table exact_bugged = with_adapt_negative_quadrant_bug(exact_table());
  CHECK(exact_bugged[table_index(-128, -1)] == -128);  // the README's example
  CHECK(exact_bugged[table_index(-128, -128)] == 16384);
  CHECK(exact_bugged[table_index(-3, -5)] == 15);
  CHECK(adapt_quadrant_warning("x/mul8s_1KV8.h").find("x/mul8s_1KV8.h") != std::string::npos);
  CHECK(adapt_quadrant_warning("f.h").find("AdaPT") != std::string::npos);

  // read_table flags it for any format.
  const fs::path dir = fresh_dir("adapt");
  write_file_atomic(dir / "bugged.csv", write_table_csv(exact_bugged));
  const TableRead r = read_table(dir / "bugged.csv");
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].find((dir / "bugged.csv").string()) != std::string::npos);
  CHECK(r.table == exact_bugged);
}

TEST_CASE("tables: C header variants", "[tables][header]") {
  const Table t = random_table(7);
  // Rows as "{v, v, ...}" lines from the writer.
  std::vector<std::string> rows;
  for (const auto& l : lines_of(write_table_header(t, "x")))
    if (!l.empty() && l[0] == '{') rows.push_back(l.substr(0, l.find('}') + 1));
  REQUIRE(rows.size() == 256);

  SECTION("static constexpr short, comments, preprocessor, trailing commas") {
    std::string h = "/* block\n comment */\n#ifndef X_H\n#define X_H \\\n  1\n#include <stdint.h>\n";
    h += "static constexpr short my_table [ 256 ] [ 0x100 ] = // the table\n{\n";
    for (const auto& r : rows) h += r.substr(0, r.size() - 1) + ", },  // row\n";
    h += "};\n#endif\n";
    CHECK(parse_table_header(h, "v.h") == t);
  }
  SECTION("int and std::int16_t, flat initializer") {
    for (const char* type : {"const int", "const std::int16_t", "int16_t const"}) {
      std::string h = std::string(type) + " lut[256][256] = {";
      for (std::size_t i = 0; i < kTableSize; ++i) h += std::to_string(t[i]) + (i + 1 < kTableSize ? "," : "");
      h += "};";
      CHECK(parse_table_header(h, "flat.h") == t);
    }
  }
  SECTION("AdaPT spacing") {
    std::string h = "#include <stdint.h>\n\nconst int16_t lut [256][256] = {\n";
    for (std::size_t i = 0; i < rows.size(); ++i) h += rows[i] + (i + 1 < rows.size() ? ",\n" : "\n");
    h += "};\n";
    CHECK(parse_table_header(h, "adapt.h") == t);
  }
}

TEST_CASE("tables: bad .bin size", "[tables][errors]") {
  const std::string msg = error_of([] { parse_table_bin(std::string(1000, '\0'), "dir/t.bin"); });
  CHECK(msg.find("dir/t.bin") == 0);
  CHECK(msg.find("1000 bytes") != std::string::npos);
  CHECK(msg.find("expected 131072 bytes") != std::string::npos);

  const fs::path dir = fresh_dir("bad_bin");
  write_file_atomic(dir / "short.bin", std::string(131071, '\0'));
  const std::string m2 = error_of([&] { read_table(dir / "short.bin"); });
  CHECK(m2.find((dir / "short.bin").string() + ": wrong size: 131071 bytes, expected 131072 bytes") == 0);
}

TEST_CASE("tables: bad CSV tables", "[tables][errors][csv]") {
  const Table t = random_table(11);
  const std::vector<std::string> good = lines_of(write_table_csv(t));
  REQUIRE(good.size() == 256);

  SECTION("a row with 255 values") {
    auto lines = good;
    lines[4] = lines[4].substr(0, lines[4].rfind(','));
    const std::string msg = error_of([&] { parse_table_csv(join_lines(lines), "t.csv"); });
    CHECK(msg == "t.csv:5: 255 values, expected 256");
  }
  SECTION("a row with 257 values") {
    auto lines = good;
    lines[0] += ",1";
    CHECK(error_of([&] { parse_table_csv(join_lines(lines), "t.csv"); }) == "t.csv:1: 257 values, expected 256");
  }
  SECTION("a non-numeric cell") {
    auto lines = good;
    std::string row = "1,2,abc";
    for (int i = 3; i < 256; ++i) row += ",0";
    lines[6] = row;
    const std::string msg = error_of([&] { parse_table_csv(join_lines(lines), "t.csv"); });
    CHECK(msg == "t.csv:7: column 3: 'abc' is not an integer");
  }
  SECTION("a value out of the int16 range") {
    auto lines = good;
    lines[9] = "40000" + lines[9].substr(lines[9].find(','));
    const std::string msg = error_of([&] { parse_table_csv(join_lines(lines), "t.csv"); });
    CHECK(msg == "t.csv:10: column 1: value 40000 is outside the int16 range [-32768, 32767]");
    lines[9] = "-32769" + lines[9].substr(lines[9].find(','));
    CHECK(error_of([&] { parse_table_csv(join_lines(lines), "t.csv"); }).find("t.csv:10: column 1: value -32769") == 0);
  }
  SECTION("an empty cell") {
    auto lines = good;
    lines[2] = "," + lines[2].substr(lines[2].find(',') + 1);
    CHECK(error_of([&] { parse_table_csv(join_lines(lines), "t.csv"); }) == "t.csv:3: column 1: empty cell, expected an integer");
  }
  SECTION("255 rows, and 257 rows") {
    auto lines = good;
    lines.pop_back();
    CHECK(error_of([&] { parse_table_csv(join_lines(lines), "t.csv"); }) ==
          "t.csv:255: 255 rows, expected 256 (one per first operand byte)");
    lines = good;
    lines.push_back(good[0]);
    CHECK(error_of([&] { parse_table_csv(join_lines(lines), "t.csv"); }) == "t.csv:257: more than 256 rows, expected 256");
  }
  SECTION("blank lines, CRLF and blanks around cells are fine") {
    std::string text;
    for (const auto& l : good) text += " " + l + " \r\n\n";
    CHECK(parse_table_csv(text, "t.csv") == t);
    CHECK(parse_table_csv("\xEF\xBB\xBF" + text, "bom.csv") == t);  // a UTF-8 byte order mark
  }
}

TEST_CASE("tables: bad C headers", "[tables][errors][header]") {
  const Table t = random_table(5);
  const std::string good = write_table_header(t, "x");  // 5 comment/preprocessor lines, declaration on line 5
  std::vector<std::string> lines = lines_of(good);
  std::size_t decl = 0;
  while (lines[decl].find("lut[256][256]") == std::string::npos) ++decl;
  const std::string decl_line = std::to_string(decl + 1);

  SECTION("lut[128][256]") {
    auto l = lines;
    l[decl] = "const int16_t lut[128][256] = {";
    CHECK(error_of([&] { parse_table_header(join_lines(l), "h.h"); }) ==
          "h.h:" + decl_line +
              ": array declared as lut[128][256], expected lut[256][256] (row = first operand byte, column = second "
              "operand byte)");
    const fs::path f = fs::path(AXEVO_SOURCE_DIR) / "tests/data/lut/bad_dims/half.h";
    CHECK(error_of([&] { read_table(f); }).find(f.string() + ":4: array declared as lut[128][256], expected") == 0);
  }
  SECTION("a row with too few initializers") {
    auto l = lines;
    std::string& row = l[decl + 1 + 3];  // row 3
    row = row.substr(0, row.rfind(',', row.size() - 3)) + "},";
    CHECK(error_of([&] { parse_table_header(join_lines(l), "h.h"); }) ==
          "h.h:" + std::to_string(decl + 5) + ": row 3 has 255 values, expected 256");
  }
  SECTION("too few rows") {
    auto l = lines;
    l.erase(l.begin() + static_cast<long>(decl) + 256);  // the last row
    l[decl + 255].pop_back();                               // its predecessor's ','
    CHECK(error_of([&] { parse_table_header(join_lines(l), "h.h"); }) ==
          "h.h:" + std::to_string(decl + 257) + ": 255 rows, expected 256");
  }
  SECTION("too few values in a flat initializer") {
    CHECK(error_of([] { parse_table_header("const int16_t lut[256][256] = {1, 2, 3};", "f.h"); }) ==
          "f.h:1: 3 values, expected 65536 (256 rows of 256)");
  }
  SECTION("value out of range, non-numeric value, wrong type, garbage after the table") {
    auto l = lines;
    l[decl + 2] = "{70000" + l[decl + 2].substr(l[decl + 2].find(','));
    CHECK(error_of([&] { parse_table_header(join_lines(l), "h.h"); }) ==
          "h.h:" + std::to_string(decl + 3) + ": value 70000 is outside the int16 range [-32768, 32767]");
    l = lines;
    l[decl + 2] = "{x" + l[decl + 2].substr(l[decl + 2].find(','));
    CHECK(error_of([&] { parse_table_header(join_lines(l), "h.h"); }) ==
          "h.h:" + std::to_string(decl + 3) + ": expected an integer, found 'x'");
    CHECK(error_of([] { parse_table_header("const float lut[256][256] = {};", "f.h"); })
              .find("f.h:1: unexpected 'float' in the table declaration") == 0);
    CHECK(error_of([&] { parse_table_header(good + "int x;\n", "h.h"); })
              .find("unexpected 'int' after the table") != std::string::npos);
    CHECK(error_of([] { parse_table_header("// nothing\n", "e.h"); }).find("e.h:2: no table found") == 0);
    CHECK(error_of([] { parse_table_header("const int16_t lut[256][256] = {1 /* open", "c.h"); }) ==
          "c.h:1: comment '/*' is not closed");
  }
}

TEST_CASE("tables: missing table file", "[tables][errors]") {
  const std::string msg = error_of([] { read_table("/nonexistent/x.bin"); });
  CHECK(msg == "/nonexistent/x.bin: no such file");
  CHECK(error_of([] { read_table(kShared / "README.md"); }).find("not a table file") != std::string::npos);
}

TEST_CASE("metadata: the shared multipliers.csv", "[metadata]") {
  const auto rows = read_metadata_csv(kShared / "multipliers.csv");
  REQUIRE(rows.size() == 13);
  CHECK(rows[0].name == "mul8s_1KV8");
  CHECK(rows[0].power_mw == 0.425);
  CHECK(rows[0].area_um2 == 729.8);
  CHECK(rows[0].delay_ns == 1.48);
  CHECK(rows[0].table_file == "mul8s_1KV8.bin");
  CHECK(rows[0].origin == (kShared / "multipliers.csv").string() + ":2");
  CHECK(rows[12].name == "mul8s_1KR3");
  CHECK(rows[12].power_mw == 0.052);
  CHECK(read_folder_metadata(kShared).size() == 13);
  CHECK_FALSE(read_sidecar(kShared / "mul8s_1KV8.bin"));
}

TEST_CASE("metadata: write_metadata_csv reads back identically", "[metadata]") {
  std::vector<Metadata> rows(4);
  rows[0].name = "plain";
  rows[0].power_mw = 0.1;
  rows[0].area_um2 = 729.8;
  rows[0].delay_ns = 1.0 / 3.0;
  rows[0].table_file = "plain.bin";
  rows[1].name = "quoted";
  rows[1].power_mw = 7282910.2;
  rows[1].area_um2 = 1e-300;
  rows[1].family = "a,b";
  rows[1].params = "k=\"4\", m=2";
  rows[1].source = "line1\nline2";
  rows[2].name = "unknowns";  // all figures NaN
  rows[2].table_file = " spaced name.bin ";
  rows[3].name = "huge";
  rows[3].power_mw = 1.7976931348623157e308;
  rows[3].area_um2 = 0;
  rows[3].delay_ns = 123456789012345680.0;
  const std::vector<std::string> hashes = {"h0", "h1", "", "h3"};
  const std::string text = write_metadata_csv(rows, hashes);
  CHECK(text.find("0.1,729.8,") != std::string::npos);  // shortest forms
  CHECK(text.find("unknowns,,,,") != std::string::npos);  // NaN -> empty
  CHECK(text.find("\"a,b\"") != std::string::npos);
  CHECK(text.find("\"k=\"\"4\"\", m=2\"") != std::string::npos);

  const fs::path dir = fresh_dir("metadata_roundtrip");
  write_file_atomic(dir / "metadata.csv", text);
  const auto back = read_metadata_csv(dir / "metadata.csv");
  REQUIRE(back.size() == rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    INFO(rows[i].name);
    CHECK(back[i].name == rows[i].name);
    CHECK(same_figure(back[i].power_mw, rows[i].power_mw));
    CHECK(same_figure(back[i].area_um2, rows[i].area_um2));
    CHECK(same_figure(back[i].delay_ns, rows[i].delay_ns));
    CHECK(back[i].table_file == rows[i].table_file);
    CHECK(back[i].family == rows[i].family);
    CHECK(back[i].params == rows[i].params);
    CHECK(back[i].source == rows[i].source);
    CHECK(back[i].sha256 == hashes[i]);
  }
  // Without `hashes`, each row's own sha256 is written.
  rows[0].sha256 = "abc";
  CHECK(write_metadata_csv(rows).find("plain.bin,,,,abc\n") != std::string::npos);
  CHECK(back[2].origin == (dir / "metadata.csv").string() + ":5");  // the quoted newline counts
  CHECK(error_of([&] { write_metadata_csv(rows, {"one"}); }).find("1 hashes for 4 rows") != std::string::npos);
}

TEST_CASE("metadata: CSV errors", "[metadata][errors]") {
  const fs::path dir = fresh_dir("metadata_errors");
  const fs::path f = dir / "metadata.csv";
  const std::string file = f.string();

  write_file_atomic(f, "circuit,power_mw\nx,1\n");
  CHECK(error_of([&] { read_metadata_csv(f); }).find(file + ":1: no 'name' column") == 0);
  const fs::path fixture = fs::path(AXEVO_SOURCE_DIR) / "tests/data/lut/no_name_column/metadata.csv";
  CHECK(error_of([&] { read_metadata_csv(fixture); }).find(fixture.string() + ":1: no 'name' column") == 0);

  write_file_atomic(f, "name,power_mw,area_um2\na,0.5,1\nb,abc,2\n");
  CHECK(error_of([&] { read_metadata_csv(f); }) ==
        file + ":3: power_mw: 'abc' is not a non-negative number (leave the cell empty when unknown)");

  for (const char* bad : {"-1", "nan", "inf", "1.5x", "0x10"}) {
    INFO(bad);
    write_file_atomic(f, std::string("name,area_um2\na,") + bad + "\n");
    CHECK(error_of([&] { read_metadata_csv(f); }).find(file + ":2: area_um2: '") == 0);
  }

  write_file_atomic(f, "name,power_mw\na,72829.102e2\n\"b\",+.5\n");
  const auto ok = read_metadata_csv(f);
  REQUIRE(ok.size() == 2);
  CHECK(ok[0].power_mw == 7282910.2);
  CHECK(ok[1].power_mw == 0.5);

  write_file_atomic(f, "name,power_mw\na,1\nb\n");
  CHECK(error_of([&] { read_metadata_csv(f); }) == file + ":3: 1 cells, but the header has 2 columns");
  write_file_atomic(f, "name,power_mw\na,1\na,2\n");
  CHECK(error_of([&] { read_metadata_csv(f); }) == file + ":3: name 'a' already used on line 2");
  write_file_atomic(f, "name,power_mw\n\"a,1\n");
  CHECK(error_of([&] { read_metadata_csv(f); }) == file + ":2: quoted field is not closed (missing '\"')");
  write_file_atomic(f, "name,power_mw\n\"a\"x,1\n");
  CHECK(error_of([&] { read_metadata_csv(f); }).find(file + ":2: unexpected 'x' after a closing quote") == 0);
  write_file_atomic(f, "");
  CHECK(error_of([&] { read_metadata_csv(f); }).find("empty metadata CSV") != std::string::npos);
}

TEST_CASE("metadata: YAML folder metadata and sidecars", "[metadata][yaml]") {
  const fs::path dir = fresh_dir("metadata_yaml");
  write_file_atomic(dir / "metadata.yaml",
                    "# comment\nmul8s_a:\n  power_mw: 0.4\n  area_um2: 72829.102e2\n  table_file: a.bin\n"
                    "mul8s_b: {delay_ns: 1.5, family: truncation, params: k=2}\n");
  auto rows = read_folder_metadata(dir);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].name == "mul8s_a");
  CHECK(rows[0].power_mw == 0.4);
  CHECK(rows[0].area_um2 == 7282910.2);
  CHECK(std::isnan(rows[0].delay_ns));
  CHECK(rows[0].table_file == "a.bin");
  CHECK(rows[0].origin == (dir / "metadata.yaml").string() + ":2");
  CHECK(rows[1].delay_ns == 1.5);
  CHECK(rows[1].family == "truncation");
  CHECK(rows[1].params == "k=2");

  // A list of entries with `name` works too.
  write_file_atomic(dir / "metadata.yaml", "- name: x\n  power_mw: 1\n- {name: y}\n");
  rows = read_metadata_yaml(dir / "metadata.yaml");
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].name == "y");

  write_file_atomic(dir / "t.yaml", "name: renamed\npower_mw: 0.3\ndelay_ns: 2\n");
  const auto side = read_sidecar(dir / "t.bin");
  REQUIRE(side);
  CHECK(side->name == "renamed");
  CHECK(side->power_mw == 0.3);
  CHECK(side->delay_ns == 2);

  Metadata base = rows[0];
  overlay_metadata(base, *side);
  CHECK(base.name == "renamed");
  CHECK(base.power_mw == 0.3);

  SECTION("errors") {
    const fs::path fixture = fs::path(AXEVO_SOURCE_DIR) / "tests/data/lut/broken_yaml/metadata.yaml";
    const std::string msg = error_of([&] { read_folder_metadata(fixture.parent_path()); });
    CHECK(msg.find(fixture.string() + ":") == 0);
    CHECK(msg.find("malformed YAML") != std::string::npos);
    CHECK((msg.find(":4:") != std::string::npos || msg.find(":5:") != std::string::npos));

    write_file_atomic(dir / "t.yaml", "power_mw: 0.3\npowr_mw: 2\n");
    CHECK(error_of([&] { read_sidecar(dir / "t.bin"); }).find((dir / "t.yaml").string() + ":2: unknown key 'powr_mw'") == 0);
    write_file_atomic(dir / "t.yaml", "power_mw: 0.3\narea_um2: big\n");
    CHECK(error_of([&] { read_sidecar(dir / "t.bin"); }).find((dir / "t.yaml").string() + ":2: area_um2: 'big'") == 0);
    write_file_atomic(dir / "t.yaml", "power_mw: [1, 2]\n");
    CHECK(error_of([&] { read_sidecar(dir / "t.bin"); }).find(":1: power_mw: expected a single value") != std::string::npos);
    write_file_atomic(dir / "t.yaml", "key: \"unterminated\n");
    CHECK(error_of([&] { read_sidecar(dir / "t.bin"); }).find((dir / "t.yaml").string() + ":") == 0);
    write_file_atomic(dir / "metadata.yaml", "a: 1\n");
    CHECK(error_of([&] { read_folder_metadata(dir); }).find(":1: expected a map of keys") != std::string::npos);
    write_file_atomic(dir / "metadata.csv", "name\na\n");
    CHECK(error_of([&] { read_folder_metadata(dir); }) ==
          (dir / "metadata.yaml").string() +
              ": more than one metadata file in this folder (also metadata.csv); keep one of multipliers.csv, "
              "metadata.csv and metadata.yaml");
  }
}
