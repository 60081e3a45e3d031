//===- Layers.cpp - Finding the weights of a model ------------------------===//

#include "sparq/Dialect/Sparq/Utils/Layers.h"

#include "sparq/Dialect/Sparq/IR/SparqOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/AffineExpr.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::sparq;

/// Derives the weight layout of a linalg contraction or convolution from its
/// indexing maps: the output axis is a parallel loop that indexes the result,
/// the input axis a reduction loop that plainly indexes the first input.
static std::optional<WeightOperand> getLinalgWeight(linalg::LinalgOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !(linalg::isaContractionOpInterface(op) ||
        isa<linalg::ConvolutionOpInterface>(op.getOperation())))
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap inputMap = maps[0], weightMap = maps[1], outputMap = maps[2];
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  auto isPlainDimOf = [](AffineMap map, unsigned dim) {
    return llvm::any_of(map.getResults(), [&](AffineExpr e) {
      auto d = dyn_cast<AffineDimExpr>(e);
      return d && d.getPosition() == dim;
    });
  };
  WeightOperand result;
  result.operandIndex = 1;
  for (auto [axis, expr] : llvm::enumerate(weightMap.getResults())) {
    auto dim = dyn_cast<AffineDimExpr>(expr);
    if (!dim)
      return std::nullopt;
    unsigned d = dim.getPosition();
    if (iterators[d] == utils::IteratorType::parallel &&
        isPlainDimOf(outputMap, d) && !isPlainDimOf(inputMap, d))
      result.outAxis = axis;
    else if (iterators[d] == utils::IteratorType::reduction &&
             isPlainDimOf(inputMap, d))
      result.inAxis = axis;
  }
  // Depthwise convolutions: the channel axis is parallel and shared with the
  // input; treat it as the output axis.
  if (result.outAxis < 0)
    for (auto [axis, expr] : llvm::enumerate(weightMap.getResults())) {
      unsigned d = cast<AffineDimExpr>(expr).getPosition();
      if (iterators[d] == utils::IteratorType::parallel &&
          isPlainDimOf(outputMap, d))
        result.outAxis = axis;
    }
  if (result.outAxis < 0)
    return std::nullopt;
  return result;
}

std::optional<WeightOperand> mlir::sparq::getWeightOperand(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<WeightOperand>>(op)
      .Case<linalg::LinalgOp>(
          [](linalg::LinalgOp linalgOp) { return getLinalgWeight(linalgOp); })
      // b: [N, C, W] -> out W, in C.
      .Case<tosa::MatMulOp>([](auto) { return WeightOperand{1, 2, 1}; })
      // weight: [O, KH, KW, I] (conv2d, transpose_conv2d), [O, KD, KH, KW, I].
      .Case<tosa::Conv2DOp, tosa::TransposeConv2DOp>(
          [](auto) { return WeightOperand{1, 0, 3}; })
      .Case<tosa::Conv3DOp>([](auto) { return WeightOperand{1, 0, 4}; })
      // weight: [KH, KW, C, M]: no reduction over channels.
      .Case<tosa::DepthwiseConv2DOp>(
          [](auto) { return WeightOperand{1, 2, -1}; })
      .Case<MatmulOp>([](auto) { return WeightOperand{1, 0, 1}; })
      .Default([](Operation *) { return std::nullopt; });
}

Value mlir::sparq::stripAnnotations(Value value) {
  while (auto annotate = value.getDefiningOp<AnnotateOp>())
    value = annotate.getInput();
  return value;
}

/// The short kind of an op for generated layer names: `linalg.matmul` ->
/// `matmul`, `tosa.conv2d` -> `conv2d`.
static StringRef getOpKind(Operation *op) {
  StringRef name = op->getName().getStringRef();
  return name.substr(name.find('.') + 1);
}

static std::optional<std::string> getLocName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (auto name = getLocName(inner))
        return name;
  return std::nullopt;
}

SmallVector<Layer> mlir::sparq::collectLayers(Operation *root) {
  SmallVector<Layer> layers;
  root->walk([&](Operation *op) {
    std::optional<WeightOperand> weight = getWeightOperand(op);
    if (!weight)
      return;
    Layer layer;
    layer.op = op;
    layer.weight = *weight;
    Value value = op->getOperand(weight->operandIndex);
    layer.annotation = value.getDefiningOp<AnnotateOp>();
    layer.source = stripAnnotations(value);
    if (layer.annotation && layer.annotation.getLayer())
      layer.name = layer.annotation.getLayer()->str();
    else if (auto name = op->getAttrOfType<StringAttr>(kLayerAttrName))
      layer.name = name.str();
    else if (auto name = getLocName(op->getLoc()))
      layer.name = *name;
    else
      layer.name = (getOpKind(op) + "_" + Twine(layers.size())).str();
    layers.push_back(std::move(layer));
  });
  return layers;
}

LogicalResult mlir::sparq::rewriteAnnotatedLayers(
    Operation *root, function_ref<LogicalResult(Layer &)> rewrite) {
  bool failedAny = false;
  llvm::SetVector<Operation *> sources;
  for (Layer &layer : collectLayers(root)) {
    if (!layer.annotation)
      continue;
    failedAny |= failed(rewrite(layer));
    if (Operation *def = layer.source.getDefiningOp())
      sources.insert(def);
  }
  for (Operation *def : sources)
    if (def->use_empty())
      def->erase();
  return failure(failedAny);
}

FailureOr<std::optional<llvm::Regex>>
mlir::sparq::compileLayerRegex(StringRef pattern, StringRef option,
                               StringRef passName, Operation *root) {
  if (pattern.empty())
    return std::optional<llvm::Regex>();
  llvm::Regex regex(("^(" + pattern + ")$").str());
  std::string error;
  if (!regex.isValid(error)) {
    root->emitError() << passName << ": invalid regular expression in '"
                      << option << "': " << error;
    return failure();
  }
  return std::optional<llvm::Regex>(std::move(regex));
}

bool mlir::sparq::isSelectedLayer(const Layer &layer, ArrayRef<std::string> ops,
                                  const std::optional<llvm::Regex> &includeRe,
                                  const std::optional<llvm::Regex> &excludeRe,
                                  int64_t minElements) {
  if (!ops.empty() &&
      !llvm::is_contained(ops, layer.op->getName().getStringRef().str()))
    return false;
  if ((includeRe && !includeRe->match(layer.name)) ||
      (excludeRe && excludeRe->match(layer.name)))
    return false;
  // Only constant weights are compressed; existing annotations win.
  if (layer.annotation || !matchPattern(layer.source, m_Constant()))
    return false;
  auto type = cast<RankedTensorType>(layer.source.getType());
  return type.getNumElements() >= minElements;
}
