//===- SparseTensorToSparq.h - Import sparse_tensor -------------*- C++ -*-===//

#ifndef SPARQ_CONVERSION_SPARSETENSORTOSPARQ_SPARSETENSORTOSPARQ_H
#define SPARQ_CONVERSION_SPARSETENSORTOSPARQ_SPARSETENSORTOSPARQ_H

#include "sparq/Dialect/Sparq/IR/SparqDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SparseTensor/IR/SparseTensor.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::sparq {

#define GEN_PASS_DECL_CONVERTSPARSETENSORTOSPARQ
#include "sparq/Conversion/Passes.h.inc"

} // namespace mlir::sparq

#endif // SPARQ_CONVERSION_SPARSETENSORTOSPARQ_SPARSETENSORTOSPARQ_H
