//===- Pipelines.h - Sparq pass pipelines -----------------------*- C++ -*-===//

#ifndef SPARQ_PIPELINES_PIPELINES_H
#define SPARQ_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace mlir::sparq {

/// Options of `sparq-cpu-reference`.
struct CpuReferencePipelineOptions
    : public PassPipelineOptions<CpuReferencePipelineOptions> {};

/// Lowers a module with Sparq ops to the LLVM dialect through the reference
/// decode path (`convert-sparq-to-linalg`), one-shot bufferization and scalar
/// loops: correct on every format it supports, not fast.
void buildCpuReferencePipeline(OpPassManager &pm,
                               const CpuReferencePipelineOptions &options);

/// Options of `sparq-cpu`.
struct CpuPipelineOptions : public PassPipelineOptions<CpuPipelineOptions> {
  PassOptions::Option<std::string> activations{
      *this, "activations",
      llvm::cl::desc("Activation numerics of integer-weight matmuls: int8 "
                     "(dynamic per-row, VNNI) or f32 (exact)"),
      llvm::cl::init("int8")};
  PassOptions::Option<bool> remarks{
      *this, "remarks",
      llvm::cl::desc("Remark on every compressed matmul left to the "
                     "reference decode path"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> convToMatmul{
      *this, "conv-to-matmul",
      llvm::cl::desc("Run 2-D convolutions as im2col + matmul on the runtime's "
                     "ukernels (sparq-conv-to-matmul)"),
      llvm::cl::init(true)};
};

/// Lowers a module with Sparq ops to the LLVM dialect with compressed and
/// dense matmuls on the runtime's fused ukernels (`convert-sparq-to-runtime`)
/// and everything else as `sparq-cpu-reference` does. The result calls
/// `_mlir_ciface_sparq_rt_*`: link it with libSparqRuntime.
void buildCpuPipeline(OpPassManager &pm, const CpuPipelineOptions &options);

/// Options of `sparq-gpu`.
struct GpuPipelineOptions : public PassPipelineOptions<GpuPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("Target chip: sm_80, sm_90 (NVIDIA, NVVM/PTX) or gfx90a, "
                     "gfx942 (AMD, ROCDL)"),
      llvm::cl::init("sm_80")};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("Embedded GPU binary: isa (PTX text / AMDGPU assembly) "
                     "or bin (cubin, needs ptxas; HSACO, needs ld.lld)"),
      llvm::cl::init("isa")};
  PassOptions::Option<int64_t> gemmMinRows{
      *this, "gemm-min-rows",
      llvm::cl::desc("Rows of x from which the tiled GEMM kernel is used"),
      llvm::cl::init(16)};
  PassOptions::Option<bool> mma{
      *this, "mma",
      llvm::cl::desc("Tensor-core GEMM for M >= gemm-min-rows, f16 inputs "
                     "and f32 accumulation: NVIDIA nvgpu.mma.sync m16n8k16, "
                     "AMD CDNA (gfx908, gfx90a, gfx94x, gfx950) amdgpu.mfma "
                     "16x16x16; false, or other AMD chips: the SIMT f32 "
                     "GEMM"),
      llvm::cl::init(true)};
  PassOptions::Option<int64_t> gemvWarps{
      *this, "gemv-warps",
      llvm::cl::desc("GEMV warps per block (0: 8 with x in shared memory, "
                     "else 4)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> gemvFeatures{
      *this, "gemv-features",
      llvm::cl::desc("GEMV output features per warp (0: with x in shared "
                     "memory 4 for 4-bit, 2 for 8-bit codes, else 1)"),
      llvm::cl::init(0)};
  PassOptions::Option<std::string> activations{
      *this, "activations",
      llvm::cl::desc("GEMV activations: int8 (per-row dynamic "
                     "quantization as on the CPU, int32 dot products; integer "
                     "and FP4 codes) or f32 (exact)"),
      llvm::cl::init("int8")};
  PassOptions::Option<bool> convToMatmul{
      *this, "conv-to-matmul",
      llvm::cl::desc("Run 2-D convolutions with compressed weights as im2col "
                     "(host) + a matmul kernel on the GPU "
                     "(sparq-conv-to-matmul)"),
      llvm::cl::init(true)};
  PassOptions::Option<int64_t> mmaTileN{
      *this, "mma-tile-n",
      llvm::cl::desc("Tensor-core GEMM output columns per block, 64, 128 or "
                     "256 (0: 128)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> mmaTileM{
      *this, "mma-tile-m",
      llvm::cl::desc("Tensor-core GEMM output rows per block, 64 or 128 "
                     "(0: 128 when that gives at least 256 blocks, else 64)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> mmaPrefetch{
      *this, "mma-prefetch",
      llvm::cl::desc("Tensor-core GEMM K steps loaded ahead with one shared "
                     "stage, 1 or 2 (0: 2 for 128-row blocks, else 1; two "
                     "stages always load one step ahead)"),
      llvm::cl::init(0)};
  PassOptions::Option<bool> gemvMma{
      *this, "gemv-mma",
      llvm::cl::desc("NVIDIA: int8-activation GEMVs on int8 tensor cores "
                     "(not yet timed on a GPU)"),
      llvm::cl::init(false)};
  PassOptions::Option<int64_t> gemvMmaRows{
      *this, "gemv-mma-rows",
      llvm::cl::desc("gemv-mma output features per block, 16 or 32 (0: 16)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> mmaWarpN{
      *this, "mma-warp-n",
      llvm::cl::desc("Tensor-core GEMM output columns per warp, 32 or 64 "
                     "(0: 32)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> mmaStages{
      *this, "mma-stages",
      llvm::cl::desc("Tensor-core GEMM shared-memory stages, 1 or 2 (0: 1)"),
      llvm::cl::init(0)};
  PassOptions::Option<bool> mmaLdmatrix{
      *this, "mma-ldmatrix",
      llvm::cl::desc("Tensor-core GEMM (NVIDIA): load fragments with "
                     "ldmatrix.x4"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> mmaPackedW{
      *this, "mma-packed-w",
      llvm::cl::desc("Tensor-core GEMM (NVIDIA; 4- and 8-bit integer codes): "
                     "W packed in shared memory, B fragments dequantized in "
                     "registers"),
      llvm::cl::init(false)};
  PassOptions::Option<int64_t> minBlocksPerSM{
      *this, "min-blocks-per-sm",
      llvm::cl::desc("NVIDIA: resident blocks per SM ptxas must allow "
                     "(.minnctapersm; 0: ptxas decides)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> gemvUnroll{
      *this, "gemv-unroll",
      llvm::cl::desc("GEMV 16-byte chunks per lane and loop iteration, at "
                     "most (0: 4)"),
      llvm::cl::init(0)};
  PassOptions::Option<bool> mmaBf16{
      *this, "mma-bf16",
      llvm::cl::desc("NVIDIA: the tensor-core GEMM rounds x and W to bf16 "
                     "instead of f16 (no overflow of large activations)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> mmaInt8{
      *this, "mma-int8",
      llvm::cl::desc("NVIDIA: int8 tensor-core GEMM (mma.sync m16n8k32 s8, x "
                     "quantized per row as on the CPU) for 4- and 8-bit "
                     "integer codes with one scale per row"),
      llvm::cl::init(false)};
  PassOptions::Option<int64_t> gemvBlocks{
      *this, "gemv-blocks",
      llvm::cl::desc("GEMV with x in shared memory: at most this many "
                     "blocks, each warp looping over feature groups (0: one "
                     "block per 8 groups)"),
      llvm::cl::init(0)};
  PassOptions::Option<bool> remarks{
      *this, "remarks",
      llvm::cl::desc("Remark on every compressed matmul left to the "
                     "reference decode path"),
      llvm::cl::init(false)};
};

/// True if `chip` is a GPU chip sparq-gpu targets: sm_80 and newer
/// (sm_80, sm_86, sm_90, sm_90a, sm_100, ...) or an AMD gfx name (gfx90a,
/// gfx942, ...).
bool isGpuChip(llvm::StringRef chip);
/// True if `chip` names an NVIDIA target (sm_*), false for AMD (gfx*).
bool isNvidiaChip(llvm::StringRef chip);
/// Checks the `sparq-gpu` options: a known chip family and format.
llvm::LogicalResult verifyGpuPipelineOptions(const GpuPipelineOptions &options,
                                             std::string &error);

/// Lowers a module with Sparq ops for a GPU: compressed matmuls become Sparq's
/// kernels (`convert-sparq-to-gpu`), other Sparq ops go through the reference
/// decode path and the rest of linalg runs on the host; the kernels are
/// lowered to NVVM or ROCDL and serialized into the module
/// (`gpu-module-to-binary`), the host code to the LLVM dialect calling the
/// `mgpu*` runtime functions (link libsparq_gpu_runtime).
void buildGpuPipeline(OpPassManager &pm, const GpuPipelineOptions &options);

/// Registers every Sparq pipeline.
void registerSparqPipelines();

} // namespace mlir::sparq

#endif // SPARQ_PIPELINES_PIPELINES_H
