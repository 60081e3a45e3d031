//===- ConvToMatmul.cpp - 2-D convolutions as im2col + matmul -------------===//
//
// Rewrites NCHW/FCHW and NHWC/HWCF convolutions into an im2col copy and a
// matmul so that convert-sparq-to-runtime can run them on its ukernels.
//
//===----------------------------------------------------------------------===//

#include "sparq/Dialect/Sparq/Transforms/Passes.h"

#include "sparq/Dialect/Sparq/IR/SparqOps.h"

#include "mlir/IR/Matchers.h"

namespace mlir::sparq {
#define GEN_PASS_DEF_SPARQCONVTOMATMUL
#include "sparq/Dialect/Sparq/Transforms/Passes.h.inc"
} // namespace mlir::sparq

using namespace mlir;
using namespace mlir::sparq;

namespace {

/// The pieces of a 2-D convolution the rewrite needs.
struct ConvInfo {
  bool nchw;
  Value input, filter, init;
  int64_t n, c, f, oh, ow, kh, kw;
  int64_t strides[2], dilations[2];
};

/// True if `value` is a fill (or splat constant) of a float zero, i.e. the
/// conv accumulates into nothing.
bool isZeroInit(Value value) {
  if (auto fill = value.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
  return matchPattern(value, m_AnyZeroFloat());
}

/// Why the compressed FCHW weight `w` cannot be seen as a rank-2 `[F, K]`
/// weight without repacking its storage; empty if it can.
std::string compressedReason(AssembleOp assemble, int64_t kw) {
  auto type = cast<CompressedType>(assemble.getResult().getType());
  QuantSpecAttr quant = type.getQuant();
  if (type.getSparsity())
    return "sparse weights would need their storage repacked";
  if (auto spec = dyn_cast<SpecAttr>(type.getSpec()))
    if (spec.getLowRank())
      return "low-rank weights are not supported";
  if (!quant || !quant.isIntegerStorage())
    return "only integer-quantized weights are supported";
  Granularity g = quant.getGranularity();
  if (g != Granularity::Tensor &&
      !(g == Granularity::Channel && quant.getAxis() == 0))
    return "only per_tensor and per_channel(axis = 0) scales keep their "
           "layout when the weight is flattened";
  if (kw * quant.getStorageBits() % 8 != 0)
    return "the packed rows along KW are not whole bytes (KW * bits = " +
           std::to_string(kw * quant.getStorageBits()) +
           " is not a multiple of 8)";
  return "";
}

/// `[d0, ..., d3] -> [d0, d1 * d2 * d3]` (rank-4 storage of an FCHW weight).
Value collapseStorage(OpBuilder &b, Location loc, Value v) {
  if (!v)
    return v;
  return tensor::CollapseShapeOp::create(
      b, loc, v, SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
}

struct SparqConvToMatmulPass
    : public sparq::impl::SparqConvToMatmulBase<SparqConvToMatmulPass> {
  using Base::Base;

  /// Leaves `op` alone, with a remark saying why.
  void skip(Operation *op, const Twine &why) {
    if (remarks)
      op->emitRemark() << "sparq-conv-to-matmul: convolution left alone: "
                       << why;
  }

  /// Fills `info` from a supported conv; false (after a remark) otherwise.
  bool match(linalg::LinalgOp op, ConvInfo &info) {
    info.nchw = isa<linalg::Conv2DNchwFchwOp>(op);
    if (!op.hasPureTensorSemantics()) {
      skip(op, "it is not on tensors");
      return false;
    }
    info.input = op.getDpsInputs()[0];
    info.filter = op.getDpsInputs()[1];
    info.init = op.getDpsInits()[0];
    auto inType = cast<RankedTensorType>(info.input.getType());
    auto fType = cast<RankedTensorType>(info.filter.getType());
    auto outType = cast<RankedTensorType>(info.init.getType());
    if (!inType.hasStaticShape() || !fType.hasStaticShape() ||
        !outType.hasStaticShape()) {
      skip(op, "its shapes are not static");
      return false;
    }
    if (!isa<FloatType>(inType.getElementType()) ||
        !isa<FloatType>(fType.getElementType()) ||
        inType.getElementType() != outType.getElementType()) {
      skip(op, "only float convolutions with the same input and output "
               "element type are supported");
      return false;
    }
    ArrayRef<int64_t> in = inType.getShape(), fl = fType.getShape(),
                      out = outType.getShape();
    info.n = in[0];
    if (info.nchw) {
      info.c = in[1];
      info.f = fl[0], info.kh = fl[2], info.kw = fl[3];
      info.oh = out[2], info.ow = out[3];
    } else {
      info.c = in[3];
      info.kh = fl[0], info.kw = fl[1], info.f = fl[3];
      info.oh = out[1], info.ow = out[2];
    }
    DenseIntElementsAttr strides, dilations;
    if (auto c = dyn_cast<linalg::Conv2DNchwFchwOp>(op.getOperation()))
      strides = c.getStrides(), dilations = c.getDilations();
    else {
      auto h = cast<linalg::Conv2DNhwcHwcfOp>(op.getOperation());
      strides = h.getStrides(), dilations = h.getDilations();
    }
    for (int i = 0; i < 2; ++i) {
      info.strides[i] = strides.getValues<int64_t>()[i];
      info.dilations[i] = dilations.getValues<int64_t>()[i];
    }
    return true;
  }

  /// `col[P, K]` from the input: a 6-D window copy collapsed to rank 2.
  Value buildIm2col(OpBuilder &b, Location loc, const ConvInfo &info) {
    MLIRContext *ctx = b.getContext();
    Type elem = cast<RankedTensorType>(info.input.getType()).getElementType();
    SmallVector<int64_t> shape =
        info.nchw ? SmallVector<int64_t>{info.n, info.oh, info.ow,
                                         info.c, info.kh, info.kw}
                  : SmallVector<int64_t>{info.n,  info.oh, info.ow,
                                         info.kh, info.kw, info.c};
    AffineExpr d[6];
    bindDimsList(ctx, MutableArrayRef<AffineExpr>(d));
    // Dims: n, oh, ow, then (c, kh, kw) for NCHW or (kh, kw, c) for NHWC.
    AffineExpr c = info.nchw ? d[3] : d[5];
    AffineExpr kh = info.nchw ? d[4] : d[3];
    AffineExpr kw = info.nchw ? d[5] : d[4];
    AffineExpr ih = d[1] * info.strides[0] + kh * info.dilations[0];
    AffineExpr iw = d[2] * info.strides[1] + kw * info.dilations[1];
    AffineMap inMap = info.nchw ? AffineMap::get(6, 0, {d[0], c, ih, iw}, ctx)
                                : AffineMap::get(6, 0, {d[0], ih, iw, c}, ctx);
    Value empty = tensor::EmptyOp::create(b, loc, shape, elem);
    auto copy = linalg::GenericOp::create(
        b, loc, TypeRange{empty.getType()}, ValueRange{info.input},
        ValueRange{empty},
        ArrayRef<AffineMap>{inMap, AffineMap::getMultiDimIdentityMap(6, ctx)},
        SmallVector<utils::IteratorType>(6, utils::IteratorType::parallel),
        [](OpBuilder &nb, Location nloc, ValueRange args) {
          linalg::YieldOp::create(nb, nloc, args[0]);
        });
    return tensor::CollapseShapeOp::create(
        b, loc, copy.getResult(0),
        SmallVector<ReassociationIndices>{{0, 1, 2}, {3, 4, 5}});
  }

  /// `y[P, F] = col x W^T` with a dense filter.
  Value buildDenseMatmul(OpBuilder &b, Location loc, const ConvInfo &info,
                         Value col) {
    MLIRContext *ctx = b.getContext();
    auto outType = cast<RankedTensorType>(info.init.getType());
    int64_t p = info.n * info.oh * info.ow;
    auto mmType = RankedTensorType::get({p, info.f}, outType.getElementType());
    Value zero = arith::ConstantOp::create(
        b, loc, b.getFloatAttr(outType.getElementType(), 0.0));
    Value empty = tensor::EmptyOp::create(b, loc, mmType.getShape(),
                                          mmType.getElementType());
    Value init =
        linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{empty})
            .getResult(0);
    SmallVector<NamedAttribute> attrs;
    Value w;
    if (info.nchw) {
      // [F, C, KH, KW] -> [F, K]: transposed-B, the runtime's [N, K] layout.
      w = tensor::CollapseShapeOp::create(
          b, loc, info.filter,
          SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
      AffineExpr m, n, k;
      bindDims(ctx, m, n, k);
      attrs.push_back(b.getNamedAttr(
          "indexing_maps",
          b.getAffineMapArrayAttr({AffineMap::get(3, 0, {m, k}, ctx),
                                   AffineMap::get(3, 0, {n, k}, ctx),
                                   AffineMap::get(3, 0, {m, n}, ctx)})));
    } else {
      // [KH, KW, C, F] -> [K, F]: a plain matmul.
      w = tensor::CollapseShapeOp::create(
          b, loc, info.filter,
          SmallVector<ReassociationIndices>{{0, 1, 2}, {3}});
    }
    return linalg::MatmulOp::create(b, loc, TypeRange{mmType},
                                    ValueRange{col, w}, ValueRange{init}, attrs)
        .getResult(0);
  }

  /// `[P, F]` back to the conv's layout, plus its init unless that is zero.
  Value buildOutput(OpBuilder &b, Location loc, const ConvInfo &info,
                    Value mm) {
    MLIRContext *ctx = b.getContext();
    auto outType = cast<RankedTensorType>(info.init.getType());
    auto nhwcType = RankedTensorType::get({info.n, info.oh, info.ow, info.f},
                                          outType.getElementType());
    Value y = tensor::ExpandShapeOp::create(
        b, loc, nhwcType, mm,
        SmallVector<ReassociationIndices>{{0, 1, 2}, {3}});
    bool accumulate = !isZeroInit(info.init);
    if (!info.nchw && !accumulate)
      return y;
    // Loops over the output: (n, f, oh, ow) for NCHW, (n, oh, ow, f) NHWC.
    AffineExpr d0, d1, d2, d3;
    bindDims(ctx, d0, d1, d2, d3);
    AffineMap inMap = info.nchw ? AffineMap::get(4, 0, {d0, d2, d3, d1}, ctx)
                                : AffineMap::getMultiDimIdentityMap(4, ctx);
    auto generic = linalg::GenericOp::create(
        b, loc, TypeRange{outType}, ValueRange{y}, ValueRange{info.init},
        ArrayRef<AffineMap>{inMap, AffineMap::getMultiDimIdentityMap(4, ctx)},
        SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value v = args[0];
          if (accumulate)
            v = arith::AddFOp::create(nb, nloc, args[1], v);
          linalg::YieldOp::create(nb, nloc, v);
        });
    return generic.getResult(0);
  }

  void rewrite(linalg::LinalgOp op) {
    ConvInfo info;
    if (!match(op, info))
      return;
    // A dequantized filter: use the compressed weight directly when its
    // storage already is the [F, K] storage.
    AssembleOp assemble;
    if (auto deq = info.filter.getDefiningOp<DequantizeOp>()) {
      if (!info.nchw)
        return skip(op, "a dequantized HWCF filter does not store output "
                        "channels as rows");
      assemble = deq.getInput().getDefiningOp<AssembleOp>();
      if (!assemble)
        return skip(op, "the compressed filter is not built by sparq.assemble");
      std::string why = compressedReason(assemble, info.kw);
      if (!why.empty())
        return skip(op, why);
    }

    OpBuilder b(op);
    Location loc = op.getLoc();
    Value col = buildIm2col(b, loc, info);
    Value mm;
    if (assemble) {
      auto type = cast<CompressedType>(assemble.getResult().getType());
      int64_t k = info.c * info.kh * info.kw;
      auto type2 = CompressedType::get(b.getContext(), {info.f, k},
                                       type.getElementType(), type.getSpec());
      Value w2 = AssembleOp::create(
          b, loc, type2, collapseStorage(b, loc, assemble.getData()),
          collapseStorage(b, loc, assemble.getScales()),
          collapseStorage(b, loc, assemble.getZeroPoints()),
          assemble.getGlobalScale(), Value(), Value());
      auto outType = cast<RankedTensorType>(info.init.getType());
      auto mmType = RankedTensorType::get({info.n * info.oh * info.ow, info.f},
                                          outType.getElementType());
      mm = MatmulOp::create(b, loc, mmType, col, w2);
      ++numCompressed;
    } else {
      mm = buildDenseMatmul(b, loc, info, col);
      ++numDense;
    }
    Value y = buildOutput(b, loc, info, mm);
    Operation *filterDef = info.filter.getDefiningOp();
    op->getResult(0).replaceAllUsesWith(y);
    op->erase();
    // The dequantized dense filter is dead now (and its assemble with it).
    if (assemble && filterDef && filterDef->use_empty()) {
      filterDef->erase();
      if (assemble->use_empty())
        assemble->erase();
    }
  }

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> convs;
    getOperation().walk([&](Operation *op) {
      if (isa<linalg::Conv2DNchwFchwOp, linalg::Conv2DNhwcHwcfOp>(op))
        convs.push_back(cast<linalg::LinalgOp>(op));
    });
    for (linalg::LinalgOp op : convs)
      rewrite(op);
  }
};

} // namespace
