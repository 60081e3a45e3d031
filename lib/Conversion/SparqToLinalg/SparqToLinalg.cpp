//===- SparqToLinalg.cpp - Reference lowering of Sparq ops ----------------===//
//
// Decodes compressed weights with plain linalg/tensor/arith ops, exactly as
// the `#sparq.quant` and `!sparq.compressed` documentation states. This is
// the correctness reference every faster lowering is compared against.
//
//===----------------------------------------------------------------------===//

#include "sparq/Conversion/SparqToLinalg/SparqToLinalg.h"

#include "sparq/Dialect/Sparq/IR/SparqOps.h"
#include "sparq/Dialect/Sparq/Utils/Matmul.h"
#include "sparq/Dialect/Sparq/Utils/Quantization.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "llvm/Support/MathExtras.h"

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

Value cIndex(OpBuilder &b, Location l, int64_t v) {
  return arith::ConstantIndexOp::create(b, l, v);
}

Value cI32(OpBuilder &b, Location l, int64_t v) {
  return arith::ConstantIntOp::create(b, l, b.getI32Type(), v);
}

/// The `bits`-bit unsigned code at position `pos` of the row `rowIdx` of a
/// tensor packed along its last dimension as a little-endian bit stream
/// (bits [pos*b, (pos+1)*b) of the row, spanning at most two bytes).
Value extractPacked(OpBuilder &b, Location l, Value packed,
                    ArrayRef<Value> rowIdx, Value pos, unsigned bits) {
  Type i32 = b.getI32Type();
  int64_t rowBytes = cast<RankedTensorType>(packed.getType()).getShape().back();
  Value bitPos = arith::MulIOp::create(b, l, pos, cIndex(b, l, bits));
  Value byteIdx = arith::DivUIOp::create(b, l, bitPos, cIndex(b, l, 8));
  Value shift = arith::RemUIOp::create(b, l, bitPos, cIndex(b, l, 8));
  SmallVector<Value> idx(rowIdx.begin(), rowIdx.end());
  idx.push_back(byteIdx);
  Value word =
      arith::ExtUIOp::create(b, l, i32, tensor::ExtractOp::create(b, l, packed, idx));
  if (8 % bits != 0) {
    Value next = arith::AddIOp::create(b, l, byteIdx, cIndex(b, l, 1));
    idx.back() = arith::MinUIOp::create(b, l, next, cIndex(b, l, rowBytes - 1));
    Value hi = arith::ExtUIOp::create(b, l, i32,
                                      tensor::ExtractOp::create(b, l, packed, idx));
    word = arith::OrIOp::create(b, l, word,
                                arith::ShLIOp::create(b, l, hi, cI32(b, l, 8)));
  }
  Value shift32 = arith::IndexCastOp::create(b, l, i32, shift);
  return arith::AndIOp::create(b, l, arith::ShRUIOp::create(b, l, word, shift32),
                               cI32(b, l, (int64_t(1) << bits) - 1));
}

/// Reads the stored values of a compressed weight: the value at an index of
/// the (unpacked) values tensor, dequantized with the scale of its dense
/// position as `#sparq.quant` states.
struct ValueReader {
  ValueReader(OpBuilder &b, Location loc, AssembleOp assemble)
      : type(assemble.getResult().getType()), spec(type.getQuant()),
        data(assemble.getData()), scales(assemble.getScales()),
        zeroPoints(assemble.getZeroPoints()),
        globalScale(assemble.getGlobalScale()) {
    if (!spec)
      return;
    block = spec.getScaleBlock(type.getShape());
    scaleShape = spec.getScaleShape(type.getShape());
    // Tables are built once, outside the decode loops.
    if (!spec.isIntegerStorage())
      codeTable = createCodeTable(b, loc, spec.getStorageType());
    if (isFloat8(spec.getScaleType()))
      scaleTable = createCodeTable(b, loc, spec.getScaleType());
  }

