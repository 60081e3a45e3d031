//===- WeightConversion.cpp - Converting weights between formats ----------===//

#include "sparq/Dialect/Sparq/Utils/WeightConversion.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::sparq;

void mlir::sparq::eraseWithDeadConstants(Operation *op) {
  SmallVector<Operation *> defs;
  for (Value v : op->getOperands())
    if (Operation *def = v.getDefiningOp())
      defs.push_back(def);
  op->erase();
  for (Operation *def : defs)
    if (def->use_empty() && matchPattern(def->getResult(0), m_Constant()))
      def->erase();
}

LogicalResult mlir::sparq::convertWeights(
    ArrayRef<Operation *> ops, bool strict, StringRef errorMessage,
    StringRef keptAs,
    function_ref<FailureOr<Value>(OpBuilder &, Operation *, std::string &)>
        convert,
    function_ref<Operation *(Operation *)> producer,
    WeightConversionCounts &counts) {
  bool failedAny = false;
  for (Operation *op : ops) {
    std::string why;
    OpBuilder b(op);
    FailureOr<Value> converted = convert(b, op, why);
    if (failed(converted)) {
      ++counts.kept;
      if (strict) {
        op->emitError() << errorMessage << ": " << why;
        failedAny = true;
      } else {
        op->emitRemark() << "kept as " << keptAs << ": " << why;
      }
      continue;
    }
    ++counts.converted;
    Operation *source = producer(op);
    op->getResult(0).replaceAllUsesWith(*converted);
    op->erase();
    if (source && source->use_empty())
      eraseWithDeadConstants(source);
  }
  return failure(failedAny);
}
