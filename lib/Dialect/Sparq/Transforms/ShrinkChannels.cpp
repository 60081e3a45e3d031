//===- ShrinkChannels.cpp - Structured channel pruning --------------------===//
//
// Removes the weakest output channels of annotated layers and follows each
// removed channel to the consumers that reduce over it, removing their
// matching input channels: the model becomes a smaller dense model. The path
// goes through any linalg op that works on each channel apart (bias adds
// with constant or reshaped-constant operands, activations, pooling,
// transposes, named elementwise ops), tensor.pad, reshapes (a flatten turns
// a channel into a block of features) and tensor.concat. Nothing is changed
// for a layer until the whole path of its channels is known to be removable;
// otherwise a remark says what blocks it.
//
//===----------------------------------------------------------------------===//

#include "sparq/Dialect/Sparq/Transforms/Passes.h"

#include "sparq/Dialect/Sparq/IR/SparqOps.h"
#include "sparq/Dialect/Sparq/Utils/Constants.h"
#include "sparq/Dialect/Sparq/Utils/Layers.h"

#include "mlir/Analysis/SliceAnalysis.h"
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

/// The channels of one layer as they appear in a value: dimension `dim` of
/// size `size`, of which the (sorted) indices `kept` remain. After a
/// flattening reshape one channel is a block of several indices, and after a
/// concatenation the indices of the other operands are all kept.
struct Channels {
  int64_t dim;
  int64_t size;
  SmallVector<int64_t> kept;
};

/// One change to make once a layer's whole channel path is known.
struct Edit {
  enum Kind {
    /// Slice the float constant operand `operand` of `op` (maybe reached
    /// through reshapes) along `axis`, keeping `kept`.
    SliceConstant,
    /// Rebuild the `tensor.empty` (or its `linalg.fill`) operand `operand`
    /// of `op` with dimension `axis` of size `size`.
    RebuildInit,
    /// Set dimension `axis` of result `operand` of `op` to `size`.
    ShrinkResult,
  } kind;
  Operation *op;
  unsigned operand;
  int64_t axis;
  int64_t size;
  SmallVector<int64_t> kept = {};
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

/// The constant behind `v`, looking through static reshapes (the importer
/// reshapes a bias [C] to [C, 1, 1] to broadcast it): reshapes keep the
/// row-major element order, so its data are `v`'s data. Null if none.
Value constantSource(Value v) {
  while (true) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type || !type.hasStaticShape())
      return {};
    if (auto expand = v.getDefiningOp<tensor::ExpandShapeOp>())
      v = expand.getSrc();
    else if (auto collapse = v.getDefiningOp<tensor::CollapseShapeOp>())
      v = collapse.getSrc();
    else
      break;
  }
  return matchPattern(v, m_Constant()) ? v : Value();
}

/// The data of float constant `v` (see constantSource), row-major.
std::optional<std::vector<float>> readFloats(Value v) {
  Value source = constantSource(v);
  Attribute attr;
  if (!source || !matchPattern(source, m_Constant(&attr)))
    return std::nullopt;
  FailureOr<std::vector<float>> data =
      readFloatConstant(attr, cast<RankedTensorType>(source.getType()));
  if (failed(data))
    return std::nullopt;
  return std::move(*data);
}

bool isFloatConstant(Value v) { return readFloats(v).has_value(); }

bool isRebuildableInit(Value v) {
  if (auto fill = v.getDefiningOp<linalg::FillOp>())
    v = fill.getOutputs()[0];
  return v.getDefiningOp<tensor::EmptyOp>() != nullptr;
}

bool hasStaticShape(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.hasStaticShape();
}

constexpr llvm::StringLiteral kKeptByOtherOperand =
    "another operand indexed by the channels is computed (e.g. a residual "
    "add) and keeps them";

/// Why a channel path cannot be shrunk: the op that blocks it and a reason.
struct Blocker {
  Operation *op;
  std::string reason;
};

/// Follows the channels of a layer's result to every consumer and plans the
/// edits that remove them. Operands of the ops on the path that are indexed
/// by the channels must be constants (sliced), fresh inits (rebuilt) or
/// values on the path themselves with the same channels (checked once the
/// whole path is known).
class PathPlanner {
public:
  SmallVector<Edit> edits;
  std::optional<Blocker> blocker;

