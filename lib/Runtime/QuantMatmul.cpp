//===- QuantMatmul.cpp - Fused dequantize + matmul ukernels ---------------===//
//
// y[M,N] = x[M,K] * dequant(W[N,K])^T for integer weights in Sparq's packed
// storage (little-endian bit stream per row). Two numerics, see Runtime.h:
//
//  * int8 activations (the fast path): x is quantized per row to int8, and
//    the integer dot products run on AVX-512 VNNI (`vpdpbusd`, u8 x s8 ->
//    s32). Weight codes are made unsigned by flipping their sign bit
//    (q + 2^(b-1)), and the offset together with the zero point is removed
//    with per-lane sums of the activations: sum (q - z) a = sum u a -
//    (z + 2^(b-1)) sum a. For int4, one 64-byte load holds 128 codes; the low
//    nibbles are the even elements, the high nibbles the odd ones, so the
//    activations are stored even/odd-split per 128-element chunk once per
//    call and the weights are never shuffled. 2-, 3-, 5-, 6- and 7-bit
//    codes are read 64 at a time from the row's bit stream and spread to one
//    per byte (VBMI byte gather + multishift, see loadSubByte), then run as
//    int8 codes (groups interleaved as int8's when sparq_rt_qpack packed
//    them: 64 codes = 8b bytes per step). Scales are applied per lane in f32
//    when a group is shorter than a chunk, per group otherwise.
//  * exact f32 activations: 2- to 8-bit codes in the stored layout whose
//    groups hold whole chunks of 32 elements (and 4-bit codes in groups of
//    16) are decoded in registers, 32 weights per step (int4: 16 bytes
//    widened to 32-bit lanes, each nibble looked up in a 16-entry table of
//    (q - z) * s per group and row with vpermps, the low nibbles giving the
//    even elements and the high ones the odd, so the rows of x are stored
//    even/odd-split per 32 elements once per call; int8 and sub-byte codes
//    spread to bytes: q * s - z * s by one FMA, or with one group per row
//    q - z, the scale applied to each output's sum), and used by every row
//    of x of the tile (4 x 4 tiles of f32 FMAs at batch > 5, 1-5 rows of x
//    by 3-4 weight streams below). Other formats decode each weight row into
//    a small f32 buffer (in L1) dotted with every row of x.
//
// Work is split over threads by output rows n. At batch 1-8 each thread
// reads its rows as two or four long streams at once (several DRAM streams
// per core reach its read bandwidth, one stream does not; see gemvStreams in
// Common.h), one K-panel at a time where sparq_rt_qpack cut long rows into
// panels (see ilPanels); larger batches run tiles of 4 x rows by 4 weight
// rows (interleaved or per-channel weights) or by 2 (other group layouts,
// which stream only up to batch 3).
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <cmath>
#include <type_traits>
#include <vector>

using namespace sparq::rt;

namespace {

/// The K-panels of sparq_rt_qpack's panelled layouts (see packedPanels).
struct KPanels {
  int64_t codes = 0; // Codes per panel but the last; 0: rows not cut.
  int64_t count = 1;
};

struct QProblem {
  int64_t M, N, K;
  const float *x;
  int64_t xs0, xs1;
  const uint8_t *data;
  int64_t ds0;
  const void *scales;
  int64_t sn, sk;
  ScaleKind skind;
  const int8_t *zp;
  int64_t zn, zk;
  bool hasZP;
  float *y;
  int64_t ys0, ys1;
  int bits;
  bool isSigned;
  bool actInt8;
  int64_t G; // Group length along K.
  bool packed;      // SPARQ_RT_Q_PACKED: offset-binary codes...
  bool interleaved; // ... in blocks of 16 groups (see sparq_rt_qpack)...
  KPanels panels;   // ... and cut into K-panels (SPARQ_RT_Q_PANELS).
  bool accumulate = false; // Tiles add to y (K-panels after the first).
  bool e2m1;        // SPARQ_RT_Q_E2M1: FP4 codes, read as 2 * value...
  float codeScale;  // ... and scaled by 1/2 (1 otherwise).
};

/// Twice the value of each FP4 E2M1 code (sign bit 3): integers in [-12, 12].
constexpr int8_t kE2M1Twice[16] = {0, 1,  2,  3,  4,  6,  8,  12,
                                   0, -1, -2, -3, -4, -6, -8, -12};

/// Whether codes of this width are sub-byte codes other than 4 bits (read
/// by loadSubByte, interleaved four codes per lane like int8).
inline bool subByteBits(int bits) {
  return bits >= 2 && bits <= 7 && bits != 4;
}

/// loadSubByte's byte gather and field offsets for b-bit codes: byte i of
/// a 64-code chunk is the field at bit (i % 8) * b of the qword that starts
/// at byte (i / 8) * b (the 8 codes [i / 8 * 8, +8) of qword lane i / 8).
inline void subByteIndexes(int bits, uint8_t (&idx)[64], uint8_t (&shift)[64]) {
  for (int i = 0; i < 64; ++i) {
    idx[i] = uint8_t(i / 8 * bits + i % 8);
    shift[i] = uint8_t(i % 8 * bits);
  }
}

/// Codes per 4-byte lane word of the interleaved layout: 8 for int4, 4 for
/// int8 and for sub-byte codes (whose "words" of 4 codes take 4b bits).
inline int ilCodesPerWord(int bits) { return bits == 4 ? 8 : 4; }

/// Whether sparq_rt_qpack interleaves groups for this format.
inline bool interleaves(int bits, int64_t K, int64_t groups);

/// A tail block of the interleaved layout: R groups from g0, P lanes per
/// group (P = 1: masked, R lanes and 4 R bytes per step), `steps` steps from
/// byte wOff of a packed weight row and byte aOff of a kernel-order
/// activation row.
struct IlBlock {
  int64_t g0 = 0;
  int R = 0, P = 0;
  int64_t steps = 0, wOff = 0, aOff = 0;
};

/// The blocks of the interleaved layout past the full blocks of 16 groups
/// (see sparq_rt_qpack), in row order, into `out`; returns their count (at
/// most 5): blocks of R = 8, 4, 2, 1 groups (the binary digits of
/// groups % 16) with P = 16 / R lanes per group, as long as a group's W
/// words fill whole 64-byte steps that way (W % P == 0); the groups left then
/// form one masked block (one lane per group, 4 R bytes per step). `ce`:
/// activation elements per step (aOff; 0 where only the weights matter).
inline int ilTailBlocks(int64_t W, int64_t groups, int64_t ce,
                        IlBlock (&out)[5]) {
  int count = 0;
  int64_t r = groups % 16, g0 = groups - r, step = (groups / 16) * W;
  auto add = [&](int R, int P) {
    IlBlock &b = out[count++];
    b.g0 = g0;
    b.R = R;
    b.P = P;
    b.steps = W / P;
    b.wOff = g0 * W * 4;
    b.aOff = step * ce;
    g0 += R;
    step += b.steps;
  };
  for (int R = 8; R >= 1; R /= 2)
    if ((r & R) && W % (16 / R) == 0) {
      add(R, 16 / R);
      r -= R;
    }
  if (r)
    add(int(r), 1);
  return count;
}

/// Whether sparq_rt_qpack interleaves groups for this format: 4- and 8-bit
/// codes with groups of whole words; sub-byte codes also need every block's
/// steps to start on a byte (8 codes per group, and a masked last block of
/// R groups only where its 4R codes fill whole bytes).
inline bool interleaves(int bits, int64_t K, int64_t groups) {
  if ((bits != 4 && bits != 8 && !subByteBits(bits)) || groups < 2 ||
      K % groups)
    return false;
  const int64_t G = K / groups;
  if (G % ilCodesPerWord(bits))
    return false;
  if (!subByteBits(bits))
    return true;
  if (G % 8)
    return false;
  IlBlock tail[5];
  const int count = ilTailBlocks(G / 4, groups, 0, tail);
  for (int t = 0; t < count; ++t)
    if (tail[t].P == 1 && (tail[t].R * bits) % 2)
      return false;
  return true;
}

/// The panelled form of the interleaved layout (SPARQ_RT_Q_PANELS, see
/// sparq_rt_qpack) for rows of more than kPanelTarget codes: panels of
/// F = max(1, kPanelTarget / 16G) full blocks of 16 groups (about 4096
/// codes), the last one with the blocks left (1 to F) and the tail blocks;
/// none (codes 0) where that makes one panel. A GEMV streams the rows panel
/// by panel with the panel's activations in L1: with whole rows, K int8
/// activations no longer stay in L1 next to two weight streams from K ~ 8K
/// on, and their refills slow the DRAM streams (int4 4096x16384 1 thread
/// 19 -> 28.5 GB/s, 4096x11008 1.09x; Zen 4).
constexpr int64_t kPanelTarget = 4096;
inline KPanels ilPanels(int bits, int64_t K, int64_t groups) {
  KPanels r;
  if (K <= kPanelTarget || !interleaves(bits, K, groups))
    return r;
  const int64_t block = 16 * (K / groups), blocks = groups / 16;
  const int64_t F = std::max<int64_t>(1, kPanelTarget / block);
  if (blocks <= F)
    return r;
  r.codes = F * block;
  r.count = (blocks + F - 1) / F;
  return r;
}

/// The panelled form of the per-channel packed layout (4- and 8-bit codes,
/// one group per row, not interleaved): rows of more than kPanelTarget
/// codes in panels of kPanelTarget codes (the last one with the rest), for
/// the same reason as ilPanels.
inline KPanels channelPanels(int bits, int64_t K, int64_t groups) {
  KPanels r;
  if ((bits != 4 && bits != 8) || groups != 1 || K <= kPanelTarget)
    return r;
  r.codes = kPanelTarget;
  r.count = (K + kPanelTarget - 1) / kPanelTarget;
  return r;
}

/// The K-panels of sparq_rt_qpack's layout for this format (see ilPanels,
/// channelPanels).
inline KPanels packedPanels(int bits, int64_t K, int64_t groups) {
  return groups == 1 ? channelPanels(bits, K, groups)
                     : ilPanels(bits, K, groups);
}

/// Bytes of panel q's part of a row of K `bits`-bit codes (the panels of N
/// rows are stored one after another: panel q at q * N * the first's bytes,
/// panelData).
inline int64_t panelRowBytes(const KPanels &pn, int64_t K, int bits,
                             int64_t q) {
  const int64_t per = pn.codes * bits / 8;
  return q + 1 < pn.count ? per : (K * bits + 7) / 8 - q * per;
}

/// Index of the 4-byte word holding element k of a row in the interleaved
/// layout (G = K / groups, L = 32 / bits codes per word, W = G / L words per
/// group): in a block of R groups with P lanes each, word w of its group
/// j is in step w / P at lane j * P + w % P (16 lanes per step; R lanes per
/// step in the masked block).
inline int64_t interleavedWord(int64_t k, int64_t G, int64_t groups,
                               int64_t L) {
  const int64_t W = G / L, g = k / G, w = (k % G) / L, full = groups / 16;
  if (g < 16 * full)
    return (g / 16) * 16 * W + w * 16 + g % 16;
  IlBlock tail[5];
  const int count = ilTailBlocks(W, groups, 0, tail);
  for (int t = 0; t < count; ++t) {
    const IlBlock &b = tail[t];
    const int64_t j = g - b.g0, base = b.wOff / 4;
    if (j < b.R)
      return b.P == 1 ? base + w * b.R + j
                      : base + (w / b.P) * 16 + j * b.P + w % b.P;
  }
  return -1; // Not reached: the tail blocks hold every group past the full.
}

/// The `bits`-bit field (bits <= 8) at bit `bit` of a little-endian bit
/// stream (it spans at most two bytes).
inline uint32_t bitField(const uint8_t *row, int64_t bit, int bits) {
  uint32_t v = row[bit >> 3];
  if ((bit & 7) + bits > 8)
    v |= uint32_t(row[(bit >> 3) + 1]) << 8;
  return (v >> (bit & 7)) & ((1u << bits) - 1);
}

/// The first byte of K-panel q of p's panelled rows (its rows' parts, each
/// panelRowBytes long).
inline const uint8_t *panelData(const QProblem &p, int64_t q) {
  return p.data + q * p.N * (p.panels.codes * p.bits / 8);
}

inline int32_t codeAt(const QProblem &p, int64_t n, int64_t k) {
  const uint8_t *row = p.data + n * p.ds0;
  // Panelled: the row's part in k's panel, which starts at code `skip` of
  // the interleaved row.
  int64_t skip = 0;
  if (p.panels.codes) {
    const int64_t q = std::min(k / p.panels.codes, p.panels.count - 1);
    row = panelData(p, q) + n * panelRowBytes(p.panels, p.K, p.bits, q);
    skip = q * p.panels.codes;
  }
  if (p.packed && subByteBits(p.bits)) { // Interleaved, offset binary.
    const int32_t u = int32_t(bitField(
        row,
        (4 * interleavedWord(k, p.G, p.K / p.G, 4) + k % 4 - skip) * p.bits,
        p.bits));
    return p.isSigned ? u - (1 << (p.bits - 1)) : u;
  }
  if (p.packed) {
    int64_t L = 32 / p.bits, e = k % L;
    int64_t byte = (p.interleaved ? 4 * interleavedWord(k, p.G, p.K / p.G, L) +
                                        e * p.bits / 8
                                  : k * p.bits / 8) -
                   skip * p.bits / 8;
    int32_t u = (row[byte] >> (e * p.bits % 8)) & ((1 << p.bits) - 1);
    if (p.e2m1)
      return kE2M1Twice[u];
    return p.isSigned ? u - (1 << (p.bits - 1)) : u;
  }
  int32_t c = int32_t(bitField(row, k * p.bits, p.bits));
  if (p.e2m1)
    return kE2M1Twice[c];
  if (p.isSigned && (c >> (p.bits - 1)))
    c -= 1 << p.bits;
  return c;
}

inline int32_t zeroPointAt(const QProblem &p, int64_t n, int64_t g) {
  if (!p.hasZP)
    return 0;
  int8_t z = p.zp[n * p.zn + g * p.zk];
  return p.isSigned ? int32_t(z) : int32_t(uint8_t(z));
}

inline float scaleAt(const QProblem &p, int64_t n, int64_t g) {
  return loadScale(p.scales, n * p.sn + g * p.sk, p.skind) * p.codeScale;
}

//===----------------------------------------------------------------------===//
// Exact f32 path.
//===----------------------------------------------------------------------===//

/// Decodes w(n, k) = (q - z) * s for k in [0, K) into `w`.
inline __attribute__((always_inline)) void
decodeRow(const QProblem &p, int64_t n, float *w) {
  const uint8_t *row = p.data + n * p.ds0;
  for (int64_t g = 0; g * p.G < p.K; ++g) {
    float s = scaleAt(p, n, g);
    int32_t z = zeroPointAt(p, n, g);
    int64_t k = g * p.G, kEnd = std::min(p.K, (g + 1) * p.G);
    if (p.packed) {
      for (; k < kEnd; ++k)
        w[k] = float(codeAt(p, n, k) - z) * s;
    } else if (p.bits == 4) {
      float lut[16];
      for (int c = 0; c < 16; ++c)
        lut[c] = p.e2m1 ? float(kE2M1Twice[c]) * s
                        : float((p.isSigned && c >= 8 ? c - 16 : c) - z) * s;
      if (k & 1)
        w[k] = lut[row[k >> 1] >> 4], ++k;
      for (; k + 2 <= kEnd; k += 2) {
        uint8_t b = row[k >> 1];
        w[k] = lut[b & 15];
        w[k + 1] = lut[b >> 4];
      }
      if (k < kEnd)
        w[k] = lut[row[k >> 1] & 15];
    } else if (p.bits == 8) {
      for (; k < kEnd; ++k)
        w[k] = float((p.isSigned ? int32_t(int8_t(row[k])) : int32_t(row[k])) -
                     z) *
               s;
    } else {
      for (; k < kEnd; ++k)
        w[k] = float(codeAt(p, n, k) - z) * s;
    }
  }
}

inline __attribute__((always_inline)) void
exactRowsImpl(const QProblem &p, int64_t n0, int64_t n1) {
  std::vector<float> w(p.K), xc;
  for (int64_t n = n0; n < n1; ++n) {
    decodeRow(p, n, w.data());
    for (int64_t m = 0; m < p.M; ++m) {
      const float *xr = p.x + m * p.xs0;
      if (p.xs1 != 1) {
        xc.resize(p.K);
        for (int64_t k = 0; k < p.K; ++k)
          xc[k] = xr[k * p.xs1];
        xr = xc.data();
      }
      // 16 partial sums: the order differs from a sequential sum, within the
      // same f32 error bound, and vectorizes.
      float part[16] = {};
      int64_t k = 0;
      for (; k + 16 <= p.K; k += 16)
        for (int j = 0; j < 16; ++j)
          part[j] += xr[k + j] * w[k + j];
      float acc = 0.0f;
      for (; k < p.K; ++k)
        acc += xr[k] * w[k];
      for (int j = 0; j < 16; ++j)
        acc += part[j];
      p.y[m * p.ys0 + n * p.ys1] = acc;
    }
  }
}

#if defined(__x86_64__)
#define SPARQ_EXACT_AVX512                                                     \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma,f16c")))

/// The values of the 16 4-bit codes (code q in lane q): two's complement or
/// unsigned integers, or twice the FP4 E2M1 values (scaled by p.codeScale).
SPARQ_EXACT_AVX512 inline __m512 codeValues4(const QProblem &p) {
  if (p.e2m1)
    return _mm512_setr_ps(0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8,
                          -12);
  if (p.isSigned)
    return _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2,
                          -1);
  return _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
}

