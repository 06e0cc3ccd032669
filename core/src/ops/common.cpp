#include <algorithm>

#define EIGEN_DONT_PARALLELIZE
#include <Eigen/Core>

#include "op.hpp"

namespace axevo {

void float_matmul_kernel(const MatMulProblem& p) {
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Strided = Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>;
  if (p.M == 0 || p.N == 0) return;
  Eigen::Map<const RowMajor, 0, Eigen::OuterStride<>> x(p.x, p.M, p.K, Eigen::OuterStride<>(p.ldx));
  Eigen::Map<const RowMajor, 0, Eigen::OuterStride<>> w(p.w, p.N, p.K, Eigen::OuterStride<>(p.ldw));
  if (p.y_col_stride == 1) {
    Eigen::Map<RowMajor, 0, Eigen::OuterStride<>> y(p.y, p.M, p.N, Eigen::OuterStride<>(p.y_row_stride));
    y.noalias() = x * w.transpose();
  } else if (p.y_row_stride == 1) {  // Y stored transposed: Yᵀ = W · Xᵀ
    Eigen::Map<RowMajor, 0, Eigen::OuterStride<>> yt(p.y, p.N, p.M, Eigen::OuterStride<>(p.y_col_stride));
    yt.noalias() = w * x.transpose();
  } else {
    Eigen::Map<RowMajor, 0, Strided> y(p.y, p.M, p.N, Strided(p.y_row_stride, p.y_col_stride));
    y.noalias() = x * w.transpose();
  }
}

namespace ops {

void run_matmul(const RunContext& ctx, int slot, const MatMulProblem& p) {
  if (slot >= 0 && ctx.kernels && static_cast<std::size_t>(slot) < ctx.kernels->size()) {
    const MatMulKernel& k = (*ctx.kernels)[static_cast<std::size_t>(slot)];
    if (k) {
      k(p);
      return;
    }
  }
  float_matmul_kernel(p);
}

NodeReader::NodeReader(const Node& node, std::string display_name, int64_t opset, const std::map<std::string, Tensor>* constants)
    : node_(node), display_name_(std::move(display_name)), opset_(opset), constants_(constants) {}

const Tensor* NodeReader::constant_input(std::size_t k) const {
  if (!has_input(k) || !constants_) return nullptr;
  auto it = constants_->find(node_.inputs[k]);
  return it == constants_->end() ? nullptr : &it->second;
}

const Attribute* NodeReader::find(const std::string& name, Attribute::Kind kind) {
  auto it = node_.attributes.find(name);
  if (it == node_.attributes.end()) return nullptr;
  used_.push_back(name);
  if (it->second.kind != kind)
    fail("attribute '" + name + "' is a " + attribute_kind_name(it->second.kind) + ", expected a " + attribute_kind_name(kind));
  return &it->second;
}

int64_t NodeReader::get_int(const std::string& name, int64_t def) {
  const Attribute* a = find(name, Attribute::Kind::Int);
  return a ? a->i : def;
}
float NodeReader::get_float(const std::string& name, float def) {
  const Attribute* a = find(name, Attribute::Kind::Float);
  return a ? a->f : def;
}
std::string NodeReader::get_string(const std::string& name, const std::string& def) {
  const Attribute* a = find(name, Attribute::Kind::String);
  return a ? a->s : def;
}
std::vector<int64_t> NodeReader::get_ints(const std::string& name, const std::vector<int64_t>& def) {
  const Attribute* a = find(name, Attribute::Kind::Ints);
  return a ? a->ints : def;
}
std::vector<float> NodeReader::get_floats(const std::string& name, const std::vector<float>& def) {
  const Attribute* a = find(name, Attribute::Kind::Floats);
  return a ? a->floats : def;
}
std::vector<std::string> NodeReader::get_strings(const std::string& name, const std::vector<std::string>& def) {
  const Attribute* a = find(name, Attribute::Kind::Strings);
  return a ? a->strings : def;
}
const Tensor* NodeReader::get_tensor(const std::string& name) {
  const Attribute* a = find(name, Attribute::Kind::Tensor);
  return a ? &a->t : nullptr;
}

void NodeReader::fail(const std::string& what) const {
  throw Error("node '" + display_name_ + "' (" + node_.op_type + ", opset " + std::to_string(opset_) + "): " + what);
}

void NodeReader::require_inputs(std::size_t min, std::size_t max) const {
  std::size_t given = 0;
  for (std::size_t k = 0; k < node_.inputs.size(); ++k)
    if (!node_.inputs[k].empty()) given = k + 1;
  for (std::size_t k = 0; k < min; ++k)
    if (!has_input(k)) fail("input " + std::to_string(k) + " is required but missing");
  if (given > max) fail("has " + std::to_string(given) + " inputs; at most " + std::to_string(max) + " are supported");
}

void NodeReader::finish() const {
  for (const auto& [name, attr] : node_.attributes)
    if (std::find(used_.begin(), used_.end(), name) == used_.end())
      fail("unsupported attribute '" + name + "' (" + attribute_kind_name(attr.kind) + ")");
}

const Registry& registry() {
  static const Registry r = [] {
    Registry reg;
    register_elementwise(reg);
    register_activation(reg);
    register_conv(reg);
    register_pool(reg);
    register_gemm(reg);
    register_shape(reg);
    register_norm(reg);
    register_lstm(reg);
    register_reduce(reg);
    return reg;
  }();
  return r;
}

std::unique_ptr<Op> compile_node(const Node& node, const std::string& display_name, int64_t opset,
                                 const std::map<std::string, Tensor>* constants) {
  NodeReader reader(node, display_name, opset, constants);
  const auto& reg = registry();
  auto it = reg.find(node.op_type);
  if (it == reg.end()) reader.fail("unsupported operator " + node.op_type);
  std::unique_ptr<Op> op = it->second(reader);
  reader.finish();
  return op;
}

void runtime_fail(const std::string& what) { throw Error(what); }

int64_t normalize_axis(int64_t axis, int64_t rank, const char* what) {
  const int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank)
    runtime_fail(std::string(what) + " " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return a;
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const std::size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (std::size_t k = 0; k < r; ++k) {
    const int64_t da = k < r - a.size() ? 1 : a[k - (r - a.size())];
    const int64_t db = k < r - b.size() ? 1 : b[k - (r - b.size())];
    if (da != db && da != 1 && db != 1)
      runtime_fail("shapes " + shape_string(a) + " and " + shape_string(b) + " cannot be broadcast");
    out[k] = da == 1 ? db : da;
  }
  return out;
}

std::vector<int64_t> strides_of(const Shape& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (std::size_t k = shape.size(); k-- > 1;) s[k - 1] = s[k] * shape[k];
  return s;
}

std::vector<int64_t> broadcast_strides(const Shape& shape, const Shape& out) {
  std::vector<int64_t> s(out.size(), 0);
  const auto own = strides_of(shape);
  const std::size_t off = out.size() - shape.size();
  for (std::size_t k = 0; k < shape.size(); ++k) s[k + off] = shape[k] == 1 ? 0 : own[k];
  return s;
}

const Tensor& need(const std::vector<const Tensor*>& in, std::size_t k) {
  if (k >= in.size() || !in[k]) runtime_fail("input " + std::to_string(k) + " is missing");
  return *in[k];
}

void need_float(const Tensor& t, const char* what) {
  if (t.dtype != DType::Float32) runtime_fail(std::string(what) + " must be float32, got " + dtype_name(t.dtype));
}

}  // namespace ops
}  // namespace axevo
