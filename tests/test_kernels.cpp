// Approximate integer kernels: every fast path (each micro-kernel this CPU can run, 1 and 2
// OpenMP threads) must equal the scalar reference bit for bit, for the exact table, the 13
// EvoApprox tables in both operand orders and a few builtin approximate multipliers.
#include <catch2/catch.hpp>
#include <omp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "axevo/error.hpp"
#include "axevo/kernels/approx_conv.hpp"
#include "axevo/kernels/approx_gemm.hpp"
#include "test_support.hpp"

using namespace axevo;
using namespace axevo::kernels;

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

struct NamedTable {
  std::string name;
  std::shared_ptr<const Table> table;
};

// exact, the 13 EvoApprox circuits, then up to 3 approximate builtin multipliers (loaded once).
const std::vector<NamedTable>& all_tables() {
  static const std::vector<NamedTable> tables = [] {
    std::vector<NamedTable> v{{"exact", std::make_shared<Table>(exact_table())}};
    auto evo = load_multiplier_library("lut:" + test::evoapprox_dir().string(), test::plugin_path()).multipliers;
    std::sort(evo.begin(), evo.end(), [](const Multiplier& a, const Multiplier& b) { return a.name < b.name; });
    for (const auto& m : evo) v.push_back({m.name, m.table});
    auto builtin = load_multiplier_library("builtin", test::plugin_path()).multipliers;
    std::sort(builtin.begin(), builtin.end(), [](const Multiplier& a, const Multiplier& b) { return a.name < b.name; });
    const Table exact = exact_table();
    int taken = 0;
    for (const auto& m : builtin)
      if (*m.table != exact && taken < 3) v.push_back({m.name, m.table}), ++taken;
    return v;
  }();
  return tables;
}

// The tables a test sweeps: all of them in Release, a few under the sanitizers.
std::vector<NamedTable> sweep_tables() {
  const auto& all = all_tables();
  if (!kSanitized) return all;
  return {all[0], all[1], all[2], all.back()};
}

std::vector<int8_t> random_bytes(std::size_t n, std::mt19937& rng, double zero_fraction = 0.0) {
  std::uniform_int_distribution<int> byte(-128, 127);
  std::bernoulli_distribution zero(zero_fraction);
  std::vector<int8_t> v(n);
  for (auto& x : v) x = zero_fraction > 0 && zero(rng) ? int8_t{0} : static_cast<int8_t>(byte(rng));
  return v;
}

// Restores the OpenMP thread count when a test ends.
struct ThreadGuard {
  int saved = omp_get_max_threads();
  ~ThreadGuard() { omp_set_num_threads(saved); }
};

const OperandOrder kOrders[] = {OperandOrder::ActivationFirst, OperandOrder::WeightFirst};
// Two threads first: the GEMM driver keeps each thread's scratch between calls, and a threaded
// run right after a one-thread run of the same problem would find the packed operands already
// there, hiding a part that the threaded path forgot to pack.
const int kThreads[] = {2, 1};

// Runs approx_gemm on X, W on every path and thread count and compares with the reference.
void check_gemm_on(const Table& table, OperandOrder order, const PreparedTable& prepared, int M, int N, int K,
                   const std::vector<int8_t>& X, int ldx, const std::vector<int8_t>& W, int ldw, int ldy) {
  std::vector<int32_t> ref(static_cast<std::size_t>(std::max(M, 1)) * ldy, -7);
  approx_gemm_reference(table, order, M, N, K, X.data(), ldx, W.data(), ldw, ref.data(), ldy);
  for (KernelPath path : available_kernel_paths())
    for (int threads : kThreads) {
      omp_set_num_threads(threads);
      std::vector<int32_t> y(ref.size(), -7);  // padding columns must stay untouched
      approx_gemm(prepared, M, N, K, X.data(), ldx, W.data(), ldw, y.data(), ldy, path);
      INFO("M=" << M << " N=" << N << " K=" << K << " path=" << kernel_path_name(path) << " threads=" << threads
                << " order=" << (order == OperandOrder::ActivationFirst ? "activation-first" : "weight-first"));
      REQUIRE(y == ref);
    }
}

// The same on random operands (zero_fraction of X set to 0), rows `pad` longer than K.
void check_gemm(const Table& table, OperandOrder order, const PreparedTable& prepared, int M, int N, int K,
                std::mt19937& rng, double zero_fraction = 0.0, int pad = 0) {
  const int ldx = K + pad, ldw = K + 2 * pad, ldy = N + 3 * pad;
  const auto X = random_bytes(static_cast<std::size_t>(std::max(M, 1)) * ldx, rng, zero_fraction);
  const auto W = random_bytes(static_cast<std::size_t>(std::max(N, 1)) * ldw, rng);
  check_gemm_on(table, order, prepared, M, N, K, X, ldx, W, ldw, ldy);
}

struct Shape {
  int M, N, K;
};

}  // namespace

TEST_CASE("kernels: the CPU dispatch lists the portable path first", "[kernels]") {
  const auto paths = available_kernel_paths();
  REQUIRE(!paths.empty());
  CHECK(paths.front() == KernelPath::Scalar);
  const KernelPath best = best_kernel_path();
  CHECK(std::find(paths.begin(), paths.end(), best) != paths.end());
  // The last listed path is the fastest, except the AVX2 gather kernel (slower than scalar).
  CHECK(best == (paths.back() == KernelPath::Avx2 ? KernelPath::Scalar : paths.back()));
  for (KernelPath p : paths) CHECK(kernel_path_name(p) != "?");
}

TEST_CASE("kernels: the swept tables include the 13 EvoApprox circuits, 6 not commutative", "[kernels]") {
  const auto& tables = all_tables();
  REQUIRE(tables.size() >= 14);
  int evo = 0, not_commutative = 0;
  for (const auto& t : tables) {
    if (t.name.rfind("mul8s_", 0) != 0) continue;
    ++evo;
    bool commutative = true;
    for (int a = -128; a < 128 && commutative; ++a)
      for (int b = -128; b < a; ++b)
        if ((*t.table)[table_index(a, b)] != (*t.table)[table_index(b, a)]) commutative = false;
    not_commutative += !commutative;
  }
  CHECK(evo == 13);
  CHECK(not_commutative == 6);
}

