// The ONNX model frontend: reads a ModelProto (any opset of the default domain; the host
// decides which opsets it runs, normally 11 to 17) with
// Debian's libonnx protobuf classes and describes it to axevo over the C graph builder of
// plugin_abi.h.  Also reads single TensorProto files (ONNX test data) for the tests.
#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "axevo/plugin_abi.h"

namespace {

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The host rejected something and already knows why.
struct Rejected {};

void check(int rc) {
  if (rc != 0) throw Rejected{};
}

const char* type_name(int t) {
  return onnx::TensorProto_DataType_IsValid(t) ? onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(t)).c_str()
                                                : "unknown";
}

// A tensor's data as float32 or int64 values (other types: dtype only, no data).
struct Data {
  uint32_t dtype = 0;
  std::vector<int64_t> shape;
  std::vector<float> f;
  std::vector<int64_t> i;
  const void* ptr() const { return dtype == AXEVO_DTYPE_FLOAT32 ? static_cast<const void*>(f.data()) : static_cast<const void*>(i.data()); }
};

Data convert(const onnx::TensorProto& t, const std::string& what) {
  Data d;
  d.dtype = static_cast<uint32_t>(t.data_type());
  int64_t n = 1;
  for (int64_t dim : t.dims()) {
    if (dim < 0) throw Failure(what + ": negative dimension");
    d.shape.push_back(dim);
    n *= dim;
  }
  if (t.data_location() == onnx::TensorProto::EXTERNAL || t.external_data_size() > 0)
    throw Failure(what + " uses external data (weights in a separate file), which is not supported; "
                  "re-export the model with the weights inside the .onnx file");
  const auto count = static_cast<std::size_t>(n);
  auto sized = [&](std::size_t have, const char* field) {
    if (have != count)
      throw Failure(what + ": " + field + " has " + std::to_string(have) + " values for shape of " + std::to_string(count) +
                    " elements (file is inconsistent)");
  };
  if (d.dtype == onnx::TensorProto::FLOAT) {
    d.f.resize(count);
    if (t.has_raw_data()) {
      sized(t.raw_data().size() / sizeof(float), "raw_data");
      if (t.raw_data().size() % sizeof(float)) throw Failure(what + ": raw_data size is not a multiple of 4");
      if (count > 0) std::memcpy(d.f.data(), t.raw_data().data(), count * sizeof(float));
    } else {
      sized(static_cast<std::size_t>(t.float_data_size()), "float_data");
      std::copy(t.float_data().begin(), t.float_data().end(), d.f.begin());
    }
  } else if (d.dtype == onnx::TensorProto::INT64) {
    d.i.resize(count);
    if (t.has_raw_data()) {
      sized(t.raw_data().size() / sizeof(int64_t), "raw_data");
      if (t.raw_data().size() % sizeof(int64_t)) throw Failure(what + ": raw_data size is not a multiple of 8");
      if (count > 0) std::memcpy(d.i.data(), t.raw_data().data(), count * sizeof(int64_t));
    } else {
      sized(static_cast<std::size_t>(t.int64_data_size()), "int64_data");
      std::copy(t.int64_data().begin(), t.int64_data().end(), d.i.begin());
    }
  } else if (d.dtype == onnx::TensorProto::INT32 || d.dtype == onnx::TensorProto::INT16 || d.dtype == onnx::TensorProto::INT8 ||
             d.dtype == onnx::TensorProto::UINT8 || d.dtype == onnx::TensorProto::BOOL || d.dtype == onnx::TensorProto::DOUBLE) {
    // Reported with their own type code; the host decides (and names the value) when it
    // cannot represent them.  No data is handed over.
  }
  return d;
}

void add_attribute(const axevo_graph_builder* b, const onnx::AttributeProto& a, const std::string& node) {
  const char* name = a.name().c_str();
  void* c = b->context;
  switch (a.type()) {
    case onnx::AttributeProto::INT: check(b->add_attr_int(c, name, a.i())); break;
    case onnx::AttributeProto::FLOAT: check(b->add_attr_float(c, name, a.f())); break;
    case onnx::AttributeProto::STRING: check(b->add_attr_string(c, name, a.s().c_str())); break;
    case onnx::AttributeProto::INTS: {
      std::vector<int64_t> v(a.ints().begin(), a.ints().end());
      check(b->add_attr_ints(c, name, v.data(), v.size()));
      break;
    }
    case onnx::AttributeProto::FLOATS: {
      std::vector<float> v(a.floats().begin(), a.floats().end());
      check(b->add_attr_floats(c, name, v.data(), v.size()));
      break;
    }
    case onnx::AttributeProto::STRINGS: {
      std::vector<const char*> v;
      for (const auto& s : a.strings()) v.push_back(s.c_str());
      check(b->add_attr_strings(c, name, v.data(), v.size()));
      break;
    }
    case onnx::AttributeProto::TENSOR: {
      const Data d = convert(a.t(), "node '" + node + "' attribute '" + a.name() + "'");
      check(b->add_attr_tensor(c, name, d.dtype, d.shape.data(), d.shape.size(), d.ptr()));
      break;
    }
    default: {
      const std::string kind = onnx::AttributeProto_AttributeType_Name(a.type());
      check(b->add_attr_unsupported(c, name, kind.c_str()));
    }
  }
}

