// See spin_team.hpp.
#include "axevo/kernels/spin_team.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace axevo::kernels::detail {

namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

enum State : int { kIdle, kPosted, kTaken, kDone };

}  // namespace

struct SpinTeam::Impl {
  // One helper: its offer word, whether it sleeps, its thread.  Each on its own cache line
  // (the caller writes every helper's word, each helper spins on its own).
  struct alignas(64) Helper {
    std::atomic<int> state{kIdle};
    std::atomic<bool> sleeping{false};
    std::thread thread;
  };
  std::vector<std::unique_ptr<Helper>> helpers;  // grown only by the caller holding busy
  std::atomic<bool> busy{false};                 // a caller is in run()
  std::atomic<bool> stop{false};
  std::mutex sleep_mutex;
  std::condition_variable wake;
  // The job of the current run() (written before the offers are posted).
  Body body = nullptr;
  void* context = nullptr;
  int nth = 1;

  void helper_main(Helper& h, int index) {
    using clock = std::chrono::steady_clock;
    for (;;) {
      auto deadline = clock::now() + std::chrono::microseconds(kSpinMicroseconds);
      for (int spins = 0;; ++spins) {
        int expected = kPosted;
        if (h.state.load(std::memory_order_acquire) == kPosted &&
            h.state.compare_exchange_strong(expected, kTaken, std::memory_order_acq_rel)) {
          body(context, index + 1, nth);
          h.state.store(kDone, std::memory_order_release);
          deadline = clock::now() + std::chrono::microseconds(kSpinMicroseconds);
          continue;
        }
        if (stop.load(std::memory_order_relaxed)) return;
        if ((spins & 63) == 63 && clock::now() > deadline) break;
        cpu_relax();
      }
      // Sleep until an offer is posted.  sleeping and state are both sequentially consistent,
      // and run() posts before it reads sleeping: either the helper sees the offer here, or
      // run() sees sleeping and notifies under the mutex.
      std::unique_lock<std::mutex> lock(sleep_mutex);
      h.sleeping.store(true);
      wake.wait(lock, [&] { return h.state.load() == kPosted || stop.load(); });
      h.sleeping.store(false);
      if (stop.load()) return;
    }
  }

  void ensure_helpers(int n) {  // (a helper touches only its own Helper, never the vector)
    while (static_cast<int>(helpers.size()) < n) {
      helpers.push_back(std::make_unique<Helper>());
      Helper* h = helpers.back().get();
      const int index = static_cast<int>(helpers.size()) - 1;
      h->thread = std::thread([this, h, index] { helper_main(*h, index); });
    }
  }
};

SpinTeam& SpinTeam::instance() {
  static SpinTeam team;
  return team;
}

SpinTeam::~SpinTeam() {
  if (!impl_) return;
  {
    std::lock_guard<std::mutex> lock(impl_->sleep_mutex);
    impl_->stop.store(true);
  }
  impl_->wake.notify_all();
  for (auto& h : impl_->helpers) h->thread.join();
  delete impl_;
}

bool SpinTeam::run(int nth, Body body, void* context) {
  if (nth <= 1) {
    body(context, 0, 1);
    return true;
  }
  {
    static std::once_flag once;
    std::call_once(once, [this] { impl_ = new Impl; });
  }
  Impl& m = *impl_;
  if (m.busy.exchange(true, std::memory_order_acquire)) return false;
  const int helpers = nth - 1;
  m.ensure_helpers(helpers);
  m.body = body, m.context = context, m.nth = nth;
  bool any_asleep = false;
  for (int i = 0; i < helpers; ++i) {
    Impl::Helper& h = *m.helpers[static_cast<std::size_t>(i)];
    h.state.store(kPosted);  // sequentially consistent: ordered before the read of sleeping
    any_asleep |= h.sleeping.load();
  }
  if (any_asleep) {
    std::lock_guard<std::mutex> lock(m.sleep_mutex);
    m.wake.notify_all();
  }
  body(context, 0, nth);
  for (int i = 0; i < helpers; ++i) {
    Impl::Helper& h = *m.helpers[static_cast<std::size_t>(i)];
    int expected = kPosted;
    if (!h.state.compare_exchange_strong(expected, kIdle, std::memory_order_acq_rel)) {  // taken: wait for it
      while (h.state.load(std::memory_order_acquire) != kDone) cpu_relax();
      h.state.store(kIdle, std::memory_order_relaxed);
    }
  }
  m.busy.store(false, std::memory_order_release);
  return true;
}

}  // namespace axevo::kernels::detail
