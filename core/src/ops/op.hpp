#pragma once
// Internal interface of the float executor's operators.  Every operator family lives in
// its own file (elementwise, activation, conv, pool, gemm, shape, norm, lstm, reduce) and registers
// a factory per op type; a factory reads and checks the node's attributes once.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "axevo/error.hpp"
#include "axevo/executor.hpp"
#include "axevo/graph.hpp"

namespace axevo::ops {

struct RunContext {
  const std::vector<MatMulKernel>* kernels = nullptr;  // by layer slot; empty = float
  const std::vector<QuantizedKernel>* qkernels = nullptr;  // by layer slot (Conv), may be empty
  const QuantizedKernel* quantized(int slot) const {
    if (slot < 0 || !qkernels || static_cast<std::size_t>(slot) >= qkernels->size()) return nullptr;
    const QuantizedKernel& k = (*qkernels)[static_cast<std::size_t>(slot)];
    return k ? &k : nullptr;
  }
};

// Runs one product of layer `slot` through its kernel (float when none is set).
void run_matmul(const RunContext& ctx, int slot, const MatMulProblem& p);

// The problem Y = X · Wᵀ: X is M x K (row stride ldx), W is N x K (row stride ldw), element
// (m, n) of Y at y[m*y_row + n*y_col].
inline MatMulProblem matmul_problem(int64_t M, int64_t N, int64_t K, const float* x, int64_t ldx, const float* w,
                                    int64_t ldw, float* y, int64_t y_row, int64_t y_col = 1) {
  MatMulProblem p;
  p.M = M, p.N = N, p.K = K;
  p.x = x, p.ldx = ldx;
  p.w = w, p.ldw = ldw;
  p.y = y, p.y_row_stride = y_row, p.y_col_stride = y_col;
  return p;
}

// ONNX Relu on one value (the Relu op and the ops that absorb it use this one definition).
inline float relu_value(float x) { return x > 0 ? x : 0.0f; }

class Op {
 public:
  virtual ~Op() = default;
  // `in[k]` is null for an absent optional input; `out` has one tensor per node output.
  virtual void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, const RunContext& ctx) const = 0;

  // Asks the op to apply ReLU (relu_value) to its first output itself, so that the executor
  // can drop a Relu node that is the only reader of that output: true when it will.
  virtual bool absorb_relu() { return false; }

  // Approximable layers only: fills op_type, shapes, macs and params from one run.
  virtual bool approximable() const { return false; }
  virtual void describe(const std::vector<const Tensor*>& /*in*/, const std::vector<Tensor>& /*out*/,
                        LayerInfo& /*info*/) const {}
  int layer_slot = -1;  // set by the executor for approximable layers
};

// A node being compiled: typed attribute access with defaults, constant inputs, errors
// naming the node.  finish() rejects attributes nobody read.
class NodeReader {
 public:
  NodeReader(const Node& node, std::string display_name, int64_t opset, const std::map<std::string, Tensor>* constants);

  const Node& node() const { return node_; }
  int64_t opset() const { return opset_; }
  std::size_t n_inputs() const { return node_.inputs.size(); }
  bool has_input(std::size_t k) const { return k < node_.inputs.size() && !node_.inputs[k].empty(); }
  bool has_output(std::size_t k) const { return k < node_.outputs.size() && !node_.outputs[k].empty(); }
  // The initializer feeding input k, or null when it is not a constant.
  const Tensor* constant_input(std::size_t k) const;

  bool has(const std::string& attr) const { return node_.has(attr); }
  int64_t get_int(const std::string& name, int64_t def);
  float get_float(const std::string& name, float def);
  std::string get_string(const std::string& name, const std::string& def);
  std::vector<int64_t> get_ints(const std::string& name, const std::vector<int64_t>& def = {});
  std::vector<float> get_floats(const std::string& name, const std::vector<float>& def = {});
  std::vector<std::string> get_strings(const std::string& name, const std::vector<std::string>& def = {});
  const Tensor* get_tensor(const std::string& name);
  void ignore(const std::string& name) { used_.push_back(name); }

