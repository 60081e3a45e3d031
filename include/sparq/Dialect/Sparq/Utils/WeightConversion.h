//===- WeightConversion.h - Converting weights between formats --*- C++ -*-===//
//
// The passes that move constant weights between Sparq and upstream formats
// (sparq <-> quant, sparq <-> sparse_tensor) share one driver: convert each
// candidate op where the target format states the same numbers, report the
// others (a remark, or an error in strict mode), and erase what the converted
// ops leave unused.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_DIALECT_SPARQ_UTILS_WEIGHTCONVERSION_H
#define SPARQ_DIALECT_SPARQ_UTILS_WEIGHTCONVERSION_H

#include "sparq/Dialect/Sparq/IR/SparqOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/Statistic.h"

#include <string>

namespace mlir::sparq {

/// Erases `op` and then every constant operand left without users.
void eraseWithDeadConstants(Operation *op);

/// Replaces each single-result op of `ops` by the value `convert` builds
/// with a builder set before it, erases it and then, once unused, the op that
/// defined its first operand (the weight it reads) with that op's dead
/// constant operands. Where `convert` fails (setting `why`), the op stays and
/// gets the remark "kept as <keptAs>: <why>", or in `strict` mode the error
/// "<errorMessage>: <why>"; the function then returns failure after trying
/// every op. Counts the ops in `numConverted` and `numKept`.
LogicalResult convertWeights(
    ArrayRef<Operation *> ops, bool strict, StringRef errorMessage,
    StringRef keptAs,
    function_ref<FailureOr<Value>(OpBuilder &, Operation *, std::string &)>
        convert,
    llvm::Statistic &numConverted, llvm::Statistic &numKept);

/// `convertWeights` on the `sparq.dequantize` ops under `root` whose
/// compressed type `select` picks, for the passes that export Sparq weights:
/// `convert` gets the `sparq.assemble` that builds the weight; weights built
/// otherwise are kept, "not built by sparq.assemble<notAssembled> in this
/// function". Errors read "cannot express this weight with <target>".
LogicalResult convertAssembledWeights(
    Operation *root, function_ref<bool(CompressedType)> select, bool strict,
    StringRef target, StringRef notAssembled,
    function_ref<FailureOr<Value>(OpBuilder &, AssembleOp, DequantizeOp,
                                  std::string &)>
        convert,
    llvm::Statistic &numConverted, llvm::Statistic &numKept);

} // namespace mlir::sparq

#endif // SPARQ_DIALECT_SPARQ_UTILS_WEIGHTCONVERSION_H
