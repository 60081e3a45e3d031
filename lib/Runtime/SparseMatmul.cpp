//===- SparseMatmul.cpp - Sparse-weight matmul ukernels -------------------===//
//
// y[M,N] = x[M,K] * W^T with W [N, K] stored as `!sparq.compressed` stores a
// sparse weight (see sparq-c/Runtime.h for the exact layouts):
//  * N:M along K: expands 16 packed in-group positions into lane indices
//    with one vpmultishiftqb and gathers x from a register window
//    (vpermt2ps): at batch 1 four weight rows at a time (four streams), at
//    larger batches tiles of four weight rows by four rows of x; values are
//    f32 or int8 codes (per-row scale applied once per row);
//  * CSR: GEMV (M <= 2) gathers x by 16 column indices at a time (scalar
//    loads), walking blocks of rows in panels of columns so that the panel
//    of x stays in L1; threads split rows balanced by nonzeros;
//  * everything else (CSR at larger M, BSR, sub-byte codes, group scales,
//    N:M shapes the permutes do not cover) runs the
//    "x-transposed" kernel: x is transposed once into xt[K][M] and every
//    stored weight w(n, k) adds w * xt[k][0..M) to a row of registers, so
//    the work is one FMA per stored value and 16 rows of x.
// Without AVX-512 (or with SPARQ_RT_PORTABLE set) a scalar path runs.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <cstdarg>
#include <cstdio>
#include <type_traits>
#include <vector>

using namespace sparq::rt;

namespace {

enum class Kind { NM, CSR, BSR };

struct SProblem {
  Kind kind;
  int64_t M, N, K;
  const float *x; // Contiguous rows: x[m * ldx + k].
  int64_t ldx;
  float *y;
  int64_t ys0, ys1;
  // Values: f32 when bits == 0, else b-bit codes (N:M only).
  const void *vals;
  int64_t vRowStride; // N:M: elements (f32) or bytes (codes) between rows.
  int bits = 0;
  bool isSigned = false;
  const void *scales = nullptr;
  ScaleKind sk = ScaleKind::F32;
  int64_t ss0 = 0, ss1 = 0, sRows = 1, sCols = 1, group = 1;
  const int8_t *zp = nullptr;
  int64_t zs0 = 0, zs1 = 0;
  // N:M.
  int nn = 0, mm = 0, ibits = 0;
  int64_t kv = 0;
  const uint8_t *idx = nullptr;
  int64_t idxRowStride = 0;
  // CSR / BSR.
  const int32_t *offsets = nullptr;
  const void *cols = nullptr;
  bool cols16 = false;
  int64_t b0 = 1, b1 = 1, blockRows = 0;
};

/// The `bits`-bit field at bit `pos` of the little-endian stream `row`.
inline uint32_t fieldAt(const uint8_t *row, int64_t pos, int bits) {
  const uint8_t *b = row + (pos >> 3);
  unsigned shift = unsigned(pos & 7);
  uint32_t v = b[0];
  if (shift + bits > 8)
    v |= uint32_t(b[1]) << 8;
  return (v >> shift) & ((1u << bits) - 1);
}

/// Dequantized stored value i of N:M row n, at dense column k.
inline float codeValue(const SProblem &p, int64_t n, int64_t i, int64_t k) {
  const uint8_t *row =
      static_cast<const uint8_t *>(p.vals) + n * p.vRowStride;
  int32_t q = int32_t(fieldAt(row, i * p.bits, p.bits));
  if (p.isSigned && (q >> (p.bits - 1)))
    q -= 1 << p.bits;
  int64_t sr = p.sRows == 1 ? 0 : n, sc = k / p.group;
  float s = loadScale(p.scales, sr * p.ss0 + sc * p.ss1, p.sk);
  float z = 0.0f;
  if (p.zp) {
    int8_t zc = p.zp[sr * p.zs0 + sc * p.zs1];
    z = p.isSigned ? float(zc) : float(uint8_t(zc));
  }
  return (float(q) - z) * s;
}

inline int64_t colAt(const SProblem &p, int64_t j) {
  return p.cols16 ? int64_t(static_cast<const uint16_t *>(p.cols)[j])
                  : int64_t(static_cast<const int32_t *>(p.cols)[j]);
}

/// Calls f(k, w) for every stored value w = W(n, k) of row n. Defined by a
/// macro so that the AVX-512 kernels get a copy compiled for their target
/// (a functor is only inlined into a function with the same features).
#define SPARQ_DEFINE_FOR_ROW(NAME, ATTR)                                       \
  template <typename F>                                                        \
  ATTR inline void NAME(const SProblem &p, int64_t n, F &f) {                  \
    const float *vf = static_cast<const float *>(p.vals);                      \
    switch (p.kind) {                                                          \
    case Kind::NM: {                                                           \
      const uint8_t *irow = p.idx + n * p.idxRowStride;                        \
      for (int64_t i = 0; i < p.kv; ++i) {                                     \
        int64_t k =                                                            \
            (i / p.nn) * p.mm + fieldAt(irow, i * p.ibits, p.ibits);           \
        f(k, p.bits ? codeValue(p, n, i, k) : vf[n * p.vRowStride + i]);       \
      }                                                                        \
      return;                                                                  \
    }                                                                          \
    case Kind::CSR:                                                            \
      for (int64_t j = p.offsets[n], e = p.offsets[n + 1]; j < e; ++j)         \
        f(colAt(p, j), vf[j]);                                                 \
      return;                                                                  \
    case Kind::BSR: {                                                          \
      int64_t br = n / p.b0, a = n % p.b0;                                     \
      if (br >= p.blockRows)                                                   \
        return;                                                                \
      for (int64_t j = p.offsets[br], e = p.offsets[br + 1]; j < e; ++j) {     \
        int64_t k0 = colAt(p, j) * p.b1;                                       \
        const float *v = vf + (j * p.b0 + a) * p.b1;                           \
        for (int64_t c = 0; c < p.b1; ++c)                                     \
          f(k0 + c, v[c]);                                                     \
      }                                                                        \
      return;                                                                  \
    }                                                                          \
    }                                                                          \
  }

SPARQ_DEFINE_FOR_ROW(forRow, )

inline void storeY(const SProblem &p, int64_t m, int64_t n, float v) {
  p.y[m * p.ys0 + n * p.ys1] = v;
}

/// Portable: rows [n0, n1), all of x.
void scalarRows(const SProblem &p, int64_t n0, int64_t n1) {
  std::vector<float> acc(p.M);
  auto add = [&](int64_t k, float w) {
    for (int64_t m = 0; m < p.M; ++m)
      acc[m] += w * p.x[m * p.ldx + k];
  };
  for (int64_t n = n0; n < n1; ++n) {
    std::fill(acc.begin(), acc.end(), 0.0f);
    forRow(p, n, add);
    for (int64_t m = 0; m < p.M; ++m)
      storeY(p, m, n, acc[m]);
  }
}

#if SPARQ_HAVE_X86
#define SPARQ_SPARSE_AVX512                                                    \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vbmi,fma")))

bool hostHasVbmi() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512vbmi");
  }();
  return has;
}

