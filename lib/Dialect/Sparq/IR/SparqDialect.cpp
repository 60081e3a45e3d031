//===- SparqDialect.cpp - Sparq dialect -----------------------------------===//

#include "sparq/Dialect/Sparq/IR/SparqDialect.h"
#include "sparq/Dialect/Sparq/IR/SparqOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::sparq;

#include "sparq/Dialect/Sparq/IR/SparqDialect.cpp.inc"

void SparqDialect::initialize() {
  registerAttributes();
  registerTypes();
  addOperations<
#define GET_OP_LIST
#include "sparq/Dialect/Sparq/IR/SparqOps.cpp.inc"
      >();
}
