//===- SparqDialect.cpp - Sparq dialect -----------------------------------===//

#include "sparq/Dialect/Sparq/IR/SparqDialect.h"
#include "sparq/Dialect/Sparq/IR/SparqOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
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

LogicalResult SparqDialect::verifyRegionArgAttribute(Operation *op,
                                                     unsigned regionIndex,
                                                     unsigned argIndex,
                                                     NamedAttribute attr) {
  if (attr.getName() == "sparq.name") {
    if (!isa<StringAttr>(attr.getValue()))
      return op->emitError()
             << "'sparq.name' of argument " << argIndex << " must be a string";
    return success();
  }
  if (attr.getName() != kPackedAttrName)
    return success();
  if (!isa<UnitAttr>(attr.getValue()))
    return op->emitError() << "'" << kPackedAttrName << "' of argument "
                           << argIndex << " must be a unit attribute";
  Region &region = op->getRegion(regionIndex);
  if (region.empty())
    return success();
  // A tensor, or the memref it becomes after bufferization.
  auto type = dyn_cast<ShapedType>(region.getArgument(argIndex).getType());
  if (!type || !type.hasRank() || type.getRank() != 2 ||
      !type.getElementType().isInteger(8))
    return op->emitError() << "'" << kPackedAttrName << "' argument "
                           << argIndex << " must be rank-2 i8 weight data";
  return success();
}

bool SparqDialect::isPackedArgument(Value value) {
  auto arg = dyn_cast<BlockArgument>(value);
  if (!arg || !arg.getOwner()->isEntryBlock())
    return false;
  auto func = dyn_cast<FunctionOpInterface>(arg.getOwner()->getParentOp());
  return func && func.getArgAttr(arg.getArgNumber(), kPackedAttrName);
}