//===----------------------------------------------------------------------===//
// N:M GEMV: positions -> lane indices -> permutes of a window of x.
//===----------------------------------------------------------------------===//

enum class VT { F32, I8, U8 };

inline __mmask16 tailMask(int64_t left) {
  return left >= 16 ? __mmask16(0xffff)
                    : left <= 0 ? __mmask16(0) : __mmask16((1u << left) - 1);
}

/// The 16 packed IB-bit positions of chunk c (exactly 2 * IB bytes).
template <int IB> inline uint64_t loadPositions(const uint8_t *irow, int64_t c) {
  const uint8_t *p = irow + c * 2 * IB;
  uint64_t v = 0;
  std::memcpy(&v, p, 2 * IB);
  return v;
}

/// loadPositions broadcast to every 64-bit lane. With 2 * IB a power of two
/// the field is broadcast straight from memory (a load, where a scalar load
/// plus a general-register broadcast costs a vector-pipe transfer per row
/// and chunk); vpmultishiftqb reads only the low 2 * IB bytes of each lane.
template <int IB>
SPARQ_SPARSE_AVX512 inline __m512i broadcastPositions(const uint8_t *irow,
                                                      int64_t c) {
  const uint8_t *p = irow + c * 2 * IB;
  if constexpr (IB == 1) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return _mm512_set1_epi16(int16_t(v));
  } else if constexpr (IB == 2) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return _mm512_set1_epi32(int32_t(v));
  } else if constexpr (IB == 4) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return _mm512_set1_epi64(int64_t(v));
  } else {
    return _mm512_set1_epi64(int64_t(loadPositions<IB>(irow, c)));
  }
}

/// Weight rows rows[0..RW) times x rows [m0, m0 + MR): full chunks of 16
/// stored values (window of WIN dense columns each), then a scalar tail.
template <int IB, int WIN, int MR, int RW, VT V>
SPARQ_SPARSE_AVX512 void nmGemvBlock(const SProblem &p, const int64_t *rows,
                                     int64_t m0, __m512i ctrl, __m512i base) {
  const __m512i fieldMask = _mm512_set1_epi32((1 << IB) - 1);
  const __m512i bit5 = _mm512_set1_epi32(32);
  int64_t chunks = p.kv / 16;
  // The real window (WIN rounds it up to 16, 32 or 64): lanes past it are
  // not loaded (they may lie past the end of x).
  const int64_t win = 16 * p.mm / p.nn;
  const __mmask16 mk0 = tailMask(win), mk1 = tailMask(win - 16),
                  mk2 = tailMask(win - 32), mk3 = tailMask(win - 48);
  __m512 acc[RW][MR];
  __m512 zps[RW];
  for (int r = 0; r < RW; ++r) {
    for (int m = 0; m < MR; ++m)
      acc[r][m] = _mm512_setzero_ps();
    zps[r] = _mm512_setzero_ps();
    if (V != VT::F32 && p.zp) {
      int8_t z = p.zp[(p.sRows == 1 ? 0 : rows[r]) * p.zs0];
      zps[r] = _mm512_set1_ps(V == VT::I8 ? float(z) : float(uint8_t(z)));
    }
  }
  const uint8_t *irow[RW];
  const void *vrow[RW];
  for (int r = 0; r < RW; ++r) {
    irow[r] = p.idx + (rows[r]) * p.idxRowStride;
    vrow[r] =
        V == VT::F32
            ? static_cast<const void *>(static_cast<const float *>(p.vals) +
                                        (rows[r]) * p.vRowStride)
            : static_cast<const void *>(static_cast<const uint8_t *>(p.vals) +
                                        (rows[r]) * p.vRowStride);
  }
  for (int64_t c = 0; c < chunks; ++c) {
    int64_t k0 = c * win;
    for (int r = 0; r < RW; ++r) {
      __m512i bits = broadcastPositions<IB>(irow[r], c);
      __m512i lane = _mm512_add_epi32(
          _mm512_and_si512(_mm512_multishift_epi64_epi8(ctrl, bits), fieldMask),
          base);
      __m512 w;
      if (V == VT::F32) {
        w = _mm512_loadu_ps(static_cast<const float *>(vrow[r]) + c * 16);
      } else {
        __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i *>(
            static_cast<const uint8_t *>(vrow[r]) + c * 16));
        w = _mm512_cvtepi32_ps(V == VT::I8 ? _mm512_cvtepi8_epi32(q)
                                           : _mm512_cvtepu8_epi32(q));
        w = _mm512_sub_ps(w, zps[r]);
      }
      for (int m = 0; m < MR; ++m) {
        const float *xr = p.x + (m0 + m) * p.ldx + k0;
        __m512 g;
        if (WIN == 16) {
          g = _mm512_permutexvar_ps(lane, _mm512_maskz_loadu_ps(mk0, xr));
        } else if (WIN == 32) {
          g = _mm512_permutex2var_ps(_mm512_loadu_ps(xr), lane,
                                     _mm512_maskz_loadu_ps(mk1, xr + 16));
        } else {
          __m512 lo = _mm512_permutex2var_ps(_mm512_loadu_ps(xr), lane,
                                             _mm512_loadu_ps(xr + 16));
          __m512 hi = _mm512_permutex2var_ps(
              _mm512_maskz_loadu_ps(mk2, xr + 32), lane,
              _mm512_maskz_loadu_ps(mk3, xr + 48));
          g = _mm512_mask_blend_ps(_mm512_test_epi32_mask(lane, bit5), lo, hi);
        }
        acc[r][m] = _mm512_fmadd_ps(w, g, acc[r][m]);
      }
    }
  }
  for (int r = 0; r < RW; ++r) {
    int64_t n = rows[r];
    float s = 1.0f;
    if (V != VT::F32)
      s = loadScale(p.scales, (p.sRows == 1 ? 0 : n) * p.ss0, p.sk);
    for (int m = 0; m < MR; ++m) {
      float sum = _mm512_reduce_add_ps(acc[r][m]);
      const float *xr = p.x + (m0 + m) * p.ldx;
      const uint8_t *ir = irow[r];
      for (int64_t i = chunks * 16; i < p.kv; ++i) {
        int64_t k = (i / p.nn) * p.mm + fieldAt(ir, i * IB, IB);
        float w;
        if (V == VT::F32) {
          w = static_cast<const float *>(vrow[r])[i];
        } else {
          uint8_t b = static_cast<const uint8_t *>(vrow[r])[i];
          w = (V == VT::I8 ? float(int8_t(b)) : float(b)) -
              _mm512_cvtss_f32(zps[r]);
        }
        sum += w * xr[k];
      }
      storeY(p, m0 + m, n, sum * s);
    }
  }
}

