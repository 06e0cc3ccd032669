// The builtin multiplier library (plugins/builtin), tested through the plugin as the
// program loads it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "axevo/cost_model.hpp"
#include "axevo/error.hpp"
#include "axevo/error_metrics.hpp"
#include "axevo/plugin.hpp"

namespace {

const axevo::LibraryLoad& builtin_library() {
  static const axevo::LibraryLoad lib =
      axevo::load_multiplier_library("builtin", axevo::PluginSearchPath::standard({AXEVO_PLUGIN_DIR}));
  return lib;
}

const axevo::Multiplier& get(const std::string& name) {
  for (const auto& m : builtin_library().multipliers)
    if (m.name == name) return m;
  FAIL("builtin multiplier " << name << " not found");
  throw std::logic_error("unreachable");
}

// "k=4,correction=12" -> {k: 4, correction: 12}
std::map<std::string, int> parse_params(const std::string& text) {
  std::map<std::string, int> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto eq = item.find('=');
    if (eq == std::string::npos) continue;
    try {
      out[item.substr(0, eq)] = std::stoi(item.substr(eq + 1));
    } catch (const std::exception&) {
    }
  }
  return out;
}

// Arithmetic reference of a Baugh-Wooley array that keeps the partial products `keep` and
// adds the constant word: sum of kept pp(i,j) * 2^(i+j) + constant, mod 2^16, as int16.
template <class Keep>
axevo::Table reference_table(Keep keep, uint32_t constant) {
  axevo::Table t{};
  for (int a = -128; a < 128; ++a)
    for (int b = -128; b < 128; ++b) {
      const unsigned ua = static_cast<uint8_t>(a), ub = static_cast<uint8_t>(b);
      uint32_t sum = constant;
      for (int i = 0; i < 8; ++i)
        for (int j = 0; j < 8; ++j) {
          if (!keep(i, j)) continue;
          unsigned bit = ((ua >> i) & 1u) & ((ub >> j) & 1u);
          if ((i == 7) != (j == 7)) bit ^= 1u;  // the 14 mixed sign terms are NANDs
          sum += bit << (i + j);
        }
      t[axevo::table_index(a, b)] = static_cast<int16_t>(static_cast<uint16_t>(sum & 0xffffu));
    }
  return t;
}

std::vector<int16_t> read_bin(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in);
  std::vector<int16_t> t(65536);
  in.read(reinterpret_cast<char*>(t.data()), 131072);
  REQUIRE(in.gcount() == 131072);
  return t;  // little-endian host assumed (x86-64 / aarch64)
}

}  // namespace

TEST_CASE("builtin: exact Baugh-Wooley multiplier equals a*b with EvoApprox 1KV8's cells", "[builtin]") {
  const auto& m = get("bw_exact");
  CHECK(m.family == "exact");
  CHECK(*m.table == axevo::exact_table());
  REQUIRE(m.netlist);
  const auto c = axevo::estimate_cost(*m.netlist);
  CHECK(c.cell_counts[static_cast<int>(axevo::Cell::FA)] == 49);
  CHECK(c.cell_counts[static_cast<int>(axevo::Cell::HA)] == 15);
  CHECK(c.cell_counts[static_cast<int>(axevo::Cell::AND2)] == 50);
  CHECK(c.cell_counts[static_cast<int>(axevo::Cell::NAND2)] == 14);
  CHECK(c.total_cells == 128);
  CHECK(c.cells_text() == "FA=49 HA=15 AND2=50 NAND2=14");
}

