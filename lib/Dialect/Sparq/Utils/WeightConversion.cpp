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
    llvm::Statistic &numConverted, llvm::Statistic &numKept) {
  bool failedAny = false;
  for (Operation *op : ops) {
    std::string why;
    OpBuilder b(op);
    FailureOr<Value> converted = convert(b, op, why);
    if (failed(converted)) {
      ++numKept;
      if (strict) {
        op->emitError() << errorMessage << ": " << why;
        failedAny = true;
      } else {
        op->emitRemark() << "kept as " << keptAs << ": " << why;
      }
      continue;
    }
    ++numConverted;
    Operation *source = op->getOperand(0).getDefiningOp();
    op->getResult(0).replaceAllUsesWith(*converted);
    op->erase();
    if (source && source->use_empty())
      eraseWithDeadConstants(source);
  }
  return failure(failedAny);
}

LogicalResult mlir::sparq::convertAssembledWeights(
    Operation *root, function_ref<bool(CompressedType)> select, bool strict,
    StringRef target, StringRef notAssembled,
    function_ref<FailureOr<Value>(OpBuilder &, AssembleOp, DequantizeOp,
                                  std::string &)>
        convert,
    llvm::Statistic &numConverted, llvm::Statistic &numKept) {
  SmallVector<Operation *> dequantizes;
  root->walk([&](DequantizeOp op) {
    if (select(op.getInput().getType()))
      dequantizes.push_back(op);
  });
  return convertWeights(
      dequantizes, strict, ("cannot express this weight with " + target).str(),
      "Sparq",
      [&](OpBuilder &b, Operation *op, std::string &why) -> FailureOr<Value> {
        auto dequantize = cast<DequantizeOp>(op);
        auto assemble = dequantize.getInput().getDefiningOp<AssembleOp>();
        if (!assemble) {
          why = ("it is not built by sparq.assemble" + notAssembled +
                 " in this function")
                    .str();
          return failure();
        }
        return convert(b, assemble, dequantize, why);
      },
      numConverted, numKept);
}
