// Approximate GEMM: reference triple loop, the blocked driver, the portable scalar
// micro-kernel and the runtime dispatch.  See kernels/approx_gemm.hpp for the contract.
#include "axevo/kernels/approx_gemm.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "axevo/error.hpp"
#include "axevo/kernels/detail.hpp"

namespace axevo::kernels {

using detail::kMR;
using detail::kNR;

PreparedTable::PreparedTable(const Table& table, OperandOrder order)
    : order_(order),
      act_major_(kTableSize + 1, 0),
      weight_major_(kTableSize + 1, 0),
      act_planes_(2 * kTableSize),
      weight_planes_(2 * kTableSize) {
  for (int x = -128; x < 128; ++x)
    for (int w = -128; w < 128; ++w) {
      const int16_t v = order == OperandOrder::ActivationFirst ? table[table_index(x, w)] : table[table_index(w, x)];
      act_major_[table_index(x, w)] = v;
      weight_major_[table_index(w, x)] = v;
    }
  for (std::size_t r = 0; r < 256; ++r)
    for (std::size_t c = 0; c < 256; ++c) {
      const auto a = static_cast<uint16_t>(act_major_[r << 8 | c]), w = static_cast<uint16_t>(weight_major_[r << 8 | c]);
      act_planes_[r << 9 | c] = static_cast<uint8_t>(a & 0xff);
      act_planes_[r << 9 | 256 | c] = static_cast<uint8_t>(a >> 8);
      weight_planes_[r << 9 | c] = static_cast<uint8_t>(w & 0xff);
      weight_planes_[r << 9 | 256 | c] = static_cast<uint8_t>(w >> 8);
    }
  for (int v = 0; v < 256; ++v) {
    int max_act = 0, max_weight = 0;
    for (int u = 0; u < 256; ++u) {
      max_act = std::max(max_act, std::abs(static_cast<int>(act_major_[(v << 8) | u])));
      max_weight = std::max(max_weight, std::abs(static_cast<int>(weight_major_[(v << 8) | u])));
    }
    zero_act_[v] = max_act == 0, zero_weight_[v] = max_weight == 0;
    bound_act_[v] = static_cast<uint16_t>(max_act), bound_weight_[v] = static_cast<uint16_t>(max_weight);
  }
}

std::string kernel_path_name(KernelPath path) {
  switch (path) {
    case KernelPath::Auto: return "auto";
    case KernelPath::Scalar: return "scalar";
    case KernelPath::Avx2: return "avx2";
    case KernelPath::Avx512: return "avx512";
    case KernelPath::Avx512Vbmi: return "avx512vbmi";
  }
  return "?";
}

std::vector<KernelPath> available_kernel_paths() {
  std::vector<KernelPath> paths{KernelPath::Scalar};
  if (detail::micro_kernel_avx2() && detail::cpu_has_avx2()) paths.push_back(KernelPath::Avx2);
  if (detail::micro_kernel_avx512() && detail::cpu_has_avx512()) paths.push_back(KernelPath::Avx512);
  if (detail::micro_kernel_avx512_vbmi() && detail::cpu_has_avx512_vbmi()) paths.push_back(KernelPath::Avx512Vbmi);
  return paths;
}

KernelPath best_kernel_path() {
  // The byte-plane VBMI kernel, else the word-permute AVX-512BW kernel, else the scalar
  // kernel: the AVX2 gather kernel was slower than scalar on the CPU measured (AMD Zen 4),
  // so it is only used on request.
  static const KernelPath best = [] {
    const auto paths = available_kernel_paths();
    for (KernelPath p : {KernelPath::Avx512Vbmi, KernelPath::Avx512})
      if (std::find(paths.begin(), paths.end(), p) != paths.end()) return p;
    return KernelPath::Scalar;
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
void micro_kernel_scalar(TableRows table, const uint8_t* a, const int32_t* klist, int nk, const uint8_t* b,
                         std::ptrdiff_t ldb, int32_t* out) {
  int32_t acc[kMR][kNR] = {};
  for (int t = 0; t < nk; ++t) {
    const std::ptrdiff_t k = klist[t];
    const uint8_t* bk = b + k * ldb;
    const uint8_t* ak = a + k * kMR;
    for (int i = 0; i < kMR; ++i) {
      const int16_t* row = table.words + (static_cast<int>(ak[i]) << 8);
      for (int j = 0; j < kNR; ++j) acc[i][j] += row[bk[j]];
    }
  }
  std::memcpy(out, acc, sizeof acc);
}

}  // namespace detail

namespace {

KernelPath resolved_path(KernelPath path) { return path == KernelPath::Auto ? best_kernel_path() : path; }

detail::KernelTile resolve(KernelPath path) {
  path = resolved_path(path);
  static const std::vector<KernelPath> paths = available_kernel_paths();  // once (not per GEMM call)
  if (std::find(paths.begin(), paths.end(), path) == paths.end())
    throw Error("approx_gemm: kernel path '" + kernel_path_name(path) + "' is not available on this CPU");
  switch (path) {
    case KernelPath::Avx2: return {detail::micro_kernel_avx2(), kMR, kNR};
    case KernelPath::Avx512:
      return {detail::micro_kernel_avx512(), kMR, kNR, nullptr, false, nullptr, nullptr, detail::transpose_blocks_avx512(),
              detail::store_rows_avx512()};
    case KernelPath::Avx512Vbmi:
      return {detail::micro_kernel_avx512_vbmi(), detail::kVbmiMR, detail::kVbmiNR, detail::micro_kernel_avx512_vbmi_low(),
              true, detail::micro_kernel_avx512_vbmi_wide(), detail::micro_kernel_avx512_vbmi_wide_low(),
              detail::transpose_blocks_avx512(), detail::store_rows_avx512()};
    default: return {&detail::micro_kernel_scalar, kMR, kNR};
  }
}

// Cache blocking: one task computes kRowBlock rows x kLaneBlock lanes of the output.  Its
// packed lane panel is K x 256 bytes (64 KiB for K = 256), reused by every row tile; the
// table rows touched stay in L2 (the whole table is 128 KiB).
constexpr int kRowBlock = 64;
constexpr int kLaneBlock = 256;
static_assert(kRowBlock % kMR == 0 && kLaneBlock % kNR == 0 && kRowBlock % detail::kVbmiMR == 0 &&
                  kLaneBlock % (2 * detail::kVbmiNR) == 0 && kMR * kNR <= detail::kMaxTile &&
                  detail::kVbmiMR * 2 * detail::kVbmiNR <= detail::kMaxTile,
              "blocks must hold whole tiles");

// One operand as the driver sees it: element (i, k) at p[i*s_i + k*s_k].
struct Operand {
  const int8_t* p;
  std::ptrdiff_t s_i, s_k;
  uint8_t at(std::ptrdiff_t i, std::ptrdiff_t k) const { return static_cast<uint8_t>(p[i * s_i + k * s_k]); }
};

// dst[k*ld_dst + j] = src[j*ld_src + k] for j < nj, k < nk; returns the OR of the bytes.
// 16 x 16 blocks go through SSE2 registers (four rounds of unpacks), the edges byte by byte.
uint8_t transpose_bytes(const uint8_t* src, std::ptrdiff_t ld_src, int nj, int nk, uint8_t* dst, std::ptrdiff_t ld_dst) {
  uint8_t any = 0;
  int j_done = 0, k_done = 0;
#if defined(__SSE2__)
  j_done = nj / 16 * 16, k_done = nk / 16 * 16;
  __m128i any_v = _mm_setzero_si128();
  for (int j0 = 0; j0 < j_done; j0 += 16)
    for (int k0 = 0; k0 < k_done; k0 += 16) {
      __m128i R[16], A[16], B[16], C[16];
      for (int j = 0; j < 16; ++j) {
        R[j] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + (j0 + j) * ld_src + k0));
        any_v = _mm_or_si128(any_v, R[j]);
      }
      // A[2i + h]: rows 2i, 2i+1 interleaved for k in [8h, 8h + 8)
      for (int i = 0; i < 8; ++i) {
        A[2 * i] = _mm_unpacklo_epi8(R[2 * i], R[2 * i + 1]);
        A[2 * i + 1] = _mm_unpackhi_epi8(R[2 * i], R[2 * i + 1]);
      }
      // B[4m + s]: rows 4m .. 4m+3 for k in [4s, 4s + 4)
      for (int m = 0; m < 4; ++m)
        for (int h = 0; h < 2; ++h) {
          B[4 * m + 2 * h] = _mm_unpacklo_epi16(A[4 * m + h], A[4 * m + 2 + h]);
          B[4 * m + 2 * h + 1] = _mm_unpackhi_epi16(A[4 * m + h], A[4 * m + 2 + h]);
        }
      // C[8p + 2s + u]: rows 8p .. 8p+7 for k in [4s + 2u, 4s + 2u + 2)
      for (int p = 0; p < 2; ++p)
        for (int q = 0; q < 4; ++q) {
          C[8 * p + 2 * q] = _mm_unpacklo_epi32(B[8 * p + q], B[8 * p + 4 + q]);
          C[8 * p + 2 * q + 1] = _mm_unpackhi_epi32(B[8 * p + q], B[8 * p + 4 + q]);
        }
      // Row k = 2t + v of the output: the 16 source rows' byte k.
      for (int t = 0; t < 8; ++t) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + (k0 + 2 * t) * ld_dst + j0), _mm_unpacklo_epi64(C[t], C[8 + t]));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + (k0 + 2 * t + 1) * ld_dst + j0), _mm_unpackhi_epi64(C[t], C[8 + t]));
      }
    }
  if (_mm_movemask_epi8(any_v)) any = 0x80;