TEST_CASE("kernels: prepared table orientations and zero-operand detection", "[kernels]") {
  const Table& evo = *all_tables().at(1).table;
  for (OperandOrder order : kOrders) {
    const PreparedTable p(evo, order);
    for (int x = -128; x < 128; x += 5)
      for (int w = -128; w < 128; w += 3) {
        const int16_t expect = order == OperandOrder::ActivationFirst ? evo[table_index(x, w)] : evo[table_index(w, x)];
        REQUIRE(p(x, w) == expect);
        REQUIRE(p.activation_major()[table_index(x, w)] == expect);
        REQUIRE(p.weight_major()[table_index(w, x)] == expect);
      }
  }
  const PreparedTable exact(exact_table());
  CHECK(exact.zero_activations()[0] == 1);
  CHECK(exact.zero_weights()[0] == 1);
  CHECK(exact.zero_activations()[1] == 0);
  Table skewed = exact_table();
  skewed[table_index(0, 5)] = 3;  // activation 0 no longer always gives 0
  const PreparedTable s(skewed);
  CHECK(s.zero_activations()[0] == 0);
  CHECK(s.zero_weights()[0] == 1);  // weight 0 still gives 0 against every activation
  CHECK(s.zero_weights()[5] == 0);
}

TEST_CASE("approx_gemm: exact table equals plain integer sums", "[kernels]") {
  ThreadGuard guard;
  std::mt19937 rng(1);
  const PreparedTable prepared(exact_table());
  for (Shape s : {Shape{1, 1, 1}, Shape{3, 7, 17}, Shape{65, 33, 7}, Shape{17, 65, 33}}) {
    const auto X = random_bytes(static_cast<std::size_t>(s.M) * s.K, rng);
    const auto W = random_bytes(static_cast<std::size_t>(s.N) * s.K, rng);
    std::vector<int32_t> plain(static_cast<std::size_t>(s.M) * s.N, 0);
    for (int m = 0; m < s.M; ++m)
      for (int n = 0; n < s.N; ++n)
        for (int k = 0; k < s.K; ++k) plain[m * s.N + n] += X[m * s.K + k] * W[n * s.K + k];
    for (KernelPath path : available_kernel_paths())
      for (int threads : kThreads) {
        omp_set_num_threads(threads);
        std::vector<int32_t> y(plain.size());
        approx_gemm(prepared, s.M, s.N, s.K, X.data(), s.K, W.data(), s.K, y.data(), s.N, path);
        REQUIRE(y == plain);
      }
  }
}

TEST_CASE("approx_gemm: every path equals the reference for every table and operand order", "[kernels]") {
  ThreadGuard guard;
  std::mt19937 rng(2);
  std::vector<Shape> shapes = {{1, 1, 1},  {1, 3, 7},   {3, 1, 17},  {7, 17, 33}, {17, 33, 65},
                               {33, 65, 3}, {65, 7, 1}, {65, 65, 17}, {1, 65, 65}};
  // Large enough (>= 512 Ki multiply-accumulates) for the driver to start threads: several row
  // and lane blocks; narrow N with few rows (transposed: the lanes split between the threads)
  // in two lane blocks that each pack their own operands, of equal and of unequal widths; a
  // narrow N with more rows (split by rows, each tile wide) and one lane panel shared by two
  // row blocks and packed in k chunks by both threads; the same not transposed.
  for (Shape s : {Shape{67, 300, 30}, Shape{256, 10, 250}, Shape{300, 10, 200}, Shape{256, 100, 40}, Shape{200, 130, 48}})
    shapes.push_back(s);
  // Below it, one thread: a classifier's shape (one wide tile), narrow N over 300 lanes (a wide
  // and a narrow tile), two lane blocks.
  for (Shape s : {Shape{256, 10, 64}, Shape{300, 9, 40}, Shape{40, 300, 20}}) shapes.push_back(s);
  for (const auto& t : sweep_tables())
    for (OperandOrder order : kOrders) {
      const PreparedTable prepared(*t.table, order);
      INFO("table " << t.name);
      for (Shape s : shapes) check_gemm(*t.table, order, prepared, s.M, s.N, s.K, rng);
    }
}

TEST_CASE("approx_gemm: row strides, narrow N (transposed blocking) and empty sizes", "[kernels]") {
  ThreadGuard guard;
  std::mt19937 rng(3);
  const Table& evo = *all_tables().at(3).table;
  for (OperandOrder order : kOrders) {
    const PreparedTable prepared(evo, order);
    check_gemm(evo, order, prepared, 17, 33, 7, rng, 0.0, 5);   // ldx, ldw, ldy larger than the rows
    check_gemm(evo, order, prepared, kSanitized ? 150 : 600, 5, 9, rng);  // N < 32 < M: lanes over M
    check_gemm(evo, order, prepared, 70, 16, 150, rng, 0.0, 1);
    check_gemm(evo, order, prepared, 5, 7, 0, rng);  // K = 0: all zeros
    check_gemm(evo, order, prepared, 0, 7, 3, rng);
  }
  const PreparedTable prepared(evo);
  int8_t x = 0;
  int32_t y = 0;
  CHECK_THROWS_AS(approx_gemm(prepared, -1, 1, 1, &x, 1, &x, 1, &y, 1), Error);
  CHECK_THROWS_AS(approx_gemm(prepared, 2, 2, 3, &x, 2, &x, 3, &y, 2), Error);
}

