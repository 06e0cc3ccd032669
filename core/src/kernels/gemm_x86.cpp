// AVX2 and AVX-512 micro-kernels of the approximate GEMM (see kernels/detail.hpp for the
// contract).  Compiled with function target attributes, not global -m flags, so the rest of
// the library stays portable; the driver only calls them after checking the CPU.
//
// AVX2 (gathers): each lane j of a vector accumulates one output column: per k, the packed
// lane bytes b[k][j] are widened to int32, the row value a[k][i] is broadcast as a << 8, and
// a 32-bit gather at int16 granularity (scale 2) reads table[(a << 8) | b] together with the
// next element; shifting left then arithmetically right by 16 keeps the sign-extended low
// half (x86 is little-endian).  The table's padding element keeps the read in bounds.
//
// AVX-512BW (permutes, no gathers): the row value's whole 512-byte table row is held in 8
// registers and looked up for 32 lanes at a time with word permutes (see below).  On the
// AMD Zen 4 this was written on it is ~2x faster than 16-lane gathers, which in turn were
// slower than the scalar kernel.
//
// AVX-512 VBMI + VNNI (byte planes): the row is held as its 256 low bytes and 256 high bytes
// (4 + 4 registers); one two-source byte permute covers 128 entries, so 64 lanes cost four
// merge-masked permutes for both planes (the word kernel: eight permutes and six blends).
// Bytes are interleaved back into int16 products (unpack), summed in int16 over a group of k whose
// table rows' bounds keep the sum in range (the driver forms the groups), and vpdpwssd
// against (1, 0) / (0, 1) word patterns widens and adds the even / odd sums into int32.  The
// 1 x 256 tile (for blocks with more than 128 lanes left) widens each k's products at once.
#include "axevo/kernels/detail.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// GCC 12's AVX-512 intrinsics initialise their "undefined" source operands as `__Y = __Y`,
// which -Wmaybe-uninitialized and -Wuninitialized report when inlined (GCC bug 105593); harmless here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include <algorithm>

namespace axevo::kernels::detail {

namespace {

__attribute__((target("avx2"))) void kernel_avx2(TableRows table, const uint8_t* a, const int32_t* klist, int nk,
                                                 const uint8_t* b, std::ptrdiff_t ldb, int32_t* out) {
  static_assert(kMR == 4 && kNR == 64, "kernel written for a 4 x 64 tile");
  const int* base = reinterpret_cast<const int*>(table.words);
  for (int half = 0; half < 2; ++half) {  // 2 x 32 lanes: 16 accumulators fit the 16 ymm registers
    __m256i acc[kMR][4];
    for (int i = 0; i < kMR; ++i)
      for (int v = 0; v < 4; ++v) acc[i][v] = _mm256_setzero_si256();
    for (int t = 0; t < nk; ++t) {
      const std::ptrdiff_t k = klist[t];
      const uint8_t* bk = b + k * ldb + 32 * half;
      __m256i idx[4];
      for (int v = 0; v < 4; ++v)
        idx[v] = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(bk + 8 * v)));
      const uint8_t* ak = a + k * kMR;
      for (int i = 0; i < kMR; ++i) {
        const __m256i row = _mm256_set1_epi32(static_cast<int>(ak[i]) << 8);
        for (int v = 0; v < 4; ++v) {
          __m256i g = _mm256_i32gather_epi32(base, _mm256_add_epi32(row, idx[v]), 2);
          g = _mm256_srai_epi32(_mm256_slli_epi32(g, 16), 16);
          acc[i][v] = _mm256_add_epi32(acc[i][v], g);
        }
      }
    }
    for (int i = 0; i < kMR; ++i)
      for (int v = 0; v < 4; ++v)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i * kNR + 32 * half + 8 * v), acc[i][v]);
  }
}

