#pragma once
// axevo's own representation of a trained network: tensors, nodes with attributes, and a
// graph with inputs, outputs, initializers (weights) and nodes in topological order.
// Frontend plugins (ONNX ...) build it through the C builder of plugin_abi.h; core never
// sees a file format's types.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace axevo {

// Element types (the codes of ONNX's TensorProto.DataType).
enum class DType : uint32_t { Float32 = 1, Int64 = 7 };
std::string dtype_name(DType t);

using Shape = std::vector<int64_t>;
int64_t shape_numel(const Shape& shape);
std::string shape_string(const Shape& shape);  // "[1, 3, 224, 224]" (-1 printed as ?)

// std::allocator, except that elements made without a value (vector::resize(n)) are left
// uninitialized instead of zeroed.
template <typename T>
struct NoInitAllocator : std::allocator<T> {
  using std::allocator<T>::allocator;
  template <typename U>
  struct rebind {
    using other = NoInitAllocator<U>;
  };
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
using FloatVector = std::vector<float, NoInitAllocator<float>>;

// A dense row-major tensor.  Exactly one of f32 / i64 holds the data, by dtype.
struct Tensor {
  DType dtype = DType::Float32;
  Shape shape;
  FloatVector f32;
  std::vector<int64_t> i64;

  Tensor() = default;
  Tensor(DType type, Shape dims);  // zero-filled
  // Float32, contents unspecified: for an op's output that it writes in full (a batch's
  // layer outputs are tens of MB, and zero-filling them took 8% of a ResNet-8 campaign).
  static Tensor uninitialized_floats(Shape dims);
  static Tensor from_floats(Shape dims, std::vector<float> values);
  static Tensor from_ints(Shape dims, std::vector<int64_t> values);

  int64_t numel() const { return shape_numel(shape); }
  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  float* f() { return f32.data(); }
  const float* f() const { return f32.data(); }
  int64_t* i() { return i64.data(); }
  const int64_t* i() const { return i64.data(); }
  // Element k as double / int64 whatever the dtype (for small shape tensors).
  double as_double(int64_t k) const;
  int64_t as_int(int64_t k) const;
  std::vector<int64_t> to_ints() const;
};

struct Attribute {
  enum class Kind { Int, Float, String, Ints, Floats, Strings, Tensor, Unsupported };
  Kind kind = Kind::Int;
  int64_t i = 0;
  float f = 0;
  std::string s;  // the string, or for Unsupported the kind of attribute (e.g. "graph")
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<std::string> strings;
  axevo::Tensor t;
};
std::string attribute_kind_name(Attribute::Kind k);

struct Node {
  std::string op_type;
  std::string name;                  // may be empty in the file; see display_name()
  std::vector<std::string> inputs;   // "" = absent optional input
  std::vector<std::string> outputs;  // "" = unused optional output
  std::map<std::string, Attribute> attributes;

  bool has(const std::string& attr) const { return attributes.count(attr) != 0; }
};

struct ValueInfo {
  std::string name;
  DType dtype = DType::Float32;
  Shape shape;  // -1 = dynamic dim
};

struct Graph {
  int64_t opset = 0;
  std::vector<ValueInfo> inputs;
  std::vector<std::string> outputs;
  std::map<std::string, Tensor> initializers;
  std::vector<Node> nodes;  // topological order

  // The node's name, or "<op_type>_<index>" when the file gave none: a stable layer name.
  std::string node_name(std::size_t index) const;
};

// ---- load-time passes (core/src/graph/passes.cpp) ----------------------------------------
// Evaluates every node whose inputs are all initializers and replaces it by initializers.
void fold_constants(Graph& g);
// When every graph input has static dims, replaces Shape nodes by initializers (their
// values are computed once on zero inputs), so that fold_constants() can fold the
// Shape/Gather/Unsqueeze/Concat chains exporters emit.  With a dynamic dim it does nothing.
void fold_static_shapes(Graph& g);
// Folds a BatchNormalization into the Conv/Gemm before it when its input feeds only it.
void fold_batch_norm(Graph& g);
// Removes Identity and (inference) Dropout nodes by renaming their consumers' inputs.
void remove_identities(Graph& g);
// Orders nodes topologically and checks every input is defined; throws axevo::Error.
void check_graph(Graph& g, const std::string& file);

}  // namespace axevo
