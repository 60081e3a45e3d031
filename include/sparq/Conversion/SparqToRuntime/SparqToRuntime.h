//===- SparqToRuntime.h - Lower matmuls onto runtime ukernels ---*- C++ -*-===//

#ifndef SPARQ_CONVERSION_SPARQTORUNTIME_SPARQTORUNTIME_H
#define SPARQ_CONVERSION_SPARQTORUNTIME_SPARQTORUNTIME_H

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::sparq {

#define GEN_PASS_DECL_CONVERTSPARQTORUNTIME
#include "sparq/Conversion/Passes.h.inc"

} // namespace mlir::sparq

#endif // SPARQ_CONVERSION_SPARQTORUNTIME_SPARQTORUNTIME_H
