//===- DenseMatmul.cpp - Dense f32/f16/bf16-weight matmul ukernels --------===//
//
// y[M,N] = x[M,K] * w[K,N] (+ init) with w in f32, or f16/bf16 widened to f32
// in registers. Batch 1-8 (GEMV) streams whole rows of w eight at a time into
// rows of partial sums, threads splitting K (on one thread batch 9-16 as two
// such passes); larger batches use a 6x32
// register tile over 256-row panels of w that stay in L2 while every block of
// x rows reuses them, threads splitting the columns n.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <vector>

using namespace sparq::rt;

namespace {

enum class WType { F32, F16, BF16 };

struct DProblem {
  int64_t M, N, K;
  const float *x;
  int64_t xs0, xs1;
  const void *w;
  int64_t ws0, ws1;
  WType wt;
  const float *init; // Null: no accumulation.
  int64_t is0, is1;
  float *y;
  int64_t ys0, ys1;
};

inline float wAt(const DProblem &p, int64_t k, int64_t n) {
  int64_t i = k * p.ws0 + n * p.ws1;
  switch (p.wt) {
  case WType::F32:
    return static_cast<const float *>(p.w)[i];
  case WType::F16:
    return f16ToF32(static_cast<const uint16_t *>(p.w)[i]);
  case WType::BF16:
    return bf16ToF32(static_cast<const uint16_t *>(p.w)[i]);
  }
  return 0.0f;
}

void scalarCols(const DProblem &p, int64_t n0, int64_t n1) {
  for (int64_t m = 0; m < p.M; ++m)
    for (int64_t n = n0; n < n1; ++n) {
      float acc = p.init ? p.init[m * p.is0 + n * p.is1] : 0.0f;
      for (int64_t k = 0; k < p.K; ++k)
        acc += p.x[m * p.xs0 + k * p.xs1] * wAt(p, k, n);
      p.y[m * p.ys0 + n * p.ys1] = acc;
    }
}

#if SPARQ_HAVE_X86
#define SPARQ_AVX512                                                           \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,f16c,fma")))

template <WType WT>
SPARQ_AVX512 inline __m512 loadW(const void *base, int64_t index,
                                 __mmask16 mask) {
  if (WT == WType::F32)
    return _mm512_maskz_loadu_ps(mask, static_cast<const float *>(base) + index);
  __m256i h = _mm256_maskz_loadu_epi16(
      mask, static_cast<const uint16_t *>(base) + index);
  if (WT == WType::F16)
    return _mm512_cvtph_ps(h);
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

inline __mmask16 tailMask(int64_t left) {
  return left >= 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1);
}

/// GEMV over the rows [k0, k1) of w into acc[MB][N] (overwritten): each
/// call reads one contiguous block of w sequentially, eight whole rows at a
/// time, into rows of acc that stay in L1/L2 (column strips would turn the
/// block into short strided pieces: 20-30% slower from DRAM). Every row of x
/// uses each load of w; x is broadcast from memory. Eight rows per pass over
/// acc rather than four: 1.02-1.8x (batch 1-8, f32 and bf16, Zen 4), as acc
/// moves through L1/L2 half as often.
template <WType WT, int MB>
SPARQ_AVX512 void gemvRowsMB(const DProblem &p, int64_t k0, int64_t k1,
                             float *acc) {
  constexpr int R = 8;
  const int64_t N = p.N;
  std::fill(acc, acc + MB * N, 0.0f);
  const float *xr[MB];
  for (int i = 0; i < MB; ++i)
    xr[i] = p.x + i * p.xs0;
  int64_t k = k0;
  for (; k + R <= k1; k += R) {
    const int64_t b = k * p.ws0;
    for (int64_t j = 0; j < N; j += 16) {
      __mmask16 mk = tailMask(N - j);
      __m512 a[MB];
      for (int i = 0; i < MB; ++i)
        a[i] = _mm512_maskz_loadu_ps(mk, acc + i * N + j);
      for (int r = 0; r < R; ++r) {
        __m512 wv = loadW<WT>(p.w, b + r * p.ws0 + j, mk);
        for (int i = 0; i < MB; ++i)
          a[i] =
              _mm512_fmadd_ps(_mm512_set1_ps(xr[i][(k + r) * p.xs1]), wv, a[i]);
      }
      for (int i = 0; i < MB; ++i)
        _mm512_mask_storeu_ps(acc + i * N + j, mk, a[i]);
    }
  }
  for (; k < k1; ++k) {
    const int64_t b = k * p.ws0;
    for (int64_t j = 0; j < N; j += 16) {
      __mmask16 mk = tailMask(N - j);
      __m512 wv = loadW<WT>(p.w, b + j, mk);
      for (int i = 0; i < MB; ++i)
        _mm512_mask_storeu_ps(
            acc + i * N + j, mk,
            _mm512_fmadd_ps(_mm512_set1_ps(xr[i][k * p.xs1]), wv,
                            _mm512_maskz_loadu_ps(mk, acc + i * N + j)));
    }
  }
}

template <WType WT>
SPARQ_AVX512 void gemvRows(const DProblem &p, int64_t k0, int64_t k1,
                           float *acc) {
  withConstant<8>(p.M, [&](auto mb) SPARQ_AVX512 {
    gemvRowsMB<WT, decltype(mb)::value>(p, k0, k1, acc);
  });
}

/// GEMM register tile: MB rows of x times a packed 32-column panel of w
/// (`panel[k - k0][0..32)`, f32, zero past the matrix edge), over [k0, k1).
template <int MB>
SPARQ_AVX512 void gemmTile(const DProblem &p, int64_t m0, const float *panel,
                           __mmask16 mk0, __mmask16 mk1, int64_t k0,
                           int64_t k1, float *ybuf, int64_t ldy) {
  __m512 acc[MB][2];
  for (int i = 0; i < MB; ++i) {
    acc[i][0] = _mm512_maskz_loadu_ps(mk0, ybuf + i * ldy);
    acc[i][1] = _mm512_maskz_loadu_ps(mk1, ybuf + i * ldy + 16);
  }
  const float *xr[MB];
  for (int i = 0; i < MB; ++i)
    xr[i] = p.x + (m0 + i) * p.xs0;
  for (int64_t k = k0; k < k1; ++k, panel += 32) {
    __m512 w0 = _mm512_load_ps(panel);
    __m512 w1 = _mm512_load_ps(panel + 16);
    for (int i = 0; i < MB; ++i) {
      __m512 xb = _mm512_set1_ps(xr[i][k * p.xs1]);
      acc[i][0] = _mm512_fmadd_ps(xb, w0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(xb, w1, acc[i][1]);
    }
  }
  for (int i = 0; i < MB; ++i) {
    _mm512_mask_storeu_ps(ybuf + i * ldy, mk0, acc[i][0]);
    _mm512_mask_storeu_ps(ybuf + i * ldy + 16, mk1, acc[i][1]);
  }
}

/// GEMM over columns [n0, n1): w is read once per (256-row, 32-column) panel,
/// widened to f32 into a contiguous buffer (GotoBLAS-style packing: no
/// strided or TLB-hostile reads in the FMA loop), and reused by every block
/// of 6 rows of x. A panel's 256 rows are 256 strided pieces of w that the
/// hardware prefetchers do not predict, so the next panel is prefetched into
/// L2 while this one is in use, a slice of its rows before each block of x
/// (1.12-1.33x at batch 8-128 from DRAM or L3, Zen 4).
template <WType WT>
SPARQ_AVX512 void gemmCols(const DProblem &p, int64_t n0, int64_t n1) {
  constexpr int64_t kPanel = 256;
  // y accumulates in a row-major [M, n1-n0] buffer, then is written out.
  int64_t ldy = n1 - n0;
  std::vector<float> ybuf(p.M * ldy, 0.0f);
  alignas(64) static thread_local float panel[kPanel * 32];
  for (int64_t k0 = 0; k0 < p.K; k0 += kPanel) {
    int64_t k1 = std::min(p.K, k0 + kPanel);
    for (int64_t n = n0; n < n1; n += 32) {
      __mmask16 mk0 = tailMask(n1 - n), mk1 = tailMask(n1 - n - 16);
      if (n1 - n <= 16)
        mk1 = 0;
      for (int64_t k = k0; k < k1; ++k) {
        _mm512_store_ps(panel + (k - k0) * 32, loadW<WT>(p.w, k * p.ws0 + n, mk0));
        _mm512_store_ps(panel + (k - k0) * 32 + 16,
                        loadW<WT>(p.w, k * p.ws0 + n + 16, mk1));
      }
      // The next panel: columns [pn, pn + 32) of rows [pk0, pk1).
      int64_t pn = n + 32, pk0 = k0;
      if (pn >= n1) {
        pn = n0;
        pk0 = k1;
      }
      const int64_t pk1 = std::min(p.K, pk0 + kPanel);
      const int64_t tilesM = (p.M + 5) / 6;
      const int64_t perTile = (pk1 - pk0 + tilesM - 1) / tilesM;
      constexpr int64_t eb = WT == WType::F32 ? 4 : 2;
      const bool twoLines = WT == WType::F32 && n1 - pn > 16;
      auto prefetchSlice = [&](int64_t t) {
        for (int64_t k = pk0 + t * perTile,
                     e = std::min(pk1, pk0 + (t + 1) * perTile);
             k < e; ++k) {
          const char *row =
              static_cast<const char *>(p.w) + (k * p.ws0 + pn) * eb;
          _mm_prefetch(row, _MM_HINT_T1);
          if (twoLines)
            _mm_prefetch(row + 64, _MM_HINT_T1);
        }
      };
      float *yb = ybuf.data() + (n - n0);
      int64_t m = 0;
      for (; m + 6 <= p.M; m += 6) {
        prefetchSlice(m / 6);
        gemmTile<6>(p, m, panel, mk0, mk1, k0, k1, yb + m * ldy, ldy);
      }
      if (m < p.M)
        prefetchSlice(m / 6);
      if (m < p.M)
        withConstant<5>(p.M - m, [&](auto mb) SPARQ_AVX512 {
          gemmTile<decltype(mb)::value>(p, m, panel, mk0, mk1, k0, k1,
                                        yb + m * ldy, ldy);
        });
    }
  }
  for (int64_t m = 0; m < p.M; ++m)
    for (int64_t n = n0; n < n1; ++n) {
      float v = ybuf[m * ldy + (n - n0)];
      if (p.init)
        v += p.init[m * p.is0 + n * p.is1];
      p.y[m * p.ys0 + n * p.ys1] = v;
    }
}

/// w stored as [N, K] (k contiguous; the weight of a transposed-B matmul):
/// an MB x NB tile of y as dot products along k, 16 lanes at a time.
template <WType WT, int MB, int NB>
SPARQ_AVX512 void nkTile(const DProblem &p, int64_t m0, int64_t n0,
                         int64_t rs) {
  __m512 acc[MB][NB];
  for (int i = 0; i < MB; ++i)
    for (int j = 0; j < NB; ++j)
      acc[i][j] = _mm512_setzero_ps();
  const int64_t K = p.K;
  for (int64_t k = 0; k < K; k += 16) {
    __mmask16 mk = tailMask(K - k);
    __m512 w[NB];
    for (int j = 0; j < NB; ++j)
      w[j] = loadW<WT>(p.w, (n0 + j * rs) * p.ws1 + k, mk);
    for (int i = 0; i < MB; ++i) {
      __m512 xv = _mm512_maskz_loadu_ps(mk, p.x + (m0 + i) * p.xs0 + k);
      for (int j = 0; j < NB; ++j)
        acc[i][j] = _mm512_fmadd_ps(xv, w[j], acc[i][j]);
    }
  }
  for (int i = 0; i < MB; ++i)
    for (int j = 0; j < NB; ++j) {
      int64_t m = m0 + i, n = n0 + j * rs;
      float v = _mm512_reduce_add_ps(acc[i][j]);
      if (p.init)
        v += p.init[m * p.is0 + n * p.is1];
      p.y[m * p.ys0 + n * p.ys1] = v;
    }
}

template <WType WT, int NB>
SPARQ_AVX512 void nkRowsFixedNB(const DProblem &p, int64_t n, int64_t rs) {
  int64_t m = 0;
  for (; m + 4 <= p.M; m += 4)
    nkTile<WT, 4, NB>(p, m, n, rs);
  if (m < p.M)
    withConstant<3>(p.M - m, [&](auto mb) SPARQ_AVX512 {
      nkTile<WT, decltype(mb)::value, NB>(p, m, n, rs);
    });
}

template <WType WT>
SPARQ_AVX512 void nkCols(const DProblem &p, int64_t n0, int64_t n1) {
  int64_t n = n0;
  if (p.M < 4) {
    // GEMV: rows from the four quarters of the range, four long sequential
    // streams (see QuantMatmul.cpp).
    int64_t quarter = (n1 - n0) / 4;
    for (int64_t i = 0; i < quarter; ++i)
      nkRowsFixedNB<WT, 4>(p, n0 + i, quarter);
    n = n0 + 4 * quarter;
  }
  for (; n + 4 <= n1; n += 4)
    nkRowsFixedNB<WT, 4>(p, n, 1);
  for (; n < n1; ++n)
    nkRowsFixedNB<WT, 1>(p, n, 1);
}
#endif // SPARQ_HAVE_X86

void runJob(void *ctx, int32_t index, int32_t count) {
  const DProblem &p = *static_cast<const DProblem *>(ctx);
  int64_t n0, n1;
  splitRange(p.N, 32, index, count, n0, n1);
  if (n0 >= n1)
    return;
#if SPARQ_HAVE_X86
  if (p.ws0 == 1 && p.xs1 == 1 && p.K > 1 && hostHasAvx512Vnni()) {
    // w is a transposed view of a row-major [N, K] buffer.
    switch (p.wt) {
    case WType::F32:
      return nkCols<WType::F32>(p, n0, n1);
    case WType::F16:
      return nkCols<WType::F16>(p, n0, n1);
    case WType::BF16:
      return nkCols<WType::BF16>(p, n0, n1);
    }
  }
  if (p.ws1 == 1 && hostHasAvx512Vnni()) {
    // (Batch 1-2 on a row-major w went to gemv().)
    switch (p.wt) {
    case WType::F32:
      return gemmCols<WType::F32>(p, n0, n1);
    case WType::F16:
      return gemmCols<WType::F16>(p, n0, n1);
    case WType::BF16:
      return gemmCols<WType::BF16>(p, n0, n1);
    }
  }
#endif
  scalarCols(p, n0, n1);
}

#if SPARQ_HAVE_X86
/// GEMV on a row-major [K, N] w: threads split K (each reads one contiguous
/// block of w, where splitting N would give every thread a strided half of
/// each row) into partial sums that are added at the end.
struct GemvJob {
  const DProblem *p;
  float *partial; // [threads][M][N]
};

void runGemvJob(void *ctx, int32_t index, int32_t count) {
  const GemvJob &job = *static_cast<const GemvJob *>(ctx);
  const DProblem &p = *job.p;
  int64_t k0, k1;
  splitRange(p.K, 4, index, count, k0, k1);
  float *acc = job.partial + int64_t(index) * p.M * p.N;
  if (k0 >= k1) {
    std::fill(acc, acc + p.M * p.N, 0.0f);
    return;
  }
  switch (p.wt) {
  case WType::F32:
    return gemvRows<WType::F32>(p, k0, k1, acc);
  case WType::F16:
    return gemvRows<WType::F16>(p, k0, k1, acc);
  case WType::BF16:
    return gemvRows<WType::BF16>(p, k0, k1, acc);
  }
}

void gemv(const DProblem &p) {
  int32_t threads = threadsFor(p.M * p.N * p.K);
  thread_local AlignedVector<float> partial;
  partial.resize(size_t(threads) * p.M * p.N);
  GemvJob job{&p, partial.data()};
  sparq_rt_parallel(runGemvJob, &job, threads);
  for (int64_t m = 0; m < p.M; ++m)
    for (int64_t n = 0; n < p.N; ++n) {
      float v = p.init ? p.init[m * p.is0 + n * p.is1] : 0.0f;
      for (int32_t t = 0; t < threads; ++t)
        v += partial[(size_t(t) * p.M + m) * p.N + n];
      p.y[m * p.ys0 + n * p.ys1] = v;
    }
}
#endif

/// On one thread, up to this many rows of x run as GEMV passes of at most 8
/// rows over a row-major w (each pass streams w once) instead of the panel
/// GEMM: 1.14-1.41x at batch 9-16 (4096 x 4096, 11008 x 4096, 4096 x 11008
/// f32 from DRAM, Zen 4), 0.65-0.88x from batch 24. Two threads read w from
/// memory fast enough that every extra pass costs bandwidth: 0.68-0.93x at
/// batch 12-20, so there the panels stay.
constexpr int64_t kGemvPassRows = 16;

void matmul(sparq_memref2d_t *x, sparq_memref2d_t *w, sparq_memref2d_t *init,
            sparq_memref2d_t *y, int64_t flags, WType wt) {
  DProblem p;
  p.M = x->sizes[0];
  p.K = x->sizes[1];
  p.N = w->sizes[1];
  p.x = elementPtr<float>(x);
  p.xs0 = x->strides[0];
  p.xs1 = x->strides[1];
  p.wt = wt;
  p.w = static_cast<const char *>(w->aligned) +
        w->offset * (wt == WType::F32 ? 4 : 2);
  p.ws0 = w->strides[0];
  p.ws1 = w->strides[1];
  p.init = (flags & 1) ? elementPtr<float>(init) : nullptr;
  p.is0 = init->strides[0];
  p.is1 = init->strides[1];
  p.y = elementPtr<float>(y);
  p.ys0 = y->strides[0];
  p.ys1 = y->strides[1];
  if (p.M == 0 || p.N == 0)
    return;
#if SPARQ_HAVE_X86
  // Up to 8 rows of x: w streamed once, row by row (see gemvRowsMB); the
  // panel GEMM's strided packing is 1.8-2.7x slower there (Zen 4, DRAM).
  // On one thread up to kGemvPassRows rows: one such pass per 8 rows (the
  // rows shared evenly between the passes).
  if ((p.M <= 8 ||
       (p.M <= kGemvPassRows && threadsFor(p.M * p.N * p.K) == 1)) &&
      p.ws1 == 1 && p.K > 0 && hostHasAvx512Vnni()) {
    int64_t passes = (p.M + 7) / 8, rows = (p.M + passes - 1) / passes;
    for (int64_t m0 = 0; m0 < p.M; m0 += rows) {
      DProblem q = p;
      q.M = std::min(rows, p.M - m0);
      q.x = p.x + m0 * p.xs0;
      q.y = p.y + m0 * p.ys0;
      if (p.init)
        q.init = p.init + m0 * p.is0;
      gemv(q);
    }
    return;
  }
#endif
  sparq_rt_parallel(runJob, &p, threadsFor(p.M * p.N * p.K));
}

} // namespace

// The C entry points (one per weight type; see sparq-c/Runtime.h).
#define SPARQ_DENSE_ENTRY(NAME, WT)                                            \
  extern "C" void _mlir_ciface_##NAME(sparq_memref2d_t *x,                     \
                                      sparq_memref2d_t *w,                     \
                                      sparq_memref2d_t *init,                  \
                                      sparq_memref2d_t *y, int64_t flags) {    \
    matmul(x, w, init, y, flags, WT);                                          \
  }
SPARQ_DENSE_ENTRY(sparq_rt_matmul_f32, WType::F32)
SPARQ_DENSE_ENTRY(sparq_rt_matmul_f16w, WType::F16)
SPARQ_DENSE_ENTRY(sparq_rt_matmul_bf16w, WType::BF16)
