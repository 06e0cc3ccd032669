#pragma once
// Float reference executor.  An Executor compiles a Graph into a list of operator objects
// once, then runs batches through it.  Each multiplication-heavy layer (Conv, ConvTranspose,
// Gemm, MatMul with a constant operand, LSTM) does its products through a MatMulKernel that
// can be replaced per layer, e.g. by an approximate int8 table kernel; the float default is
// an Eigen GEMM.  Results do not depend on the number of OpenMP threads.
#include <limits>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "axevo/graph.hpp"

namespace axevo {

// One product Y = X · Wᵀ of a layer:  Y(m, n) = Σ_k X(m, k) · W(n, k), where X holds the
// activations (row-major, x[m*ldx + k]) and W the weights, one output channel per row
// (w[n*ldw + k]).  Y(m, n) must be written to y[m*y_row_stride + n*y_col_stride] (overwritten;
// the operator adds bias, alpha/beta, etc. afterwards).  Kernels are called concurrently
// from several threads and must be thread-safe.  When the layer's weights are constants
// (initializers), `w` points into memory the Executor owns and keeps unchanged between runs,
// so a kernel may cache e.g. quantized weights by (w, N, K).
//   Conv:          M = output pixels of one sample and group, N = Cout/group, K = Cin/group·kernel
//                  (x is the im2col matrix, one row per output pixel)
//   ConvTranspose: M = input pixels, N = Cout/group·kernel, K = Cin/group (then col2im)
//   Gemm / MatMul: M = rows of A (blocks of 64 rows), N = output features, K = inner size
//   LSTM:          part "W": M = seq·batch, N = 4·hidden, K = input size (once per direction);
//                  part "R": M = batch, N = 4·hidden, K = hidden (once per time step)
struct MatMulProblem {
  int64_t M = 0, N = 0, K = 0;
  const float* x = nullptr;
  int64_t ldx = 0;
  const float* w = nullptr;
  int64_t ldw = 0;
  float* y = nullptr;
  int64_t y_row_stride = 0, y_col_stride = 1;
  // For an LSTM: "W" (input weights) or "R" (recurrent weights); empty otherwise.
  const char* part = "";
  // Offered by an op that adds several outputs of one problem into one value (ConvTranspose's
  // col2im): a kernel that computes Y = acc · s_x · s_w with int32 sums and one s_w for the whole
  // problem may, instead of writing y, write acc to int_out->acc (same strides as y) and set
  // int_out->s_x, s_w; the op then adds the integers exactly and scales each output once.
  // Kernels that do not (the float one) ignore it and write y; s_x stays 0.
  struct IntegerOutput {
    int32_t* acc = nullptr;
    float s_x = 0, s_w = 0;
  };
  IntegerOutput* int_out = nullptr;
};
using MatMulKernel = std::function<void(const MatMulProblem&)>;

// The int8 form used by Conv layers of an emulated network: the op quantizes its activation
// input once with `quantize` (before im2col, which then copies bytes instead of floats and
// quantizes each input value once instead of once per kernel tap) and hands int8 im2col rows
// to `matmul`.  Padding is the quantized zero, 0.  Results equal the float protocol's with a
// kernel that quantizes its rows with the same function.
struct QuantizedMatMulProblem {
  int64_t M = 0, N = 0, K = 0;
  const int8_t* x = nullptr;  // X(m, k) = x[m*ldx + k*x_k_stride] (Conv: k-major im2col, ldx 1)
  int64_t ldx = 0, x_k_stride = 1;
  const float* w = nullptr;
  int64_t ldw = 0;
  // Y(m, n) = y[(m / y_block) * y_block_stride + (m % y_block) * y_row_stride + n * y_col_stride]:
  // rows may come in blocks (Conv: several images' output pixels in one problem).
  float* y = nullptr;
  int64_t y_row_stride = 0, y_col_stride = 1;
  int64_t y_block = std::numeric_limits<int64_t>::max(), y_block_stride = 0;
};
struct QuantizedKernel {
  std::function<void(const float* x, std::size_t n, int8_t* q)> quantize;
  std::function<void(const QuantizedMatMulProblem&)> matmul;
  explicit operator bool() const { return quantize && matmul; }
};

// The exact float kernel (Eigen, single-threaded, deterministic).
void float_matmul_kernel(const MatMulProblem& p);

// A layer whose multiplications can be approximated.
struct LayerInfo {
  std::string name;     // the node's name, or "<op_type>_<index>"
  std::string op_type;  // Conv, ConvTranspose, Gemm, MatMul, LSTM
  std::size_t node_index = 0;
  Shape input_shape;    // of the activation input, for the traced input shape
  Shape weight_shape;   // as stored in the graph (e.g. [Cout, Cin/g, kh, kw])
  Shape output_shape;
  int64_t macs = 0;             // multiply-accumulates for the traced input
  int64_t macs_per_sample = 0;  // macs / the first dim of the traced graph input
  int64_t params = 0;           // weights + biases
};

class Op;  // an operator compiled from one node (core/src/ops/op.hpp)

// A run paused just before an approximable layer: the values still needed from there on,
// shared (never copied or modified).  What it holds depends only on the graph input and on the
// kernels of the approximable layers executed before that point.
struct ExecutionState {
  std::size_t step = 0;   // the node to run next
  std::size_t layer = 0;  // the approximable layer it is (its index in approximable_layer_names())
  std::vector<std::pair<int, std::shared_ptr<const Tensor>>> values;  // by value id
  std::size_t bytes = 0;  // of the tensors held
};
using StatePtr = std::shared_ptr<const ExecutionState>;

class Executor {
 public:
  // Compiles the graph; throws axevo::Error naming the node for an unsupported operator,
  // attribute or attribute value.
  explicit Executor(const Graph& graph);
  ~Executor();
  Executor(Executor&&) noexcept;
  Executor& operator=(Executor&&) noexcept;

