#pragma once
// Activation reuse across the runs of a search: layers run in topological order, so two
// assignments that agree on every approximable layer before layer j compute exactly the same
// values up to layer j.  The cache keeps such paused runs (executor states) keyed by
// (batch, multipliers of the layers before j) and resumes a run from the deepest one that
// matches, so the work before it is not redone.  The state before the first approximable
// layer (the float input of the first layer) is shared by every assignment.
//
// Memory is bounded: states are admitted when their prefix is seen for the second time (a
// prefix met once is unlikely to come back), except the first-layer state of each batch,
// which is always admitted and never dropped (so that input is computed once per campaign);
// beyond `max_bytes` the one with the lowest GreedyDual-Size priority is dropped: priority =
// L + (work it saves) / (bytes it holds), set when the state is stored or used, where L is the
// priority of the last state dropped (so states not used for a while age out).  The work a
// state before layer j saves is the sum of the costs of layers 0..j-1 (set_layer_costs, e.g.
// MACs; 1 per layer by default): deep, small states are kept before shallow, large ones.
// Results are bit-identical with and without the cache, whatever it keeps.  Thread-safe; every Emulator run through one cache must come from the same
// graph, calibration and quantization options.
#include <cstddef>
#include <map>
#include <mutex>
#include <vector>

#include "axevo/emulator.hpp"

namespace axevo {

class ActivationCache {
 public:
  explicit ActivationCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}
  // The cost of each approximable layer, in Emulator::layers() order (missing ones count 1).
  void set_layer_costs(std::vector<double> costs);

  // Runs `emu` with its current assignment on `input`, batch number `batch` (the same number
  // must always mean the same input).
  std::vector<Tensor> run(const Emulator& emu, std::size_t batch, const Tensor& input);

  struct Stats {
    std::size_t runs = 0, hits = 0;                    // runs resumed from a saved state
    std::size_t layers_run = 0, layers_skipped = 0;    // approximable layers executed / skipped
    std::size_t states = 0, bytes = 0, peak_bytes = 0, evictions = 0;
  };
  Stats stats() const;
  // Drops every state (frees their memory); the statistics stay.
  void clear();

 private:
  using Key = std::pair<std::size_t, std::vector<const void*>>;
  using Rank = std::pair<double, std::size_t>;  // (priority, sequence number: older first)
  struct Entry {
    StatePtr state;
    Rank rank;
  };
  double priority(const ExecutionState& st) const;  // L + saved work / bytes
  void touch(std::map<Key, Entry>::iterator it);

  std::size_t max_bytes_;
  std::vector<double> saved_before_;  // saved_before_[j] = cost of layers 0..j-1
  mutable std::mutex mutex_;
  std::map<Key, Entry> entries_;
  std::map<Rank, Key> by_rank_;  // eviction order: lowest priority first
  double inflation_ = 0;         // L
  std::size_t sequence_ = 0;
  std::map<Key, int> seen_;
  Stats stats_;
};

}  // namespace axevo