  /// Plans the removal of the channels `ch` of `v`, then checks the
  /// operands that must be on the path.
  void plan(Value v, const Channels &ch) {
    root = v;
    getForwardSlice(v, &reachable);
    follow(v, ch);
    for (auto &[op, value, req] : mustBeTraced) {
      if (blocker)
        return;
      auto it = traced.find(value);
      if (it == traced.end() || it->second.dim != req.dim ||
          it->second.kept != req.kept)
        block(op, kKeptByOtherOperand);
    }
    for (auto &[op, value] : mustNotBeTraced)
      if (traced.count(value))
        block(op, "more than one operand of a concatenation along the "
                  "channels carries them");
  }

private:
  Value root;
  /// The ops that can carry the channels: those computed from the root.
  SetVector<Operation *> reachable;
  DenseSet<std::pair<Operation *, unsigned>> seen;
  /// The loop of every visited linalg op that iterates over the channels.
  DenseMap<Operation *, unsigned> loops;
  DenseMap<Value, Channels> traced;
  SmallVector<std::tuple<Operation *, Value, Channels>> mustBeTraced;
  SmallVector<std::pair<Operation *, Value>> mustNotBeTraced;

  void follow(Value v, const Channels &ch) {
    traced.try_emplace(v, ch);
    for (OpOperand &use : v.getUses()) {
      if (blocker)
        return;
      visit(use, ch);
    }
  }

  void block(Operation *op, const Twine &reason) {
    if (!blocker)
      blocker = Blocker{op, reason.str()};
  }

  void blockOpaque(Operation *op) {
    block(op, "they reach '" + op->getName().getStringRef().str() +
                  "', which sparq-shrink-channels cannot see through");
  }

  /// Shrinks result `result` of `op` along `ch.dim` and follows it.
  void shrinkResult(Operation *op, unsigned result, Channels ch) {
    edits.push_back(
        {Edit::ShrinkResult, op, result, ch.dim, int64_t(ch.kept.size())});
    follow(op->getResult(result), ch);
  }

  /// Operand `index` of `op` is indexed by the channels at `dim`: slice it
  /// if it is a constant, else it must carry the same channels.
  void sameChannels(Operation *op, unsigned index, const Channels &ch) {
    Value v = op->getOperand(index);
    if (isFloatConstant(v))
      edits.push_back(
          {Edit::SliceConstant, op, index, ch.dim, ch.size, ch.kept});
    else if (v == root || reachable.contains(v.getDefiningOp()))
      mustBeTraced.push_back({op, v, ch});
    else
      block(op, kKeptByOtherOperand);
  }

