// Reference kernels for the side-by-side benchmark; see reference_kernels.hpp.
#include "reference_kernels.hpp"

#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <cstring>
#include <random>
#include <stdexcept>
#include <unordered_map>

#ifdef AXEVO_BENCH_DNNL
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace axevo::bench {

namespace {

// im2col of one image, patch-major: col[(oy*Wo + ox)][(ci*kh + ky)*kw + kx] (0 in the padding).
template <typename T>
void im2col_patch_major(const kernels::Conv2dParams& p, const T* in, T* col) {
  const int Ho = p.out_h(), Wo = p.out_w(), K = p.in_channels * p.kernel_h * p.kernel_w;
  for (int oy = 0; oy < Ho; ++oy)
    for (int ox = 0; ox < Wo; ++ox) {
      T* row = col + static_cast<std::size_t>(oy * Wo + ox) * K;
      for (int ci = 0; ci < p.in_channels; ++ci)
        for (int ky = 0; ky < p.kernel_h; ++ky) {
          const int iy = oy * p.stride_h - p.pad_h + ky * p.dilation_h;
          for (int kx = 0; kx < p.kernel_w; ++kx) {
            const int ix = ox * p.stride_w - p.pad_w + kx * p.dilation_w;
            *row++ = iy >= 0 && iy < p.in_h && ix >= 0 && ix < p.in_w
                         ? in[(static_cast<std::size_t>(ci) * p.in_h + iy) * p.in_w + ix]
                         : T(0);
          }
        }
    }
}

// sum_k lut[a[k]][w[k]], unrolled by 8 (AdaPT's inner loop).
inline int32_t lut_dot(const int16_t* lut, const uint8_t* a, const uint8_t* w, int K) {
  int32_t acc = 0;
  int k = 0;
  for (; k + 8 <= K; k += 8)
    acc += lut[a[k] << 8 | w[k]] + lut[a[k + 1] << 8 | w[k + 1]] + lut[a[k + 2] << 8 | w[k + 2]] +
           lut[a[k + 3] << 8 | w[k + 3]] + lut[a[k + 4] << 8 | w[k + 4]] + lut[a[k + 5] << 8 | w[k + 5]] +
           lut[a[k + 6] << 8 | w[k + 6]] + lut[a[k + 7] << 8 | w[k + 7]];
  for (; k < K; ++k) acc += lut[a[k] << 8 | w[k]];
  return acc;
}

void require_groups1(const kernels::Conv2dParams& p) {
  if (p.groups != 1) throw std::invalid_argument("reference conv: groups must be 1");
}

}  // namespace

void adapt_conv2d(const int16_t* lut, const kernels::Conv2dParams& p, const int8_t* input, const int8_t* weight,
                  int32_t* output) {
  require_groups1(p);
  const int P = p.out_h() * p.out_w(), K = p.in_channels * p.kernel_h * p.kernel_w;
  const std::size_t in_size = static_cast<std::size_t>(p.in_channels) * p.in_h * p.in_w;
  const auto* w8 = reinterpret_cast<const uint8_t*>(weight);
#pragma omp parallel
  {
    std::vector<int8_t> col(static_cast<std::size_t>(P) * K);
#pragma omp for schedule(static)
    for (int b = 0; b < p.batch; ++b) {
      im2col_patch_major(p, input + b * in_size, col.data());
      const auto* c8 = reinterpret_cast<const uint8_t*>(col.data());
      int32_t* out = output + static_cast<std::size_t>(b) * p.out_channels * P;
      for (int co = 0; co < p.out_channels; ++co)
        for (int q = 0; q < P; ++q)
          out[static_cast<std::size_t>(co) * P + q] =
              lut_dot(lut, c8 + static_cast<std::size_t>(q) * K, w8 + static_cast<std::size_t>(co) * K, K);
    }
  }
}

void adapt_gemm(const int16_t* lut, int M, int N, int K, const int8_t* X, const int8_t* W, int32_t* Y) {
  const auto* x8 = reinterpret_cast<const uint8_t*>(X);
  const auto* w8 = reinterpret_cast<const uint8_t*>(W);
#pragma omp parallel for schedule(static)
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n)
      Y[static_cast<std::size_t>(m) * N + n] =
          lut_dot(lut, x8 + static_cast<std::size_t>(m) * K, w8 + static_cast<std::size_t>(n) * K, K);
}

void eigen_conv2d(const kernels::Conv2dParams& p, const float* input, const float* weight, float* output) {
  require_groups1(p);
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const int P = p.out_h() * p.out_w(), K = p.in_channels * p.kernel_h * p.kernel_w;
  const std::size_t in_size = static_cast<std::size_t>(p.in_channels) * p.in_h * p.in_w;
  const Eigen::Map<const RowMajor> W(weight, p.out_channels, K);
#pragma omp parallel
  {
    std::vector<float> col(static_cast<std::size_t>(P) * K);
#pragma omp for schedule(static)
    for (int b = 0; b < p.batch; ++b) {
      im2col_patch_major(p, input + b * in_size, col.data());
      const Eigen::Map<const RowMajor> C(col.data(), P, K);
      Eigen::Map<RowMajor> Y(output + static_cast<std::size_t>(b) * p.out_channels * P, p.out_channels, P);
      Y.noalias() = W * C.transpose();  // single-threaded inside the parallel region
    }
  }
}