#endif
  for (int j = 0; j < nj; ++j)
    for (int k = j < j_done ? k_done : 0; k < nk; ++k) any |= dst[k * ld_dst + j] = src[j * ld_src + k];
  return any;
}

// transpose_bytes through the kernel path's block transpose where it has one (which does the
// edges too), else the portable one.
uint8_t transpose_lanes(const detail::KernelTile& kernel, const uint8_t* src, std::ptrdiff_t ld_src, int nj, int nk,
                        uint8_t* dst, std::ptrdiff_t ld_dst) {
  if (kernel.transpose) return kernel.transpose(src, ld_src, nj, nk, dst, ld_dst);
  return transpose_bytes(src, ld_src, nj, nk, dst, ld_dst);
}

// Splits one row tile's k list into groups for a kernel that sums in int16 (detail.hpp):
// bound[t] is the largest |table value| the tile's rows can give at klist[t].  Greedy, in k
// order (the kernel reads the lane panel sequentially): a group ends where adding the next
// k's bound would take the sum past 32767.  (Groups of one length, whose count the kernel's
// branch predictor would learn, came out shorter and measured slower on ResNet-8.)
void group_for_int16(int32_t* klist, int nk, const int32_t* bound) {
  constexpr int32_t kMax = 32767;
  if (nk == 0) return;
  int32_t sum = bound[0];
  for (int t = 1; t < nk; ++t) {  // without branches: group ends come at random on random weights
    const bool end = sum + bound[t] > kMax;
    klist[t - 1] |= end ? detail::kGroupEnd : 0;
    sum = (end ? 0 : sum) + bound[t];
  }
  klist[nk - 1] |= detail::kGroupEnd;
}

