// Load-time graph passes: topological check, constant folding, BatchNormalization folding,
// Identity/Dropout removal.
#include <cmath>
#include <map>
#include <set>

#include "axevo/error.hpp"
#include "axevo/executor.hpp"
#include "axevo/graph.hpp"

namespace axevo {

namespace {

std::string describe(const Graph& g, std::size_t k) { return "node '" + g.node_name(k) + "' (" + g.nodes[k].op_type + ")"; }

std::map<std::string, int> use_counts(const Graph& g) {
  std::map<std::string, int> uses;
  for (const auto& n : g.nodes)
    for (const auto& i : n.inputs)
      if (!i.empty()) ++uses[i];
  for (const auto& o : g.outputs) ++uses[o];
  return uses;
}

bool is_graph_output(const Graph& g, const std::string& v) {
  for (const auto& o : g.outputs)
    if (o == v) return true;
  return false;
}

}  // namespace

void check_graph(Graph& g, const std::string& file) {
  std::set<std::string> defined;
  for (const auto& in : g.inputs) defined.insert(in.name);
  for (const auto& [name, t] : g.initializers) defined.insert(name);
  // Kahn's algorithm that keeps the file's order whenever it is already topological.
  std::vector<Node> ordered;
  std::vector<bool> done(g.nodes.size(), false);
  std::set<std::string> produced_by_nodes;
  for (const auto& n : g.nodes)
    for (const auto& o : n.outputs)
      if (!o.empty()) {
        if (defined.count(o) || !produced_by_nodes.insert(o).second)
          throw Error(file, 0, "the value '" + o + "' is defined twice (graph is inconsistent)");
      }
  std::vector<std::size_t> order;
  bool progress = true;
  while (order.size() < g.nodes.size() && progress) {
    progress = false;
    for (std::size_t k = 0; k < g.nodes.size(); ++k) {
      if (done[k]) continue;
      bool ready = true;
      for (const auto& i : g.nodes[k].inputs)
        if (!i.empty() && !defined.count(i)) ready = false;
      if (!ready) continue;
      done[k] = true;
      progress = true;
      order.push_back(k);
      for (const auto& o : g.nodes[k].outputs)
        if (!o.empty()) defined.insert(o);
    }
  }
  if (order.size() < g.nodes.size()) {
    for (std::size_t k = 0; k < g.nodes.size(); ++k) {
      if (done[k]) continue;
      for (const auto& i : g.nodes[k].inputs)
        if (!i.empty() && !defined.count(i) && !produced_by_nodes.count(i))
          throw Error(file, 0, describe(g, k) + ": input '" + i + "' is not defined by any node, graph input or initializer");
      throw Error(file, 0, describe(g, k) + " is part of a cycle (graph is inconsistent)");
    }
  }
  for (const auto& o : g.outputs)
    if (!defined.count(o)) throw Error(file, 0, "graph output '" + o + "' is not computed by any node");
  std::vector<Node> nodes;
  nodes.reserve(order.size());
  // Keep generated names stable: name unnamed nodes after their position in the file.
  for (std::size_t k : order) {
    Node n = std::move(g.nodes[k]);
    if (n.name.empty()) n.name = n.op_type + "_" + std::to_string(k);
    nodes.push_back(std::move(n));
  }
  g.nodes = std::move(nodes);
}

void remove_identities(Graph& g) {
  std::map<std::string, std::string> rename;
  std::vector<Node> kept;
  for (auto& n : g.nodes) {
    for (auto& i : n.inputs) {
      auto it = rename.find(i);
      if (it != rename.end()) i = it->second;
    }
    const bool identity = n.op_type == "Identity" || (n.op_type == "Dropout" && (n.outputs.size() < 2 || n.outputs[1].empty()) &&
                                                      (n.inputs.size() < 3 || n.inputs[2].empty()));
    if (identity && n.inputs.size() >= 1 && !n.inputs[0].empty() && !n.outputs.empty() && !is_graph_output(g, n.outputs[0])) {
      rename[n.outputs[0]] = n.inputs[0];
      continue;
    }
    kept.push_back(std::move(n));
  }
  g.nodes = std::move(kept);
}

void fold_constants(Graph& g) {
  std::vector<Node> kept;
  for (auto& n : g.nodes) {
    bool constant = true;
    std::vector<const Tensor*> in;
    for (const auto& i : n.inputs) {
      if (i.empty()) {
        in.push_back(nullptr);
        continue;
      }
      auto it = g.initializers.find(i);
      if (it == g.initializers.end()) {
        constant = false;
        break;
      }
      in.push_back(&it->second);
    }
    if (constant) {
      try {
        auto out = evaluate_node(n, g.opset, in);
        for (std::size_t k = 0; k < n.outputs.size(); ++k)
          if (!n.outputs[k].empty()) g.initializers[n.outputs[k]] = std::move(out[k]);
        continue;
      } catch (const Error&) {
        // Not evaluable (e.g. unsupported): validation reports it.
      }
    }
    kept.push_back(std::move(n));
  }
  g.nodes = std::move(kept);
  // Drop initializers nothing uses any more (folded chains).
  const auto uses = use_counts(g);
  std::set<std::string> inputs;
  for (const auto& in : g.inputs) inputs.insert(in.name);
  for (auto it = g.initializers.begin(); it != g.initializers.end();)
    it = uses.count(it->first) || inputs.count(it->first) ? std::next(it) : g.initializers.erase(it);
}

void fold_static_shapes(Graph& g) {
  bool any_shape = false;
  for (const auto& n : g.nodes) any_shape = any_shape || n.op_type == "Shape";
  if (!any_shape) return;
  std::map<std::string, Tensor> values;
  for (const auto& in : g.inputs) {
    if (g.initializers.count(in.name)) continue;
    for (int64_t d : in.shape)
      if (d < 0) return;  // dynamic: the chains run at run time
    values[in.name] = Tensor(in.dtype, in.shape);
  }
  std::size_t last_shape = 0;
  for (std::size_t k = 0; k < g.nodes.size(); ++k)
    if (g.nodes[k].op_type == "Shape") last_shape = k;
  std::map<std::string, Tensor> folded;
  try {
    for (std::size_t k = 0; k <= last_shape; ++k) {
      const Node& n = g.nodes[k];
      std::vector<const Tensor*> in;
      for (const auto& i : n.inputs) {
        if (i.empty()) {
          in.push_back(nullptr);
          continue;
        }
        auto v = values.find(i);
        auto c = g.initializers.find(i);
        if (v != values.end()) in.push_back(&v->second);
        else if (c != g.initializers.end()) in.push_back(&c->second);
        else return;
      }
      auto out = evaluate_node(n, g.opset, in);
      for (std::size_t o = 0; o < n.outputs.size(); ++o)
        if (!n.outputs[o].empty()) {
          if (n.op_type == "Shape") folded[n.outputs[o]] = out[o];
          values[n.outputs[o]] = std::move(out[o]);
        }
    }
  } catch (const Error&) {
    return;  // something unsupported: leave the graph as it is, validation reports it
  }
  std::vector<Node> kept;
  for (auto& n : g.nodes) {
    if (n.op_type == "Shape" && !n.outputs.empty() && folded.count(n.outputs[0])) {
      g.initializers[n.outputs[0]] = folded[n.outputs[0]];
      continue;
    }
    kept.push_back(std::move(n));
  }
  g.nodes = std::move(kept);
}

void fold_batch_norm(Graph& g) {
  const auto uses = use_counts(g);
  std::map<std::string, std::size_t> producer;
  for (std::size_t k = 0; k < g.nodes.size(); ++k)
    for (const auto& o : g.nodes[k].outputs) producer[o] = k;
  auto constant = [&](const std::string& name) -> const Tensor* {
    auto it = g.initializers.find(name);
    return it == g.initializers.end() || it->second.dtype != DType::Float32 ? nullptr : &it->second;
  };
  std::vector<bool> removed(g.nodes.size(), false);
  for (std::size_t k = 0; k < g.nodes.size(); ++k) {
    Node& bn = g.nodes[k];
    if (bn.op_type != "BatchNormalization" || bn.inputs.size() != 5 || bn.outputs.size() != 1) continue;
    if (bn.has("training_mode") && bn.attributes.at("training_mode").i != 0) continue;
    auto pit = producer.find(bn.inputs[0]);
    if (pit == producer.end() || uses.at(bn.inputs[0]) != 1) continue;
    Node& p = g.nodes[pit->second];
    const bool conv = p.op_type == "Conv";
    if (!conv && p.op_type != "Gemm") continue;
    const Tensor *scale = constant(bn.inputs[1]), *beta = constant(bn.inputs[2]), *mean = constant(bn.inputs[3]), *var = constant(bn.inputs[4]);
    if (!scale || !beta || !mean || !var || p.inputs.size() < 2) continue;
    const Tensor* w = constant(p.inputs[1]);
    const bool has_bias = p.inputs.size() > 2 && !p.inputs[2].empty();
    const Tensor* b = has_bias ? constant(p.inputs[2]) : nullptr;
    if (!w || (has_bias && !b)) continue;
    const float eps = bn.has("epsilon") ? bn.attributes.at("epsilon").f : 1e-5f;
    Tensor w2 = *w;
    int64_t channels = 0;
    bool trans_b = false;
    float beta_g = 1;
    if (conv) {
      if (w->rank() < 3) continue;
      channels = w->shape[0];
    } else {
      if (w->rank() != 2) continue;
      trans_b = p.has("transB") && p.attributes.at("transB").i != 0;
      if (p.has("transA") && p.attributes.at("transA").i != 0) continue;
      beta_g = p.has("beta") ? p.attributes.at("beta").f : 1.0f;
      channels = trans_b ? w->shape[0] : w->shape[1];
      if (b && b->numel() != channels) continue;  // only per-channel Gemm biases
    }
    if (scale->numel() != channels || beta->numel() != channels || mean->numel() != channels || var->numel() != channels) continue;
    if (conv && b && b->numel() != channels) continue;
    std::vector<float> s(static_cast<std::size_t>(channels));
    for (int64_t c = 0; c < channels; ++c) s[static_cast<std::size_t>(c)] = scale->f()[c] / std::sqrt(var->f()[c] + eps);
    Tensor b2 = Tensor::from_floats({channels}, std::vector<float>(static_cast<std::size_t>(channels)));
    for (int64_t c = 0; c < channels; ++c) {
      const float bias = b ? (conv ? b->f()[c] : beta_g * b->f()[c]) : 0.0f;
      b2.f()[c] = (bias - mean->f()[c]) * s[static_cast<std::size_t>(c)] + beta->f()[c];
    }
    if (conv) {
      const int64_t per = w->numel() / channels;
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t k2 = 0; k2 < per; ++k2) w2.f()[c * per + k2] *= s[static_cast<std::size_t>(c)];
    } else {
      const int64_t rows = w->shape[0], cols = w->shape[1];
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) w2.f()[r * cols + c] *= s[static_cast<std::size_t>(trans_b ? r : c)];
      // alpha still scales A·W'; the folded bias (which includes beta·C) is added with beta = 1.
      if (p.has("beta")) p.attributes["beta"].f = 1.0f;
    }
    const std::string wname = p.inputs[1] + "/bn_folded", bname = (has_bias ? p.inputs[2] : p.inputs[1] + "/bias") + "/bn_folded";
    g.initializers[wname] = std::move(w2);
    g.initializers[bname] = std::move(b2);
    p.inputs[1] = wname;
    if (p.inputs.size() < 3) p.inputs.resize(3);
    p.inputs[2] = bname;
    p.outputs[0] = bn.outputs[0];
    removed[k] = true;
  }
  std::vector<Node> kept;
  for (std::size_t k = 0; k < g.nodes.size(); ++k)
    if (!removed[k]) kept.push_back(std::move(g.nodes[k]));
  g.nodes = std::move(kept);
  const auto after = use_counts(g);
  for (auto it = g.initializers.begin(); it != g.initializers.end();)
    it = after.count(it->first) ? std::next(it) : g.initializers.erase(it);
}

}  // namespace axevo