/// decodeRow for 4- and 8-bit codes with groups of a multiple of 16: 16
/// weights per step. int4: the nibbles are interleaved back into element
/// order with byte unpacks, then looked up in a 16-entry table of
/// (code - z) * s per group (vpermps); int8: (code - z) * s directly.
SPARQ_EXACT_AVX512 void decodeRowAvx512(const QProblem &p, int64_t n,
                                        float *w) {
  const uint8_t *row = p.data + n * p.ds0;
  const __m512 codes4 = codeValues4(p);
  const __m128i nibble = _mm_set1_epi8(0x0f);
  for (int64_t g = 0; g * p.G < p.K; ++g) {
    __m512 s = _mm512_set1_ps(scaleAt(p, n, g));
    __m512 z = _mm512_set1_ps(float(zeroPointAt(p, n, g)));
    int64_t k0 = g * p.G, k1 = std::min(p.K, k0 + p.G);
    if (p.bits == 4) {
      __m512 lut = _mm512_mul_ps(_mm512_sub_ps(codes4, z), s);
      for (int64_t k = k0; k < k1; k += 16) {
        // 16 codes = 8 bytes; element k in the low nibble of byte k/2.
        __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i *>(row + k / 2));
        __m128i lo = _mm_and_si128(b, nibble);
        __m128i hi = _mm_and_si128(_mm_srli_epi16(b, 4), nibble);
        __m128i codes = _mm_unpacklo_epi8(lo, hi);
        _mm512_storeu_ps(w + k, _mm512_permutexvar_ps(
                                    _mm512_cvtepu8_epi32(codes), lut));
      }
    } else {
      __m512 zs = _mm512_mul_ps(z, s);
      for (int64_t k = k0; k < k1; k += 16) {
        __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i *>(row + k));
        __m512i c = p.isSigned ? _mm512_cvtepi8_epi32(b) : _mm512_cvtepu8_epi32(b);
        _mm512_storeu_ps(w + k, _mm512_fmsub_ps(_mm512_cvtepi32_ps(c), s, zs));
      }
    }
  }
}

/// exactRows compiled for AVX-512: the vector decode when the format allows
/// it, and the 16 partial sums as one vector FMA per 16 elements.
SPARQ_EXACT_AVX512 void exactRowsAvx512(const QProblem &p, int64_t n0,
                                        int64_t n1) {
  bool vectorDecode = !p.packed && (p.bits == 4 || p.bits == 8) &&
                      p.G % 16 == 0 && p.K % 16 == 0 && p.xs1 == 1;
  if (!vectorDecode)
    return exactRowsImpl(p, n0, n1);
  std::vector<float> w(p.K);
  for (int64_t n = n0; n < n1; ++n) {
    decodeRowAvx512(p, n, w.data());
    // Four rows of x at a time (four independent FMA chains), or one.
    int64_t m = 0;
    for (; m + 4 <= p.M; m += 4) {
      __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(),
                       _mm512_setzero_ps(), _mm512_setzero_ps()};
      for (int64_t k = 0; k < p.K; k += 16) {
        __m512 wv = _mm512_loadu_ps(w.data() + k);
        for (int i = 0; i < 4; ++i)
          acc[i] = _mm512_fmadd_ps(
              _mm512_loadu_ps(p.x + (m + i) * p.xs0 + k), wv, acc[i]);
      }
      for (int i = 0; i < 4; ++i)
        p.y[(m + i) * p.ys0 + n * p.ys1] = _mm512_reduce_add_ps(acc[i]);
    }
    for (; m < p.M; ++m) {
      const float *xr = p.x + m * p.xs0;
      __m512 acc[2] = {_mm512_setzero_ps(), _mm512_setzero_ps()};
      int64_t k = 0;
      for (; k + 32 <= p.K; k += 32) {
        acc[0] = _mm512_fmadd_ps(_mm512_loadu_ps(xr + k),
                                 _mm512_loadu_ps(w.data() + k), acc[0]);
        acc[1] = _mm512_fmadd_ps(_mm512_loadu_ps(xr + k + 16),
                                 _mm512_loadu_ps(w.data() + k + 16), acc[1]);
      }
      for (; k < p.K; k += 16)
        acc[0] = _mm512_fmadd_ps(_mm512_loadu_ps(xr + k),
                                 _mm512_loadu_ps(w.data() + k), acc[0]);
      p.y[m * p.ys0 + n * p.ys1] =
          _mm512_reduce_add_ps(_mm512_add_ps(acc[0], acc[1]));
    }
  }
}
#endif

void exactRows(const QProblem &p, int64_t n0, int64_t n1, bool avx512) {
#if defined(__x86_64__)
  if (avx512)
    return exactRowsAvx512(p, n0, n1);
#endif
  (void)avx512;
  exactRowsImpl(p, n0, n1);
}

//===----------------------------------------------------------------------===//
// int8-activation path: activation preparation.
//===----------------------------------------------------------------------===//

/// How the vector kernel walks K: chunks of `ce` elements (one 64-byte
/// weight load), grouped into spans that share one scale per lane.
struct Plan {
  bool vector = false;
  int64_t ce = 0;          // Elements per chunk (128 int4, 64 int8).
  int64_t le = 0;          // Elements per 32-bit lane (8 int4, 4 int8).
  int64_t chunks = 0;      // Chunks covering K (the last may be partial).
  int64_t kv = 0;          // chunks * ce: K padded to whole chunks.
  int64_t lda = 0;         // Row stride of the kernel-order activations.
  bool partial = false;    // The last chunk holds K % ce elements.
  int64_t rowBytes = 0;    // Stored bytes per weight row.
  int64_t groups = 0;      // Scale groups per row.
  int64_t spanChunks = 1;  // Chunks per span.
  int64_t spans = 0;
  bool laneGroups = false; // Group shorter than a chunk.
  int32_t zeffConst = 0;   // Offset added to codes by the sign flip.
  // Interleaved packed weights: spans are blocks of groups (see ilTailBlocks),
  // the full ones of 16 groups walked in `steps` 64-byte steps (one 4-byte
  // word per group and step), then up to 5 tail blocks.
  bool il = false;
  // Sub-byte codes (2, 3, 5, 6, 7 bits; 0: other widths; see loadSubByte):
  // 64 per chunk of 8 * bits bytes, the byte gather and the field offsets
  // of one chunk.
  int subBits = 0;
  alignas(64) uint8_t subIdx[64];
  alignas(64) uint8_t subShift[64];
  int64_t steps = 0;
  int64_t blocks = 0; // Full blocks of 16 groups.
  int tailBlocks = 0;
  IlBlock tail[5];
  // A K-panel's plan (panelPlan): its blocks are blocks [span0, span0 +
  // spans) of the row (weight offsets from the panel's start); the
  // activations' span sums have sumSpans spans per row.
  int64_t span0 = 0, sumSpans = 0;
  // A per-channel K-panel's plan (channelPanelPlan): its chunks start at
  // element aBase of the activation rows.
  int64_t aBase = 0;
};

/// The row stride of the kernel-order activations: kv, plus one cache line
/// when kv is an even number of lines, so that the rows of an m-tile, read
/// at the same offset, fall into different L1 sets (with a stride of a
/// multiple of 4 KiB all four meet in one set of the 8-way L1 with the
/// weight rows: 1.05-1.17x for A8W8 and int4 GEMMs at K = 4096 and 11008,
/// Zen 4).
inline int64_t activationStride(int64_t kv) {
  return (kv / 64) % 2 == 0 ? kv + 64 : kv;
}

Plan makePlan(const QProblem &p, bool haveVnni) {
  Plan plan;
  // E2M1 codes are looked up as 2 * value + 12 (unsigned for vpdpbusd).
  plan.zeffConst = p.e2m1 ? 12 : p.isSigned ? (1 << (p.bits - 1)) : 0;
  // Sub-byte codes are extracted with VBMI byte permutes (loadSubByte).
  if (subByteBits(p.bits) && haveVnni && hostHasAvx512Vbmi()) {
    plan.subBits = p.bits;
    subByteIndexes(p.bits, plan.subIdx, plan.subShift);
  }
  if (!haveVnni || (p.bits != 4 && p.bits != 8 && !plan.subBits))
    return plan;
  plan.ce = p.bits == 4 ? 128 : 64;
  plan.le = p.bits == 4 ? 8 : 4;
  // A partial last chunk is read with masked loads against zero-padded
  // activations; it arises only with one group per row or groups shorter
  // than a chunk (then it holds whole groups).
  plan.groups = p.K / p.G;
  plan.rowBytes = (p.K * p.bits + 7) / 8;
  if (p.interleaved) {
    plan.il = true;
    plan.steps = p.G / ilCodesPerWord(p.bits);
    plan.blocks = plan.groups / 16;
    plan.tailBlocks = ilTailBlocks(plan.steps, plan.groups, plan.ce, plan.tail);
    plan.spans = plan.blocks + plan.tailBlocks;
    plan.sumSpans = plan.spans;
    int64_t steps = plan.blocks * plan.steps;
    for (int t = 0; t < plan.tailBlocks; ++t)
      steps += plan.tail[t].steps;
    plan.kv = steps * plan.ce;
    plan.vector = true;
    plan.lda = activationStride(plan.kv);
    return plan;
  }
  plan.chunks = (p.K + plan.ce - 1) / plan.ce;
  plan.partial = p.K % plan.ce != 0;
  plan.kv = plan.chunks * plan.ce;
  if (plan.chunks == 0)
    return plan;
  if (p.G == p.K) {
    plan.spanChunks = plan.chunks;
  } else if (p.G % plan.ce == 0) {
    plan.spanChunks = p.G / plan.ce;
  } else if (plan.ce % p.G == 0 && p.G % plan.le == 0) {
    plan.laneGroups = true;
  } else {
    return plan;
  }
  plan.spans = plan.chunks / plan.spanChunks;
  plan.vector = true;
  plan.lda = activationStride(plan.kv);
  return plan;
}

struct Acts {
  std::vector<float> scale;      // [M] activation scale a.
  std::vector<int8_t> q;         // [M, K] natural order.
  AlignedVector<int8_t> lanes;   // [M, kv] kernel order.
  std::vector<int32_t> spanSums; // [M, spans, 16] (times zeffConst w/o zp).
  std::vector<float> spanTotals; // [M, spans + 16]: sum of x over the span.
  AlignedVector<float> xf;       // Exact path: [M, exactStride(K)] arranged.
};

/// Totals of each span, and the per-lane sums times the sign-flip offset
/// when there are no zero points.
void finishSpanSums(const QProblem &p, const Plan &plan, Acts &a, int64_t m) {
  int32_t *sums = a.spanSums.data() + m * plan.spans * 16;
  float *totals = a.spanTotals.data() + m * (plan.spans + 16);
  for (int64_t sp = 0; sp < plan.spans; ++sp) {
    int32_t t = 0;
    for (int i = 0; i < 16; ++i)
      t += sums[sp * 16 + i];
    totals[sp] = float(t);
  }
  if (!p.hasZP)
    for (int64_t i = 0; i < plan.spans * 16; ++i)
      sums[i] *= plan.zeffConst;
}

#if SPARQ_HAVE_X86
/// prepareActRows for one contiguous row on AVX-512 (VNNI + VBMI hosts): the
/// same numbers as the scalar code (IEEE division, round half to even).
__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,"
                      "avx512vbmi"))) void
prepareRowAvx512(const QProblem &p, const Plan &plan, const float *xr,
                 float &scale, int8_t *q, int8_t *lanes, int32_t *sums) {
  const int64_t K = p.K;
  __m512 vmax[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(),
                    _mm512_setzero_ps(), _mm512_setzero_ps()};
  int64_t k = 0;
  for (; k + 64 <= K; k += 64)
    for (int u = 0; u < 4; ++u)
      vmax[u] = _mm512_max_ps(vmax[u],
                              _mm512_abs_ps(_mm512_loadu_ps(xr + k + 16 * u)));
  for (; k < K; k += 16) {
    __mmask16 m = K - k >= 16 ? __mmask16(0xffff) : __mmask16((1u << (K - k)) - 1);
    vmax[0] =
        _mm512_max_ps(vmax[0], _mm512_abs_ps(_mm512_maskz_loadu_ps(m, xr + k)));
  }
  float amax = _mm512_reduce_max_ps(_mm512_max_ps(
      _mm512_max_ps(vmax[0], vmax[1]), _mm512_max_ps(vmax[2], vmax[3])));
  float s = amax > 0.0f ? amax / 127.0f : 1.0f;
  scale = s;
  const __m512 vs = _mm512_set1_ps(s), hi = _mm512_set1_ps(127.0f),
               lo = _mm512_set1_ps(-127.0f);
  // int8 weights in one span: the kernel order is the natural one, zero
  // padded to whole chunks, and only the row total is needed; one pass.
  const bool direct =
      p.bits == 8 && plan.spans == 1 && !plan.laneGroups && !plan.il;
  __m512i total = _mm512_setzero_si512();
  // 64 elements per store (a masked store per 16, the form the compiler
  // fuses into vpmovdb to memory, ran at a third of the speed on Zen 4).
  // Elements past K read as zero (and quantize to zero).
  for (k = 0; k < (direct ? plan.kv : K); k += 64) {
    __m128i part[4];
    for (int u = 0; u < 4; ++u) {
      const int64_t left = K - k - 16 * u;
      __mmask16 m = left >= 16 ? __mmask16(0xffff)
                    : left > 0 ? __mmask16((1u << left) - 1)
                               : __mmask16(0);
      __m512 v = _mm512_roundscale_ps(
          _mm512_div_ps(_mm512_maskz_loadu_ps(m, xr + k + 16 * u), vs),
          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      __m512i c = _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(v, lo), hi));
      part[u] = _mm512_cvtepi32_epi8(c);
      if (direct)
        total = _mm512_add_epi32(total, c);
    }
    __m512i bytes = _mm512_inserti32x4(
        _mm512_inserti32x4(
            _mm512_inserti32x4(_mm512_castsi128_si512(part[0]), part[1], 1),
            part[2], 2),
        part[3], 3);
    const int64_t left = K - k;
    _mm512_mask_storeu_epi8(q + k,
                            left >= 64 ? ~__mmask64(0)
                            : left > 0 ? (__mmask64(1) << left) - 1
                                       : __mmask64(0),
                            bytes);
    if (direct) // kv is a multiple of 64.
      _mm512_storeu_si512(lanes + k, bytes);
  }
  if (direct) {
    // finishSpanSums reads the lane sums: the total in lane 0.
    std::memset(sums, 0, 16 * sizeof(int32_t));
    sums[0] = _mm512_reduce_add_epi32(total);
    return;
  }
  if (plan.il)
    return; // arrangeInterleaved builds the lanes.
  const __m512i ones = _mm512_set1_epi8(1);
  // Byte indices of the even and odd elements of a 128-byte chunk.
  const __m512i ie = _mm512_set_epi64(0x7e7c7a7876747270, 0x6e6c6a6866646260,
                                      0x5e5c5a5856545250, 0x4e4c4a4846444240,
                                      0x3e3c3a3836343230, 0x2e2c2a2826242220,
                                      0x1e1c1a1816141210, 0x0e0c0a0806040200);
  const __m512i io = _mm512_add_epi8(ie, _mm512_set1_epi8(1));
  alignas(64) int8_t padded[128];
  for (int64_t c = 0; c < plan.chunks; ++c) {
    const int8_t *src = q + c * plan.ce;
    if (K - c * plan.ce < plan.ce) { // The partial last chunk: zero-padded.
      std::memset(padded, 0, sizeof padded);
      std::memcpy(padded, src, K - c * plan.ce);
      src = padded;
    }
    int8_t *dst = lanes + c * plan.ce;
    __m512i laneSums;
    if (p.bits == 4) {
      __m512i b0 = _mm512_loadu_si512(src), b1 = _mm512_loadu_si512(src + 64);
      __m512i ev = _mm512_permutex2var_epi8(b0, ie, b1);
      __m512i od = _mm512_permutex2var_epi8(b0, io, b1);
      _mm512_storeu_si512(dst, ev);
      _mm512_storeu_si512(dst + 64, od);
      laneSums = _mm512_dpbusd_epi32(
          _mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, ev), ones, od);
    } else {
      __m512i b0 = _mm512_loadu_si512(src);
      _mm512_storeu_si512(dst, b0);
      laneSums = _mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, b0);
    }
    int32_t *spanLanes = sums + (c / plan.spanChunks) * 16;
    _mm512_storeu_si512(spanLanes,
                        _mm512_add_epi32(_mm512_loadu_si512(spanLanes), laneSums));
  }
}
#endif

