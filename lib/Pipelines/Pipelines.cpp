//===- Pipelines.cpp - Sparq pass pipelines -------------------------------===//

#include "sparq/Pipelines/Pipelines.h"

#include "sparq/Conversion/Passes.h"
#include "sparq/Dialect/Sparq/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::sparq;

namespace {
/// Bufferization and lowering to the LLVM dialect shared by the pipelines.
void buildLowerToLLVM(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  // Clones left by deallocation (e.g. a returned view of an argument).
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // math.erf and friends have no LLVM intrinsic: call libm.
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}
} // namespace

void mlir::sparq::buildCpuReferencePipeline(
    OpPassManager &pm, const CpuReferencePipelineOptions &) {
  pm.addPass(createConvertSparqToLinalg());
  buildLowerToLLVM(pm);
}

void mlir::sparq::buildCpuPipeline(OpPassManager &pm,
                                   const CpuPipelineOptions &options) {
  ConvertSparqToRuntimeOptions runtime;
  runtime.activations = options.activations;
  runtime.remarks = options.remarks;
  if (options.convToMatmul)
    pm.addPass(
        createSparqConvToMatmul(SparqConvToMatmulOptions{options.remarks}));
  pm.addPass(createConvertSparqToRuntime(runtime));
  pm.addPass(createConvertSparqToLinalg());
  buildLowerToLLVM(pm);
}

bool mlir::sparq::isGpuChip(StringRef chip) {
  if (chip.consume_front("sm_")) {
    chip.consume_back("a");
    unsigned sm = 0;
    return !chip.getAsInteger(10, sm) && sm >= 80;
  }
  if (chip.consume_front("gfx"))
    return !chip.empty() && llvm::all_of(chip, llvm::isHexDigit);
  return false;
}

bool mlir::sparq::isNvidiaChip(StringRef chip) {
  return chip.starts_with("sm_");
}

LogicalResult
mlir::sparq::verifyGpuPipelineOptions(const GpuPipelineOptions &options,
                                      std::string &error) {
  StringRef chip = options.chip;
  if (!isGpuChip(chip)) {
    error = "unknown chip '" + chip.str() +
            "' (expected sm_80 or newer, e.g. sm_90, or gfx90a, gfx942, ...)";
    return failure();
  }
  if (options.format != "isa" && options.format != "bin") {
    error = "unknown format '" + options.format + "' (expected isa or bin)";
    return failure();
  }
  // NVIDIA-only kernels: asking for them on an AMD chip is an error rather
  // than a silently different kernel.
  if (!isNvidiaChip(chip)) {
    for (auto [set, name] :
         {std::pair{bool(options.mmaInt8), "mma-int8"},
          std::pair{bool(options.mmaBf16), "mma-bf16"},
          std::pair{bool(options.mmaPackedW), "mma-packed-w"},
          std::pair{bool(options.gemvMma), "gemv-mma"}})
      if (set) {
        error = std::string(name) +
                " needs an NVIDIA chip (sm_80 or newer), "
                "got '" +
                chip.str() + "'";
        return failure();
      }
  }
  return success();
}