  [[noreturn]] void fail(const std::string& what) const;
  void require_inputs(std::size_t min, std::size_t max) const;
  void finish() const;

 private:
  const Attribute* find(const std::string& name, Attribute::Kind kind);
  const Node& node_;
  std::string display_name_;
  int64_t opset_;
  const std::map<std::string, Tensor>* constants_;
  std::vector<std::string> used_;
};

using Factory = std::unique_ptr<Op> (*)(NodeReader&);
using Registry = std::map<std::string, Factory>;
const Registry& registry();

void register_elementwise(Registry& r);
void register_activation(Registry& r);
void register_conv(Registry& r);
void register_pool(Registry& r);
void register_gemm(Registry& r);
void register_shape(Registry& r);
void register_norm(Registry& r);
void register_lstm(Registry& r);
void register_reduce(Registry& r);

// Compiles one node (throws axevo::Error naming it).
std::unique_ptr<Op> compile_node(const Node& node, const std::string& display_name, int64_t opset,
                                 const std::map<std::string, Tensor>* constants);

// ---- helpers ----------------------------------------------------------------------------
[[noreturn]] void runtime_fail(const std::string& what);
int64_t normalize_axis(int64_t axis, int64_t rank, const char* what = "axis");
Shape broadcast_shapes(const Shape& a, const Shape& b);
// Strides (in elements) of `shape` seen through broadcasting to `out` (0 on broadcast dims).
std::vector<int64_t> broadcast_strides(const Shape& shape, const Shape& out);
std::vector<int64_t> strides_of(const Shape& shape);
const Tensor& need(const std::vector<const Tensor*>& in, std::size_t k);
void need_float(const Tensor& t, const char* what);

// Visits every output index of `out` with the matching offsets into a and b.
template <class F>
void for_each_broadcast(const Shape& out, const std::vector<int64_t>& sa, const std::vector<int64_t>& sb, F&& f) {
  const std::size_t r = out.size();
  const int64_t n = shape_numel(out);
  if (n == 0) return;
  std::vector<int64_t> idx(r, 0);
  int64_t oa = 0, ob = 0;
  for (int64_t k = 0; k < n; ++k) {
    f(k, oa, ob);
    for (std::size_t d = r; d-- > 0;) {
      if (++idx[d] < out[d]) {
        oa += sa[d];
        ob += sb[d];
        break;
      }
      oa -= sa[d] * (out[d] - 1);
      ob -= sb[d] * (out[d] - 1);
      idx[d] = 0;
    }
  }
}

}  // namespace axevo::ops

namespace axevo::ops {

// Runs f(0) .. f(n-1) with OpenMP (static schedule); the first exception is rethrown.
void parallel_for(int64_t n, const std::function<void(int64_t)>& f);

// Sliding-window geometry shared by Conv, ConvTranspose and the pools: per spatial dim,
// the kernel size, stride, dilation and begin/end pads, as read from the attributes.
struct WindowAttrs {
  std::vector<int64_t> kernel, strides, dilations, pads;  // pads: begins then ends
  std::string auto_pad = "NOTSET";
  bool ceil_mode = false;
  void read(NodeReader& r, bool with_dilations, bool with_ceil);
};

// Resolved geometry for a given input, padded to 3 spatial dims (leading dims of size 1).
struct Window3 {
  int64_t in[3], out[3], k[3], s[3], d[3], pb[3], pe[3];
  int64_t in_size() const { return in[0] * in[1] * in[2]; }
  int64_t out_size() const { return out[0] * out[1] * out[2]; }
  int64_t k_size() const { return k[0] * k[1] * k[2]; }
};
// Output size of a forward window (Conv, pools) over `spatial`; throws for bad attributes.
Window3 forward_window(const WindowAttrs& a, const Shape& spatial, const Shape& kernel);

}  // namespace axevo::ops