/// Block `span` of the interleaved layout (a full one or a tail block).
inline IlBlock ilBlock(const Plan &plan, int64_t span) {
  if (span >= plan.blocks)
    return plan.tail[span - plan.blocks];
  IlBlock b;
  b.g0 = 16 * (plan.span0 + span);
  b.R = 16;
  b.P = 1;
  b.steps = plan.steps;
  b.wOff = span * 64 * plan.steps;
  b.aOff = (plan.span0 + span) * plan.steps * plan.ce;
  return b;
}

/// The plan of K-panel q of `panels` (rows of `rowBytes` bytes): full
/// blocks [q F, q F + F) of the row, the last panel up to the end with the
/// tail blocks; weight offsets from the panel's start.
inline Plan panelPlan(const Plan &plan, const KPanels &panels, int64_t q,
                      int64_t rowBytes) {
  Plan pl = plan;
  const int64_t F = panels.codes / (plan.steps * plan.ce);
  const bool last = q + 1 == panels.count;
  pl.span0 = q * F;
  pl.blocks = last ? plan.blocks - q * F : F;
  pl.tailBlocks = last ? plan.tailBlocks : 0;
  pl.spans = pl.blocks + pl.tailBlocks;
  pl.rowBytes = rowBytes;
  pl.kv = pl.blocks * plan.steps * plan.ce;
  for (int t = 0; t < pl.tailBlocks; ++t) {
    pl.tail[t].wOff -= pl.span0 * 64 * plan.steps;
    pl.kv += pl.tail[t].steps * plan.ce;
  }
  return pl;
}

/// The problem of K-panel q of p's panelled rows (see panelPlan): its rows'
/// parts as rows, adding to y after the first panel.
inline QProblem panelProblem(const QProblem &p, int64_t q) {
  QProblem pq = p;
  pq.data = panelData(p, q);
  pq.ds0 = panelRowBytes(p.panels, p.K, p.bits, q);
  pq.panels = KPanels();
  pq.accumulate = q > 0;
  return pq;
}

/// The plan of per-channel K-panel q of `panels` (see channelPanels; rows of
/// `rowBytes` bytes): chunks [q C, q C + C) of the row, C = codes / ce, the
/// last panel with the partial chunk.
inline Plan channelPanelPlan(const Plan &plan, const KPanels &panels, int64_t q,
                             int64_t rowBytes) {
  Plan pl = plan;
  const int64_t C = panels.codes / plan.ce;
  const bool last = q + 1 == panels.count;
  pl.aBase = q * panels.codes;
  pl.chunks = last ? plan.chunks - q * C : C;
  pl.partial = last && plan.partial;
  pl.kv = pl.chunks * plan.ce;
  pl.spanChunks = pl.chunks;
  pl.rowBytes = rowBytes;
  return pl;
}

/// The kernel-order activations of row m for interleaved weights: the
/// elements that meet weight word w of group g (see interleavedWord) sit at
/// the same step and lane (int4: the even elements, then the odd ones in the
/// next 64 bytes of the step); lanes without a group are zero. The sum of
/// each group (times the sign-flip offset without zero points) goes to its
/// block's span sums at the group's first lane, the other lanes are zero.
/// Blocks from `firstSpan` on (the earlier ones are arranged by
/// arrangeFullBlocksAvx512).
void arrangeInterleaved(const QProblem &p, const Plan &plan, Acts &a, int64_t m,
                        int64_t firstSpan = 0) {
  const int8_t *q = a.q.data() + m * p.K;
  int8_t *lanes = a.lanes.data() + m * plan.lda;
  int32_t *sums = a.spanSums.data() + m * plan.spans * 16;
  if (firstSpan >= plan.spans)
    return;
  const int64_t from = ilBlock(plan, firstSpan).aOff;
  std::memset(lanes + from, 0, plan.kv - from);
  const int64_t G = p.G, W = plan.steps;
  for (int64_t span = firstSpan; span < plan.spans; ++span) {
    const IlBlock b = ilBlock(plan, span);
    const int shift = __builtin_ctz(unsigned(b.P)); // P: a power of 2.
    for (int64_t g = b.g0; g < b.g0 + b.R; ++g) {
      const int8_t *src = q + g * G;
      const int64_t lane0 = (g - b.g0) * b.P;
      for (int64_t w = 0; w < W; ++w) {
        int8_t *dst = lanes + b.aOff + (w >> shift) * plan.ce +
                      4 * (lane0 + (w & (b.P - 1)));
        if (p.bits == 4) {
          for (int t = 0; t < 4; ++t) {
            dst[t] = src[8 * w + 2 * t];
            dst[64 + t] = src[8 * w + 2 * t + 1];
          }
        } else {
          std::memcpy(dst, src + 4 * w, 4);
        }
      }
      int32_t t = 0;
      for (int64_t e = 0; e < G; ++e)
        t += src[e];
      sums[span * 16 + lane0] = p.hasZP ? t : t * plan.zeffConst;
    }
  }
}

#if SPARQ_HAVE_X86
/// The int8-activation path's AVX-512 kernels (hosts with VNNI).
#define SPARQ_AVX512                                                           \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,"       \
                        "f16c,fma")))

/// Transposes the 16 x 16 matrix of 32-bit elements in r (row i = r[i]).
SPARQ_AVX512 inline void transpose16x16(__m512i (&r)[16]) {
  __m512i t[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
  }
  // r[4i + j], 128-bit lane k: rows 4i..4i+3 of column 4k + j.
  for (int i = 0; i < 4; ++i) {
    r[4 * i] = _mm512_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
    r[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
    r[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
    r[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
  }
  for (int j = 0; j < 4; ++j) {
    __m512i x0 = _mm512_shuffle_i32x4(r[j], r[4 + j], 0x88);
    __m512i x1 = _mm512_shuffle_i32x4(r[j], r[4 + j], 0xdd);
    __m512i y0 = _mm512_shuffle_i32x4(r[8 + j], r[12 + j], 0x88);
    __m512i y1 = _mm512_shuffle_i32x4(r[8 + j], r[12 + j], 0xdd);
    t[j] = _mm512_shuffle_i32x4(x0, y0, 0x88);
    t[4 + j] = _mm512_shuffle_i32x4(x1, y1, 0x88);
    t[8 + j] = _mm512_shuffle_i32x4(x0, y0, 0xdd);
    t[12 + j] = _mm512_shuffle_i32x4(x1, y1, 0xdd);
  }
  for (int i = 0; i < 16; ++i)
    r[i] = t[i];
}

/// arrangeInterleaved for the full blocks of row m (one group per lane), as
/// a transpose: 32-bit word d of group l (int4: its even elements, then its
/// odd ones, of each 8) goes to lane l of the 64 bytes at d * 64 of the
/// block; the group sums come from the transposed rows (vpdpbusd with ones).
/// 16 x 16 words per transpose, 64 bytes of each of the block's groups.
SPARQ_AVX512 void arrangeFullBlocksAvx512(const QProblem &p, const Plan &plan,
                                          Acts &a, int64_t m) {
  const int8_t *q = a.q.data() + m * p.K;
  int8_t *lanes = a.lanes.data() + m * plan.lda;
  int32_t *sums = a.spanSums.data() + m * plan.spans * 16;
  const int64_t G = p.G, words = G / 4;
  // Within each 8 bytes: the even ones, then the odd ones.
  const __m512i evenOdd = _mm512_broadcast_i32x4(
      _mm_setr_epi8(0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15));
  const __m512i ones = _mm512_set1_epi8(1);
  const __m512i mul = _mm512_set1_epi32(p.hasZP ? 1 : plan.zeffConst);
  for (int64_t span = 0; span < plan.blocks; ++span) {
    const int8_t *src = q + span * 16 * G;
    int8_t *dst = lanes + span * plan.steps * plan.ce;
    __m512i total = _mm512_setzero_si512();
    for (int64_t d0 = 0; d0 < words; d0 += 16) {
      const int64_t n = std::min<int64_t>(16, words - d0);
      const __mmask16 valid = __mmask16((1u << n) - 1);
      __m512i r[16];
      for (int l = 0; l < 16; ++l) {
        r[l] = _mm512_maskz_loadu_epi32(valid, src + l * G + 4 * d0);
        if (p.bits == 4)
          r[l] = _mm512_shuffle_epi8(r[l], evenOdd);
      }
      transpose16x16(r);
      for (int64_t d = 0; d < n; ++d) {
        _mm512_storeu_si512(dst + (d0 + d) * 64, r[d]);
        total = _mm512_dpbusd_epi32(total, ones, r[d]);
      }
    }
    _mm512_storeu_si512(sums + span * 16, _mm512_mullo_epi32(total, mul));
  }
}
#endif

/// Sizes the activation buffers for p (the rows are then prepared by
/// prepareActRows, in parallel when there are threads).
void sizeActs(const QProblem &p, const Plan &plan, Acts &a) {
  a.scale.resize(p.M);
  a.q.resize(p.M * p.K);
  if (plan.vector) {
    a.lanes.resize(p.M * plan.lda);
    a.spanSums.assign(p.M * plan.spans * 16, 0);
    a.spanTotals.assign(p.M * (plan.spans + 16), 0.0f);
  }
}

/// Quantizes rows [m0, m1) of x to int8 (one scale per row) and arranges
/// them in the kernel's order, with their span sums.
void prepareActRows(const QProblem &p, const Plan &plan, Acts &a, int64_t m0,
                    int64_t m1) {
  for (int64_t m = m0; m < m1; ++m) {
    const float *xr = p.x + m * p.xs0;
#if SPARQ_HAVE_X86
    if (plan.vector && p.xs1 == 1 && hostHasAvx512Vbmi()) {
      prepareRowAvx512(p, plan, xr, a.scale[m], a.q.data() + m * p.K,
                       a.lanes.data() + m * plan.lda,
                       a.spanSums.data() + m * plan.spans * 16);
      if (plan.il) {
        arrangeFullBlocksAvx512(p, plan, a, m);
        arrangeInterleaved(p, plan, a, m, plan.blocks);
      } else {
        finishSpanSums(p, plan, a, m);
      }
      continue;
    }
#endif
    float amax = 0.0f;
    for (int64_t k = 0; k < p.K; ++k)
      amax = std::max(amax, std::fabs(xr[k * p.xs1]));
    float s = amax > 0.0f ? amax / 127.0f : 1.0f;
    a.scale[m] = s;
    int8_t *q = a.q.data() + m * p.K;
    for (int64_t k = 0; k < p.K; ++k) {
      float v = std::nearbyint(xr[k * p.xs1] / s);
      q[k] = int8_t(std::min(127.0f, std::max(-127.0f, v)));
    }
    if (!plan.vector)
      continue;
    if (plan.il) {
      arrangeInterleaved(p, plan, a, m);
      continue;
    }
    int8_t *lanes = a.lanes.data() + m * plan.lda;
    int32_t *sums = a.spanSums.data() + m * plan.spans * 16;
    int8_t padded[128];
    for (int64_t c = 0; c < plan.chunks; ++c) {
      const int8_t *src = q + c * plan.ce;
      if (p.K - c * plan.ce < plan.ce) { // The partial last chunk.
        std::memset(padded, 0, sizeof padded);
        std::memcpy(padded, src, p.K - c * plan.ce);
        src = padded;
      }
      int8_t *dst = lanes + c * plan.ce;
      if (p.bits == 4) {
        for (int j = 0; j < 64; ++j) {
          dst[j] = src[2 * j];
          dst[64 + j] = src[2 * j + 1];
        }
      } else {
        std::memcpy(dst, src, 64);
      }
      int32_t *spanLanes = sums + (c / plan.spanChunks) * 16;
      for (int i = 0; i < 16; ++i) {
        int32_t t = 0;
        for (int64_t e = 0; e < plan.le; ++e)
          t += src[i * plan.le + e];
        spanLanes[i] += t;
      }
    }
    finishSpanSums(p, plan, a, m);
  }
}

/// y(m,n) / a by the scalar int8 formula (the portable fallback).
float scalarInt8Dot(const QProblem &p, const Acts &a, int64_t m, int64_t n) {
  const int8_t *q = a.q.data() + m * p.K;
  float acc = 0.0f;
  for (int64_t k = 0; k < p.K;) {
    int64_t g = k / p.G;
    int64_t kEnd = std::min(p.K, (g + 1) * p.G);
    int32_t z = zeroPointAt(p, n, g);
    int32_t isum = 0;
    for (; k < kEnd; ++k)
      isum += (codeAt(p, n, k) - z) * int32_t(q[k]);
    acc += scaleAt(p, n, g) * float(isum);
  }
  return acc;
}

void scalarInt8Rows(const QProblem &p, const Acts &a, int64_t n0, int64_t n1) {
  for (int64_t n = n0; n < n1; ++n)
    for (int64_t m = 0; m < p.M; ++m)
      p.y[m * p.ys0 + n * p.ys1] = a.scale[m] * scalarInt8Dot(p, a, m, n);
}

//===----------------------------------------------------------------------===//
// int8-activation path: the AVX-512 VNNI tile.
//===----------------------------------------------------------------------===//

#if SPARQ_HAVE_X86
/// One scale as f32 (hardware conversion).
SPARQ_AVX512 inline float scaleFast(const void *base, int64_t index,
                                    ScaleKind kind) {
  if (kind == ScaleKind::F32)
    return static_cast<const float *>(base)[index];
  if (kind == ScaleKind::E8M0 || kind == ScaleKind::E4M3)
    return loadScale(base, index, kind);
  uint16_t h = static_cast<const uint16_t *>(base)[index];
  if (kind == ScaleKind::F16)
    return _cvtsh_ss(h);
  uint32_t bits = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// The 256 E4M3FN codes as f32 (e4m3ToF32), built once.
inline const float *e4m3Table() {
  static const struct Table {
    float v[256];
    Table() {
      for (int c = 0; c < 256; ++c)
        v[c] = e4m3ToF32(uint8_t(c));
    }
  } table;
  return table.v;
}

/// Loads `count` (<= 16) consecutive scales starting at `index` as f32.
SPARQ_AVX512 inline __m512 loadScalesRaw(const QProblem &p, int64_t index,
                                         int count) {
  __mmask16 mask = __mmask16((1u << count) - 1);
  if (p.sk == 1 || count == 1) {
    switch (p.skind) {
    case ScaleKind::F32:
      return _mm512_maskz_loadu_ps(
          mask, static_cast<const float *>(p.scales) + index);
    case ScaleKind::F16:
      return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(
          mask, static_cast<const uint16_t *>(p.scales) + index));
    case ScaleKind::BF16:
      return _mm512_castsi512_ps(_mm512_slli_epi32(
          _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(
              mask, static_cast<const uint16_t *>(p.scales) + index)),
          16));
    case ScaleKind::E8M0: {
      // 2^(e - 127): e in the exponent field; e = 0 is the denormal
      // 2^-127, e = 255 NaN.
      __m512i e = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(
          mask, static_cast<const uint8_t *>(p.scales) + index));
      __m512i bits = _mm512_slli_epi32(e, 23);
      bits = _mm512_mask_mov_epi32(
          bits, _mm512_cmpeq_epi32_mask(e, _mm512_setzero_si512()),
          _mm512_set1_epi32(0x00400000));
      bits = _mm512_mask_mov_epi32(
          bits, _mm512_cmpeq_epi32_mask(e, _mm512_set1_epi32(255)),
          _mm512_set1_epi32(0x7fc00000));
      return _mm512_maskz_mov_ps(mask, _mm512_castsi512_ps(bits));
    }
    case ScaleKind::E4M3: {
      __m512i c = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(
          mask, static_cast<const uint8_t *>(p.scales) + index));
      return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), mask, c, e4m3Table(),
                                      4);
    }
    }
  }
  alignas(64) float tmp[16] = {};
  for (int i = 0; i < count; ++i)
    tmp[i] = scaleFast(p.scales, index + i * p.sk, p.skind);
  return _mm512_load_ps(tmp);
}

