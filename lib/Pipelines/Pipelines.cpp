//===- Pipelines.cpp - Sparq pass pipelines -------------------------------===//

#include "sparq/Pipelines/Pipelines.h"

#include "sparq/Conversion/Passes.h"

#include "mlir/Conversion/Passes.h"
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
  pm.addPass(createConvertSparqToRuntime(runtime));
  pm.addPass(createConvertSparqToLinalg());
  buildLowerToLLVM(pm);
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
}
