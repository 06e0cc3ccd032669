#include "axevo/executor.hpp"

#include <set>
#include <unordered_map>

#include "axevo/error.hpp"
#include "ops/op.hpp"

namespace axevo {

struct Executor::Impl {
  Graph graph;
  struct Step {
    std::size_t node = 0;  // index in graph.nodes
    std::unique_ptr<ops::Op> op;
    std::vector<int> inputs;   // value ids, -1 = absent
    std::vector<int> outputs;  // value ids, -1 = unused
    std::vector<int> release;  // values no longer needed after this step
  };
  std::vector<Step> steps;
  std::vector<std::string> value_names;
  std::vector<const Tensor*> constants;  // by value id, null when computed
  std::vector<std::pair<std::string, int>> inputs, outputs;
  std::vector<std::string> layer_names;  // by slot
  std::vector<std::size_t> layer_nodes;  // by slot
  std::vector<MatMulKernel> kernels;     // by slot
  std::vector<QuantizedKernel> qkernels; // by slot
  Executor::LayerInputObserver observer;

  void compile();
  void fold_relus();
  std::vector<Tensor> execute(const std::map<std::string, Tensor>& given, std::vector<LayerInfo>* trace,
                              const StatePtr& start = nullptr, const std::function<void(const StatePtr&)>* save = nullptr) const;
};

void Executor::Impl::compile() {
  std::unordered_map<std::string, int> ids;
  auto id_of = [&](const std::string& name) {
    auto it = ids.find(name);
    if (it != ids.end()) return it->second;
    const int id = static_cast<int>(value_names.size());
    ids.emplace(name, id);
    value_names.push_back(name);
    constants.push_back(nullptr);
    return id;
  };
  for (const auto& [name, t] : graph.initializers) constants[static_cast<std::size_t>(id_of(name))] = &t;
  for (const auto& in : graph.inputs) inputs.emplace_back(in.name, id_of(in.name));
  for (std::size_t k = 0; k < graph.nodes.size(); ++k) {
    const Node& n = graph.nodes[k];
    Step s;
    s.node = k;
    s.op = ops::compile_node(n, graph.node_name(k), graph.opset, &graph.initializers);
    for (const auto& i : n.inputs) s.inputs.push_back(i.empty() ? -1 : id_of(i));
    for (const auto& o : n.outputs) s.outputs.push_back(o.empty() ? -1 : id_of(o));
    if (s.op->approximable()) {
      s.op->layer_slot = static_cast<int>(layer_names.size());
      layer_names.push_back(graph.node_name(k));
      layer_nodes.push_back(k);
    }
    steps.push_back(std::move(s));
  }
  kernels.resize(layer_names.size());
  qkernels.resize(layer_names.size());
  for (const auto& o : graph.outputs) outputs.emplace_back(o, id_of(o));
  fold_relus();
  // Free every computed value after its last use (graph outputs are kept).
  std::vector<int> last(value_names.size(), -1);
  for (std::size_t k = 0; k < steps.size(); ++k)
    for (int v : steps[k].inputs)
      if (v >= 0) last[static_cast<std::size_t>(v)] = static_cast<int>(k);
  for (const auto& o : outputs) last[static_cast<std::size_t>(o.second)] = -2;
  for (std::size_t v = 0; v < last.size(); ++v)
    if (last[v] >= 0 && !constants[v]) steps[static_cast<std::size_t>(last[v])].release.push_back(static_cast<int>(v));
}

// A Relu whose input is read by nothing else (not a graph output either) and produced by an
// op that can apply ReLU itself (Conv, Gemm, Add) is folded into that op: one pass over
// the tensor and one tensor fewer.  The values are the same floats (ops::relu_value).
void Executor::Impl::fold_relus() {
  std::vector<int> readers(value_names.size(), 0), producer(value_names.size(), -1);
  for (std::size_t k = 0; k < steps.size(); ++k) {
    for (int v : steps[k].inputs)
      if (v >= 0) ++readers[static_cast<std::size_t>(v)];
    for (int v : steps[k].outputs)
      if (v >= 0) producer[static_cast<std::size_t>(v)] = static_cast<int>(k);
  }
  for (const auto& o : outputs) ++readers[static_cast<std::size_t>(o.second)];
  std::vector<char> folded(steps.size(), 0);
  for (std::size_t k = 0; k < steps.size(); ++k) {
    Step& relu = steps[k];
    if (graph.nodes[relu.node].op_type != "Relu" || relu.inputs.size() != 1 || relu.outputs.size() != 1) continue;
    const int v = relu.inputs[0];
    if (v < 0 || relu.outputs[0] < 0 || constants[static_cast<std::size_t>(v)] || readers[static_cast<std::size_t>(v)] != 1) continue;
    const int p = producer[static_cast<std::size_t>(v)];
    if (p < 0 || folded[static_cast<std::size_t>(p)]) continue;
    Step& prod = steps[static_cast<std::size_t>(p)];
    if (prod.outputs.empty() || prod.outputs[0] != v || !prod.op->absorb_relu()) continue;
    prod.outputs[0] = relu.outputs[0];
    producer[static_cast<std::size_t>(relu.outputs[0])] = p;
    folded[k] = 1;
  }
  std::vector<Step> kept;
  for (std::size_t k = 0; k < steps.size(); ++k)
    if (!folded[k]) kept.push_back(std::move(steps[k]));
  steps = std::move(kept);
}

std::vector<Tensor> Executor::Impl::execute(const std::map<std::string, Tensor>& given, std::vector<LayerInfo>* trace,
                                            const StatePtr& start, const std::function<void(const StatePtr&)>* save) const {
  std::vector<std::shared_ptr<const Tensor>> values(value_names.size());
  std::vector<const Tensor*> ptr(constants);
  std::vector<std::shared_ptr<const Tensor>> held_inputs;  // graph inputs, when states are saved
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const auto& [name, id] = inputs[k];
    auto it = given.find(name);
    if (it == given.end()) {
      if (ptr[static_cast<std::size_t>(id)]) continue;  // an input with a default initializer
      throw Error("graph input '" + name + "' was not given");
    }
    const ValueInfo& declared = graph.inputs[k];
    const Tensor& t = it->second;
    bool ok = t.dtype == declared.dtype && (declared.shape.empty() || t.shape.size() == declared.shape.size());
    for (std::size_t d = 0; ok && d < declared.shape.size(); ++d) ok = declared.shape[d] < 0 || declared.shape[d] == t.shape[d];
    if (!ok)
      throw Error("graph input '" + name + "': got " + dtype_name(t.dtype) + " " + shape_string(t.shape) + ", the model expects " +
                  dtype_name(declared.dtype) + " " + shape_string(declared.shape));
    ptr[static_cast<std::size_t>(id)] = &t;
    if (save && *save) {  // a saved state may outlive the caller's tensor: hold a copy
      held_inputs.push_back(std::make_shared<const Tensor>(t));
      values[static_cast<std::size_t>(id)] = held_inputs.back();
      ptr[static_cast<std::size_t>(id)] = held_inputs.back().get();
    }
  }
  for (const auto& [name, t] : given) {
    bool known = false;
    for (const auto& in : inputs) known = known || in.first == name;
    if (!known) throw Error("'" + name + "' is not an input of the graph");
  }
  ops::RunContext ctx;
  ctx.kernels = &kernels;
  ctx.qkernels = &qkernels;
  std::size_t first = 0;
  if (start) {
    for (std::size_t v = 0; v < values.size(); ++v)
      if (!constants[v]) values[v].reset(), ptr[v] = nullptr;
    for (const auto& [v, t] : start->values) {
      values[static_cast<std::size_t>(v)] = t;
      ptr[static_cast<std::size_t>(v)] = t.get();
    }
    first = start->step;
  }
  for (std::size_t k = first; k < steps.size(); ++k) {
    const Step& s = steps[k];
    if (save && *save && s.op->approximable() && !(start && k == first)) {
      auto st = std::make_shared<ExecutionState>();
      st->step = k;
      st->layer = static_cast<std::size_t>(s.op->layer_slot);
      for (std::size_t v = 0; v < values.size(); ++v)
        if (values[v]) {
          st->values.emplace_back(static_cast<int>(v), values[v]);
          st->bytes += static_cast<std::size_t>(values[v]->numel()) * (values[v]->dtype == DType::Int64 ? 8u : 4u);
        }
      (*save)(st);
    }
    std::vector<const Tensor*> in;
    in.reserve(s.inputs.size());
    for (int v : s.inputs) {
      const Tensor* t = v < 0 ? nullptr : ptr[static_cast<std::size_t>(v)];
      if (v >= 0 && !t) throw Error("node '" + graph.node_name(s.node) + "': value '" + value_names[static_cast<std::size_t>(v)] + "' is not computed");
      in.push_back(t);
    }
    if (observer && s.op->approximable() && !in.empty() && in[0]) observer(layer_names[static_cast<std::size_t>(s.op->layer_slot)], *in[0]);
    std::vector<Tensor> out(s.outputs.size());
    try {
      s.op->run(in, out, ctx);
    } catch (const Error& e) {
      throw Error("node '" + graph.node_name(s.node) + "' (" + graph.nodes[s.node].op_type + "): " + e.what());
    }
    if (trace && s.op->approximable()) {
      LayerInfo info;
      info.name = graph.node_name(s.node);
      info.op_type = graph.nodes[s.node].op_type;
      info.node_index = s.node;
      s.op->describe(in, out, info);
      trace->push_back(std::move(info));
    }
    for (std::size_t o = 0; o < s.outputs.size(); ++o) {
      const int v = s.outputs[o];
      if (v < 0) continue;
      values[static_cast<std::size_t>(v)] = std::make_shared<const Tensor>(std::move(out[o]));
      ptr[static_cast<std::size_t>(v)] = values[static_cast<std::size_t>(v)].get();
    }
    for (int v : s.release) {
      values[static_cast<std::size_t>(v)].reset();
      ptr[static_cast<std::size_t>(v)] = nullptr;
    }
  }
  std::vector<Tensor> result;
  for (const auto& [name, id] : outputs) {
    const Tensor* t = ptr[static_cast<std::size_t>(id)];
    if (!t) throw Error("graph output '" + name + "' was not computed");
    result.push_back(*t);
  }
  return result;
}

