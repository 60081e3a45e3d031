//===- QuantToSparq.h - Import quant weights --------------------*- C++ -*-===//

#ifndef SPARQ_CONVERSION_QUANTTOSPARQ_QUANTTOSPARQ_H
#define SPARQ_CONVERSION_QUANTTOSPARQ_QUANTTOSPARQ_H

#include "sparq/Dialect/Sparq/IR/SparqDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::sparq {

#define GEN_PASS_DECL_CONVERTQUANTTOSPARQ
#include "sparq/Conversion/Passes.h.inc"

} // namespace mlir::sparq

#endif // SPARQ_CONVERSION_QUANTTOSPARQ_QUANTTOSPARQ_H
