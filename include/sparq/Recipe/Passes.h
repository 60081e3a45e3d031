//===- Passes.h - Passes used by recipes ------------------------*- C++ -*-===//

#ifndef SPARQ_RECIPE_PASSES_H
#define SPARQ_RECIPE_PASSES_H

#include "sparq/Dialect/Sparq/IR/SparqDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::sparq {

#define GEN_PASS_DECL
#include "sparq/Recipe/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "sparq/Recipe/Passes.h.inc"

} // namespace mlir::sparq

#endif // SPARQ_RECIPE_PASSES_H
