//===- Common.h - Shared helpers of the Sparq runtime -----------*- C++ -*-===//

#ifndef SPARQ_LIB_RUNTIME_COMMON_H
#define SPARQ_LIB_RUNTIME_COMMON_H

#include "sparq-c/Runtime.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <vector>

// Intrinsics for the AVX-512 paths of the kernels; SPARQ_HAVE_X86 guards them.
#if defined(__x86_64__)
#include <immintrin.h>
#define SPARQ_HAVE_X86 1
#else
#define SPARQ_HAVE_X86 0
#endif

namespace sparq::rt {

/// A std::allocator whose blocks are 64-byte (cache-line) aligned, so that
/// full-vector loads of kernel-order buffers never split a line.
template <typename T> struct CacheAligned {
  using value_type = T;
  CacheAligned() = default;
  template <typename U> CacheAligned(const CacheAligned<U> &) {}
  T *allocate(size_t n) {
    size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
    void *p = std::aligned_alloc(64, bytes ? bytes : 64);
    if (!p)
      std::abort();
    return static_cast<T *>(p);
  }
  void deallocate(T *p, size_t) { std::free(p); }
  template <typename U> bool operator==(const CacheAligned<U> &) const {
    return true;
  }
  template <typename U> bool operator!=(const CacheAligned<U> &) const {
    return false;
  }
};
template <typename T> using AlignedVector = std::vector<T, CacheAligned<T>>;

/// Calls f(std::integral_constant<int, V>()) for V = v, v in [1, Max]: a
/// runtime batch or remainder picks the kernel instantiated for it.
template <int Max, typename F> inline void withConstant(int64_t v, F &&f) {
  if constexpr (Max > 1)
    if (v < Max)
      return withConstant<Max - 1>(v, f);
  f(std::integral_constant<int, Max>());
}

/// GEMV row order: S long sequential streams, stream j walking the j-th
/// S-th part of [n0, n1) from a staggered start (about 256 KB apart) and
/// wrapping around, as the bandwidth probe does: several streams reach a
/// core's DRAM bandwidth where one does not, and streams a large power of
/// two apart contend for the same DRAM banks. Calls f(rows) with rows[j] the
/// next row of stream j; returns the first row not covered.
template <int S, typename F>
int64_t forEachStreamRow(int64_t n0, int64_t n1, int64_t rowBytes, F f) {
  int64_t part = (n1 - n0) / S;
  if (part == 0)
    return n0;
  int64_t skew =
      std::max<int64_t>(1, (256 << 10) / std::max<int64_t>(1, rowBytes)) % part;
  int64_t rows[S];
  for (int64_t i = 0; i < part; ++i) {
    for (int j = 0; j < S; ++j)
      rows[j] = n0 + j * part + (i + j * skew) % part;
    f(rows);
  }
  return n0 + S * part;
}

/// sparq_rt_set_gemv_streams: 0 (automatic), 2 or 4.
int32_t gemvStreamsSetting();

/// How many weight rows a GEMV (batch 1-8) streams at once (forEachStreamRow)
/// over `rows` rows of `rowBytes` each, reading `reusedBytes` of activations
/// per row of x for every weight row (see sparq_rt_set_gemv_streams).
/// Several long sequential streams reach a core's DRAM bandwidth where one
/// does not, but more is not better: on a Zen 4 core two streams read 12-20%
/// faster than four from DRAM at batch 1 (int4 and int8, 1 and 2 threads,
/// bench/sparq-gemv-ab), while four rows per tile share each activation load
/// and run 10-19% faster from L3. So two streams once the thread's rows
/// exceed 1 MiB (a layer of a model that does not fit in the caches, the
/// decode case), four for smaller parts, as long as the lines four rows bring
/// through L1 do not evict the activations before their next use: four rows
/// and the activations within 24 KB (under the 32-48 KB L1D of current x86
/// cores). At batch 2-8 the activations of all rows of x are reread for every
/// weight row; once they outgrow 12 KB they come from L2 anyway, and four
/// rows per load halve that traffic: four streams, 1.05-1.4x faster than two
/// (int4 g128 batch 2-8 at K = 4096 and 11008).
inline int gemvStreams(int64_t rows, int64_t rowBytes, int64_t reusedBytes,
                       int64_t batch = 1) {
  int32_t set = gemvStreamsSetting();
  if (set == 2 || set == 4)
    return set;
  if (batch > 1 && batch * reusedBytes > 12 * 1024)
    return 4;
  if (rows * rowBytes > (int64_t(1) << 20))
    return 2;
  return 4 * rowBytes + reusedBytes <= 24 * 1024 ? 4 : 2;
}

/// A violated precondition of a ukernel entry point (compiled code never
/// gets here): prints "sparq runtime: <message>" to stderr and aborts.
[[noreturn]] __attribute__((format(printf, 1, 2))) void fatal(const char *fmt,
                                                              ...);

/// True when the host has AVX-512 F/BW/VL/DQ + VNNI (checked once).
bool hostHasAvx512Vnni();
/// hostHasAvx512Vnni() and AVX-512 VBMI (byte permutes).
bool hostHasAvx512Vbmi();

inline float f16ToF32(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else { // Subnormal: renormalize.
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while (!(mant & 0x400));
      bits = sign | uint32_t(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | mant << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline float bf16ToF32(uint16_t h) {
  uint32_t bits = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

enum class ScaleKind { F32, F16, BF16, E8M0, E4M3 };

/// Bytes of one scale.
inline int scaleBytes(ScaleKind kind) {
  switch (kind) {
  case ScaleKind::F32:
    return 4;
  case ScaleKind::F16:
  case ScaleKind::BF16:
    return 2;
  case ScaleKind::E8M0:
  case ScaleKind::E4M3:
    return 1;
  }
  return 4;
}

/// OCP MX E8M0: 2^(e - 127), e = 255 is NaN (exact in f32; e = 0 is the
/// denormal 2^-127).
inline float e8m0ToF32(uint8_t e) {
  if (e == 255)
    return __builtin_nanf("");
  uint32_t bits = e == 0 ? 0x00400000u : uint32_t(e) << 23;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// OCP FP8 E4M3FN: bias 7, no infinities, S.1111.111 is NaN (exact in f32).
inline float e4m3ToF32(uint8_t c) {
  int e = (c >> 3) & 15, m = c & 7;
  float v;
  if (e == 15 && m == 7)
    v = __builtin_nanf("");
  else if (e == 0)
    v = float(m) * (1.0f / 512.0f);
  else
    v = float(8 + m) * float(1u << e) * (1.0f / 1024.0f);
  return (c & 0x80) ? -v : v;
}

inline float loadScale(const void *base, int64_t index, ScaleKind kind) {
  switch (kind) {
  case ScaleKind::F32:
    return static_cast<const float *>(base)[index];
  case ScaleKind::F16:
    return f16ToF32(static_cast<const uint16_t *>(base)[index]);
  case ScaleKind::BF16:
    return bf16ToF32(static_cast<const uint16_t *>(base)[index]);
  case ScaleKind::E8M0:
    return e8m0ToF32(static_cast<const uint8_t *>(base)[index]);
  case ScaleKind::E4M3:
    return e4m3ToF32(static_cast<const uint8_t *>(base)[index]);
  }
  return 0.0f;
}

template <typename T> T *elementPtr(const sparq_memref2d_t *m) {
  return static_cast<T *>(m->aligned) + m->offset;
}

/// Splits [0, n) into `parts` contiguous ranges aligned to `align`.
inline void splitRange(int64_t n, int64_t align, int32_t part, int32_t parts,
                       int64_t &begin, int64_t &end) {
  int64_t units = (n + align - 1) / align;
  int64_t per = units / parts, extra = units % parts;
  int64_t b = part * per + std::min<int64_t>(part, extra);
  int64_t e = b + per + (part < extra ? 1 : 0);
  begin = std::min(n, b * align);
  end = std::min(n, e * align);
}

/// Number of threads worth waking for `macs` multiply-adds: below ~64K per
/// thread the hand-off costs more than it saves.
inline int32_t threadsFor(int64_t macs) {
  int32_t t = sparq_rt_get_num_threads();
  int64_t useful = std::max<int64_t>(1, macs / (int64_t(1) << 16));
  return int32_t(std::min<int64_t>(t, useful));
}

} // namespace sparq::rt

#endif // SPARQ_LIB_RUNTIME_COMMON_H