/// nmGemvBlock's constants: the vpmultishiftqb control selecting the IB-bit
/// position field of lane j (bit j * IB), and each lane's group start
/// (j / N) * M.
template <int IB>
SPARQ_SPARSE_AVX512 inline void laneControls(const SProblem &p, __m512i &ctrl,
                                             __m512i &base) {
  alignas(64) uint8_t ctrlBytes[64] = {};
  alignas(64) int32_t baseLanes[16];
  for (int j = 0; j < 16; ++j) {
    ctrlBytes[4 * j] = uint8_t(j * IB);
    baseLanes[j] = (j / p.nn) * p.mm;
  }
  ctrl = _mm512_load_si512(ctrlBytes);
  base = _mm512_load_si512(baseLanes);
}

/// Batch 1: four long staggered streams (forEachStreamRow) sharing the x
/// window, unless sparq_rt_set_gemv_streams(2). Unlike the quantized GEMVs,
/// this kernel does more work per byte (a permute per 16 values) and gains
/// from four rows sharing each window: four streams measured 1.1-1.3x faster
/// than two from DRAM (2:4 f32, 4096x4096 and 4096x11008, one thread,
/// bench/sparq-gemv-ab).
template <int IB, int WIN, VT V>
SPARQ_SPARSE_AVX512 void nmGemvRows(const SProblem &p, int64_t n0, int64_t n1) {
  __m512i ctrl, base;
  laneControls<IB>(p, ctrl, base);
  int64_t rowBytes = p.kv * (V == VT::F32 ? 4 : 1) + p.idxRowStride;
  auto streams = [&](auto s) SPARQ_SPARSE_AVX512 {
    constexpr int S = decltype(s)::value;
    return forEachStreamRow<S>(
        n0, n1, rowBytes, [&](const int64_t *rows) SPARQ_SPARSE_AVX512 {
          nmGemvBlock<IB, WIN, 1, S, V>(p, rows, 0, ctrl, base);
        });
  };
  int64_t n = gemvStreamsSetting() == 2
                  ? streams(std::integral_constant<int, 2>())
                  : streams(std::integral_constant<int, 4>());
  for (; n < n1; ++n)
    nmGemvBlock<IB, WIN, 1, 1, V>(p, &n, 0, ctrl, base);
}

/// Batch >= 2: blocks of four weight rows, each against every block of four
/// (then two, one) rows of x while it is in L1/L2, so the weights are read
/// once from memory (the x-transposed kernel this replaced at batch > 4 ran
/// 1.2-3.2x slower at batch 5-128; at batch 2-4 it replaced passes over the
/// weights per block of x with two or one weight rows per tile).
template <int IB, int WIN, VT V>
SPARQ_SPARSE_AVX512 void nmGemmRows(const SProblem &p, int64_t n0, int64_t n1) {
  __m512i ctrl, base;
  laneControls<IB>(p, ctrl, base);
  auto allM = [&](const int64_t *rows, auto rw) SPARQ_SPARSE_AVX512 {
    constexpr int RW = decltype(rw)::value;
    int64_t m = 0;
    for (; m + 4 <= p.M; m += 4)
      nmGemvBlock<IB, WIN, 4, RW, V>(p, rows, m, ctrl, base);
    for (; m + 2 <= p.M; m += 2)
      nmGemvBlock<IB, WIN, 2, RW, V>(p, rows, m, ctrl, base);
    for (; m < p.M; ++m)
      nmGemvBlock<IB, WIN, 1, RW, V>(p, rows, m, ctrl, base);
  };
  int64_t rows[4];
  int64_t n = n0;
  for (; n + 4 <= n1; n += 4) {
    for (int r = 0; r < 4; ++r)
      rows[r] = n + r;
    allM(rows, std::integral_constant<int, 4>());
  }
  for (; n < n1; ++n)
    allM(&n, std::integral_constant<int, 1>());
}

template <int IB, int WIN, VT V>
SPARQ_SPARSE_AVX512 void nmGemvAll(const SProblem &p, int64_t n0, int64_t n1) {
  if (p.M == 1)
    return nmGemvRows<IB, WIN, V>(p, n0, n1);
  nmGemmRows<IB, WIN, V>(p, n0, n1);
}

template <VT V>
SPARQ_SPARSE_AVX512 void nmGemvDispatchWin(const SProblem &p, int64_t n0,
                                           int64_t n1, int win) {
#define SPARQ_NM_CASE(IB)                                                      \
  case IB:                                                                     \
    if (win <= 16)                                                             \
      return nmGemvAll<IB, 16, V>(p, n0, n1);                                  \
    if (win <= 32)                                                             \
      return nmGemvAll<IB, 32, V>(p, n0, n1);                                  \
    return nmGemvAll<IB, 64, V>(p, n0, n1);
  switch (p.ibits) {
    SPARQ_NM_CASE(1)
    SPARQ_NM_CASE(2)
    SPARQ_NM_CASE(3)
    SPARQ_NM_CASE(4)
  default:
    break;
  }
#undef SPARQ_NM_CASE
}