  // Runs the graph; inputs by graph-input name, returns every graph output by name.
  std::map<std::string, Tensor> run(const std::map<std::string, Tensor>& inputs) const;
  // Convenience for single-input graphs: returns the outputs in graph order.
  std::vector<Tensor> run(const Tensor& input) const;
  // The same run, resumable: starts from `start` (a state this executor saved for the same
  // input; nullptr = from `input`), and before each later approximable layer offers the state
  // to `save` (which may keep it).  Outputs are identical to run(input) with the same kernels.
  std::vector<Tensor> run_resumable(const Tensor& input, const StatePtr& start,
                                    const std::function<void(const StatePtr&)>& save) const;

  const Graph& graph() const;
  // Replaces the products of one approximable layer (by LayerInfo::name); an empty function
  // restores the float kernel.  Throws axevo::Error for an unknown layer name.
  void set_kernel(const std::string& layer, MatMulKernel kernel);
  // The int8 form for the layer's Conv op (other ops keep using the MatMulKernel); an empty
  // one removes it.  Throws axevo::Error for an unknown layer name.
  void set_quantized_kernel(const std::string& layer, QuantizedKernel kernel);
  // Called (sequentially, from the thread that runs the graph) with the activation input
  // (the node's first input) of every approximable layer on each run; used for calibration.
  // An empty function removes it.
  using LayerInputObserver = std::function<void(const std::string& layer, const Tensor& activation)>;
  void set_input_observer(LayerInputObserver observer);
  // The names of the approximable layers, in node order.
  std::vector<std::string> approximable_layer_names() const;
  // Shapes, MACs and parameters of the approximable layers for an input shape (runs the
  // graph once on zeros of that shape).
  std::vector<LayerInfo> trace_layers(const std::map<std::string, Shape>& input_shapes) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The approximable layers of a single-input graph for one input shape (e.g. {1, 1, 28, 28}).
std::vector<LayerInfo> approximable_layers(const Graph& graph, const Shape& input_shape);

// Evaluates one node on the given inputs (nullptr = absent optional input); used by
// constant folding.  Throws axevo::Error for unsupported nodes.
std::vector<Tensor> evaluate_node(const Node& node, int64_t opset, const std::vector<const Tensor*>& inputs);

// Throws one axevo::Error naming the first node whose operator, attribute or attribute
// value is not supported.
void check_supported(const Graph& graph);

}  // namespace axevo
