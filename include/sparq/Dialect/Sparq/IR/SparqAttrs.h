//===- SparqAttrs.h - Sparq compression specs -------------------*- C++ -*-===//

#ifndef SPARQ_DIALECT_SPARQ_IR_SPARQATTRS_H
#define SPARQ_DIALECT_SPARQ_IR_SPARQATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/APFloat.h"

#include "sparq/Dialect/Sparq/IR/SparqDialect.h"
#include "sparq/Dialect/Sparq/IR/SparqEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "sparq/Dialect/Sparq/IR/SparqAttrs.h.inc"

namespace mlir::sparq {

/// The parts of any spec attribute (`#sparq.quant`, `#sparq.sparsity`,
/// `#sparq.low_rank` or `#sparq.spec`); absent parts are null.
struct SpecParts {
  QuantSpecAttr quant;
  SparsitySpecAttr sparsity;
  LowRankSpecAttr lowRank;
};

/// Splits a spec into its parts. Returns std::nullopt if `spec` is not one of
/// the spec attributes.
std::optional<SpecParts> getSpecParts(Attribute spec);

/// Checks any spec attribute against the shape of the tensor it applies to.
/// `spec` must be a Sparq spec (`getSpecParts(spec)` succeeds); callers that
/// take arbitrary attributes check that first and say so in their own terms.
LogicalResult verifySpecForShape(Attribute spec, ArrayRef<int64_t> shape,
                                 function_ref<InFlightDiagnostic()> emitError);

/// Builds the simplest attribute that states `parts` (a single spec when only
/// one part is present, a `#sparq.spec` otherwise).
Attribute buildSpec(MLIRContext *ctx, const SpecParts &parts);

} // namespace mlir::sparq

#endif // SPARQ_DIALECT_SPARQ_IR_SPARQATTRS_H