/// Whether the N:M permute kernel covers p (any batch): 16 values span whole
/// groups and a window of at most 64 columns, positions have at most 4 bits,
/// values are f32 or 8-bit codes with one scale per row.
bool nmGemvApplies(const SProblem &p) {
  if (p.kind != Kind::NM || 16 % p.nn != 0 || p.ibits < 1 || p.ibits > 4)
    return false;
  if ((16 / p.nn) * p.mm > 64 || (16 / p.nn) * p.mm != 16 * p.mm / p.nn)
    return false;
  if (p.bits != 0 && (p.bits != 8 || p.sCols != 1))
    return false;
  return hostHasVbmi();
}

SPARQ_SPARSE_AVX512 void nmGemv(const SProblem &p, int64_t n0, int64_t n1) {
  int win = 16 * p.mm / p.nn;
  if (p.bits == 0)
    return nmGemvDispatchWin<VT::F32>(p, n0, n1, win);
  if (p.isSigned)
    return nmGemvDispatchWin<VT::I8>(p, n0, n1, win);
  return nmGemvDispatchWin<VT::U8>(p, n0, n1, win);
}

//===----------------------------------------------------------------------===//
// CSR GEMV: gathers of x by 16 column indices.
//===----------------------------------------------------------------------===//

template <bool I16>
SPARQ_SPARSE_AVX512 inline __m512i loadCols(const void *cols, int64_t j,
                                            __mmask16 mk) {
  if (I16)
    return _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(
        mk, static_cast<const uint16_t *>(cols) + j));
  return _mm512_maskz_loadu_epi32(mk, static_cast<const int32_t *>(cols) + j);
}

/// x[cols[j .. j+16)] from 16 scalar loads (vgatherdps: 0.74-0.90x on Zen 4,
/// a few percent slower on Zen 5, for one row of x); 16-bit columns are read
/// four to a 64-bit load (1.13-1.15x over a load per column, one load fewer
/// per entry: the loop is bound by loads and shuffles).
template <bool I16>
SPARQ_SPARSE_AVX512 inline __m512 loadGathered(const void *cols, int64_t j,
                                               const float *xr) {
  uint64_t w[4] = {0, 0, 0, 0};
  if (I16)
    std::memcpy(w, static_cast<const uint16_t *>(cols) + j, 32);
  auto at = [&](int t) {
    return I16 ? xr[uint16_t(w[t / 4] >> (16 * (t % 4)))]
               : xr[static_cast<const int32_t *>(cols)[j + t]];
  };
  __m128 q0 = _mm_set_ps(at(3), at(2), at(1), at(0));
  __m128 q1 = _mm_set_ps(at(7), at(6), at(5), at(4));
  __m128 q2 = _mm_set_ps(at(11), at(10), at(9), at(8));
  __m128 q3 = _mm_set_ps(at(15), at(14), at(13), at(12));
  __m256 lo = _mm256_insertf128_ps(_mm256_castps128_ps256(q0), q1, 1);
  __m256 hi = _mm256_insertf128_ps(_mm256_castps128_ps256(q2), q3, 1);
  return _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
}

/// out[m] += sum of values[j] * x(m0 + m, cols[j]) over entries [j, e) up to
/// the first one whose column is >= limit; returns that entry (e if none).
template <bool I16, int MR>
SPARQ_SPARSE_AVX512 inline int64_t
csrDot(const SProblem &p, int64_t j, int64_t e, int64_t m0, float (&out)[MR],
       int64_t limit = INT64_MAX) {
  auto colAt = [&](int64_t i) -> int64_t {
    return I16 ? static_cast<const uint16_t *>(p.cols)[i]
               : static_cast<const int32_t *>(p.cols)[i];
  };
  const float *vals = static_cast<const float *>(p.vals);
  __m512 acc[MR][2];
  for (int m = 0; m < MR; ++m)
    acc[m][0] = acc[m][1] = _mm512_setzero_ps();
  for (; j + 32 <= e && colAt(j + 31) < limit; j += 32) {
    // Stream values and columns past L1's copy of x.
    _mm_prefetch(reinterpret_cast<const char *>(vals + j) + 1024, _MM_HINT_NTA);
    _mm_prefetch(reinterpret_cast<const char *>(vals + j) + 1088, _MM_HINT_NTA);
    _mm_prefetch(static_cast<const char *>(p.cols) + j * (I16 ? 2 : 4) + 1024,
                 _MM_HINT_NTA);
    const __m512 v0 = _mm512_loadu_ps(vals + j),
                 v1 = _mm512_loadu_ps(vals + j + 16);
    for (int m = 0; m < MR; ++m) {
      const float *xr = p.x + (m0 + m) * p.ldx;
      acc[m][0] =
          _mm512_fmadd_ps(v0, loadGathered<I16>(p.cols, j, xr), acc[m][0]);
      acc[m][1] =
          _mm512_fmadd_ps(v1, loadGathered<I16>(p.cols, j + 16, xr), acc[m][1]);
    }
  }
  const __m512i lim =
      _mm512_set1_epi32(int32_t(std::min<int64_t>(limit, INT32_MAX)));
  for (; j < e; j += 16) {
    __mmask16 mk =
        e - j >= 16 ? __mmask16(0xffff) : __mmask16((1u << (e - j)) - 1);
    __m512i c0 = loadCols<I16>(p.cols, j, mk);
    // Entries from the first column >= limit on are left out.
    const __mmask16 below = _mm512_mask_cmplt_epi32_mask(mk, c0, lim);
    if (below != mk) {
      const uint32_t out = uint32_t(~below) & mk; // Its lowest bit: the end.
      mk = __mmask16(((out ^ (out - 1)) >> 1) & mk);
      e = j + __builtin_popcount(mk);
    }
    __m512 v0 = _mm512_maskz_loadu_ps(mk, vals + j);
    for (int m = 0; m < MR; ++m) {
      const float *xr = p.x + (m0 + m) * p.ldx;
      acc[m][0] = _mm512_fmadd_ps(
          v0, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), mk, c0, xr, 4),
          acc[m][0]);
    }
  }
  for (int m = 0; m < MR; ++m)
    out[m] += _mm512_reduce_add_ps(_mm512_add_ps(acc[m][0], acc[m][1]));
  return e;
}

