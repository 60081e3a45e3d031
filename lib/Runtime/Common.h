//===- Common.h - Shared helpers of the Sparq runtime -----------*- C++ -*-===//

#ifndef SPARQ_LIB_RUNTIME_COMMON_H
#define SPARQ_LIB_RUNTIME_COMMON_H

#include "sparq-c/Runtime.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
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

enum class ScaleKind { F32, F16, BF16 };

inline float loadScale(const void *base, int64_t index, ScaleKind kind) {
  switch (kind) {
  case ScaleKind::F32:
    return static_cast<const float *>(base)[index];
  case ScaleKind::F16:
    return f16ToF32(static_cast<const uint16_t *>(base)[index]);
  case ScaleKind::BF16:
    return bf16ToF32(static_cast<const uint16_t *>(base)[index]);
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