void mlir::sparq::buildGpuPipeline(OpPassManager &pm,
                                   const GpuPipelineOptions &options) {
  bool nvidia = isNvidiaChip(options.chip);
  ConvertSparqToGPUOptions toGpu;
  toGpu.gemmMinRows = options.gemmMinRows;
  toGpu.remarks = options.remarks;
  toGpu.mma = options.mma && nvidia;
  // AMD: the matrix-core GEMM on CDNA chips (gfx908, gfx90a, gfx94x,
  // gfx950); the others (RDNA) keep the SIMT GEMM.
  StringRef chip = options.chip;
  toGpu.mfma = options.mma && !nvidia &&
               (chip.starts_with("gfx908") || chip.starts_with("gfx90a") ||
                chip.starts_with("gfx94") || chip.starts_with("gfx950"));
  toGpu.nvvm = nvidia;
  toGpu.gemvWarps = options.gemvWarps;
  toGpu.gemvFeatures = options.gemvFeatures;
  toGpu.gemvUnroll = options.gemvUnroll;
  toGpu.gemvBlocks = options.gemvBlocks;
  toGpu.mmaInt8 = options.mmaInt8;
  toGpu.mmaBf16 = options.mmaBf16;
  toGpu.minBlocksPerSM = options.minBlocksPerSM;
  toGpu.mmaTileN = options.mmaTileN;
  toGpu.mmaTileM = options.mmaTileM;
  toGpu.mmaStages = options.mmaStages;
  toGpu.mmaWarpN = options.mmaWarpN;
  toGpu.gemvMma = options.gemvMma;
  toGpu.gemvMmaRows = options.gemvMmaRows;
  toGpu.mmaPrefetch = options.mmaPrefetch;
  toGpu.mmaLdmatrix = options.mmaLdmatrix;
  toGpu.mmaPackedW = options.mmaPackedW;
  toGpu.activations = options.activations;
  if (options.convToMatmul)
    pm.addPass(
        createSparqConvToMatmul(SparqConvToMatmulOptions{options.remarks}));
  pm.addPass(createConvertSparqToGPU(toGpu));
  // What has no GPU kernel (dense linalg.matmul, compressed matmuls whose
  // rows are not whole 16-byte chunks, e.g. a first convolution) runs on the
  // host through the CPU runtime's kernels, with the CPU build's numerics,
  // instead of scalar loops.
  ConvertSparqToRuntimeOptions host;
  host.activations = options.activations;
  host.remarks = options.remarks;
  pm.addPass(createConvertSparqToRuntime(host));
  pm.addPass(createConvertSparqToLinalg());
  pm.addPass(createCanonicalizerPass());
  // Identity layouts at function boundaries: gpu.memcpy needs contiguous
  // buffers, and the model ABI passes dense arrays anyway.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addPass(createSparqGpuLaunchers());
  // The rest of linalg (activations, biases, ...) stays on the host.
  pm.addPass(createConvertLinalgToLoopsPass());
  // From here on the order of upstream's gpu-lower-to-nvvm-pipeline
  // (mlir/lib/Dialect/GPU/Pipelines/GPUToNVVMPipeline.cpp).
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  if (nvidia) {
    GpuNVVMAttachTargetOptions target;
    target.chip = options.chip;
    // PTX 8.0 (CUDA 12.0) covers sm_80 and sm_90; LLVM's default is older.
    target.features = "+ptx80";
    target.optLevel = 3;
    pm.addPass(createGpuNVVMAttachTarget(target));
  } else {
    GpuROCDLAttachTargetOptions target;
    target.chip = options.chip;
    target.optLevel = 3;
    pm.addPass(createGpuROCDLAttachTarget(target));
  }
  pm.addPass(createLowerAffinePass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  if (nvidia) {
    // nvgpu.mma.sync -> nvvm.mma.sync (as gpu-lower-to-nvvm-pipeline does).
    kernels.addPass(createConvertNVGPUToNVVMPass());
    kernels.addPass(createConvertGpuOpsToNVVMOps());
  } else {
    // amdgpu.mfma -> rocdl.mfma.*.
    ConvertAMDGPUToROCDLPassOptions amdgpu;
    amdgpu.chipset = options.chip;
    kernels.addPass(createConvertAMDGPUToROCDLPass(amdgpu));
    ConvertGpuOpsToROCDLOpsOptions rocdl;
    rocdl.chipset = options.chip;
    kernels.addPass(createConvertGpuOpsToROCDLOps(rocdl));
  }
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void mlir::sparq::registerSparqPipelines() {
  PassPipelineRegistration<CpuReferencePipelineOptions>(
      "sparq-cpu-reference",
      "Lower Sparq ops and linalg to the LLVM dialect through the reference "
      "decode path and scalar loops (correct, not fast)",
      buildCpuReferencePipeline);
  PassPipelineRegistration<CpuPipelineOptions>(
      "sparq-cpu",
      "Lower Sparq ops and linalg to the LLVM dialect with compressed and "
      "dense matmuls on the runtime's fused ukernels (link libSparqRuntime)",
      buildCpuPipeline);
  // Registered by hand so that a bad chip or format is an error, not an
  // empty pipeline.
  registerPassPipeline(
      "sparq-gpu",
      "Lower Sparq ops to Sparq's GPU kernels (NVVM/PTX or ROCDL, embedded "
      "with gpu-module-to-binary), what has no GPU kernel to the CPU "
      "runtime's kernels on the host, and the rest to host LLVM calling the "
      "mgpu* runtime (link libsparq_gpu_runtime and the CPU runtime)",
      [](OpPassManager &pm, StringRef text,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        auto options = GpuPipelineOptions::createFromString(text);
        if (!options)
          return failure();
        std::string error;
        if (failed(verifyGpuPipelineOptions(*options, error)))
          return errorHandler("sparq-gpu: " + error);
        buildGpuPipeline(pm, *options);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> optHandler) {
        optHandler(GpuPipelineOptions());
      });
}
