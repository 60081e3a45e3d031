//===- SparqToLinalg.h - Reference lowering of Sparq ops --------*- C++ -*-===//

#ifndef SPARQ_CONVERSION_SPARQTOLINALG_SPARQTOLINALG_H
#define SPARQ_CONVERSION_SPARQTOLINALG_SPARQTOLINALG_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::sparq {

class AssembleOp;

#define GEN_PASS_DECL_CONVERTSPARQTOLINALG
#include "sparq/Conversion/Passes.h.inc"

/// Builds IR that decodes the dense tensor of `assemble` (dense quantized,
/// N:M, CSR and BSR formats, quantized or not). Returns failure with a diagnostic on
/// formats it cannot decode.
FailureOr<Value> buildDequantize(OpBuilder &b, Location loc,
                                 AssembleOp assemble);

} // namespace mlir::sparq

#endif // SPARQ_CONVERSION_SPARQTOLINALG_SPARQTOLINALG_H