// Packs row tile t (rows t*MR ...) of `rows` into a [K][MR] (missing rows as 0) and returns
// how many k it lists in klist: those where some row value can give a non-zero, in int16
// groups for kernels that want them.  bounds: scratch of K entries (int16 kernels only).
int pack_row_tile(const detail::KernelTile& kernel, const Operand& rows, int n_rows, int K, int t, const uint8_t* zero_row,
                  const uint16_t* row_bound, uint8_t* a, int32_t* klist, int32_t* bounds) {
  const int MR = kernel.mr, r0 = t * MR, mr = std::min(MR, n_rows - r0);
  int nk = 0;
  const bool groups = kernel.int16_groups;
  if (MR == 1) {  // one row (the VBMI kernel): no inner loop, no branch
    // (Everything in locals: the stores below could alias the referenced structs.)
    const int8_t* p = rows.p + r0 * rows.s_i;
    const std::ptrdiff_t s_k = rows.s_k;
    for (int k = 0; k < K; ++k) {
      const auto v = static_cast<uint8_t>(p[k * s_k]);
      a[k] = v;
      klist[nk] = k;
      if (groups) bounds[nk] = row_bound[v];
      nk += !zero_row[v];
    }
    if (groups) group_for_int16(klist, nk, bounds);
    return nk;
  }
  for (int k = 0; k < K; ++k) {
    bool needed = false;
    int32_t bound = 0;
    for (int i = 0; i < MR; ++i) {
      const uint8_t v = i < mr ? rows.at(r0 + i, k) : 0;
      a[static_cast<std::size_t>(k) * MR + i] = v;
      needed |= i < mr && !zero_row[v];
      bound = std::max<int32_t>(bound, row_bound[v]);
    }
    if (needed) {
      if (kernel.int16_groups) bounds[nk] = bound;
      klist[nk++] = k;
    }
  }
  if (groups) group_for_int16(klist, nk, bounds);
  return nk;
}

// How many of the rows from i0 on (at most `most`) have adjacent columns: col[i0 + r] == col[i0] + r.
int adjacent_columns(const std::ptrdiff_t* col, int i0, int ni, int most) {
  int in = 1;
  while (in < most && i0 + in < ni && col[i0 + in] == col[i0] + in) ++in;
  return in;
}

