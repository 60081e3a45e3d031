//===- Kernels.h - Fused dequantize+matmul kernel bodies --------*- C++ -*-===//
//
// The GPU kernels of convert-sparq-to-gpu are built from phase emitters that
// take the thread and block ids as values. The gpu.func kernels pass
// gpu.thread_id/block_id and join the phases with gpu.shuffle and
// gpu.barrier; the host reference mode (`host-reference`) passes loop
// variables of scf.for nests and joins them through host buffers, so the
// same dequantization and accumulation code runs on the CPU in tests.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_LIB_CONVERSION_SPARQTOGPU_KERNELS_H
#define SPARQ_LIB_CONVERSION_SPARQTOGPU_KERNELS_H

#include "mlir/IR/Builders.h"
#include "llvm/ADT/SmallVector.h"

namespace mlir::sparq::gpu_kernels {

/// Bytes of packed weights each thread loads per step (vector<16xi8>).
constexpr int64_t kChunkBytes = 16;
constexpr int64_t kWarp = 32;
/// GEMV: warps per block (one output feature per warp) and rows of x per
/// block (grid.y covers the rest).
constexpr int64_t kGemvWarps = 4;
constexpr int64_t kGemvRows = 4;
/// GEMM: output tile [kTileM x kTileN], K step kTileK, 16x16 threads, each
/// computing a 4x4 micro tile.
constexpr int64_t kTileM = 64, kTileN = 64, kTileK = 32, kGemmThreads = 256;

/// An integer weight format and the problem shape y[M, N] = x[M, K] W[N, K]^T.
struct Problem {
  unsigned bits = 0;    // 4 or 8
  bool isSigned = true; // storage signedness (zero points too)
  bool hasZeroPoints = false;
  Type scaleType; // f32, f16 or bf16
  int64_t m = 0, n = 0, k = 0;
  bool perRowScales = true; // scale row = n, else 0 (per-tensor)
  int64_t scaleBlockK = 0;  // elements of K sharing one scale (K or g)

  int64_t rowBytes() const { return k * bits / 8; }
  int64_t chunkElems() const { return kChunkBytes * 8 / bits; }
  int64_t numChunks() const { return rowBytes() / kChunkBytes; }
  /// Chunks each lane loads per GEMV loop iteration (1, 2 or 4).
  int64_t gemvUnroll() const;
  bool useGemm(int64_t gemmMinRows) const;
  /// A short stable name of the format, e.g. "i4g128f16" or "ui8ca".
  std::string formatName() const;
};

/// The buffers a kernel reads and writes (device or host memrefs of static
/// identity-layout types: x [M, K] f32, data [N, rowBytes] i8, scales and
/// zero points [SN, SK], y [M, N] f32).
struct Operands {
  Value x, data, scales, zeroPoints, y;
};

/// True when the loads carry `alignment = 16` (GPU buffers are allocated
/// 256-byte aligned and every row is a multiple of 16 bytes; host buffers of
/// the reference mode need not be).
struct EmitOptions {
  bool alignedLoads = true;
};

/// GEMV phase 1: the partial dot products of lane `lane` for output feature
/// `n` and the kGemvRows rows of x from `mBase` (clamped to M - 1).
SmallVector<Value> emitGemvLanePartials(OpBuilder &b, Location loc,
                                        const Problem &p, const Operands &ops,
                                        const EmitOptions &opt, Value n,
                                        Value lane, Value mBase);
/// GEMV phase 3: stores `sums` to y[mBase + i, n] where in range.
void emitGemvStore(OpBuilder &b, Location loc, const Problem &p,
                   const Operands &ops, Value n, Value mBase,
                   ArrayRef<Value> sums);

/// GEMM phase 1 (thread `tid` of the tile at m0, n0, K offset k0): loads x
/// and dequantized W into the k-major tiles xs [kTileK, kTileM] and
/// ws [kTileK, kTileN].
void emitGemmLoadTile(OpBuilder &b, Location loc, const Problem &p,
                      const Operands &ops, const EmitOptions &opt, Value tid,
                      Value m0, Value n0, Value k0, Value xs, Value ws);
/// GEMM phase 2: accumulates the tiles into the thread's 4 vector<4xf32>.
SmallVector<Value> emitGemmCompute(OpBuilder &b, Location loc,
                                   const EmitOptions &opt, Value tid, Value xs,
                                   Value ws, ValueRange accs);
/// GEMM phase 3: stores the thread's micro tile where in range.
void emitGemmStore(OpBuilder &b, Location loc, const Problem &p,
                   const Operands &ops, Value tid, Value m0, Value n0,
                   ValueRange accs);

} // namespace mlir::sparq::gpu_kernels

#endif // SPARQ_LIB_CONVERSION_SPARQTOGPU_KERNELS_H
