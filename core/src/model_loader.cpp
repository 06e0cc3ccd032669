#include "axevo/model_loader.hpp"

#include <cstring>
#include <set>

#include "axevo/error.hpp"
#include "axevo/executor.hpp"

namespace axevo {

namespace fs = std::filesystem;

namespace {

// Receives the frontend's description of a graph over the C builder.
struct BuilderContext {
  Graph graph;
  std::vector<std::string> errors, warnings;
  Node* current = nullptr;  // attributes go to the node added last
  std::set<std::string> input_names;

  int fail(const std::string& message) {
    errors.push_back(message);
    return 1;
  }
};

BuilderContext& ctx_of(void* c) { return *static_cast<BuilderContext*>(c); }

bool make_dtype(BuilderContext& c, uint32_t code, const std::string& what, DType& out) {
  if (code == AXEVO_DTYPE_FLOAT32) out = DType::Float32;
  else if (code == AXEVO_DTYPE_INT64) out = DType::Int64;
  else {
    c.fail(what + " has unsupported data type " + std::to_string(code) + " (only float32 = 1 and int64 = 7 are supported)");
    return false;
  }
  return true;
}

bool make_tensor(BuilderContext& c, const std::string& what, uint32_t dtype, const int64_t* shape, size_t rank, const void* data,
                 Tensor& out) {
  DType t;
  if (!make_dtype(c, dtype, what, t)) return false;
  Shape s(shape, shape + rank);
  for (int64_t d : s)
    if (d < 0) return c.fail(what + " has a negative dimension " + shape_string(s)), false;
  out = Tensor(t, s);
  const std::size_t n = static_cast<std::size_t>(out.numel());
  if (n == 0) return true;
  if (!data) return c.fail(what + ": no data"), false;
  if (t == DType::Float32) std::memcpy(out.f32.data(), data, n * sizeof(float));
  else std::memcpy(out.i64.data(), data, n * sizeof(int64_t));
  return true;
}

Attribute* new_attr(BuilderContext& c, const char* name) {
  if (!c.current) {
    c.fail(std::string("attribute '") + (name ? name : "") + "' given before any node");
    return nullptr;
  }
  if (!name || !*name) {
    c.fail("node '" + c.current->name + "': an attribute without a name");
    return nullptr;
  }
  return &c.current->attributes[name];
}

void b_set_opset(void* c, int64_t opset) { ctx_of(c).graph.opset = opset; }

int b_add_input(void* cp, const char* name, uint32_t dtype, const int64_t* shape, size_t rank) {
  auto& c = ctx_of(cp);
  if (!name || !*name) return c.fail("a graph input without a name");
  ValueInfo v;
  v.name = name;
  if (!make_dtype(c, dtype, std::string("graph input '") + name + "'", v.dtype)) return 1;
  v.shape.assign(shape, shape + rank);
  c.graph.inputs.push_back(v);
  return 0;
}

int b_add_output(void* cp, const char* name) {
  auto& c = ctx_of(cp);
  if (!name || !*name) return c.fail("a graph output without a name");
  c.graph.outputs.emplace_back(name);
  return 0;
}

int b_add_initializer(void* cp, const char* name, uint32_t dtype, const int64_t* shape, size_t rank, const void* data) {
  auto& c = ctx_of(cp);
  if (!name) return c.fail("an initializer without a name");
  Tensor t;
  if (!make_tensor(c, std::string("initializer '") + name + "'", dtype, shape, rank, data, t)) return 1;
  c.graph.initializers[name] = std::move(t);
  return 0;
}

int b_add_node(void* cp, const char* op_type, const char* name, const char* const* inputs, size_t n_in, const char* const* outputs,
               size_t n_out) {
  auto& c = ctx_of(cp);
  if (!op_type || !*op_type) return c.fail("a node without an op type");
  Node n;
  n.op_type = op_type;
  n.name = name ? name : "";
  for (size_t k = 0; k < n_in; ++k) n.inputs.emplace_back(inputs[k] ? inputs[k] : "");
  for (size_t k = 0; k < n_out; ++k) n.outputs.emplace_back(outputs[k] ? outputs[k] : "");
  c.graph.nodes.push_back(std::move(n));
  c.current = &c.graph.nodes.back();
  return 0;
}

int b_attr_int(void* cp, const char* name, int64_t v) {
  Attribute* a = new_attr(ctx_of(cp), name);
  if (!a) return 1;
  a->kind = Attribute::Kind::Int;
  a->i = v;
  return 0;
}
int b_attr_float(void* cp, const char* name, float v) {
  Attribute* a = new_attr(ctx_of(cp), name);
  if (!a) return 1;
  a->kind = Attribute::Kind::Float;
  a->f = v;
  return 0;
}
int b_attr_string(void* cp, const char* name, const char* v) {
  Attribute* a = new_attr(ctx_of(cp), name);
  if (!a) return 1;
  a->kind = Attribute::Kind::String;
  a->s = v ? v : "";
  return 0;
}
int b_attr_ints(void* cp, const char* name, const int64_t* v, size_t n) {
  Attribute* a = new_attr(ctx_of(cp), name);
  if (!a) return 1;
  a->kind = Attribute::Kind::Ints;
  a->ints.assign(v, v + n);
  return 0;
}
int b_attr_floats(void* cp, const char* name, const float* v, size_t n) {
  Attribute* a = new_attr(ctx_of(cp), name);
  if (!a) return 1;
  a->kind = Attribute::Kind::Floats;
  a->floats.assign(v, v + n);
  return 0;
}
int b_attr_strings(void* cp, const char* name, const char* const* v, size_t n) {
  Attribute* a = new_attr(ctx_of(cp), name);
  if (!a) return 1;
  a->kind = Attribute::Kind::Strings;
  for (size_t k = 0; k < n; ++k) a->strings.emplace_back(v[k] ? v[k] : "");
  return 0;
}
int b_attr_tensor(void* cp, const char* name, uint32_t dtype, const int64_t* shape, size_t rank, const void* data) {
  auto& c = ctx_of(cp);
  Attribute* a = new_attr(c, name);
  if (!a) return 1;
  a->kind = Attribute::Kind::Tensor;
  if (dtype != AXEVO_DTYPE_FLOAT32 && dtype != AXEVO_DTYPE_INT64) {
    // Recorded, so that only a node that really uses it is reported.
    a->kind = Attribute::Kind::Unsupported;
    a->s = "tensor of data type " + std::to_string(dtype);
    return 0;
  }
  return make_tensor(c, "node '" + c.current->name + "' attribute '" + name + "'", dtype, shape, rank, data, a->t) ? 0 : 1;
}
int b_attr_unsupported(void* cp, const char* name, const char* kind) {
  Attribute* a = new_attr(ctx_of(cp), name);
  if (!a) return 1;
  a->kind = Attribute::Kind::Unsupported;
  a->s = kind ? kind : "unknown";
  return 0;
}
void b_warn(void* cp, const char* m) { ctx_of(cp).warnings.emplace_back(m ? m : "(null warning)"); }
void b_error(void* cp, const char* m) { ctx_of(cp).errors.emplace_back(m ? m : "(null error)"); }

axevo_graph_builder make_builder(BuilderContext& c) {
  axevo_graph_builder b{};
  b.abi_version = AXEVO_PLUGIN_ABI_VERSION;
  b.context = &c;
  b.set_opset = b_set_opset;
  b.add_input = b_add_input;
  b.add_output = b_add_output;
  b.add_initializer = b_add_initializer;
  b.add_node = b_add_node;
  b.add_attr_int = b_attr_int;
  b.add_attr_float = b_attr_float;
  b.add_attr_string = b_attr_string;
  b.add_attr_ints = b_attr_ints;
  b.add_attr_floats = b_attr_floats;
  b.add_attr_strings = b_attr_strings;
  b.add_attr_tensor = b_attr_tensor;
  b.add_attr_unsupported = b_attr_unsupported;
  b.warn = b_warn;
  b.error = b_error;
  return b;
}

// The frontend plugin `name`, checked to be a model frontend.
std::shared_ptr<LoadedPlugin> open_frontend(const std::string& name, const PluginSearchPath& search) {
  auto plugin = find_plugin(name, search);
  const PluginInfo& info = plugin_info(*plugin);
  if (info.kind != AXEVO_PLUGIN_MODEL_FRONTEND)
    throw Error(info.path.string(), 0, "plugin '" + name + "' is a " + plugin_kind_name(info.kind) + " plugin, not a model frontend");
  return plugin;
}

// Runs one frontend entry point and turns its reported errors into one axevo::Error.
template <class Call>
void run_frontend(BuilderContext& c, const std::string& file, Call&& call) {
  const axevo_graph_builder b = make_builder(c);
  int rc = 0;
  try {
    rc = call(&b);
  } catch (const std::exception& e) {
    c.errors.emplace_back(e.what());
    rc = 1;
  }
  if (!c.errors.empty()) {
    std::string msg = c.errors.front();
    if (msg.rfind(file, 0) != 0) msg = file + ": " + msg;
    if (c.errors.size() > 1) msg += " (and " + std::to_string(c.errors.size() - 1) + " more errors)";
    throw Error(msg);
  }
  if (rc != 0) throw Error(file, 0, "the model frontend failed (code " + std::to_string(rc) + ") without a message");
}

}  // namespace

Graph load_model_raw(const fs::path& file, const PluginSearchPath& path) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw Error(file.string(), 0, "model file not found");
  std::string ext = file.extension().string();
  if (ext.empty()) throw Error(file.string(), 0, "the model file has no extension (e.g. .onnx) to choose a frontend by");
  for (auto& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const auto plugin = open_frontend(ext.substr(1), path);
  const std::string plugin_file = plugin_info(*plugin).path.string();
  const char* exts = plugin_symbol<const char*()>(*plugin, AXEVO_MODEL_FRONTEND_EXTENSIONS_SYMBOL)();
  const std::string list = std::string(";") + (exts ? exts : "") + ";";
  if (list.find(";" + ext + ";") == std::string::npos)
    throw Error(plugin_file, 0, "model frontend does not declare the extension " + ext + " (it reads: " + (exts ? exts : "") + ")");
  auto* load = plugin_symbol<int(const axevo_graph_builder*, const char*)>(*plugin, AXEVO_MODEL_FRONTEND_LOAD_SYMBOL);
  BuilderContext c;
  const std::string name = file.string();
  run_frontend(c, name, [&](const axevo_graph_builder* b) { return load(b, name.c_str()); });
  return std::move(c.graph);
}

Graph load_model(const fs::path& file, const PluginSearchPath& path, const ModelLoadOptions& options) {
  Graph g = load_model_raw(file, path);
  const std::string name = file.string();
  if (g.opset < options.min_opset || g.opset > options.max_opset)
    throw Error(name, 0, "opset " + std::to_string(g.opset) + " is not supported (axevo runs opsets " + std::to_string(options.min_opset) +
                             " to " + std::to_string(options.max_opset) +
                             "; re-export the model, e.g. torch.onnx.export(..., opset_version=13))");
  // Graph inputs that an initializer also defines (old exporters list weights as inputs)
  // are treated as constants.
  std::vector<ValueInfo> inputs;
  for (auto& in : g.inputs)
    if (!g.initializers.count(in.name)) inputs.push_back(in);
  g.inputs = std::move(inputs);
  if (g.outputs.empty()) throw Error(name, 0, "the graph has no outputs");
  check_graph(g, name);
  if (options.remove_identities) remove_identities(g);
  if (options.fold_constants) {
    fold_constants(g);
    fold_static_shapes(g);
    fold_constants(g);
  }
  if (options.fold_batch_norm) fold_batch_norm(g);
  try {
    check_supported(g);
  } catch (const Error& e) {
    throw Error(name, 0, e.what());
  }
  return g;
}

Tensor read_tensor_file(const fs::path& file, const PluginSearchPath& path, const std::string& frontend) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw Error(file.string(), 0, "tensor file not found");
  const auto plugin = open_frontend(frontend, path);
  auto* read = plugin_symbol<int(const axevo_graph_builder*, const char*)>(*plugin, AXEVO_MODEL_FRONTEND_READ_TENSOR_SYMBOL);
  BuilderContext c;
  const std::string name = file.string();
  run_frontend(c, name, [&](const axevo_graph_builder* b) { return read(b, name.c_str()); });
  if (c.graph.initializers.size() != 1) throw Error(name, 0, "the frontend reported " + std::to_string(c.graph.initializers.size()) + " tensors, expected 1");
  return std::move(c.graph.initializers.begin()->second);
}

}  // namespace axevo
