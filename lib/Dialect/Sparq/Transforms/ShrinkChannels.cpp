//===- ShrinkChannels.cpp - Structured channel pruning --------------------===//
//
// Removes the weakest output channels of annotated layers and follows each
// removed channel through elementwise ops and reshapes to the consumers
// that reduce over it, removing their matching input channels: the model
// becomes a smaller dense model. Nothing is changed for a layer until the
// whole path of its channels is known to be removable.
//
//===----------------------------------------------------------------------===//

#include "sparq/Dialect/Sparq/Transforms/Passes.h"

#include "sparq/Dialect/Sparq/IR/SparqOps.h"
#include "sparq/Dialect/Sparq/Utils/Constants.h"
#include "sparq/Dialect/Sparq/Utils/Layers.h"
#include "sparq/Dialect/Sparq/Utils/Matmul.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Iterators.h"
#include "mlir/IR/Matchers.h"

#include <cmath>
#include <numeric>

namespace mlir::sparq {
#define GEN_PASS_DEF_SPARQSHRINKCHANNELS
#include "sparq/Dialect/Sparq/Transforms/Passes.h.inc"
} // namespace mlir::sparq

using namespace mlir;
using namespace mlir::sparq;

namespace {

/// One change to make once a layer's whole channel path is known.
struct Edit {
  enum Kind {
    /// Slice the constant operand `operand` of `op` along `axis`.
    SliceConstant,
    /// Rebuild the `tensor.empty` (or its `linalg.fill`) operand `operand`
    /// of `op` with dimension `axis` shrunk.
    RebuildInit,
    /// Shrink dimension `axis` of result `operand` of `op`.
    ShrinkResult,
  } kind;
  Operation *op;
  unsigned operand;
  int64_t axis;
};

/// The loop dimension a projected-permutation `map` gives to result `pos`.
int64_t loopDimOf(AffineMap map, int64_t pos) {
  return cast<AffineDimExpr>(map.getResult(pos)).getPosition();
}

/// The result position of loop dimension `dim` in `map`, or -1.
int64_t positionOf(AffineMap map, int64_t dim) {
  for (auto [i, e] : llvm::enumerate(map.getResults()))
    if (auto d = dyn_cast<AffineDimExpr>(e); d && d.getPosition() == dim)
      return i;
  return -1;
}

bool isFloatConstant(Value v) {
  Attribute attr;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && matchPattern(v, m_Constant(&attr)) &&
         succeeded(readFloatConstant(attr, type));
}

bool isRebuildableInit(Value v) {
  if (auto fill = v.getDefiningOp<linalg::FillOp>())
    v = fill.getOutputs()[0];
  return v.getDefiningOp<tensor::EmptyOp>() != nullptr;
}

/// Why a channel path cannot be shrunk: the op that blocks it and a reason.
struct Blocker {
  Operation *op;
  std::string reason;
};

/// Follows the channels of a layer's result to every consumer.
class PathPlanner {
public:
  SmallVector<Edit> edits;
  std::optional<Blocker> blocker;

  /// Follows value `v` whose dimension `dim` indexes the channels.
  void follow(Value v, int64_t dim) {
    for (OpOperand &use : v.getUses()) {
      if (blocker)
        return;
      visit(use, dim);
    }
  }

private:
  DenseSet<std::pair<Operation *, unsigned>> seen;

  void block(Operation *op, const Twine &reason) {
    if (!blocker)
      blocker = Blocker{op, reason.str()};
  }

