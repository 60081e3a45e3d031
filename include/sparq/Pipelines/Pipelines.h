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
};

/// Lowers a module with Sparq ops to the LLVM dialect with compressed and
/// dense matmuls on the runtime's fused ukernels (`convert-sparq-to-runtime`)
/// and everything else as `sparq-cpu-reference` does. The result calls
/// `_mlir_ciface_sparq_rt_*`: link it with libSparqRuntime.
void buildCpuPipeline(OpPassManager &pm, const CpuPipelineOptions &options);

/// Registers every Sparq pipeline.
void registerSparqPipelines();

} // namespace mlir::sparq

#endif // SPARQ_PIPELINES_PIPELINES_H