/// loadScalesRaw times the code scale (1/2 for E2M1 codes read as 2 * value).
SPARQ_AVX512 inline __m512 loadScales(const QProblem &p, int64_t index,
                                      int count) {
  __m512 v = loadScalesRaw(p, index, count);
  return p.e2m1 ? _mm512_mul_ps(v, _mm512_set1_ps(0.5f)) : v;
}

/// vpshufb table of E2M1 codes: 2 * value + 12 (in [0, 24]), every 16 bytes.
SPARQ_AVX512 inline __m512i fp4Table() {
  return _mm512_broadcast_i32x4(
      _mm_setr_epi8(12, 13, 14, 15, 16, 18, 20, 24, 12, 11, 10, 9, 8, 6, 4, 0));
}

/// The two VNNI operands of 64 loaded weight bytes: for 4-bit codes the low
/// nibbles and the high nibbles (HI16: masked in place, 16 x code), FP4
/// codes then looked up as 2 * value + 12; for int8 the bytes themselves.
template <int BITS, bool HI16, bool FP4>
SPARQ_AVX512 inline void unpackCodes(__m512i w, __m512i &lo, __m512i &hi) {
  static_assert(!HI16 || (BITS == 4 && !FP4), "HI16 is for int4");
  if (BITS != 4) {
    lo = hi = w;
    return;
  }
  const __m512i nibble = _mm512_set1_epi8(0x0f);
  lo = _mm512_and_si512(w, nibble);
  hi = HI16 ? _mm512_and_si512(w, _mm512_set1_epi8(char(0xf0)))
            : _mm512_and_si512(_mm512_srli_epi16(w, 4), nibble);
  if (FP4) {
    lo = _mm512_shuffle_epi8(fp4Table(), lo);
    hi = _mm512_shuffle_epi8(fp4Table(), hi);
  }
}

/// 64 codes of b bits (b = 2, 3, 5, 6, 7; plan.subBits) of a row's
/// little-endian bit stream from the 8b bytes at src (only those in `bytes`),
/// one per byte: code 8i + j is the field at bit j*b of the qword starting at
/// byte i*b; vpermb gathers those bytes into qword lane i, vpmultishiftqb takes
/// the 8 fields, and one ternary-logic op keeps b bits and flips the sign
/// bit of signed codes (offset binary, as the int8 path's q + 128). The
/// kernels are compiled for AVX-512 VNNI, which some hosts (Cascade Lake)
/// have without VBMI, so the two VBMI instructions are written as inline
/// assembly and only run where the host has them (makePlan).
SPARQ_AVX512 inline __m512i loadSubByte(const uint8_t *src, __mmask64 bytes,
                                        __m512i idx, __m512i shifts,
                                        __m512i mask, __m512i flip) {
  __m512i v = _mm512_maskz_loadu_epi8(bytes, src), g, f;
  asm("vpermb %2, %1, %0" : "=v"(g) : "v"(idx), "v"(v));
  asm("vpmultishiftqb %2, %1, %0" : "=v"(f) : "v"(shifts), "v"(g));
  return _mm512_ternarylogic_epi32(f, mask, flip, 0x6a); // (f & mask) ^ flip
}

/// Loads `count` (<= 16) zero points plus the sign-flip offset as int32.
SPARQ_AVX512 inline __m512i loadZeros(const QProblem &p, int64_t index,
                                      int count, int32_t offset) {
  __mmask16 mask = __mmask16((1u << count) - 1);
  __m512i z;
  if (p.zk == 1 || count == 1) {
    __m128i bytes = _mm_maskz_loadu_epi8(mask, p.zp + index);
    z = p.isSigned ? _mm512_cvtepi8_epi32(bytes) : _mm512_cvtepu8_epi32(bytes);
  } else {
    alignas(64) int32_t tmp[16] = {};
    for (int i = 0; i < count; ++i) {
      int8_t v = p.zp[index + i * p.zk];
      tmp[i] = p.isSigned ? int32_t(v) : int32_t(uint8_t(v));
    }
    z = _mm512_load_si512(tmp);
  }
  return _mm512_add_epi32(z, _mm512_set1_epi32(offset));
}

/// Scales and zero points (plus the sign-flip offset) of NB weight rows, one
/// per span, converted once per row block (when a span is one group).
struct SpanParams {
  std::vector<float> scales; // [NB, spans]
  std::vector<float> zs;     // [NB, spans]: scale * (zero point + offset)
};

SPARQ_AVX512 void buildSpanParams(const QProblem &p, const Plan &plan,
                                  const int64_t *rows, int nb, SpanParams &sp) {
  const int64_t spans = plan.spans;
  size_t need = size_t(nb * spans + 16);
  if (sp.scales.size() < need) {
    sp.scales.resize(need);
    sp.zs.resize(need);
  }
  for (int j = 0; j < nb; ++j) {
    int64_t n = rows[j];
    for (int64_t s = 0; s < spans; s += 16) {
      int count = int(std::min<int64_t>(16, spans - s));
      __m512 sc = loadScales(p, n * p.sn + s * p.sk, count);
      __m512 z = p.hasZP ? _mm512_cvtepi32_ps(loadZeros(
                               p, n * p.zn + s * p.zk, count, plan.zeffConst))
                         : _mm512_set1_ps(float(plan.zeffConst));
      _mm512_storeu_ps(sp.scales.data() + j * spans + s, sc);
      _mm512_storeu_ps(sp.zs.data() + j * spans + s, _mm512_mul_ps(sc, z));
    }
  }
}

/// The 16 horizontal sums of v[i][j] (MB * NB == 16) in one vector: the sum
/// of v[q / NB][q % NB] in lane sum16Lane(q). A transpose-and-add tree (15
/// adds, 30 shuffles) instead of 16 separate reductions.
constexpr int sum16Lane(int q) { return 4 * (q % 4) + q / 4; }
/// The tree for int32 or f32 lanes (V), shuffling bits and adding with
/// add(a, b) on the int32 view.
template <typename V, int MB, int NB, typename Add>
SPARQ_AVX512 inline __m512i sum16Tree(const V (&v)[MB][NB], Add add) {
  static_assert(MB * NB == 16, "16 vectors");
  auto bits = [](V x) SPARQ_AVX512 {
    if constexpr (std::is_same_v<V, __m512>)
      return _mm512_castps_si512(x);
    else
      return x;
  };
  __m512i s8[8], s4[4], s2[2];
  for (int k = 0; k < 8; ++k) {
    __m512i a = bits(v[(2 * k) / NB][(2 * k) % NB]),
            b = bits(v[(2 * k + 1) / NB][(2 * k + 1) % NB]);
    // 128-bit chunks [a0+a2, a1+a3, b0+b2, b1+b3].
    s8[k] =
        add(_mm512_shuffle_i32x4(a, b, 0x44), _mm512_shuffle_i32x4(a, b, 0xee));
  }
  for (int k = 0; k < 4; ++k) {
    __m512i a = s8[2 * k], b = s8[2 * k + 1];
    // Chunk c: four partial sums of v[4k + c].
    s4[k] =
        add(_mm512_shuffle_i32x4(a, b, 0x88), _mm512_shuffle_i32x4(a, b, 0xdd));
  }
  for (int k = 0; k < 2; ++k) {
    __m512i a = s4[2 * k], b = s4[2 * k + 1];
    // Chunk c: [v[8k+c], v[8k+4+c], v[8k+c], v[8k+4+c]] partials.
    s2[k] = add(_mm512_unpacklo_epi32(a, b), _mm512_unpackhi_epi32(a, b));
  }
  // Chunk c: the sums of v[c], v[4+c], v[8+c], v[12+c].
  return add(_mm512_unpacklo_epi64(s2[0], s2[1]),
             _mm512_unpackhi_epi64(s2[0], s2[1]));
}
template <int MB, int NB>
SPARQ_AVX512 inline __m512i sum16(const __m512i (&v)[MB][NB]) {
  return sum16Tree(v, [](__m512i a, __m512i b)
                          SPARQ_AVX512 { return _mm512_add_epi32(a, b); });
}
/// sum16 for f32 lanes.
template <int MB, int NB>
SPARQ_AVX512 inline __m512 sum16ps(const __m512 (&v)[MB][NB]) {
  return _mm512_castsi512_ps(
      sum16Tree(v, [](__m512i a, __m512i b) SPARQ_AVX512 {
        return _mm512_castps_si512(
            _mm512_add_ps(_mm512_castsi512_ps(a), _mm512_castsi512_ps(b)));
      }));
}

/// The horizontal sums of v[0..4) (lane i of the result: the sum of v[i]):
/// one shuffle tree instead of four separate reductions.
SPARQ_AVX512 inline __m128 sum4(const __m512 (&v)[4]) {
  // 128-bit chunks: [v0 0+2, v0 1+3, v1 0+2, v1 1+3] and the same for v2, v3.
  __m512 a = _mm512_add_ps(_mm512_shuffle_f32x4(v[0], v[1], 0x44),
                           _mm512_shuffle_f32x4(v[0], v[1], 0xee));
  __m512 b = _mm512_add_ps(_mm512_shuffle_f32x4(v[2], v[3], 0x44),
                           _mm512_shuffle_f32x4(v[2], v[3], 0xee));
  // Chunk c: four partial sums of v[c].
  __m512 c = _mm512_add_ps(_mm512_shuffle_f32x4(a, b, 0x88),
                           _mm512_shuffle_f32x4(a, b, 0xdd));
  // Within each chunk: pairs, then halves.
  c = _mm512_add_ps(c, _mm512_permute_ps(c, 0xb1));
  c = _mm512_add_ps(c, _mm512_permute_ps(c, 0x4e));
  return _mm512_castps512_ps128(_mm512_permutexvar_ps(
      _mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), c));
}

/// y(m, n) = v, or += v for the K-panels after the first.
inline void storeY(const QProblem &p, int64_t m, int64_t n, float v) {
  float &y = p.y[m * p.ys0 + n * p.ys1];
  y = p.accumulate ? y + v : v;
}

/// y for an MB x NB tile of f32 lane accumulators: y(m0 + i, rows[j]) =
/// a.scale[m0 + i] * (sum of accf[i][j]'s lanes) (added to y with
/// p.accumulate).
template <int MB, int NB>
SPARQ_AVX512 inline void storeTile(const QProblem &p, const Acts &a, int64_t m0,
                                   const int64_t *rows,
                                   const __m512 (&accf)[MB][NB]) {
  if constexpr (MB == 4 && NB == 4) {
    // All 16 sums in one vector (lane 4 i + j: the transpose is summed),
    // scaled with one multiply, stored as four rows of 4 when y's rows are
    // contiguous.
    __m512 t[NB][MB];
    for (int i = 0; i < MB; ++i)
      for (int j = 0; j < NB; ++j)
        t[j][i] = accf[i][j];
    __m512 sc = _mm512_permutexvar_ps(
        _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3),
        _mm512_castps128_ps512(_mm_loadu_ps(a.scale.data() + m0)));
    __m512 sums = _mm512_mul_ps(sum16ps(t), sc);
    float *y = p.y + m0 * p.ys0 + rows[0] * p.ys1;
    if (p.ys1 == 1 && rows[3] == rows[0] + 3) {
      if (p.accumulate) { // K-panels after the first.
        sums = _mm512_add_ps(
            sums,
            _mm512_insertf32x4(
                _mm512_insertf32x4(
                    _mm512_insertf32x4(_mm512_castps128_ps512(_mm_loadu_ps(y)),
                                       _mm_loadu_ps(y + p.ys0), 1),
                    _mm_loadu_ps(y + 2 * p.ys0), 2),
                _mm_loadu_ps(y + 3 * p.ys0), 3));
      }
      _mm_storeu_ps(y, _mm512_castps512_ps128(sums));
      _mm_storeu_ps(y + p.ys0, _mm512_extractf32x4_ps(sums, 1));
      _mm_storeu_ps(y + 2 * p.ys0, _mm512_extractf32x4_ps(sums, 2));
      _mm_storeu_ps(y + 3 * p.ys0, _mm512_extractf32x4_ps(sums, 3));
      return;
    }
    alignas(64) float v[16];
    _mm512_store_ps(v, sums);
    for (int i = 0; i < MB; ++i)
      for (int j = 0; j < NB; ++j)
        storeY(p, m0 + i, rows[j], v[4 * i + j]);
    return;
  }
  for (int i = 0; i < MB; ++i) {
    if constexpr (NB == 4) {
      alignas(16) float t[4];
      _mm_store_ps(t, sum4(accf[i]));
      for (int j = 0; j < NB; ++j)
        storeY(p, m0 + i, rows[j], a.scale[m0 + i] * t[j]);
    } else {
      for (int j = 0; j < NB; ++j)
        storeY(p, m0 + i, rows[j],
               a.scale[m0 + i] * _mm512_reduce_add_ps(accf[i][j]));
    }
  }
}

/// MB rows of x times NB rows of W over the vector part of K: int32 VNNI dot
/// products per span, then offsets removed and scales applied in f32.
template <int BITS, int MB, int NB, bool HASZP, bool LANEG, bool ONESPAN,
          bool FLIP, bool FP4>
