#pragma once
// What `eval`, `search` and `sensitivity` share: a config's model, dataset, multipliers and
// calibration (cached on disk), the image sets to evaluate on, and the scoring of outputs.
#include <filesystem>
#include <string>
#include <vector>

#include "axevo/activation_cache.hpp"
#include "axevo/dataset.hpp"
#include "axevo/emulator.hpp"
#include "axevo/graph.hpp"
#include "axevo/library.hpp"
#include "axevo/search/problem.hpp"
#include "config.hpp"

namespace axevo::cli {

// Images of one split, normalized and cut into batches once.
struct ImageSet {
  std::string split;  // "test" or "validation"
  const DatasetSplit* source = nullptr;
  std::vector<std::size_t> indices;
  std::vector<Tensor> batches;
  std::vector<int32_t> labels;     // per image, in order
  std::vector<Tensor> reference;   // float outputs per batch (fidelity metrics only)
  double reference_range = 0;      // their peak-to-peak (PSNR's peak)
};

class Workload {
 public:
  // Loads everything the config names and calibrates (or reads the calibration cache).
  // Throws axevo::Error naming the file and problem.
  explicit Workload(Config config);

  const Config& config() const { return c_; }
  const Graph& graph() const { return graph_; }
  const Dataset& dataset() const { return ds_; }
  const MultiplierSet& multipliers() const { return set_; }
  const Multiplier& exact() const { return exact_; }
  const Calibration& calibration() const { return cal_; }
  const std::vector<std::string>& layers() const { return layers_; }
  std::size_t calibration_images() const { return calib_idx_.size(); }
  bool classifies() const { return c_.metric == "accuracy"; }
  // "float" -> nullptr, "exact" -> exact(), else the library's multiplier (throws if unknown).
  const Multiplier* resolve(const std::string& name) const;

  // "test" (every image) or "validation" (carved from the training set); `limit` > 0 keeps the
  // first images.  With `with_reference`, the float model's outputs are kept for MSE/PSNR.
  ImageSet images(const std::string& split, std::size_t limit, bool with_reference) const;
  Tensor batch(const DatasetSplit& s, const std::vector<std::size_t>& idx, std::size_t start, std::size_t n) const;

 private:
  Config c_;
  Graph graph_;
  Dataset ds_;
  MultiplierSet set_;
  Multiplier exact_;
  std::vector<std::string> layers_;
  Calibration cal_;
  bool has_train_ = false;
  IndexSplit carved_;
  std::vector<std::size_t> calib_idx_;
  const DatasetSplit* calib_split_ = nullptr;
};

// Adds one batch's outputs to `q`: top-1/top-5 against `labels` (classifier) or squared error
// against `reference` (fidelity).  Per-class counts when the vectors are given.
void score_batch(const Tensor& out, const int32_t* labels, const Tensor* reference, search::Quality& q,
                 std::vector<std::size_t>* class_total = nullptr, std::vector<std::size_t>* class_correct = nullptr);

// Runs an Emulator over an ImageSet: the search's QualityWorker.
class EmulatorWorker : public search::QualityWorker {
 public:
  // With a cache, runs resume from activations shared with earlier assignments (same results).
  EmulatorWorker(const Workload& w, const ImageSet& images, const std::vector<std::string>& layer_order,
                 ActivationCache* cache = nullptr);
  // The batches, one after the other (the parts below, merged in order).
  search::Quality evaluate(const search::Assignment& a) override;
  std::size_t parts() const override { return images_.batches.size(); }
  search::Quality evaluate_part(const search::Assignment& a, std::size_t batch) override;

 private:
  const ImageSet& images_;
  std::vector<std::string> order_;
  Emulator emu_;
  bool classify_;
  ActivationCache* cache_;
  std::vector<std::size_t> batch_first_;  // index of each batch's first label
};

}  // namespace axevo::cli
