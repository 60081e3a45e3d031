//===- KernelTestUtils.h - Shared helpers of the ukernel tests --*- C++ -*-===//
//
// Memref descriptors over host buffers and f16/bf16 encodings, used by the
// runtime ukernel tests (runtime-kernels.cpp, sparse-kernels.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_TEST_RUNTIME_KERNELTESTUTILS_H
#define SPARQ_TEST_RUNTIME_KERNELTESTUTILS_H

#include "sparq-c/Runtime.h"

#include <cstdint>
#include <cstring>

namespace sparq::test {

/// A rank-2 view of `p`: `r` x `c` elements, rows `ld` elements apart.
inline sparq_memref2d_t desc2(void *p, int64_t r, int64_t c, int64_t ld) {
  sparq_memref2d_t d;
  d.allocated = d.aligned = p;
  d.offset = 0;
  d.sizes[0] = r;
  d.sizes[1] = c;
  d.strides[0] = ld;
  d.strides[1] = 1;
  return d;
}

/// A rank-1 view of `p`: `n` elements, `stride` elements apart.
inline sparq_memref1d_t desc1(void *p, int64_t n, int64_t stride = 1) {
  sparq_memref1d_t d;
  d.allocated = d.aligned = p;
  d.offset = 0;
  d.sizes[0] = n;
  d.strides[0] = stride;
  return d;
}

/// f32 -> f16 bits, exact for the normal values with at most 10 mantissa
/// bits that the tests use (no rounding, no subnormals).
inline uint16_t toF16(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  int32_t e = int32_t((b >> 23) & 0xff) - 127 + 15;
  return uint16_t((b >> 16 & 0x8000) | (e << 10) | ((b >> 13) & 0x3ff));
}

/// f32 -> bf16 bits by truncation (exact for the values the tests use).
inline uint16_t toBF16(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return uint16_t(b >> 16);
}

} // namespace sparq::test

#endif // SPARQ_TEST_RUNTIME_KERNELTESTUTILS_H