  void visit(OpOperand &use, const Channels &ch) {
    Operation *user = use.getOwner();
    unsigned index = use.getOperandNumber();
    if (!seen.insert({user, index}).second)
      return;
    if (isa<func::ReturnOp>(user))
      return block(user, "they reach a function result");
    if (!hasStaticShape(use.get()))
      return block(user, "the channels flow through a tensor of dynamic "
                         "shape");
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(user))
      return visitLinalg(linalgOp, index, ch);
    if (auto pad = dyn_cast<tensor::PadOp>(user))
      return visitPad(pad, index, ch);
    if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(user))
      return visitCollapse(collapse, ch);
    if (auto expand = dyn_cast<tensor::ExpandShapeOp>(user))
      return visitExpand(expand, ch);
    if (auto concat = dyn_cast<tensor::ConcatOp>(user))
      return visitConcat(concat, index, ch);
    blockOpaque(user);
  }

  /// A linalg op: the channels' loop is either parallel (the op works on
  /// each channel apart: bias adds, activations, pooling, transposes) or
  /// reduced over by a layer whose weight then loses the matching slices.
  void visitLinalg(linalg::LinalgOp op, unsigned index, const Channels &ch) {
    StringRef name = op->getName().getStringRef();
    if (!op.hasPureTensorSemantics() || index >= op.getNumDpsInputs() ||
        op->getNumResults() != 1)
      return block(op, "they reach '" + name +
                           "' other than as an input of a linalg op on "
                           "tensors with one result");
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    auto dimExpr = dyn_cast<AffineDimExpr>(maps[index].getResult(ch.dim));
    if (!dimExpr)
      return block(op, "'" + name +
                           "' mixes the channel dimension with other "
                           "dimensions in its indexing");
    unsigned loop = dimExpr.getPosition();
    if (auto [it, inserted] = loops.try_emplace(op, loop); !inserted) {
      // Already planned through another operand, which must carry the
      // channels along the same loop.
      if (it->second != loop)
        block(op, "'" + name +
                      "' reads the channels along different loops "
                      "of its operands");
      return;
    }
    // Every operand indexes the loop plainly, at most once, or not at all.
    SmallVector<int64_t> positions;
    for (AffineMap map : maps) {
      int64_t pos = -1, count = 0;
      for (auto [r, e] : llvm::enumerate(map.getResults())) {
        if (!e.isFunctionOfDim(loop))
          continue;
        if (!isa<AffineDimExpr>(e))
          return block(op, "'" + name +
                               "' mixes the channel dimension with other "
                               "dimensions in its indexing");
        pos = r;
        ++count;
      }
      if (count > 1)
        return block(op, "'" + name +
                             "' reads the channels along several "
                             "dimensions of one operand");
      positions.push_back(pos);
    }
    if (op.getIteratorTypesArray()[loop] == utils::IteratorType::reduction)
      return consume(op, index, loop, positions, ch);

    bool usesIndex = false;
    op->walk([&](linalg::IndexOp) { usesIndex = true; });
    if (usesIndex)
      return block(op, "'" + name + "' reads the loop indices (linalg.index)");
    unsigned numInputs = op.getNumDpsInputs();
    Value tracedOperand = op->getOperand(index);
    for (auto [i, pos] : llvm::enumerate(positions)) {
      if (op->getOperand(i) == tracedOperand && pos != ch.dim)
        return block(op, "'" + name +
                             "' reads the channels along different loops "
                             "of its operands");
      if (pos < 0 || i == index)
        continue;
      Channels at{pos, ch.size, ch.kept};
      if (i < numInputs) {
        sameChannels(op, i, at);
        continue;
      }
      if (!isRebuildableInit(op->getOperand(i)))
        return block(op, "the output of '" + name +
                             "' is not a fresh tensor.empty");
      edits.push_back(
          {Edit::RebuildInit, op, unsigned(i), pos, int64_t(ch.kept.size())});
    }
    int64_t out = positions.back();
    if (out < 0)
      return block(op, "'" + name + "' drops the channel dimension");
    shrinkResult(op, 0, {out, ch.size, ch.kept});
  }

  /// A layer that reduces over the channels (a matmul's K, a convolution's
  /// input channels): its constant weight loses the matching slices.
  void consume(linalg::LinalgOp op, unsigned index, unsigned loop,
               ArrayRef<int64_t> positions, const Channels &ch) {
    std::optional<WeightOperand> weight = getWeightOperand(op);
    if (!weight || weight->inAxis < 0 || weight->operandIndex == index ||
        positions[weight->operandIndex] != weight->inAxis)
      return block(op, "they reach '" + op->getName().getStringRef() +
                           "', which reduces over them but not as the input "
                           "channels of a layer");
    for (auto [i, pos] : llvm::enumerate(positions))
      if (pos >= 0 && i != index && i != weight->operandIndex)
        return block(op, "another operand of '" + op->getName().getStringRef() +
                             "' is reduced together with the channels");
    Value w = op->getOperand(weight->operandIndex);
    if (w.getDefiningOp<AnnotateOp>())
      return block(op, "the consumer's weight is annotated; shrink "
                       "channels before annotating consumers");
    if (!isFloatConstant(w))
      return block(op, "the consumer's weight is not a float constant");
    edits.push_back({Edit::SliceConstant, op, weight->operandIndex,
                     weight->inAxis, ch.size, ch.kept});
  }

  void visitPad(tensor::PadOp pad, unsigned index, const Channels &ch) {
    if (index != 0 || pad.getStaticLow()[ch.dim] != 0 ||
        pad.getStaticHigh()[ch.dim] != 0)
      return block(pad, "the tensor.pad pads the channel dimension");
    if (llvm::any_of(pad.getRegion().getArguments(),
                     [](BlockArgument a) { return !a.use_empty(); }))
      return block(pad, "the tensor.pad's padding value depends on the "
                        "position");
    shrinkResult(pad, 0, ch);
  }

  /// Flattening: channel c of dimension `ch.dim` becomes the block of
  /// indices (o * size + c) * inner + [0, inner) of the collapsed dimension.
  void visitCollapse(tensor::CollapseShapeOp collapse, const Channels &ch) {
    ArrayRef<int64_t> shape = collapse.getSrcType().getShape();
    for (auto [out, group] :
         llvm::enumerate(collapse.getReassociationIndices())) {
      auto it = llvm::find(group, ch.dim);
      if (it == group.end())
        continue;
      int64_t outer = 1, inner = 1;
      for (int64_t d : ArrayRef<int64_t>(group.begin(), it))
        outer *= shape[d];
      for (int64_t d : ArrayRef<int64_t>(it + 1, group.end()))
        inner *= shape[d];
      Channels next{int64_t(out), outer * ch.size * inner, {}};
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t k : ch.kept)
          for (int64_t j = 0; j < inner; ++j)
            next.kept.push_back((o * ch.size + k) * inner + j);
      return shrinkResult(collapse, 0, next);
    }
  }

  /// Unflattening: the kept indices must be exactly the kept entries of one
  /// result dimension, with every index of the others.
  void visitExpand(tensor::ExpandShapeOp expand, const Channels &ch) {
    if (!expand.getResultType().hasStaticShape())
      return block(expand, "the channels flow through a tensor of dynamic "
                           "shape");
    ArrayRef<int64_t> shape = expand.getResultType().getShape();
    ReassociationIndices group = expand.getReassociationIndices()[ch.dim];
    for (auto [p, d] : llvm::enumerate(group)) {
      int64_t inner = 1, size = shape[d];
      for (int64_t e : ArrayRef<int64_t>(group).drop_front(p + 1))
        inner *= shape[e];
      int64_t outer = ch.size / (size * inner);
      Channels next{d, size, {}};
      for (int64_t k = 0; k < size; ++k)
        if (llvm::binary_search(ch.kept, k * inner))
          next.kept.push_back(k);
      SmallVector<int64_t> rebuilt;
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t k : next.kept)
          for (int64_t j = 0; j < inner; ++j)
            rebuilt.push_back((o * size + k) * inner + j);
      if (rebuilt == ch.kept)
        return shrinkResult(expand, 0, next);
    }
    block(expand, "the channels do not map onto one dimension of the "
                  "tensor.expand_shape");
  }

  void visitConcat(tensor::ConcatOp concat, unsigned index,
                   const Channels &ch) {
    int64_t dim = concat.getDim();
    // Reached again through another operand: checked by mustBeTraced and
    // mustNotBeTraced.
    if (!loops.try_emplace(concat, 0).second)
      return;
    if (dim != ch.dim) {
      // Along another dimension: every operand keeps the same channels.
      for (unsigned i = 0, e = concat->getNumOperands(); i < e; ++i)
        if (i != index)
          sameChannels(concat, i, ch);
      return shrinkResult(concat, 0, ch);
    }
    // Along the channels: this operand's channels are a range of the
    // result's; the other operands keep all of theirs.
    Channels next{dim, concat.getResultType().getDimSize(dim), {}};
    int64_t offset = 0;
    for (unsigned i = 0, e = concat->getNumOperands(); i < e; ++i) {
      int64_t size = cast<RankedTensorType>(concat->getOperand(i).getType())
                         .getDimSize(dim);
      if (i == index) {
        for (int64_t k : ch.kept)
          next.kept.push_back(offset + k);
      } else {
        mustNotBeTraced.push_back({concat, concat->getOperand(i)});
        for (int64_t k = 0; k < size; ++k)
          next.kept.push_back(offset + k);
      }
      offset += size;
    }
    shrinkResult(concat, 0, next);
  }
};

