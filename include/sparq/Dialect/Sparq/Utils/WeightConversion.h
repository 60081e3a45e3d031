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

#include "mlir/IR/Builders.h"
#include "mlir/IR/Operation.h"

#include <string>

namespace mlir::sparq {

/// Erases `op` and then every constant operand left without users.
void eraseWithDeadConstants(Operation *op);

/// How many ops `convertWeights` replaced and how many it left.
struct WeightConversionCounts {
  int64_t converted = 0;
  int64_t kept = 0;
};

/// Replaces each single-result op of `ops` by the value `convert` builds
/// with a builder set before it, erases it and then, once unused, the op
/// `producer` returned for it (the one that fed it the weight) with its dead
/// constant operands. Where `convert` fails (setting `why`), the op stays
/// and gets the remark "kept as <keptAs>: <why>", or in `strict` mode the
/// error "<errorMessage>: <why>"; the function then returns failure after
/// trying every op.
LogicalResult convertWeights(
    ArrayRef<Operation *> ops, bool strict, StringRef errorMessage,
    StringRef keptAs,
    function_ref<FailureOr<Value>(OpBuilder &, Operation *, std::string &)>
        convert,
    function_ref<Operation *(Operation *)> producer,
    WeightConversionCounts &counts);

} // namespace mlir::sparq

#endif // SPARQ_DIALECT_SPARQ_UTILS_WEIGHTCONVERSION_H