// AVX-512BW table-row kernel: for each k and row, the row value's 256-entry int16 table row
// (512 bytes, 8 registers, loaded once for the tile's 64 lanes) is looked up for 32 lanes at
// once with four two-source word permutes (each covers 64 entries, index bits 0-5) and two
// levels of blends on index bits 6 and 7; the int16 results are widened to int32 and added.
__attribute__((target("avx512f,avx512bw"))) void kernel_avx512_permute(TableRows table, const uint8_t* a,
                                                                       const int32_t* klist, int nk, const uint8_t* b,
                                                                       std::ptrdiff_t ldb, int32_t* out) {
  static_assert(kMR == 4 && kNR == 64, "kernel written for a 4 x 64 tile");
  __m512i acc[kMR][4];
  for (int i = 0; i < kMR; ++i)
    for (int v = 0; v < 4; ++v) acc[i][v] = _mm512_setzero_si512();
  const __m512i bit6 = _mm512_set1_epi16(64), bit7 = _mm512_set1_epi16(128);
  for (int t = 0; t < nk; ++t) {
    const std::ptrdiff_t k = klist[t];
    const uint8_t* bk = b + k * ldb;
    __m512i idx[2];
    __mmask32 m6[2], m7[2];
    for (int h = 0; h < 2; ++h) {
      idx[h] = _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(bk + 32 * h)));
      m6[h] = _mm512_test_epi16_mask(idx[h], bit6);
      m7[h] = _mm512_test_epi16_mask(idx[h], bit7);
    }
    const uint8_t* ak = a + k * kMR;
    for (int i = 0; i < kMR; ++i) {
      const int16_t* row = table.words + (static_cast<int>(ak[i]) << 8);
      __m512i r[8];
      for (int q = 0; q < 8; ++q) r[q] = _mm512_loadu_si512(row + 32 * q);
      for (int h = 0; h < 2; ++h) {
        const __m512i p0 = _mm512_permutex2var_epi16(r[0], idx[h], r[1]);
        const __m512i p1 = _mm512_permutex2var_epi16(r[2], idx[h], r[3]);
        const __m512i p2 = _mm512_permutex2var_epi16(r[4], idx[h], r[5]);
        const __m512i p3 = _mm512_permutex2var_epi16(r[6], idx[h], r[7]);
        const __m512i v = _mm512_mask_blend_epi16(m7[h], _mm512_mask_blend_epi16(m6[h], p0, p1),
                                                  _mm512_mask_blend_epi16(m6[h], p2, p3));
        acc[i][2 * h] = _mm512_add_epi32(acc[i][2 * h], _mm512_cvtepi16_epi32(_mm512_castsi512_si256(v)));
        acc[i][2 * h + 1] = _mm512_add_epi32(acc[i][2 * h + 1], _mm512_cvtepi16_epi32(_mm512_extracti64x4_epi64(v, 1)));
      }
    }
  }
  for (int i = 0; i < kMR; ++i)
    for (int v = 0; v < 4; ++v) _mm512_storeu_si512(out + i * kNR + 16 * v, acc[i][v]);
}


// Stores one 64-lane group's four vpdpwssd accumulators in lane order: acc[q] dword 4l + d
// holds lane 16l + 8 * (q >> 1) + 2d + (q & 1); 32-bit unpacks give 128-bit block l of u[m] =
// lanes 16l + 4m .. 16l + 4m + 3, and a 4 x 4 transpose of 128-bit blocks puts lanes 16r ..
// 16r + 15 in o[r].
__attribute__((target("avx512f"))) inline void store_lane_order(const __m512i* acc, int32_t* o) {
  const __m512i u0 = _mm512_unpacklo_epi32(acc[0], acc[1]), u1 = _mm512_unpackhi_epi32(acc[0], acc[1]);
  const __m512i u2 = _mm512_unpacklo_epi32(acc[2], acc[3]), u3 = _mm512_unpackhi_epi32(acc[2], acc[3]);
  const __m512i t0 = _mm512_shuffle_i32x4(u0, u1, 0x44), t1 = _mm512_shuffle_i32x4(u2, u3, 0x44);  // blocks 0, 1
  const __m512i t2 = _mm512_shuffle_i32x4(u0, u1, 0xEE), t3 = _mm512_shuffle_i32x4(u2, u3, 0xEE);  // blocks 2, 3
  _mm512_storeu_si512(o, _mm512_shuffle_i32x4(t0, t1, 0x88));
  _mm512_storeu_si512(o + 16, _mm512_shuffle_i32x4(t0, t1, 0xDD));
  _mm512_storeu_si512(o + 32, _mm512_shuffle_i32x4(t2, t3, 0x88));
  _mm512_storeu_si512(o + 48, _mm512_shuffle_i32x4(t2, t3, 0xDD));
}

