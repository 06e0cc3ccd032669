// The lut plugin, loaded through the host like any multiplier library.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "axevo/error.hpp"
#include "axevo/formats/tables.hpp"
#include "axevo/io.hpp"
#include "axevo/plugin.hpp"

namespace fs = std::filesystem;
using namespace axevo;

namespace {

const fs::path kShared = fs::path(AXEVO_SHARED_DIR) / "evoapprox";
const fs::path kData = fs::path(AXEVO_SOURCE_DIR) / "tests" / "data" / "lut";

LibraryLoad load_lut(const std::string& arg) {
  return load_multiplier_library("lut:" + arg, PluginSearchPath::standard({AXEVO_PLUGIN_DIR}));
}

std::string lut_error(const std::string& arg) {
  try {
    load_lut(arg);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::path(AXEVO_TEST_TMP) / "test_lut" / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

Table shared_table(const std::string& name) { return formats::read_table(kShared / (name + ".bin")).table; }

void write_table_file(const fs::path& file, const Table& t) {
  const auto fmt = formats::table_format_from_path(file);
  write_file_atomic(file, formats::write_table(t, *fmt, file.stem().string()));
}

struct Published {
  const char* name;
  double power_mw, area_um2, delay_ns;
  const char* sha256;
};
// multipliers.csv (in its order) and the hashes of the shared README.
const Published kPublished[] = {
    {"mul8s_1KV8", 0.425, 729.8, 1.48, "5cecff7e22049d0083ad9ee36dcf0695222c61621bacfd5a401c7b133abe892d"},
    {"mul8s_1KVA", 0.422, 711.0, 1.48, "5731ee1dac928033a40b72fd981fb752775899f258659426e8e0c434d5df1085"},
    {"mul8s_1KVB", 0.410, 685.2, 1.47, "8110624a2ae9062fd15efa13bd6b15766fda95211c9bb81677e53273e4be347a"},
    {"mul8s_1KX2", 0.391, 641.1, 1.51, "9f75944973b0cb2e98b28504edcd3cb00df4271620ed6a91c2c2e57ebe52e326"},
    {"mul8s_1KR8", 0.369, 652.8, 1.37, "cca1e3aa53a958b0d95bbaa47025cfd144e0acfa1ab08b1012d5b733f4a7511c"},
    {"mul8s_1KR6", 0.363, 635.0, 1.37, "9a8616bab666bfde73386d0a102d2db32d81ec02f84285e9de27323308ba10ab"},
    {"mul8s_1KRC", 0.351, 599.8, 1.36, "a973c057b4718077cc8c8a613b921ff0d6c60016f3f234bb193bcea891b7a0ea"},
    {"mul8s_1L2H", 0.301, 558.9, 1.36, "99c9a3a62a4b9624dce39e42c17f3d37e6e42050b416d9ae8673028108df5a20"},
    {"mul8s_1KVL", 0.289, 543.0, 1.33, "bd68050c9de3de7da9d551ec7679d685dd11d21e9adb5abf070a74a404a3ca35"},
    {"mul8s_1KTY", 0.237, 482.4, 1.19, "6f7d9fb30f67ceb2133d961b423ac8c730c1936754d92cd0b7fc06b24467553d"},
    {"mul8s_1L2D", 0.200, 411.6, 1.14, "01885eb6088b2bdf59047e49ea44109f0d90139e6e0e37891eab21119a55669c"},
    {"mul8s_1L1G", 0.126, 284.9, 0.94, "c6125693dd61ae4a36d225270aab82da37a9a9db378a10ef03dd6ba4083d5109"},
    {"mul8s_1KR3", 0.052, 172.2, 0.89, "53c285989be8f8329c35c3cd65bf1117f20dc5ffe98737b6c2d9be0072b6b9d0"},
};

}  // namespace

TEST_CASE("lut: the shared EvoApprox folder gives the 13 published circuits", "[lut]") {
  const LibraryLoad lib = load_lut(kShared.string());
  REQUIRE(lib.multipliers.size() == 13);
  for (std::size_t i = 0; i < 13; ++i) {
    const Multiplier& m = lib.multipliers[i];
    const Published& p = kPublished[i];
    INFO(p.name);
    CHECK(m.name == p.name);
    CHECK(m.power_mw == p.power_mw);
    CHECK(m.area_um2 == p.area_um2);
    CHECK(m.delay_ns == p.delay_ns);
    CHECK(m.sha256 == p.sha256);
    CHECK(m.source == (kShared / (std::string(p.name) + ".bin")).string());
    CHECK(m.library == "lut:" + kShared.string());
  }
  CHECK(*lib.multipliers[0].table == exact_table());
  // No table has the AdaPT quadrant, and cells.csv (a data CSV with a header) is skipped quietly.
  CHECK(lib.warnings.empty());
}

TEST_CASE("lut: a single table file, with its row of the folder metadata", "[lut]") {
  const LibraryLoad lib = load_lut((kShared / "mul8s_1KR3.bin").string());
  REQUIRE(lib.multipliers.size() == 1);
  CHECK(lib.multipliers[0].name == "mul8s_1KR3");
  CHECK(lib.multipliers[0].power_mw == 0.052);
  CHECK(lib.multipliers[0].sha256 == "53c285989be8f8329c35c3cd65bf1117f20dc5ffe98737b6c2d9be0072b6b9d0");
  CHECK(lib.warnings.empty());
}

TEST_CASE("lut: mixed formats, metadata CSV, sidecars and order", "[lut]") {
  const fs::path dir = fresh_dir("mixed");
  write_table_file(dir / "zz_first.bin", shared_table("mul8s_1KVA"));
  write_table_file(dir / "b_header.h", shared_table("mul8s_1KVB"));
  write_table_file(dir / "c_rows.csv", shared_table("mul8s_1KR6"));
  write_table_file(dir / "a_plain.bin", shared_table("mul8s_1KV8"));
  write_file_atomic(dir / "README.md", "not a table\n");
  write_file_atomic(dir / "notes.txt", "ignored\n");
  write_file_atomic(dir / "metadata.csv",
                    "name,power_mw,area_um2,delay_ns,table_file,family,extra,sha256\n"
                    "first,0.5,100,,zz_first.bin,exact,ignored column,"
                    "5731EE1DAC928033A40B72FD981FB752775899F258659426E8E0C434D5DF1085\n"
                    "\"b_header\",0.25,,2.5,,,,\n");
  write_file_atomic(dir / "c_rows.yaml", "name: rows\narea_um2: 72829.102e2\nfamily: custom\nparams: \"k=1\"\n");
  write_file_atomic(dir / "b_header.yaml", "power_mw: 0.125\n");  // overrides the CSV

  const LibraryLoad lib = load_lut(dir.string());
  REQUIRE(lib.multipliers.size() == 4);
  const auto& m = lib.multipliers;
  // Metadata order first, then the remaining table files by name.
  CHECK(m[0].name == "first");
  CHECK(m[1].name == "b_header");
  CHECK(m[2].name == "a_plain");
  CHECK(m[3].name == "rows");
  CHECK(*m[0].table == shared_table("mul8s_1KVA"));
  CHECK(*m[1].table == shared_table("mul8s_1KVB"));
  CHECK(*m[2].table == exact_table());
  CHECK(*m[3].table == shared_table("mul8s_1KR6"));
  CHECK(m[0].power_mw == 0.5);
  CHECK(m[0].area_um2 == 100);
  CHECK(std::isnan(m[0].delay_ns));
  CHECK(m[0].family == "exact");
  CHECK(m[0].source == (dir / "zz_first.bin").string());
  CHECK(m[1].power_mw == 0.125);
  CHECK(m[1].delay_ns == 2.5);
  CHECK(std::isnan(m[2].power_mw));
  CHECK(m[3].area_um2 == 7282910.2);
  CHECK(m[3].family == "custom");
  CHECK(m[3].params == "k=1");
  CHECK(lib.warnings.empty());
}

TEST_CASE("lut: folder metadata.yaml", "[lut][yaml]") {
  const fs::path dir = fresh_dir("yaml");
  write_table_file(dir / "t1.bin", shared_table("mul8s_1L2H"));
  write_table_file(dir / "t2.csv", shared_table("mul8s_1L2D"));
  write_file_atomic(dir / "metadata.yaml", "t2: {power_mw: 0.2}\nnamed:\n  table_file: t1.bin\n  delay_ns: 1.36\n");
  const LibraryLoad lib = load_lut(dir.string());
  REQUIRE(lib.multipliers.size() == 2);
  CHECK(lib.multipliers[0].name == "t2");
  CHECK(lib.multipliers[0].power_mw == 0.2);
  CHECK(lib.multipliers[1].name == "named");
  CHECK(lib.multipliers[1].delay_ns == 1.36);
  CHECK(lib.multipliers[1].sha256 == "99c9a3a62a4b9624dce39e42c17f3d37e6e42050b416d9ae8673028108df5a20");
}

TEST_CASE("lut: AdaPT negative-quadrant warning", "[lut][adapt]") {
  const fs::path dir = fresh_dir("adapt");
  const Table correct = shared_table("mul8s_1KVA");
  const Table bugged = formats::with_adapt_negative_quadrant_bug(correct);
  write_table_file(dir / "mul8s_1KVA.h", bugged);
  const LibraryLoad lib = load_lut((dir / "mul8s_1KVA.h").string());
  REQUIRE(lib.multipliers.size() == 1);
  CHECK(*lib.multipliers[0].table == bugged);  // loaded as is
  REQUIRE(lib.warnings.size() == 1);
  CHECK(lib.warnings[0].find((dir / "mul8s_1KVA.h").string()) != std::string::npos);
  CHECK(lib.warnings[0].find("AdaPT") != std::string::npos);
  CHECK(lib.warnings[0].find("M(-a, -b)") != std::string::npos);

  // The exact table as AdaPT's mul8s_1KV8.h has it, among correct ones in a folder.
  write_table_file(dir / "mul8s_1KV8.h", formats::with_adapt_negative_quadrant_bug(exact_table()));
  write_table_file(dir / "mul8s_1KVA.h", correct);
  const LibraryLoad folder = load_lut(dir.string());
  REQUIRE(folder.multipliers.size() == 2);
  REQUIRE(folder.warnings.size() == 1);
  CHECK(folder.warnings[0].find("mul8s_1KV8.h") != std::string::npos);
}

TEST_CASE("lut: errors", "[lut][errors]") {
  SECTION("missing folder or file, empty folder, folder without tables") {
    CHECK(lut_error("/nonexistent/tables") == "/nonexistent/tables: no such file or folder");
    const fs::path empty = fresh_dir("empty");
    CHECK(lut_error(empty.string()) == empty.string() + ": no table files (.bin, .h or .csv) in this folder");
    write_file_atomic(empty / "README.md", "# nothing here\n");
    CHECK(lut_error(empty.string()) == empty.string() + ": no table files (.bin, .h or .csv) in this folder");
    CHECK(lut_error((empty / "README.md").string()).find("not a table file") != std::string::npos);
    CHECK(lut_error("").find("no folder or table file given") != std::string::npos);
  }
  SECTION("metadata row whose table file is missing") {
    const fs::path dir = fresh_dir("missing_table");
    write_table_file(dir / "a.bin", exact_table());
    write_file_atomic(dir / "multipliers.csv", "name,power_mw,table_file\na,1,a.bin\nb,2,b.bin\n");
    CHECK(lut_error(dir.string()) ==
          (dir / "multipliers.csv").string() + ":3: table file 'b.bin' of b not found in " + dir.string());
    write_file_atomic(dir / "multipliers.csv", "name,power_mw\na,1\nb,2\n");
    CHECK(lut_error(dir.string()) == (dir / "multipliers.csv").string() +
                                         ":3: no table_file given for b and no table file b.bin, .h or .csv in " +
                                         dir.string());
    write_file_atomic(dir / "multipliers.csv", "name,table_file\na,a.bin\nb,a.bin\n");
    CHECK(lut_error(dir.string()).find((dir / "multipliers.csv").string() + ":3: table file") == 0);
  }
  SECTION("a sha256 in the metadata that does not match the table") {
    const fs::path dir = fresh_dir("wrong_hash");
    write_table_file(dir / "a.bin", exact_table());
    write_file_atomic(dir / "metadata.csv", "name,sha256\na,0123\n");
    CHECK(lut_error(dir.string()) == (dir / "metadata.csv").string() + ":2: sha256 0123 given for a, but " +
                                         (dir / "a.bin").string() +
                                         " has sha256 5cecff7e22049d0083ad9ee36dcf0695222c61621bacfd5a401c7b133abe892d "
                                         "(a stale table or metadata?)");
  }
  SECTION("two table files with the same stem") {
    const fs::path dir = fresh_dir("same_stem");
    write_table_file(dir / "x.bin", exact_table());
    write_table_file(dir / "x.csv", exact_table());
    const std::string msg = lut_error(dir.string());
    CHECK(msg.find("x.bin") != std::string::npos);
    CHECK(msg.find("x.csv") != std::string::npos);
    CHECK(msg.find("same stem 'x'") != std::string::npos);
  }
  SECTION("bad tables through the plugin") {
    const fs::path dir = fresh_dir("bad_tables");
    write_file_atomic(dir / "short.bin", std::string(100, '\0'));
    CHECK(lut_error(dir.string()) ==
          (dir / "short.bin").string() + ": wrong size: 100 bytes, expected 131072 bytes (65536 little-endian int16)");
    const fs::path half = kData / "bad_dims" / "half.h";
    CHECK(lut_error(half.string()).find(half.string() + ":4: array declared as lut[128][256], expected lut[256][256]") == 0);
  }
  SECTION("bad metadata through the plugin") {
    const fs::path no_name = kData / "no_name_column";
    CHECK(lut_error(no_name.string()).find((no_name / "metadata.csv").string() + ":1: no 'name' column") == 0);
    const fs::path broken = kData / "broken_yaml";
    const std::string msg = lut_error(broken.string());
    CHECK(msg.find((broken / "metadata.yaml").string() + ":") == 0);
    CHECK(msg.find("malformed YAML") != std::string::npos);

    const fs::path dir = fresh_dir("bad_metadata");
    write_table_file(dir / "a.bin", exact_table());
    write_file_atomic(dir / "metadata.csv", "name,power_mw,table_file\na,0.4mW,a.bin\n");
    CHECK(lut_error(dir.string()).find((dir / "metadata.csv").string() + ":2: power_mw: '0.4mW' is not") == 0);
    fs::remove(dir / "metadata.csv");
    write_file_atomic(dir / "a.yaml", "power_mw: 1\n  area_um2: 2\n");
    const std::string side = lut_error(dir.string());
    CHECK(side.find((dir / "a.yaml").string() + ":") == 0);
    CHECK(side.find("malformed YAML") != std::string::npos);
    write_file_atomic(dir / "a.yaml", "name: \"bad name\"\n");
    CHECK(lut_error(dir.string()).find("multiplier name 'bad name' may only contain") != std::string::npos);
  }
  SECTION("header-like CSV in a folder is skipped, listed in the metadata it is an error") {
    const fs::path dir = fresh_dir("data_csv");
    write_table_file(dir / "t.bin", exact_table());
    write_file_atomic(dir / "cells.csv", "name,ha,fa\nx,1,2\n");
    const LibraryLoad lib = load_lut(dir.string());
    CHECK(lib.multipliers.size() == 1);
    CHECK(lib.warnings.empty());
    write_file_atomic(dir / "metadata.csv", "name,table_file\ncells,cells.csv\n");
    CHECK(lut_error(dir.string()).find((dir / "cells.csv").string() + ":1: column 1: 'name' is not an integer") == 0);
  }
}
