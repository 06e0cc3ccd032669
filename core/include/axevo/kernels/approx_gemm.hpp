#pragma once
// Approximate integer GEMM: every product goes through the 256x256 int16 table of a
// (possibly approximate) signed 8x8 multiplier, sums are exact int32.
//
// Contract (the reference and every optimized path agree bit for bit, for any table, any
// operand order and any OpenMP thread count):
//
//   Y[m][n] = sum_{k < K} M(X[m][k], W[n][k])          (ActivationFirst, the default)
//   Y[m][n] = sum_{k < K} M(W[n][k], X[m][k])          (WeightFirst)
//
// where M(a, b) = table[table_index(a, b)] (a drives the circuit's input A), X are int8
// activations [M][K] (row-major, row stride ldx >= K), W are int8 weights [N][K] (each output
// channel's K weights contiguous, row stride ldw >= K) and Y is int32 [M][N] (row stride
// ldy >= N).  The accumulation is int32 (|M(a,b)| <= 32768, so K up to 65535 never overflows);
// integer addition is associative, so blocking and threading do not change the result.
//
// Layout rationale: with X = im2col patches and W = [Cout][Cin*kh*kw] this is a convolution;
// with X = x_t (or h_{t-1}) and W = the LSTM input (recurrent) weights [4*hidden][K] this is
// the gate pre-activation x_t * W^T of an LSTM step.
//
// Implementation (XNNPACK/ncnn style): approx_gemm_reference is the plain triple loop;
// approx_gemm packs operand panels, visits the output in cache blocks (OpenMP over blocks)
// and runs one micro-kernel per output tile (4 values of the "row" operand against 64 of the
// "lane" operand, or 1 against 128 or 256 on the VBMI path; the row operand selects a
// 512-byte table row, so the table is pre-transposed per operand order, see PreparedTable).
// The micro-kernel exists as portable scalar C++, AVX2 (8-lane gathers), AVX-512BW
// (in-register word permutes over the table row) and AVX-512 VBMI + VNNI (byte permutes over
// the row split into low- and high-byte planes, widened and summed by vpdpwssd, the 1 x 128
// tile with int16 partial sums); KernelPath::Auto picks the fastest the
// CPU has (VBMI, else BW, else scalar), and any available path can be forced (the tests run
// them all).  Architecture-specific code lives in gemm_x86.cpp and is compiled
// with function target attributes, so the build works on any x86-64 (or non-x86) CPU.
#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include "axevo/multiplier.hpp"

namespace axevo::kernels {

// std::allocator with cache-line (64-byte) alignment, for arrays the SIMD kernels read 64 bytes
// at a time: a load that straddles two lines costs two (the byte-plane table rows read with
// malloc's 16-byte alignment made the VBMI kernel ~1.5x slower on AMD Zen 5).
template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlign{64};
  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlign)); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, kAlign); }
  template <typename U>
  bool operator==(const CacheLineAllocator<U>&) const noexcept { return true; }
  template <typename U>
  bool operator!=(const CacheLineAllocator<U>&) const noexcept { return false; }
};
template <typename T>
using AlignedVector = std::vector<T, CacheLineAllocator<T>>;

// Which GEMM operand drives the multiplier's first input (A).
enum class OperandOrder {
  ActivationFirst,  // table indexed [activation][weight] (default)
  WeightFirst,      // table indexed [weight][activation]
};

// A multiplier table rearranged once for the kernels (256 KiB; build it once per layer or per
// multiplier and reuse it).  It holds the table in both orientations:
//   activation_major()[(uint8)x << 8 | (uint8)w] = value of activation x times weight w,
//   weight_major()    [(uint8)w << 8 | (uint8)x] = the same value,
// so a kernel can make whichever operand it keeps fixed select a contiguous 512-byte row.
// Each array has one extra zero element at the end (the SIMD paths read 32 bits at a time).
// It also records, per operand value, whether that value gives 0 against every value of the
// other operand (e.g. activation 0 for most multipliers): the kernels skip such products
// only when the table says so, so skipping never changes a result.
class PreparedTable {
 public:
  PreparedTable(const Table& table, OperandOrder order = OperandOrder::ActivationFirst);

  OperandOrder order() const { return order_; }
  const int16_t* activation_major() const { return act_major_.data(); }
  const int16_t* weight_major() const { return weight_major_.data(); }
  // 1 when activation (uint8)x times any weight is 0.
  const uint8_t* zero_activations() const { return zero_act_; }
  // 1 when weight (uint8)w times any activation is 0.
  const uint8_t* zero_weights() const { return zero_weight_; }
  // The largest |value| in the row of activation (uint8)x (over every weight), and in the row
  // of weight (uint8)w (over every activation): up to 32768.  A kernel that sums products in
  // int16 before widening uses them to know how many it may add without overflow.
  const uint16_t* activation_row_bounds() const { return bound_act_; }
  const uint16_t* weight_row_bounds() const { return bound_weight_; }
  // The same rows as byte planes: for row value v (as uint8), 512 bytes at v * 512: the low
  // bytes of the row's 256 entries, then their high bytes (for byte-permute kernels).
  const uint8_t* activation_major_planes() const { return act_planes_.data(); }
  const uint8_t* weight_major_planes() const { return weight_planes_.data(); }
  // The product of activation x and weight w.
  int16_t operator()(int x, int w) const { return act_major_[table_index(x, w)]; }