void eigen_gemm(int M, int N, int K, const float* X, const float* W, float* Y) {
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Map<const RowMajor> A(X, M, K), B(W, N, K);
  Eigen::Map<RowMajor> C(Y, M, N);
  Eigen::setNbThreads(omp_get_max_threads());
  C.noalias() = A * B.transpose();
}

#ifdef AXEVO_BENCH_DNNL

namespace {

using dnnl::memory;

// Random operands in the primitive's preferred layouts (reordered once, outside the timing).
class DnnlPrimitive : public Int8Primitive {
 public:
  void run() override {
    prim_.execute(stream_, args_);
    stream_.wait();
  }

 protected:
  DnnlPrimitive() : engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {}
  memory filled(const memory::desc& plain, const memory::desc& wanted, int lo, int hi) {
    memory src(plain, engine_);
    auto* p = static_cast<int8_t*>(src.get_data_handle());
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> d(lo, hi);
    for (std::size_t i = 0; i < plain.get_size(); ++i) p[i] = static_cast<int8_t>(d(rng));
    if (plain == wanted) return src;
    memory dst(wanted, engine_);
    dnnl::reorder(src, dst).execute(stream_, src, dst);
    stream_.wait();
    return dst;
  }
  dnnl::engine engine_;
  dnnl::stream stream_;
  dnnl::primitive prim_;
  std::unordered_map<int, memory> args_;
};

class DnnlConv : public DnnlPrimitive {
 public:
  explicit DnnlConv(const kernels::Conv2dParams& p) {
    using tag = memory::format_tag;
    using dt = memory::data_type;
    const memory::dims src{p.batch, p.in_channels, p.in_h, p.in_w}, wei{p.out_channels, p.in_channels, p.kernel_h, p.kernel_w},
        dst{p.batch, p.out_channels, p.out_h(), p.out_w()};
    const memory::desc src_any(src, dt::u8, tag::any), wei_any(wei, dt::s8, tag::any), dst_any(dst, dt::s32, tag::any);
    dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_any, wei_any,
                                      dst_any, {p.stride_h, p.stride_w}, {p.dilation_h - 1, p.dilation_w - 1},
                                      {p.pad_h, p.pad_w}, {p.pad_h, p.pad_w});
    dnnl::convolution_forward::primitive_desc pd(d, engine_);
    prim_ = dnnl::convolution_forward(pd);
    args_[DNNL_ARG_SRC] = filled(memory::desc(src, dt::u8, tag::nchw), pd.src_desc(), 0, 127);
    args_[DNNL_ARG_WEIGHTS] = filled(memory::desc(wei, dt::s8, tag::oihw), pd.weights_desc(), -128, 127);
    args_[DNNL_ARG_DST] = memory(pd.dst_desc(), engine_);
  }
};

class DnnlMatmul : public DnnlPrimitive {
 public:
  DnnlMatmul(int M, int N, int K) {
    using tag = memory::format_tag;
    using dt = memory::data_type;
    const memory::desc a({M, K}, dt::u8, tag::ab), b_any({K, N}, dt::s8, tag::any), c({M, N}, dt::s32, tag::ab);
    dnnl::matmul::desc d(a, b_any, c);
    dnnl::matmul::primitive_desc pd(d, engine_);
    prim_ = dnnl::matmul(pd);
    args_[DNNL_ARG_SRC] = filled(a, pd.src_desc(), 0, 127);
    args_[DNNL_ARG_WEIGHTS] = filled(memory::desc({K, N}, dt::s8, tag::ba), pd.weights_desc(), -128, 127);
    args_[DNNL_ARG_DST] = memory(pd.dst_desc(), engine_);
  }
};

}  // namespace

bool dnnl_available() { return true; }
std::string dnnl_version() {
  const auto* v = dnnl::version();
  return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch) +
         (v->cpu_runtime == DNNL_RUNTIME_OMP ? " (OpenMP)" : "");
}
std::unique_ptr<Int8Primitive> dnnl_conv2d(const kernels::Conv2dParams& p) {
  require_groups1(p);
  return std::make_unique<DnnlConv>(p);
}
std::unique_ptr<Int8Primitive> dnnl_gemm(int M, int N, int K) { return std::make_unique<DnnlMatmul>(M, N, K); }

#else

bool dnnl_available() { return false; }
std::string dnnl_version() { return "not built (install libdnnl-dev and reconfigure)"; }
std::unique_ptr<Int8Primitive> dnnl_conv2d(const kernels::Conv2dParams&) { return nullptr; }
std::unique_ptr<Int8Primitive> dnnl_gemm(int, int, int) { return nullptr; }

#endif

}  // namespace axevo::bench
