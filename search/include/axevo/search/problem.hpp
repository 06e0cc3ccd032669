#pragma once
// The search problem: which multiplier each approximable layer uses, what that costs in
// hardware and how much quality it loses.  Independent of pagmo (campaign.hpp drives pagmo).
//
// Genome: one integer gene per layer that has a choice, indexing that layer's options; pinned
// layers (one option) are not genes.  An option is a multiplier, or nullptr for `float`.
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "axevo/multiplier.hpp"

namespace axevo::search {

using Genome = std::vector<int>;
using Assignment = std::vector<const Multiplier*>;  // one per layer, nullptr = float

struct LayerOptions {
  std::string name;
  int64_t macs = 0;                          // multiply-accumulates per sample
  std::vector<const Multiplier*> options;    // nullptr = float
};

class SearchSpace {
 public:
  // Throws axevo::Error when a layer has no option or no layer has a choice.
  explicit SearchSpace(std::vector<LayerOptions> layers);
  const std::vector<LayerOptions>& layers() const { return layers_; }
  // The layers that are genes, in layer order.
  const std::vector<std::size_t>& gene_layers() const { return genes_; }
  std::size_t genes() const { return genes_.size(); }
  int options(std::size_t gene) const { return static_cast<int>(layers_[genes_[gene]].options.size()); }
  Assignment decode(const Genome& g) const;
  // The genome of an assignment; std::nullopt when a layer's multiplier is not one of its options.
  std::optional<Genome> encode(const Assignment& a) const;
  // Number of distinct genomes (as a double: it overflows integers quickly).
  double size() const;

 private:
  std::vector<LayerOptions> layers_;
  std::vector<std::size_t> genes_;
};

// ---- hardware cost -------------------------------------------------------------------------

// Power and area of the multipliers an assignment can use: published figures when known,
// otherwise axevo's netlist cost model; `exact` stands for the library's exact multiplier.
struct Hardware {
  double power_mw = 0, area_um2 = 0;
  std::string source;  // "published" or "model"
};
class CostTable {
 public:
  void set(const Multiplier* m, Hardware h) { hw_[m] = h; }
  const Hardware* find(const Multiplier* m) const;
  // Throws axevo::Error naming the multiplier when its figures are unknown.
  const Hardware& get(const Multiplier* m) const;
  const Multiplier* exact = nullptr;  // the reference for `energy`

