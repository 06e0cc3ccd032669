// Approximate GEMM: reference triple loop, the blocked driver, the portable scalar
// micro-kernel and the runtime dispatch.  See kernels/approx_gemm.hpp for the contract.
#include "axevo/kernels/approx_gemm.hpp"

#include <omp.h>

#include <algorithm>
#include <cstring>

#include "axevo/error.hpp"
#include "axevo/kernels/detail.hpp"

namespace axevo::kernels {

using detail::kMR;
using detail::kNR;

PreparedTable::PreparedTable(const Table& table, OperandOrder order)
    : order_(order), act_major_(kTableSize + 1, 0), weight_major_(kTableSize + 1, 0) {
  for (int x = -128; x < 128; ++x)
    for (int w = -128; w < 128; ++w) {
      const int16_t v = order == OperandOrder::ActivationFirst ? table[table_index(x, w)] : table[table_index(w, x)];
      act_major_[table_index(x, w)] = v;
      weight_major_[table_index(w, x)] = v;
    }
  for (int v = 0; v < 256; ++v) {
    zero_act_[v] = zero_weight_[v] = 1;
    for (int u = 0; u < 256; ++u) {
      if (act_major_[(v << 8) | u] != 0) zero_act_[v] = 0;
      if (weight_major_[(v << 8) | u] != 0) zero_weight_[v] = 0;
    }
  }
}

std::string kernel_path_name(KernelPath path) {
  switch (path) {
    case KernelPath::Auto: return "auto";
    case KernelPath::Scalar: return "scalar";
    case KernelPath::Avx2: return "avx2";
    case KernelPath::Avx512: return "avx512";
  }
  return "?";
}

std::vector<KernelPath> available_kernel_paths() {
  std::vector<KernelPath> paths{KernelPath::Scalar};
  if (detail::micro_kernel_avx2() && detail::cpu_has_avx2()) paths.push_back(KernelPath::Avx2);
  if (detail::micro_kernel_avx512() && detail::cpu_has_avx512()) paths.push_back(KernelPath::Avx512);
  return paths;
}

KernelPath best_kernel_path() {
  // AVX-512 (permute kernel) when present; otherwise the scalar kernel: the AVX2 gather
  // kernel was slower than it on the CPU measured (AMD Zen 4), so it is only used on request.
  static const KernelPath best = [] {
    const auto paths = available_kernel_paths();
    return std::find(paths.begin(), paths.end(), KernelPath::Avx512) != paths.end() ? KernelPath::Avx512
                                                                                     : KernelPath::Scalar;
  }();
  return best;
}

void approx_gemm_reference(const Table& table, OperandOrder order, int M, int N, int K, const int8_t* X,
                           std::ptrdiff_t ldx, const int8_t* W, std::ptrdiff_t ldw, int32_t* Y, std::ptrdiff_t ldy) {
  const bool act_first = order == OperandOrder::ActivationFirst;
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      int32_t sum = 0;
      for (int k = 0; k < K; ++k) {
        const int x = X[m * ldx + k], w = W[n * ldw + k];
        sum += act_first ? table[table_index(x, w)] : table[table_index(w, x)];
      }
      Y[m * ldy + n] = sum;
    }
}

namespace detail {

// Portable kernel: for each k and row, the row value selects a 512-byte table row that the
// kNR lane bytes index; the accumulators live in a small local array.
void micro_kernel_scalar(const int16_t* table, const uint8_t* a, const int32_t* klist, int nk, const uint8_t* b,
                         std::ptrdiff_t ldb, int32_t* out) {
  int32_t acc[kMR][kNR] = {};
  for (int t = 0; t < nk; ++t) {
    const std::ptrdiff_t k = klist[t];
    const uint8_t* bk = b + k * ldb;
    const uint8_t* ak = a + k * kMR;
    for (int i = 0; i < kMR; ++i) {
      const int16_t* row = table + (static_cast<int>(ak[i]) << 8);
      for (int j = 0; j < kNR; ++j) acc[i][j] += row[bk[j]];
    }
  }
  std::memcpy(out, acc, sizeof acc);
}

}  // namespace detail

namespace {

detail::MicroKernel resolve(KernelPath path) {
  if (path == KernelPath::Auto) path = best_kernel_path();
  const auto paths = available_kernel_paths();
  if (std::find(paths.begin(), paths.end(), path) == paths.end())
    throw Error("approx_gemm: kernel path '" + kernel_path_name(path) + "' is not available on this CPU");
  switch (path) {
    case KernelPath::Avx2: return detail::micro_kernel_avx2();
    case KernelPath::Avx512: return detail::micro_kernel_avx512();
    default: return &detail::micro_kernel_scalar;
  }
}

// Cache blocking: one task computes kRowBlock rows x kLaneBlock lanes of the output.  Its
// packed lane panel is K x 256 bytes (64 KiB for K = 256), reused by every row tile; the
// table rows touched stay in L2 (the whole table is 128 KiB).
constexpr int kRowBlock = 64;
constexpr int kLaneBlock = 256;
static_assert(kRowBlock % kMR == 0 && kLaneBlock % kNR == 0, "blocks must hold whole tiles");

// One operand as the driver sees it: element (i, k) at p[i*s_i + k*s_k].
struct Operand {
  const int8_t* p;
  std::ptrdiff_t s_i, s_k;
  uint8_t at(std::ptrdiff_t i, std::ptrdiff_t k) const { return static_cast<uint8_t>(p[i * s_i + k * s_k]); }
};

}  // namespace