Executor::Executor(const Graph& graph) : impl_(std::make_unique<Impl>()) {
  impl_->graph = graph;
  impl_->compile();
}
Executor::~Executor() = default;
Executor::Executor(Executor&&) noexcept = default;
Executor& Executor::operator=(Executor&&) noexcept = default;

const Graph& Executor::graph() const { return impl_->graph; }

std::map<std::string, Tensor> Executor::run(const std::map<std::string, Tensor>& inputs) const {
  auto values = impl_->execute(inputs, nullptr);
  std::map<std::string, Tensor> out;
  for (std::size_t k = 0; k < values.size(); ++k) out[impl_->outputs[k].first] = std::move(values[k]);
  return out;
}

std::vector<Tensor> Executor::run_resumable(const Tensor& input, const StatePtr& start,
                                            const std::function<void(const StatePtr&)>& save) const {
  std::vector<std::string> free_inputs;
  for (const auto& in : impl_->graph.inputs)
    if (!impl_->graph.initializers.count(in.name)) free_inputs.push_back(in.name);
  if (free_inputs.size() != 1)
    throw Error("the graph has " + std::to_string(free_inputs.size()) + " inputs; give them by name");
  return impl_->execute({{free_inputs.front(), input}}, nullptr, start, &save);
}

std::vector<Tensor> Executor::run(const Tensor& input) const {
  std::vector<std::string> free_inputs;
  for (const auto& in : impl_->graph.inputs)
    if (!impl_->graph.initializers.count(in.name)) free_inputs.push_back(in.name);
  if (free_inputs.size() != 1)
    throw Error("the graph has " + std::to_string(free_inputs.size()) + " inputs; give them by name");
  return impl_->execute({{free_inputs.front(), input}}, nullptr);
}