SPARQ_AVX512 void vnniTile(const QProblem &p, const Plan &plan, const Acts &a,
                           const SpanParams &sp, int64_t m0,
                           const int64_t *rows) {
  // BITS 0: sub-byte codes (plan.subBits), 64 per chunk of 8 * bits bytes.
  constexpr bool SUB = BITS == 0;
  const __m512i flip = _mm512_set1_epi8(!p.isSigned ? char(0)
                                        : SUB       ? char(1 << (p.bits - 1))
                                        : BITS == 4 ? char(0x88)
                                                    : char(0x80));
  __m512i subIdx = flip, subShift = flip, subMask = flip;
  if constexpr (SUB) {
    subIdx = _mm512_load_si512(plan.subIdx);
    subShift = _mm512_load_si512(plan.subShift);
    subMask = _mm512_set1_epi8(char((1 << p.bits) - 1));
  }
  const int64_t cb = SUB ? 8 * p.bits : 64; // Bytes per chunk.
  const __mmask64 fullMask = SUB ? (__mmask64(1) << cb) - 1 : ~__mmask64(0);
  // ONESPAN: one scale group covers the vector part of K (per-channel):
  // the int32 sums run over all of it and are scaled once.
  const int64_t spans = ONESPAN ? 1 : plan.spans,
                spanChunks = ONESPAN ? plan.chunks : plan.spanChunks;
  constexpr int64_t ce = BITS == 4 ? 128 : 64;

  const int64_t lastChunk = plan.partial ? plan.chunks - 1 : -1;
  const __mmask64 lastMask =
      plan.partial ? (__mmask64(1) << (plan.rowBytes - lastChunk * cb)) - 1
                   : ~__mmask64(0);
  // With groups shorter than a chunk, lane i of a chunk uses group
  // (i * le) / G of it.
  const int groupsPerChunk = LANEG ? int(ce / p.G) : 1;
  __m512i laneGroup = _mm512_setzero_si512();
  if (LANEG) {
    alignas(64) int32_t idx[16];
    for (int i = 0; i < 16; ++i)
      idx[i] = int32_t(i * plan.le / p.G);
    laneGroup = _mm512_load_si512(idx);
  }
  const uint8_t *wrow[NB];
  const float *srowv[NB];
  const float *zrowv[NB];
  // One span: the row's scale and scale * (zero point + offset), read here
  // instead of through SpanParams (which costs more than small layers).
  float oneScale[NB] = {}, oneZs[NB] = {};
  if constexpr (ONESPAN)
    for (int j = 0; j < NB; ++j) {
      int64_t n = rows[j];
      oneScale[j] = scaleFast(p.scales, n * p.sn, p.skind) * p.codeScale;
      // The offsets (zero point and sign flip) times the row's sum of x are
      // removed once, by the first K-panel (the later ones add to y).
      oneZs[j] =
          p.accumulate
              ? 0.0f
              : oneScale[j] * float(zeroPointAt(p, n, 0) + plan.zeffConst);
    }
  for (int j = 0; j < NB; ++j) {
    wrow[j] = p.data + (rows[j]) * p.ds0;
    srowv[j] = LANEG || ONESPAN ? nullptr : sp.scales.data() + j * spans;
    zrowv[j] = LANEG || ONESPAN ? nullptr : sp.zs.data() + j * spans;
  }
  const int8_t *arow[MB];
  const int32_t *srow[MB];
  for (int i = 0; i < MB; ++i) {
    arow[i] = a.lanes.data() + (m0 + i) * plan.lda + plan.aBase;
    srow[i] = a.spanSums.data() + (m0 + i) * spans * 16;
  }

  __m512 accf[MB][NB];
  for (int i = 0; i < MB; ++i)
    for (int j = 0; j < NB; ++j)
      accf[i][j] = _mm512_setzero_ps();

  for (int64_t s = 0; s < spans; ++s) {
    __m512i acc[MB][NB];
    for (int i = 0; i < MB; ++i)
      for (int j = 0; j < NB; ++j)
        acc[i][j] = _mm512_setzero_si512();
    // One chunk: all 64 bytes of each row, or (MASKED) only the stored bytes
    // of a partial last chunk.
    auto chunk = [&](int64_t c, auto masked) SPARQ_AVX512 {
      __m512i lo[NB], hi[NB];
      for (int j = 0; j < NB; ++j) {
        __m512i raw;
        if constexpr (SUB) {
          lo[j] = hi[j] = loadSubByte(
              wrow[j] + c * cb, decltype(masked)::value ? lastMask : fullMask,
              subIdx, subShift, subMask, flip);
          continue;
        }
        if constexpr (decltype(masked)::value)
          raw = _mm512_maskz_loadu_epi8(lastMask, wrow[j] + c * 64);
        else
          raw = _mm512_loadu_si512(wrow[j] + c * 64);
        unpackCodes<BITS, false, FP4>(FLIP ? _mm512_xor_si512(raw, flip) : raw,
                                      lo[j], hi[j]);
      }
      for (int i = 0; i < MB; ++i) {
        __m512i ae = _mm512_loadu_si512(arow[i] + c * ce);
        __m512i ao = BITS == 4 ? _mm512_loadu_si512(arow[i] + c * ce + 64)
                               : ae;
        for (int j = 0; j < NB; ++j) {
          acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], lo[j], ae);
          if (BITS == 4)
            acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], hi[j], ao);
        }
      }
    };
    const int64_t cEnd = (s + 1) * spanChunks;
    const int64_t cFull = lastChunk >= 0 ? std::min(cEnd, lastChunk) : cEnd;
    for (int64_t c = s * spanChunks; c < cFull; ++c)
      chunk(c, std::false_type());
    if (cFull < cEnd)
      chunk(cFull, std::true_type());
    if constexpr (ONESPAN && MB * NB == 16) {
      // A full GEMM tile: the int32 sums are reduced together (exact while
      // |sum| < 2^31: 255 * 127 * K with K <= 65536), then scaled.
      if (p.K <= 65536) {
        alignas(64) int32_t tot[16];
        _mm512_store_si512(tot, sum16(acc));
        if (p.accumulate) { // Per-channel K-panels after the first.
          for (int i = 0; i < MB; ++i)
            for (int j = 0; j < NB; ++j)
              p.y[(m0 + i) * p.ys0 + (rows[j]) * p.ys1] +=
                  a.scale[m0 + i] * oneScale[j] *
                  float(tot[sum16Lane(i * NB + j)]);
          return;
        }
        for (int i = 0; i < MB; ++i) {
          float t = a.spanTotals[(m0 + i) * (spans + 16)];
          for (int j = 0; j < NB; ++j)
            p.y[(m0 + i) * p.ys0 + (rows[j]) * p.ys1] =
                a.scale[m0 + i] *
                (oneScale[j] * float(tot[sum16Lane(i * NB + j)]) -
                 oneZs[j] * t);
        }
        return;
      }
    }
    // Flush the span: remove the offsets, scale, accumulate in f32.
    __m512 sv[NB];
    __m512i zv[NB];
    for (int j = 0; j < NB; ++j) {
      if (LANEG) {
        // A partial last chunk holds fewer groups (the rest read as 0).
        int64_t g0 = s * groupsPerChunk;
        int count = int(std::min<int64_t>(groupsPerChunk, plan.groups - g0));
        sv[j] = _mm512_permutexvar_ps(
            laneGroup, loadScales(p, (rows[j]) * p.sn + g0 * p.sk, count));
        if (HASZP)
          zv[j] = _mm512_permutexvar_epi32(
              laneGroup, loadZeros(p, (rows[j]) * p.zn + g0 * p.zk, count,
                                   plan.zeffConst));
      } else {
        sv[j] = _mm512_set1_ps(ONESPAN ? oneScale[j] : srowv[j][s]);
      }
    }
    if (LANEG) {
      for (int i = 0; i < MB; ++i) {
        __m512i sums = _mm512_loadu_si512(srow[i] + s * 16);
        for (int j = 0; j < NB; ++j) {
          __m512i corr = HASZP ? _mm512_mullo_epi32(zv[j], sums) : sums;
          accf[i][j] = _mm512_fmadd_ps(
              _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[i][j], corr)), sv[j],
              accf[i][j]);
        }
      }
    } else {
      // The offsets are removed once at the end (see below).
      for (int i = 0; i < MB; ++i)
        for (int j = 0; j < NB; ++j)
          accf[i][j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[i][j]), sv[j],
                                       accf[i][j]);
    }
  }

  if (ONESPAN) {
    for (int i = 0; i < MB; ++i) {
      float t = a.spanTotals[(m0 + i) * (spans + 16)];
      for (int j = 0; j < NB; ++j)
        accf[i][j] = _mm512_mask_sub_ps(accf[i][j], 1, accf[i][j],
                                        _mm512_set1_ps(oneZs[j] * t));
    }
  } else if (!LANEG) {
    // sum_s s_j[s] (z_j[s] + offset) sum_{k in span s} x_i[k]: a dot product
    // of length `spans` per (i, j), subtracted from the scaled sums.
    for (int i = 0; i < MB; ++i) {
      const float *t = a.spanTotals.data() + (m0 + i) * (spans + 16);
      for (int j = 0; j < NB; ++j) {
        __m512 corr = _mm512_setzero_ps();
        for (int64_t s = 0; s < spans; s += 16) {
          __mmask16 mask = spans - s >= 16 ? __mmask16(0xffff)
                                           : __mmask16((1u << (spans - s)) - 1);
          corr = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, zrowv[j] + s),
                                 _mm512_maskz_loadu_ps(mask, t + s), corr);
        }
        accf[i][j] = _mm512_sub_ps(accf[i][j], corr);
      }
    }
  }
  // kv >= K: a partial last chunk was read with masked loads.
  storeTile<MB, NB>(p, a, m0, rows, accf);
}

/// One 64-byte step of NB rows of interleaved packed W at byte wOff (only the
/// low `bytes` when MASKED) against MB rows of kernel-order activations at
/// aOff, into the int32 sums acc (and acc2 for HI16's high nibbles).
template <int BITS, int MB, int NB, bool HI16, bool FP4, bool MASKED>
SPARQ_AVX512 __attribute__((always_inline)) inline void
ilStep(__m512i (&acc)[MB][NB], __m512i (&acc2)[MB][NB],
       const uint8_t *const (&wrow)[NB], const int8_t *const (&arow)[MB],
       int64_t wOff, int64_t aOff, __mmask64 bytes, const Plan &plan) {
  __m512i lo[NB], hi[NB];
  for (int j = 0; j < NB; ++j) {
    __m512i w;
    if constexpr (BITS == 0) {
      // Sub-byte codes (offsets and masks in int8 bytes, 4 per 4 codes).
      const int b = plan.subBits;
      const int nb = MASKED ? int(__builtin_popcountll(bytes)) * b / 8 : 8 * b;
      w = loadSubByte(
          wrow[j] + wOff * b / 8, (__mmask64(1) << nb) - 1,
          _mm512_load_si512(plan.subIdx), _mm512_load_si512(plan.subShift),
          _mm512_set1_epi8(char((1 << b) - 1)), _mm512_setzero_si512());
    } else if constexpr (MASKED)
      w = _mm512_maskz_loadu_epi8(bytes, wrow[j] + wOff);
    else
      w = _mm512_loadu_si512(wrow[j] + wOff);
    unpackCodes<BITS, HI16, FP4>(w, lo[j], hi[j]);
  }
  for (int i = 0; i < MB; ++i) {
    const int8_t *ap = arow[i] + aOff;
    __m512i ae = _mm512_loadu_si512(ap);
    __m512i ao = BITS == 4 ? _mm512_loadu_si512(ap + 64) : ae;
    for (int j = 0; j < NB; ++j) {
      acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], lo[j], ae);
      if (HI16)
        acc2[i][j] = _mm512_dpbusd_epi32(acc2[i][j], hi[j], ao);
      else if (BITS == 4)
        acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], hi[j], ao);
    }
  }
}

/// The scales (and zero points plus the sign-flip offset) of NB weight rows
/// for one block, one per lane, as the tiles' flush uses them.
template <int NB> struct BlockParams {
  __m512 scale[NB];
  __m512i zero[NB];
};
constexpr int64_t kMaxParamBlocks = 32;

/// The lane -> group index of a block with P lanes per group: l / P.
SPARQ_AVX512 inline __m512i laneGroupIndex(int P) {
  return _mm512_srlv_epi32(
      _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
      _mm512_set1_epi32(__builtin_ctz(unsigned(P))));
}

/// The BlockParams of rows[0..NB) for block b: group b.g0 + l / b.P in
/// lane l.
template <int NB, bool HASZP>
SPARQ_AVX512 inline BlockParams<NB>
loadBlockParams(const QProblem &p, const Plan &plan, const int64_t *rows,
                const IlBlock &b) {
  BlockParams<NB> bp;
  const __m512i lane = laneGroupIndex(b.P);
  for (int j = 0; j < NB; ++j) {
    bp.scale[j] = loadScales(p, rows[j] * p.sn + b.g0 * p.sk, b.R);
    bp.zero[j] =
        HASZP ? loadZeros(p, rows[j] * p.zn + b.g0 * p.zk, b.R, plan.zeffConst)
              : _mm512_setzero_si512();
    if (b.P > 1) {
      bp.scale[j] = _mm512_permutexvar_ps(lane, bp.scale[j]);
      bp.zero[j] = _mm512_permutexvar_epi32(lane, bp.zero[j]);
    }
  }
  return bp;
}

/// MB rows of x times NB rows of interleaved packed W (see sparq_rt_qpack):
/// each 64-byte step feeds up to 16 groups, so the int32 sums are scaled
/// once per block with a vector of 16 scales. HI16 (int4, one row of x): the
/// high nibbles are masked in place (16 * code) into a second accumulator,
/// shifted back at the flush: one instruction less per 64 bytes than
/// shifting every step. Used for 1-3 rows of x (the GEMV and the GEMM's last
/// m-tile; vnniTileILGemm takes 4), and kept a function of its own (inlined
/// into its callers, the int4 GEMV at 4096x11008 ran 7-14% slower).
template <int BITS, int MB, int NB, bool HASZP, bool HI16, bool FP4>
SPARQ_AVX512 __attribute__((noinline)) void
vnniTileIL(const QProblem &p, const Plan &plan, const Acts &a, int64_t m0,
           const int64_t *rows) {
  static_assert(!HI16 || BITS == 4, "HI16 is for int4");
  constexpr int64_t stepBytes = BITS == 4 ? 128 : 64;
  const uint8_t *wrow[NB];
  for (int j = 0; j < NB; ++j)
    wrow[j] = p.data + (rows[j]) * p.ds0;
  const int8_t *arow[MB];
  const int32_t *srow[MB];
  for (int i = 0; i < MB; ++i) {
    arow[i] = a.lanes.data() + (m0 + i) * plan.lda;
    srow[i] = a.spanSums.data() + ((m0 + i) * plan.sumSpans + plan.span0) * 16;
  }
  __m512 accf[MB][NB];
  for (int i = 0; i < MB; ++i)
    for (int j = 0; j < NB; ++j)
      accf[i][j] = _mm512_setzero_ps();

  __m512i acc[MB][NB], acc2[MB][NB];
  auto zeroAcc = [&]() SPARQ_AVX512 {
    for (int i = 0; i < MB; ++i)
      for (int j = 0; j < NB; ++j) {
        acc[i][j] = _mm512_setzero_si512();
        if (HI16)
          acc2[i][j] = _mm512_setzero_si512();
      }
  };
  auto step = [&](int64_t wOff, int64_t aOff, auto masked, __mmask64 bytes)
                  SPARQ_AVX512 {
                    ilStep<BITS, MB, NB, HI16, FP4, decltype(masked)::value>(
                        acc, acc2, wrow, arow, wOff, aOff, bytes, plan);
                  };
  auto total = [&](int i, int j) SPARQ_AVX512 {
    return HI16 ? _mm512_add_epi32(acc[i][j], _mm512_srai_epi32(acc2[i][j], 4))
                : acc[i][j];
  };

  // The full blocks, then the tail blocks through masked loads (all 64
  // bytes but in the masked block). One loop for both kinds with the scales
  // loaded at the flush, as here, keeps the sums in registers; other
  // arrangements made the int4 GEMV at K = 11008 6-10% slower.
  for (int64_t span = 0; span < plan.spans; ++span) {
    const bool full = span < plan.blocks;
    const IlBlock b = ilBlock(plan, span);
    zeroAcc();
    if (full) {
      for (int64_t s = 0; s < b.steps; ++s)
        step(b.wOff + s * 64, b.aOff + s * stepBytes, std::false_type(),
             __mmask64(0));
    } else {
      const int64_t stride = b.P > 1 ? 64 : 4 * b.R;
      const __mmask64 bytes =
          b.P > 1 ? ~__mmask64(0) : (__mmask64(1) << (4 * b.R)) - 1;
      for (int64_t s = 0; s < b.steps; ++s)
        step(b.wOff + s * stride, b.aOff + s * stepBytes, std::true_type(),
             bytes);
    }
    // Flush the block: offsets (and zero points) out in int32, then one
    // scale per lane (group b.g0 + l / b.P in lane l).
    for (int j = 0; j < NB; ++j) {
      int64_t n = rows[j];
      __m512 sv = loadScales(p, n * p.sn + b.g0 * p.sk, b.R);
      __m512i zv = _mm512_setzero_si512();
      if (HASZP)
        zv = loadZeros(p, n * p.zn + b.g0 * p.zk, b.R, plan.zeffConst);
      if (b.P > 1) {
        const __m512i lane = laneGroupIndex(b.P);
        sv = _mm512_permutexvar_ps(lane, sv);
        zv = _mm512_permutexvar_epi32(lane, zv);
      }
      for (int i = 0; i < MB; ++i) {
        __m512i sums = _mm512_loadu_si512(srow[i] + span * 16);
        __m512i corr = HASZP ? _mm512_mullo_epi32(zv, sums) : sums;
        accf[i][j] = _mm512_fmadd_ps(
            _mm512_cvtepi32_ps(_mm512_sub_epi32(total(i, j), corr)), sv,
            accf[i][j]);
      }
    }
  }
  storeTile<MB, NB>(p, a, m0, rows, accf);
}