TEST_CASE("approx_gemm_strided: output columns in blocks (y_n_block) land where the formula puts them", "[kernels]") {
  // Y(m, n) at Y[m*y_m + (n / B)*S + (n % B)*y_n] (a convolution's several images per GEMM):
  // wide N (lanes over N: runs split at block edges, also inside one tile) and narrow N
  // (lanes over M), contiguous and strided columns; nothing outside the formula is written.
  ThreadGuard guard;
  std::mt19937 rng(12);
  const Table& evo = *all_tables().at(4).table;
  const PreparedTable prepared(evo);
  const std::vector<std::array<int, 5>> cases = {{7, 300, 19, 49, 1}, {9, 200, 11, 64, 1}, {6, 400, 9, 150, 1},
                                                 {300, 10, 13, 4, 1},  {5, 150, 7, 30, 2},  {130, 6, 9, 5, 3},
                                                 {200, 11, 7, 3, 1},  {5, 600, 7, 300, 1}, {5, 600, 7, 300, 2}};
  // (The last two: one-row kernels write a whole tile straight into Y only where its lanes
  // are one contiguous run of a row, y_n == 1 and inside one block: lane tile 0 of N = 600
  // with blocks of 300, not tile 1, and no tile with strided columns.)
  for (auto [M, N, K, B, y_n] : cases) {
    const auto X = random_bytes(static_cast<std::size_t>(M) * K, rng, 0.2), W = random_bytes(static_cast<std::size_t>(N) * K, rng);
    std::vector<int32_t> ref(static_cast<std::size_t>(M) * N);
    approx_gemm_reference(evo, OperandOrder::ActivationFirst, M, N, K, X.data(), K, W.data(), K, ref.data(), N);
    const std::ptrdiff_t y_m = static_cast<std::ptrdiff_t>(B) * y_n + 3, S = y_m * M + 11, blocks = (N + B - 1) / B;
    for (KernelPath path : available_kernel_paths())
      for (int threads : kThreads) {
        omp_set_num_threads(threads);
        std::vector<int32_t> Y(static_cast<std::size_t>(S * blocks), -7);
        StridedGemm g;
        g.M = M, g.N = N, g.K = K;
        g.L = X.data(), g.l_m = K, g.R = W.data(), g.r_n = K;
        g.Y = Y.data(), g.y_m = y_m, g.y_n = y_n, g.y_n_block = B, g.y_n_block_stride = S;
        approx_gemm_strided(prepared, g, path);
        std::vector<int32_t> expect(Y.size(), -7);
        for (int m = 0; m < M; ++m)
          for (int n = 0; n < N; ++n)
            expect[static_cast<std::size_t>(m * y_m + (n / B) * S + (n % B) * y_n)] = ref[static_cast<std::size_t>(m) * N + n];
        INFO("M " << M << " N " << N << " K " << K << " block " << B << " y_n " << y_n << " path " << kernel_path_name(path)
                  << " threads " << threads);
        REQUIRE(Y == expect);
      }
  }
  StridedGemm bad;
  bad.M = bad.N = bad.K = 1, bad.y_n_block = 0;
  CHECK_THROWS_AS(approx_gemm_strided(prepared, bad), Error);
}

TEST_CASE("approx_gemm: zero skipping is exact for tables with and without M(0, w) == 0", "[kernels]") {
  ThreadGuard guard;
  std::mt19937 rng(4);
  Table leaky = exact_table();
  for (int w = -128; w < 128; w += 7) leaky[table_index(0, w)] = static_cast<int16_t>(w / 3 + 1);  // M(0, w) != 0
  Table leaky_weight = exact_table();
  leaky_weight[table_index(9, 0)] = -11;  // weight 0 no longer always gives 0
  for (const Table* t : std::vector<const Table*>{all_tables()[0].table.get(), &leaky, &leaky_weight, all_tables()[5].table.get()})
    for (OperandOrder order : kOrders) {
      const PreparedTable prepared(*t, order);
      // ReLU-like activations: most are 0, whole k-steps of a row tile are 0.
      check_gemm(*t, order, prepared, 33, 40, 65, rng, 0.7);
      check_gemm(*t, order, prepared, 64, 9, 50, rng, 0.95);
    }
}

TEST_CASE("approx_gemm: lane panels of non-negative bytes (post-ReLU activations) on every path", "[kernels]") {
  // The VBMI path looks up only the first half of each table row for a lane block whose
  // bytes are all below 128; blocks with one negative byte take the full path.
  ThreadGuard guard;
  std::mt19937 rng(9);
  std::uniform_int_distribution<int> nonneg(0, 127);
  for (const auto& t : sweep_tables())
    for (OperandOrder order : kOrders) {
      const PreparedTable prepared(*t.table, order);
      INFO("table " << t.name);
      // {M, N, K, negative byte at lane, at k}: lanes are W (N >= 128) or X (narrow N:
      // transposed); {260, 140, ...}, {200, 300, ...}: both wide, X non-negative, W with a negative
      // byte or none; the last three: one lane block shared by two row blocks, packed by both
      // threads in two k ranges (the negative byte in the second).
      const std::vector<std::array<int, 5>> cases = {{5, 300, 37, -1, 0},   {300, 9, 41, -1, 0},   {7, 600, 19, 590, 1},
                                                     {520, 3, 13, 3, 1},    {260, 140, 23, 139, 1}, {200, 300, 17, -1, 0},
                                                     {256, 20, 50, 255, 48}, {40, 200, 70, 199, 69}, {40, 200, 70, -1, 0}};
      for (auto [M, N, K, neg, neg_k] : cases) {
        std::vector<int8_t> X(static_cast<std::size_t>(M) * K), W(static_cast<std::size_t>(N) * K);
        for (auto& v : X) v = static_cast<int8_t>(nonneg(rng));
        for (auto& v : W) v = static_cast<int8_t>(nonneg(rng));
        if (neg >= 0) (N >= 128 ? W : X)[static_cast<std::size_t>(neg) * K + neg_k] = -5;
        check_gemm_on(*t.table, order, prepared, M, N, K, X, K, W, K, N);
      }
    }
}