TEST_CASE("builtin: at least 30 distinct multipliers with unique names spanning MAE% 0..2", "[builtin]") {
  const auto& lib = builtin_library();
  CHECK(lib.warnings.empty());
  CHECK(lib.multipliers.size() >= 30);
  std::set<std::string> names, hashes;
  double max_mae_pct = 0, min_mae_pct = 1e9;
  for (const auto& m : lib.multipliers) {
    INFO(m.name);
    CHECK(names.insert(m.name).second);
    CHECK(hashes.insert(m.sha256).second);  // distinct tables
    CHECK(m.name.rfind("bw_", 0) == 0);
    CHECK(m.source == "builtin generator");
    CHECK(m.library == "builtin");
    CHECK_FALSE(m.family.empty());
    CHECK((m.family == "exact" || !m.params.empty()));
    CHECK(m.netlist);
    const auto e = axevo::compute_error_metrics(*m.table);
    max_mae_pct = std::max(max_mae_pct, e.mae_pct);
    min_mae_pct = std::min(min_mae_pct, e.mae_pct);
  }
  CHECK(min_mae_pct == 0);
  CHECK(max_mae_pct >= 2.0);
  WARN("builtin: " << lib.multipliers.size() << " multipliers, MAE% " << min_mae_pct << " .. " << max_mae_pct);
}

TEST_CASE("builtin: every family has several members", "[builtin]") {
  std::map<std::string, int> per_family;
  int corrected = 0;
  for (const auto& m : builtin_library().multipliers) {
    ++per_family[m.family];
    if (m.family == "truncation" && m.params.find("correction=") != std::string::npos) ++corrected;
  }
  CHECK(per_family["exact"] == 1);
  CHECK(per_family["truncation"] >= 15);
  CHECK(corrected >= 5);
  CHECK(per_family["broken_array"] >= 5);
  CHECK(per_family["perforation"] >= 5);
  CHECK(per_family["approximate_adders"] >= 5);
  std::set<std::string> cells;
  for (const auto& m : builtin_library().multipliers)
    if (m.family == "approximate_adders") cells.insert(m.name.substr(0, m.name.find("_k")));
  CHECK(cells == std::set<std::string>{"bw_ama2", "bw_ama5", "bw_loa"});
}

TEST_CASE("builtin: each netlist evaluates to its table", "[builtin]") {
  for (const auto& m : builtin_library().multipliers) {
    INFO(m.name);
    REQUIRE(m.netlist);
    const auto values = axevo::evaluate_netlist(*m.netlist);
    CHECK(std::equal(values.begin(), values.end(), m.table->begin()));
  }
}

TEST_CASE("builtin: truncation, broken array and perforation match the arithmetic of their bits", "[builtin]") {
  int checked = 0;
  for (const auto& m : builtin_library().multipliers) {
    const auto p = parse_params(m.params);
    axevo::Table ref;
    if (m.family == "truncation") {
      const int k = p.at("k");
      const uint32_t corr = p.count("correction") ? static_cast<uint32_t>(p.at("correction")) : 0u;
      ref = reference_table([k](int i, int j) { return i + j >= k; }, 0x8100u + corr);
    } else if (m.family == "broken_array") {
      const int h = p.at("hbl"), v = p.at("vbl");
      ref = reference_table([h, v](int i, int j) { return j >= h && i + j >= v; }, 0x8100u);
    } else if (m.family == "perforation") {
      const int r = p.at("start_row"), n = p.at("rows");
      ref = reference_table([r, n](int, int j) { return j < r || j >= r + n; }, 0x8100u);
    } else {
      continue;
    }
    INFO(m.name << " " << m.params);
    CHECK(*m.table == ref);
    ++checked;
  }
  CHECK(checked >= 30);
}

TEST_CASE("builtin: truncation error grows with k and the correction removes the bias", "[builtin]") {
  double prev = -1;
  for (int k = 1; k <= 10; ++k) {
    const auto e = axevo::compute_error_metrics(*get("bw_trunc_k" + std::to_string(k)).table);
    INFO("k=" << k);
    CHECK(e.mae > prev);
    prev = e.mae;
    CHECK(e.mean_error < 0);  // dropped bits are never negative
    if (k >= 2) {
      const auto c = axevo::compute_error_metrics(*get("bw_trunc_k" + std::to_string(k) + "_c").table);
      CHECK(c.mae <= e.mae);
      CHECK(std::abs(c.mean_error) <= 0.5);
    }
  }
  CHECK(prev / 65536 * 100 >= 2.0);  // the sweep reaches past 2% MAE
  for (const char* cell : {"ama2", "ama5", "loa"}) {
    double last = -1;
    for (int k = 4; k <= 12; k += 2) {
      const auto e = axevo::compute_error_metrics(*get(std::string("bw_") + cell + "_k" + std::to_string(k)).table);
      INFO(cell << " k=" << k);
      CHECK(e.mae > last);
      last = e.mae;
    }
  }
}

