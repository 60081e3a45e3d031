//===- BenchUtils.h - Helpers shared by the CPU benchmark programs --------===//
//
// Clock, a deterministic xorshift generator and huge-page allocation, as
// sparq-bench and sparq-gemv-ab both use them.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_BENCH_BENCHUTILS_H
#define SPARQ_BENCH_BENCHUTILS_H

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <sys/mman.h>

namespace sparq::bench {

/// Seconds on the steady clock.
inline double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// xorshift64: the same weights and inputs in every run.
inline uint64_t next() {
  static uint64_t state = 0x9e3779b97f4a7c15ull;
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

/// `bytes` (free with std::free): from 2 MiB up, 2 MiB-aligned with
/// transparent huge pages asked for (MADV_HUGEPAGE) before first touch, as a
/// runtime that maps a model's weights would: with 4 KiB pages every 4 KiB
/// of each weight stream costs a TLB miss. Null when out of memory.
inline void *hugeAlloc(size_t bytes) {
  constexpr size_t kHuge = size_t(2) << 20;
  if (bytes < kHuge)
    return std::malloc(bytes ? bytes : 1);
  size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
  void *p = std::aligned_alloc(kHuge, rounded);
  if (p)
    madvise(p, rounded, MADV_HUGEPAGE);
  return p;
}

} // namespace sparq::bench

#endif // SPARQ_BENCH_BENCHUTILS_H