TEST_CASE("approx_gemm: int16 partial sums stay in range at the bounds (large table values, long K)", "[kernels]") {
  // The VBMI kernel sums products in int16 over groups of k whose table rows' largest |value|
  // add up to at most 32767 (one-entry groups for larger values).  Tables whose magnitude
  // depends on the weight only, with one sign per activation sign, drive every lane's int16
  // sum to the limit: 7 x 4681 = 32767 exactly, 2 x 16383, one 32767 or -32768, and long
  // runs of small values.
  ThreadGuard guard;
  std::mt19937 rng(11);
  const int magnitudes[] = {1, 3, 127, 4681, 16383, 16384, 32767, 32768};
  Table table{};
  std::array<int, 256> magnitude_of{};
  for (int w = -128; w < 128; ++w) magnitude_of[static_cast<uint8_t>(w)] = magnitudes[(w + 128) % 8];
  for (int x = -128; x < 128; ++x)
    for (int w = -128; w < 128; ++w) {
      const int m = magnitude_of[static_cast<uint8_t>(w)];
      table[table_index(x, w)] = static_cast<int16_t>(x >= 0 ? std::min(m, 32767) : -m);
    }
  // Weight values by magnitude class, to build rows of one class.
  auto weight_of_class = [&](int c) {
    std::vector<int8_t> ws;
    for (int w = -128; w < 128; ++w)
      if ((w + 128) % 8 == c) ws.push_back(static_cast<int8_t>(w));
    return ws;
  };
  for (OperandOrder order : kOrders) {
    const PreparedTable prepared(table, order);
    for (auto [M, N, K] : std::vector<std::array<int, 3>>{{9, 200, 300}, {300, 7, 500}, {130, 130, 70}}) {
      std::vector<int8_t> X(static_cast<std::size_t>(M) * K), W(static_cast<std::size_t>(N) * K);
      std::uniform_int_distribution<int> byte(-128, 127), nonneg(0, 127), cls(0, 7);
      // Activations: rows all non-negative, all negative, or mixed.
      for (int m = 0; m < M; ++m)
        for (int k = 0; k < K; ++k)
          X[static_cast<std::size_t>(m) * K + k] =
              static_cast<int8_t>(m % 3 == 0 ? nonneg(rng) : m % 3 == 1 ? -1 - nonneg(rng) : byte(rng));
      // Weights: each row of one magnitude class, or of random classes.
      for (int n = 0; n < N; ++n) {
        const auto ws = weight_of_class(n % 9 == 8 ? cls(rng) : n % 8);
        std::uniform_int_distribution<std::size_t> pick(0, ws.size() - 1);
        for (int k = 0; k < K; ++k) W[static_cast<std::size_t>(n) * K + k] = n % 9 == 8 ? static_cast<int8_t>(byte(rng)) : ws[pick(rng)];
      }
      check_gemm_on(table, order, prepared, M, N, K, X, K, W, K, N);
    }
  }
}

TEST_CASE("approx_gemm: a left operand packed in advance gives the same result, and is ignored when it does not fit", "[kernels]") {
  ThreadGuard guard;
  std::mt19937 rng(12);
  for (const auto& t : sweep_tables())
    for (OperandOrder order : kOrders) {
      const PreparedTable prepared(*t.table, order);
      const PreparedTable other(exact_table(), order);
      INFO("table " << t.name);
      // {M, N, K}: wide N (L on the rows, the packed form is used) and narrow N with wider M
      // (the problem is transposed, L becomes the lanes and the packed form must be ignored).
      for (auto [M, N, K] : std::vector<std::array<int, 3>>{{13, 300, 37}, {70, 129, 150}, {300, 9, 21}}) {
        const auto Lm = random_bytes(static_cast<std::size_t>(M) * K, rng, 0.2);  // weights [M][K]
        const auto R = random_bytes(static_cast<std::size_t>(K) * N, rng);        // activations, k-major [K][N]
        std::vector<int32_t> ref(static_cast<std::size_t>(M) * N);
        // Y[m][n] = sum_k M(R[k][n], L[m][k]) (L are the weights)
        std::vector<int8_t> X(static_cast<std::size_t>(N) * K);
        for (int n = 0; n < N; ++n)
          for (int k = 0; k < K; ++k) X[static_cast<std::size_t>(n) * K + k] = R[static_cast<std::size_t>(k) * N + n];
        std::vector<int32_t> yt(static_cast<std::size_t>(N) * M);
        approx_gemm_reference(*t.table, order, N, M, K, X.data(), K, Lm.data(), K, yt.data(), M);
        for (int m = 0; m < M; ++m)
          for (int n = 0; n < N; ++n) ref[static_cast<std::size_t>(m) * N + n] = yt[static_cast<std::size_t>(n) * M + m];
        for (KernelPath path : available_kernel_paths())
          for (int threads : kThreads) {
            omp_set_num_threads(threads);
            const PackedRows packed(prepared, M, K, Lm.data(), K, 1, false, path);
            const PackedRows wrong_table(other, M, K, Lm.data(), K, 1, false, path);
            const PackedRows wrong_k(prepared, M, K - 1, Lm.data(), K, 1, false, path);
            for (const PackedRows* pr : {&packed, &wrong_table, &wrong_k}) {
              StridedGemm g;
              g.M = M, g.N = N, g.K = K;
              g.L = Lm.data(), g.l_m = K, g.l_k = 1;
              g.R = R.data(), g.r_n = 1, g.r_k = N;
              std::vector<int32_t> y(ref.size(), -7);
              g.Y = y.data(), g.y_m = N, g.y_n = 1;
              g.left_is_activation = false;
              g.packed_left = pr;
              approx_gemm_strided(prepared, g, path);
              INFO("M=" << M << " N=" << N << " K=" << K << " path=" << kernel_path_name(path) << " threads=" << threads
                        << " packed " << (pr == &packed ? "for this call" : pr == &wrong_table ? "for another table" : "for another K"));
              REQUIRE(y == ref);
            }
          }
      }
    }
}

