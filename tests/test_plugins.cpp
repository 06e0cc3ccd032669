// The plugin loader: ABI checks and clear errors for every way a plugin can be wrong, and
// the worked example plugin of the README.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "axevo/error.hpp"
#include "axevo/library.hpp"
#include "axevo/plugin.hpp"
#include "test_support.hpp"

using namespace axevo;
using Catch::Matchers::Contains;

namespace {
std::string test_plugin(const std::string& name) { return std::string(AXEVO_TEST_PLUGIN_DIR) + "/" + name + ".so"; }
}  // namespace

TEST_CASE("a plugin of the wrong ABI version is refused with both versions named", "[plugins]") {
  const auto file = test_plugin("bad_abi");
  REQUIRE_THROWS_WITH(open_plugin(file), Contains(file) && Contains("ABI version 42") && Contains("ABI version 1"));
  REQUIRE_THROWS_AS(load_multiplier_library(file, test::plugin_path()), Error);
}

TEST_CASE("a shared object without the entry point is not a plugin", "[plugins]") {
  REQUIRE_THROWS_WITH(open_plugin(test_plugin("no_info")), Contains("not an axevo plugin") && Contains("axevo_plugin_get_info"));
}

TEST_CASE("a multiplier library without its load function is refused", "[plugins]") {
  REQUIRE_THROWS_WITH(load_multiplier_library(test_plugin("no_load"), test::plugin_path()),
                      Contains("does not export axevo_multiplier_library_load"));
}

TEST_CASE("a plugin of another kind is not a multiplier library", "[plugins]") {
  REQUIRE_THROWS_WITH(load_multiplier_library(test_plugin("dataset_kind"), test::plugin_path()),
                      Contains("dataset plugin, not a multiplier library"));
}

TEST_CASE("missing plugin files and names give clear errors", "[plugins]") {
  REQUIRE_THROWS_WITH(open_plugin("/nonexistent/axevo_x.so"), Contains("/nonexistent/axevo_x.so") && Contains("not found"));
  REQUIRE_THROWS_WITH(load_multiplier_library("nosuchlib:arg", test::plugin_path()),
                      Contains("no plugin named 'nosuchlib'") && Contains(AXEVO_PLUGIN_DIR));
  // A file that is not a shared object at all.
  const auto dir = test::scratch("plugins_garbage");
  const auto junk = dir / "axevo_junk.so";
  { std::ofstream(junk) << "this is not an ELF file\n"; }
  REQUIRE_THROWS_WITH(open_plugin(junk), Contains(junk.string()) && Contains("cannot load plugin"));
}

TEST_CASE("a plugin's own error message reaches the user unchanged", "[plugins]") {
  REQUIRE_THROWS_WITH(load_multiplier_library(test_plugin("failing"), test::plugin_path()),
                      Contains("tables/x.dat:3: value 'abc' is not a number"));
}

TEST_CASE("a record whose table and function disagree is rejected at the pair", "[plugins]") {
  REQUIRE_THROWS_WITH(load_multiplier_library(test_plugin("inconsistent"), test::plugin_path()),
                      Contains("inconsistent_mul") && Contains("a=3, b=5") && Contains("disagree"));
}

TEST_CASE("plugins are found along AXEVO_PLUGIN_PATH and listed", "[plugins]") {
  ::setenv("AXEVO_PLUGIN_PATH", "/nonexistent-a:" AXEVO_TEST_PLUGIN_DIR, 1);
  const auto path = PluginSearchPath::standard();
  ::unsetenv("AXEVO_PLUGIN_PATH");
  REQUIRE(path.dirs.size() >= 3);
  CHECK(path.dirs[0] == "/nonexistent-a");
  CHECK(path.dirs[1] == AXEVO_TEST_PLUGIN_DIR);
  // The test plugin folder holds files named without the axevo_ prefix, so discovery
  // of the real folder must list the real plugins and report no problems there.
  std::vector<std::string> problems;
  const auto found = discover_plugins(test::plugin_path(), &problems);
  bool has_example = false;
  for (const auto& p : found) has_example |= p.name == "example";
  CHECK(has_example);
  CHECK(problems.empty());
}

TEST_CASE("the worked example plugin loads and tabulates its function", "[plugins][example]") {
  const auto lib = load_multiplier_library("example", test::plugin_path());
  REQUIRE(lib.multipliers.size() == 1);
  const Multiplier& m = lib.multipliers[0];
  CHECK(m.name == "example_optrunc2");
  CHECK(m.family == "operand truncation");
  auto trunc = [](int x) { return x < 0 ? -((-x) & ~3) : (x & ~3); };
  for (int a = -128; a < 128; ++a)
    for (int b = -128; b < 128; ++b) REQUIRE(m(a, b) == trunc(a) * trunc(b));
  CHECK(m.sha256 == table_sha256(*m.table));
  CHECK(!known(m.power_mw));
}

TEST_CASE("two libraries defining one name are refused; same tables are recognised", "[plugins][library]") {
  REQUIRE_THROWS_WITH(MultiplierSet::load({"example", "example"}, test::plugin_path(), nullptr),
                      Contains("example_optrunc2") && Contains("defined by two libraries"));
  MultiplierSet set;
  Multiplier a = make_multiplier("a", exact_table());
  Multiplier b = make_multiplier("b", exact_table());
  set.add(a);
  set.add(b);
  CHECK(set.same_table_as(a) == std::vector<std::string>{"b"});
  REQUIRE_THROWS_WITH(set.get("c"), Contains("unknown multiplier 'c'"));
  REQUIRE_THROWS_WITH(set.get("aa"), Contains("did you mean 'a'"));
}

TEST_CASE("SHA-256 of the exact table equals the published hash of mul8s_1KV8", "[plugins][hash]") {
  CHECK(table_sha256(exact_table()) == "5cecff7e22049d0083ad9ee36dcf0695222c61621bacfd5a401c7b133abe892d");
}