/// vnniTileIL for 4 rows of x (the GEMM's tiles), written so that the 16
/// int32 sums stay in registers through the steps and the flush: each kind
/// of run (unmasked block, masked block) has its own sums, and the blocks'
/// scales come converted from `params` (once per weight rows for all
/// m-tiles) when not null. With one set of sums shared by the run kinds, as
/// in vnniTileIL, they went through the stack at every block (16 stores, 16
/// zeroing stores and 16 reloads per 16 steps): 1.13x faster int4 g128 GEMMs
/// at M = 32 and 128 (Zen 4). Inlined into the m-tile loop.
template <int BITS, int NB, bool HASZP, bool FP4>
SPARQ_AVX512 __attribute__((always_inline)) inline void
vnniTileILGemm(const QProblem &p, const Plan &plan, const Acts &a, int64_t m0,
               const int64_t *rows, const BlockParams<NB> *params) {
  constexpr int MB = 4;
  constexpr int64_t stepBytes = BITS == 4 ? 128 : 64;
  const uint8_t *wrow[NB];
  for (int j = 0; j < NB; ++j)
    wrow[j] = p.data + rows[j] * p.ds0;
  const int8_t *arow[MB];
  const int32_t *srow[MB];
  for (int i = 0; i < MB; ++i) {
    arow[i] = a.lanes.data() + (m0 + i) * plan.lda;
    srow[i] = a.spanSums.data() + ((m0 + i) * plan.sumSpans + plan.span0) * 16;
  }
  __m512 accf[MB][NB];
  for (int i = 0; i < MB; ++i)
    for (int j = 0; j < NB; ++j)
      accf[i][j] = _mm512_setzero_ps();
  auto block = [&](int64_t span, const IlBlock &b, auto masked) SPARQ_AVX512
      __attribute__((always_inline)) {
    constexpr bool MASKED = decltype(masked)::value;
    const __mmask64 bytes = (__mmask64(1) << (4 * b.R)) - 1;
    __m512i acc[MB][NB];
    for (int i = 0; i < MB; ++i)
      for (int j = 0; j < NB; ++j)
        acc[i][j] = _mm512_setzero_si512();
    // A block of 16 steps (int4 g128: the full blocks) runs unrolled, without
    // the loop's exit (mispredicted once per block): int4 g128 GEMMs at
    // K = 4096 1.02-1.03x, K = 11008 0.99-1.00x (M = 32, Zen 4).
    constexpr int64_t kUnrolled = 16;
    if (!MASKED && b.steps == kUnrolled) {
#pragma clang loop unroll(full)
      for (int64_t s = 0; s < kUnrolled; ++s)
        ilStep<BITS, MB, NB, false, FP4, MASKED>(
            acc, acc, wrow, arow, b.wOff + s * 64, b.aOff + s * stepBytes,
            bytes, plan);
    } else {
      for (int64_t s = 0; s < b.steps; ++s)
        ilStep<BITS, MB, NB, false, FP4, MASKED>(
            acc, acc, wrow, arow, b.wOff + s * (MASKED ? 4 * b.R : 64),
            b.aOff + s * stepBytes, bytes, plan);
    }
    // Flush: offsets (and zero points) out in int32, one scale per lane.
    __m512i sums[MB];
    for (int i = 0; i < MB; ++i)
      sums[i] = _mm512_loadu_si512(srow[i] + span * 16);
    const BlockParams<NB> bp =
        params ? params[span] : loadBlockParams<NB, HASZP>(p, plan, rows, b);
    for (int j = 0; j < NB; ++j)
      for (int i = 0; i < MB; ++i) {
        __m512i corr =
            HASZP ? _mm512_mullo_epi32(bp.zero[j], sums[i]) : sums[i];
        accf[i][j] = _mm512_fmadd_ps(
            _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[i][j], corr)), bp.scale[j],
            accf[i][j]);
      }
  };
  // Panelled rows (p.panels; the GEMM reads whole rows of them): the rows'
  // parts of each panel in turn, block offsets from the panel's start.
  const int64_t F =
      p.panels.codes ? p.panels.codes / (plan.steps * plan.ce) : plan.blocks;
  int64_t wBase = 0;
  for (int64_t S0 = 0, q = 0; S0 < plan.blocks; S0 += F, ++q) {
    if (p.panels.codes) {
      const int64_t bytes = panelRowBytes(p.panels, p.K, p.bits, q);
      for (int j = 0; j < NB; ++j)
        wrow[j] = panelData(p, q) + rows[j] * bytes;
      wBase = S0 * 64 * plan.steps;
    }
    for (int64_t S = S0; S < std::min(plan.blocks, S0 + F); ++S) {
      IlBlock b = ilBlock(plan, S);
      b.wOff -= wBase;
      block(S, b, std::false_type());
    }
  }
  // The tail blocks are in the last panel.
  for (int t = 0; t < plan.tailBlocks; ++t) {
    IlBlock b = plan.tail[t];
    b.wOff -= wBase;
    if (b.P > 1)
      block(plan.blocks + t, b, std::false_type());
    else
      block(plan.blocks + t, b, std::true_type());
  }
  storeTile<MB, NB>(p, a, m0, rows, accf);
}

/// GEMM: while the m-tiles of rows [n, n + nb) run from L1, the next nb rows
/// are prefetched, slice t of `tiles` before tile t, so that their transfer
/// from L3/DRAM overlaps the compute instead of stalling the first tile of
/// the next block.
inline void prefetchNextRows(const QProblem &p, int64_t n, int nb,
                             int64_t rowBytes, int64_t t, int64_t tiles) {
  int64_t next = n + nb, rows = std::min<int64_t>(nb, p.N - next);
  if (rows <= 0)
    return;
  // Lines [l0, l1) of each row (no division per line: a 64-bit divide per
  // prefetch cost 3-30% of the GEMM).
  auto prefetch = [&](const uint8_t *data, int64_t stride, int64_t bytes) {
    int64_t perRow = (bytes + 63) / 64, per = (perRow + tiles - 1) / tiles;
    int64_t l0 = t * per, l1 = std::min(perRow, l0 + per);
    for (int64_t r = 0; r < rows; ++r) {
      const char *row =
          reinterpret_cast<const char *>(data) + (next + r) * stride;
      for (int64_t l = l0; l < l1; ++l)
        _mm_prefetch(row + l * 64, _MM_HINT_T1);
    }
  };
  if (!p.panels.codes)
    return prefetch(p.data, p.ds0, rowBytes);
  // Panelled rows: slice t of the rows' part of each panel.
  for (int64_t q = 0; q < p.panels.count; ++q) {
    const int64_t bytes = panelRowBytes(p.panels, p.K, p.bits, q);
    prefetch(panelData(p, q), bytes, bytes);
  }
}

/// The 4-row m-tiles [0, M / 4 * 4) of vnniRowsFixedNBIL (the tile inlined).
template <int BITS, int NB, bool HASZP, bool FP4>
SPARQ_AVX512 void vnniMTilesIL(const QProblem &p, const Plan &plan,
                               const Acts &a, const int64_t *rows,
                               const BlockParams<NB> *params) {
  const int64_t tiles = p.M / 4;
  for (int64_t m = 0; m + 4 <= p.M; m += 4) {
    if (NB == 1 || rows[1] == rows[0] + 1)
      prefetchNextRows(p, rows[0], NB, plan.rowBytes, m / 4, tiles);
    vnniTileILGemm<BITS, NB, HASZP, FP4>(p, plan, a, m, rows, params);
  }
}

/// Weight rows rows[0..NB) of interleaved W against all of x, with the
/// blocks' scales and zero points of the rows from `params` when not null.
template <int BITS, int NB, bool HASZP, bool FP4>
void vnniRowsFixedNBIL(const QProblem &p, const Plan &plan, const Acts &a,
                       const int64_t *rows,
                       const BlockParams<NB> *params = nullptr) {
  const int64_t m = p.M / 4 * 4;
  if (m > 0)
    vnniMTilesIL<BITS, NB, HASZP, FP4>(p, plan, a, rows, params);
  if (m < p.M)
    withConstant<3>(p.M - m, [&](auto mb) {
      constexpr int MB = decltype(mb)::value;
      // One row of x: int4 high nibbles masked in place (HI16).
      constexpr bool HI16 = MB == 1 && BITS == 4 && !FP4;
      if (!p.panels.codes)
        return vnniTileIL<BITS, MB, NB, HASZP, HI16, FP4>(p, plan, a, m, rows);
      // Panelled rows (GEMM): panel by panel, y accumulated.
      for (int64_t q = 0; q < p.panels.count; ++q) {
        const QProblem pq = panelProblem(p, q);
        vnniTileIL<BITS, MB, NB, HASZP, HI16, FP4>(
            pq, panelPlan(plan, p.panels, q, pq.ds0), a, m, rows);
      }
    });
}

/// vnniRowsFixedNBIL for the GEMM's blocks of 4 weight rows: the blocks'
/// scales (and zero points) of the rows converted once for all m-tiles (up
/// to kMaxParamBlocks blocks) instead of once per tile.
template <int BITS, int NB, bool HASZP, bool FP4>
SPARQ_AVX512 void vnniRowBlockIL(const QProblem &p, const Plan &plan,
                                 const Acts &a, const int64_t *rows) {
  if (plan.spans > kMaxParamBlocks)
    return vnniRowsFixedNBIL<BITS, NB, HASZP, FP4>(p, plan, a, rows);
  BlockParams<NB> params[kMaxParamBlocks];
  for (int64_t span = 0; span < plan.spans; ++span)
    params[span] =
        loadBlockParams<NB, HASZP>(p, plan, rows, ilBlock(plan, span));
  vnniRowsFixedNBIL<BITS, NB, HASZP, FP4>(p, plan, a, rows, params);
}

/// Up to this batch the weight rows are read as GEMV streams (each row
/// against every row of x while it is in L1) rather than in blocks of four
/// adjacent rows with the next block prefetched: int4 g128 batch 4-8
/// 1.2-1.7x faster (1 and 2 threads, DRAM), int8 per channel batch 4 1.2x;
/// from batch 12 the GEMM blocks are faster.
constexpr int64_t kStreamBatch = 8;

/// Rows [n0, n1) in groups of NB consecutive rows (GEMM), then one by one.
template <int NB, typename F, typename F1>
void forEachRowBlock(int64_t n0, int64_t n1, F f, F1 f1) {
  int64_t rows[NB];
  int64_t n = n0;
  for (; n + NB <= n1; n += NB) {
    for (int j = 0; j < NB; ++j)
      rows[j] = n + j;
    f(rows);
  }
  for (; n < n1; ++n)
    f1(&n);
}

// Not inlined into its caller (the dispatch over formats): inlined, the
// int4 GEMV at 4096x11008 ran 7-8% slower (DRAM, 1 thread, same code in the
// tiles; A/B in one process).
template <int BITS, bool HASZP, bool FP4>
__attribute__((noinline)) void vnniRowsIL(const QProblem &p, const Plan &plan,
                                          const Acts &a, int64_t n0,
                                          int64_t n1) {
  auto one = [&](const int64_t *rows) {
    vnniRowsFixedNBIL<BITS, 1, HASZP, FP4>(p, plan, a, rows);
  };
  int64_t n = n0;
  if (p.M <= kStreamBatch) {
    // GEMV: long sequential streams (see gemvStreams).
    if (gemvStreams(n1 - n0, plan.rowBytes, plan.kv, p.M) == 4)
      n = forEachStreamRow<4>(n0, n1, plan.rowBytes, [&](const int64_t *rows) {
        vnniRowsFixedNBIL<BITS, 4, HASZP, FP4>(p, plan, a, rows);
      });
    else
      n = forEachStreamRow<2>(n0, n1, plan.rowBytes, [&](const int64_t *rows) {
        vnniRowsFixedNBIL<BITS, 2, HASZP, FP4>(p, plan, a, rows);
      });
    for (; n < n1; ++n)
      one(&n);
    return;
  }
  // GEMM: 4x4 tiles. The 16 int32 accumulators stay in registers through
  // the steps of a block (the compiler keeps the 16 f32 sums, touched once
  // per block of 16 groups, on the stack), with half the activation loads
  // per dot product of 4x2 tiles: 1.12-1.26x faster for int4 g32/g128 (sym and
  // asym) and MXFP4 at M = 32 and 128, 1 and 2 threads (Zen 4).
  forEachRowBlock<4>(
      n0, n1,
      [&](const int64_t *rows) {
        vnniRowBlockIL<BITS, 4, HASZP, FP4>(p, plan, a, rows);
      },
      one);
}

template <int BITS, int NB, bool HASZP, bool LANEG, bool ONESPAN, bool FLIP,
          bool FP4>
void vnniRowsFixedNB(const QProblem &p, const Plan &plan, const Acts &a,
                     SpanParams &sp, const int64_t *rows) {
  if (!LANEG && !ONESPAN)
    buildSpanParams(p, plan, rows, NB, sp);
  int64_t m = 0;
  const int64_t tiles = p.M / 4;
  for (; m + 4 <= p.M; m += 4) {
    if (NB == 1 || rows[1] == rows[0] + 1)
      prefetchNextRows(p, rows[0], NB, plan.rowBytes, m / 4, tiles);
    vnniTile<BITS, 4, NB, HASZP, LANEG, ONESPAN, FLIP, FP4>(p, plan, a, sp, m,
                                                            rows);
  }
  if (m < p.M)
    withConstant<3>(p.M - m, [&](auto mb) {
      vnniTile<BITS, decltype(mb)::value, NB, HASZP, LANEG, ONESPAN, FLIP, FP4>(
          p, plan, a, sp, m, rows);
    });
}

template <int BITS, bool HASZP, bool LANEG, bool ONESPAN, bool FLIP, bool FP4>
void vnniRowsS(const QProblem &p, const Plan &plan, const Acts &a,
               SpanParams &sp, int64_t n0, int64_t n1) {
  auto rowsOf = [&](auto nb) {
    return [&](const int64_t *rows) {
      vnniRowsFixedNB<BITS, decltype(nb)::value, HASZP, LANEG, ONESPAN, FLIP,
                      FP4>(p, plan, a, sp, rows);
    };
  };
  auto one = rowsOf(std::integral_constant<int, 1>());
  if (p.M < 4 || (ONESPAN && p.M <= kStreamBatch)) {
    // GEMV: long sequential streams (see gemvStreams).
    int64_t n =
        gemvStreams(n1 - n0, plan.rowBytes, plan.kv, p.M) == 4
            ? forEachStreamRow<4>(n0, n1, plan.rowBytes,
                                  rowsOf(std::integral_constant<int, 4>()))
            : forEachStreamRow<2>(n0, n1, plan.rowBytes,
                                  rowsOf(std::integral_constant<int, 2>()));
    for (; n < n1; ++n)
      one(&n);
  } else if (!ONESPAN) {
    // 4x2 tiles: 4x4 would need 16 + 16 int32/f32 accumulators and spill.
    forEachRowBlock<2>(n0, n1, rowsOf(std::integral_constant<int, 2>()), one);
  } else {
    forEachRowBlock<4>(n0, n1, rowsOf(std::integral_constant<int, 4>()), one);
  }
}

template <int BITS, bool HASZP, bool LANEG, bool FP4>
void vnniRowsZ(const QProblem &p, const Plan &plan, const Acts &a,
               SpanParams &sp, int64_t n0, int64_t n1) {
  // Packed weights that are not interleaved are one span (per channel) and
  // already offset binary.
  // (Sub-byte codes, BITS 0, are made offset binary as they are loaded.)
  constexpr bool FLIP = !FP4 && BITS != 0;
  if (!LANEG && plan.spans == 1) {
    if constexpr (FLIP)
      if (p.packed)
        return vnniRowsS<BITS, HASZP, false, true, false, FP4>(p, plan, a, sp,
                                                               n0, n1);
    return vnniRowsS<BITS, HASZP, false, true, FLIP, FP4>(p, plan, a, sp, n0,
                                                          n1);
  }
  vnniRowsS<BITS, HASZP, LANEG, false, FLIP, FP4>(p, plan, a, sp, n0, n1);
}

template <int BITS, bool FP4>
void vnniRows(const QProblem &p, const Plan &plan, const Acts &a, int64_t n0,
              int64_t n1) {
  // One thread-local lookup per call (in a shared library each access to a
  // thread_local goes through __tls_get_addr).
  if (plan.il)
    return p.hasZP ? vnniRowsIL<BITS, true, FP4>(p, plan, a, n0, n1)
                   : vnniRowsIL<BITS, false, FP4>(p, plan, a, n0, n1);
  thread_local SpanParams spStorage;
  SpanParams &sp = spStorage;
  if (plan.laneGroups)
    return p.hasZP ? vnniRowsZ<BITS, true, true, FP4>(p, plan, a, sp, n0, n1)
                   : vnniRowsZ<BITS, false, true, FP4>(p, plan, a, sp, n0, n1);
  return p.hasZP ? vnniRowsZ<BITS, true, false, FP4>(p, plan, a, sp, n0, n1)
                 : vnniRowsZ<BITS, false, false, FP4>(p, plan, a, sp, n0, n1);
}

