#pragma once
// Search algorithms over a SearchSpace: pagmo2's nsga2 (default), moead, nspso and maco, and
// the baselines every study needs (uniform, random, greedy, exhaustive).  All of them ask an
// Evaluator for objective vectors, so every genome is evaluated once per campaign.
//
// pagmo's algorithms run one generation per evolve() call on the same algorithm object (its
// random engine carries on), so a campaign can report and checkpoint after each generation.
// nsga2 and maco handle the integer genes natively; moead and nspso see each gene as a real
// number in [0, options) and the genome is its floor.  nsga2, nspso and maco evaluate each
// generation as one batch through a pagmo member_bfe that runs the Evaluator's thread pool;
// pagmo's moead has no batch evaluation, so it evaluates one genome at a time.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "axevo/search/problem.hpp"

namespace axevo::search {

struct AlgorithmOptions {
  std::string name = "nsga2";  // nsga2, moead, nspso, maco, uniform, random, greedy, exhaustive
  unsigned population = 32;
  unsigned generations = 20;
  uint64_t seed = 1;
  std::size_t budget = 0;      // random / greedy / exhaustive: distinct evaluations; 0 = population·(generations+1)
  // Initial population of the pagmo algorithms: "uniform" evaluates the all-exact and every
  // uniform assignment, seeds the population with all-exact and the non-dominated uniform ones
  // (at most half of it) and fills the rest at random; "random" draws every individual.
  std::string initial = "uniform";
  // nsga2 (pagmo's parameters); mutation < 0 = 1 / genes
  double crossover = 0.95, eta_c = 10, mutation = -1, eta_m = 50;
  // moead
  unsigned neighbours = 20;
  // maco
  unsigned kernel = 63;
};

// Names accepted in AlgorithmOptions::name.
const std::vector<std::string>& algorithm_names();

// Throws axevo::Error naming the problem (e.g. "nsga2 needs a population that is a multiple of
// 4 and at least 8") before anything is evaluated.
void validate(const AlgorithmOptions& a, const SearchSpace& space, std::size_t objectives);

// The evaluation budget the algorithm will use (distinct genomes at most).
std::size_t planned_evaluations(const AlgorithmOptions& a, const SearchSpace& space);

// A genome with every gene on the layer's `exact` option when it has one (else option 0).
Genome base_genome(const SearchSpace& space, const Multiplier* exact);

// One genome per distinct multiplier m of the options: m on every gene layer that allows it,
// the base option elsewhere.  Labels are the multiplier names ("float" for float).
struct Labelled {
  std::string label;
  Genome genome;
};
std::vector<Labelled> uniform_genomes(const SearchSpace& space, const Multiplier* exact);

// Layer sensitivity: for every gene and option, the base genome with only that gene changed.
struct Sensitivity {
  Genome base;
  std::vector<std::vector<const Evaluation*>> cell;  // [gene][option]
};
Sensitivity sensitivity(Evaluator& ev, const Multiplier* exact);

struct Progress {
  int generation = 0, generations = 0;  // 0 = initial population
  std::size_t evaluations = 0;           // distinct genomes the algorithm has asked for so far
};

struct CampaignResult {
  std::vector<const Evaluation*> archive;  // every genome the algorithm asked for, first-request order
  std::vector<const Evaluation*> front;    // pareto_front(archive)
  std::vector<const Evaluation*> walk;     // greedy: the walk's assignments in order (from the base)
};

// Runs the algorithm.  `on_generation` is called after the initial population and after each
// generation.  Interrupted (from the Evaluator's stop flag) propagates; evaluations done so far
// stay in the Evaluator, and running the same campaign again with them preloaded replays the
// finished part without evaluating and then continues exactly as the uninterrupted run would.
CampaignResult run_campaign(Evaluator& ev, const AlgorithmOptions& a, const std::function<void(const Progress&)>& on_generation);

// Hypervolume of a front's objective vectors against a reference point (pagmo::hypervolume);
// points not strictly better than the reference in every objective are left out.
double hypervolume(const std::vector<const Evaluation*>& front, const std::vector<double>& reference);

// Deterministic 64-bit generator (splitmix64) and an unbiased draw in [0, n).
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next();
  int below(int n);

 private:
  uint64_t s_;
};

}  // namespace axevo::search
