//===- SparqOps.h - Sparq operations ----------------------------*- C++ -*-===//

#ifndef SPARQ_DIALECT_SPARQ_IR_SPARQOPS_H
#define SPARQ_DIALECT_SPARQ_IR_SPARQOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "sparq/Dialect/Sparq/IR/SparqAttrs.h"
#include "sparq/Dialect/Sparq/IR/SparqDialect.h"
#include "sparq/Dialect/Sparq/IR/SparqTypes.h"

#define GET_OP_CLASSES
#include "sparq/Dialect/Sparq/IR/SparqOps.h.inc"

#endif // SPARQ_DIALECT_SPARQ_IR_SPARQOPS_H
