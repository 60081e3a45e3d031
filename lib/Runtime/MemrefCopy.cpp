//===- MemrefCopy.cpp - memref.copy for compiled models --------------------===//
//
// The LLVM lowering of `memref.copy` between buffers whose layouts are not
// both contiguous calls `memrefCopy` (upstream it lives in
// libmlir_c_runner_utils, which a deployed model should not need). Same ABI:
// unranked descriptors {rank, pointer to a ranked descriptor}.
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <cstring>
#include <vector>

namespace {
struct Unranked {
  int64_t rank;
  void *descriptor;
};

/// The fields of a ranked descriptor of rank `rank`.
struct View {
  char *aligned;
  int64_t offset;
  const int64_t *sizes;
  const int64_t *strides;
};

View view(const Unranked &u) {
  auto *words = static_cast<int64_t *>(u.descriptor);
  View v;
  std::memcpy(&v.aligned, &words[1], sizeof(char *));
  v.offset = words[2];
  v.sizes = &words[3];
  v.strides = &words[3 + u.rank];
  return v;
}
} // namespace

extern "C" void memrefCopy(int64_t elemSize, Unranked *src, Unranked *dst) {
  int64_t rank = src->rank;
  View s = view(*src), d = view(*dst);
  char *sp = s.aligned + s.offset * elemSize;
  char *dp = d.aligned + d.offset * elemSize;
  int64_t total = 1;
  for (int64_t i = 0; i < rank; ++i)
    total *= s.sizes[i];
  if (total == 0)
    return;
  if (rank == 0) {
    std::memcpy(dp, sp, elemSize);
    return;
  }
  // Odometer over all but the last dimension; the last is copied in a loop
  // (one memcpy when both are contiguous along it).
  std::vector<int64_t> idx(rank, 0);
  int64_t last = rank - 1, n = s.sizes[last];
  bool unit = s.strides[last] == 1 && d.strides[last] == 1;
  for (;;) {
    int64_t so = 0, dof = 0;
    for (int64_t i = 0; i < last; ++i) {
      so += idx[i] * s.strides[i];
      dof += idx[i] * d.strides[i];
    }
    if (unit) {
      std::memcpy(dp + dof * elemSize, sp + so * elemSize, n * elemSize);
    } else {
      for (int64_t j = 0; j < n; ++j)
        std::memcpy(dp + (dof + j * d.strides[last]) * elemSize,
                    sp + (so + j * s.strides[last]) * elemSize, elemSize);
    }
    int64_t i = last - 1;
    for (; i >= 0; --i) {
      if (++idx[i] < s.sizes[i])
        break;
      idx[i] = 0;
    }
    if (i < 0)
      return;
  }
}
