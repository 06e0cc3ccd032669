#include "axevo/emulator.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>

#include "axevo/error.hpp"

namespace axevo {

namespace {
float abs_max(const Tensor& t) {
  float m = 0;
  for (float v : t.f32) m = std::max(m, std::fabs(v));
  return m;
}
}  // namespace

Calibration calibrate(const Graph& graph, const std::vector<Tensor>& batches, const QuantOptions& options) {
  Executor exec(graph);
  std::map<std::string, quant::ActivationObserver> observers;
  for (const auto& name : exec.approximable_layer_names())
    observers.emplace(name, quant::ActivationObserver(options.calibration, options.observer));
  exec.set_input_observer([&](const std::string& layer, const Tensor& x) {
    if (x.dtype == DType::Float32) observers.at(layer).observe(x.f(), static_cast<std::size_t>(x.numel()));
  });
  for (const Tensor& b : batches) exec.run(b);
  Calibration c;
  for (auto& [name, obs] : observers) c.activation_scale[name] = obs.scale();
  return c;
}

// Everything one emulated layer needs; shared by the threads that call its kernel.
struct Emulator::LayerState {
  const Multiplier* multiplier = nullptr;
  std::unique_ptr<kernels::PreparedTable> table;
  float s_x = 1, s_h = 1;
  float s_w = 0, s_r = 0;  // per-tensor weight scales (W, and R for an LSTM); 0 = per channel
  int qmax = 127;
  bool per_channel = false;
  // Quantized weights by the address the executor hands over (constant between runs).
  struct Weights {
    std::vector<int8_t> q;
    std::vector<float> scale;  // per row
    std::unique_ptr<kernels::PackedRows> packed;  // q packed for the kernel's rows (Conv; Gemm with few outputs)
  };
  std::mutex mutex;
  std::map<const float*, std::shared_ptr<Weights>> weights;

  // The N x K weight rows at `wf` (row stride ldw), quantized once (and packed for the
  // kernel's rows once, when `pack`).
  std::shared_ptr<const Weights> weights_for(const float* wf, int64_t ldw, int64_t N, int64_t K, float tensor_scale,
                                             bool pack = false) {
    std::lock_guard<std::mutex> lock(mutex);
    std::shared_ptr<Weights>& w = weights[wf];
    if (!w) {
      w = std::make_shared<Weights>();
      w->q.resize(static_cast<std::size_t>(N * K));
      w->scale.resize(static_cast<std::size_t>(N));
      for (int64_t n = 0; n < N; ++n) {
        const float* row = wf + n * ldw;
        float s = tensor_scale;
        if (per_channel) {
          float m = 0;
          for (int64_t k = 0; k < K; ++k) m = std::max(m, std::fabs(row[k]));
          s = quant::scale_from_threshold(m, qmax);
        }
        w->scale[static_cast<std::size_t>(n)] = s;
        quant::quantize(row, static_cast<std::size_t>(K), s, w->q.data() + n * K, qmax);
      }
    }
    if (pack && !w->packed)
      w->packed = std::make_unique<kernels::PackedRows>(*table, static_cast<int>(N), static_cast<int>(K), w->q.data(), K, 1, false);
    return w;
  }

  // The int8 form (Conv): rows arrive quantized with s_x.
  void run_quantized(const QuantizedMatMulProblem& p) {
    const auto w = weights_for(p.w, p.ldw, p.N, p.K, s_w, true);
    // acc[n][m] = sum_k M(x(m, k), w(n, k)), the weights as the row operand (as approx_conv2d).
    const std::unique_ptr<int32_t[]> acc(new int32_t[static_cast<std::size_t>(p.M * p.N)]);  // written by the GEMM
    kernels::StridedGemm g;
    g.M = static_cast<int>(p.N), g.N = static_cast<int>(p.M), g.K = static_cast<int>(p.K);
    g.L = w->q.data(), g.l_m = p.K, g.l_k = 1;
    g.R = p.x, g.r_n = p.ldx, g.r_k = p.x_k_stride;
    g.Y = acc.get(), g.y_m = p.M, g.y_n = 1;
    g.left_is_activation = false;
    g.packed_left = w->packed.get();
    kernels::approx_gemm_strided(*table, g);
    for (int64_t n = 0; n < p.N; ++n) {
      const float sw = w->scale[static_cast<std::size_t>(n)];
      const int32_t* a = acc.get() + n * p.M;
      for (int64_t m0 = 0; m0 < p.M; m0 += p.y_block) {  // one block of rows at a time
        const int64_t mb = std::min(p.y_block, p.M - m0);
        float* y = p.y + (m0 / p.y_block) * p.y_block_stride + n * p.y_col_stride;
        for (int64_t m = 0; m < mb; ++m) y[m * p.y_row_stride] = static_cast<float>(a[m0 + m]) * s_x * sw;
      }
    }
  }