  /// The dense element type value stored at `valueIdx` (an index of the
  /// unpacked values) whose dense position is `denseIdx`.
  Value read(OpBuilder &nb, Location l, ArrayRef<Value> valueIdx,
             ArrayRef<Value> denseIdx) {
    if (!spec)
      return tensor::ExtractOp::create(nb, l, data, valueIdx);
    Type i32 = nb.getI32Type(), f32 = nb.getF32Type();
    unsigned bits = spec.getStorageBits();
    Value code = extractPacked(nb, l, data, valueIdx.drop_back(),
                               valueIdx.back(), bits);
    int64_t rank = type.getRank();
    SmallVector<Value> scaleIdx;
    for (int64_t d = 0; d < rank; ++d) {
      if (scaleShape[d] == 1)
        scaleIdx.push_back(cIndex(nb, l, 0));
      else if (block[d] == 1)
        scaleIdx.push_back(denseIdx[d]);
      else
        scaleIdx.push_back(
            arith::DivUIOp::create(nb, l, denseIdx[d], cIndex(nb, l, block[d])));
    }
    Value value;
    if (spec.isIntegerStorage()) {
      if (spec.isSignedStorage())
        code = arith::ShRSIOp::create(
            nb, l, arith::ShLIOp::create(nb, l, code, cI32(nb, l, 32 - bits)),
            cI32(nb, l, 32 - bits));
      if (zeroPoints) {
        Value z = tensor::ExtractOp::create(nb, l, zeroPoints, scaleIdx);
        z = spec.isSignedStorage()
                ? Value(arith::ExtSIOp::create(nb, l, i32, z))
                : Value(arith::ExtUIOp::create(nb, l, i32, z));
        code = arith::SubIOp::create(nb, l, code, z);
      }
      value = arith::SIToFPOp::create(nb, l, f32, code);
    } else {
      Value codeIdx =
          arith::IndexCastUIOp::create(nb, l, nb.getIndexType(), code);
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
    if (type.getElementType() != f32)
      result = arith::TruncFOp::create(nb, l, type.getElementType(), result);
    return result;
  }

  CompressedType type;
  QuantSpecAttr spec;
  Value data, scales, zeroPoints, globalScale, codeTable, scaleTable;
  SmallVector<int64_t> block, scaleShape;
};

/// A `linalg.generic` over the dense shape whose body computes each element
/// from its indices.
Value buildElementwise(
    OpBuilder &b, Location loc, RankedTensorType denseType,
    function_ref<Value(OpBuilder &, Location, ArrayRef<Value>)> element) {
  int64_t rank = denseType.getRank();
  Value empty = tensor::EmptyOp::create(b, loc, denseType.getShape(),
                                        denseType.getElementType());
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{denseType}, ValueRange{}, ValueRange{empty},
             maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange) {
               SmallVector<Value> idx;
               for (int64_t d = 0; d < rank; ++d)
                 idx.push_back(linalg::IndexOp::create(nb, l, d));
               linalg::YieldOp::create(nb, l, element(nb, l, idx));
             })
      .getResult(0);
}

