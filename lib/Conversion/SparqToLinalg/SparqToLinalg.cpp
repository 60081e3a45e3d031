//===- SparqToLinalg.cpp - Reference lowering of Sparq ops ----------------===//
//
// Decodes compressed weights with plain linalg/tensor/arith ops, exactly as
// the `#sparq.quant` and `!sparq.compressed` documentation states. This is
// the correctness reference every faster lowering is compared against.
//
//===----------------------------------------------------------------------===//

#include "sparq/Conversion/SparqToLinalg/SparqToLinalg.h"

#include "sparq/Dialect/Sparq/IR/SparqOps.h"
#include "sparq/Dialect/Sparq/Utils/Quantization.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"

namespace mlir::sparq {
#define GEN_PASS_DEF_CONVERTSPARQTOLINALG
#include "sparq/Conversion/Passes.h.inc"
} // namespace mlir::sparq

using namespace mlir;
using namespace mlir::sparq;

namespace {

/// A constant f32 table with the value of every code of a float type.
Value createCodeTable(OpBuilder &b, Location loc, Type floatType) {
  std::vector<float> table = getFloatCodeTable(floatType);
  auto type = RankedTensorType::get({int64_t(table.size())}, b.getF32Type());
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, ArrayRef<float>(table)));
}

bool isFloat8(Type type) { return isa<FloatType>(type) && type.getIntOrFloatBitWidth() == 8; }

} // namespace