//===----------------------------------------------------------------------===//
// Exact f32 path: fused AVX-512 kernels.
//===----------------------------------------------------------------------===//

/// Whether the fused exact kernels take p: 2- to 8-bit codes in the stored
/// layout, with each 32 elements of a row in one scale group, or 4-bit codes
/// in groups of 16 (two per step: NVFP4, int4 g16).
inline bool exactFused(const QProblem &p) {
  // Sub-byte codes are spread to bytes by loadSubByte (VBMI).
  const bool sub = subByteBits(p.bits) && hostHasAvx512Vbmi();
  return !p.packed && (p.bits == 4 || p.bits == 8 || sub) &&
         (p.G % 32 == 0 || p.G == p.K || (p.bits == 4 && p.G == 16));
}

/// loadSubByte's operands for b-bit codes (the exact kernels' BITS 0).
struct SubByteOps {
  __m512i idx{}, shift{}, mask{}, flip{};
  int bits = 0;
};

/// Row stride (floats) of the arranged activations: whole chunks of 32, and
/// one cache line more so that the rows of a tile fall into different L1
/// sets (see activationStride).
inline int64_t exactStride(int64_t K) { return (K + 31) / 32 * 32 + 16; }

/// Rows [m0, m1) of x in the fused kernels' order, zero-padded to whole
/// chunks of 32 elements. 4-bit codes: each chunk as its 16 even elements,
/// then its 16 odd ones (the low and the high nibbles of the chunk's 16
/// bytes, widened to 32-bit lanes); 8-bit and sub-byte codes: in order.
SPARQ_AVX512 void arrangeExactRows(const QProblem &p, float *xa, int64_t m0,
                                   int64_t m1) {
  const int64_t lda = exactStride(p.K), kp = lda - 16;
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20,
                                         22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  for (int64_t m = m0; m < m1; ++m) {
    const float *xr = p.x + m * p.xs0;
    float *out = xa + m * lda;
    int64_t k = 0;
    if (p.xs1 == 1)
      for (; k + 32 <= p.K; k += 32) {
        __m512 a = _mm512_loadu_ps(xr + k), b = _mm512_loadu_ps(xr + k + 16);
        if (p.bits == 4) {
          _mm512_store_ps(out + k, _mm512_permutex2var_ps(a, even, b));
          _mm512_store_ps(out + k + 16, _mm512_permutex2var_ps(a, odd, b));
        } else {
          _mm512_store_ps(out + k, a);
          _mm512_store_ps(out + k + 16, b);
        }
      }
    for (; k < kp; ++k) {
      int64_t i = k % 32, e = k;
      if (p.bits == 4)
        e = k - i + (i < 16 ? 2 * i : 2 * (i - 16) + 1);
      out[k] = e < p.K ? xr[e * p.xs1] : 0.0f;
    }
  }
}

/// Decodes 32 weights (one chunk: 16 bytes of 4-bit codes, or 32 bytes of
/// 8-bit codes) into w0, w1, as (code - z) * s: 4-bit codes through a
/// 16-entry table of that per group (vpermps reads the low 4 bits of each
/// lane: w0 the low nibbles, w1 the high ones), 8-bit codes by an FMA. The
/// masked form reads only the bytes of the first `count` elements (a row's
/// partial last chunk) and zeroes the weights past them. FOLD (8-bit codes,
/// one group per row): q - z only, exact in f32 (z: the int32 bits of zs),
/// the scale applied to the row's sum. BITS 0: b-bit codes (4b bytes) spread
/// to offset-binary bytes by loadSubByte, then as unsigned 8-bit codes (the
/// offset is in z).
template <int BITS, bool S8, bool MASKED, bool FOLD>
SPARQ_AVX512 inline __attribute__((always_inline)) void
exactDecode(const uint8_t *src, __m512 t, __m512 zs, int count,
            const SubByteOps &sub, __m512 &w0, __m512 &w1) {
  if constexpr (BITS == 4) {
    __m128i b;
    __mmask16 m0 = 0xffff, m1 = 0xffff;
    if constexpr (MASKED) {
      b = _mm_maskz_loadu_epi8(__mmask16((1u << ((count + 1) / 2)) - 1), src);
      m0 = __mmask16((1u << ((count + 1) / 2)) - 1);
      m1 = __mmask16((1u << (count / 2)) - 1);
    } else {
      b = _mm_loadu_si128(reinterpret_cast<const __m128i *>(src));
    }
    __m512i idx = _mm512_cvtepu8_epi32(b);
    w0 = _mm512_maskz_permutexvar_ps(m0, idx, t);
    w1 = _mm512_maskz_permutexvar_ps(m1, _mm512_srli_epi32(idx, 4), t);
    (void)zs;
  } else {
    // One byte per code: 8-bit codes as stored, sub-byte codes as spread.
    __m128i b0, b1;
    __mmask16 m0 = 0xffff, m1 = 0xffff;
    if constexpr (MASKED) {
      m0 = __mmask16((1u << std::min(count, 16)) - 1);
      m1 = __mmask16((1u << std::max(count - 16, 0)) - 1);
    }
    if constexpr (BITS == 0) {
      const int bytes = MASKED ? (count * sub.bits + 7) / 8 : 4 * sub.bits;
      const __m512i u = loadSubByte(src, (__mmask64(1) << bytes) - 1, sub.idx,
                                    sub.shift, sub.mask, sub.flip);
      b0 = _mm512_castsi512_si128(u);
      b1 = _mm512_extracti32x4_epi32(u, 1);
    } else if constexpr (MASKED) {
      b0 = _mm_maskz_loadu_epi8(m0, src);
      b1 = _mm_maskz_loadu_epi8(m1, src + 16);
    } else {
      b0 = _mm_loadu_si128(reinterpret_cast<const __m128i *>(src));
      b1 = _mm_loadu_si128(reinterpret_cast<const __m128i *>(src + 16));
    }
    auto widen = [](__m128i v) SPARQ_AVX512 {
      return S8 ? _mm512_cvtepi8_epi32(v) : _mm512_cvtepu8_epi32(v);
    };
    if constexpr (FOLD) {
      const __m512i z = _mm512_castps_si512(zs);
      w0 = _mm512_maskz_cvtepi32_ps(m0, _mm512_sub_epi32(widen(b0), z));
      w1 = _mm512_maskz_cvtepi32_ps(m1, _mm512_sub_epi32(widen(b1), z));
      (void)t;
    } else {
      w0 = _mm512_maskz_fmsub_ps(m0, _mm512_cvtepi32_ps(widen(b0)), t, zs);
      w1 = _mm512_maskz_fmsub_ps(m1, _mm512_cvtepi32_ps(widen(b1)), t, zs);
    }
  }
}

/// Floats per group and weight row in the exact kernels' tables: 4-bit
/// codes: the 16 values (code - z) * s; 8-bit and sub-byte codes: s and z * s
/// (FOLD: s and the int32 bits of z; z includes the sub-byte sign offset).
template <int BITS> constexpr int kExactTable = BITS == 4 ? 16 : 2;

/// The scales and zero points (as f32, plus `offset`) of weight rows
/// rows[0..NB), [j][g], converted 16 groups at a time.
template <int NB>
SPARQ_AVX512 void exactParams(const QProblem &p, const int64_t *rows,
                              int64_t groups, int32_t offset, float *S,
                              float *Z) {
  for (int j = 0; j < NB; ++j)
    for (int64_t g = 0; g < groups; g += 16) {
      const int count = int(std::min<int64_t>(16, groups - g));
      const __mmask16 mask = __mmask16((1u << count) - 1);
      const int64_t n = rows[j];
      _mm512_mask_storeu_ps(S + j * groups + g, mask,
                            loadScales(p, n * p.sn + g * p.sk, count));
      _mm512_mask_storeu_ps(
          Z + j * groups + g, mask,
          _mm512_cvtepi32_ps(
              p.hasZP ? loadZeros(p, n * p.zn + g * p.zk, count, offset)
                      : _mm512_set1_epi32(offset)));
    }
}

/// The table of group g of row j (exactParams' S and Z) into t (and zs).
template <int BITS, bool FOLD>
SPARQ_AVX512 inline __attribute__((always_inline)) void
exactTable(const float *S, const float *Z, int64_t i, __m512 codes4, __m512 &t,
           __m512 &zs) {
  if constexpr (FOLD) {
    t = _mm512_setzero_ps();
    zs = _mm512_castsi512_ps(_mm512_set1_epi32(int32_t(Z[i])));
  } else if constexpr (BITS == 4) {
    t = _mm512_mul_ps(_mm512_sub_ps(codes4, _mm512_set1_ps(Z[i])),
                      _mm512_set1_ps(S[i]));
    zs = t;
  } else {
    t = _mm512_set1_ps(S[i]);
    zs = _mm512_set1_ps(Z[i] * S[i]);
  }
}

/// Operands of the exact tiles for a block of NB weight rows: S and Z, and
/// (tab, when not null) every group's table, [g][j][kExactTable] (built once
/// per block when several tiles of x read them; a GEMV tile makes each
/// group's table as it reaches it); codes4: the 4-bit codes' values; sub:
/// loadSubByte's operands for sub-byte codes.
struct ExactBlock {
  const float *S, *Z, *tab;
  int64_t groups;
  __m512 codes4;
  SubByteOps sub;
};

/// y for MB rows of x (from m0) and the weight rows `rows[0..NB)`: one pass
/// over K, 32 elements per step, each step's decoded weights used by all MB
/// rows. The f32 partial sums are per lane (16 per output), added at the
/// end. LIVE: the tables are made at each group's first chunk (in
/// registers) instead of read from b.tab.
template <int BITS, bool S8, bool FOLD, int MB, int NB, bool LIVE,
          bool G16 = false>
SPARQ_AVX512 void exactTile(const QProblem &p, const float *xa, int64_t m0,
                            const int64_t *rows, const ExactBlock &b) {
  constexpr int TS = kExactTable<BITS>;
  const int64_t lda = exactStride(p.K), full = p.K / 32;
  const int64_t chunkBytes = 4 * (BITS ? BITS : p.bits);
  const int64_t perGroup = p.G == p.K || G16 ? full + 1 : p.G / 32;
  const uint8_t *wr[NB];
  for (int j = 0; j < NB; ++j)
    wr[j] = p.data + rows[j] * p.ds0;
  const float *xr = xa + m0 * lda;
  __m512 acc[MB][NB];
  for (int i = 0; i < MB; ++i)
    for (int j = 0; j < NB; ++j)
      acc[i][j] = _mm512_setzero_ps();
  __m512 lt[NB], lzs[NB]; // LIVE tables.
  auto live = [&](int64_t g) SPARQ_AVX512 {
    for (int j = 0; j < NB; ++j)
      exactTable<BITS, FOLD>(b.S, b.Z, j * b.groups + g, b.codes4, lt[j],
                             lzs[j]);
  };
  // G16 (4-bit codes in groups of 16): a step holds groups 2c and 2c + 1 in
  // lanes 0-7 and 8-15 of both halves, so the codes are looked up unscaled
  // and (q - z) * s applied with per-half vectors of the two groups'.
  const __m512i halves =
      _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
  auto pair = [&](const float *v, int64_t i) SPARQ_AVX512 {
    return _mm512_permutexvar_ps(
        halves, _mm512_castps128_ps512(_mm_castsi128_ps(_mm_loadl_epi64(
                    reinterpret_cast<const __m128i *>(v + i)))));
  };
  auto step = [&](int64_t c, const float *tg, auto masked,
                  int count) SPARQ_AVX512 {
    for (int j = 0; j < NB; ++j) {
      __m512 t, zs, w0, w1;
      if constexpr (G16) {
        const int64_t g = j * b.groups + 2 * c;
        exactDecode<4, false, decltype(masked)::value, false>(
            wr[j] + c * chunkBytes, b.codes4, b.codes4, count, b.sub, w0, w1);
        if (p.hasZP) {
          const __m512 zv = pair(b.Z, g);
          w0 = _mm512_sub_ps(w0, zv);
          w1 = _mm512_sub_ps(w1, zv);
        }
        const __m512 sv = pair(b.S, g);
        w0 = _mm512_mul_ps(w0, sv);
        w1 = _mm512_mul_ps(w1, sv);
      } else {
        if constexpr (LIVE) {
          t = lt[j];
          zs = lzs[j];
        } else if constexpr (BITS == 4) {
          t = _mm512_load_ps(tg + j * TS);
          zs = t;
        } else {
          t = _mm512_set1_ps(tg[j * TS]);
          zs = _mm512_set1_ps(tg[j * TS + 1]);
        }
        exactDecode<BITS, S8, decltype(masked)::value, FOLD>(
            wr[j] + c * chunkBytes, t, zs, count, b.sub, w0, w1);
      }
      for (int i = 0; i < MB; ++i) {
        const float *xc = xr + i * lda + 32 * c;
        acc[i][j] = _mm512_fmadd_ps(_mm512_load_ps(xc), w0, acc[i][j]);
        acc[i][j] = _mm512_fmadd_ps(_mm512_load_ps(xc + 16), w1, acc[i][j]);
      }
    }
  };
  // One loop over the chunks (a loop per group costs its setup every chunk
  // at g32), the tables advancing every perGroup chunks.
  const float *tg = b.tab;
  if constexpr (LIVE && !G16)
    live(0);
  for (int64_t c = 0, left = perGroup, g = 0; c < full; ++c) {
    step(c, tg, std::false_type(), 32);
    if (--left == 0 && c + 1 < full) {
      left = perGroup;
      if constexpr (LIVE)
        live(++g);
      else
        tg += NB * TS;
    }
  }
  if (p.K % 32) // One group per row.
    step(full, b.tab, std::true_type(), int(p.K % 32));
  for (int i = 0; i < MB; ++i)
    for (int j = 0; j < NB; ++j)
      p.y[(m0 + i) * p.ys0 + rows[j] * p.ys1] =
          FOLD ? b.S[j] * _mm512_reduce_add_ps(acc[i][j])
               : _mm512_reduce_add_ps(acc[i][j]);
}

