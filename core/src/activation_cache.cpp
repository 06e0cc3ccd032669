#include "axevo/activation_cache.hpp"

namespace axevo {

std::vector<Tensor> ActivationCache::run(const Emulator& emu, std::size_t batch, const Tensor& input) {
  const auto& layers = emu.layers();
  std::vector<const void*> assignment;
  assignment.reserve(layers.size());
  for (const auto& l : layers) assignment.push_back(emu.assigned(l));
  StatePtr start;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.runs;
    stats_.layers_run += layers.size();
    if (max_bytes_ > 0)
      for (std::size_t j = layers.size(); j-- > 0 && !start;) {  // the deepest state first
        Key key{batch, std::vector<const void*>(assignment.begin(), assignment.begin() + static_cast<std::ptrdiff_t>(j))};
        auto it = entries_.find(key);
        if (it == entries_.end()) continue;
        start = it->second.state;
        lru_.splice(lru_.begin(), lru_, it->second.lru);
      }
    if (start) {
      ++stats_.hits;
      stats_.layers_skipped += start->layer;
      stats_.layers_run -= start->layer;
    }
  }
  if (max_bytes_ == 0) return emu.run(input);
  auto save = [&](const StatePtr& st) {
    Key key{batch, std::vector<const void*>(assignment.begin(), assignment.begin() + static_cast<std::ptrdiff_t>(st->layer))};
    std::lock_guard<std::mutex> lock(mutex_);
    if (entries_.count(key)) return;
    const int seen = ++seen_[key];
    if (st->layer > 0 && seen < 2) return;  // admitted on the second sighting
    if (st->bytes > max_bytes_) return;
    lru_.push_front(key);
    entries_[key] = Entry{st, lru_.begin()};
    stats_.bytes += st->bytes;
    ++stats_.states;
    while (stats_.bytes > max_bytes_ && !lru_.empty()) {
      auto victim = entries_.find(lru_.back());
      stats_.bytes -= victim->second.state->bytes;
      --stats_.states;
      ++stats_.evictions;
      entries_.erase(victim);
      lru_.pop_back();
    }
    stats_.peak_bytes = std::max(stats_.peak_bytes, stats_.bytes);
  };
  return emu.run_resumable(input, start, save);
}

ActivationCache::Stats ActivationCache::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

}  // namespace axevo