FailureOr<Value> mlir::sparq::buildDequantize(OpBuilder &b, Location loc,
                                              AssembleOp assemble) {
  CompressedType type = assemble.getResult().getType();
  QuantSpecAttr spec = type.getQuant();
  if (!spec || type.getSparsity()) {
    assemble.emitError() << "convert-sparq-to-linalg cannot decode sparse "
                            "formats yet: "
                         << type;
    return failure();
  }
  ArrayRef<int64_t> shape = type.getShape();
  int64_t rank = shape.size();
  RankedTensorType denseType = type.getDenseType();
  SmallVector<int64_t> block = spec.getScaleBlock(shape);
  SmallVector<int64_t> scaleShape = spec.getScaleShape(shape);
  unsigned bits = spec.getStorageBits();
  int64_t rowBytes = getPackedRowBytes(shape.back(), bits);
  Type scaleType = spec.getScaleType();

  Value codeTable, scaleTable;
  if (!spec.isIntegerStorage())
    codeTable = createCodeTable(b, loc, spec.getStorageType());
  if (isFloat8(scaleType))
    scaleTable = createCodeTable(b, loc, scaleType);

  Value data = assemble.getData(), scales = assemble.getScales();
  Value zeroPoints = assemble.getZeroPoints();
  Value globalScale = assemble.getGlobalScale();
  Value empty = tensor::EmptyOp::create(b, loc, shape, denseType.getElementType());
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);

  auto body = [&](OpBuilder &nb, Location l, ValueRange) {
    Type i32 = nb.getI32Type(), f32 = nb.getF32Type();
    auto cIndex = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(nb, l, v);
    };
    auto cI32 = [&](int64_t v) -> Value {
      return arith::ConstantIntOp::create(nb, l, i32, v);
    };
    SmallVector<Value> idx;
    for (int64_t d = 0; d < rank; ++d)
      idx.push_back(linalg::IndexOp::create(nb, l, d));

    // The code of element j of its row: bits [j*b, (j+1)*b) of the row's
    // little-endian bit stream, which span at most two bytes.
    Value bitPos = arith::MulIOp::create(nb, l, idx.back(), cIndex(bits));
    Value byteIdx = arith::DivUIOp::create(nb, l, bitPos, cIndex(8));
    Value shift = arith::RemUIOp::create(nb, l, bitPos, cIndex(8));
    SmallVector<Value> dataIdx(idx.begin(), idx.end() - 1);
    dataIdx.push_back(byteIdx);
    Value word = arith::ExtUIOp::create(
        nb, l, i32, tensor::ExtractOp::create(nb, l, data, dataIdx));
    if (8 % bits != 0) {
      Value next = arith::AddIOp::create(nb, l, byteIdx, cIndex(1));
      dataIdx.back() = arith::MinUIOp::create(nb, l, next, cIndex(rowBytes - 1));
      Value hi = arith::ExtUIOp::create(
          nb, l, i32, tensor::ExtractOp::create(nb, l, data, dataIdx));
      word = arith::OrIOp::create(nb, l, word,
                                  arith::ShLIOp::create(nb, l, hi, cI32(8)));
    }
    Value shift32 = arith::IndexCastOp::create(nb, l, i32, shift);
    Value code = arith::AndIOp::create(
        nb, l, arith::ShRUIOp::create(nb, l, word, shift32),
        cI32((int64_t(1) << bits) - 1));

    // The scale block of this element.
    SmallVector<Value> scaleIdx;
    for (int64_t d = 0; d < rank; ++d) {
      if (scaleShape[d] == 1)
        scaleIdx.push_back(cIndex(0));
      else if (block[d] == 1)
        scaleIdx.push_back(idx[d]);
      else
        scaleIdx.push_back(arith::DivUIOp::create(nb, l, idx[d], cIndex(block[d])));
    }

    Value value;
    if (spec.isIntegerStorage()) {
      if (spec.isSignedStorage())
        code = arith::ShRSIOp::create(
            nb, l, arith::ShLIOp::create(nb, l, code, cI32(32 - bits)),
            cI32(32 - bits));
      if (zeroPoints) {
        Value z = tensor::ExtractOp::create(nb, l, zeroPoints, scaleIdx);
        z = spec.isSignedStorage()
                ? Value(arith::ExtSIOp::create(nb, l, i32, z))
                : Value(arith::ExtUIOp::create(nb, l, i32, z));
        code = arith::SubIOp::create(nb, l, code, z);
      }
      value = arith::SIToFPOp::create(nb, l, f32, code);
    } else {
      Value codeIdx = arith::IndexCastUIOp::create(nb, l, nb.getIndexType(), code);
      value = tensor::ExtractOp::create(nb, l, codeTable, ValueRange{codeIdx});
    }

    Value s = tensor::ExtractOp::create(nb, l, scales, scaleIdx);
    if (scaleTable) {
      Value sBits = arith::BitcastOp::create(nb, l, nb.getI8Type(), s);
      Value sIdx = arith::IndexCastUIOp::create(
          nb, l, nb.getIndexType(), arith::ExtUIOp::create(nb, l, i32, sBits));
      s = tensor::ExtractOp::create(nb, l, scaleTable, ValueRange{sIdx});
    } else if (!s.getType().isF32()) {
      s = arith::ExtFOp::create(nb, l, f32, s);
    }
    if (globalScale)
      s = arith::MulFOp::create(
          nb, l, s, tensor::ExtractOp::create(nb, l, globalScale, ValueRange{}));
    Value result = arith::MulFOp::create(nb, l, value, s);
    if (denseType.getElementType() != f32)
      result = arith::TruncFOp::create(nb, l, denseType.getElementType(), result);
    linalg::YieldOp::create(nb, l, result);
  };
  auto generic = linalg::GenericOp::create(b, loc, TypeRange{denseType},
                                           ValueRange{}, ValueRange{empty},
                                           maps, iterators, body);
  return generic.getResult(0);
}