  void visit(OpOperand &use, int64_t dim) {
    Operation *user = use.getOwner();
    unsigned index = use.getOperandNumber();
    if (!seen.insert({user, index}).second)
      return;
    if (isa<func::ReturnOp>(user))
      return block(user, "they reach a function result");
    if (auto generic = dyn_cast<linalg::GenericOp>(user))
      return visitGeneric(generic, index, dim);
    if (auto matmul = dyn_cast<linalg::MatmulOp>(user)) {
      // The weight's reduction axis: 0 of [K, N], or 1 of a transposed-B
      // matmul's [N, K].
      bool transposedB = isTransposedBMatmul(user);
      if (index != 0 || dim != 1 ||
          (matmul.hasUserDefinedMaps() && !transposedB))
        return block(user, "they reach a linalg.matmul other than as the "
                           "reduction axis of its left operand");
      return consume(user, 1, /*axis=*/transposedB ? 1 : 0);
    }
    if (auto conv = dyn_cast<linalg::Conv2DNhwcHwcfOp>(user)) {
      if (index != 0 || dim != 3)
        return block(user, "they reach a convolution other than as the "
                           "channels of its input");
      return consume(user, 1, /*axis=*/2);
    }
    if (auto transpose = dyn_cast<linalg::TransposeOp>(user)) {
      if (index != 0 || !isRebuildableInit(transpose.getInit()))
        return block(user, "they reach a linalg.transpose whose init is not "
                           "a tensor.empty");
      int64_t out = llvm::find(transpose.getPermutation(), dim) -
                    transpose.getPermutation().begin();
      edits.push_back({Edit::RebuildInit, user, 1, out});
      edits.push_back({Edit::ShrinkResult, user, 0, out});
      return follow(user->getResult(0), out);
    }
    if (auto expand = dyn_cast<tensor::ExpandShapeOp>(user)) {
      auto groups = expand.getReassociationIndices();
      if (groups[dim].size() != 1)
        return block(user, "the channel dimension is reshaped together with "
                           "other dimensions");
      int64_t out = groups[dim].front();
      edits.push_back({Edit::ShrinkResult, user, 0, out});
      return follow(expand.getResult(), out);
    }
    if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(user)) {
      auto groups = collapse.getReassociationIndices();
      for (auto [out, group] : llvm::enumerate(groups))
        if (llvm::is_contained(group, dim)) {
          if (group.size() != 1)
            return block(user, "the channel dimension is reshaped together "
                               "with other dimensions");
          edits.push_back({Edit::ShrinkResult, user, 0, int64_t(out)});
          return follow(collapse.getResult(), out);
        }
    }
    block(user, "they reach '" + user->getName().getStringRef().str() +
                    "', which sparq-shrink-channels cannot see through");
  }

  /// A consumer that reduces over the channels: its constant weight
  /// (operand `weight`) loses the matching slices along `axis`.
  void consume(Operation *user, unsigned weight, int64_t axis) {
    Value w = user->getOperand(weight);
    if (w.getDefiningOp<AnnotateOp>())
      return block(user, "the consumer's weight is annotated; shrink "
                         "channels before annotating consumers");
    if (!isFloatConstant(w))
      return block(user, "the consumer's weight is not a float constant");
    edits.push_back({Edit::SliceConstant, user, weight, axis});
  }

  void visitGeneric(linalg::GenericOp generic, unsigned index, int64_t dim) {
    auto isParallel = [](utils::IteratorType t) {
      return t == utils::IteratorType::parallel;
    };
    if (!llvm::all_of(generic.getIteratorTypesArray(), isParallel) ||
        !llvm::all_of(generic.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isProjectedPermutation(); }) ||
        index >= generic.getNumDpsInputs() ||
        generic.getNumDpsInits() != 1)
      return block(generic, "they reach a linalg.generic that is not "
                            "elementwise over them");
    SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
    int64_t loop = loopDimOf(maps[index], dim);
    Value traced = generic->getOperand(index);
    for (unsigned i = 0, e = generic->getNumOperands(); i < e; ++i) {
      int64_t pos = positionOf(maps[i], loop);
      Value operand = generic->getOperand(i);
      if (pos < 0 || operand == traced)
        continue;
      if (i >= generic.getNumDpsInputs()) {
        if (!isRebuildableInit(operand) || generic.payloadUsesValueFromOperand(
                                               &generic->getOpOperand(i)))
          return block(generic, "the output of the elementwise op is not a "
                                "fresh tensor.empty");
        edits.push_back({Edit::RebuildInit, generic, i, pos});
        continue;
      }
      if (!isFloatConstant(operand))
        return block(generic, "another operand indexed by the channels is "
                              "computed (e.g. a residual add) and keeps them");
      edits.push_back({Edit::SliceConstant, generic, i, pos});
    }
    int64_t out = positionOf(maps.back(), loop);
    if (out < 0)
      return block(generic, "the elementwise op drops the channel dimension");
    edits.push_back({Edit::ShrinkResult, generic, 0, out});
    follow(generic->getResult(0), out);
  }
};

