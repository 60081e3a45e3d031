//===- Passes.h - Sparq transformation passes -------------------*- C++ -*-===//

#ifndef SPARQ_DIALECT_SPARQ_TRANSFORMS_PASSES_H
#define SPARQ_DIALECT_SPARQ_TRANSFORMS_PASSES_H

#include "sparq/Dialect/Sparq/IR/SparqDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::sparq {

#define GEN_PASS_DECL
#include "sparq/Dialect/Sparq/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "sparq/Dialect/Sparq/Transforms/Passes.h.inc"

} // namespace mlir::sparq

#endif // SPARQ_DIALECT_SPARQ_TRANSFORMS_PASSES_H
