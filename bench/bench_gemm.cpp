// Approximate GEMM throughput: axevo's blocked kernels (each path this CPU runs) against an
// AdaPT-style kernel (the direct loop AdaPT's CPU extension uses: OpenMP over output rows,
// one lut[x][w] lookup per product in the natural loop order) and the scalar reference.
//
//   axevo_bench_gemm --benchmark_filter=LeNet     # M = 256*24*24 patches, K = 150, N = 16
//   axevo_bench_gemm --benchmark_filter=Square    # 1024 x 1024 x 256
//
// Counters: lookups/s = M*N*K per second.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <random>
#include <vector>

#include "axevo/kernels/approx_gemm.hpp"

using namespace axevo;
using namespace axevo::kernels;

namespace {

struct Problem {
  int M, N, K;
  std::vector<int8_t> X, W;
  std::vector<int32_t> Y;
  Table table;
  Problem(int m, int n, int k) : M(m), N(n), K(k), X(std::size_t(m) * k), W(std::size_t(n) * k), Y(std::size_t(m) * n) {
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> byte(-128, 127);
    for (auto& x : X) x = static_cast<int8_t>(byte(rng));
    for (auto& w : W) w = static_cast<int8_t>(byte(rng));
    table = exact_table();
    for (auto& v : table) v = static_cast<int16_t>(v ^ 1);  // an "approximate" table, no zero shortcuts
  }
};

Problem& lenet() {
  static Problem p(256 * 24 * 24, 16, 150);
  return p;
}
Problem& square() {
  static Problem p(1024, 1024, 256);
  return p;
}

// AdaPT-style: Y[m][n] = sum_k lut[x][w], parallel over rows.
void adapt_style_gemm(const Table& lut, const Problem& p, int32_t* Y) {
#pragma omp parallel for schedule(static)
  for (int m = 0; m < p.M; ++m)
    for (int n = 0; n < p.N; ++n) {
      int32_t acc = 0;
      const int8_t* x = p.X.data() + std::size_t(m) * p.K;
      const int8_t* w = p.W.data() + std::size_t(n) * p.K;
      for (int k = 0; k < p.K; ++k) acc += lut[table_index(x[k], w[k])];
      Y[std::size_t(m) * p.N + n] = acc;
    }
}

void set_counters(benchmark::State& state, const Problem& p) {
  state.counters["lookups/s"] = benchmark::Counter(double(p.M) * p.N * p.K, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_axevo(benchmark::State& state, Problem& (*get)(), KernelPath path) {
  Problem& p = get();
  const PreparedTable prepared(p.table);
  for (auto _ : state) {
    approx_gemm(prepared, p.M, p.N, p.K, p.X.data(), p.K, p.W.data(), p.K, p.Y.data(), p.N, path);
    benchmark::ClobberMemory();
  }
  set_counters(state, p);
}

void BM_adapt(benchmark::State& state, Problem& (*get)()) {
  Problem& p = get();
  for (auto _ : state) {
    adapt_style_gemm(p.table, p, p.Y.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, p);
}

void BM_reference(benchmark::State& state, Problem& (*get)()) {
  Problem& p = get();
  for (auto _ : state) {
    approx_gemm_reference(p.table, OperandOrder::ActivationFirst, p.M, p.N, p.K, p.X.data(), p.K, p.W.data(), p.K,
                          p.Y.data(), p.N);
    benchmark::ClobberMemory();
  }
  set_counters(state, p);
}

void register_all() {
  struct Named {
    const char* name;
    Problem& (*get)();
  };
  for (Named pr : {Named{"LeNetConv2", &lenet}, Named{"Square1024x1024x256", &square}}) {
    benchmark::RegisterBenchmark((std::string(pr.name) + "/reference_1thread").c_str(), BM_reference, pr.get)
        ->Unit(benchmark::kMillisecond)->UseRealTime();
    benchmark::RegisterBenchmark((std::string(pr.name) + "/adapt_style").c_str(), BM_adapt, pr.get)
        ->Unit(benchmark::kMillisecond)->UseRealTime();
    for (KernelPath path : available_kernel_paths())
      benchmark::RegisterBenchmark((std::string(pr.name) + "/axevo_" + kernel_path_name(path)).c_str(), BM_axevo,
                                   pr.get, path)
          ->Unit(benchmark::kMillisecond)->UseRealTime();
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