/// `shape` with dimension `axis` set to `size`.
RankedTensorType withDim(RankedTensorType type, int64_t axis, int64_t size) {
  SmallVector<int64_t> shape(type.getShape());
  shape[axis] = size;
  return RankedTensorType::get(shape, type.getElementType());
}

/// A new constant with the slices `kept` of constant `v` along `axis`.
Value sliceConstant(OpBuilder &b, Value v, int64_t axis,
                    ArrayRef<int64_t> kept, StringRef name) {
  Attribute attr;
  matchPattern(v, m_Constant(&attr));
  auto type = cast<RankedTensorType>(v.getType());
  std::vector<float> data = *readFloatConstant(attr, type);
  ArrayRef<int64_t> shape = type.getShape();
  int64_t inner = 1, outer = 1;
  for (int64_t d = axis + 1, r = shape.size(); d < r; ++d)
    inner *= shape[d];
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  std::vector<float> out;
  out.reserve(outer * kept.size() * inner);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k : kept)
      for (int64_t i = 0; i < inner; ++i)
        out.push_back(data[(o * shape[axis] + k) * inner + i]);
  RankedTensorType newType = withDim(type, axis, kept.size());
  return createConstant(b, v.getLoc(), newType,
                        encodeFloats(out, type.getElementType()), name);
}

/// A fresh init like `v` (a `tensor.empty`, maybe under a `linalg.fill`)
/// with dimension `axis` of size `size`.
Value rebuildInit(OpBuilder &b, Value v, int64_t axis, int64_t size) {
  auto type = withDim(cast<RankedTensorType>(v.getType()), axis, size);
  Value empty = tensor::EmptyOp::create(b, v.getLoc(), type.getShape(),
                                        type.getElementType());
  if (auto fill = v.getDefiningOp<linalg::FillOp>())
    return linalg::FillOp::create(b, v.getLoc(), fill.getInputs()[0], empty)
        .getResult(0);
  return empty;
}

