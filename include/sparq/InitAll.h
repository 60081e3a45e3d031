//===- InitAll.h - Register all Sparq dialects and passes -------*- C++ -*-===//

#ifndef SPARQ_INITALL_H
#define SPARQ_INITALL_H

#include "sparq/Conversion/Passes.h"
#include "sparq/Dialect/Sparq/IR/SparqDialect.h"
#include "sparq/Dialect/Sparq/Transforms/Passes.h"
#include "sparq/Pipelines/Pipelines.h"
#include "sparq/Target/ONNX/ImportONNX.h"
#include "sparq/Recipe/Passes.h"

#include "mlir/IR/DialectRegistry.h"

namespace mlir::sparq {

/// Adds every Sparq dialect to `registry`.
inline void registerAllSparqDialects(DialectRegistry &registry) {
  registry.insert<SparqDialect>();
}

/// Registers every Sparq pass (and pipeline) with the global registry.
inline void registerAllSparqPasses() {
  registerSparqPasses();
  registerSparqConversionPasses();
  registerSparqPipelines();
  registerSparqRecipePasses();
}

/// Registers every Sparq translation (needs SparqImportONNX linked).
inline void registerAllSparqTranslations() { registerImportONNXTranslation(); }

} // namespace mlir::sparq

#endif // SPARQ_INITALL_H