 private:
  std::map<const Multiplier*, Hardware> hw_;
};

struct Costs {
  double energy = 0;    // Σ MACs·P(m) / Σ MACs·P(exact), over the 8-bit layers
  double area_um2 = 0;  // Σ area of the distinct multipliers used
  int distinct = 0;     // distinct multipliers used by the 8-bit layers
};
Costs assignment_costs(const SearchSpace& space, const Assignment& a, const CostTable& hw);

// ---- quality -------------------------------------------------------------------------------

struct Quality {
  std::size_t images = 0, top1 = 0, top5 = 0;
  double squared_error = 0;  // against the float model's outputs (fidelity)
  std::size_t outputs = 0;
  double range = 0;          // peak-to-peak of the float outputs (PSNR's peak)
  double accuracy() const { return images ? static_cast<double>(top1) / static_cast<double>(images) : 0; }
  double top5_accuracy() const { return images ? static_cast<double>(top5) / static_cast<double>(images) : 0; }
  double mse() const { return outputs ? squared_error / static_cast<double>(outputs) : 0; }
  double psnr() const;  // dB; +inf when mse is 0
  // Adds the counts and sums of another part of the same image set (range unchanged).
  void add(const Quality& o) {
    images += o.images, top1 += o.top1, top5 += o.top5, squared_error += o.squared_error, outputs += o.outputs;
  }
};

// Runs the network with one assignment over a fixed image set.  One per thread.
class QualityWorker {
 public:
  virtual ~QualityWorker() = default;
  virtual Quality evaluate(const Assignment& a) = 0;
  // Optional: a worker whose evaluation consists of parts (image batches) says how many
  // (0 or 1: not split) and evaluates one; evaluate(a) must equal the parts' qualities merged
  // with Quality::add in part order.  The Evaluator then runs many genomes part by part.
  virtual std::size_t parts() const { return 0; }
  virtual Quality evaluate_part(const Assignment& a, std::size_t part) {
    (void)part;
    return evaluate(a);
  }
};
using WorkerFactory = std::function<std::unique_ptr<QualityWorker>()>;

// ---- objectives and constraints ------------------------------------------------------------

enum class Objective { AccuracyDrop, Energy, Area, DistinctMultipliers, Mse, Psnr };
// Throws std::invalid_argument with the accepted names.
Objective parse_objective(const std::string& name);
std::string objective_name(Objective o);
// Axis label with unit, for tables and plots.
std::string objective_label(Objective o);
bool objective_is_fidelity(Objective o);

struct Constraints {
  std::optional<double> max_accuracy_drop;
  std::optional<int> max_distinct_multipliers;
};

// Objective vectors are minimized.  PSNR is maximized, so its objective value is -PSNR.
// Infeasible assignments get every objective kInfeasible + violation: any feasible point
// dominates any infeasible one, and among infeasible ones the smaller violation dominates
// (Deb's constraint-domination rule expressed as a penalty).  They never reach a front.
inline constexpr double kInfeasible = 1e9;

struct Evaluation {
  std::size_t id = 0;
  Genome genome;
  Quality quality;
  Costs costs;
  double accuracy_drop = 0;
  std::vector<double> objectives;  // as minimized, penalty applied when infeasible
  std::vector<double> raw;         // the objective values without penalty
  double violation = 0;            // 0 = feasible
  int generation = 0;
  double seconds = 0;              // wall time of the quality evaluation
  bool feasible() const { return violation == 0; }
};

struct ObjectiveSet {
  std::vector<Objective> objectives;
  Constraints constraints;
  double baseline_accuracy = 0;  // accuracy_drop = baseline - accuracy
  // Fills accuracy_drop, raw, objectives, violation of an evaluation whose quality and costs are set.
  void score(Evaluation& e) const;
};

// Evaluates genomes in parallel (one QualityWorker per thread) and memoizes them: a genome
// is evaluated at most once per campaign.  Thread count does not change any result.
class Evaluator {
 public:
  Evaluator(const SearchSpace& space, ObjectiveSet objectives, const CostTable& hw, WorkerFactory factory, unsigned threads);
  ~Evaluator();

  // Results in the order of `genomes`; new genomes get ids in that order.
  std::vector<const Evaluation*> evaluate(const std::vector<Genome>& genomes);
  const Evaluation* find(const Genome& g) const;
  // Every evaluation, in id order (stable addresses).
  const std::deque<Evaluation>& all() const { return all_; }
  // Generation recorded for new evaluations.
  void set_generation(int g) { generation_ = g; }
  int generation() const { return generation_; }
  // Adds evaluations from a checkpoint (quality and costs given; scored again here).
  void preload(Evaluation e);
  std::size_t hits() const { return hits_; }
  // Checked before each new evaluation; when set, evaluate() throws Interrupted.
  void set_stop_flag(const std::atomic<bool>* flag) { stop_ = flag; }
  // Called after each new evaluation (from the calling thread, in id order) with the count done
  // in the current call and the count requested.
  std::function<void(std::size_t done, std::size_t total)> on_progress;

  const SearchSpace& space() const { return space_; }
  const ObjectiveSet& objectives() const { return objectives_; }
  const CostTable& hardware() const { return hw_; }

 private:
  const SearchSpace& space_;
  ObjectiveSet objectives_;
  const CostTable& hw_;
  WorkerFactory factory_;
  unsigned threads_;
  std::vector<std::unique_ptr<QualityWorker>> workers_;
  std::deque<Evaluation> all_;
  std::map<Genome, std::size_t> index_;
  int generation_ = 0;
  std::size_t hits_ = 0;
  const std::atomic<bool>* stop_ = nullptr;
};

struct Interrupted : std::exception {
  const char* what() const noexcept override { return "interrupted"; }
};

// Indices of the non-dominated feasible evaluations among `points` (by `objectives`),
// duplicates of an objective vector kept once (the lowest id), sorted by objective vector.
std::vector<const Evaluation*> pareto_front(const std::vector<const Evaluation*>& points);
// a dominates b (all <=, one <).
bool dominates(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace axevo::search