/// MR (1 or 2) rows of x: blocks of kCsrBlockRows rows, each walked in panels
/// of kCsrPanelCols / MR columns (every row's entries in the panel, then the
/// next panel), so that the gathers read panels of x (16 KiB) that stay in L1
/// next to the streamed entries; before each row and panel a slice of the
/// next block's entries is prefetched into L2, from where the panels read
/// them. Zen 4, 90% sparse f32, 1 thread, DRAM: 4096x11008 (44 KiB of x)
/// 1.4-1.5x faster than one pass per row, 4096x4096 1.27x (the prefetch);
/// without it the panels ran at 0.66x. 32 rows per block: 1.03-1.3x over 64,
/// 128 and 256; panels of 4096 columns over 3072 and 5504. Two rows of x
/// (scalar-load gathers for each, the columns shared): 1.36-1.6x over
/// vgatherdps on whole rows.
constexpr int64_t kCsrBlockRows = 32;
constexpr int64_t kCsrPanelCols = 4096;

template <bool I16, int MR>
SPARQ_SPARSE_AVX512 void csrGemvPanels(const SProblem &p, int64_t n0,
                                       int64_t n1, int64_t m0) {
  int64_t cur[kCsrBlockRows];
  float part[kCsrBlockRows][MR];
  const int64_t w = I16 ? 2 : 4;
  const int64_t panelCols = kCsrPanelCols / MR;
  const int64_t panels = (p.K + panelCols - 1) / panelCols;
  for (int64_t nb = n0; nb < n1; nb += kCsrBlockRows) {
    const int64_t rows = std::min(kCsrBlockRows, n1 - nb);
    for (int64_t r = 0; r < rows; ++r) {
      cur[r] = p.offsets[nb + r];
      for (int m = 0; m < MR; ++m)
        part[r][m] = 0.0f;
    }
    const int64_t next = p.offsets[nb + rows];
    const int64_t nnzNext =
        p.offsets[std::min(n1, nb + rows + kCsrBlockRows)] - next;
    const char *vNext = static_cast<const char *>(p.vals) + next * 4;
    const char *cNext = static_cast<const char *>(p.cols) + next * w;
    const int64_t vLines = (nnzNext * 4 + 63) / 64;
    const int64_t cLines = (nnzNext * w + 63) / 64;
    const int64_t slices = rows * panels;
    int64_t slice = 0, vl = 0, cl = 0; // Lines prefetched so far.
    for (int64_t k1 = panelCols; k1 < p.K + panelCols; k1 += panelCols)
      for (int64_t r = 0; r < rows; ++r) {
        ++slice;
        for (const int64_t e = vLines * slice / slices; vl < e; ++vl)
          _mm_prefetch(vNext + vl * 64, _MM_HINT_T1);
        for (const int64_t e = cLines * slice / slices; cl < e; ++cl)
          _mm_prefetch(cNext + cl * 64, _MM_HINT_T1);
        cur[r] =
            csrDot<I16, MR>(p, cur[r], p.offsets[nb + r + 1], m0, part[r], k1);
      }
    for (int64_t r = 0; r < rows; ++r)
      for (int m = 0; m < MR; ++m)
        storeY(p, m0 + m, nb + r, part[r][m]);
  }
}

template <bool I16>
SPARQ_SPARSE_AVX512 void csrGemv(const SProblem &p, int64_t n0, int64_t n1) {
  int64_t m = 0;
  for (; m + 2 <= p.M; m += 2)
    csrGemvPanels<I16, 2>(p, n0, n1, m);
  for (; m < p.M; ++m)
    csrGemvPanels<I16, 1>(p, n0, n1, m);
}

//===----------------------------------------------------------------------===//
// Any format, any M: one FMA per stored value over 16..128 rows of xt.
//===----------------------------------------------------------------------===//

/// xt[k * ldt + m] = x[m, k], zero-padded to ldt (a multiple of 16) columns.
struct Transposed {
  std::vector<float> buf;
  int64_t ldt = 0;
  float *data() { return reinterpret_cast<float *>(
      (reinterpret_cast<uintptr_t>(buf.data()) + 63) & ~uintptr_t(63)); }
};

SPARQ_DEFINE_FOR_ROW(forRowAvx512, SPARQ_SPARSE_AVX512)

/// acc[0..MB) += w * xt[k][mb0 .. mb0 + 16 * MB).
template <int MB> struct XtAccumulate {
  __m512 acc[MB];
  const float *base;
  int64_t ldt;
  SPARQ_SPARSE_AVX512 inline void operator()(int64_t k, float w) {
    __m512 wv = _mm512_set1_ps(w);
    const float *xr = base + k * ldt;
    for (int b = 0; b < MB; ++b)
      acc[b] = _mm512_fmadd_ps(wv, _mm512_load_ps(xr + 16 * b), acc[b]);
  }
};

/// acc += sum_i ws[i] * xt[ks[i]][0 .. 16 * MB), with U independent sets of
/// accumulators so that the FMA latency is hidden for small MB.
template <int MB, typename IdxT>
SPARQ_SPARSE_AVX512 inline void xtDot(const float *ws, const IdxT *ks,
                                      int64_t cnt, const float *base,
                                      int64_t ldt, __m512 *out) {
  constexpr int U = MB <= 2 ? 4 : MB <= 4 ? 2 : 1;
  __m512 acc[U][MB];
  for (int u = 0; u < U; ++u)
    for (int b = 0; b < MB; ++b)
      acc[u][b] = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + U <= cnt; i += U)
    for (int u = 0; u < U; ++u) {
      __m512 wv = _mm512_set1_ps(ws[i + u]);
      const float *xr = base + int64_t(ks[i + u]) * ldt;
      for (int b = 0; b < MB; ++b)
        acc[u][b] = _mm512_fmadd_ps(wv, _mm512_load_ps(xr + 16 * b), acc[u][b]);
    }
  for (; i < cnt; ++i) {
    __m512 wv = _mm512_set1_ps(ws[i]);
    const float *xr = base + int64_t(ks[i]) * ldt;
    for (int b = 0; b < MB; ++b)
      acc[0][b] = _mm512_fmadd_ps(wv, _mm512_load_ps(xr + 16 * b), acc[0][b]);
  }
  for (int b = 0; b < MB; ++b) {
    __m512 t = acc[0][b];
    for (int u = 1; u < U; ++u)
      t = _mm512_add_ps(t, acc[u][b]);
    out[b] = t;
  }
}

