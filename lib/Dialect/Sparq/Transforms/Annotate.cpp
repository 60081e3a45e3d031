//===- Annotate.cpp - Attach compression specs to weights -----------------===//

#include "sparq/Dialect/Sparq/Transforms/Passes.h"

#include "sparq/Dialect/Sparq/IR/SparqOps.h"
#include "sparq/Dialect/Sparq/Utils/Layers.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Builders.h"

namespace mlir::sparq {
#define GEN_PASS_DEF_SPARQANNOTATE
#include "sparq/Dialect/Sparq/Transforms/Passes.h.inc"
} // namespace mlir::sparq

using namespace mlir;
using namespace mlir::sparq;

namespace {

/// Maps an axis of the canonical [out, in] layout onto the weight's layout.
FailureOr<int64_t> mapAxis(int64_t axis, const WeightOperand &weight,
                           function_ref<InFlightDiagnostic()> emitError) {
  if (axis > 1) {
    emitError() << "spec axis " << axis
                << " is not in the canonical [out, in] layout (use 0 for "
                   "output channels, 1 for input channels)";
    return failure();
  }
  int64_t mapped = axis == 0 ? weight.outAxis : weight.inAxis;
  if (mapped < 0) {
    emitError() << "this layer's weight has no input-channel axis to map "
                   "spec axis 1 onto";
    return failure();
  }
  return mapped;
}

/// Maps a canonical [bo, bi] block shape onto the weight's layout; the other
/// axes get block size 1.
FailureOr<SmallVector<int64_t>>
mapBlock(ArrayRef<int64_t> block, const WeightOperand &weight, int64_t rank,
         function_ref<InFlightDiagnostic()> emitError) {
  if (block.size() != 2) {
    emitError() << "a block shape in the canonical [out, in] layout needs 2 "
                   "sizes, got "
                << block.size();
    return failure();
  }
  if (weight.inAxis < 0) {
    emitError() << "this layer's weight has no input-channel axis for a "
                   "block shape";
    return failure();
  }
  SmallVector<int64_t> mapped(rank, 1);
  mapped[weight.outAxis] = block[0];
  mapped[weight.inAxis] = block[1];
  return mapped;
}

/// Rewrites a spec written for [out, in] for a weight of `rank` dimensions.
FailureOr<Attribute> mapSpec(Attribute spec, const WeightOperand &weight,
                             int64_t rank,
                             function_ref<InFlightDiagnostic()> emitError) {
  SpecParts parts = *getSpecParts(spec);
  MLIRContext *ctx = spec.getContext();
  if (QuantSpecAttr q = parts.quant) {
    switch (q.getGranularity()) {
    case Granularity::Tensor:
      break;
    case Granularity::Channel:
    case Granularity::Group: {
      FailureOr<int64_t> axis = mapAxis(q.getAxis(), weight, emitError);
      if (failed(axis))
        return failure();
      parts.quant = q.withAxis(*axis);
      break;
    }
    case Granularity::Block: {
      auto block = mapBlock(q.getBlockShape(), weight, rank, emitError);
      if (failed(block))
        return failure();
      parts.quant = QuantSpecAttr::get(
          ctx, q.getStorageType(), q.getGranularity(), q.getAxis(),
          q.getGroupSize(), *block, q.getScheme(), q.getScaleType(),
          q.getGlobalScaleType(), q.getRounding(), q.getNarrowRange(),
          q.getSaturate(), q.getSearch());
      break;
    }
    }
  }
  if (SparsitySpecAttr s = parts.sparsity) {
    switch (s.getKind()) {
    case SparsityKind::Unstructured:
      break;
    case SparsityKind::NM:
    case SparsityKind::Channel: {
      FailureOr<int64_t> axis = mapAxis(s.getAxis(), weight, emitError);
      if (failed(axis))
        return failure();
      parts.sparsity = s.withAxis(*axis);
      break;
    }
    case SparsityKind::Block: {
      auto block = mapBlock(s.getBlockShape(), weight, rank, emitError);
      if (failed(block))
        return failure();
      parts.sparsity = SparsitySpecAttr::get(ctx, s.getKind(), s.getRatio(),
                                             s.getN(), s.getM(), s.getAxis(),
                                             *block);
      break;
    }
    }
  }
  // The factorization views the weight as its output axis by the rest.
  if (LowRankSpecAttr l = parts.lowRank) {
    FailureOr<int64_t> axis = mapAxis(l.getAxis(), weight, emitError);
    if (failed(axis))
      return failure();
    parts.lowRank = l.withAxis(*axis);
  }
  return buildSpec(ctx, parts);
}

struct SparqAnnotatePass
    : public sparq::impl::SparqAnnotateBase<SparqAnnotatePass> {
  using SparqAnnotateBase::SparqAnnotateBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    if (spec.empty()) {
      module.emitError("sparq-annotate needs a spec, e.g. "
                       "spec=\"#sparq.quant<i8, per_channel(axis = 0)>\"");
      return signalPassFailure();
    }
    Attribute specAttr = parseAttribute(spec, ctx);
    if (!specAttr)
      return signalPassFailure();
    if (!getSpecParts(specAttr)) {
      module.emitError() << "sparq-annotate: spec must be a #sparq.quant, "
                            "#sparq.sparsity, #sparq.low_rank or #sparq.spec "
                            "attribute, got "
                         << specAttr;
      return signalPassFailure();
    }
    auto includeRe =
        compileLayerRegex(include, "include", "sparq-annotate", module);
    auto excludeRe =
        compileLayerRegex(exclude, "exclude", "sparq-annotate", module);
    if (failed(includeRe) || failed(excludeRe))
      return signalPassFailure();

    bool failedAny = false;
    for (Layer &layer : collectLayers(module)) {
      if (!isSelectedLayer(layer, ops, *includeRe, *excludeRe, minElements))
        continue;
      Operation *op = layer.op;
      auto type = cast<RankedTensorType>(layer.source.getType());

      // Diagnostics go to the layer op, as errors or (when skipping) warnings.
      auto emitDiag = [&]() -> InFlightDiagnostic {
        InFlightDiagnostic diag =
            skipIncompatible ? op->emitWarning() : op->emitError();
        diag << "cannot annotate layer '" << layer.name << "': ";
        return diag;
      };
      FailureOr<Attribute> mapped =
          mapSpec(specAttr, layer.weight, type.getRank(), emitDiag);
      if (succeeded(mapped) &&
          failed(verifySpecForShape(*mapped, type.getShape(), emitDiag)))
        mapped = failure();
      if (failed(mapped)) {
        ++numSkipped;
        failedAny |= !skipIncompatible;
        continue;
      }
      OpBuilder b(op);
      auto annotate = AnnotateOp::create(b, layer.source.getLoc(), type,
                                         layer.source, *mapped,
                                         b.getStringAttr(layer.name));
      op->setOperand(layer.weight.operandIndex, annotate.getResult());
      ++numAnnotated;
    }
    if (failedAny)
      signalPassFailure();
  }
};

} // namespace
