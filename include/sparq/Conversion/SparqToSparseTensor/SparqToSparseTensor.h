//===- SparqToSparseTensor.h - Sparq to sparse_tensor -----------*- C++ -*-===//

#ifndef SPARQ_CONVERSION_SPARQTOSPARSETENSOR_SPARQTOSPARSETENSOR_H
#define SPARQ_CONVERSION_SPARQTOSPARSETENSOR_SPARQTOSPARSETENSOR_H

#include "sparq/Dialect/Sparq/IR/SparqDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SparseTensor/IR/SparseTensor.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::sparq {

#define GEN_PASS_DECL_CONVERTSPARQTOSPARSETENSOR
#include "sparq/Conversion/Passes.h.inc"

class CompressedType;

/// The `#sparse_tensor.encoding` that stores `type` exactly (rank-2 float
/// CSR, or N:M along the last axis with `i8` coordinates), or null with the
/// reason in `why`.
sparse_tensor::SparseTensorEncodingAttr
getSparseTensorEncoding(CompressedType type, std::string &why);

} // namespace mlir::sparq

#endif // SPARQ_CONVERSION_SPARQTOSPARSETENSOR_SPARQTOSPARSETENSOR_H