// y[j*y_m + col[i]] = src[i*ld + j] for i < ni, j < nj: 4 x 4 blocks through SSE2 registers
// where four columns are adjacent, 2 x 4 blocks (two 8-byte stores per row) where two are, the
// rest element by element.  (A 10-column classifier's last two columns had taken 5% of its GEMM.)
void store_transposed(const int32_t* src, std::ptrdiff_t ld, int ni, int nj, const std::ptrdiff_t* col, int32_t* y,
                      std::ptrdiff_t y_m) {
  for (int i0 = 0; i0 < ni;) {
    const std::ptrdiff_t c = col[i0];
    int in = adjacent_columns(col, i0, ni, 4);
    int j = 0;
#if defined(__SSE2__)
    if (in == 4)
      for (; j + 4 <= nj; j += 4) {
        const int32_t* s = src + i0 * ld + j;
        const __m128i r0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
        const __m128i r1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + ld));
        const __m128i r2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 2 * ld));
        const __m128i r3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 3 * ld));
        const __m128i t0 = _mm_unpacklo_epi32(r0, r1), t1 = _mm_unpacklo_epi32(r2, r3);
        const __m128i t2 = _mm_unpackhi_epi32(r0, r1), t3 = _mm_unpackhi_epi32(r2, r3);
        int32_t* d = y + j * y_m + c;
        _mm_storeu_si128(reinterpret_cast<__m128i*>(d), _mm_unpacklo_epi64(t0, t1));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(d + y_m), _mm_unpackhi_epi64(t0, t1));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(d + 2 * y_m), _mm_unpacklo_epi64(t2, t3));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(d + 3 * y_m), _mm_unpackhi_epi64(t2, t3));
      }
    else if (in >= 2) {
      in = 2;
      for (; j + 4 <= nj; j += 4) {
        const int32_t* s = src + i0 * ld + j;
        const __m128i r0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
        const __m128i r1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + ld));
        const __m128i t0 = _mm_unpacklo_epi32(r0, r1), t1 = _mm_unpackhi_epi32(r0, r1);  // (y[j][c], y[j][c+1]), ...
        int32_t* d = y + j * y_m + c;
        _mm_storel_epi64(reinterpret_cast<__m128i*>(d), t0);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(d + y_m), _mm_unpackhi_epi64(t0, t0));
        _mm_storel_epi64(reinterpret_cast<__m128i*>(d + 2 * y_m), t1);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(d + 3 * y_m), _mm_unpackhi_epi64(t1, t1));
      }
    }
#endif
    for (; j < nj; ++j)
      for (int i = i0; i < i0 + in; ++i) y[j * y_m + col[i]] = src[i * ld + j];
    i0 += in;
  }
}

// store_transposed through the kernel path's StoreRows where it has one: runs of up to 16 rows
// whose columns of Y are adjacent, 16 lanes at a time; the rest here.
void store_lanes(const detail::KernelTile& kernel, const int32_t* src, std::ptrdiff_t ld, int ni, int nj,
                 const std::ptrdiff_t* col, int32_t* y, std::ptrdiff_t y_m) {
  const int jb = kernel.store_rows ? nj / 16 * 16 : 0;
  if (jb > 0)
    for (int i0 = 0; i0 < ni;) {
      const int in = adjacent_columns(col, i0, ni, 16);
      if (in > 1) kernel.store_rows(src + i0 * ld, ld, in, jb, y + col[i0], y_m);
      else store_transposed(src + i0 * ld, ld, 1, jb, col + i0, y, y_m);
      i0 += in;
    }
  if (jb < nj) store_transposed(src + jb, ld, ni, nj - jb, col, y + jb * y_m, y_m);
}

// Whether every byte of op (n x K) is below 128 (non-negative int8).
bool non_negative(const Operand& op, int n, int K) {
  uint8_t bits = 0;
  for (int i = 0; i < n && bits < 128; ++i)
    if (op.s_k == 1) {
      const auto* row = reinterpret_cast<const uint8_t*>(op.p + i * op.s_i);
      for (int k = 0; k < K; ++k) bits |= row[k];
    } else {
      for (int k = 0; k < K; ++k) bits |= op.at(i, k);
    }
  return bits < 128;
}

// A grow-only buffer, cache-line aligned: get(n) returns room for n elements (contents
// unspecified: callers write before they read).
template <typename T>
class Grown {
 public:
  T* get(std::size_t n) {
    if (n > buf_.size()) buf_ = AlignedVector<T>(n);
    return buf_.data();
  }

 private:
  AlignedVector<T> buf_;
};

// One thread's scratch for approx_gemm_strided (kept between calls: a GEMM of a few
// microseconds would otherwise spend a noticeable share allocating and clearing it).
struct Scratch {
  Grown<uint8_t> apack, lanes, any, local_lanes, own_apack;
  Grown<int32_t> klists, nks, bounds, rows_out, own_klists, own_nks;
  Grown<std::ptrdiff_t> col_of;
};
Scratch& thread_scratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace

PackedRows::PackedRows(const PreparedTable& table, int rows, int K, const int8_t* p, std::ptrdiff_t s_row,
                       std::ptrdiff_t s_k, bool are_activations, KernelPath path)
    : table_(&table), path_(resolved_path(path)), rows_(rows), K_(K), activations_(are_activations) {
  if (rows < 0 || K < 0) throw Error("PackedRows: negative size");
  const detail::KernelTile kernel = resolve(path_);
  const int tiles = (rows + kernel.mr - 1) / kernel.mr;
  a_.resize(static_cast<std::size_t>(tiles) * K * kernel.mr);
  klists_.resize(static_cast<std::size_t>(tiles) * K);
  nks_.resize(static_cast<std::size_t>(tiles));
  std::vector<int32_t> bounds(static_cast<std::size_t>(K));
  const Operand op{p, s_row, s_k};
  for (int t = 0; t < tiles; ++t)
    nks_[static_cast<std::size_t>(t)] =
        pack_row_tile(kernel, op, rows, K, t, are_activations ? table.zero_activations() : table.zero_weights(),
                      are_activations ? table.activation_row_bounds() : table.weight_row_bounds(),
                      a_.data() + static_cast<std::size_t>(t) * K * kernel.mr, klists_.data() + static_cast<std::size_t>(t) * K,
                      bounds.data());
}

namespace {

// When the driver may transpose an M x N problem (R on the kernel's rows, L on the lanes): N
// narrower than a lane tile and M wider (always), or both at least a tile wide on a path with
// a kernel for non-negative lanes (when L is activations that are all non-negative).
enum class Transpose { Never, Narrow, IfLeftNonNegative };
Transpose transpose_rule(const detail::KernelTile& kernel, int M, int N) {
  if (N < kernel.nr && M > N) return Transpose::Narrow;
  if (kernel.fn_low && M >= kernel.nr && N >= kernel.nr) return Transpose::IfLeftNonNegative;
  return Transpose::Never;
}

}  // namespace

bool right_on_rows(int M, int N, KernelPath path) { return transpose_rule(resolve(path), M, N) != Transpose::Never; }