// One table row's byte planes in registers (L: low bytes, H: high bytes, 4 registers of 64
// entries each; with kLow only the first two of each, entries 0-127), and the lookup of 64
// lanes in them: the int16 products of the lanes as two vectors, p0 = unpacklo (words of
// lanes 16q + w, w < 8, in 128-bit lane q) and p1 = unpackhi (lanes 16q + 8 + w).
struct PlaneRow {
  __m512i L0, L1, L2, L3, H0, H1, H2, H3;
};
template <bool kLow>
__attribute__((target("avx512f,avx512bw"), always_inline)) inline PlaneRow load_plane_row(const uint8_t* row) {
  PlaneRow r;
  r.L0 = _mm512_loadu_si512(row), r.L1 = _mm512_loadu_si512(row + 64);
  r.H0 = _mm512_loadu_si512(row + 256), r.H1 = _mm512_loadu_si512(row + 320);
  if (!kLow) {
    r.L2 = _mm512_loadu_si512(row + 128), r.L3 = _mm512_loadu_si512(row + 192);
    r.H2 = _mm512_loadu_si512(row + 384), r.H3 = _mm512_loadu_si512(row + 448);
  } else {
    r.L2 = r.L3 = r.H2 = r.H3 = _mm512_setzero_si512();  // (unused)
  }
  return r;
}
template <bool kLow>
__attribute__((target("avx512f,avx512bw,avx512vbmi"), always_inline)) inline void lookup64(const PlaneRow& r,
                                                                                          const uint8_t* lane_bytes,
                                                                                          __m512i& p0, __m512i& p1) {
  const __m512i idx = _mm512_loadu_si512(lane_bytes);
  __m512i lo, hi;
  if (kLow) {
    lo = _mm512_permutex2var_epi8(r.L0, idx, r.L1), hi = _mm512_permutex2var_epi8(r.H0, idx, r.H1);
  } else {
    // Index bit 7 (entries 128-255): the permutes of the upper half replace those lanes' index
    // bytes in a copy of idx, the lower half's then the others' (vpermi2b merges into its index
    // register), so no blend: 3-4% faster than two full permutes and a blend (AMD Zen 5).
    const __mmask64 high = _mm512_movepi8_mask(idx);
    lo = _mm512_mask2_permutex2var_epi8(r.L2, idx, high, r.L3);
    hi = _mm512_mask2_permutex2var_epi8(r.H2, idx, high, r.H3);
    lo = _mm512_mask2_permutex2var_epi8(r.L0, lo, _knot_mask64(high), r.L1);
    hi = _mm512_mask2_permutex2var_epi8(r.H0, hi, _knot_mask64(high), r.H1);
  }
  p0 = _mm512_unpacklo_epi8(lo, hi), p1 = _mm512_unpackhi_epi8(lo, hi);
}

// The tiles' table rows come from L2 when the rows in use exceed L1 (a layer's weights take
// most of the 256 values): each k's row is prefetched this many k ahead on the 256-lane tile
// (twice as many on the 128-lane one, whose k are half as long).  Measured on the kernels alone
// with rows from L2: 1 x 256 tile 6.3 -> 5.95 ns per k, 1 x 128 tile 4.35 -> 4.18 (one entry
// ahead, tried in an earlier round, gained nothing).
constexpr int kPrefetchAhead = 4;
template <bool kLow>
__attribute__((always_inline)) inline void prefetch_plane_row(TableRows table, const uint8_t* a, int32_t entry) {
  const uint8_t* row = table.planes + (static_cast<std::ptrdiff_t>(a[entry & ~kGroupEnd]) << 9);
  for (int q = 0; q < (kLow ? 2 : 4); ++q) {  // (the entries a kLow kernel reads: 0-127 of both planes)
    _mm_prefetch(reinterpret_cast<const char*>(row + 64 * q), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(row + 256 + 64 * q), _MM_HINT_T0);
  }
}

