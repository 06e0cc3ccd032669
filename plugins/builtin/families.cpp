#include "families.hpp"

#include <cmath>
#include <cstring>
#include <set>
#include <string>

namespace axevo::builtin {

namespace {

// Keeps pp(i,j) iff pred(i, j).
template <class Pred>
ArraySpec keep_if(Pred pred) {
  ArraySpec s = ArraySpec::exact();
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j) s.keep[i][j] = pred(i, j);
  return s;
}

// Expected value of the partial-product bits a spec drops, for independent uniformly random
// operand bits: an AND2 bit is 1 with probability 1/4, a NAND2 bit with 3/4.
double expected_dropped_value(const ArraySpec& s) {
  double e = 0;
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j)
      if (!s.keep[i][j]) e += std::ldexp(is_nand_term(i, j) ? 0.75 : 0.25, i + j);
  return e;
}

const char* cell_label(ApproxCell c) {
  switch (c) {
    case ApproxCell::AMA2: return "ama2";
    case ApproxCell::AMA5: return "ama5";
    case ApproxCell::OR: return "loa";
    case ApproxCell::None: break;
  }
  return "exact";
}

}  // namespace

std::vector<Design> builtin_designs() {
  std::vector<Design> d;
  d.push_back({"bw_exact", "exact", "", ArraySpec::exact()});

  // 1. Truncation of the k low columns, without and with constant correction.
  for (int k = 1; k <= 10; ++k) {
    const ArraySpec s = keep_if([k](int i, int j) { return i + j >= k; });
    d.push_back({"bw_trunc_k" + std::to_string(k), "truncation", "k=" + std::to_string(k), s});
  }
  for (int k = 1; k <= 10; ++k) {
    ArraySpec s = keep_if([k](int i, int j) { return i + j >= k; });
    const long correction = std::lround(expected_dropped_value(s));
    s.constant = static_cast<uint32_t>((s.constant + static_cast<uint32_t>(correction)) & 0xffffu);
    d.push_back({"bw_trunc_k" + std::to_string(k) + "_c", "truncation",
                 "k=" + std::to_string(k) + ",correction=" + std::to_string(correction), s});
  }

  // 2. Broken-array multiplier over a grid of (HBL, VBL).  HBL = 0 is plain truncation and
  // VBL <= HBL cuts nothing more than HBL alone (perforation from row 0), so both are left out.
  for (int h = 1; h <= 3; ++h)
    for (int v = h + 2; v <= 10; v += 2) {
      const ArraySpec s = keep_if([h, v](int i, int j) { return j >= h && i + j >= v; });
      d.push_back({"bw_bam_h" + std::to_string(h) + "_v" + std::to_string(v), "broken_array",
                   "hbl=" + std::to_string(h) + ",vbl=" + std::to_string(v), s});
    }

  // 3. Partial-product perforation: rows r .. r+m-1 skipped.
  for (int r = 0; r <= 4; ++r)
    for (int m = 1; m <= 3 && r + m <= 5; ++m) {
      const ArraySpec s = keep_if([r, m](int, int j) { return j < r || j >= r + m; });
      d.push_back({"bw_perf_r" + std::to_string(r) + "_m" + std::to_string(m), "perforation",
                   "start_row=" + std::to_string(r) + ",rows=" + std::to_string(m), s});
    }

  // 4. Approximate adder cells in the k least significant columns.
  for (ApproxCell cell : {ApproxCell::AMA2, ApproxCell::AMA5, ApproxCell::OR})
    for (int k = 4; k <= 12; k += 2) {
      ArraySpec s = ArraySpec::exact();
      s.approx_cell = cell;
      s.approx_columns = k;
      d.push_back({std::string("bw_") + cell_label(cell) + "_k" + std::to_string(k), "approximate_adders",
                   std::string("cell=") + cell_label(cell) + ",columns=" + std::to_string(k), s});
    }
  return d;
}

std::vector<BuiltinMultiplier> generate_builtin_library() {
  std::vector<BuiltinMultiplier> out;
  std::set<std::string> seen;  // table bytes
  for (Design& design : builtin_designs()) {
    BuiltinMultiplier m;
    m.netlist = build_baugh_wooley(design.spec, design.name);
    m.table = evaluate_netlist(m.netlist);
    std::string key(m.table.size() * sizeof(int16_t), '\0');
    std::memcpy(key.data(), m.table.data(), key.size());
    if (!seen.insert(std::move(key)).second) continue;
    m.design = std::move(design);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace axevo::builtin