/// N:M: element p of its group g = p / M along the axis is the stored slot
/// t of the group whose index equals p % M, or zero.
Value decodeNM(OpBuilder &b, Location loc, AssembleOp assemble,
               ValueReader &reader) {
  CompressedType type = reader.type;
  SparsitySpecAttr sparsity = type.getSparsity();
  int64_t axis = sparsity.getAxis(), n = sparsity.getN(), m = sparsity.getM();
  unsigned indexBits = llvm::Log2_64_Ceil(m);
  Value indices = assemble.getIndices();
  Type elt = type.getElementType();
  return buildElementwise(
      b, loc, type.getDenseType(),
      [&](OpBuilder &nb, Location l, ArrayRef<Value> idx) -> Value {
        Value pos = idx[axis];
        Value group = arith::DivUIOp::create(nb, l, pos, cIndex(nb, l, m));
        Value inGroup = arith::IndexCastOp::create(
            nb, l, nb.getI32Type(),
            arith::RemUIOp::create(nb, l, pos, cIndex(nb, l, m)));
        Value firstSlot =
            arith::MulIOp::create(nb, l, group, cIndex(nb, l, n));
        Value result =
            arith::ConstantOp::create(nb, l, nb.getZeroAttr(elt));
        for (int64_t t = 0; t < n; ++t) {
          SmallVector<Value> valueIdx(idx.begin(), idx.end());
          valueIdx[axis] =
              arith::AddIOp::create(nb, l, firstSlot, cIndex(nb, l, t));
          Value stored =
              extractPacked(nb, l, indices, ArrayRef<Value>(valueIdx).drop_back(),
                            valueIdx.back(), indexBits);
          Value match = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq,
                                              stored, inGroup);
          Value value = reader.read(nb, l, valueIdx, idx);
          result = arith::SelectOp::create(nb, l, match, value, result);
        }
        return result;
      });
}

/// An index loaded from a metadata tensor (i16 read as unsigned).
Value loadIndex(OpBuilder &b, Location l, Value tensor, ValueRange idx) {
  Value v = tensor::ExtractOp::create(b, l, tensor, idx);
  if (v.getType().getIntOrFloatBitWidth() < 32)
    v = arith::ExtUIOp::create(b, l, b.getI32Type(), v);
  return arith::IndexCastUIOp::create(b, l, b.getIndexType(), v);
}

/// Builds `scf.for iv = lb to ub` carrying one tensor.
Value forLoop(OpBuilder &b, Location loc, Value lb, Value ub, Value init,
              function_ref<Value(OpBuilder &, Location, Value, Value)> body) {
  return scf::ForOp::create(
             b, loc, lb, ub, cIndex(b, loc, 1), ValueRange{init},
             [&](OpBuilder &nb, Location l, Value iv, ValueRange args) {
               scf::YieldOp::create(nb, l, body(nb, l, iv, args[0]));
             })
      .getResult(0);
}

Value zeroTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                 Type elt) {
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elt));
  Value empty = tensor::EmptyOp::create(b, loc, shape, elt);
  return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
}

/// CSR over [D0, D1 * ... * Dr-1]: scatters every row's stored values.
Value decodeCSR(OpBuilder &b, Location loc, AssembleOp assemble,
                ValueReader &reader) {
  CompressedType type = reader.type;
  ArrayRef<int64_t> shape = type.getShape();
  int64_t rows = shape[0], cols = type.getNumElements() / rows;
  Value indices = assemble.getIndices(), offsets = assemble.getOffsets();
  Value init = zeroTensor(b, loc, {rows, cols}, type.getElementType());
  Value flat = forLoop(
      b, loc, cIndex(b, loc, 0), cIndex(b, loc, rows), init,
      [&](OpBuilder &b1, Location l, Value r, Value t) {
        Value lo = loadIndex(b1, l, offsets, r);
        Value hi = loadIndex(
            b1, l, offsets, arith::AddIOp::create(b1, l, r, cIndex(b1, l, 1)).getResult());
        return forLoop(b1, l, lo, hi, t,
                       [&](OpBuilder &b2, Location l2, Value j, Value t2) {
                         Value col = loadIndex(b2, l2, indices, j);
                         // The dense position of column `col` of row `r`.
                         SmallVector<Value> denseIdx(shape.size());
                         denseIdx[0] = r;
                         Value rest = col;
                         for (int64_t d = shape.size() - 1; d >= 1; --d) {
                           Value size = cIndex(b2, l2, shape[d]);
                           denseIdx[d] = arith::RemUIOp::create(b2, l2, rest, size);
                           rest = arith::DivUIOp::create(b2, l2, rest, size);
                         }
                         Value v = reader.read(b2, l2, {j}, denseIdx);
                         return tensor::InsertOp::create(b2, l2, v, t2,
                                                         ValueRange{r, col})
                             .getResult();
                       });
      });
  if (shape.size() == 2)
    return flat;
  ReassociationIndices rest;
  for (int64_t d = 1, e = shape.size(); d < e; ++d)
    rest.push_back(d);
  return tensor::ExpandShapeOp::create(b, loc, type.getDenseType(), flat,
                                       SmallVector<ReassociationIndices>{{0}, rest});
}