namespace {

/// y[m, n] = sum_k x[m, k] * w[n, k], with leading dims of x folded into m.
FailureOr<Value> lowerMatmul(OpBuilder &b, MatmulOp op, AssembleOp assemble) {
  Location loc = op.getLoc();
  FailureOr<Value> weight = buildDequantize(b, loc, assemble);
  if (failed(weight))
    return failure();
  Value x = op.getInput();
  auto xType = cast<RankedTensorType>(x.getType());
  auto resultType = cast<RankedTensorType>(op.getResult().getType());
  Type elt = resultType.getElementType();
  int64_t rank = xType.getRank();
  int64_t k = xType.getShape().back();
  int64_t n = resultType.getShape().back();
  int64_t m = rank == 1 ? 1 : xType.getNumElements() / k;

  SmallVector<ReassociationIndices> reassoc;
  if (rank == 1) {
    reassoc = {{0, 1}};
    x = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1, k}, elt), x, reassoc);
  } else if (rank > 2) {
    ReassociationIndices lead;
    for (int64_t d = 0; d < rank - 1; ++d)
      lead.push_back(d);
    reassoc = {lead, {rank - 1}};
    x = tensor::CollapseShapeOp::create(b, loc, x, reassoc);
  }
  auto flatType = RankedTensorType::get({m, n}, elt);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elt));
  Value init = linalg::FillOp::create(
                   b, loc, zero,
                   tensor::EmptyOp::create(b, loc, flatType.getShape(), elt)
                       .getResult())
                   .getResult(0);
  MLIRContext *ctx = b.getContext();
  AffineExpr dm, dn, dk;
  bindDims(ctx, dm, dn, dk);
  SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {dm, dk}, ctx),
                                 AffineMap::get(3, 0, {dn, dk}, ctx),
                                 AffineMap::get(3, 0, {dm, dn}, ctx)};
  SmallVector<utils::IteratorType> iterators = {
      utils::IteratorType::parallel, utils::IteratorType::parallel,
      utils::IteratorType::reduction};
  Value y = linalg::GenericOp::create(
                b, loc, TypeRange{flatType}, ValueRange{x, *weight},
                ValueRange{init}, maps, iterators,
                [](OpBuilder &nb, Location l, ValueRange args) {
                  Value prod = arith::MulFOp::create(nb, l, args[0], args[1]);
                  Value sum = arith::AddFOp::create(nb, l, args[2], prod);
                  linalg::YieldOp::create(nb, l, sum);
                })
                .getResult(0);
  if (rank == 1)
    y = tensor::CollapseShapeOp::create(b, loc, resultType, y, reassoc);
  else if (rank > 2)
    y = tensor::ExpandShapeOp::create(b, loc, resultType, y, reassoc);
  return y;
}

struct ConvertSparqToLinalgPass
    : public sparq::impl::ConvertSparqToLinalgBase<ConvertSparqToLinalgPass> {
  void runOnOperation() override {
    SmallVector<Operation *> work;
    getOperation().walk([&](Operation *op) {
      if (isa<DequantizeOp, MatmulOp>(op))
        work.push_back(op);
    });
    bool failedAny = false;
    llvm::SetVector<Operation *> assembles;
    for (Operation *op : work) {
      Value compressed = isa<DequantizeOp>(op)
                             ? cast<DequantizeOp>(op).getInput()
                             : cast<MatmulOp>(op).getWeight();
      auto assemble = compressed.getDefiningOp<AssembleOp>();
      if (!assemble) {
        op->emitError() << "convert-sparq-to-linalg needs the compressed "
                           "value to come from sparq.assemble";
        failedAny = true;
        continue;
      }
      assembles.insert(assemble);
      OpBuilder b(op);
      FailureOr<Value> replacement =
          isa<DequantizeOp>(op)
              ? buildDequantize(b, op->getLoc(), assemble)
              : lowerMatmul(b, cast<MatmulOp>(op), assemble);
      if (failed(replacement)) {
        failedAny = true;
        continue;
      }
      op->getResult(0).replaceAllUsesWith(*replacement);
      op->erase();
    }
    for (Operation *assemble : assembles)
      if (assemble->use_empty())
        assemble->erase();
    if (failedAny)
      signalPassFailure();
  }
};

} // namespace