struct SparqShrinkChannelsPass
    : public sparq::impl::SparqShrinkChannelsBase<SparqShrinkChannelsPass> {
  using SparqShrinkChannelsBase::SparqShrinkChannelsBase;

  LogicalResult shrinkLayer(Layer &layer) {
    SpecParts parts = *getSpecParts(layer.annotation.getSpec());
    SparsitySpecAttr spec = parts.sparsity;
    if (!spec || spec.getKind() != SparsityKind::Channel)
      return success();
    Operation *op = layer.op;
    if (parts.quant || parts.lowRank)
      return op->emitError() << "sparq-shrink-channels: layer '" << layer.name
                             << "' composes channel sparsity with other "
                                "specs; shrink channels alone, then annotate "
                                "the smaller model";
    if (spec.getAxis() != layer.weight.outAxis)
      return op->emitError()
             << "sparq-shrink-channels: layer '" << layer.name
             << "' has channel sparsity along weight axis " << spec.getAxis()
             << ", but only its output axis " << layer.weight.outAxis
             << " can be removed";
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    if (!linalgOp || !isFloatConstant(layer.source) ||
        !linalgOp.hasPureTensorSemantics() || op->getNumResults() != 1 ||
        !isRebuildableInit(linalgOp.getDpsInits()[0])) {
      op->emitRemark() << "keeping all channels of layer '" << layer.name
                       << "': only linalg layers with a constant weight and "
                          "a tensor.empty accumulator are shrunk";
      return success();
    }

    // The result dimension of the output channels.
    SmallVector<AffineMap> maps = linalgOp.getIndexingMapsArray();
    unsigned w = layer.weight.operandIndex;
    int64_t loop = loopDimOf(maps[w], layer.weight.outAxis);
    int64_t resultDim = positionOf(maps.back(), loop);

    // Score output channels by the L2 norm of their weight slice.
    auto weightType = cast<RankedTensorType>(layer.source.getType());
    Attribute attr;
    matchPattern(layer.source, m_Constant(&attr));
    std::vector<float> data = *readFloatConstant(attr, weightType);
    ArrayRef<int64_t> shape = weightType.getShape();
    int64_t axis = layer.weight.outAxis, channels = shape[axis];
    int64_t inner = 1;
    for (int64_t d = axis + 1, r = shape.size(); d < r; ++d)
      inner *= shape[d];
    std::vector<double> norm2(channels, 0.0);
    for (int64_t i = 0, e = data.size(); i < e; ++i)
      norm2[(i / inner) % channels] += double(data[i]) * data[i];
    int64_t removed =
        int64_t(std::floor(spec.getRatio().convertToDouble() * channels));
    if (removed == 0)
      return success();
    SmallVector<int64_t> order(channels);
    std::iota(order.begin(), order.end(), 0);
    llvm::sort(order, [&](int64_t a, int64_t b) {
      return norm2[a] < norm2[b] || (norm2[a] == norm2[b] && a < b);
    });
    SmallVector<int64_t> kept(order.begin() + removed, order.end());
    llvm::sort(kept);

    PathPlanner planner;
    planner.follow(op->getResult(0), resultDim);
    if (planner.blocker) {
      planner.blocker->op->emitRemark()
          << "keeping all channels of layer '" << layer.name
          << "': " << planner.blocker->reason;
      return success();
    }

    // Apply: the layer itself, then every edit in program order.
    int64_t newSize = kept.size();
    OpBuilder b(op);
    Value oldWeight = op->getOperand(w);
    op->setOperand(w, sliceConstant(b, layer.source, axis, kept,
                                    layer.name + ".shrunk"));
    unsigned initIndex = linalgOp.getDpsInitOperand(0)->getOperandNumber();
    op->setOperand(initIndex, rebuildInit(b, op->getOperand(initIndex),
                                          resultDim, newSize));
    op->getResult(0).setType(withDim(
        cast<RankedTensorType>(op->getResult(0).getType()), resultDim,
        newSize));
    op->setAttr("sparq.kept_channels", b.getI64IntegerAttr(newSize));
    op->setAttr(kLayerAttrName, b.getStringAttr(layer.name));
    SmallVector<Operation *> dead{oldWeight.getDefiningOp()};
    if (layer.source != oldWeight)
      dead.push_back(layer.source.getDefiningOp());

    for (Edit &edit : planner.edits) {
      OpBuilder eb(edit.op);
      switch (edit.kind) {
      case Edit::SliceConstant: {
        Value old = edit.op->getOperand(edit.operand);
        edit.op->setOperand(edit.operand,
                            sliceConstant(eb, old, edit.axis, kept,
                                          layer.name + ".consumer"));
        dead.push_back(old.getDefiningOp());
        break;
      }
      case Edit::RebuildInit:
        edit.op->setOperand(edit.operand,
                            rebuildInit(eb, edit.op->getOperand(edit.operand),
                                        edit.axis, newSize));
        break;
      case Edit::ShrinkResult: {
        Value result = edit.op->getResult(edit.operand);
        auto type = withDim(cast<RankedTensorType>(result.getType()),
                            edit.axis, newSize);
        result.setType(type);
        if (auto expand = dyn_cast<tensor::ExpandShapeOp>(edit.op))
          expand.setStaticOutputShape(type.getShape());
        break;
      }
      }
    }
    // Drop what is no longer used (weights, annotations, inits).
    for (Operation *d : dead)
      while (d && d->use_empty()) {
        Operation *next = d->getNumOperands() == 1
                              ? d->getOperand(0).getDefiningOp()
                              : nullptr;
        d->erase();
        d = next;
      }
    ++numShrunk;
    numRemoved += removed;
    return success();
  }

  void runOnOperation() override {
    bool failedAny = false;
    for (Layer &layer : collectLayers(getOperation()))
      if (layer.annotation)
        failedAny |= failed(shrinkLayer(layer));
    // Inits that were replaced.
    getOperation().walk<WalkOrder::PostOrder, ReverseIterator>([](Operation *op) {
      if (isa<tensor::EmptyOp, linalg::FillOp>(op) && op->use_empty())
        op->erase();
    });
    if (failedAny)
      signalPassFailure();
  }
};

} // namespace