/// Output rows [n0, n1) on the fused exact kernels. Batch 1-5: all rows of
/// x in one tile with 4 weight rows (3 at batch 5) read as that many streams
/// (forEachStreamRow), each group's tables made as the pass reaches it (the
/// weights are decoded once: batch 5 as 4 + 1 rows of x took 1.25x as long,
/// 2 weight rows by 6-8 rows of x gain nothing); larger batches: blocks of
/// four consecutive weight rows (in L1 while the 4-row tiles of x pass over
/// them) with the tables of all groups made first.
template <int BITS, bool S8, bool FOLD, bool G16 = false>
SPARQ_AVX512 void exactRowsFused(const QProblem &p, const float *xa, int64_t n0,
                                 int64_t n1) {
  constexpr int TS = kExactTable<BITS>;
  ExactBlock b;
  b.codes4 = codeValues4(p);
  const int64_t rowBytes = (p.K * p.bits + 7) / 8;
  b.groups = p.G == p.K ? 1 : p.K / p.G;
  // Sub-byte codes are read offset binary (q + 2^(b-1) when signed): the
  // offset joins the zero point.
  const int32_t zOffset = BITS == 0 && p.isSigned ? 1 << (p.bits - 1) : 0;
  if constexpr (BITS == 0) {
    alignas(64) uint8_t idx[64], shift[64];
    subByteIndexes(p.bits, idx, shift);
    b.sub.idx = _mm512_load_si512(idx);
    b.sub.shift = _mm512_load_si512(shift);
    b.sub.mask = _mm512_set1_epi8(char((1 << p.bits) - 1));
    b.sub.flip = _mm512_set1_epi8(char(zOffset));
    b.sub.bits = p.bits;
  }
  const bool gemv = p.M <= 5;
  thread_local AlignedVector<float> storage;
  AlignedVector<float> &buf = storage;
  const int64_t sz = (b.groups * 4 + 15) / 16 * 16; // Tables 64-byte aligned.
  // (16 floats more: G16 tiles read the pair of groups past a row's last.)
  buf.resize(2 * sz + (gemv ? 0 : b.groups * 4 * TS) + 16);
  float *S = buf.data(), *Z = S + sz, *tab = Z + sz;
  b.S = S;
  b.Z = Z;
  b.tab = gemv ? nullptr : tab;
  if (gemv)
    return withConstant<5>(p.M, [&](auto mb) SPARQ_AVX512 {
      // As many weight rows as keep the tile within 16 accumulators.
      constexpr int MB = decltype(mb)::value;
      constexpr int NB = MB <= 4 ? 4 : 3;
      auto tile = [&](const int64_t *rows, auto nb) SPARQ_AVX512 {
        exactParams<decltype(nb)::value>(p, rows, b.groups, zOffset, S, Z);
        exactTile<BITS, S8, FOLD, MB, decltype(nb)::value, true, G16>(p, xa, 0,
                                                                      rows, b);
      };
      int64_t n =
          forEachStreamRow<NB>(n0, n1, rowBytes, [&](const int64_t *rows) {
            tile(rows, std::integral_constant<int, NB>());
          });
      for (; n < n1; ++n)
        tile(&n, std::integral_constant<int, 1>());
    });
  auto tiles = [&](const int64_t *rows, auto nb) SPARQ_AVX512 {
    constexpr int NB = decltype(nb)::value;
    exactParams<NB>(p, rows, b.groups, zOffset, S, Z);
    for (int64_t g = 0; g < (G16 ? 0 : b.groups); ++g)
      for (int j = 0; j < NB; ++j) {
        __m512 t, zs;
        exactTable<BITS, FOLD>(S, Z, j * b.groups + g, b.codes4, t, zs);
        float *d = tab + (g * NB + j) * TS;
        if constexpr (BITS == 4) {
          _mm512_store_ps(d, t);
        } else {
          d[0] = S[j * b.groups + g];
          _mm_store_ss(d + 1, _mm512_castps512_ps128(zs));
        }
      }
    int64_t m = 0;
    for (; m + 4 <= p.M; m += 4)
      exactTile<BITS, S8, FOLD, 4, NB, false, G16>(p, xa, m, rows, b);
    if (m < p.M)
      withConstant<3>(p.M - m, [&](auto mb) SPARQ_AVX512 {
        exactTile<BITS, S8, FOLD, decltype(mb)::value, NB, false, G16>(p, xa, m,
                                                                       rows, b);
      });
  };
  int64_t n = n0;
  for (; n + 4 <= n1; n += 4) {
    const int64_t rows[4] = {n, n + 1, n + 2, n + 3};
    tiles(rows, std::integral_constant<int, 4>());
  }
  for (; n < n1; ++n)
    tiles(&n, std::integral_constant<int, 1>());
}

void exactRowsFusedAny(const QProblem &p, const float *xa, int64_t n0,
                       int64_t n1) {
  if (p.bits == 4)
    return p.G == 16 && p.K != 16
               ? exactRowsFused<4, false, false, true>(p, xa, n0, n1)
               : exactRowsFused<4, false, false>(p, xa, n0, n1);
  if (p.bits != 8) // Sub-byte codes.
    return p.G == p.K ? exactRowsFused<0, false, true>(p, xa, n0, n1)
                      : exactRowsFused<0, false, false>(p, xa, n0, n1);
  // One group per row (per-channel int8): (q - z) * x summed, then scaled.
  if (p.G == p.K)
    return p.isSigned ? exactRowsFused<8, true, true>(p, xa, n0, n1)
                      : exactRowsFused<8, false, true>(p, xa, n0, n1);
  if (p.isSigned)
    return exactRowsFused<8, true, false>(p, xa, n0, n1);
  exactRowsFused<8, false, false>(p, xa, n0, n1);
}
#endif // SPARQ_HAVE_X86


//===----------------------------------------------------------------------===//
// Driver.
//===----------------------------------------------------------------------===//

struct Job {
  const QProblem *p;
  const Plan *plan;
  Acts *acts;
  bool exactFused = false; // The exact path on exactRowsFused (acts->xf).
};

void prepareJob(void *ctx, int32_t index, int32_t count) {
  const Job &job = *static_cast<const Job *>(ctx);
  int64_t m0, m1;
  splitRange(job.p->M, 1, index, count, m0, m1);
#if SPARQ_HAVE_X86
  if (job.exactFused)
    return arrangeExactRows(*job.p, job.acts->xf.data(), m0, m1);
#endif
  prepareActRows(*job.p, *job.plan, *job.acts, m0, m1);
}

void runJob(void *ctx, int32_t index, int32_t count) {
  const Job &job = *static_cast<const Job *>(ctx);
  const QProblem &p = *job.p;
  int64_t n0, n1;
  splitRange(p.N, 4, index, count, n0, n1);
  if (n0 >= n1)
    return;
#if SPARQ_HAVE_X86
  if (job.exactFused)
    return exactRowsFusedAny(p, job.acts->xf.data(), n0, n1);
#endif
  if (!p.actInt8)
    return exactRows(p, n0, n1, hostHasAvx512Vnni());
#if SPARQ_HAVE_X86
  if (job.plan->vector) {
    auto rows = [&](const QProblem &pp, const Plan &plan) {
      if (pp.bits == 4)
        return pp.e2m1 ? vnniRows<4, true>(pp, plan, *job.acts, n0, n1)
                       : vnniRows<4, false>(pp, plan, *job.acts, n0, n1);
      if (plan.subBits)
        return vnniRows<0, false>(pp, plan, *job.acts, n0, n1);
      return vnniRows<8, false>(pp, plan, *job.acts, n0, n1);
    };
    // Panelled rows: a GEMV (batch up to kStreamBatch) streams the thread's
    // rows panel by panel, y accumulated; the GEMM tiles read whole rows.
    // Per-channel panels: panel by panel at every batch (the GEMM's four
    // weight rows of a panel then stay in L1 for all tiles of x).
    const bool il = job.plan->il;
    if (!p.panels.codes || (il && p.M > kStreamBatch))
      return rows(p, *job.plan);
    for (int64_t q = 0; q < p.panels.count; ++q) {
      const QProblem pq = panelProblem(p, q);
      rows(pq, il ? panelPlan(*job.plan, p.panels, q, pq.ds0)
                  : channelPanelPlan(*job.plan, p.panels, q, pq.ds0));
    }
    return;
  }
#endif
  scalarInt8Rows(p, *job.acts, n0, n1);
}

void qmatmul(sparq_memref2d_t *x, sparq_memref2d_t *data,
             sparq_memref2d_t *scales, sparq_memref2d_t *zp,
             sparq_memref2d_t *y, int64_t k, int64_t config, ScaleKind kind) {
  QProblem p;
  p.M = x->sizes[0];
  p.K = k;
  p.N = data->sizes[0];
  p.x = elementPtr<float>(x);
  p.xs0 = x->strides[0];
  p.xs1 = x->strides[1];
  p.data = elementPtr<uint8_t>(data);
  p.ds0 = data->strides[0];
  p.skind = kind;
  p.scales = static_cast<const char *>(scales->aligned) +
             scales->offset * scaleBytes(kind);
  p.sn = scales->sizes[0] == 1 ? 0 : scales->strides[0];
  p.sk = scales->sizes[1] == 1 ? 0 : scales->strides[1];
  p.G = k / scales->sizes[1];
  p.hasZP = config & SPARQ_RT_Q_HAS_ZP;
  p.zp = elementPtr<int8_t>(zp);
  p.zn = zp->sizes[0] == 1 ? 0 : zp->strides[0];
  p.zk = zp->sizes[1] == 1 ? 0 : zp->strides[1];
  p.y = elementPtr<float>(y);
  p.ys0 = y->strides[0];
  p.ys1 = y->strides[1];
  p.bits = SPARQ_RT_Q_BITS(config);
  p.isSigned = config & SPARQ_RT_Q_SIGNED;
  p.actInt8 = config & SPARQ_RT_Q_ACT_INT8;
  p.e2m1 = (config & SPARQ_RT_Q_E2M1) && p.bits == 4;
  p.codeScale = p.e2m1 ? 0.5f : 1.0f;
  if (p.e2m1) { // Sign-magnitude codes: no zero points, no sign flip.
    p.isSigned = false;
    p.hasZP = false;
  }
  // Sub-byte codes have a packed layout only where they interleave (else
  // sparq_rt_qpack leaves them as stored).
  const bool il = interleaves(p.bits, p.K, scales->sizes[1]);
  p.packed = (config & SPARQ_RT_Q_PACKED) &&
             (p.bits == 4 || p.bits == 8 || (subByteBits(p.bits) && il));
  p.interleaved = p.packed && il;
  if (p.packed && (config & SPARQ_RT_Q_PANELS)) {
    p.panels = packedPanels(p.bits, p.K, scales->sizes[1]);
    // Panel-major data is only meaningful as the whole buffer qpack wrote.
    const int64_t rowBytes = (p.K * p.bits + 7) / 8;
    if (p.panels.codes &&
        (data->sizes[1] != rowBytes || data->strides[1] != 1 ||
         (p.N > 1 && data->strides[0] != rowBytes)))
      fatal("sparq_rt_qmatmul_*: K-panelled data (SPARQ_RT_Q_PANELS) must be "
            "passed whole, [%lld, %lld] bytes with row stride %lld (got "
            "[%lld, %lld], strides [%lld, %lld])",
            (long long)p.N, (long long)rowBytes, (long long)rowBytes,
            (long long)data->sizes[0], (long long)data->sizes[1],
            (long long)data->strides[0], (long long)data->strides[1]);
  }
  if (p.M == 0 || p.N == 0)
    return;
  if (p.K == 0) {
    for (int64_t m = 0; m < p.M; ++m)
      for (int64_t n = 0; n < p.N; ++n)
        p.y[m * p.ys0 + n * p.ys1] = 0.0f;
    return;
  }

  Plan plan = makePlan(p, p.actInt8 && hostHasAvx512Vnni());
  thread_local Acts acts;
  Job job{&p, &plan, &acts};
  const int32_t threads = threadsFor(p.M * p.N * p.K);
#if SPARQ_HAVE_X86
  job.exactFused = !p.actInt8 && exactFused(p) && hostHasAvx512Vnni();
#endif
  if (job.exactFused)
    acts.xf.resize(p.M * exactStride(p.K));
  if (p.actInt8)
    sizeActs(p, plan, acts);
  if (p.actInt8 || job.exactFused) {
    // The rows of x are prepared by all the threads (one fork and join
    // more; serial, they took 3-7% of a 2-thread int4 GEMM at M = 32).
    if (threads > 1 && p.M >= 4)
      sparq_rt_parallel(prepareJob, &job,
                        int32_t(std::min<int64_t>(threads, p.M / 2)));
    else
      prepareJob(&job, 0, 1);
  }
  sparq_rt_parallel(runJob, &job, threads);
}

} // namespace

// The C entry points (one per scale type; see sparq-c/Runtime.h).
#define SPARQ_QUANT_ENTRY(NAME, KIND)                                          \
  extern "C" void _mlir_ciface_##NAME(                                         \
      sparq_memref2d_t *x, sparq_memref2d_t *data, sparq_memref2d_t *scales,   \
      sparq_memref2d_t *zp, sparq_memref2d_t *y, int64_t k, int64_t config) {  \
    qmatmul(x, data, scales, zp, y, k, config, KIND);                          \
  }
SPARQ_QUANT_ENTRY(sparq_rt_qmatmul_sf32, ScaleKind::F32)
SPARQ_QUANT_ENTRY(sparq_rt_qmatmul_sf16, ScaleKind::F16)
SPARQ_QUANT_ENTRY(sparq_rt_qmatmul_sbf16, ScaleKind::BF16)
SPARQ_QUANT_ENTRY(sparq_rt_qmatmul_se8m0, ScaleKind::E8M0)
SPARQ_QUANT_ENTRY(sparq_rt_qmatmul_se4m3, ScaleKind::E4M3)

namespace {
void qpackRows(const uint8_t *src, uint8_t *dst, int64_t n, int64_t k,
               int64_t groups, int64_t config);
} // namespace

extern "C" int64_t sparq_rt_qpack_config(int64_t k, int64_t groups,
                                         int64_t config) {
  const int bits = SPARQ_RT_Q_BITS(config);
  if (bits != 4 && bits != 8 && !interleaves(bits, k, groups))
    return config;
  config |= SPARQ_RT_Q_PACKED;
  return packedPanels(bits, k, groups).codes ? config | SPARQ_RT_Q_PANELS
                                             : config;
}

extern "C" int64_t sparq_rt_qpack(const uint8_t *src, uint8_t *dst, int64_t n,
                                  int64_t k, int64_t groups, int64_t config) {
  const int bits = SPARQ_RT_Q_BITS(config);
  const KPanels panels = packedPanels(bits, k, groups);
  if (!panels.codes) {
    qpackRows(src, dst, n, k, groups, config);
    return sparq_rt_qpack_config(k, groups, config);
  }
  // The interleaved rows, then each row's part of panel q to panel q's rows.
  const int64_t rowBytes = (k * bits + 7) / 8;
  std::vector<uint8_t> rows(size_t(n * rowBytes));
  qpackRows(src, rows.data(), n, k, groups, config);
  const int64_t per = panels.codes * bits / 8;
  for (int64_t q = 0; q < panels.count; ++q) {
    const int64_t bytes = panelRowBytes(panels, k, bits, q);
    for (int64_t r = 0; r < n; ++r)
      std::memcpy(dst + q * n * per + r * bytes,
                  rows.data() + r * rowBytes + q * per, size_t(bytes));
  }
  return sparq_rt_qpack_config(k, groups, config);
}

namespace {
/// sparq_rt_qpack's rows: offset binary, interleaved where the format is (a
/// plain copy for widths without a packed layout; sparq_rt_qpack_config
/// says which).
void qpackRows(const uint8_t *src, uint8_t *dst, int64_t n, int64_t k,
               int64_t groups, int64_t config) {
  const int bits = SPARQ_RT_Q_BITS(config);
  const int64_t rowBytes = (k * bits + 7) / 8;
  if (subByteBits(bits) && interleaves(bits, k, groups)) {
    // Code by code: code 4w + e of word w moves to code 4w' + e, w' its
    // word in the interleaved order, offset binary.
    const int64_t G = k / groups;
    const uint32_t flip = (config & SPARQ_RT_Q_SIGNED) ? 1u << (bits - 1) : 0;
    for (int64_t r = 0; r < n; ++r) {
      const uint8_t *in = src + r * rowBytes;
      uint8_t *out = dst + r * rowBytes;
      std::memset(out, 0, size_t(rowBytes));
      for (int64_t i = 0; i < k; ++i) {
        const int64_t to =
            (4 * interleavedWord(i, G, groups, 4) + i % 4) * bits;
        const uint32_t c = (bitField(in, i * bits, bits) ^ flip) << (to & 7);
        out[to >> 3] |= uint8_t(c);
        if ((to & 7) + bits > 8)
          out[(to >> 3) + 1] |= uint8_t(c >> 8);
      }
    }
    return;
  }
  if (bits != 4 && bits != 8) {
    std::memcpy(dst, src, size_t(n * rowBytes));
    return;
  }
  // Offset binary: flipping the top bit of each code adds 2^(b-1) mod 2^b.
  const uint8_t flip =
      (config & SPARQ_RT_Q_SIGNED) && !(config & SPARQ_RT_Q_E2M1)
          ? (bits == 4 ? 0x88 : 0x80)
          : 0;
  if (!interleaves(bits, k, groups)) {
    for (int64_t i = 0; i < n * rowBytes; ++i)
      dst[i] = src[i] ^ flip;
    return;
  }
  const int64_t L = 32 / bits, G = k / groups, words = k / L;
  const uint32_t flipWord = 0x01010101u * flip;
  for (int64_t r = 0; r < n; ++r) {
    const uint8_t *in = src + r * rowBytes;
    uint8_t *out = dst + r * rowBytes;
    for (int64_t w = 0; w < words; ++w) {
      uint32_t v;
      std::memcpy(&v, in + 4 * w, 4);
      v ^= flipWord;
      std::memcpy(out + 4 * interleavedWord(w * L, G, groups, L), &v, 4);
    }
  }
}
} // namespace
