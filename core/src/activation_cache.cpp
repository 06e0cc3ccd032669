#include "axevo/activation_cache.hpp"

#include <algorithm>

namespace axevo {

void ActivationCache::set_layer_costs(std::vector<double> costs) {
  std::lock_guard<std::mutex> lock(mutex_);
  saved_before_.assign(1, 0.0);
  for (double c : costs) saved_before_.push_back(saved_before_.back() + c);
}

double ActivationCache::priority(const ExecutionState& st) const {
  const double saved = st.layer < saved_before_.size()
                           ? saved_before_[st.layer]
                           : (saved_before_.empty() ? 0.0 : saved_before_.back()) + static_cast<double>(st.layer + 1 - saved_before_.size());
  return inflation_ + saved / static_cast<double>(std::max<std::size_t>(st.bytes, 1));
}

void ActivationCache::touch(std::map<Key, Entry>::iterator it) {
  if (it->second.state->layer == 0) return;  // pinned
  by_rank_.erase(it->second.rank);
  it->second.rank = Rank{priority(*it->second.state), sequence_++};
  by_rank_.emplace(it->second.rank, it->first);
}

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
        touch(it);
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
    const Rank rank{priority(*st), sequence_++};
    entries_[key] = Entry{st, rank};
    if (st->layer > 0) by_rank_.emplace(rank, key);  // first-layer states are never dropped
    stats_.bytes += st->bytes;
    ++stats_.states;
    while (stats_.bytes > max_bytes_ && !by_rank_.empty()) {
      const auto lowest = by_rank_.begin();
      auto victim = entries_.find(lowest->second);
      inflation_ = lowest->first.first;
      stats_.bytes -= victim->second.state->bytes;
      --stats_.states;
      ++stats_.evictions;
      entries_.erase(victim);
      by_rank_.erase(lowest);
    }
    stats_.peak_bytes = std::max(stats_.peak_bytes, stats_.bytes);
  };
  return emu.run_resumable(input, start, save);
}

void ActivationCache::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.clear();
  by_rank_.clear();
  seen_.clear();
  stats_.bytes = 0;
  stats_.states = 0;
}

ActivationCache::Stats ActivationCache::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

}  // namespace axevo