void approx_gemm_strided(const PreparedTable& table, const StridedGemm& g, KernelPath path, bool parallel) {
  if (g.M < 0 || g.N < 0 || g.K < 0) throw Error("approx_gemm: negative size");
  if (g.y_n_block <= 0) throw Error("approx_gemm: y_n_block must be positive");
  const detail::KernelTile kernel = resolve(path);
  const int MR = kernel.mr, NR = kernel.nr;
  const int WR = kernel.fn_wide ? 2 * NR : NR;  // the widest tile
  if (g.M == 0 || g.N == 0) return;
  // Where column n of Y starts (add m * y_m for row m).
  auto y_col = [&](std::ptrdiff_t n) { return (n / g.y_n_block) * g.y_n_block_stride + (n % g.y_n_block) * g.y_n; };
  if (g.K == 0) {
    for (int m = 0; m < g.M; ++m)
      for (int n = 0; n < g.N; ++n) g.Y[m * g.y_m + y_col(n)] = 0;
    return;
  }

  // Lanes (the vectorized dimension) go over N unless N is too narrow for a vector tile and
  // M is wider, or both are wide and L holds activations that are all non-negative (after a
  // ReLU; the kernel then looks up half of each table row): then the problem is transposed
  // (rows = R, lanes = L; its output is stored through a buffer, see below).
  const Transpose rule = transpose_rule(kernel, g.M, g.N);
  const bool swap = rule == Transpose::Narrow || (rule == Transpose::IfLeftNonNegative && g.left_is_activation &&
                                                  non_negative(Operand{g.L, g.l_m, g.l_k}, g.M, g.K));
  const Operand rows = swap ? Operand{g.R, g.r_n, g.r_k} : Operand{g.L, g.l_m, g.l_k};
  const Operand lanes = swap ? Operand{g.L, g.l_m, g.l_k} : Operand{g.R, g.r_n, g.r_k};
  const int n_rows = swap ? g.N : g.M, n_lanes = swap ? g.M : g.N, K = g.K;
  const bool rows_are_activations = g.left_is_activation != swap;
  const detail::TableRows tab{rows_are_activations ? table.activation_major() : table.weight_major(),
                              rows_are_activations ? table.activation_major_planes() : table.weight_major_planes()};
  const uint8_t* zero_row = rows_are_activations ? table.zero_activations() : table.zero_weights();
  const uint16_t* row_bound = rows_are_activations ? table.activation_row_bounds() : table.weight_row_bounds();

  // Threads only when the work outweighs starting them: even an empty two-thread OpenMP region
  // costs 3.3-3.9 microseconds on this project's machine (libgomp's futex calls), a few
  // microseconds of the kernel's work at about 25 GMAC/s per core; a smaller GEMM (e.g.
  // ResNet-8's 256 x 10 x 64 classifier) measured up to twice as slow on two threads as on one.
  // (Helper threads handed work through atomics, without system calls, made that classifier
  // no faster than one thread: the hand-off and the lines moved between cores, a microsecond
  // or more on this machine, ate the second core's half of its 5 microseconds.)
  constexpr double kParallelWork = 512.0 * 1024;  // multiply-accumulates
  const double work = static_cast<double>(n_rows) * n_lanes * K;
  const int threads = parallel && work >= kParallelWork && !omp_in_parallel() ? omp_get_max_threads() : 1;
  // Lane blocks of kLaneBlock lanes and row blocks of kRowBlock rows, smaller when there are
  // fewer lane blocks than threads (small GEMMs, e.g. fully-connected layers): the rows are
  // split between the threads, or the lanes of a transposed problem (they are rows of Y) when
  // each thread still gets a wide tile's lanes, or when it has so few rows (columns of Y) that
  // a split by rows would have both threads write every 64-byte line of Y (a 256 x 10 x 250
  // GEMM: 10 -> 22 GMAC/s; LeNet-5's 256 x 120 x 400 keeps its rows split and the wide tile:
  // 39 -> 50 GMAC/s).
  int lane_block = kLaneBlock, row_block = kRowBlock;
  int lane_blocks = (n_lanes + lane_block - 1) / lane_block;
  if (lane_blocks < threads && swap && (n_lanes >= threads * WR || (n_lanes >= threads * NR && n_rows < 32))) {
    lane_block = ((n_lanes + threads - 1) / threads + NR - 1) / NR * NR;
    lane_blocks = (n_lanes + lane_block - 1) / lane_block;
  }
  if (lane_blocks < threads) {
    const int wanted = (threads + lane_blocks - 1) / lane_blocks;
    row_block = std::min(kRowBlock, std::max(MR, ((n_rows + wanted - 1) / wanted + MR - 1) / MR * MR));
  }
  const int row_blocks = (n_rows + row_block - 1) / row_block;
  const int tasks = row_blocks * lane_blocks;
  const bool use_omp = threads > 1 && tasks > 1;

  // Row tiles are packed once per call: [tile][K][MR] with the list of the k where some row
  // value can give a non-zero (the others are skipped).  Lane blocks [K][kLaneBlock]
  // (zero-padded lanes are computed and discarded) are packed once per call too when several
  // row blocks read them (split over k so that every thread packs), else by the one task
  // that does, while they are hot in its cache.
  const int row_tiles = (n_rows + MR - 1) / MR;
  const PackedRows* pre = swap ? g.packed_right : g.packed_left;
  if (pre && (pre->table_ != &table || pre->path_ != resolved_path(path) || pre->rows_ != n_rows || pre->K_ != K ||
              pre->activations_ != rows_are_activations))
    pre = nullptr;
  // Scratch of the calling thread, reused from call to call (grown, never cleared: every
  // byte read is written first in this call).
  Scratch& scratch = thread_scratch();
  // A small GEMM (below a million multiply-accumulates, e.g. a classifier layer) with no more
  // tasks than threads: each task packs what it reads itself (its row tiles, its lane block; a
  // lane block read by two tasks is packed twice), so that the region has no barrier inside,
  // which at a few microseconds costs as much as the packing it would share.  (On larger
  // GEMMs this measured slower.)
  const bool own = use_omp && tasks <= threads && work < 1e6;
  const bool shared_lanes = row_blocks > 1 && !own;
  const int k_chunks =
      shared_lanes && use_omp && lane_blocks < threads ? std::min((K + 15) / 16, (threads + lane_blocks - 1) / lane_blocks) : 1;
  const int k_chunk = ((K + k_chunks - 1) / k_chunks + 15) / 16 * 16;  // whole 16 x 16 transposes
  uint8_t* apack = pre || own ? nullptr : scratch.apack.get(static_cast<std::size_t>(row_tiles) * K * MR);
  int32_t* klists = pre || own ? nullptr : scratch.klists.get(static_cast<std::size_t>(row_tiles) * K);
  int32_t* nks = pre || own ? nullptr : scratch.nks.get(static_cast<std::size_t>(row_tiles));
  uint8_t* bshared = shared_lanes ? scratch.lanes.get(static_cast<std::size_t>(lane_blocks) * K * kLaneBlock) : nullptr;
  // Shared lane blocks, per block and k chunk: the OR of the bytes packed (below 128 when all
  // are, and then kernel.fn_low may run the block).
  uint8_t* any = shared_lanes ? scratch.any.get(static_cast<std::size_t>(lane_blocks) * k_chunks) : nullptr;
  const uint8_t* apack_p = pre ? pre->a_.data() : apack;
  const int32_t* klists_p = pre ? pre->klists_.data() : klists;
  const int32_t* nks_p = pre ? pre->nks_.data() : nks;
  // Packs k in [k0, k1) of lane block blk into b ([K][kLaneBlock]); returns the OR of the bytes.
  auto pack_lanes = [&](int blk, int k0, int k1, uint8_t* b) {
    const int l0 = blk * lane_block, nl = std::min(lane_block, n_lanes - l0);
    uint8_t* bk0 = b + static_cast<std::size_t>(k0) * kLaneBlock;
    // The kernels read whole tiles: zero the last one's missing lanes (a wide tile's when more
    // than a narrow tile's lanes are left at the end, see the lane tile loop below).
    const int tail = nl % WR, last = tail > NR ? WR : NR;
    const int padded = tail == 0 ? nl : (nl + last - 1) / last * last;
    if (nl < padded)
      for (int k = k0; k < k1; ++k) std::memset(b + static_cast<std::size_t>(k) * kLaneBlock + nl, 0, padded - nl);
    uint8_t bits = 0;
    // Read along whichever of the operand's axes is contiguous.
    if (lanes.s_i == 1) {
      for (int k = k0; k < k1; ++k) {
        const uint8_t* src = reinterpret_cast<const uint8_t*>(lanes.p + l0 + k * lanes.s_k);
        uint8_t* dst = b + static_cast<std::size_t>(k) * kLaneBlock;
        for (int j = 0; j < nl; ++j) bits |= dst[j] = src[j];
      }
    } else if (lanes.s_k == 1) {
      bits = transpose_lanes(kernel, reinterpret_cast<const uint8_t*>(lanes.p + l0 * lanes.s_i + k0), lanes.s_i, nl,
                             k1 - k0, bk0, kLaneBlock);
    } else {
      for (int k = k0; k < k1; ++k)
        for (int j = 0; j < nl; ++j) bits |= b[static_cast<std::size_t>(k) * kLaneBlock + j] = lanes.at(l0 + j, k);
    }
    return bits;
  };
  auto block_is_low = [&](int blk) {
    uint8_t bits = 0;
    for (int c = 0; c < k_chunks; ++c) bits |= any[blk * k_chunks + c];
    return kernel.fn_low && bits < 128;
  };

  // The work of thread `tid` of `nth` (the loops are split by hand, not by OpenMP worksharing,
  // which would bind to an enclosing region when the call runs inside one on a single thread).
  // A call that runs on one thread enters no parallel region: even `parallel if (false)` makes
  // libgomp build and tear down a team, about 3 microseconds on this project's machine
  // (allocations and futex calls), as long as a small GEMM's whole work.
  std::atomic<int> next_task{0};
  auto region = [&](int tid, int nth) {
    Scratch& mine = thread_scratch();  // this thread's own (the calling thread's: other members)
    int32_t* bounds = kernel.int16_groups && !pre ? mine.bounds.get(static_cast<std::size_t>(K)) : nullptr;
    if (!pre && !own) {
      for (int t = tid; t < row_tiles; t += nth)
        nks[t] = pack_row_tile(kernel, rows, n_rows, K, t, zero_row, row_bound, apack + static_cast<std::size_t>(t) * K * MR,
                               klists + static_cast<std::size_t>(t) * K, bounds);
    }
    if (shared_lanes) {
      for (int c = tid; c < lane_blocks * k_chunks; c += nth) {
        const int blk = c / k_chunks, k0 = c % k_chunks * k_chunk;
        any[c] = k0 < K ? pack_lanes(blk, k0, std::min(K, k0 + k_chunk), bshared + static_cast<std::size_t>(blk) * K * kLaneBlock)
                        : 0;
      }
    }
    if (nth > 1 && ((!pre && !own) || shared_lanes)) {  // (the same for every thread)
#pragma omp barrier
    }
    uint8_t* blocal = shared_lanes ? nullptr : mine.local_lanes.get(static_cast<std::size_t>(K) * kLaneBlock);
    // Swapped problems: a row block's results for one lane tile, [row][tile width], written to
    // Y lane by lane (contiguous runs of Y's rows) instead of row by row (stride y_m).
    int32_t* rows_out = swap ? mine.rows_out.get(static_cast<std::size_t>(row_block) * WR) : nullptr;
    std::ptrdiff_t* col_of = swap ? mine.col_of.get(static_cast<std::size_t>(row_block)) : nullptr;
    int32_t tile[detail::kMaxTile];
    // Tasks handed out one at a time (the region's end is the barrier).
    for (int task; (task = next_task.fetch_add(1, std::memory_order_relaxed)) < tasks;) {
      const int blk = task % lane_blocks;
      const int r0 = (task / lane_blocks) * row_block, l0 = blk * lane_block;
      const int nr = std::min(row_block, n_rows - r0), nl = std::min(lane_block, n_lanes - l0);
      const uint8_t* b = blocal;
      bool low;
      if (shared_lanes) {
        b = bshared + static_cast<std::size_t>(blk) * K * kLaneBlock;
        low = block_is_low(blk);
      } else {
        const uint8_t bits = pack_lanes(blk, 0, K, blocal);
        low = kernel.fn_low && bits < 128;
      }
      const detail::MicroKernel fn_narrow = low ? kernel.fn_low : kernel.fn;
      const detail::MicroKernel fn_wide = low ? kernel.fn_wide_low : kernel.fn_wide;
      // The row tiles: tile t at (t - t_base) of ap / kl / nkp.
      const uint8_t* ap = apack_p;
      const int32_t *kl = klists_p, *nkp = nks_p;
      int t_base = 0;
      if (own && !pre) {
        t_base = r0 / MR;
        const int tiles = (nr + MR - 1) / MR;
        uint8_t* a = mine.own_apack.get(static_cast<std::size_t>(tiles) * K * MR);
        int32_t* k_list = mine.own_klists.get(static_cast<std::size_t>(tiles) * K);
        int32_t* n_k = mine.own_nks.get(static_cast<std::size_t>(tiles));
        for (int u = 0; u < tiles; ++u)
          n_k[u] = pack_row_tile(kernel, rows, n_rows, K, t_base + u, zero_row, row_bound,
                                 a + static_cast<std::size_t>(u) * K * MR, k_list + static_cast<std::size_t>(u) * K, bounds);
        ap = a, kl = k_list, nkp = n_k;
      }
      if (swap)
        for (int i = 0; i < nr; ++i) col_of[i] = y_col(r0 + i);
      // Lane tiles: the wide kernel's while more than one narrow tile's lanes are left.
      for (int j0 = 0, tw; j0 < nl; j0 += tw) {
        const bool wide = fn_wide && nl - j0 > NR;
        const detail::MicroKernel fn = wide ? fn_wide : fn_narrow;
        tw = wide ? 2 * NR : NR;
        const int nj = std::min(tw, nl - j0);
        const std::ptrdiff_t l = l0 + j0;
        if (swap) {  // rows are columns of Y, lanes its rows
          for (int i0 = 0; i0 < nr; i0 += MR) {
            const int u = (r0 + i0) / MR - t_base;
            const std::size_t at = static_cast<std::size_t>(u) * K;
            fn(tab, ap + at * MR, kl + at, nkp[u], b + j0, kLaneBlock, rows_out + i0 * tw);
          }
          store_lanes(kernel, rows_out, tw, nr, nj, col_of, g.Y + l * g.y_m, g.y_m);
          continue;
        }
        // One-row tiles whose lanes are a contiguous run of Y's row go straight there.
        const bool direct = MR == 1 && nj == tw && g.y_n == 1 && l % g.y_n_block + tw <= g.y_n_block;
        for (int i0 = 0; i0 < nr; i0 += MR) {
          const int u = (r0 + i0) / MR - t_base, mr = std::min(MR, nr - i0);
          const std::size_t at = static_cast<std::size_t>(u) * K;
          if (direct) {
            fn(tab, ap + at * MR, kl + at, nkp[u], b + j0, kLaneBlock, g.Y + (r0 + i0) * g.y_m + y_col(l));
            continue;
          }
          fn(tab, ap + at * MR, kl + at, nkp[u], b + j0, kLaneBlock, tile);
          for (int i = 0; i < mr; ++i) {  // lanes are columns of Y: one run per block of y_n_block columns
            const int32_t* src = tile + i * tw;
            for (std::ptrdiff_t n = l, end = l + nj; n < end;) {
              const std::ptrdiff_t run = std::min(end - n, g.y_n_block - n % g.y_n_block);
              int32_t* y = g.Y + (r0 + i0 + i) * g.y_m + y_col(n);
              if (g.y_n == 1) std::memcpy(y, src + (n - l), static_cast<std::size_t>(run) * sizeof(int32_t));
              else
                for (std::ptrdiff_t j = 0; j < run; ++j) y[j * g.y_n] = src[n - l + j];
              n += run;
            }
          }
        }
      }
    }
  };
  if (use_omp) {
#pragma omp parallel
    region(omp_get_thread_num(), omp_get_num_threads());
  } else {
    region(0, 1);
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
