#pragma once
// The builtin library: the exact Baugh-Wooley array multiplier and published approximation
// families over it, each with a parameter sweep.  Every design is an ArraySpec for the one
// generator in baugh_wooley.hpp; the families only choose partial-product bits, the
// constant word and the cells of the low columns.
//
//   bw_exact            exact modified Baugh-Wooley array (15 HA, 49 FA, 50 AND2, 14 NAND2)
//   bw_trunc_kK         truncation: the partial-product bits of the K low columns are not
//                       generated (K = 1..10); their adders disappear with them
//   bw_trunc_kK_c       the same plus a constant correction: the expected value of the
//                       dropped bits for uniformly random operands (1/4 per AND2 bit, 3/4 per
//                       NAND2 bit, times 2^column), rounded to the nearest integer
//                       (std::lround), is added to the Baugh-Wooley constant word
//   bw_bam_hH_vV        broken-array multiplier (Mahdiani et al., "Bio-inspired imprecise
//                       computational blocks for efficient VLSI implementation of soft-computing
//                       applications", IEEE TCAS-I 57(4), 2010): the cells of the rows above
//                       the horizontal break level (rows j < H, i.e. multiplier bits b_0..b_H-1)
//                       and of the columns right of the vertical break level (columns < V) are
//                       omitted; pp(i,j) exists iff j >= H and i + j >= V
//   bw_perf_rJ_mM       partial-product perforation (Zervakis et al., "Design-efficient
//                       approximate multiplication circuits through partial product
//                       perforation", IEEE TVLSI 24(10), 2016): the M consecutive rows
//                       J..J+M-1 (multiplier bits b_J..) are not generated
//   bw_ama2_kK,         approximate full adders in the K least significant columns (Gupta
//   bw_ama5_kK          et al., "Low-power digital signal processing using approximate adders",
//                       IEEE TCAD 32(1), 2013): approximate mirror adders 2 and 5 as logic
//   bw_loa_kK           lower-part OR (the LOA of Mahdiani et al. 2010 applied to the array
//                       cells): in the K low columns every adder is an OR gate without carry
//
// Designs whose tables coincide are reported once, under the first name in this order.
#include <string>
#include <vector>

#include "baugh_wooley.hpp"

namespace axevo::builtin {

struct Design {
  std::string name;    // e.g. "bw_trunc_k4_c"
  std::string family;  // "exact", "truncation", "broken_array", "perforation", "approximate_adders"
  std::string params;  // e.g. "k=4,correction=51"
  ArraySpec spec;
};

// Every design of the sweeps, in report order (tables may repeat).
std::vector<Design> builtin_designs();

struct BuiltinMultiplier {
  Design design;
  Netlist netlist;
  std::vector<int16_t> table;  // evaluate_netlist(netlist)
};

// Builds and evaluates every design and keeps the first of each distinct table.
std::vector<BuiltinMultiplier> generate_builtin_library();

}  // namespace axevo::builtin
