#pragma once
// Internal interface between the GEMM driver (approx_gemm.cpp) and the micro-kernels
// (scalar in approx_gemm.cpp, AVX2/AVX-512 in gemm_x86.cpp).  Not for users.
#include <cstddef>
#include <cstdint>

namespace axevo::kernels::detail {

// Output tile computed by one micro-kernel call: kMR rows x kNR lanes (64 lanes: the AVX-512
// kernel reuses each 512-byte table row it loads for 64 lookups).
inline constexpr int kMR = 4;
inline constexpr int kNR = 64;

// One tile: out[i][j] = sum over k in klist[0..nk) of table[(a[k*kMR+i] << 8) | b[k*ldb+j]]
// for i < kMR, j < kNR.  `table` is row-major for the row operand (the "a" side) and has
// one padding element after its 65536 entries; a is the packed row panel [K][kMR], b the
// packed lane panel [K][ldb] (already offset to the tile's first lane); out is [kMR][kNR].
using MicroKernel = void (*)(const int16_t* table, const uint8_t* a, const int32_t* klist, int nk,
                             const uint8_t* b, std::ptrdiff_t ldb, int32_t* out);

void micro_kernel_scalar(const int16_t* table, const uint8_t* a, const int32_t* klist, int nk,
                         const uint8_t* b, std::ptrdiff_t ldb, int32_t* out);

// Defined in gemm_x86.cpp; null pointers when not compiled for x86-64.
MicroKernel micro_kernel_avx2();
MicroKernel micro_kernel_avx512();
bool cpu_has_avx2();
bool cpu_has_avx512();

}  // namespace axevo::kernels::detail