TEST_CASE("builtin: truncated arrays reproduce EvoApprox 1KVA, 1KVB and 1KX2 exactly", "[builtin]") {
  // The three mildest EvoApprox signed circuits are the Baugh-Wooley array with the 2, 3
  // and 4 low columns truncated: same table, same cell counts (cells.csv).
  const std::filesystem::path dir = std::filesystem::path(AXEVO_SHARED_DIR) / "evoapprox";
  const std::vector<std::pair<std::string, std::string>> same = {
      {"mul8s_1KV8", "bw_exact"}, {"mul8s_1KVA", "bw_trunc_k2"}, {"mul8s_1KVB", "bw_trunc_k3"}, {"mul8s_1KX2", "bw_trunc_k4"}};
  std::map<std::string, std::string> cells_row;
  {
    std::ifstream in(dir / "cells.csv");
    REQUIRE(in);
    std::string line;
    std::getline(in, line);
    REQUIRE(line.rfind("name,half_adders,full_adders,and2,nand2,", 0) == 0);
    while (std::getline(in, line)) cells_row[line.substr(0, line.find(','))] = line;
  }
  for (const auto& [evo, ours] : same) {
    INFO(evo << " vs " << ours);
    const auto t = read_bin(dir / (evo + ".bin"));
    const auto& m = get(ours);
    CHECK(std::equal(t.begin(), t.end(), m.table->begin()));
    const auto c = axevo::estimate_cost(*m.netlist);
    std::stringstream ss(cells_row.at(evo));
    std::string name, ha, fa, and2, nand2;
    std::getline(ss, name, ',');
    std::getline(ss, ha, ',');
    std::getline(ss, fa, ',');
    std::getline(ss, and2, ',');
    std::getline(ss, nand2, ',');
    CHECK(c.cell_counts[static_cast<int>(axevo::Cell::HA)] == std::stoi(ha));
    CHECK(c.cell_counts[static_cast<int>(axevo::Cell::FA)] == std::stoi(fa));
    CHECK(c.cell_counts[static_cast<int>(axevo::Cell::AND2)] == std::stoi(and2));
    CHECK(c.cell_counts[static_cast<int>(axevo::Cell::NAND2)] == std::stoi(nand2));
    CHECK(c.total_cells == std::stoi(ha) + std::stoi(fa) + std::stoi(and2) + std::stoi(nand2));
  }
}

TEST_CASE("builtin: the library takes no argument", "[builtin]") {
  try {
    axevo::load_multiplier_library("builtin:extra", axevo::PluginSearchPath::standard({AXEVO_PLUGIN_DIR}));
    FAIL("builtin:extra was accepted");
  } catch (const axevo::Error& e) {
    const std::string msg = e.what();
    INFO(msg);
    CHECK(msg.find("takes no argument") != std::string::npos);
    CHECK(msg.find("extra") != std::string::npos);
  }
}

TEST_CASE("builtin: loading the whole library is fast", "[builtin]") {
  const auto t0 = std::chrono::steady_clock::now();
  const auto lib = axevo::load_multiplier_library("builtin", axevo::PluginSearchPath::standard({AXEVO_PLUGIN_DIR}));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  WARN("builtin: loaded " << lib.multipliers.size() << " multipliers in " << seconds << " s");
  CHECK(seconds < 10.0);  // about 0.2 s in Release; generous for sanitizer builds
}
