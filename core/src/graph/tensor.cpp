#include <utility>

#include "axevo/error.hpp"
#include "axevo/graph.hpp"

namespace axevo {

std::string dtype_name(DType t) {
  switch (t) {
    case DType::Float32: return "float32";
    case DType::Int64: return "int64";
  }
  return "dtype(" + std::to_string(static_cast<uint32_t>(t)) + ")";
}

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_string(const Shape& shape) {
  std::string s = "[";
  for (std::size_t k = 0; k < shape.size(); ++k) {
    if (k) s += ", ";
    s += shape[k] < 0 ? std::string("?") : std::to_string(shape[k]);
  }
  return s + "]";
}

Tensor::Tensor(DType type, Shape dims) : dtype(type), shape(std::move(dims)) {
  const int64_t n = shape_numel(shape);
  if (n < 0) throw Error("tensor with a negative dimension " + shape_string(shape));
  if (dtype == DType::Float32) f32.assign(static_cast<std::size_t>(n), 0.0f);
  else i64.assign(static_cast<std::size_t>(n), 0);
}

Tensor Tensor::uninitialized_floats(Shape dims) {
  Tensor t;
  t.dtype = DType::Float32;
  t.shape = std::move(dims);
  const int64_t n = t.numel();
  if (n < 0) throw Error("tensor with a negative dimension " + shape_string(t.shape));
  t.f32.resize(static_cast<std::size_t>(n));  // NoInitAllocator: not zeroed
  return t;
}

Tensor Tensor::from_floats(Shape dims, std::vector<float> values) {
  Tensor t;
  t.dtype = DType::Float32;
  t.shape = std::move(dims);
  t.f32.assign(values.begin(), values.end());
  if (static_cast<int64_t>(t.f32.size()) != t.numel()) throw Error("tensor data does not match its shape " + shape_string(t.shape));
  return t;
}

Tensor Tensor::from_ints(Shape dims, std::vector<int64_t> values) {
  Tensor t;
  t.dtype = DType::Int64;
  t.shape = std::move(dims);
  t.i64 = std::move(values);
  if (static_cast<int64_t>(t.i64.size()) != t.numel()) throw Error("tensor data does not match its shape " + shape_string(t.shape));
  return t;
}

double Tensor::as_double(int64_t k) const {
  return dtype == DType::Float32 ? static_cast<double>(f32[static_cast<std::size_t>(k)])
                                 : static_cast<double>(i64[static_cast<std::size_t>(k)]);
}

int64_t Tensor::as_int(int64_t k) const {
  return dtype == DType::Int64 ? i64[static_cast<std::size_t>(k)] : static_cast<int64_t>(f32[static_cast<std::size_t>(k)]);
}

std::vector<int64_t> Tensor::to_ints() const {
  std::vector<int64_t> v(static_cast<std::size_t>(numel()));
  for (int64_t k = 0; k < numel(); ++k) v[static_cast<std::size_t>(k)] = as_int(k);
  return v;
}

std::string attribute_kind_name(Attribute::Kind k) {
  switch (k) {
    case Attribute::Kind::Int: return "int";
    case Attribute::Kind::Float: return "float";
    case Attribute::Kind::String: return "string";
    case Attribute::Kind::Ints: return "ints";
    case Attribute::Kind::Floats: return "floats";
    case Attribute::Kind::Strings: return "strings";
    case Attribute::Kind::Tensor: return "tensor";
    case Attribute::Kind::Unsupported: return "unsupported";
  }
  return "?";
}

std::string Graph::node_name(std::size_t index) const {
  const Node& n = nodes.at(index);
  return n.name.empty() ? n.op_type + "_" + std::to_string(index) : n.name;
}

}  // namespace axevo
