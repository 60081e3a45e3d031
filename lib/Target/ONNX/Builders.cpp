//===- Builders.cpp - IR patterns shared by the ONNX op converters --------===//

#include "Importer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"

using namespace mlir;
using namespace mlir::sparq;
using namespace mlir::sparq::onnx_import;

FailureOr<SmallVector<int64_t>>
onnx_import::broadcastShapes(ArrayRef<ArrayRef<int64_t>> shapes) {
  size_t rank = 0;
  for (ArrayRef<int64_t> s : shapes)
    rank = std::max(rank, s.size());
  SmallVector<int64_t> out(rank, 1);
  for (ArrayRef<int64_t> s : shapes)
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t &o = out[rank - s.size() + i];
      if (s[i] == o || s[i] == 1)
        continue;
      if (o != 1)
        return failure();
      o = s[i];
    }
  return out;
}

TypedAttr onnx_import::getScalarAttr(Type type, double value) {
  if (auto ft = dyn_cast<FloatType>(type))
    return FloatAttr::get(ft, value);
  return IntegerAttr::get(type, (int64_t)value);
}

Value onnx_import::buildScalar(OpBuilder &b, Location loc, Type type,
                               double value) {
  return arith::ConstantOp::create(b, loc, getScalarAttr(type, value));
}

TypedAttr onnx_import::getLowestAttr(Type type) {
  if (auto ft = dyn_cast<FloatType>(type))
    return FloatAttr::get(
        ft, APFloat::getInf(ft.getFloatSemantics(), /*Negative=*/true));
  unsigned w = type.getIntOrFloatBitWidth();
  return IntegerAttr::get(type,
                          w == 1 ? APInt(1, 0) : APInt::getSignedMinValue(w));
}

TypedAttr onnx_import::getHighestAttr(Type type) {
  if (auto ft = dyn_cast<FloatType>(type))
    return FloatAttr::get(ft, APFloat::getInf(ft.getFloatSemantics()));
  unsigned w = type.getIntOrFloatBitWidth();
  return IntegerAttr::get(type,
                          w == 1 ? APInt(1, 1) : APInt::getSignedMaxValue(w));
}

Value onnx_import::buildFilled(OpBuilder &b, Location loc,
                               ArrayRef<int64_t> shape, Type elem,
                               TypedAttr value) {
  Value empty = tensor::EmptyOp::create(b, loc, shape, elem);
  Value v = arith::ConstantOp::create(b, loc, value);
  return linalg::FillOp::create(b, loc, v, empty).getResult(0);
}

/// The indexing map reading an operand of `shape` broadcast (numpy-style)
/// into an iteration space of rank `rank`.
static AffineMap getBroadcastMap(MLIRContext *ctx, ArrayRef<int64_t> shape,
                                 ArrayRef<int64_t> outShape) {
  unsigned rank = outShape.size();
  SmallVector<AffineExpr> exprs;
  for (size_t i = 0; i < shape.size(); ++i) {
    unsigned d = rank - shape.size() + i;
    exprs.push_back(shape[i] == 1 && outShape[d] != 1
                        ? getAffineConstantExpr(0, ctx)
                        : getAffineDimExpr(d, ctx));
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

FailureOr<Value> onnx_import::buildElementwise(NodeContext &nc,
                                               ValueRange inputs,
                                               Type resultElem, ScalarFn fn) {
  SmallVector<ArrayRef<int64_t>> shapes;
  for (Value v : inputs)
    shapes.push_back(cast<RankedTensorType>(v.getType()).getShape());
  FailureOr<SmallVector<int64_t>> outShape = broadcastShapes(shapes);
  if (failed(outShape)) {
    auto diag = nc.error() << "input shapes do not broadcast:";
    for (Value v : inputs)
      diag << " " << v.getType();
    return failure();
  }
  SmallVector<AffineMap> maps;
  for (ArrayRef<int64_t> s : shapes)
    maps.push_back(getBroadcastMap(nc.ctx, s, *outShape));
  maps.push_back(AffineMap::getMultiDimIdentityMap(outShape->size(), nc.ctx));
  Value init = tensor::EmptyOp::create(nc.b, nc.loc, *outShape, resultElem);
  SmallVector<utils::IteratorType> iterators(outShape->size(),
                                             utils::IteratorType::parallel);
  auto op = linalg::GenericOp::create(
      nc.b, nc.loc, init.getType(), inputs, init, maps, iterators,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value r = fn(b, loc, args.drop_back());
        linalg::YieldOp::create(b, loc, r);
      });
  return op.getResult(0);
}

Value onnx_import::buildReduce(OpBuilder &b, Location loc, Value x,
                               ArrayRef<int64_t> axes, TypedAttr init,
                               ScalarFn fn) {
  auto type = cast<RankedTensorType>(x.getType());
  MLIRContext *ctx = b.getContext();
  int64_t rank = type.getRank();
  SmallVector<int64_t> outShape;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = llvm::is_contained(axes, d);
    iterators.push_back(reduced ? utils::IteratorType::reduction
                                : utils::IteratorType::parallel);
    if (!reduced) {
      outShape.push_back(type.getDimSize(d));
      outExprs.push_back(getAffineDimExpr(d, ctx));
    }
  }
  Value acc = buildFilled(b, loc, outShape, type.getElementType(), init);
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx),
                                 AffineMap::get(rank, 0, outExprs, ctx)};
  auto op = linalg::GenericOp::create(
      b, loc, acc.getType(), x, acc, maps, iterators,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        linalg::YieldOp::create(b, loc, fn(b, loc, args));
      });
  return op.getResult(0);
}

Value onnx_import::buildReshape(OpBuilder &b, Location loc, Value v,
                                ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getShape() == shape)
    return v;
  auto target = RankedTensorType::get(shape, type.getElementType());
  if (type.getRank() == 0)
    return tensor::ExpandShapeOp::create(b, loc, target, v,
                                         ArrayRef<ReassociationIndices>{});
  if (target.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, loc, target, v,
                                           ArrayRef<ReassociationIndices>{});
  if (std::optional<SmallVector<ReassociationIndices>> re =
          getReassociationIndicesForReshape(type, target)) {
    if (type.getRank() > target.getRank())
      return tensor::CollapseShapeOp::create(b, loc, target, v, *re);
    return tensor::ExpandShapeOp::create(b, loc, target, v, *re);
  }
  // Neither a pure collapse nor a pure expand: go through one dimension.
  auto flat =
      RankedTensorType::get({type.getNumElements()}, type.getElementType());
  ReassociationIndices all;
  for (int64_t i = 0; i < type.getRank(); ++i)
    all.push_back(i);
  Value collapsed = tensor::CollapseShapeOp::create(
      b, loc, flat, v, ArrayRef<ReassociationIndices>{all});
  ReassociationIndices allOut;
  for (int64_t i = 0; i < target.getRank(); ++i)
    allOut.push_back(i);
  return tensor::ExpandShapeOp::create(b, loc, target, collapsed,
                                       ArrayRef<ReassociationIndices>{allOut});
}