/// `shape` with dimension `axis` set to `size`.
RankedTensorType withDim(RankedTensorType type, int64_t axis, int64_t size) {
  SmallVector<int64_t> shape(type.getShape());
  shape[axis] = size;
  return RankedTensorType::get(shape, type.getElementType());
}

/// A new constant with the slices `kept` of float constant `v` (maybe
/// behind reshapes, see constantSource) along `axis` of `v`'s type.
Value sliceConstant(OpBuilder &b, Value v, int64_t axis, ArrayRef<int64_t> kept,
                    StringRef name) {
  auto type = cast<RankedTensorType>(v.getType());
  std::vector<float> data = *readFloats(v);
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
      return op->emitError() << "sparq-shrink-channels: layer '" << layer.name
                             << "' has channel sparsity along weight axis "
                             << spec.getAxis() << ", but only its output axis "
                             << layer.weight.outAxis << " can be removed";
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    if (!linalgOp || !isFloatConstant(layer.source) ||
        !hasStaticShape(op->getResult(0)) ||
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
    std::vector<float> data = *readFloats(layer.source);
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
    planner.plan(op->getResult(0), {resultDim, channels, kept});
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
    op->setOperand(
        w, sliceConstant(b, layer.source, axis, kept, layer.name + ".shrunk"));
    unsigned initIndex = linalgOp.getDpsInitOperand(0)->getOperandNumber();
    op->setOperand(initIndex, rebuildInit(b, op->getOperand(initIndex),
                                          resultDim, newSize));
    op->getResult(0).setType(
        withDim(cast<RankedTensorType>(op->getResult(0).getType()), resultDim,
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
                            sliceConstant(eb, old, edit.axis, edit.kept,
                                          layer.name + ".consumer"));
        dead.push_back(old.getDefiningOp());
        break;
      }
      case Edit::RebuildInit:
        edit.op->setOperand(edit.operand,
                            rebuildInit(eb, edit.op->getOperand(edit.operand),
                                        edit.axis, edit.size));
        break;
      case Edit::ShrinkResult: {
        Value result = edit.op->getResult(edit.operand);
        auto type = withDim(cast<RankedTensorType>(result.getType()), edit.axis,
                            edit.size);
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
    getOperation().walk<WalkOrder::PostOrder, ReverseIterator>(
        [](Operation *op) {
          if (isa<tensor::EmptyOp, linalg::FillOp>(op) && op->use_empty())
            op->erase();
        });
    if (failedAny)
      signalPassFailure();
  }
};

} // namespace