TEST_CASE("approx_gemm: a right operand packed in advance is used when N is narrow, else ignored", "[kernels]") {
  // A classifier: X activations [M][K] on the left, W weights [N][K] on the right.  With few
  // outputs (N narrower than a lane tile, M wider) the driver puts W on the kernel's rows and
  // takes it packed; otherwise (or packed for another table, K or role) W is read as it is.
  ThreadGuard guard;
  std::mt19937 rng(13);
  for (const auto& t : sweep_tables())
    for (OperandOrder order : kOrders) {
      const PreparedTable prepared(*t.table, order);
      const PreparedTable other(exact_table(), order);
      INFO("table " << t.name);
      // {M, N, K, X non-negative}: narrow N; both wide with non-negative X (W on the rows too,
      // where the VBMI kernel can take X as lanes); wide N and M narrower (ignored).
      const std::vector<std::array<int, 4>> cases = {{300, 9, 21, 0}, {256, 20, 50, 0}, {200, 150, 30, 1}, {13, 300, 37, 0}};
      for (auto [M, N, K, relu] : cases) {
        auto X = random_bytes(static_cast<std::size_t>(M) * K, rng, 0.3);
        const auto W = random_bytes(static_cast<std::size_t>(N) * K, rng);
        if (relu)
          for (auto& v : X) v = static_cast<int8_t>(v & 127);
        std::vector<int32_t> ref(static_cast<std::size_t>(M) * N);
        approx_gemm_reference(*t.table, order, M, N, K, X.data(), K, W.data(), K, ref.data(), N);
        for (KernelPath path : available_kernel_paths()) {
          // The lane tile is 128 wide on VBMI (which has a kernel for non-negative lanes), else 64.
          const bool vbmi = path == KernelPath::Avx512Vbmi;
          const int nr = vbmi ? 128 : 64;
          CHECK(right_on_rows(M, N, path) == ((N < nr && M > N) || (vbmi && M >= nr && N >= nr)));
          for (int threads : kThreads) {
            omp_set_num_threads(threads);
            const PackedRows packed(prepared, N, K, W.data(), K, 1, false, path);
            const PackedRows wrong_table(other, N, K, W.data(), K, 1, false, path);
            const PackedRows wrong_k(prepared, N, K - 1, W.data(), K, 1, false, path);
            const PackedRows wrong_role(prepared, N, K, W.data(), K, 1, true, path);
            for (const PackedRows* pr : {&packed, &wrong_table, &wrong_k, &wrong_role}) {
              StridedGemm g;
              g.M = M, g.N = N, g.K = K;
              g.L = X.data(), g.l_m = K, g.R = W.data(), g.r_n = K;
              std::vector<int32_t> y(ref.size(), -7);
              g.Y = y.data(), g.y_m = N, g.y_n = 1;
              g.packed_right = pr;
              approx_gemm_strided(prepared, g, path);
              INFO("M=" << M << " N=" << N << " K=" << K << " path=" << kernel_path_name(path) << " threads=" << threads
                        << " packed "
                        << (pr == &packed        ? "for this call"
                            : pr == &wrong_table ? "for another table"
                            : pr == &wrong_k     ? "for another K"
                                                 : "as activations"));
              REQUIRE(y == ref);
            }
          }
        }
      }
    }
}

TEST_CASE("approx_gemm: single-threaded calls from inside a caller's parallel region compute their whole problem", "[kernels]") {
  // The convolutions run one GEMM per image chunk in their own OpenMP loop and ask each for no
  // threads of its own (parallel = false).  Such a call must do all of its work on the calling
  // thread: work split by OpenMP worksharing inside it would bind to the caller's region and
  // leave each thread half of its own problem.  Each thread here runs a different problem
  // (several row blocks, lane blocks and both transposition rules) on every path.
  ThreadGuard guard;
  omp_set_num_threads(2);
  std::mt19937 rng(29);
  const Table& table = *all_tables()[1].table;
  const PreparedTable prepared(table);
  // {M, N, K, X non-negative}: wide (row blocks x lane blocks), narrow N (W on the rows), both
  // wide with post-ReLU X (X as the lanes).
  const std::vector<std::array<int, 4>> cases = {{200, 300, 70, 0}, {300, 9, 40, 0}, {260, 200, 33, 1}, {70, 513, 19, 0}};
  for (KernelPath path : available_kernel_paths()) {
    std::vector<std::vector<int8_t>> xs, ws;
    std::vector<std::vector<int32_t>> refs, ys;
    for (auto [M, N, K, relu] : cases) {
      xs.push_back(random_bytes(static_cast<std::size_t>(M) * K, rng, 0.2));
      if (relu)
        for (auto& v : xs.back()) v = static_cast<int8_t>(v & 127);
      ws.push_back(random_bytes(static_cast<std::size_t>(N) * K, rng));
      refs.emplace_back(static_cast<std::size_t>(M) * N);
      approx_gemm_reference(table, OperandOrder::ActivationFirst, M, N, K, xs.back().data(), K, ws.back().data(), K,
                            refs.back().data(), N);
      ys.emplace_back(refs.back().size(), -7);
    }
    const int n = static_cast<int>(cases.size());
#pragma omp parallel for schedule(static, 1)
    for (int c = 0; c < n; ++c) {
      const auto [M, N, K, relu] = cases[static_cast<std::size_t>(c)];
      (void)relu;
      StridedGemm g;
      g.M = M, g.N = N, g.K = K;
      g.L = xs[static_cast<std::size_t>(c)].data(), g.l_m = K, g.R = ws[static_cast<std::size_t>(c)].data(), g.r_n = K;
      g.Y = ys[static_cast<std::size_t>(c)].data(), g.y_m = N, g.y_n = 1;
      approx_gemm_strided(prepared, g, path, false);
    }
    for (int c = 0; c < n; ++c) {
      INFO("case " << c << " path " << kernel_path_name(path));
      REQUIRE(ys[static_cast<std::size_t>(c)] == refs[static_cast<std::size_t>(c)]);
    }
  }
}

TEST_CASE("approx_gemm: threaded GEMMs called from two threads at once", "[kernels]") {
  // Each caller's threads use their own scratch (kept between calls): two callers at once,
  // small (one thread each) and large (OpenMP) problems, every path.
  std::mt19937 rng(31);
  const Table& table = *all_tables()[4].table;
  const PreparedTable prepared(table);
  const std::array<std::array<int, 3>, 2> shapes = {{{256, 10, 64}, {256, 10, 250}}};
  std::vector<std::vector<int8_t>> xs, ws;
  std::vector<std::vector<int32_t>> refs;
  for (auto [M, N, K] : shapes) {
    xs.push_back(random_bytes(static_cast<std::size_t>(M) * K, rng, 0.1));
    ws.push_back(random_bytes(static_cast<std::size_t>(N) * K, rng));
    refs.emplace_back(static_cast<std::size_t>(M) * N);
    approx_gemm_reference(table, OperandOrder::ActivationFirst, M, N, K, xs.back().data(), K, ws.back().data(), K,
                          refs.back().data(), N);
  }
  std::atomic<int> wrong{0};
  auto run = [&](int first) {
    omp_set_num_threads(2);
    for (KernelPath path : available_kernel_paths())
      for (int r = 0; r < 40; ++r) {
        const auto c = static_cast<std::size_t>((first + r) % 2);
        const auto [M, N, K] = shapes[c];
        std::vector<int32_t> y(refs[c].size(), -7);
        approx_gemm(prepared, M, N, K, xs[c].data(), K, ws[c].data(), K, y.data(), N, path);
        if (y != refs[c]) wrong++;
      }
  };
  std::thread a(run, 0), b(run, 1);
  a.join(), b.join();
  CHECK(wrong.load() == 0);
}