/// The dense columns of N:M row n's stored values (and, for codes, their
/// dequantized values) into ks / ws; returns the f32 values to use.
SPARQ_SPARSE_AVX512 const float *decodeNMRow(const SProblem &p, int64_t n,
                                             int32_t *ks, float *ws) {
  const uint8_t *irow = p.idx + n * p.idxRowStride;
  int64_t i = 0;
  if (p.ibits == 2 && p.nn == 2 && p.mm == 4) { // 2:4: 16 per 32 bits.
    alignas(64) uint8_t ctrlBytes[64] = {};
    alignas(64) int32_t baseLanes[16];
    for (int j = 0; j < 16; ++j) {
      ctrlBytes[4 * j] = uint8_t(j * 2);
      baseLanes[j] = (j / 2) * 4;
    }
    __m512i ctrl = _mm512_load_si512(ctrlBytes);
    __m512i base = _mm512_load_si512(baseLanes);
    __m512i mask = _mm512_set1_epi32(3);
    for (; i + 16 <= p.kv; i += 16) {
      uint32_t bits;
      std::memcpy(&bits, irow + i / 4, 4);
      __m512i lane = _mm512_add_epi32(
          _mm512_and_si512(
              _mm512_multishift_epi64_epi8(ctrl, _mm512_set1_epi64(bits)),
              mask),
          _mm512_add_epi32(base, _mm512_set1_epi32(int32_t(i * 2))));
      _mm512_storeu_si512(ks + i, lane);
    }
  }
  for (; i < p.kv; ++i)
    ks[i] = int32_t((i / p.nn) * p.mm + fieldAt(irow, i * p.ibits, p.ibits));
  if (!p.bits)
    return static_cast<const float *>(p.vals) + n * p.vRowStride;
  for (int64_t j = 0; j < p.kv; ++j)
    ws[j] = codeValue(p, n, j, ks[j]);
  return ws;
}

template <int MB>
SPARQ_SPARSE_AVX512 void xtRows(const SProblem &p, const float *xt,
                                int64_t ldt, int64_t n0, int64_t n1,
                                int64_t mb0) {
  int64_t rows = std::min<int64_t>(MB * 16, p.M - mb0);
  alignas(64) float out[MB * 16];
  std::vector<int32_t> ks(p.kind == Kind::NM ? p.kv : 0);
  std::vector<float> ws(p.kind == Kind::NM && p.bits ? p.kv : 0);
  const float *base = xt + mb0;
  for (int64_t n = n0; n < n1; ++n) {
    __m512 acc[MB];
    if (p.kind == Kind::NM) {
      const float *w = decodeNMRow(p, n, ks.data(), ws.data());
      xtDot<MB>(w, ks.data(), p.kv, base, ldt, acc);
    } else if (p.kind == Kind::CSR) {
      int64_t j = p.offsets[n], cnt = p.offsets[n + 1] - j;
      const float *w = static_cast<const float *>(p.vals) + j;
      if (p.cols16)
        xtDot<MB>(w, static_cast<const uint16_t *>(p.cols) + j, cnt, base,
                  ldt, acc);
      else
        xtDot<MB>(w, static_cast<const int32_t *>(p.cols) + j, cnt, base,
                  ldt, acc);
    } else {
      XtAccumulate<MB> f;
      for (int b = 0; b < MB; ++b)
        f.acc[b] = _mm512_setzero_ps();
      f.base = base;
      f.ldt = ldt;
      forRowAvx512(p, n, f);
      for (int b = 0; b < MB; ++b)
        acc[b] = f.acc[b];
    }
    for (int b = 0; b < MB; ++b)
      _mm512_store_ps(out + 16 * b, acc[b]);
    for (int64_t m = 0; m < rows; ++m)
      storeY(p, mb0 + m, n, out[m]);
  }
}

SPARQ_SPARSE_AVX512 void xtAll(const SProblem &p, const float *xt, int64_t ldt,
                               int64_t n0, int64_t n1) {
  for (int64_t mb0 = 0; mb0 < p.M; mb0 += 128) {
    int64_t blocks = std::min<int64_t>(8, (p.M - mb0 + 15) / 16);
    switch (blocks) {
    case 1: xtRows<1>(p, xt, ldt, n0, n1, mb0); break;
    case 2: xtRows<2>(p, xt, ldt, n0, n1, mb0); break;
    case 3: xtRows<3>(p, xt, ldt, n0, n1, mb0); break;
    case 4: xtRows<4>(p, xt, ldt, n0, n1, mb0); break;
    case 5: xtRows<5>(p, xt, ldt, n0, n1, mb0); break;
    case 6: xtRows<6>(p, xt, ldt, n0, n1, mb0); break;
    case 7: xtRows<7>(p, xt, ldt, n0, n1, mb0); break;
    default: xtRows<8>(p, xt, ldt, n0, n1, mb0); break;
    }
  }
}
#endif // SPARQ_HAVE_X86

//===----------------------------------------------------------------------===//
// Driver.
//===----------------------------------------------------------------------===//

enum class Path { Scalar, NMGemv, CSRGemv, XT };

struct Job {
  const SProblem *p;
  Path path;
  const float *xt;
  int64_t ldt;
  /// Row split points (threads + 1 of them).
  std::vector<int64_t> split;
};

void runJob(void *ctx, int32_t index, int32_t) {
  const Job &job = *static_cast<const Job *>(ctx);
  const SProblem &p = *job.p;
  int64_t n0 = job.split[index], n1 = job.split[index + 1];
  if (n0 >= n1)
    return;
  switch (job.path) {
#if SPARQ_HAVE_X86
  case Path::NMGemv:
    return nmGemv(p, n0, n1);
  case Path::CSRGemv:
    return p.cols16 ? csrGemv<true>(p, n0, n1) : csrGemv<false>(p, n0, n1);
  case Path::XT:
    return xtAll(p, job.xt, job.ldt, n0, n1);
#else
  case Path::NMGemv:
  case Path::CSRGemv:
  case Path::XT:
#endif
  case Path::Scalar:
    return scalarRows(p, n0, n1);
  }
}

