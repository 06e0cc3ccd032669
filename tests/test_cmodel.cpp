// The cmodel plugin: C models compiled with the system C compiler at import time.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "axevo/error.hpp"
#include "axevo/io.hpp"
#include "axevo/plugin.hpp"

namespace fs = std::filesystem;
using namespace axevo;

namespace {

const fs::path kData = fs::path(AXEVO_SOURCE_DIR) / "tests" / "data" / "cmodel";

LibraryLoad load_cmodel(const std::string& arg) {
  return load_multiplier_library("cmodel:" + arg, PluginSearchPath::standard({AXEVO_PLUGIN_DIR}));
}

std::string cmodel_error(const std::string& arg) {
  try {
    load_cmodel(arg);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::path(AXEVO_TEST_TMP) / "test_cmodel" / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

Table trunc4_table() {
  Table t;
  for (int a = -128; a < 128; ++a)
    for (int b = -128; b < 128; ++b) t[table_index(a, b)] = static_cast<int16_t>((a * b) & ~0xF);
  return t;
}

// Sets an environment variable for the lifetime of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had_)
      ::setenv(name_, old_.c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

}  // namespace

TEST_CASE("cmodel: an exact model with int8_t operands", "[cmodel]") {
  const fs::path file = kData / "good" / "exact.c";
  const LibraryLoad lib = load_cmodel(file.string());
  REQUIRE(lib.multipliers.size() == 1);
  const Multiplier& m = lib.multipliers[0];
  CHECK(m.name == "mul8s_exact");
  CHECK(m.source == file.string());
  CHECK(*m.table == exact_table());
  CHECK(std::isnan(m.power_mw));
}

TEST_CASE("cmodel: a folder, uint8_t/uint16_t signature and sidecar metadata", "[cmodel]") {
  const LibraryLoad lib = load_cmodel((kData / "good").string());
  REQUIRE(lib.multipliers.size() == 2);
  CHECK(lib.multipliers[0].name == "mul8s_exact");
  const Multiplier& m = lib.multipliers[1];
  CHECK(m.name == "mul8s_trunc4");
  CHECK(*m.table == trunc4_table());
  CHECK(m(-1, 1) == -16);
  CHECK(m(-128, -128) == 16384);
  CHECK(m.power_mw == 0.25);
  CHECK(m.area_um2 == 400.5);
  CHECK(m.delay_ns == 1.1);
  CHECK(m.family == "truncation");
  CHECK(m.params == "k=4");
}

TEST_CASE("cmodel: the temporary build folder is removed", "[cmodel]") {
  const fs::path tmp = fresh_dir("tmpdir");
  ScopedEnv env("TMPDIR", tmp.string());
  load_cmodel((kData / "good" / "exact.c").string());
  CHECK(fs::is_empty(tmp));
  cmodel_error((kData / "bad" / "syntax_error.c").string());
  CHECK(fs::is_empty(tmp));
}

TEST_CASE("cmodel: a model that does not compile gives the compiler's message", "[cmodel][errors]") {
  const fs::path file = kData / "bad" / "syntax_error.c";
  const std::string msg = cmodel_error(file.string());
  INFO(msg);
  CHECK(msg.find(file.string() + ": the C model does not compile") == 0);
  // The compiler's own diagnostic, with its file:line.
  CHECK((msg.find(file.string() + ":5:") != std::string::npos || msg.find(file.string() + ":6:") != std::string::npos));
  CHECK(msg.find("error") != std::string::npos);
}

TEST_CASE("cmodel: errors", "[cmodel][errors]") {
  SECTION("missing file or folder, wrong extension, empty folder") {
    CHECK(cmodel_error("/nonexistent/model.c") == "/nonexistent/model.c: no such file or folder");
    const fs::path dir = fresh_dir("empty");
    CHECK(cmodel_error(dir.string()) == dir.string() + ": no C models (.c files) in this folder");
    write_file_atomic(dir / "model.txt", "int16_t f(int8_t a, int8_t b) { return a * b; }\n");
    CHECK(cmodel_error((dir / "model.txt").string()) == (dir / "model.txt").string() + ": not a C file (expected the extension .c)");
    CHECK(cmodel_error("").find("no C file or folder given") != std::string::npos);
  }
  SECTION("no multiplier function") {
    const fs::path dir = fresh_dir("nofunc");
    write_file_atomic(dir / "m.c",
                      "static int16_t hidden(int8_t a, int8_t b) { return a * b; }\n"
                      "int32_t wide(int8_t a, int8_t b) { return a * b; }\n"
                      "int16_t three(int8_t a, int8_t b, int8_t c) { return a * b * c; }\n");
    const std::string msg = cmodel_error((dir / "m.c").string());
    CHECK(msg.find((dir / "m.c").string() + ": no multiplier function found") == 0);
    CHECK(msg.find("static functions are not considered") != std::string::npos);
  }
  SECTION("several public candidates, and a sidecar that picks one") {
    const fs::path file = kData / "two_functions" / "two.c";
    const std::string msg = cmodel_error(file.string());
    CHECK(msg.find(file.string() + ":5: several functions could be the multiplier: mul8s_first (line 3), mul8s_second (line 5)") == 0);

    const fs::path dir = fresh_dir("pick");
    fs::copy_file(file, dir / "two.c");
    write_file_atomic(dir / "two.yaml", "name: mul8s_second\npower_mw: 0.3\n");
    const LibraryLoad lib = load_cmodel(dir.string());
    REQUIRE(lib.multipliers.size() == 1);
    CHECK(lib.multipliers[0].name == "mul8s_second");
    CHECK(lib.multipliers[0].power_mw == 0.3);
    CHECK(lib.multipliers[0](3, 5) == 14);
    CHECK(lib.multipliers[0](-3, 5) == -16);

    write_file_atomic(dir / "two.yaml", "name: mul8s_third\n");
    CHECK(cmodel_error(dir.string()).find("the sidecar names 'mul8s_third'") != std::string::npos);
  }
  SECTION("folder metadata by name") {
    const fs::path dir = fresh_dir("folder_metadata");
    fs::copy_file(kData / "good" / "exact.c", dir / "exact.c");
    write_file_atomic(dir / "metadata.csv", "name,power_mw,area_um2,delay_ns\nmul8s_exact,0.425,729.8,1.48\nother,1,2,3\n");
    const LibraryLoad lib = load_cmodel(dir.string());
    REQUIRE(lib.multipliers.size() == 1);
    CHECK(lib.multipliers[0].power_mw == 0.425);
    CHECK(lib.multipliers[0].delay_ns == 1.48);
  }
  SECTION("a compiler that cannot be run") {
    ScopedEnv env("CC", "/nonexistent/bin/cc");
    const std::string msg = cmodel_error((kData / "good" / "exact.c").string());
    CHECK(msg.find("cannot run the C compiler '/nonexistent/bin/cc'") != std::string::npos);
  }
  SECTION("$CC with extra words is split without a shell") {
    ScopedEnv env("CC", "cc -DUNUSED=1");
    CHECK(*load_cmodel((kData / "good" / "exact.c").string()).multipliers[0].table == exact_table());
  }
}