// AVX-512 VBMI + VNNI byte-plane kernel (see the top of the file), one row x 128 lanes: the
// row's 8 plane registers are loaded once per k and serve two 64-lane index vectors.  Lane
// bytes j of a 64-byte vector: after unpacklo/unpackhi of the low and high planes, word w of
// 128-bit lane q holds lane j = 16q + w (unpacklo) or 16q + 8 + w (unpackhi); vpdpwssd with
// (1, 0) adds the even words, with (0, 1) the odd ones, into dword d of lane q.  The
// accumulators are put back into lane order once per tile.
// kLow: every lane byte is below 128 (non-negative int8, e.g. activations after a ReLU), so
// only the first 128 entries of each plane are looked up: one permute per plane, no blend,
// half the table loads.
template <bool kLow>
__attribute__((target("avx512f,avx512bw,avx512vbmi,avx512vnni"))) inline void vbmi_tile(
    TableRows table, const uint8_t* a, const int32_t* klist, int nk, const uint8_t* b, std::ptrdiff_t ldb,
    int32_t* out) {
  constexpr int V = 2;  // 128 lanes
  // Accumulators as named variables, not an array: with an array GCC 12 copied every one
  // into a temporary and back around each (destructive) vpdpwssd, 16 extra moves per k.
  // Products are summed in int16 (s..) over each group of klist (see detail.hpp: the group's
  // bound keeps the sums in range) and widened into the int32 accumulators (a..) once per group.
  __m512i a00 = _mm512_setzero_si512(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
  const __m512i even = _mm512_set1_epi32(1), odd = _mm512_set1_epi32(1 << 16);
  __m512i s00 = _mm512_setzero_si512(), s01 = s00, s10 = s00, s11 = s00;
  for (int t = 0; t < nk; ++t) {
    const int32_t entry = klist[t];
    const std::ptrdiff_t k = entry & ~kGroupEnd;
    if (t + 2 * kPrefetchAhead < nk) prefetch_plane_row<kLow>(table, a, klist[t + 2 * kPrefetchAhead]);
    const PlaneRow r = load_plane_row<kLow>(table.planes + (static_cast<std::ptrdiff_t>(a[k]) << 9));
    // 64 lanes at a time: their int16 products added to the int16 sums.
    __m512i p0, p1;
    lookup64<kLow>(r, b + k * ldb, p0, p1);
    s00 = _mm512_add_epi16(s00, p0), s01 = _mm512_add_epi16(s01, p1);
    lookup64<kLow>(r, b + k * ldb + 64, p0, p1);
    s10 = _mm512_add_epi16(s10, p0), s11 = _mm512_add_epi16(s11, p1);
    if (entry < 0) {  // the group's last k: widen, vpdpwssd with (1, 0) adds the even words, (0, 1) the odd
      a00 = _mm512_dpwssd_epi32(a00, s00, even), a01 = _mm512_dpwssd_epi32(a01, s00, odd);
      a02 = _mm512_dpwssd_epi32(a02, s01, even), a03 = _mm512_dpwssd_epi32(a03, s01, odd);
      a10 = _mm512_dpwssd_epi32(a10, s10, even), a11 = _mm512_dpwssd_epi32(a11, s10, odd);
      a12 = _mm512_dpwssd_epi32(a12, s11, even), a13 = _mm512_dpwssd_epi32(a13, s11, odd);
      s00 = _mm512_setzero_si512(), s01 = s00, s10 = s00, s11 = s00;
    }
  }
  const __m512i acc[V][4] = {{a00, a01, a02, a03}, {a10, a11, a12, a13}};
  for (int v = 0; v < V; ++v) store_lane_order(acc[v], out + 64 * v);
}

// The byte-plane kernel on one row x 256 lanes: each table row loaded (512 bytes, from L2 when
// the rows in use exceed L1) serves 256 lookups, half the table traffic of the 128-lane tile
// (15-25% faster on ResNet-8's layers with signed data, 7-13% post-ReLU, AMD Zen 5).  Its 16
// int32 accumulators and the 8 plane registers leave no room for int16 sums: each k's
// products are widened (vpdpwssd) at once, and klist's group flags are ignored.
template <bool kLow>
__attribute__((target("avx512f,avx512bw,avx512vbmi,avx512vnni"))) inline void vbmi_tile256(
    TableRows table, const uint8_t* a, const int32_t* klist, int nk, const uint8_t* b, std::ptrdiff_t ldb,
    int32_t* out) {
  __m512i a00 = _mm512_setzero_si512(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
  __m512i a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
  const __m512i even = _mm512_set1_epi32(1), odd = _mm512_set1_epi32(1 << 16);
  for (int t = 0; t < nk; ++t) {
    const std::ptrdiff_t k = klist[t] & ~kGroupEnd;
    if (t + kPrefetchAhead < nk) prefetch_plane_row<kLow>(table, a, klist[t + kPrefetchAhead]);
    const PlaneRow r = load_plane_row<kLow>(table.planes + (static_cast<std::ptrdiff_t>(a[k]) << 9));
    const uint8_t* bk = b + k * ldb;
    __m512i p0, p1;
    lookup64<kLow>(r, bk, p0, p1);
    a00 = _mm512_dpwssd_epi32(a00, p0, even), a01 = _mm512_dpwssd_epi32(a01, p0, odd);
    a02 = _mm512_dpwssd_epi32(a02, p1, even), a03 = _mm512_dpwssd_epi32(a03, p1, odd);
    lookup64<kLow>(r, bk + 64, p0, p1);
    a10 = _mm512_dpwssd_epi32(a10, p0, even), a11 = _mm512_dpwssd_epi32(a11, p0, odd);
    a12 = _mm512_dpwssd_epi32(a12, p1, even), a13 = _mm512_dpwssd_epi32(a13, p1, odd);
    lookup64<kLow>(r, bk + 128, p0, p1);
    a20 = _mm512_dpwssd_epi32(a20, p0, even), a21 = _mm512_dpwssd_epi32(a21, p0, odd);
    a22 = _mm512_dpwssd_epi32(a22, p1, even), a23 = _mm512_dpwssd_epi32(a23, p1, odd);
    lookup64<kLow>(r, bk + 192, p0, p1);
    a30 = _mm512_dpwssd_epi32(a30, p0, even), a31 = _mm512_dpwssd_epi32(a31, p0, odd);
    a32 = _mm512_dpwssd_epi32(a32, p1, even), a33 = _mm512_dpwssd_epi32(a33, p1, odd);
  }
  const __m512i acc[4][4] = {{a00, a01, a02, a03}, {a10, a11, a12, a13}, {a20, a21, a22, a23}, {a30, a31, a32, a33}};
  for (int v = 0; v < 4; ++v) store_lane_order(acc[v], out + 64 * v);
}

// One 64 x 16 block (kEdge: rows j < rows, columns k < cols of it, the rest as zeros / not
// stored); returns the OR of the bytes read.
template <bool kEdge>
__attribute__((target("avx512f,avx512bw,avx512vl"), always_inline)) inline __m512i transpose_block(
    const uint8_t* src, std::ptrdiff_t ld_src, int rows, int cols, uint8_t* dst, std::ptrdiff_t ld_dst) {
  const __mmask16 keep = static_cast<__mmask16>((1u << cols) - 1);
  const __mmask64 lanes = rows == 64 ? ~__mmask64{0} : (__mmask64{1} << rows) - 1;
  __m512i any = _mm512_setzero_si512();
  __m512i R[16], A[16], B[16], C[16];
  for (int j = 0; j < 16; ++j) {
    __m128i r[4];  // source rows j, j + 16, j + 32, j + 48
    for (int q = 0; q < 4; ++q) {
      const uint8_t* s = src + (j + 16 * q) * ld_src;
      if (!kEdge) r[q] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
      else r[q] = j + 16 * q < rows ? _mm_maskz_loadu_epi8(keep, s) : _mm_setzero_si128();
    }
    // (The lane numbers spelled out: an insert's lane must be a constant even where the
    // compiler does not unroll the loop above, e.g. at -O2.)
    __m512i v = _mm512_inserti32x4(_mm512_castsi128_si512(r[0]), r[1], 1);
    v = _mm512_inserti32x4(v, r[2], 2);
    R[j] = _mm512_inserti32x4(v, r[3], 3);
    any = _mm512_or_si512(any, R[j]);
  }
  for (int i = 0; i < 8; ++i) {
    A[2 * i] = _mm512_unpacklo_epi8(R[2 * i], R[2 * i + 1]);
    A[2 * i + 1] = _mm512_unpackhi_epi8(R[2 * i], R[2 * i + 1]);
  }
  for (int m = 0; m < 4; ++m)
    for (int h = 0; h < 2; ++h) {
      B[4 * m + 2 * h] = _mm512_unpacklo_epi16(A[4 * m + h], A[4 * m + 2 + h]);
      B[4 * m + 2 * h + 1] = _mm512_unpackhi_epi16(A[4 * m + h], A[4 * m + 2 + h]);
    }
  for (int p = 0; p < 2; ++p)
    for (int q = 0; q < 4; ++q) {
      C[8 * p + 2 * q] = _mm512_unpacklo_epi32(B[8 * p + q], B[8 * p + 4 + q]);
      C[8 * p + 2 * q + 1] = _mm512_unpackhi_epi32(B[8 * p + q], B[8 * p + 4 + q]);
    }
  // Output row 2t + u: unpack (lo, hi) of C[t] and C[8 + t].
  for (int t = 0; t < 8; ++t) {
    const __m512i r0 = _mm512_unpacklo_epi64(C[t], C[8 + t]), r1 = _mm512_unpackhi_epi64(C[t], C[8 + t]);
    uint8_t* d = dst + 2 * t * ld_dst;
    if (!kEdge) {
      _mm512_storeu_si512(d, r0);
      _mm512_storeu_si512(d + ld_dst, r1);
    } else {
      if (2 * t < cols) _mm512_mask_storeu_epi8(d, lanes, r0);
      if (2 * t + 1 < cols) _mm512_mask_storeu_epi8(d + ld_dst, lanes, r1);
    }
  }
  return any;
}

// Byte transpose in blocks of 64 rows x 16 columns: zmm register j holds the 16 bytes of source
// rows j, j + 16, j + 32 and j + 48 in its four 128-bit lanes; the unpack network of the SSE2
// transpose (approx_gemm.cpp) runs in every lane at once, and each output row (64 bytes, the
// four lanes' 16 rows each) is one store.  Half the shuffles and a quarter of the stores of the
// SSE2 version; the byte transpose had taken 14% of a 256 x 10 x 64 classifier GEMM.
// Edge blocks in the same registers: the last columns (k) through masked loads (no byte past
// column nk is read), missing rows (j >= nj) as zeros, the last output rows' lanes through
// masked stores.  (LeNet-5's 256 x 10 x 84 classifier had spent 0.4 us, 6% of its GEMM, on
// its last 4 columns byte by byte.)
__attribute__((target("avx512f,avx512bw,avx512vl"))) uint8_t transpose_blocks(const uint8_t* src, std::ptrdiff_t ld_src,
                                                                                int nj, int nk, uint8_t* dst,
                                                                                std::ptrdiff_t ld_dst) {
  __m512i any = _mm512_setzero_si512();
  for (int j0 = 0; j0 < nj; j0 += 64) {
    const int rows = std::min(64, nj - j0);
    for (int k0 = 0; k0 < nk; k0 += 16) {
      const int cols = std::min(16, nk - k0);
      const uint8_t* s = src + j0 * ld_src + k0;
      uint8_t* d = dst + k0 * ld_dst + j0;
      any = _mm512_or_si512(any, rows == 64 && cols == 16 ? transpose_block<false>(s, ld_src, 64, 16, d, ld_dst)
                                                          : transpose_block<true>(s, ld_src, rows, cols, d, ld_dst));
    }
  }
  return _mm512_movepi8_mask(any) ? 0x80 : 0;
}

// A row block's int32 results (ni <= 16 rows of src, lanes j) into Y's rows j, 16 lanes at a
// time: a 16 x 16 transpose in registers (missing rows as zeros; 32-bit, then 64-bit unpacks
// as in store_lane_order's 128-bit blocks), then one masked store of ni values per row of Y.
// A 10-column classifier's output took three stores per row (4 + 4 + 2 columns) through SSE2.
__attribute__((target("avx512f"))) void store_rows(const int32_t* src, std::ptrdiff_t ld, int ni, int nj, int32_t* y,
                                                   std::ptrdiff_t y_m) {
  const __mmask16 keep = static_cast<__mmask16>((1u << ni) - 1);
  for (int j0 = 0; j0 < nj; j0 += 16) {
    __m512i r[16], t[16], u[16];
    for (int i = 0; i < 16; ++i) r[i] = i < ni ? _mm512_loadu_si512(src + i * ld + j0) : _mm512_setzero_si512();
    for (int i = 0; i < 8; ++i) {  // t[2i] lane L: rows 2i, 2i+1 at columns 4L, 4L + 1; t[2i+1]: 4L + 2, 4L + 3
      t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; ++i) {  // u[4i + q] lane L: rows 4i .. 4i + 3 at column 4L + q
      u[4 * i] = _mm512_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
      u[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
      u[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
      u[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
    }
    for (int q = 0; q < 4; ++q) {  // column 4L + q: lane L of u[q], u[4 + q], u[8 + q], u[12 + q]
      const __m512i w0 = _mm512_shuffle_i32x4(u[q], u[4 + q], 0x44), w1 = _mm512_shuffle_i32x4(u[q], u[4 + q], 0xEE);
      const __m512i w2 = _mm512_shuffle_i32x4(u[8 + q], u[12 + q], 0x44), w3 = _mm512_shuffle_i32x4(u[8 + q], u[12 + q], 0xEE);
      int32_t* d = y + (j0 + q) * y_m;
      _mm512_mask_storeu_epi32(d, keep, _mm512_shuffle_i32x4(w0, w2, 0x88));
      _mm512_mask_storeu_epi32(d + 4 * y_m, keep, _mm512_shuffle_i32x4(w0, w2, 0xDD));
      _mm512_mask_storeu_epi32(d + 8 * y_m, keep, _mm512_shuffle_i32x4(w1, w3, 0x88));
      _mm512_mask_storeu_epi32(d + 12 * y_m, keep, _mm512_shuffle_i32x4(w1, w3, 0xDD));
    }
  }
}

}  // namespace

StoreRows store_rows_avx512() { return &store_rows; }
TransposeBlocks transpose_blocks_avx512() { return &transpose_blocks; }
MicroKernel micro_kernel_avx2() { return &kernel_avx2; }
MicroKernel micro_kernel_avx512() { return &kernel_avx512_permute; }
MicroKernel micro_kernel_avx512_vbmi() { return &vbmi_tile<false>; }
MicroKernel micro_kernel_avx512_vbmi_low() { return &vbmi_tile<true>; }
MicroKernel micro_kernel_avx512_vbmi_wide() { return &vbmi_tile256<false>; }
MicroKernel micro_kernel_avx512_vbmi_wide_low() { return &vbmi_tile256<true>; }
bool cpu_has_avx2() { return __builtin_cpu_supports("avx2"); }
bool cpu_has_avx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
}
bool cpu_has_avx512_vbmi() {
  return cpu_has_avx512() && __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512vnni");
}

}  // namespace axevo::kernels::detail

#else  // not x86-64: only the portable scalar kernel

namespace axevo::kernels::detail {
MicroKernel micro_kernel_avx2() { return nullptr; }
MicroKernel micro_kernel_avx512() { return nullptr; }
MicroKernel micro_kernel_avx512_vbmi() { return nullptr; }
MicroKernel micro_kernel_avx512_vbmi_low() { return nullptr; }
MicroKernel micro_kernel_avx512_vbmi_wide() { return nullptr; }
MicroKernel micro_kernel_avx512_vbmi_wide_low() { return nullptr; }
TransposeBlocks transpose_blocks_avx512() { return nullptr; }
StoreRows store_rows_avx512() { return nullptr; }
bool cpu_has_avx2() { return false; }
bool cpu_has_avx512() { return false; }
bool cpu_has_avx512_vbmi() { return false; }
}  // namespace axevo::kernels::detail

#endif
