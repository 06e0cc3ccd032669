#pragma once
// Activation reuse across the runs of a search: layers run in topological order, so two
// assignments that agree on every approximable layer before layer j compute exactly the same
// values up to layer j.  The cache keeps such paused runs (executor states) keyed by
// (batch, multipliers of the layers before j) and resumes a run from the deepest one that
// matches, so the work before it is not redone.  The state before the first approximable
// layer (the float input of the first layer) is shared by every assignment.
//
// Memory is bounded: states are admitted when their prefix is seen for the second time (a
// prefix met once is unlikely to come back; the first-layer state is always admitted) and the
// least recently used ones are dropped beyond `max_bytes`.  Results are bit-identical with and
// without the cache.  Thread-safe; every Emulator run through one cache must come from the same
// graph, calibration and quantization options.
#include <cstddef>
#include <list>
#include <map>
#include <mutex>
#include <vector>

#include "axevo/emulator.hpp"

namespace axevo {

class ActivationCache {
 public:
  explicit ActivationCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // Runs `emu` with its current assignment on `input`, batch number `batch` (the same number
  // must always mean the same input).
  std::vector<Tensor> run(const Emulator& emu, std::size_t batch, const Tensor& input);

  struct Stats {
    std::size_t runs = 0, hits = 0;                    // runs resumed from a saved state
    std::size_t layers_run = 0, layers_skipped = 0;    // approximable layers executed / skipped
    std::size_t states = 0, bytes = 0, peak_bytes = 0, evictions = 0;
  };
  Stats stats() const;

 private:
  using Key = std::pair<std::size_t, std::vector<const void*>>;
  struct Entry {
    StatePtr state;
    std::list<Key>::iterator lru;
  };
  std::size_t max_bytes_;
  mutable std::mutex mutex_;
  std::map<Key, Entry> entries_;
  std::list<Key> lru_;  // front = most recently used
  std::map<Key, int> seen_;
  Stats stats_;
};

}  // namespace axevo