 private:
  OperandOrder order_;
  AlignedVector<int16_t> act_major_, weight_major_;
  AlignedVector<uint8_t> act_planes_, weight_planes_;
  uint8_t zero_act_[256], zero_weight_[256];
  uint16_t bound_act_[256], bound_weight_[256];
};

// Micro-kernel implementations.  Scalar is portable and always available.
enum class KernelPath { Auto, Scalar, Avx2, Avx512, Avx512Vbmi };
std::string kernel_path_name(KernelPath path);
// The paths this CPU can run (Scalar first, then AVX2, AVX-512BW, AVX-512 VBMI when supported).
std::vector<KernelPath> available_kernel_paths();
// What Auto resolves to on this CPU: Avx512Vbmi, else Avx512, else Scalar (the AVX2 gather
// kernel measured slower than scalar on AMD Zen 4; it stays available on request).
KernelPath best_kernel_path();

// Plain reference: the triple loop over the multiplier table.
void approx_gemm_reference(const Table& table, OperandOrder order, int M, int N, int K,
                           const int8_t* X, std::ptrdiff_t ldx, const int8_t* W, std::ptrdiff_t ldw,
                           int32_t* Y, std::ptrdiff_t ldy);

// Optimized GEMM with the same result.  Uses OpenMP (omp_get_max_threads() threads) when the
// problem is large enough and the call is not already inside a parallel region.
// Throws axevo::Error for negative sizes, a too-small stride, or a path this CPU lacks.
void approx_gemm(const PreparedTable& table, int M, int N, int K, const int8_t* X, std::ptrdiff_t ldx,
                 const int8_t* W, std::ptrdiff_t ldw, int32_t* Y, std::ptrdiff_t ldy,
                 KernelPath path = KernelPath::Auto);

// General form used by the convolutions: any element strides, and the operand roles spelled
// out.  L is the "left" operand [M][K] (element (m,k) at L[m*l_m + k*l_k]), R the "right"
// operand [N][K] (element (n,k) at R[n*r_n + k*r_k]), Y(m, n) = sum_k product(L, R) where the
// product is activation x weight and `left_is_activation` says which one L is.  Y(m, n) is at
// Y[m*y_m + (n / y_n_block)*y_n_block_stride + (n % y_n_block)*y_n]: the columns may come in
// blocks (a convolution's lanes are the pixels of several images, each image's output plane
// elsewhere); by default one block.
// `parallel` allows OpenMP inside (callers that already parallelize pass false).
class PackedRows;
struct StridedGemm {
  int M = 0, N = 0, K = 0;
  const int8_t* L = nullptr;
  std::ptrdiff_t l_m = 0, l_k = 1;
  const int8_t* R = nullptr;
  std::ptrdiff_t r_n = 0, r_k = 1;
  int32_t* Y = nullptr;
  std::ptrdiff_t y_m = 0, y_n = 1;
  std::ptrdiff_t y_n_block = PTRDIFF_MAX, y_n_block_stride = 0;
  bool left_is_activation = true;
  // Optional: L or R already packed (a layer's weights, the same in every call).  The driver
  // puts L on the kernel's rows, or R (see right_on_rows); the operand on the rows is taken
  // packed when it was packed for this table, path, size (M or N), K and role, else read.
  const PackedRows* packed_left = nullptr;
  const PackedRows* packed_right = nullptr;
};

// Whether approx_gemm_strided may put R (not L) on the kernel's rows for an M x N problem:
// it does when N is narrower than the path's lane tile and M wider, and, on a path with a
// kernel for non-negative lanes, when both are at least as wide and L is activations that
// are all non-negative.
bool right_on_rows(int M, int N, KernelPath path = KernelPath::Auto);

// An operand [rows][K] (element (i, k) at p[i*s_row + k*s_k]) packed once for the kernel's
// rows: the tiles' bytes, the k that can give a non-zero and their int16 groups.  Packing
// costs about as much per element as ten table look-ups, so a GEMM with few lanes per call
// (a convolution is run a few images at a time) spends a noticeable share repacking its weights.
class PackedRows {
 public:
  PackedRows(const PreparedTable& table, int rows, int K, const int8_t* p, std::ptrdiff_t s_row, std::ptrdiff_t s_k,
             bool are_activations, KernelPath path = KernelPath::Auto);

 private:
  friend void approx_gemm_strided(const PreparedTable&, const StridedGemm&, KernelPath, bool);
  const PreparedTable* table_;
  KernelPath path_;
  int rows_, K_;
  bool activations_;
  std::vector<uint8_t> a_;
  std::vector<int32_t> klists_, nks_;
};
void approx_gemm_strided(const PreparedTable& table, const StridedGemm& g, KernelPath path = KernelPath::Auto,
                         bool parallel = true);

}  // namespace axevo::kernels
