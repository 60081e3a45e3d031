//===- Layers.h - Finding the weights of a model ----------------*- C++ -*-===//
//
// A "layer" is an op that consumes a weight: a matmul, batch matmul or
// convolution of linalg, tosa or sparq. These helpers find layers, their
// weight operands and how those weights are laid out, and name layers
// stably for reports and recipes.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_DIALECT_SPARQ_UTILS_LAYERS_H
#define SPARQ_DIALECT_SPARQ_UTILS_LAYERS_H

#include "sparq/Dialect/Sparq/IR/SparqOps.h"

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "llvm/Support/Regex.h"

#include <optional>

#include <string>

namespace mlir::sparq {

/// The discardable attribute that names a layer on its op, kept when passes
/// replace the weight's annotation.
constexpr llvm::StringLiteral kLayerAttrName = "sparq.layer";

/// The weight operand of a layer and its layout.
struct WeightOperand {
  /// Index of the weight among the op's operands.
  unsigned operandIndex = 0;
  /// Axis of the weight that indexes output channels / features.
  int64_t outAxis = -1;
  /// Axis of the weight that is reduced over together with the input
  /// channels / features, or -1 when there is none (depthwise convolution).
  int64_t inAxis = -1;
};

/// Returns the weight operand of `op` if `op` is a layer Sparq understands.
std::optional<WeightOperand> getWeightOperand(Operation *op);

/// One layer of a model, in program order.
struct Layer {
  std::string name;
  Operation *op = nullptr;
  WeightOperand weight;
  /// The innermost annotation on the weight, or null.
  AnnotateOp annotation;
  /// The weight with annotations stripped: a constant, a compressed weight
  /// or a value computed at run time.
  Value source;
};

/// Follows `sparq.annotate` ops back to the annotated value.
Value stripAnnotations(Value value);

/// Collects the layers under `root` in program order. Each layer is named by
/// the `layer` attribute of its weight's annotation, else by the op's
/// `sparq.layer` attribute, else by a `NameLoc` on the op, else `<op-kind>_<index>` (index counted over all layers).
SmallVector<Layer> collectLayers(Operation *root);

/// Compiles the `option` regex of pass `passName` to match whole layer names
/// (none for an empty pattern); reports an invalid one on `root` and fails.
FailureOr<std::optional<llvm::Regex>> compileLayerRegex(StringRef pattern,
                                                        StringRef option,
                                                        StringRef passName,
                                                        Operation *root);

/// True if a pass with the usual layer options may compress `layer`: its op
/// is named in `ops` (or `ops` is empty), its name matches `includeRe` (when
/// set) and not `excludeRe`, and its weight is an unannotated constant of at
/// least `minElements` elements.
bool isSelectedLayer(const Layer &layer, ArrayRef<std::string> ops,
                     const std::optional<llvm::Regex> &includeRe,
                     const std::optional<llvm::Regex> &excludeRe,
                     int64_t minElements);

/// Calls `rewrite` on every layer under `root` whose weight is annotated,
/// then erases the ops that defined those weights (the float constants) if
/// they are left without users. Fails if any `rewrite` failed; all run.
LogicalResult
rewriteAnnotatedLayers(Operation *root,
                       function_ref<LogicalResult(Layer &)> rewrite);

} // namespace mlir::sparq

#endif // SPARQ_DIALECT_SPARQ_UTILS_LAYERS_H