void approx_gemm_strided(const PreparedTable& table, const StridedGemm& g, KernelPath path, bool parallel) {
  if (g.M < 0 || g.N < 0 || g.K < 0) throw Error("approx_gemm: negative size");
  const detail::MicroKernel kernel = resolve(path);
  if (g.M == 0 || g.N == 0) return;
  if (g.K == 0) {
    for (int m = 0; m < g.M; ++m)
      for (int n = 0; n < g.N; ++n) g.Y[m * g.y_m + n * g.y_n] = 0;
    return;
  }

  // Lanes (the vectorized dimension) go over N unless N is too narrow for a vector tile and
  // M is wider: then the problem is transposed (rows = R, lanes = L).
  const bool swap = g.N < kNR && g.M > g.N;
  const Operand rows = swap ? Operand{g.R, g.r_n, g.r_k} : Operand{g.L, g.l_m, g.l_k};
  const Operand lanes = swap ? Operand{g.L, g.l_m, g.l_k} : Operand{g.R, g.r_n, g.r_k};
  const int n_rows = swap ? g.N : g.M, n_lanes = swap ? g.M : g.N, K = g.K;
  const std::ptrdiff_t y_r = swap ? g.y_n : g.y_m, y_l = swap ? g.y_m : g.y_n;
  const bool rows_are_activations = g.left_is_activation != swap;
  const int16_t* tab = rows_are_activations ? table.activation_major() : table.weight_major();
  const uint8_t* zero_row = rows_are_activations ? table.zero_activations() : table.zero_weights();

  const int row_blocks = (n_rows + kRowBlock - 1) / kRowBlock;
  const int lane_blocks = (n_lanes + kLaneBlock - 1) / kLaneBlock;
  const int tasks = row_blocks * lane_blocks;
  const double work = static_cast<double>(n_rows) * n_lanes * K;
  const bool use_omp = parallel && tasks > 1 && work > 65536.0 && !omp_in_parallel();

#pragma omp parallel if (use_omp)
  {
    std::vector<uint8_t> bpack, apack(static_cast<std::size_t>(K) * kMR);
    std::vector<int32_t> klist(K);
    int32_t tile[kMR * kNR];
#pragma omp for schedule(dynamic)
    for (int task = 0; task < tasks; ++task) {
      const int r0 = (task / lane_blocks) * kRowBlock, l0 = (task % lane_blocks) * kLaneBlock;
      const int nr = std::min(kRowBlock, n_rows - r0), nl = std::min(kLaneBlock, n_lanes - l0);
      const int ldb = (nl + kNR - 1) / kNR * kNR;
      // Pack the lane panel [K][ldb] (zero-padded lanes are computed and discarded).
      // Read along whichever of the operand's axes is contiguous.
      bpack.assign(static_cast<std::size_t>(K) * ldb, 0);
      if (lanes.s_k == 1) {
        for (int j = 0; j < nl; ++j)
          for (int k = 0; k < K; ++k) bpack[static_cast<std::size_t>(k) * ldb + j] = lanes.at(l0 + j, k);
      } else {
        for (int k = 0; k < K; ++k)
          for (int j = 0; j < nl; ++j) bpack[static_cast<std::size_t>(k) * ldb + j] = lanes.at(l0 + j, k);
      }
      for (int i0 = 0; i0 < nr; i0 += kMR) {
        const int mr = std::min(kMR, nr - i0);
        // Pack the row tile [K][kMR]; list the k where some row value can give a non-zero.
        int nk = 0;
        for (int k = 0; k < K; ++k) {
          bool needed = false;
          for (int i = 0; i < kMR; ++i) {
            const uint8_t v = i < mr ? rows.at(r0 + i0 + i, k) : 0;
            apack[static_cast<std::size_t>(k) * kMR + i] = v;
            needed |= i < mr && !zero_row[v];
          }
          if (needed) klist[nk++] = k;
        }
        for (int j0 = 0; j0 < nl; j0 += kNR) {
          kernel(tab, apack.data(), klist.data(), nk, bpack.data() + j0, ldb, tile);
          const int nj = std::min(kNR, nl - j0);
          for (int i = 0; i < mr; ++i) {
            int32_t* y = g.Y + (r0 + i0 + i) * y_r + (l0 + j0) * y_l;
            for (int j = 0; j < nj; ++j) y[j * y_l] = tile[i * kNR + j];
          }
        }
      }
    }
  }
}

void approx_gemm(const PreparedTable& table, int M, int N, int K, const int8_t* X, std::ptrdiff_t ldx,
                 const int8_t* W, std::ptrdiff_t ldw, int32_t* Y, std::ptrdiff_t ldy, KernelPath path) {
  if (M < 0 || N < 0 || K < 0) throw Error("approx_gemm: negative size");
  if ((M > 1 && ldx < K) || (N > 1 && ldw < K) || (M > 1 && ldy < N))
    throw Error("approx_gemm: a row stride is smaller than the row length");
  StridedGemm g;
  g.M = M, g.N = N, g.K = K;
  g.L = X, g.l_m = ldx, g.l_k = 1;
  g.R = W, g.r_n = ldw, g.r_k = 1;
  g.Y = Y, g.y_m = ldy, g.y_n = 1;
  g.left_is_activation = true;
  approx_gemm_strided(table, g, path, true);
}

}  // namespace axevo::kernels
