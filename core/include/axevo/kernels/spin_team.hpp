#pragma once
// Helper threads for GEMMs too small for an OpenMP region.  Internal to the kernels (not for
// users), declared here for the tests.
//
// An OpenMP parallel region costs a few microseconds even when its threads are awake: libgomp
// wakes and releases them through futex system calls at every barrier (3.3-3.9 us for an empty
// two-thread region on this project's machine, a virtual machine where system calls are
// slow), about as long as a classifier layer's whole GEMM.  The team hands work to its helpers
// through one atomic word each, without system calls while they are awake: a helper spins
// (with pause) for kSpinMicroseconds after its last job, then sleeps until the next job is
// posted (only then does the caller pay a system call to wake it).
//
// Work is shared by claiming, never by assignment: run() calls body(0, nth) on the caller and
// offers body(tid, nth), tid = 1 .. nth-1, to the helpers; a helper that has not taken its
// offer by the time the caller's own body returns is cancelled.  So `body` must split its
// work dynamically (e.g. an atomic task counter) and must not wait for other participants
// (no barrier): any subset of the helpers may run.  run() returns after every body that
// started has returned.  Results therefore cannot depend on which thread ran which task.
namespace axevo::kernels::detail {

class SpinTeam {
 public:
  using Body = void (*)(void* context, int tid, int nth);
  static constexpr int kSpinMicroseconds = 100;

  // The process's team (helpers started on first use, up to nth - 1 of them).
  static SpinTeam& instance();

  // Runs body on the caller and up to nth - 1 helpers (see above).  Returns false, having run
  // nothing, when another thread is using the team at the moment (the caller then runs the
  // work alone).
  bool run(int nth, Body body, void* context);

  ~SpinTeam();
  SpinTeam(const SpinTeam&) = delete;
  SpinTeam& operator=(const SpinTeam&) = delete;

 private:
  SpinTeam() = default;
  struct Impl;
  Impl* impl_ = nullptr;
};

// run() for a callable f(tid, nth).
template <typename F>
bool run_on_team(int nth, F& f) {
  return SpinTeam::instance().run(
      nth, [](void* c, int tid, int n) { (*static_cast<F*>(c))(tid, n); }, &f);
}

}  // namespace axevo::kernels::detail
