//===- Matmul.cpp - Rewriting linalg.matmul onto compressed weights -------===//

#include "sparq/Dialect/Sparq/Utils/Matmul.h"

#include "sparq/Dialect/Sparq/IR/SparqOps.h"
#include "sparq/Dialect/Sparq/Utils/Layers.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::sparq;

std::vector<float> mlir::sparq::transpose2D(ArrayRef<float> data, int64_t rows,
                                            int64_t cols) {
  std::vector<float> out(data.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      out[c * rows + r] = data[r * cols + c];
  return out;
}

QuantSpecAttr mlir::sparq::transposeSpec(QuantSpecAttr spec) {
  switch (spec.getGranularity()) {
  case Granularity::Tensor:
    return spec;
  case Granularity::Channel:
  case Granularity::Group:
    return spec.withAxis(1 - spec.getAxis());
  case Granularity::Block: {
    SmallVector<int64_t> block{spec.getBlockShape()[1],
                               spec.getBlockShape()[0]};
    return QuantSpecAttr::get(
        spec.getContext(), spec.getStorageType(), spec.getGranularity(),
        spec.getAxis(), spec.getGroupSize(), block, spec.getScheme(),
        spec.getScaleType(), spec.getGlobalScaleType(), spec.getRounding(),
        spec.getNarrowRange(), spec.getSaturate(), spec.getSearch());
  }
  }
  llvm_unreachable("unknown granularity");
}

SparsitySpecAttr mlir::sparq::transposeSpec(SparsitySpecAttr spec) {
  switch (spec.getKind()) {
  case SparsityKind::Unstructured:
    return spec;
  case SparsityKind::NM:
  case SparsityKind::Channel:
    return spec.withAxis(1 - spec.getAxis());
  case SparsityKind::Block: {
    SmallVector<int64_t> block{spec.getBlockShape()[1],
                               spec.getBlockShape()[0]};
    return SparsitySpecAttr::get(spec.getContext(), spec.getKind(),
                                 spec.getRatio(), spec.getN(), spec.getM(),
                                 spec.getAxis(), block);
  }
  }
  llvm_unreachable("unknown sparsity kind");
}

bool mlir::sparq::isPlainMatmul(Operation *op) {
  auto matmul = dyn_cast<linalg::MatmulOp>(op);
  if (!matmul || matmul.hasUserDefinedMaps() ||
      !matmul.hasPureTensorSemantics())
    return false;
  Type a = getElementTypeOrSelf(matmul.getInputs()[0].getType());
  Type b = getElementTypeOrSelf(matmul.getInputs()[1].getType());
  Type c = getElementTypeOrSelf(matmul.getOutputs()[0].getType());
  return a == b && b == c;
}

SmallVector<AffineMap> mlir::sparq::getTransposedBMatmulMaps(MLIRContext *ctx) {
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  return {AffineMap::get(3, 0, {m, k}, ctx), AffineMap::get(3, 0, {n, k}, ctx),
          AffineMap::get(3, 0, {m, n}, ctx)};
}

bool mlir::sparq::hasTransposedBMaps(Operation *op) {
  auto matmul = dyn_cast<linalg::MatmulOp>(op);
  return matmul && matmul.hasUserDefinedMaps() &&
         matmul.getIndexingMapsArray() ==
             ArrayRef<AffineMap>(getTransposedBMatmulMaps(op->getContext()));
}

bool mlir::sparq::isTransposedBMatmul(Operation *op) {
  auto matmul = dyn_cast<linalg::MatmulOp>(op);
  if (!hasTransposedBMaps(op) || !matmul.hasPureTensorSemantics())
    return false;
  Type a = getElementTypeOrSelf(matmul.getInputs()[0].getType());
  Type b = getElementTypeOrSelf(matmul.getInputs()[1].getType());
  Type c = getElementTypeOrSelf(matmul.getOutputs()[0].getType());
  return a == b && b == c;
}

bool mlir::sparq::isZeroFilled(Value value) {
  if (auto fill = value.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
  return matchPattern(value, m_AnyZeroFloat());
}

void mlir::sparq::replaceWithCompressedMatmul(OpBuilder &b, Operation *op,
                                              Value compressed,
                                              StringRef layerName) {
  auto matmul = cast<linalg::MatmulOp>(op);
  Value init = matmul.getOutputs()[0];
  Value result = MatmulOp::create(b, op->getLoc(), init.getType(),
                                  matmul.getInputs()[0], compressed);
  result.getDefiningOp()->setAttr(kLayerAttrName, b.getStringAttr(layerName));
  if (!isZeroFilled(init))
    result = linalg::AddOp::create(b, op->getLoc(), ValueRange{result, init},
                                   ValueRange{init})
                 .getResult(0);
  op->getResult(0).replaceAllUsesWith(result);
  op->erase();
}

void mlir::sparq::replaceLayerWeight(OpBuilder &b, const Layer &layer,
                                     Value compressed, bool asMatmul) {
  Operation *op = layer.op;
  AnnotateOp annotation = layer.annotation;
  if (asMatmul) {
    replaceWithCompressedMatmul(b, op, compressed, layer.name);
  } else {
    Value dense = DequantizeOp::create(b, annotation.getLoc(),
                                       layer.source.getType(), compressed);
    op->setOperand(layer.weight.operandIndex, dense);
    op->setAttr(kLayerAttrName, b.getStringAttr(layer.name));
  }
  if (annotation->use_empty())
    annotation->erase();
}

Value mlir::sparq::multiplyByGlobalScale(OpBuilder &b, Location loc, Value y,
                                         Value globalScale) {
  auto type = cast<RankedTensorType>(y.getType());
  AffineMap id = b.getMultiDimIdentityMap(2);
  AffineMap scalar = AffineMap::get(2, 0, {}, b.getContext());
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{globalScale}, ValueRange{y},
             ArrayRef<AffineMap>{scalar, id},
             ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                           utils::IteratorType::parallel},
             [](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(
                   nb, l,
                   ValueRange{arith::MulFOp::create(nb, l, args[1], args[0])});
             })
      .getResult(0);
}