/// BSR of a rank-2 weight: scatters every stored block.
Value decodeBSR(OpBuilder &b, Location loc, AssembleOp assemble,
                ValueReader &reader) {
  CompressedType type = reader.type;
  ArrayRef<int64_t> block = type.getSparsity().getBlockShape();
  int64_t b0 = block[0], b1 = block[1];
  Value indices = assemble.getIndices(), offsets = assemble.getOffsets();
  Value init = zeroTensor(b, loc, type.getShape(), type.getElementType());
  return forLoop(
      b, loc, cIndex(b, loc, 0), cIndex(b, loc, type.getShape()[0] / b0), init,
      [&](OpBuilder &x1, Location l, Value br, Value t) {
        Value lo = loadIndex(x1, l, offsets, br);
        Value hi = loadIndex(
            x1, l, offsets, arith::AddIOp::create(x1, l, br, cIndex(x1, l, 1)).getResult());
        return forLoop(x1, l, lo, hi, t, [&](OpBuilder &x2, Location l2, Value j, Value t2) {
          Value bc = loadIndex(x2, l2, indices, j);
          return forLoop(
              x2, l2, cIndex(x2, l2, 0), cIndex(x2, l2, b0), t2,
              [&](OpBuilder &x3, Location l3, Value a, Value t3) {
                return forLoop(
                    x3, l3, cIndex(x3, l3, 0), cIndex(x3, l3, b1), t3,
                    [&](OpBuilder &x4, Location l4, Value c, Value t4) {
                      Value row = arith::AddIOp::create(
                          x4, l4, arith::MulIOp::create(x4, l4, br, cIndex(x4, l4, b0)), a);
                      Value col = arith::AddIOp::create(
                          x4, l4, arith::MulIOp::create(x4, l4, bc, cIndex(x4, l4, b1)), c);
                      Value v = reader.read(x4, l4, {j, a, c}, {row, col});
                      return tensor::InsertOp::create(x4, l4, v, t4,
                                                      ValueRange{row, col})
                          .getResult();
                    });
              });
        });
      });
}

} // namespace

FailureOr<Value> mlir::sparq::buildDequantize(OpBuilder &b, Location loc,
                                              AssembleOp assemble) {
  CompressedType type = assemble.getResult().getType();
  ValueReader reader(b, loc, assemble);
  SparsitySpecAttr sparsity = type.getSparsity();
  if (!sparsity)
    return buildElementwise(b, loc, type.getDenseType(),
                            [&](OpBuilder &nb, Location l, ArrayRef<Value> idx) {
                              return reader.read(nb, l, idx, idx);
                            });
  switch (sparsity.getKind()) {
  case SparsityKind::NM:
    return decodeNM(b, loc, assemble, reader);
  case SparsityKind::Unstructured:
    return decodeCSR(b, loc, assemble, reader);
  case SparsityKind::Block:
    return decodeBSR(b, loc, assemble, reader);
  case SparsityKind::Channel:
    break;
  }
  assemble.emitError() << "convert-sparq-to-linalg cannot decode channel "
                          "sparse storage yet: "
                       << type;
  return failure();
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
  SmallVector<AffineMap> maps = getTransposedBMatmulMaps(b.getContext());
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
      if (SparqDialect::isPackedArgument(assemble.getData())) {
        op->emitError() << "convert-sparq-to-linalg cannot decode a '"
                        << SparqDialect::kPackedAttrName
                        << "' weight (the CPU runtime's layout); lower it "
                           "with convert-sparq-to-runtime";
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
