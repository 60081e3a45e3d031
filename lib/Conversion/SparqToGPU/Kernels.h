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
#include "llvm/Support/MathExtras.h"

namespace mlir::sparq::gpu_kernels {

/// Bytes of packed weights each thread loads per step (vector<16xi8>).
constexpr int64_t kChunkBytes = 16;
constexpr int64_t kWarp = 32;
/// GEMV without staging: warps per block (one output feature per warp) and
/// rows of x per block (grid.y covers the rest).
constexpr int64_t kGemvWarps = 4;
constexpr int64_t kGemvRows = 4;
/// GEMV with x staged in shared memory (all M rows of x fit in
/// kGemvStageBytes): warps per block and output features per warp (twice
/// as many for 4-bit codes: the best of the geometries measured on an
/// H100, docs/Benchmarks-GPU.md).
constexpr int64_t kGemvStagedWarps = 8;
constexpr int64_t kGemvStagedFeatures = 2;
constexpr int64_t kGemvStageBytes = 48 * 1024;
/// Rows of x a staged GEMV block computes at most (each adds an
/// accumulator per output feature and lane); more rows (K not a multiple
/// of 32 with a large batch) take the unstaged GEMV in blocks of 4 rows.
constexpr int64_t kGemvStagedMaxRows = 8;
/// GEMM: output tile [kTileM x kTileN], K step kTileK, 16x16 threads, each
/// computing a 4x4 micro tile.
constexpr int64_t kTileM = 64, kTileN = 64, kTileK = 32, kGemmThreads = 256;
/// GEMV on int8 tensor cores (gemv-mma): warps per block, features per
/// warp group.
constexpr int64_t kGemvMmaWarps = 8, kGemvMmaRows = 16;
/// Tensor-core GEMM (NVIDIA, nvgpu.mma.sync m16n8k16 f16 x f16 -> f32):
/// output tile [Problem::mmaTileM() x mmaTileN()], K step
/// Problem::mmaStepK() (64; 32 when K is not a multiple of 64, with two
/// shared stages or with 64-column warps), warps in
/// a 2 x (mmaTileN() / mmaWarpN()) grid, each owning a (mmaTileM() / 2) x
/// mmaWarpN() part as mmaTilesM() x mmaTilesN() m16n8 tiles. The shared tiles
/// hold x and the dequantized W as f16, k-contiguous rows padded by kMmaPad
/// elements (144 or 80 bytes: the fragment loads of a warp hit 32 distinct
/// banks).
constexpr int64_t kMmaPad = 8;
/// N:M GEMV: warps (one output feature each) per block.
constexpr int64_t kNmWarps = 8;
/// Int8 tensor-core GEMM: K elements per step (two m16n8k32 k-steps).
constexpr int64_t kMma8StepK = 64;
/// 2:4 sparse tensor-core GEMM: block tile (features and rows of x).
constexpr int64_t kMmaSpTile = 64;
/// AMD matrix-core GEMM: threads per block (four waves of kMfmaWave
/// lanes), block tile kMfmaTile x kMfmaTile.
constexpr int64_t kMfmaThreads = 256, kMfmaWave = 64, kMfmaTile = 64;
/// Blocks of 128 x mmaTileN() from which the tensor-core GEMM takes 128-row
/// blocks (about two per SM on an H100 / H200).
constexpr int64_t kMmaBigTileBlocks = 256;

/// An integer weight format and the problem shape y[M, N] = x[M, K] W[N, K]^T.
struct Problem {
  /// OCP FP8 storage (one byte per element, symmetric), else integers.
  enum class Float8 { None, E4M3FN, E5M2 };
  unsigned bits = 0;    // 4 or 8
  Float8 float8 = Float8::None;
  bool fp4 = false;     // OCP FP4 E2M1 codes (bits = 4, sign-magnitude)
  bool isSigned = true; // storage signedness (zero points too)
  bool hasZeroPoints = false;
  Type scaleType; // f32, f16, bf16, f8E8M0FNU or f8E4M3FN
  int64_t m = 0, n = 0, k = 0;
  bool perRowScales = true; // scale row = n, else 0 (per-tensor)
  int64_t scaleBlockK = 0;  // elements of K sharing one scale (K or g)