  void run(const MatMulProblem& p) {
    const bool recurrent = std::string(p.part) == "R";
    const float sx = recurrent ? s_h : s_x;
    // The weights packed for the kernel's rows too: the driver takes them there when N is narrow
    // (a classifier's few outputs against a batch of rows).
    const auto w = weights_for(p.w, p.ldw, p.N, p.K, recurrent ? s_r : s_w,
                               kernels::right_on_rows(static_cast<int>(p.M), static_cast<int>(p.N)));
    std::vector<int8_t> qx(static_cast<std::size_t>(p.M * p.K));
    for (int64_t m = 0; m < p.M; ++m) quant::quantize(p.x + m * p.ldx, static_cast<std::size_t>(p.K), sx, qx.data() + m * p.K, qmax);
    kernels::StridedGemm g;
    g.M = static_cast<int>(p.M), g.N = static_cast<int>(p.N), g.K = static_cast<int>(p.K);
    g.L = qx.data(), g.l_m = p.K, g.l_k = 1;
    g.R = w->q.data(), g.r_n = p.K, g.r_k = 1;
    g.left_is_activation = true;
    g.packed_right = w->packed.get();
    if (p.int_out && !per_channel && p.y_col_stride == 1) {  // the op adds integer sums (ConvTranspose)
      g.Y = p.int_out->acc, g.y_m = p.y_row_stride, g.y_n = 1;
      kernels::approx_gemm_strided(*table, g);
      p.int_out->s_x = sx;
      p.int_out->s_w = w->scale[0];
      return;
    }
    std::vector<int32_t> acc(static_cast<std::size_t>(p.M * p.N));
    g.Y = acc.data(), g.y_m = p.N, g.y_n = 1;
    kernels::approx_gemm_strided(*table, g);
    for (int64_t m = 0; m < p.M; ++m)
      for (int64_t n = 0; n < p.N; ++n)
        p.y[m * p.y_row_stride + n * p.y_col_stride] =
            static_cast<float>(acc[static_cast<std::size_t>(m * p.N + n)]) * sx * w->scale[static_cast<std::size_t>(n)];
  }
};

Emulator::Emulator(const Graph& graph, Calibration calibration, QuantOptions options)
    : executor_(graph), options_(options), calibration_(std::move(calibration)), layers_(executor_.approximable_layer_names()) {
  const Graph& g = executor_.graph();
  for (std::size_t k = 0; k < g.nodes.size(); ++k) {
    const std::string name = g.node_name(k);
    if (std::find(layers_.begin(), layers_.end(), name) == layers_.end()) continue;
    auto st = std::make_shared<LayerState>();
    st->qmax = options_.qmax;
    st->per_channel = options_.weights == quant::WeightGranularity::PerChannel;
    auto cal = calibration_.activation_scale.find(name);
    if (cal == calibration_.activation_scale.end()) throw Error("layer " + name + ": no calibration");
    st->s_x = cal->second;
    st->s_h = 1.0f / static_cast<float>(options_.qmax);
    auto weight_scale = [&](std::size_t input) {
      const Node& n = g.nodes[k];
      if (input >= n.inputs.size()) return 0.0f;
      auto it = g.initializers.find(n.inputs[input]);
      if (it == g.initializers.end())
        throw Error("layer " + name + " (" + n.op_type + "): its weights are not constant; only constant weights can be emulated");
      return quant::scale_from_threshold(abs_max(it->second), options_.qmax);
    };
    if (st->per_channel && g.nodes[k].op_type == "ConvTranspose")
      throw Error("layer " + name + " (ConvTranspose): per-channel weight scales are not supported; use per-tensor");
    st->s_w = weight_scale(1);
    if (g.nodes[k].op_type == "LSTM") st->s_r = weight_scale(2);
    state_[name] = st;
  }
}

Emulator::~Emulator() = default;

void Emulator::assign(const std::string& layer, const Multiplier* m) {
  auto it = state_.find(layer);
  if (it == state_.end()) {
    std::string names;
    for (const auto& l : layers_) names += (names.empty() ? "" : ", ") + l;
    throw Error("unknown layer '" + layer + "' (the approximable layers are: " + names + ")");
  }
  LayerState& st = *it->second;
  st.multiplier = m;
  st.weights.clear();
  if (!m) {
    st.table.reset();
    executor_.set_kernel(layer, {});
    executor_.set_quantized_kernel(layer, {});
    return;
  }
  st.table = std::make_unique<kernels::PreparedTable>(*m->table, options_.order);
  auto shared = it->second;
  executor_.set_kernel(layer, [shared](const MatMulProblem& p) { shared->run(p); });
  QuantizedKernel qk;
  qk.quantize = [shared](const float* x, std::size_t n, int8_t* q) { quant::quantize(x, n, shared->s_x, q, shared->qmax); };
  qk.matmul = [shared](const QuantizedMatMulProblem& p) { shared->run_quantized(p); };
  executor_.set_quantized_kernel(layer, std::move(qk));
}

void Emulator::assign_all(const Multiplier* m) {
  for (const auto& l : layers_) assign(l, m);
}

const Multiplier* Emulator::assigned(const std::string& layer) const {
  auto it = state_.find(layer);
  return it == state_.end() ? nullptr : it->second->multiplier;
}

std::vector<Tensor> Emulator::run(const Tensor& input) const { return executor_.run(input); }

}  // namespace axevo