void read_model(const axevo_graph_builder* b, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Failure(path + ": cannot open the file");
  onnx::ModelProto model;
  if (!model.ParseFromIstream(&in))
    throw Failure(path + ": not a valid ONNX model (the protobuf data cannot be parsed; is the file truncated or corrupt?)");
  if (!model.has_graph() || model.graph().node_size() == 0)
    throw Failure(path + ": not a valid ONNX model (no graph or no nodes; is the file truncated or not an ONNX file?)");
  int64_t opset = -1;
  for (const auto& o : model.opset_import()) {
    if (o.domain().empty() || o.domain() == "ai.onnx") opset = o.version();
  }
  if (opset < 0) throw Failure(path + ": the model imports no opset of the default ONNX domain");
  b->set_opset(b->context, opset);
  const onnx::GraphProto& g = model.graph();
  for (const auto& t : g.initializer()) {
    const Data d = convert(t, "initializer '" + t.name() + "'");
    check(b->add_initializer(b->context, t.name().c_str(), d.dtype, d.shape.data(), d.shape.size(), d.ptr()));
  }
  if (g.sparse_initializer_size() > 0) throw Failure(path + ": sparse initializers are not supported");
  for (const auto& v : g.input()) {
    if (!v.type().has_tensor_type())
      throw Failure(path + ": graph input '" + v.name() + "' is not a tensor (sequences, maps and optionals are not supported)");
    const auto& tt = v.type().tensor_type();
    std::vector<int64_t> shape;
    for (const auto& dim : tt.shape().dim()) shape.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
    check(b->add_input(b->context, v.name().c_str(), static_cast<uint32_t>(tt.elem_type()), shape.data(), shape.size()));
  }
  for (const auto& v : g.output()) {
    if (v.type().has_tensor_type()) {
      const int t = v.type().tensor_type().elem_type();
      if (t != onnx::TensorProto::FLOAT && t != onnx::TensorProto::INT64)
        throw Failure(path + ": graph output '" + v.name() + "' has unsupported data type " + type_name(t) +
                      " (only float32 = 1 and int64 = 7 are supported)");
    } else if (v.type().value_case() != onnx::TypeProto::VALUE_NOT_SET) {
      throw Failure(path + ": graph output '" + v.name() + "' is not a tensor");
    }
    check(b->add_output(b->context, v.name().c_str()));
  }
  for (const auto& n : g.node()) {
    if (!n.domain().empty() && n.domain() != "ai.onnx")
      throw Failure(path + ": node '" + n.name() + "' (" + n.op_type() + ") is in the operator domain '" + n.domain() +
                    "', which is not supported");
    std::vector<const char*> ins, outs;
    for (const auto& s : n.input()) ins.push_back(s.c_str());
    for (const auto& s : n.output()) outs.push_back(s.c_str());
    check(b->add_node(b->context, n.op_type().c_str(), n.name().c_str(), ins.data(), ins.size(), outs.data(), outs.size()));
    for (const auto& a : n.attribute()) add_attribute(b, a, n.name().empty() ? n.op_type() : n.name());
  }
}

void read_tensor(const axevo_graph_builder* b, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Failure(path + ": cannot open the file");
  onnx::TensorProto t;
  if (!t.ParseFromIstream(&in)) throw Failure(path + ": not a valid ONNX TensorProto (truncated or corrupt?)");
  const Data d = convert(t, path);
  check(b->add_initializer(b->context, t.name().c_str(), d.dtype, d.shape.data(), d.shape.size(), d.ptr()));
}

template <class F>
int guarded(const axevo_graph_builder* b, F&& body) {
  try {
    body();
    return 0;
  } catch (const Rejected&) {
    return 1;
  } catch (const std::exception& e) {
    b->error(b->context, e.what());
    return 1;
  } catch (...) {
    b->error(b->context, "unknown exception in the ONNX frontend");
    return 1;
  }
}

}  // namespace

extern "C" {

AXEVO_DECLARE_PLUGIN(AXEVO_PLUGIN_MODEL_FRONTEND, "onnx", "ONNX models (opsets 11-17) through Debian's libonnx")

AXEVO_EXPORT const char* axevo_model_frontend_extensions(void) { return ".onnx"; }

AXEVO_EXPORT int axevo_model_frontend_load(const axevo_graph_builder* builder, const char* path) {
  if (!builder || builder->abi_version != AXEVO_PLUGIN_ABI_VERSION) return 2;
  return guarded(builder, [&] { read_model(builder, path ? path : ""); });
}

AXEVO_EXPORT int axevo_model_frontend_read_tensor(const axevo_graph_builder* builder, const char* path) {
  if (!builder || builder->abi_version != AXEVO_PLUGIN_ABI_VERSION) return 2;
  return guarded(builder, [&] { read_tensor(builder, path ? path : ""); });
}

}  // extern "C"
