#pragma once
// The 8-bit emulator: a float graph whose approximable layers (Conv, ConvTranspose, Gemm,
// MatMul, LSTM gates) multiply through a multiplier's table, each layer its own multiplier.
//
// Integer semantics of an emulated layer (per product problem Y = X · Wᵀ, see executor.hpp):
//   q_x = clamp(round_half_even(x / s_x), -qmax, qmax)        activations, per tensor
//   q_w = clamp(round_half_even(w / s_w[n]), -qmax, qmax)     weights, per tensor or per
//                                                              output channel (row n)
//   acc(m, n) = Σ_k T[q_x(m,k)][q_w(n,k)]   (int32; T indexed [activation][weight] by
//                                              default, [weight][activation] with WeightFirst)
//   y(m, n)   = acc(m, n) · s_x · s_w[n]     and the layer adds its float bias afterwards.
// s_x comes from calibration (the layer's input tensor over N images), s_w = max|w| / qmax
// over the whole weight tensor (per tensor) or the output channel's weights (per channel).
// An LSTM's recurrent input h lies in (-1, 1): its scale is fixed at 1 / qmax.
// A ConvTranspose output pixel that several kernel taps overlap is one int32 sum over all of
// them, scaled once (the executor's col2im adds the taps' integer sums).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "axevo/executor.hpp"
#include "axevo/kernels/approx_gemm.hpp"
#include "axevo/multiplier.hpp"
#include "axevo/quantization.hpp"

namespace axevo {

struct QuantOptions {
  quant::WeightGranularity weights = quant::WeightGranularity::PerTensor;  // AdaPT-compatible default
  quant::CalibrationMethod calibration = quant::CalibrationMethod::Percentile;
  quant::ObserverOptions observer{};  // percentile 99.99 by default
  kernels::OperandOrder order = kernels::OperandOrder::ActivationFirst;
  int qmax = 127;
};

// Activation scale of every approximable layer.
struct Calibration {
  std::map<std::string, float> activation_scale;
};

// Runs `batches` through the float graph and observes each approximable layer's input.
Calibration calibrate(const Graph& graph, const std::vector<Tensor>& batches, const QuantOptions& options);

class Emulator {
 public:
  Emulator(const Graph& graph, Calibration calibration, QuantOptions options = {});
  ~Emulator();

  const std::vector<std::string>& layers() const { return layers_; }
  // Assigns a multiplier to a layer; nullptr keeps the layer in float.  Throws axevo::Error
  // for an unknown layer (naming the layers there are).  The multiplier must outlive the
  // emulator.
  void assign(const std::string& layer, const Multiplier* multiplier);
  void assign_all(const Multiplier* multiplier);
  const Multiplier* assigned(const std::string& layer) const;

  std::vector<Tensor> run(const Tensor& input) const;
  // Resumable form (see Executor::run_resumable and ActivationCache).
  std::vector<Tensor> run_resumable(const Tensor& input, const StatePtr& start, const std::function<void(const StatePtr&)>& save) const {
    return executor_.run_resumable(input, start, save);
  }

 private:
  struct LayerState;
  Executor executor_;
  QuantOptions options_;
  Calibration calibration_;
  std::vector<std::string> layers_;
  std::map<std::string, std::shared_ptr<LayerState>> state_;
};

}  // namespace axevo