/// Stored values before row n (CSR / BSR), for balancing threads.
int64_t storedBefore(const SProblem &p, int64_t n) {
  if (p.kind == Kind::CSR)
    return p.offsets[n];
  int64_t br = std::min(n / p.b0, p.blockRows);
  int64_t full = int64_t(p.offsets[br]) * p.b0 * p.b1;
  if (br < p.blockRows)
    full += (n % p.b0) * (int64_t(p.offsets[br + 1]) - p.offsets[br]) * p.b1;
  return full;
}

void run(SProblem &p) {
  if (p.M == 0 || p.N == 0)
    return;
  // Zero-width weights (K == 0 or no stored values) still define y = 0.
  int64_t stored = 0;
  switch (p.kind) {
  case Kind::NM:
    stored = p.N * p.kv;
    break;
  case Kind::CSR:
  case Kind::BSR:
    stored = storedBefore(p, p.N);
    break;
  }
  Job job;
  job.p = &p;
  job.path = Path::Scalar;
  job.xt = nullptr;
  job.ldt = 0;
  Transposed t;
#if SPARQ_HAVE_X86
  if (hostHasAvx512Vnni()) {
    if (nmGemvApplies(p))
      job.path = Path::NMGemv;
    else if (p.kind == Kind::CSR && p.M <= 2)
      job.path = Path::CSRGemv;
    else
      job.path = Path::XT;
  }
  if (job.path == Path::XT) {
    t.ldt = (p.M + 15) / 16 * 16;
    t.buf.assign(p.K * t.ldt + 16, 0.0f);
    float *xt = t.data();
    for (int64_t k0 = 0; k0 < p.K; k0 += 64)
      for (int64_t m = 0; m < p.M; ++m)
        for (int64_t k = k0, e = std::min(p.K, k0 + 64); k < e; ++k)
          xt[k * t.ldt + m] = p.x[m * p.ldx + k];
    job.xt = xt;
    job.ldt = t.ldt;
  }
#endif
  int32_t threads = threadsFor(std::max<int64_t>(1, stored) * p.M +
                               p.N * p.M * 16);
  threads = int32_t(std::min<int64_t>(threads, p.N));
  job.split.assign(threads + 1, p.N);
  job.split[0] = 0;
  if (p.kind == Kind::NM) {
    for (int32_t i = 0; i < threads; ++i) {
      int64_t b, e;
      splitRange(p.N, 4, i, threads, b, e);
      job.split[i] = b;
      job.split[i + 1] = e;
    }
  } else {
    // Balance stored values plus a per-row overhead; BSR splits at block
    // rows.
    const int64_t rowCost = 16;
    int64_t total = stored + rowCost * p.N;
    int64_t align = p.kind == Kind::BSR ? p.b0 : 1;
    for (int32_t i = 1; i < threads; ++i) {
      int64_t target = total * i / threads;
      int64_t lo = job.split[i - 1], hi = p.N;
      while (lo < hi) { // First row whose prefix cost reaches target.
        int64_t mid = (lo + hi) / 2;
        if (storedBefore(p, mid) + rowCost * mid < target)
          lo = mid + 1;
        else
          hi = mid;
      }
      job.split[i] = std::min(p.N, (lo + align - 1) / align * align);
    }
  }
  sparq_rt_parallel(runJob, &job, threads);
}

/// A contiguous copy of a strided rank-2 view (or the view itself).
template <typename T> struct Rows2D {
  std::vector<T> copy;
  const T *data;
  int64_t ld;
  Rows2D(const sparq_memref2d_t *m) {
    const T *base = static_cast<const T *>(m->aligned) + m->offset;
    if (m->strides[1] == 1 || m->sizes[1] <= 1) {
      data = base;
      ld = m->sizes[0] > 1 ? m->strides[0] : m->sizes[1];
      return;
    }
    copy.resize(m->sizes[0] * m->sizes[1]);
    for (int64_t i = 0; i < m->sizes[0]; ++i)
      for (int64_t j = 0; j < m->sizes[1]; ++j)
        copy[i * m->sizes[1] + j] = base[i * m->strides[0] + j * m->strides[1]];
    data = copy.data();
    ld = m->sizes[1];
  }
};

/// A contiguous copy of a strided rank-1 view (or the view itself).
template <typename T> struct Vec1D {
  std::vector<T> copy;
  const T *data;
  Vec1D(const sparq_memref1d_t *m) {
    const T *base = static_cast<const T *>(m->aligned) + m->offset;
    if (m->strides[0] == 1 || m->sizes[0] <= 1) {
      data = base;
      return;
    }
    copy.resize(m->sizes[0]);
    for (int64_t i = 0; i < m->sizes[0]; ++i)
      copy[i] = base[i * m->strides[0]];
    data = copy.data();
  }
};

void setOutput(SProblem &p, sparq_memref2d_t *y) {
  p.y = static_cast<float *>(y->aligned) + y->offset;
  p.ys0 = y->strides[0];
  p.ys1 = y->strides[1];
  p.N = y->sizes[1];
}

