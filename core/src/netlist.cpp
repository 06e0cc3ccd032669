#include "axevo/netlist.hpp"

#include <algorithm>
#include <queue>

#include "axevo/error.hpp"

namespace axevo {

namespace {
struct CellInfo {
  std::string_view name;
  int inputs;
  int outputs;
};
constexpr CellInfo kCells[kCellCount] = {
    {"AND2", 2, 1},  {"OR2", 2, 1},   {"NAND2", 2, 1}, {"NOR2", 2, 1},  {"XOR2", 2, 1},
    {"XNOR2", 2, 1}, {"INV", 1, 1},   {"BUF", 1, 1},   {"NAND3", 3, 1}, {"NOR3", 3, 1},
    {"AOI21", 3, 1}, {"OAI21", 3, 1}, {"MUX2", 3, 1},  {"HA", 2, 2},    {"FA", 3, 2},
    {"AND3", 3, 1},  {"OR3", 3, 1},
};

std::string module_label(const Netlist& n) { return n.module_name.empty() ? "netlist" : "module " + n.module_name; }
}  // namespace

std::string_view cell_name(Cell c) { return kCells[static_cast<int>(c)].name; }
int cell_inputs(Cell c) { return kCells[static_cast<int>(c)].inputs; }
int cell_outputs(Cell c) { return kCells[static_cast<int>(c)].outputs; }

uint32_t Netlist::add_gate(Cell cell, uint32_t in0, uint32_t in1, uint32_t in2) {
  Gate g;
  g.cell = cell;
  g.in = {in0, in1, in2};
  const uint32_t first = num_nets;
  for (int i = 0; i < cell_outputs(cell); ++i) g.out[i] = add_net();
  gates.push_back(std::move(g));
  return first;
}

std::string Netlist::net_label(uint32_t net) const {
  if (net < net_names.size() && !net_names[net].empty()) return net_names[net];
  if (net == kNetConst0) return "1'b0";
  if (net == kNetConst1) return "1'b1";
  if (net >= kNetA0 && net < kNetA0 + 8) return "A[" + std::to_string(net - kNetA0) + "]";
  if (net >= kNetB0 && net < kNetB0 + 8) return "B[" + std::to_string(net - kNetB0) + "]";
  if (net == kNoNet) return "(unconnected)";
  return "n" + std::to_string(net);
}

void topological_sort(Netlist& n) {
  const std::size_t G = n.gates.size();
  std::vector<int64_t> driver(n.num_nets, -1);  // gate index driving each net, -2 = primary
  for (uint32_t p = 0; p < kNetFirstInternal && p < n.num_nets; ++p) driver[p] = -2;
  for (std::size_t g = 0; g < G; ++g) {
    const Gate& gate = n.gates[g];
    for (int o = 0; o < cell_outputs(gate.cell); ++o) {
      const uint32_t net = gate.out[o];
      if (net == kNoNet) continue;  // an unused output (e.g. a carry nobody reads)
      if (net >= n.num_nets) throw Error(module_label(n) + ": gate drives net index out of range");
      if (driver[net] == -2)
        throw Error(module_label(n) + ": gate " + (gate.instance.empty() ? std::string(cell_name(gate.cell)) : gate.instance) +
                    " drives input or constant " + n.net_label(net));
      if (driver[net] >= 0)
        throw Error(module_label(n) + ": net " + n.net_label(net) + " has two drivers");
      driver[net] = static_cast<int64_t>(g);
    }
  }
  auto gate_label = [&](std::size_t g) {
    const Gate& gate = n.gates[g];
    return (gate.instance.empty() ? std::string(cell_name(gate.cell)) : gate.instance);
  };
  // Kahn's algorithm, ties by original order so the result is deterministic.
  std::vector<std::vector<uint32_t>> users(G);
  std::vector<int> pending(G, 0);
  for (std::size_t g = 0; g < G; ++g) {
    const Gate& gate = n.gates[g];
    for (int i = 0; i < cell_inputs(gate.cell); ++i) {
      const uint32_t net = gate.in[i];
      if (net == kNoNet || net >= n.num_nets)
        throw Error(module_label(n) + ": input " + std::to_string(i) + " of gate " + gate_label(g) + " is not connected");
      if (driver[net] == -1)
        throw Error(module_label(n) + ": net " + n.net_label(net) + " (read by " + gate_label(g) + ") is undriven");
      if (driver[net] >= 0) {
        users[static_cast<std::size_t>(driver[net])].push_back(static_cast<uint32_t>(g));
        ++pending[g];
      }
    }
  }
  for (int o = 0; o < 16; ++o) {
    const uint32_t net = n.outputs[o];
    if (net == kNoNet || net >= n.num_nets)
      throw Error(module_label(n) + ": output bit O[" + std::to_string(o) + "] is not connected");
    if (driver[net] == -1)
      throw Error(module_label(n) + ": output bit O[" + std::to_string(o) + "] (net " + n.net_label(net) + ") is undriven");
  }
  std::priority_queue<uint32_t, std::vector<uint32_t>, std::greater<>> ready;
  for (std::size_t g = 0; g < G; ++g)
    if (pending[g] == 0) ready.push(static_cast<uint32_t>(g));
  std::vector<uint32_t> order;
  order.reserve(G);
  while (!ready.empty()) {
    const uint32_t g = ready.top();
    ready.pop();
    order.push_back(g);
    for (uint32_t u : users[g])
      if (--pending[u] == 0) ready.push(u);
  }
  if (order.size() != G) {
    // Name the nets on the loop: walk from a stuck gate through stuck drivers.
    std::vector<char> stuck(G, 0);
    for (std::size_t g = 0; g < G; ++g) stuck[g] = pending[g] > 0;
    std::size_t g = 0;
    while (!stuck[g]) ++g;
    std::vector<int> seen(G, -1);
    std::vector<uint32_t> path;
    while (seen[g] < 0) {
      seen[g] = static_cast<int>(path.size());
      path.push_back(static_cast<uint32_t>(g));
      const Gate& gate = n.gates[g];
      for (int i = 0; i < cell_inputs(gate.cell); ++i) {
        const int64_t d = driver[gate.in[i]];
        if (d >= 0 && stuck[static_cast<std::size_t>(d)]) {
          g = static_cast<std::size_t>(d);
          break;
        }
      }
    }
    std::string loop;
    for (std::size_t k = static_cast<std::size_t>(seen[g]); k < path.size(); ++k) {
      if (!loop.empty()) loop += " <- ";
      loop += gate_label(path[k]);
    }
    throw Error(module_label(n) + ": combinational loop through " + loop);
  }
  std::vector<Gate> sorted;
  sorted.reserve(G);
  for (uint32_t g : order) sorted.push_back(std::move(n.gates[g]));
  n.gates = std::move(sorted);
}

std::vector<int16_t> evaluate_netlist(const Netlist& input) {
  Netlist n = input;
  topological_sort(n);
  constexpr std::size_t W = 1024;  // 65536 patterns / 64 bits
  // pattern p = (a_byte << 8) | b_byte; bit p%64 of word p/64.
  std::vector<uint64_t> v(static_cast<std::size_t>(n.num_nets) * W, 0);
  auto net = [&](uint32_t id) { return v.data() + static_cast<std::size_t>(id) * W; };
  std::fill_n(net(kNetConst1), W, ~uint64_t{0});
  for (std::size_t w = 0; w < W; ++w) {
    for (int bit = 0; bit < 64; ++bit) {
      const std::size_t p = w * 64 + static_cast<std::size_t>(bit);
      const unsigned a = static_cast<unsigned>(p >> 8), b = static_cast<unsigned>(p & 0xff);
      for (int i = 0; i < 8; ++i) {
        net(kNetA0 + i)[w] |= static_cast<uint64_t>((a >> i) & 1u) << bit;
        net(kNetB0 + i)[w] |= static_cast<uint64_t>((b >> i) & 1u) << bit;
      }
    }
  }
  for (const Gate& g : n.gates) {
    const uint64_t* x = net(g.in[0]);
    const uint64_t* y = cell_inputs(g.cell) > 1 ? net(g.in[1]) : x;
    const uint64_t* z = cell_inputs(g.cell) > 2 ? net(g.in[2]) : x;
    uint64_t* o0 = g.out[0] == kNoNet ? nullptr : net(g.out[0]);
    uint64_t* o1 = (cell_outputs(g.cell) > 1 && g.out[1] != kNoNet) ? net(g.out[1]) : nullptr;
    for (std::size_t w = 0; w < W; ++w) {
      const uint64_t a = x[w], b = y[w], c = z[w];
      uint64_t r0, r1;
      eval_cell_bits(g.cell, a, b, c, r0, r1);
      if (o0) o0[w] = r0;
      if (o1) o1[w] = r1;
    }
  }
  std::vector<int16_t> table(65536, 0);
  for (int bit = 0; bit < 16; ++bit) {
    const uint64_t* o = net(n.outputs[bit]);
    for (std::size_t p = 0; p < 65536; ++p)
      if ((o[p / 64] >> (p % 64)) & 1u)
        table[p] = static_cast<int16_t>(static_cast<uint16_t>(table[p]) | (1u << bit));
  }
  return table;
}

Netlist netlist_from_abi(const axevo_netlist& abi) {
  Netlist n;
  n.module_name = abi.module_name ? abi.module_name : "";
  n.num_nets = abi.num_nets;
  if (n.num_nets < kNetFirstInternal) throw Error("netlist: num_nets is smaller than the 18 primary nets");
  n.gates.reserve(abi.num_gates);
  for (uint32_t i = 0; i < abi.num_gates; ++i) {
    const axevo_gate& a = abi.gates[i];
    if (a.cell >= static_cast<uint32_t>(kCellCount))
      throw Error("netlist: gate " + std::to_string(i) + " has unknown cell code " + std::to_string(a.cell));
    Gate g;
    g.cell = static_cast<Cell>(a.cell);
    for (int k = 0; k < 3; ++k) g.in[k] = k < cell_inputs(g.cell) ? a.in[k] : kNoNet;
    for (int k = 0; k < 2; ++k) g.out[k] = k < cell_outputs(g.cell) ? a.out[k] : kNoNet;
    n.gates.push_back(g);
  }
  for (int o = 0; o < 16; ++o) n.outputs[o] = abi.outputs[o];
  return n;
}

AbiNetlist netlist_to_abi(const Netlist& n) {
  AbiNetlist r;
  r.gates.reserve(n.gates.size());
  for (const Gate& g : n.gates) {
    axevo_gate a{};
    a.cell = static_cast<uint32_t>(g.cell);
    for (int k = 0; k < 3; ++k) a.in[k] = g.in[k];
    for (int k = 0; k < 2; ++k) a.out[k] = g.out[k];
    r.gates.push_back(a);
  }
  r.view.num_nets = n.num_nets;
  r.view.num_gates = static_cast<uint32_t>(r.gates.size());
  r.view.gates = r.gates.data();
  for (int o = 0; o < 16; ++o) r.view.outputs[o] = n.outputs[o];
  r.view.module_name = n.module_name.c_str();
  return r;
}

}  // namespace axevo