void Executor::set_input_observer(LayerInputObserver observer) { impl_->observer = std::move(observer); }

void Executor::set_kernel(const std::string& layer, MatMulKernel kernel) {
  for (std::size_t s = 0; s < impl_->layer_names.size(); ++s)
    if (impl_->layer_names[s] == layer) {
      impl_->kernels[s] = std::move(kernel);
      return;
    }
  throw Error("no approximable layer named '" + layer + "'");
}

void Executor::set_quantized_kernel(const std::string& layer, QuantizedKernel kernel) {
  for (std::size_t s = 0; s < impl_->layer_names.size(); ++s)
    if (impl_->layer_names[s] == layer) {
      impl_->qkernels[s] = std::move(kernel);
      return;
    }
  throw Error("no approximable layer named '" + layer + "'");
}

std::vector<std::string> Executor::approximable_layer_names() const { return impl_->layer_names; }

std::vector<LayerInfo> Executor::trace_layers(const std::map<std::string, Shape>& input_shapes) const {
  std::map<std::string, Tensor> given;
  int64_t batch = 1;
  bool first = true;
  for (const auto& in : impl_->graph.inputs) {
    auto it = input_shapes.find(in.name);
    if (it == input_shapes.end()) continue;
    given[in.name] = Tensor(in.dtype, it->second);
    if (first && !it->second.empty()) batch = std::max<int64_t>(1, it->second[0]);
    first = false;
  }
  std::vector<LayerInfo> trace;
  impl_->execute(given, &trace);
  for (auto& l : trace) l.macs_per_sample = l.macs / batch;
  return trace;
}

std::vector<LayerInfo> approximable_layers(const Graph& graph, const Shape& input_shape) {
  std::vector<std::string> free_inputs;
  for (const auto& in : graph.inputs)
    if (!graph.initializers.count(in.name)) free_inputs.push_back(in.name);
  if (free_inputs.size() != 1)
    throw Error("approximable_layers: the graph has " + std::to_string(free_inputs.size()) + " inputs, expected 1");
  return Executor(graph).trace_layers({{free_inputs.front(), input_shape}});
}

std::vector<Tensor> evaluate_node(const Node& node, int64_t opset, const std::vector<const Tensor*>& inputs) {
  auto op = ops::compile_node(node, node.name.empty() ? node.op_type : node.name, opset, nullptr);
  std::vector<Tensor> out(node.outputs.size());
  ops::RunContext ctx;
  op->run(inputs, out, ctx);
  return out;
}

void check_supported(const Graph& graph) {
  for (std::size_t k = 0; k < graph.nodes.size(); ++k)
    ops::compile_node(graph.nodes[k], graph.node_name(k), graph.opset, &graph.initializers);
}

}  // namespace axevo