void nmMatmul(sparq_memref2d_t *x, sparq_memref2d_t *values,
              sparq_memref2d_t *indices, sparq_memref2d_t *scales,
              sparq_memref2d_t *zp, sparq_memref2d_t *y, int64_t k,
              int64_t config, ScaleKind sk, bool quantized) {
  SProblem p;
  p.kind = Kind::NM;
  Rows2D<float> xr(x);
  p.x = xr.data;
  p.ldx = xr.ld;
  p.M = x->sizes[0];
  p.K = k;
  setOutput(p, y);
  p.nn = SPARQ_RT_NM_N(config);
  p.mm = SPARQ_RT_NM_M(config);
  if (p.nn < 1 || p.mm < p.nn || k % p.mm != 0)
    fatal("sparq_rt_nm_*: bad N:M config (N = %d, M = %d, K = %lld)", p.nn,
          p.mm, (long long)k);
  int ib = 0;
  while ((1 << ib) < p.mm)
    ++ib;
  p.ibits = ib;
  p.kv = p.mm ? k / p.mm * p.nn : 0;
  Rows2D<uint8_t> ir(indices);
  p.idx = ir.data;
  p.idxRowStride = ir.ld;
  std::vector<float> scaleCopy;
  if (!quantized) {
    Rows2D<float> vr(values);
    p.vals = vr.data;
    p.vRowStride = vr.ld;
    p.bits = 0;
    return run(p); // vr (and any copy it made) lives until here.
  }
  Rows2D<uint8_t> vr(values);
  p.vals = vr.data;
  p.vRowStride = vr.ld;
  p.bits = SPARQ_RT_Q_BITS(config);
  if (p.bits < 2 || p.bits > 8)
    fatal("sparq_rt_nm_qmatmul_*: bad code width %d", p.bits);
  p.isSigned = config & SPARQ_RT_Q_SIGNED;
  p.sk = sk;
  p.scales = static_cast<const char *>(scales->aligned) +
             scales->offset * (sk == ScaleKind::F32 ? 4 : 2);
  p.ss0 = scales->strides[0];
  p.ss1 = scales->strides[1];
  p.sRows = scales->sizes[0];
  p.sCols = scales->sizes[1];
  p.group = p.sCols > 0 ? std::max<int64_t>(1, k / p.sCols) : k;
  if (p.sCols == 1)
    p.group = std::max<int64_t>(1, k);
  if (config & SPARQ_RT_Q_HAS_ZP) {
    p.zp = static_cast<const int8_t *>(zp->aligned) + zp->offset;
    p.zs0 = zp->strides[0];
    p.zs1 = zp->strides[1];
  }
  run(p);
}

void sparseRowsMatmul(Kind kind, sparq_memref2d_t *x,
                      sparq_memref1d_t *offsets, sparq_memref1d_t *cols,
                      bool cols16, sparq_memref1d_t *values,
                      sparq_memref2d_t *y, int64_t k, int64_t config) {
  SProblem p;
  p.kind = kind;
  Rows2D<float> xr(x);
  p.x = xr.data;
  p.ldx = xr.ld;
  p.M = x->sizes[0];
  p.K = k;
  setOutput(p, y);
  Vec1D<int32_t> ov(offsets);
  Vec1D<float> vv(values);
  p.offsets = ov.data;
  p.vals = vv.data;
  std::vector<uint16_t> c16;
  std::vector<int32_t> c32;
  if (cols16) {
    Vec1D<uint16_t> cv(cols);
    c16 = std::move(cv.copy);
    p.cols = c16.empty() ? static_cast<const void *>(cv.data) : c16.data();
  } else {
    Vec1D<int32_t> cv(cols);
    c32 = std::move(cv.copy);
    p.cols = c32.empty() ? static_cast<const void *>(cv.data) : c32.data();
  }
  p.cols16 = cols16;
  if (offsets->sizes[0] < 1)
    fatal("sparq_rt_%s_matmul_*: empty offsets", kind == Kind::CSR ? "csr" : "bsr");
  if (kind == Kind::CSR && offsets->sizes[0] - 1 != p.N)
    fatal("sparq_rt_csr_matmul_*: %lld offsets for %lld rows",
          (long long)offsets->sizes[0], (long long)p.N);
  if (kind == Kind::BSR) {
    p.b0 = std::max<int64_t>(1, SPARQ_RT_BSR_B0(config));
    p.b1 = std::max<int64_t>(1, SPARQ_RT_BSR_B1(config));
    p.blockRows = std::min<int64_t>(offsets->sizes[0] - 1, p.N / p.b0);
  }
  run(p);
}

} // namespace

extern "C" void _mlir_ciface_sparq_rt_nm_matmul_f32(sparq_memref2d_t *x,
                                                    sparq_memref2d_t *values,
                                                    sparq_memref2d_t *indices,
                                                    sparq_memref2d_t *y,
                                                    int64_t k, int64_t config) {
  nmMatmul(x, values, indices, nullptr, nullptr, y, k, config, ScaleKind::F32,
           false);
}

// The quantized N:M entry points (one per scale type; see sparq-c/Runtime.h).
#define SPARQ_NM_QUANT_ENTRY(NAME, KIND)                                       \
  extern "C" void _mlir_ciface_##NAME(                                         \
      sparq_memref2d_t *x, sparq_memref2d_t *data, sparq_memref2d_t *indices,  \
      sparq_memref2d_t *scales, sparq_memref2d_t *zp, sparq_memref2d_t *y,     \
      int64_t k, int64_t config) {                                             \
    nmMatmul(x, data, indices, scales, zp, y, k, config, KIND, true);          \
  }
SPARQ_NM_QUANT_ENTRY(sparq_rt_nm_qmatmul_sf32, ScaleKind::F32)
SPARQ_NM_QUANT_ENTRY(sparq_rt_nm_qmatmul_sf16, ScaleKind::F16)
SPARQ_NM_QUANT_ENTRY(sparq_rt_nm_qmatmul_sbf16, ScaleKind::BF16)

// The CSR / BSR entry points (see sparq-c/Runtime.h).
#define SPARQ_SPARSE_ROWS_ENTRY(NAME, KIND, COLS_I16)                          \
  extern "C" void _mlir_ciface_##NAME(                                         \
      sparq_memref2d_t *x, sparq_memref1d_t *offsets, sparq_memref1d_t *cols,  \
      sparq_memref1d_t *values, sparq_memref2d_t *y, int64_t k,                \
      int64_t config) {                                                        \
    sparseRowsMatmul(KIND, x, offsets, cols, COLS_I16, values, y, k, config);  \
  }
SPARQ_SPARSE_ROWS_ENTRY(sparq_rt_csr_matmul_f32_i16, Kind::CSR, true)
SPARQ_SPARSE_ROWS_ENTRY(sparq_rt_csr_matmul_f32_i32, Kind::CSR, false)
SPARQ_SPARSE_ROWS_ENTRY(sparq_rt_bsr_matmul_f32, Kind::BSR, false)