  int64_t rowBytes() const { return k * bits / 8; }
  int64_t chunkElems() const { return kChunkBytes * 8 / bits; }
  int64_t numChunks() const { return rowBytes() / kChunkBytes; }
  /// Chunks each lane loads per GEMV loop iteration (1, 2 or 4).
  int64_t gemvUnroll() const;
  /// GEMV geometry: x staged in shared memory (M * K * 4 bytes fit in
  /// kGemvStageBytes), else read from global memory per warp.
  bool gemvStaged() const {
    return m <= kGemvStagedMaxRows && xStageBytes() <= kGemvStageBytes;
  }
  /// Shared memory of the GEMV's copy of x: f32, or with int8 activations
  /// the codes, per-chunk code sums and per-row maxima.
  int64_t xStageBytes() const {
    return int8Activations ? m * xqPitch() + m * numChunks() * 4 + m * 4
                           : m * k * 4;
  }
  /// Bytes per row of the int8 x codes in shared memory: 4-bit weights
  /// (32-byte chunks of codes, one per lane) pad 16 bytes after every 128
  /// codes, so that the 16-byte loads of 8 consecutive lanes hit distinct
  /// banks (ncu: half the wavefronts were bank-conflict replays).
  int64_t xqPitch() const { return bits == 4 ? k + (k + 127) / 128 * 16 : k; }
  /// GEMV with int8 activations (convert-sparq-to-gpu activations=int8, for
  /// integer codes): each row of x quantized as the CPU runtime does, the
  /// products summed exactly in int32 by 4-way byte dot products.
  bool int8Activations = false;
  int64_t gemvWarps() const {
    return gemvWarpsOverride        ? gemvWarpsOverride
           : !gemvStaged()          ? kGemvWarps
           : float8 != Float8::None ? 4
                                    : kGemvStagedWarps;
  }
  /// Output features (rows of W) per warp, sharing each x load.
  int64_t gemvFeatures() const {
    // FP8 (f32 activations only): 4 warps x 4 features x 2 chunks per lane
    // and iteration were 1-7% faster than 8 x 2 x 4 in three H200 runs.
    return gemvFeaturesOverride     ? gemvFeaturesOverride
           : !gemvStaged()          ? 1
           : bits == 4              ? 2 * kGemvStagedFeatures
           : float8 != Float8::None ? 4
                                    : kGemvStagedFeatures;
  }
  /// convert-sparq-to-gpu's gemv-warps / gemv-features / gemv-unroll (0:
  /// the defaults; the unroll is the largest of 4, 2, 1 not above it that
  /// divides the row's chunks into whole warp steps).
  int64_t gemvWarpsOverride = 0, gemvFeaturesOverride = 0,
          gemvUnrollOverride = 0;
  /// Rows of x per block.
  int64_t gemvRows() const { return gemvStaged() ? m : std::min(kGemvRows, m); }
  /// GEMV feature groups: gemvFeatures() output features each, one warp's
  /// work item.
  int64_t gemvGroups() const {
    return (n + gemvFeatures() - 1) / gemvFeatures();
  }
  /// Loop iterations per row of W (gemvUnroll() chunks per lane each).
  int64_t gemvIters() const {
    return (numChunks() + kWarp * gemvUnroll() - 1) / (kWarp * gemvUnroll());
  }
  /// convert-sparq-to-gpu gemv-blocks (0: one warp per feature group).
  int64_t gemvBlocksOption = 0;
  /// The persistent GEMV (gemv-blocks > 0, x staged): a grid of at most
  /// gemv-blocks blocks whose warps each loop over feature groups w, w + W,
  /// ... (w its index in the grid, W the grid's warps) as one stream of
  /// iterations: the loads of a group's first iteration are issued while
  /// the previous group's last iteration computes, and every block
  /// quantizes or stages x once for all its groups.
  bool gemvPersistent() const { return gemvBlocksOption > 0 && gemvStaged(); }
  /// GEMV blocks along N (grid.x).
  int64_t gemvBlocks() const {
    int64_t needed = (gemvGroups() + gemvWarps() - 1) / gemvWarps();
    return gemvPersistent() ? std::min(needed, gemvBlocksOption) : needed;
  }
  /// K elements per step of the tensor-core GEMM.
  int64_t mmaStepK() const;
  int64_t mmaPitch() const { return mmaStepK() + kMmaPad; }
  /// Output columns per tensor-core block: 128 (8 warps), or 64 / 256 (4 /
  /// 16 warps) with mma-tile-n.
  int64_t mmaTileN() const;
  /// Output columns per warp: 32, or 64 (fewer fragment loads from shared
  /// memory per mma, twice the accumulators; the default with 128-row
  /// blocks); mma-warp-n sets it.
  int64_t mmaWarpN() const;
  /// n8 tiles per warp. Each thread holds mmaTilesM() x mmaTilesN()
  /// accumulators of vector<2x2xf32>.
  int64_t mmaTilesN() const { return mmaWarpN() / 8; }
  int64_t mmaThreads() const {
    return mfma ? kMfmaThreads : 2 * (mmaTileN() / mmaWarpN()) * kWarp;
  }
  /// The AMD matrix-core GEMM (convert-sparq-to-gpu mfma): 64 x 64 blocks of
  /// kMfmaThreads threads (four 64-lane waves in a 2 x 2 grid, each owning
  /// 32 x 32 outputs as 2 x 2 tiles of amdgpu.mfma 16x16x16 f16 -> f32), the
  /// tile loads and the one-step prefetch of the tensor-core GEMM.
  bool mfma = false;
  /// The tensor-core GEMM rounds x and W to bf16 instead of f16
  /// (convert-sparq-to-gpu mma-bf16): the f16-typed shared tiles hold bf16
  /// bit patterns, the mma is nvvm.mma.sync m16n8k16 bf16 -> f32.
  bool mmaBf16 = false;
  /// The int8 tensor-core GEMM (convert-sparq-to-gpu mma-int8, NVIDIA):
  /// x quantized per row to int8 as the CPU does, W's 4- or 8-bit integer
  /// codes as s8, mma.sync m16n8k32 s8 x s8 -> s32 (exact), one scale per
  /// row of W; the MMA kernel's block and warp geometry with one shared
  /// stage of K steps of 64.
  bool mma8 = false;
  /// N:M sparse f32 weights along K (sparq-c/Runtime.h's layout: values
  /// [N, Kv] f32, Kv = K / nmM * nmN, positions as nmBits()-bit fields):
  /// nmN > 0 selects the N:M GEMV.
  int64_t nmN = 0, nmM = 0;
  /// The 2:4 sparse tensor-core GEMM (convert-sparq-to-gpu mma-sparse,
  /// NVIDIA; N:M 2:4 weights with K a multiple of 64 where the N:M GEMV does
  /// not fit): W, the sparse operand, is A of mma.sp.sync m16n8k32 f16 x f16
  /// -> f32 (16 features x 32 elements of K as 16 stored values and their
  /// positions as metadata), the rows of x are the 8 columns of B, so each
  /// warp computes tiles of y^T. Blocks of kMmaSpTile features x kMmaSpTile
  /// rows of x, K steps of 64, four warps in a 2 x 2 grid each owning 32
  /// features (mmaTilesM() = 2 m16 tiles) x 32 rows (mmaTilesN() = 4 n8
  /// tiles): the tensor-core GEMM's geometry and x tile with the W tile's
  /// rows (features) as the mma rows. Shared tiles: x rounded to f16
  /// [kMmaSpTile, mmaPitch()], the stored values rounded to f16
  /// [kMmaSpTile, 32 + kMmaPad] and the metadata [kMmaSpTile, 4] i16 (the
  /// stored 2-bit positions of 16 elements of K per i16: the stored layout
  /// is already PTX's, group j's two positions in bits 4j and 4j + 2).
  bool mmaSparse = false;
  /// The 2:4 GEMM's value tile [kMmaSpTile, mmaSpPitch()] f16 (a step's
  /// stored values, padded by kMmaPad) and metadata tile [kMmaSpTile,
  /// mmaSpMetaCols()] i16 (one per 16 elements of the step).
  int64_t mmaSpPitch() const { return mmaStepK() / 2 + kMmaPad; }
  int64_t mmaSpMetaCols() const { return mmaStepK() / 16; }
  /// Bits of one position field: ceil(log2 nmM).
  int64_t nmBits() const { return llvm::Log2_64_Ceil(nmM); }
  int64_t nmKv() const { return k / nmM * nmN; }
  /// Bytes per row of the int8 GEMM's shared tiles (64 codes and a 16-byte
  /// pad: the 32-bit fragment loads of a warp hit distinct banks).
  int64_t mma8Pitch() const { return kMma8StepK + 16; }
  /// Whether the int8 tensor-core GEMM covers this problem.
  bool mma8Fits() const {
    return !fp4 && float8 == Float8::None && (bits == 4 || bits == 8) &&
           scaleBlockK >= k && k % kMma8StepK == 0;
  }
  /// Output rows per tensor-core block: 64, or 128 (each warp owns 64 rows:
  /// twice the mma per fragment load and per dequantized W) when that still
  /// gives kMmaBigTileBlocks blocks; mma-tile-m sets it.
  int64_t mmaTileM() const;
  /// m16 tiles per warp (the two warp rows split the block's rows).
  int64_t mmaTilesM() const { return mmaTileM() / 32; }
  /// K steps loaded ahead by the tensor-core GEMM (1 or 2).
  int64_t mmaPrefetch() const;
  /// Shared-memory stages of the tensor-core GEMM: 1, or 2 (K a multiple of
  /// 64: K steps of 32 alternate between two tile pairs, one barrier per
  /// step; the default with 128-row blocks); mma-stages sets it.
  int64_t mmaStages() const;
  int64_t mmaTileNOverride = 0, mmaTileMOverride = 0, mmaPrefetchOverride = 0,
          mmaStagesOverride = 0, mmaWarpNOverride = 0;
  /// The GEMV runs on int8 tensor cores (gemv-mma).
  bool gemvMma = false;
  /// K elements per gemv-mma warp step (4 chunks).
  int64_t gemvMmaStepK() const { return 4 * chunkElems(); }
  /// gemv-mma groups of 16 features per block (1 or 2: gemv-mma-rows 16 or
  /// 32), each run by kGemvMmaWarps / groups warps splitting K: more
  /// features share one quantization of x.
  int64_t gemvMmaGroups = 1;
  int64_t gemvMmaRows() const { return kGemvMmaRows * gemvMmaGroups; }
  int64_t gemvMmaGroupWarps() const { return kGemvMmaWarps / gemvMmaGroups; }
  /// convert-sparq-to-gpu min-blocks-per-sm (NVIDIA; 0: ptxas decides).
  int64_t minBlocksPerSM = 0;
  /// convert-sparq-to-gpu mma-ldmatrix (with nvvm).
  bool mmaLdmatrix = false;
  /// convert-sparq-to-gpu mma-packed-w (with nvvm).
  bool mmaPackedWOption = false;
  /// The tensor-core GEMM keeps W packed in shared memory (4- or 8-bit
  /// integer codes, one scale per row or scale groups of whole K steps):
  /// each step stores the raw codes, byte-transposed so that lane t of a
  /// fragment row finds its codes in one 32-bit word, and every warp
  /// dequantizes its own B fragments in registers (f16x2 arithmetic), a
  /// quarter (int4) or half (int8) of the shared-memory traffic of
  /// dequantized f16 tiles.
  bool mmaPackedW() const;
  /// One scale per row of W (per channel or per tensor): the packed GEMM
  /// scales the f32 accumulators at the end instead of each fragment.
  bool mmaEndScale() const { return scaleBlockK >= k; }
  /// Packed GEMM: the step's 32-bit code words per row of the W tile (4 per
  /// 16-byte chunk) and its rows: mmaTileN() rows of codes, then the
  /// per-row dequantization words (offset and scale as f16x2) two per
  /// column.
  int64_t mmaPackedPitch() const { return 4 * (mmaStepK() / chunkElems()); }
  int64_t mmaPackedRows() const {
    return mmaTileN() +
           (2 * mmaTileN() + mmaPackedPitch() - 1) / mmaPackedPitch();
  }
  bool useGemm(int64_t gemmMinRows) const;
  /// A short stable name of the format, e.g. "i4g128f16" or "ui8ca".
  std::string formatName() const;
};

/// The buffers a kernel reads and writes (device or host memrefs of static
/// identity-layout types: x [M, K] f32, data [N, rowBytes] i8, scales and
/// zero points [SN, SK], y [M, N] f32).
struct Operands {
  Value x, data, scales, zeroPoints, y;
  /// N:M weights (Problem::nmN > 0): the packed positions [N, bytes] i8.
  Value indices;
};

/// The column of x code `col` in the xq rows (Problem::xqPitch).
Value emitXqColumn(OpBuilder &b, Location loc, const Problem &p, Value col);

/// Where the GEMV reads x: `x` ([M, K] f32, global or shared), or with int8
/// activations the buffers emitQuantizeX* fill: xq [M, xqPitch()] i8 (for 4-bit
/// codes each block of 8 elements stored as its 4 even then its 4 odd
/// elements, matching the low and high nibbles of a word), xsum [M, chunks]
/// i32 (the sum of each chunk's codes) and xmax [M] i32 (the bits of
/// max |x| of the row, a non-negative f32).
struct XSource {
  Value x, xq, xsum, xmax;
};

/// True when the loads carry `alignment = 16` (GPU buffers are allocated
/// 256-byte aligned and every row is a multiple of 16 bytes; host buffers of
/// the reference mode need not be).
struct EmitOptions {
  bool alignedLoads = true;
  /// NVIDIA kernels: integer codes reach the f32 mantissa with one
  /// `nvvm.prmt` byte permute each instead of shift/mask/or.
  bool nvvm = false;
  /// NVIDIA tensor-core GEMM: fragments loaded with ldmatrix (one
  /// instruction per A fragment or pair of B fragments) instead of 32-bit
  /// shared loads.
  bool ldmatrix = false;
  /// The host-reference kernels: cross-lane ops (ldmatrix) are replayed
  /// from their definition instead of emitted.
  bool host = false;
};

/// GEMV, the weight loads of one loop iteration of lane chunk `chunk`
/// (gemvUnroll chunks `chunk + 32 u`, clamped to the row) for each output
/// feature of `ns` (clamped to N - 1): emitLoadChunk values, flattened.
/// Issued one iteration ahead (the kernel's prologue, then the loop).
SmallVector<Value> emitGemvLoads(OpBuilder &b, Location loc, const Problem &p,
                                 const Operands &ops, const EmitOptions &opt,
                                 ArrayRef<Value> ns, Value chunk);
/// GEMV phase 1: the partial dot products of lane `lane` for the output
/// features `ns` and the gemvRows() rows of x from `mBase` (clamped to
/// M - 1) read from `xs` (ops.x, or its copy in shared memory), as
/// sums[f * rows + i]; `prologue` holds emitGemvLoads(ns, lane).
SmallVector<Value> emitGemvLanePartials(OpBuilder &b, Location loc,
                                        const Problem &p, const Operands &ops,
                                        const EmitOptions &opt,
                                        ArrayRef<Value> ns, Value lane,
                                        Value mBase, const XSource &xs,
                                        ValueRange prologue);
/// The persistent GEMV (Problem::gemvPersistent) as a stream of iterations
/// of lane `lane` of grid warp `warpG`: iteration j is iteration j % T
/// (T = gemvIters()) of feature group warpG + (j / T) W (W the grid's warps),
/// the loads of iteration j + 1 issued before j's math, across group
/// boundaries. `prologue` holds emitGemvStreamLoads(warpG, lane, 0); at a
/// group's last iteration `finish(ns, slot, sums)` receives its features,
/// its index among the warp's groups and the lane's sums (row-scaled as
/// emitGemvRowScales), inside the loop.
void emitGemvStream(
    OpBuilder &b, Location loc, const Problem &p, const Operands &ops,
    const EmitOptions &opt, Value warpG, Value lane, Value mBase,
    const XSource &xs, ValueRange prologue,
    function_ref<void(ArrayRef<Value> ns, Value slot, ValueRange sums)> finish);
/// The weight loads of iteration `j` of emitGemvStream's stream.
SmallVector<Value> emitGemvStreamLoads(OpBuilder &b, Location loc,
                                       const Problem &p, const Operands &ops,
                                       const EmitOptions &opt, Value warpG,
                                       Value lane, Value j);
/// The staged GEMV's copy of x (M * K f32) into shared `xs`, as
/// vector<4xf32>s by every thread `tid` of `threads` (a barrier follows).
void emitStageX(OpBuilder &b, Location loc, const Problem &p, Value x, Value xs,
                Value tid, int64_t threads);
/// The output features `n0`, `n0 + 1`, ... (gemvFeatures()) of GEMV feature
/// group `group` (n0 = group * gemvFeatures()).
SmallVector<Value> emitGemvGroupFeatures(OpBuilder &b, Location loc,
                                         const Problem &p, Value group);
/// One GEMV loop iteration of a lane whose chunks start at `chunk` (chunks
/// `chunk + 32 u`, u < gemvUnroll()): `sums` (gemvFeatures() * gemvRows())
/// plus the products of the `loaded` emitGemvLoads values with the rows of x
/// from `mBase`.
SmallVector<Value> emitGemvStep(OpBuilder &b, Location loc, const Problem &p,
                                const EmitOptions &opt, Value chunk,
                                Value mBase, const XSource &xs, ValueRange sums,
                                ValueRange loaded);
/// A lane's finished sums (as emitGemvStep, feature-major) times the
/// activation scale of their rows of x with int8 activations (unchanged
/// otherwise).
SmallVector<Value> emitGemvRowScales(OpBuilder &b, Location loc,
                                     const Problem &p, const XSource &xs,
                                     Value mBase, ValueRange sums);
/// Int8 activations, in three phases separated by barriers, each run by
/// every thread `tid` of `threads`: zero xsum and xmax; the row maxima
/// (atomic max of |x| bits); the codes xq = clamp(rint(x / a), -127, 127)
/// with a = max|x| / 127 (1 for an all-zero row; rint rounds half to even,
/// as the CPU runtime) and their chunk sums (atomic adds).
void emitQuantizeXInit(OpBuilder &b, Location loc, const Problem &p,
                       const XSource &xs, Value tid, int64_t threads);
void emitQuantizeXMax(OpBuilder &b, Location loc, const Problem &p,
                      const XSource &xs, Value tid, int64_t threads);
void emitQuantizeXCodes(OpBuilder &b, Location loc, const Problem &p,
                        const XSource &xs, Value tid, int64_t threads);
/// GEMV phase 3: stores sums[f * rows + i] to y[mBase + i, ns[f]] where in
/// range.
void emitGemvStore(OpBuilder &b, Location loc, const Problem &p,
                   const Operands &ops, ArrayRef<Value> ns, Value mBase,
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

/// The scale (and zero point) of the weights of row `n` at element `k0`, as
/// f32 values (z is null without zero points).
std::pair<Value, Value> emitLoadScale(OpBuilder &b, Location loc,
                                      const Problem &p, const Operands &ops,
                                      Value n, Value k0);
/// a = max|x| / 127 of row `row` of the int8 activations (1 for an
/// all-zero row), from xs.xmax.
Value emitRowScale(OpBuilder &b, Location loc, const XSource &xs, Value row);

// GEMV on int8 tensor cores (convert-sparq-to-gpu gemv-mma, NVIDIA, int8
// activations, 4- and 8-bit integer codes, at most 8 rows of x): a block of
// kGemvMmaWarps warps owns gemvMmaRows() output features in groups of 16,
// the warps of a group split the steps of K, and each warp runs mma.sync
// m16n8k32 s8 x s8 -> s32 with W as the 16-row operand A and the rows of x as
// the 8 columns of B. Lane (g, t) loads one 16-byte chunk of features g and g
// + 8 per warp step (4 chunks, gemvMmaStepK() elements) and the x codes of row
// g at the same elements; the reduction slots of an mma are permuted alike in
// A and B (slot 4t + e: byte e of word 2j of lane t's words, slot 16 + 4t + e:
// of word 2j + 1), which leaves the sum unchanged. Its pieces follow; the
// kernel and its host reference are assembled in SparqToGPU.cpp.

/// d such that q = c + d for the s8 operand codes c of gemv-mma.
int64_t gemvMmaCodeOffset(const Problem &p);
/// The s8 operand words (i32, 4 codes each) of one 16-byte chunk: 4-bit
/// codes as {even elements, odd elements} per word (8 words, the order of
/// the int8 x codes of 4-bit weights), 8-bit codes as they are (4 words).
SmallVector<Value> emitGemvMmaCodeWords(OpBuilder &b, Location loc,
                                        const Problem &p, Value raw);
/// The int8 x codes of row `row` at elements [k0, k0 + chunkElems()) as i32
/// words (zero where `valid` is false: rows of B past M).
SmallVector<Value> emitGemvMmaXWords(OpBuilder &b, Location loc,
                                     const Problem &p, Value xq, Value row,
                                     Value k0, Value valid);
/// An mma operand vector<N x 4 x i8> from N i32 words.
Value emitGemvMmaFragment(OpBuilder &b, Location loc, ArrayRef<Value> words);

/// The values emitLoadChunk returns for one chunk.
int64_t chunkLoadValues(const Problem &p);
/// Issues the global loads of one 16-byte chunk of row `n` at element `k0`:
/// {raw vector<16xi8>, scale, [zero point], [second group's scale, [zero
/// point]]}, scales and zero points as f32. Kept apart from decoding so that
/// kernels can issue loads early (the MMA GEMM one K step ahead).
SmallVector<Value> emitLoadChunk(OpBuilder &b, Location loc, const Problem &p,
                                 const Operands &ops, const EmitOptions &opt,
                                 Value n, Value k0);

/// MMA GEMM, loads of one K step (thread `tid` of the tile at m0, n0, K
/// offset k0): its W chunks (emitLoadChunk values) and x vector<4xf32>s, as
/// values that the kernel carries to the next iteration (software
/// pipelining: step k + 1 is loaded while step k computes).
SmallVector<Value> emitMmaLoadStep(OpBuilder &b, Location loc, const Problem &p,
                                   const Operands &ops, const EmitOptions &opt,
                                   Value tid, Value m0, Value n0, Value k0);
/// Stores emitMmaLoadStep's values into the shared tiles: W dequantized in
/// f32 ((q - z) * s as in the other kernels) and rounded to f16 into
/// ws [mmaTileN(), pitch], x rounded to f16 into xs [mmaTileM(), pitch].
void emitMmaStoreStep(OpBuilder &b, Location loc, const Problem &p,
                      const EmitOptions &opt, Value tid, ValueRange loaded,
                      Value xs, Value ws);
/// MMA GEMM phase 1 (thread `tid` of the tile at m0, n0, K offset k0):
/// emitMmaStoreStep of emitMmaLoadStep (the host reference's order).
void emitMmaLoadTile(OpBuilder &b, Location loc, const Problem &p,
                     const Operands &ops, const EmitOptions &opt, Value tid,
                     Value m0, Value n0, Value k0, Value xs, Value ws);
/// The A fragment of thread `tid` for the m16 tile `mi` of its warp at K
/// offset `kk` of xs, in the PTX register order (g = lane / 4, t = lane %
/// 4): for f16 tiles m16n8k16's vector<4x2xf16>, rows g, g + 8 x columns
/// 2t, 2t + 8; for s8 tiles (the int8 GEMM) m16n8k32's vector<4x4xi8>, rows
/// g, g + 8 x bytes 4t, 4t + 16. ldmatrix (opt.ldmatrix) is for f16 tiles.
Value emitMmaFragmentA(OpBuilder &b, Location loc, const Problem &p,
                       const EmitOptions &opt, Value tid, Value xs, int64_t kk,
                       int64_t mi);
/// With opt.ldmatrix, the B fragments of the n8 tiles `ni` and `ni + 1`
/// from one ldmatrix.x4 (else two emitMmaFragmentB).
std::pair<Value, Value> emitMmaFragmentBPair(OpBuilder &b, Location loc,
                                             const Problem &p,
                                             const EmitOptions &opt, Value tid,
                                             Value ws, int64_t kk, int64_t ni);
/// The B fragment for the n8 tile `ni`, read from ws [n][k]: column g, rows
/// 2t and 2t + 8 (vector<2x2xf16>, b0..b3) of f16 tiles, rows 4t and
/// 4t + 16 (vector<2x4xi8>) of s8 tiles.
Value emitMmaFragmentB(OpBuilder &b, Location loc, const Problem &p,
                       const EmitOptions &opt, Value tid, Value ws, int64_t kk,
                       int64_t ni);
/// Packed W (Problem::mmaPackedW): the B fragment of n8 tile `ni` at k16
/// step `kk`, dequantized from the code word of lane (g, t) in row
/// wn + 8 ni + g of ws and that row's offset and scale words: per pair of
/// codes one prmt, one and/or, one f16x2 fma ((u - offset - z) exactly) and,
/// with scale groups, one f16x2 multiply by the scale rounded to f16.
Value emitMmaPackedFragmentB(OpBuilder &b, Location loc, const Problem &p,
                             const EmitOptions &opt, Value tid, Value ws,
                             int64_t kk, int64_t ni);
/// acc + A B of one m16n8k16 tile (fragments from emitMmaFragmentA/B,
/// vector<2x2xf32> accumulator): nvgpu.mma.sync on f16, or with mmaBf16 an
/// nvvm.mma.sync on the fragments' bits as bf16x2 words.
Value emitMmaTile(OpBuilder &b, Location loc, const Problem &p, Value a,
                  Value bFrag, Value acc);
/// A 16-bit element of the tensor-core GEMM's tiles (f16-typed; bf16 bits
/// with mmaBf16) as the f32 value it stands for.
Value emitMmaElementToF32(OpBuilder &b, Location loc, const Problem &p,
                          Value v);
/// MMA GEMM phase 3: stores element (r, e) of accumulator a = mi * 4 + ni
/// (row g + 8 r, column 2 t + e of its m16n8 tile) where in range; `acc`
/// returns that element. With mmaSparse the tile's rows are features (from
/// n0) and its columns rows of x (from m0).
void emitMmaStore(OpBuilder &b, Location loc, const Problem &p,
                  const Operands &ops, Value tid, Value m0, Value n0,
                  function_ref<Value(int64_t a, int64_t r, int64_t e)> acc);

/// The N:M GEMV (kNmWarps warps of one output feature per block, x staged
/// in shared memory as f32 [M, K]): lane `lane`'s partial sums of row `n`
/// against every row of x in `xs`, one per row of x. The lane takes the
/// stored values 4c .. 4c + 3 for c = lane, lane + 32, ... (one
/// vector<4xf32> load and the 4 * nmBits() bits of their positions), each
/// value i multiplying x[(i / nmN) * nmM + pos(i)].
SmallVector<Value> emitNmLanePartials(OpBuilder &b, Location loc,
                                      const Problem &p, const Operands &ops,
                                      const EmitOptions &opt, Value n,
                                      Value lane, Value xs);

// 2:4 sparse tensor-core GEMM (Problem::mmaSparse). Lane (g, t) of an
// mma.sp.sync m16n8k32: its A fragment is the dense m16n8k16 A fragment of
// the stored values (rows g, g + 8 x stored columns 2t, 2t + 1, 2t + 8, 2t +
// 9: groups t and t + 4 of the 32 elements), its B fragment the m16n8k16 B
// fragments of elements kk and kk + 16 (rows 2t + 8i, +1 of column g), its
// metadata (sparsity selector 0: lanes t = 0, 1 of each quad are read) the
// positions of elements 16 (t % 2) .. + 15 of rows g (low half) and g + 8
// (high half): the layout of PTX's figure "sparse MMA .m16n8k32 metadata
// layout for .f16/.bf16", as MLIR's sparse-mma-2-4-f16 integration test
// and Triton's sparse dot read it.

/// The loads of one K step of 64 (thread `tid` of the block at rows m0 of
/// x, features n0, K offset k0): 4 vector<4xf32> of stored values (integer
/// codes: the 16 codes of row tid / 2 from value 16 (tid % 2), as
/// vector<2 bits x i8>, and that row's zero point), the positions of row tid
/// % kMmaSpTile (vector<8xi8>), x as emitMmaLoadStep.
SmallVector<Value> emitMmaSpLoadStep(OpBuilder &b, Location loc,
                                     const Problem &p, const Operands &ops,
                                     const EmitOptions &opt, Value tid,
                                     Value m0, Value n0, Value k0);
/// Stores emitMmaSpLoadStep's values: stored values rounded to f16 (codes
/// as q - z, exact) into ws [kMmaSpTile, mmaSpPitch()], positions into meta
/// [kMmaSpTile, mmaSpMetaCols()] (threads below kMmaSpTile), x rounded to
/// f16 into xs.
void emitMmaSpStoreStep(OpBuilder &b, Location loc, const Problem &p,
                        const EmitOptions &opt, Value tid, ValueRange loaded,
                        Value xs, Value ws, Value meta);
/// The metadata of lane `tid` for the m16 tile `mi` of its warp at element
/// kk (0 or 32) of the step: vector<2xi16> {meta[row g][kk / 16 + t % 2],
/// meta[row g + 8][...]}.
Value emitMmaSpMetadata(OpBuilder &b, Location loc, const Problem &p, Value tid,
                        Value meta, int64_t kk, int64_t mi);
/// The B fragment (vector<4x2xf16>) of n8 tile `ni` at element kk: x tile
/// rows (columns of B) wn + 8 ni + g, elements kk + 2t + 8i and + 1.
Value emitMmaSpFragmentB(OpBuilder &b, Location loc, const Problem &p,
                         const EmitOptions &opt, Value tid, Value xs,
                         int64_t kk, int64_t ni);

// Int8 tensor-core GEMM (Problem::mma8). Row scales: a = max|x| / 127 of
// each row of the block (1 for an all-zero row), from xmax (i32 bits of
// max |x|, a non-negative f32); x codes xq = clamp(rint(x / a), -127, 127)
// as the CPU runtime (rint half to even); W codes as s8 c = q - off (off =
// 0 for signed codes, 128 / 8 for unsigned 8- / 4-bit ones); then
// y = (sum c * xq + (off - z) * sum xq) * a * s, the sum exact in int32.

/// Every thread `tid` of `threads`: the |x| maximum of each of the
/// mmaTileM() rows of x from m0 (clamped to M - 1) into xmax [mmaTileM()]
/// (zeroed before, a barrier between): warp w takes rows w, w + warps, ...,
/// its lanes consecutive 16-byte pieces, then one atomic max per lane.
void emitMma8RowMax(OpBuilder &b, Location loc, const Problem &p,
                    const Operands &ops, Value tid, int64_t threads, Value m0,
                    Value xmax);
/// Stores emitMmaLoadStep's values (raw W chunks, x quads) as s8 codes into
/// ws [mmaTileN(), mma8Pitch()] and xs [mmaTileM(), mma8Pitch()], adding
/// each quad's code sum to xsum [mmaTileM()] (atomic).
void emitMma8StoreStep(OpBuilder &b, Location loc, const Problem &p,
                       const EmitOptions &opt, Value tid, ValueRange loaded,
                       Value xs, Value ws, Value xmax, Value xsum);
/// The int8 GEMM's epilogue through emitMmaStore: element (r, e) of
/// accumulator a (i32) to y as (acc + (off - z) * xsum) * a * s where in
/// range.
void emitMma8Store(OpBuilder &b, Location loc, const Problem &p,
                   const Operands &ops, Value tid, Value m0, Value n0,
                   Value xmax, Value xsum,
                   function_ref<Value(int64_t a, int64_t r, int64_t e)> acc);

// AMD matrix-core GEMM (Problem::mfma): the tile loads and stores of the
// tensor-core GEMM (64 x 64 blocks, x and dequantized W rounded to f16 in
// k-contiguous rows), four 64-lane waves in a 2 x 2 grid each owning 32 x 32
// outputs as 2 x 2 tiles of amdgpu.mfma 16x16x16 f16 -> f32. Operand layout
// of v_mfma_f32_16x16x16f16 (CDNA2/3): lane l holds A[l % 16][4 (l / 16) +
// j] and B[4 (l / 16) + j][l % 16] (j < 4, a vector<4xf16> each) and
// D[4 (l / 16) + j][l % 16] (a vector<4xf32>).

/// The lane and its wave's output offsets (rows wm, columns wn) in the
/// block tile.
struct MfmaLane {
  Value lane, wm, wn;
};
MfmaLane emitMfmaLane(OpBuilder &b, Location loc, Value tid);
/// The A (from xs) or B (from ws, [n][k]) operand of lane `lane` for the 16
/// rows of `tile` from `rowBase` at K offset `kk` of the step:
/// tile[rowBase + lane % 16][kk + 4 (lane / 16) + j], j < 4.
Value emitMfmaFragment(OpBuilder &b, Location loc, const EmitOptions &opt,
                       Value tile, Value rowBase, Value lane, int64_t kk);
/// Stores element e of accumulator tile (mi, ni) = mi * 2 + ni (row
/// 4 (lane / 16) + e, column lane % 16 of its 16 x 16 tile) where in range;
/// `acc` returns that element.
void emitMfmaStore(OpBuilder &b, Location loc, const Problem &p,
                   const Operands &ops, const MfmaLane &l, Value m0, Value n0,
                   function_ref<Value(int64_t tile, int64_t e)> acc);

} // namespace mlir::sparq::gpu_kernels

#endif // SPARQ_LIB_CONVERSION_SPARQTOGPU_KERNELS_H
