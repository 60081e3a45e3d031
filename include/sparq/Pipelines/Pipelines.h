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

/// Registers every Sparq pipeline.
void registerSparqPipelines();

} // namespace mlir::sparq

#endif // SPARQ_PIPELINES_PIPELINES_H