TEST_CASE("approx_gemm: an int8 LSTM step's gate matmuls", "[kernels]") {
  // gates[b][4H] = sum_i M(x_t[b][i], W[g][i]) + sum_j M(h[b][j], R[g][j]): the input and
  // recurrent matmuls are two GEMMs (W = [4H][I], R = [4H][H]) added in int32.
  ThreadGuard guard;
  std::mt19937 rng(5);
  const int batch = 3, input = 13, hidden = 11, G = 4 * hidden;
  const Table& evo = *all_tables().at(6).table;
  for (OperandOrder order : kOrders) {
    const PreparedTable prepared(evo, order);
    const auto x = random_bytes(batch * input, rng), h = random_bytes(batch * hidden, rng);
    const auto W = random_bytes(G * input, rng), R = random_bytes(G * hidden, rng);
    std::vector<int32_t> expect(batch * G, 0);
    for (int b = 0; b < batch; ++b)
      for (int g = 0; g < G; ++g) {
        for (int i = 0; i < input; ++i) {
          const int a = x[b * input + i], w = W[g * input + i];
          expect[b * G + g] += order == OperandOrder::ActivationFirst ? evo[table_index(a, w)] : evo[table_index(w, a)];
        }
        for (int j = 0; j < hidden; ++j) {
          const int a = h[b * hidden + j], w = R[g * hidden + j];
          expect[b * G + g] += order == OperandOrder::ActivationFirst ? evo[table_index(a, w)] : evo[table_index(w, a)];
        }
      }
    for (KernelPath path : available_kernel_paths()) {
      std::vector<int32_t> gx(batch * G), gh(batch * G), gates(batch * G);
      approx_gemm(prepared, batch, G, input, x.data(), input, W.data(), input, gx.data(), G, path);
      approx_gemm(prepared, batch, G, hidden, h.data(), hidden, R.data(), hidden, gh.data(), G, path);
      for (int i = 0; i < batch * G; ++i) gates[i] = gx[i] + gh[i];
      REQUIRE(gates == expect);
    }
  }
}

namespace {

Conv2dParams conv(int batch, int cin, int h, int w, int cout, int kh, int kw, int sh, int sw, int ph, int pw, int dh,
                  int dw, int groups) {
  Conv2dParams p;
  p.batch = batch, p.in_channels = cin, p.in_h = h, p.in_w = w, p.out_channels = cout;
  p.kernel_h = kh, p.kernel_w = kw, p.stride_h = sh, p.stride_w = sw, p.pad_h = ph, p.pad_w = pw;
  p.dilation_h = dh, p.dilation_w = dw, p.groups = groups;
  return p;
}

ConvTranspose2dParams deconv(int batch, int cin, int h, int w, int cout, int kh, int kw, int sh, int sw, int ph,
                             int pw, int oph, int opw, int dh, int dw, int groups) {
  ConvTranspose2dParams p;
  p.batch = batch, p.in_channels = cin, p.in_h = h, p.in_w = w, p.out_channels = cout;
  p.kernel_h = kh, p.kernel_w = kw, p.stride_h = sh, p.stride_w = sw, p.pad_h = ph, p.pad_w = pw;
  p.output_pad_h = oph, p.output_pad_w = opw, p.dilation_h = dh, p.dilation_w = dw, p.groups = groups;
  return p;
}

std::vector<Conv2dParams> conv_cases() {
  std::vector<Conv2dParams> v = {
      conv(1, 3, 7, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1),    conv(2, 4, 11, 7, 6, 5, 5, 2, 2, 2, 2, 1, 1, 2),
      conv(1, 6, 9, 9, 6, 3, 3, 1, 1, 1, 1, 1, 1, 6),    conv(1, 5, 13, 11, 7, 1, 1, 3, 3, 0, 0, 1, 1, 1),
      conv(2, 4, 10, 13, 8, 3, 5, 2, 3, 0, 2, 2, 2, 2),  conv(1, 8, 17, 17, 16, 3, 3, 1, 1, 1, 1, 2, 2, 8),
      conv(3, 2, 5, 5, 3, 5, 5, 1, 1, 2, 2, 1, 1, 1),    conv(1, 3, 33, 31, 5, 3, 3, 2, 1, 1, 0, 1, 2, 1),
      conv(1, 4, 9, 7, 8, 3, 3, 2, 2, 1, 1, 1, 1, 4),    conv(1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1),
      conv(4, 16, 15, 15, 16, 3, 3, 1, 1, 1, 1, 1, 1, 16),  // many (image, group) tasks: parallel outside
      conv(5, 2, 20, 40, 3, 3, 3, 2, 1, 1, 1, 1, 1, 1),     // 400 output pixels: 3 images per GEMM, then 2
      conv(6, 16, 14, 14, 8, 1, 1, 2, 2, 0, 0, 1, 1, 1),    // strided 1x1 (odd rows never read), 6 images per GEMM
      conv(3, 3, 9, 37, 4, 1, 1, 2, 2, 0, 0, 1, 1, 1),     // the same, odd width (two SSE2 steps per row)
      conv(3, 3, 8, 11, 4, 1, 1, 2, 2, 1, 1, 1, 1, 1),      // strided 1x1 with padding (the padded buffer)
      conv(24, 1, 28, 28, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1)};   // K = 9: 3 images per GEMM (the pixel rule: 2)
  if (!kSanitized) v.push_back(conv(2, 16, 12, 12, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1));
  return v;
}

std::vector<ConvTranspose2dParams> deconv_cases() {
  std::vector<ConvTranspose2dParams> v = {
      deconv(1, 3, 5, 7, 4, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1),  deconv(2, 4, 4, 5, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2),
      deconv(1, 6, 7, 7, 6, 4, 4, 2, 2, 1, 1, 0, 0, 1, 1, 6),  deconv(1, 5, 6, 3, 3, 5, 5, 3, 3, 2, 2, 2, 1, 1, 1, 1),
      deconv(2, 4, 5, 5, 8, 3, 3, 2, 1, 1, 0, 1, 0, 2, 2, 2),  deconv(1, 8, 9, 9, 16, 1, 1, 2, 2, 0, 0, 1, 1, 1, 1, 1),
      deconv(1, 3, 3, 5, 2, 5, 3, 3, 2, 0, 1, 0, 1, 1, 2, 1),  deconv(4, 16, 6, 6, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 16)};
  if (!kSanitized) v.push_back(deconv(2, 32, 8, 8, 24, 4, 4, 2, 2, 1, 1, 0, 0, 1, 1, 1));
  return v;
}

std::string describe(const Conv2dParams& p) {
  return "conv b" + std::to_string(p.batch) + " c" + std::to_string(p.in_channels) + " " + std::to_string(p.in_h) +
         "x" + std::to_string(p.in_w) + " o" + std::to_string(p.out_channels) + " k" + std::to_string(p.kernel_h) +
         "x" + std::to_string(p.kernel_w) + " s" + std::to_string(p.stride_h) + "," + std::to_string(p.stride_w) +
         " p" + std::to_string(p.pad_h) + "," + std::to_string(p.pad_w) + " d" + std::to_string(p.dilation_h) + "," +
         std::to_string(p.dilation_w) + " g" + std::to_string(p.groups);
}

std::string describe(const ConvTranspose2dParams& p) {
  return "deconv b" + std::to_string(p.batch) + " c" + std::to_string(p.in_channels) + " " + std::to_string(p.in_h) +
         "x" + std::to_string(p.in_w) + " o" + std::to_string(p.out_channels) + " k" + std::to_string(p.kernel_h) +
         "x" + std::to_string(p.kernel_w) + " s" + std::to_string(p.stride_h) + "," + std::to_string(p.stride_w) +
         " p" + std::to_string(p.pad_h) + "," + std::to_string(p.pad_w) + " op" + std::to_string(p.output_pad_h) +
         "," + std::to_string(p.output_pad_w) + " d" + std::to_string(p.dilation_h) + "," +
         std::to_string(p.dilation_w) + " g" + std::to_string(p.groups);
}

}  // namespace

