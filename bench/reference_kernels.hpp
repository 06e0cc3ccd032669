#pragma once
// The reference implementations axevo's approximate kernels are measured against, in the same
// process and on the same data (bench/README.md):
//   - adapt_*: the design of AdaPT's CPU kernel (im2col, then for each output a loop over k
//     summing lut[(uint8)a][(uint8)w] from a 256x256 int16 table, unrolled by 8; OpenMP over
//     the batch, or over the rows of a plain GEMM);
//   - eigen_*: exact float convolution (im2col + GEMM) and GEMM through Eigen;
//   - dnnl_*: exact int8 (u8 x s8 -> s32) convolution and matmul through oneDNN, the physical
//     ceiling (only when Debian's libdnnl-dev was found at configure time).
// This file is compiled with -march=native (AXEVO_BENCH_NATIVE, on by default) so that the
// baselines get every instruction the CPU has; axevo's kernels are compiled for generic x86-64
// and pick their paths at run time.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "axevo/kernels/approx_conv.hpp"

namespace axevo::bench {

// AdaPT-style approximate Conv2d (groups = 1): int8 NCHW input and [Cout][Cin*kh*kw] weights,
// lut[(uint8)a << 8 | (uint8)w] = M(a, w), int32 output NCHW.
void adapt_conv2d(const int16_t* lut, const kernels::Conv2dParams& p, const int8_t* input, const int8_t* weight,
                  int32_t* output);
// AdaPT-style approximate GEMM: Y[m][n] = sum_k lut[X[m][k]][W[n][k]], OpenMP over m.
void adapt_gemm(const int16_t* lut, int M, int N, int K, const int8_t* X, const int8_t* W, int32_t* Y);

// Exact float Conv2d (groups = 1): im2col per image and one Eigen GEMM, OpenMP over the batch.
void eigen_conv2d(const kernels::Conv2dParams& p, const float* input, const float* weight, float* output);
// Exact float GEMM Y[M][N] = X[M][K] * W[N][K]^T through Eigen's own (OpenMP) parallel GEMM.
void eigen_gemm(int M, int N, int K, const float* X, const float* W, float* Y);

// oneDNN int8 primitives, built once per shape; run() executes one forward pass on the
// current OpenMP thread count.  available() is false when the bench was built without
// oneDNN; then make_* return null.
class Int8Primitive {
 public:
  virtual ~Int8Primitive() = default;
  virtual void run() = 0;
};
bool dnnl_available();
std::string dnnl_version();
std::unique_ptr<Int8Primitive> dnnl_conv2d(const kernels::Conv2dParams& p);
std::unique_ptr<Int8Primitive> dnnl_gemm(int M, int N, int K);

}  // namespace axevo::bench
