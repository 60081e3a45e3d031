//===- SparqDialect.h - Sparq dialect ---------------------------*- C++ -*-===//

#ifndef SPARQ_DIALECT_SPARQ_IR_SPARQDIALECT_H
#define SPARQ_DIALECT_SPARQ_IR_SPARQDIALECT_H

#include "mlir/IR/Dialect.h"

#include "sparq/Dialect/Sparq/IR/SparqDialect.h.inc"

#endif // SPARQ_DIALECT_SPARQ_IR_SPARQDIALECT_H