TEST_CASE("approx_conv2d: exact table equals a plain integer convolution", "[kernels]") {
  // 1 image, 1 channel 3x3, 2x2 kernel, padding 1: hand-checked corner values.
  const std::vector<int8_t> in = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::vector<int8_t> w = {1, -1, 2, 3};
  const Conv2dParams p = conv(1, 1, 3, 3, 1, 2, 2, 1, 1, 1, 1, 1, 1, 1);
  REQUIRE(p.out_h() == 4);
  std::vector<int32_t> ref(16), fast(16);
  approx_conv2d_reference(exact_table(), OperandOrder::ActivationFirst, p, in.data(), w.data(), ref.data());
  approx_conv2d(PreparedTable(exact_table()), p, in.data(), w.data(), fast.data());
  CHECK(ref[0] == 3 * 1);                          // only input (0,0) under weight (1,1)
  CHECK(ref[5] == 1 * 1 - 2 + 2 * 4 + 3 * 5);      // window rows 0-1, cols 0-1
  CHECK(ref[15] == 1 * 9);                         // only input (2,2) under weight (0,0)
  CHECK(fast == ref);
}

TEST_CASE("approx_conv2d: every path equals the direct reference", "[kernels]") {
  ThreadGuard guard;
  std::mt19937 rng(6);
  const auto tables = sweep_tables();
  for (const auto& p : conv_cases()) {
    const std::size_t in_n = static_cast<std::size_t>(p.batch) * p.in_channels * p.in_h * p.in_w;
    const std::size_t w_n =
        static_cast<std::size_t>(p.out_channels) * (p.in_channels / p.groups) * p.kernel_h * p.kernel_w;
    const std::size_t out_n = static_cast<std::size_t>(p.batch) * p.out_channels * p.out_h() * p.out_w();
    const auto in = random_bytes(in_n, rng, 0.3), w = random_bytes(w_n, rng);
    // Every table for the small cases; a rotating pair of tables for the larger ones.
    for (std::size_t ti = 0; ti < tables.size(); ++ti) {
      if (out_n * w_n / p.out_channels > 200000 && ti % 5 != 0) continue;
      for (OperandOrder order : kOrders) {
        const PreparedTable prepared(*tables[ti].table, order);
        std::vector<int32_t> ref(out_n, -1);
        approx_conv2d_reference(*tables[ti].table, order, p, in.data(), w.data(), ref.data());
        for (KernelPath path : available_kernel_paths())
          for (int threads : kThreads) {
            omp_set_num_threads(threads);
            std::vector<int32_t> out(out_n, -1);
            approx_conv2d(prepared, p, in.data(), w.data(), out.data(), path);
            INFO(describe(p) << " table " << tables[ti].name << " path " << kernel_path_name(path) << " threads "
                             << threads);
            REQUIRE(out == ref);
          }
      }
    }
  }
}

