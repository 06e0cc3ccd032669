#pragma once
// Internal interface between the GEMM driver (approx_gemm.cpp) and the micro-kernels
// (scalar in approx_gemm.cpp, AVX2/AVX-512 in gemm_x86.cpp).  Not for users.
#include <cstddef>
#include <cstdint>

namespace axevo::kernels::detail {

// Output tile of the scalar, AVX2 and AVX-512BW micro-kernels: kMR rows x kNR lanes (64 lanes: the AVX-512
// kernel reuses each 512-byte table row it loads for 64 lookups).
inline constexpr int kMR = 4;
inline constexpr int kNR = 64;
// The VBMI kernel's tile: one row x 128 lanes (each 512-byte table row it loads serves 128
// lookups; with 64 lanes the loads, not the permutes, limited it).
inline constexpr int kVbmiMR = 1;
inline constexpr int kVbmiNR = 128;
// The largest tile of any kernel (the driver's tile buffer).
inline constexpr int kMaxTile = 256;

// The table as a kernel reads it, oriented for the row operand (the "a" side): `words` is
// row-major int16 (row v at v << 8, one padding element after the 65536 entries), `planes`
// the same rows as byte planes (row v at v << 9: 256 low bytes, then 256 high bytes).
struct TableRows {
  const int16_t* words;
  const uint8_t* planes;
};

// One tile of mr x nr (the kernel's own tile size): out[i][j] = sum over k in klist[0..nk)
// of table[(a[k*mr+i] << 8) | b[k*ldb+j]] for i < mr, j < nr.  a is the packed row panel
// [K][mr], b the packed lane panel [K][ldb] (already offset to the tile's first lane); out is
// [mr][nr].
//
// Kernels that sum products in int16 before widening them (KernelTile::int16_groups) read
// klist as consecutive groups: the last entry of each group has kGroupEnd set (k is the
// entry without it), and within a group the sum of the rows' |values| bounds (PreparedTable's
// row bounds, the largest over the tile's rows) is at most 32767, or the group has one entry,
// so no int16 partial sum can overflow.  The other kernels get plain lists.
using MicroKernel = void (*)(TableRows table, const uint8_t* a, const int32_t* klist, int nk, const uint8_t* b,
                             std::ptrdiff_t ldb, int32_t* out);
inline constexpr int32_t kGroupEnd = INT32_MIN;

// dst[k*ld_dst + j] = src[j*ld_src + k] for j < nj, k < nk (any sizes; no byte of src outside
// them is read, none of dst outside them written); returns 0x80 if any byte has its top bit set
// (is negative as int8), else 0.
using TransposeBlocks = uint8_t (*)(const uint8_t* src, std::ptrdiff_t ld_src, int nj, int nk, uint8_t* dst,
                                    std::ptrdiff_t ld_dst);

// y[j*y_m + i] = src[i*ld + j] for i < ni (at most 16), j < nj (a multiple of 16): a row
// block's results stored into Y's rows when the block's columns of Y are adjacent.
using StoreRows = void (*)(const int32_t* src, std::ptrdiff_t ld, int ni, int nj, int32_t* y, std::ptrdiff_t y_m);

struct KernelTile {
  MicroKernel fn = nullptr;
  int mr = 0, nr = 0;
  MicroKernel fn_low = nullptr;  // optional: the same when every lane byte is below 128
  bool int16_groups = false;     // klist in int16 groups (above)
  // Optional: the same on a tile of mr x 2 nr (out is [mr][2 nr]), for blocks with more than nr
  // lanes left; they read klist's k and ignore its group flags.
  MicroKernel fn_wide = nullptr, fn_wide_low = nullptr;
  // Optional, for the paths with wide registers: packing lanes stored row by row
  // (TransposeBlocks above: all of it, edges included) and storing a transposed problem's row
  // blocks (StoreRows above: runs of 16 lanes); the driver's portable SSE2 versions do the
  // other paths and the row blocks' remaining lanes.
  TransposeBlocks transpose = nullptr;
  StoreRows store_rows = nullptr;
};

void micro_kernel_scalar(TableRows table, const uint8_t* a, const int32_t* klist, int nk, const uint8_t* b,
                         std::ptrdiff_t ldb, int32_t* out);

// Defined in gemm_x86.cpp; null pointers when not compiled for x86-64.
MicroKernel micro_kernel_avx2();
MicroKernel micro_kernel_avx512();
MicroKernel micro_kernel_avx512_vbmi();
MicroKernel micro_kernel_avx512_vbmi_low();  // lane bytes all below 128 (non-negative int8)
MicroKernel micro_kernel_avx512_vbmi_wide();      // 1 x 256 lanes
MicroKernel micro_kernel_avx512_vbmi_wide_low();
TransposeBlocks transpose_blocks_avx512();  // 64 x 16 blocks and their edges (AVX-512BW)
StoreRows store_rows_avx512();              // 16 x 16 blocks (AVX-512F)
bool cpu_has_avx2();
bool cpu_has_avx512();
bool cpu_has_avx512_vbmi();  // AVX-512 F, BW, VBMI and VNNI

}  // namespace axevo::kernels::detail