TEST_CASE("conv_images_per_gemm: the fewest lane tiles over the batch", "[kernels]") {
  // Long im2col rows (K = 576): up to kConvChunkPixels pixels per GEMM.
  CHECK(conv_images_per_gemm(256, 49, 576) == 13);  // 99 tiles of 128 lanes (21 images per GEMM: 110)
  CHECK(conv_images_per_gemm(256, 196, 576) == 5);  // 410 (6: 427)
  CHECK(conv_images_per_gemm(256, 576, 576) == 2);  // 1152 lanes per GEMM: 9 whole tiles
  CHECK(conv_images_per_gemm(3, 49, 576) == 3);     // 2 tiles either way: one GEMM
  CHECK(conv_images_per_gemm(256, 5000, 576) == 1);
  // Short ones (a 1-channel 3x3 layer, K = 9): up to about kConvChunkBytes of im2col, at most
  // 1/kConvMinChunks of the batch.
  CHECK(conv_most_images_per_gemm(256, 784, 9) == 19);  // 14,896 pixels x 9 bytes
  CHECK(conv_images_per_gemm(256, 784, 9) == 16);       // 12,544 lanes: 98 whole tiles
  CHECK(conv_most_images_per_gemm(32, 784, 9) == 4);    // an eighth of the batch: 8 GEMMs of 4 images
  CHECK(conv_most_images_per_gemm(256, 784, 200) == 2);  // 655 pixels of 200 bytes: the pixel rule
  for (std::ptrdiff_t k : {1, 9, 25, 150, 576, 5000})
    for (std::ptrdiff_t batch : {1, 7, 32, 256, 500})
      for (std::ptrdiff_t pixels = 1; pixels <= 1200; ++pixels) {
        INFO("k " << k << " batch " << batch << " pixels " << pixels);
        const std::ptrdiff_t most = conv_most_images_per_gemm(batch, pixels, k);
        const std::ptrdiff_t by_pixels = std::min(batch, (kConvChunkPixels + pixels - 1) / pixels);
        const std::ptrdiff_t limit = std::max(kConvChunkPixels, kConvChunkBytes / k);
        REQUIRE(most >= 1);
        REQUIRE(most <= batch);
        REQUIRE(most >= by_pixels);                    // never fewer images than the pixel rule
        REQUIRE((most - 1) * pixels < limit);          // the fewest images reaching the limit, or fewer
        if (most > by_pixels) REQUIRE(most <= (batch + kConvMinChunks - 1) / kConvMinChunks);
        const std::ptrdiff_t n = conv_images_per_gemm(batch, pixels, k);
        auto tiles = [&](std::ptrdiff_t m) {
          auto of = [&](std::ptrdiff_t images) { return (images * pixels + kConvLaneTile - 1) / kConvLaneTile; };
          return batch / m * of(m) + of(batch % m);
        };
        REQUIRE((n == most || (n >= 1 && n < most && 2 * n > most)));
        REQUIRE(tiles(n) <= tiles(most));
        for (std::ptrdiff_t m = most / 2 + 1; m <= most; ++m) REQUIRE(tiles(n) <= tiles(m));
      }
}

TEST_CASE("approx_conv2d: padding is multiplied as the quantized zero", "[kernels]") {
  // With M(0, w) = 1 for every w, a 3x3 kernel over a 1x1 input with padding 1 sees 8 padded
  // positions: output = M(x, w_center) + 8.
  Table t = exact_table();
  for (int w = -128; w < 128; ++w) t[table_index(0, w)] = 1;
  const Conv2dParams p = conv(1, 1, 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1);
  const std::vector<int8_t> in = {5}, w = {1, 1, 1, 1, 7, 1, 1, 1, 1};
  int32_t ref = 0, fast = 0;
  approx_conv2d_reference(t, OperandOrder::ActivationFirst, p, in.data(), w.data(), &ref);
  approx_conv2d(PreparedTable(t), p, in.data(), w.data(), &fast);
  CHECK(ref == 35 + 8);
  CHECK(fast == ref);
}

TEST_CASE("approx_conv_transpose2d: every path equals the direct scatter reference", "[kernels]") {
  ThreadGuard guard;
  std::mt19937 rng(7);
  const auto tables = sweep_tables();
  for (const auto& p : deconv_cases()) {
    const std::size_t in_n = static_cast<std::size_t>(p.batch) * p.in_channels * p.in_h * p.in_w;
    const std::size_t w_n =
        static_cast<std::size_t>(p.in_channels) * (p.out_channels / p.groups) * p.kernel_h * p.kernel_w;
    const std::size_t out_n = static_cast<std::size_t>(p.batch) * p.out_channels * p.out_h() * p.out_w();
    const auto in = random_bytes(in_n, rng, 0.3), w = random_bytes(w_n, rng);
    for (std::size_t ti = 0; ti < tables.size(); ++ti) {
      if (in_n * w_n / p.in_channels > 200000 && ti % 5 != 0) continue;
      for (OperandOrder order : kOrders) {
        const PreparedTable prepared(*tables[ti].table, order);
        std::vector<int32_t> ref(out_n, -1);
        approx_conv_transpose2d_reference(*tables[ti].table, order, p, in.data(), w.data(), ref.data());
        for (KernelPath path : available_kernel_paths())
          for (int threads : kThreads) {
            omp_set_num_threads(threads);
            std::vector<int32_t> out(out_n, -1);
            approx_conv_transpose2d(prepared, p, in.data(), w.data(), out.data(), path);
            INFO(describe(p) << " table " << tables[ti].name << " path " << kernel_path_name(path) << " threads "
                             << threads);
            REQUIRE(out == ref);
          }
      }
    }
  }
}

TEST_CASE("approx_conv_transpose2d: exact table, hand-checked stride-2 upsampling", "[kernels]") {
  // 1x2 input, 1x2 kernel, stride 2: output = [x0*w0, x0*w1, x1*w0, x1*w1].
  const ConvTranspose2dParams p = deconv(1, 1, 1, 2, 1, 1, 2, 1, 2, 0, 0, 0, 0, 1, 1, 1);
  REQUIRE(p.out_w() == 4);
  const std::vector<int8_t> in = {3, -2}, w = {5, 7};
  std::vector<int32_t> ref(4), fast(4);
  approx_conv_transpose2d_reference(exact_table(), OperandOrder::ActivationFirst, p, in.data(), w.data(), ref.data());
  approx_conv_transpose2d(PreparedTable(exact_table()), p, in.data(), w.data(), fast.data());
  CHECK(ref == std::vector<int32_t>{15, 21, -10, -14});
  CHECK(fast == ref);
}

TEST_CASE("approx conv: inconsistent parameters are refused", "[kernels]") {
  const PreparedTable prepared(exact_table());
  int8_t b = 0;
  int32_t o = 0;
  CHECK_THROWS_AS(approx_conv2d(prepared, conv(1, 3, 5, 5, 4, 3, 3, 1, 1, 0, 0, 1, 1, 2), &b, &b, &o), Error);
  CHECK_THROWS_AS(approx_conv2d(prepared, conv(1, 1, 2, 2, 1, 5, 5, 1, 1, 0, 0, 1, 1, 1), &b, &b, &o), Error);
  CHECK_THROWS_AS(approx_conv_transpose2d(prepared, deconv(1, 1, 2, 2, 1, 3, 3, 2, 2, 0, 0, 2, 0, 1, 1, 1), &b, &b, &o),
                  Error);
}
