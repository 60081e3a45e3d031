//===- OpsMath.cpp - ONNX elementwise, matmul and normalization ops -------===//

#include "Importer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::sparq;
using namespace mlir::sparq::onnx_import;

static bool isFloat(Value v) {
  return isa<FloatType>(getElementTypeOrSelf(v.getType()));
}

static LogicalResult requireFloat(NodeContext &nc, unsigned i) {
  if (isa<FloatType>(nc.type(i).getElementType()))
    return success();
  nc.error() << "input " << i << " must be a float tensor, not " << nc.type(i);
  return failure();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

enum class BinKind { Add, Sub, Mul, Div, Max, Min };

static Value buildBinary(OpBuilder &b, Location loc, BinKind k, Value x,
                         Value y) {
  bool f = isFloat(x);
  switch (k) {
  case BinKind::Add:
    return f ? (Value)arith::AddFOp::create(b, loc, x, y)
             : (Value)arith::AddIOp::create(b, loc, x, y);
  case BinKind::Sub:
    return f ? (Value)arith::SubFOp::create(b, loc, x, y)
             : (Value)arith::SubIOp::create(b, loc, x, y);
  case BinKind::Mul:
    return f ? (Value)arith::MulFOp::create(b, loc, x, y)
             : (Value)arith::MulIOp::create(b, loc, x, y);
  case BinKind::Div:
    return f ? (Value)arith::DivFOp::create(b, loc, x, y)
             : (Value)arith::DivSIOp::create(b, loc, x, y);
  case BinKind::Max:
    return f ? (Value)arith::MaximumFOp::create(b, loc, x, y)
             : (Value)arith::MaxSIOp::create(b, loc, x, y);
  case BinKind::Min:
    return f ? (Value)arith::MinimumFOp::create(b, loc, x, y)
             : (Value)arith::MinSIOp::create(b, loc, x, y);
  }
  llvm_unreachable("unknown binary op");
}

/// Folds integer arithmetic on constants (shape computations).
static std::optional<Tensor> foldIntBinary(NodeContext &nc, BinKind k) {
  Tensor &x = nc.input(0), &y = nc.input(1);
  if (!x.isConstant() || !y.isConstant() ||
      isa<FloatType>(x.type.getElementType()) ||
      x.type.getElementType() != y.type.getElementType() ||
      x.type.getNumElements() > 64 || y.type.getNumElements() > 64)
    return std::nullopt;
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes({x.shape(), y.shape()});
  if (failed(shape))
    return std::nullopt;
  SmallVector<int64_t> xs = readInts(x), ys = readInts(y);
  auto type = RankedTensorType::get(*shape, x.type.getElementType());
  int64_t n = type.getNumElements(), rank = shape->size();
  auto at = [&](ArrayRef<int64_t> s, ArrayRef<int64_t> vals, int64_t flat) {
    int64_t idx = 0, stride = 1;
    for (int64_t d = rank - 1, r = 0; d >= 0; --d, ++r) {
      int64_t coord = flat % (*shape)[d];
      flat /= (*shape)[d];
      if (r < (int64_t)s.size()) {
        int64_t sd = s[s.size() - 1 - r];
        idx += (sd == 1 ? 0 : coord) * stride;
        stride *= sd;
      }
    }
    return vals[idx];
  };
  SmallVector<int64_t> out;
  for (int64_t i = 0; i < n; ++i) {
    int64_t a = at(x.shape(), xs, i), c = at(y.shape(), ys, i);
    switch (k) {
    case BinKind::Add:
      out.push_back(a + c);
      break;
    case BinKind::Sub:
      out.push_back(a - c);
      break;
    case BinKind::Mul:
      out.push_back(a * c);
      break;
    case BinKind::Div:
      if (c == 0)
        return std::nullopt;
      out.push_back(a / c);
      break;
    case BinKind::Max:
      out.push_back(std::max(a, c));
      break;
    case BinKind::Min:
      out.push_back(std::min(a, c));
      break;
    }
  }
  return makeIntConstant(type, x.onnxType, out);
}

static LogicalResult convertBinary(NodeContext &nc, BinKind k) {
  if (nc.numInputs() != 2 || !nc.hasInput(0) || !nc.hasInput(1)) {
    nc.error() << "expects 2 inputs";
    return failure();
  }
  if (nc.type(0).getElementType() != nc.type(1).getElementType()) {
    nc.error() << "inputs have different element types: " << nc.type(0)
               << " and " << nc.type(1);
    return failure();
  }
  if (nc.hasAttr("broadcast") && nc.opset() < 7) {
    nc.error() << "legacy 'broadcast' attribute (opset < 7) is unsupported";
    return failure();
  }
  if (std::optional<Tensor> folded = foldIntBinary(nc, k)) {
    nc.setOutput(0, std::move(*folded));
    return success();
  }
  Value x = nc.value(0), y = nc.value(1);
  FailureOr<Value> r =
      buildElementwise(nc, {x, y}, nc.type(0).getElementType(),
                       [&](OpBuilder &b, Location loc, ValueRange a) {
                         return buildBinary(b, loc, k, a[0], a[1]);
                       });
  if (failed(r))
    return failure();
  nc.setOutput(0, *r, nc.input(0).onnxType);
  return success();
}

/// A unary float op: `fn(b, loc, x)`.
static LogicalResult
convertUnary(NodeContext &nc,
             function_ref<Value(OpBuilder &, Location, Value)> fn) {
  if (!nc.hasInput(0)) {
    nc.error() << "expects 1 input";
    return failure();
  }
  if (failed(requireFloat(nc, 0)))
    return failure();
  Value x = nc.value(0);
  FailureOr<Value> r =
      buildElementwise(nc, {x}, nc.type(0).getElementType(),
                       [&](OpBuilder &b, Location loc, ValueRange a) {
                         return fn(b, loc, a[0]);
                       });
  if (failed(r))
    return failure();
  nc.setOutput(0, *r);
  return success();
}

static Value cst(OpBuilder &b, Location loc, Value like, double v) {
  return buildScalar(b, loc, like.getType(), v);
}

static Value buildSigmoid(OpBuilder &b, Location loc, Value x) {
  Value neg = arith::NegFOp::create(b, loc, x);
  Value e = math::ExpOp::create(b, loc, neg);
  Value d = arith::AddFOp::create(b, loc, cst(b, loc, x, 1.0), e);
  return arith::DivFOp::create(b, loc, cst(b, loc, x, 1.0), d);
}

static LogicalResult convertGelu(NodeContext &nc) {
  FailureOr<std::string> approx = nc.getString("approximate", "none");
  if (failed(approx))
    return failure();
  if (*approx != "none" && *approx != "tanh") {
    nc.error() << "attribute 'approximate' must be \"none\" or \"tanh\", not \""
               << *approx << "\"";
    return failure();
  }
  bool useTanh = *approx == "tanh";
  return convertUnary(nc, [&](OpBuilder &b, Location loc, Value x) -> Value {
    Value inner;
    if (useTanh) {
      // tanh(sqrt(2 / pi) * (x + 0.044715 x^3))
      Value x3 =
          arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
      Value s = arith::AddFOp::create(
          b, loc, x,
          arith::MulFOp::create(b, loc, cst(b, loc, x, 0.044715), x3));
      inner = math::TanhOp::create(
          b, loc,
          arith::MulFOp::create(b, loc, cst(b, loc, x, std::sqrt(2.0 / M_PI)),
                                s));
    } else {
      inner = math::ErfOp::create(
          b, loc, arith::MulFOp::create(b, loc, x, cst(b, loc, x, M_SQRT1_2)));
    }
    Value onePlus = arith::AddFOp::create(b, loc, cst(b, loc, x, 1.0), inner);
    Value half = arith::MulFOp::create(b, loc, cst(b, loc, x, 0.5), x);
    return arith::MulFOp::create(b, loc, half, onePlus);
  });
}

static LogicalResult convertLeakyRelu(NodeContext &nc) {
  FailureOr<float> alpha = nc.getFloat("alpha", 0.01f);
  if (failed(alpha))
    return failure();
  return convertUnary(nc, [&](OpBuilder &b, Location loc, Value x) -> Value {
    Value zero = cst(b, loc, x, 0.0);
    Value neg =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero);
    Value scaled = arith::MulFOp::create(b, loc, cst(b, loc, x, *alpha), x);
    return arith::SelectOp::create(b, loc, neg, scaled, x);
  });
}

static LogicalResult convertPow(NodeContext &nc) {
  if (failed(requireFloat(nc, 0)))
    return failure();
  Tensor &e = nc.input(1);
  // x^2 (as in decomposed LayerNorms) is exact as a product.
  if (e.isConstant() && e.type.getNumElements() == 1 &&
      readFloats(e)[0] == 2.0 && e.type.getRank() <= nc.type(0).getRank()) {
    Value x = nc.value(0);
    FailureOr<Value> r = buildElementwise(
        nc, {x}, nc.type(0).getElementType(),
        [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
          return arith::MulFOp::create(b, loc, a[0], a[0]);
        });
    if (failed(r))
      return failure();
    nc.setOutput(0, *r);
    return success();
  }
  Value x = nc.value(0), y = nc.value(1);
  Type elem = nc.type(0).getElementType();
  bool unsignedExp = isUnsignedONNXType(e.onnxType);
  FailureOr<Value> r = buildElementwise(
      nc, {x, y}, elem, [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
        Value p = a[1];
        if (p.getType() != elem) {
          if (isa<FloatType>(p.getType()))
            p = p.getType().getIntOrFloatBitWidth() <
                        elem.getIntOrFloatBitWidth()
                    ? (Value)arith::ExtFOp::create(b, loc, elem, p)
                    : (Value)arith::TruncFOp::create(b, loc, elem, p);
          else if (unsignedExp)
            p = arith::UIToFPOp::create(b, loc, elem, p);
          else
            p = arith::SIToFPOp::create(b, loc, elem, p);
        }
        return math::PowFOp::create(b, loc, a[0], p);
      });
  if (failed(r))
    return failure();
  nc.setOutput(0, *r);
  return success();
}

static LogicalResult convertClip(NodeContext &nc) {
  std::optional<double> lo, hi;
  if (nc.opset() < 11) {
    if (nc.hasAttr("min"))
      lo = *nc.getFloat("min", 0);
    if (nc.hasAttr("max"))
      hi = *nc.getFloat("max", 0);
  } else {
    for (unsigned i : {1u, 2u}) {
      if (!nc.hasInput(i))
        continue;
      Tensor &t = nc.input(i);
      if (!t.isConstant() || t.type.getNumElements() != 1) {
        nc.error() << "input " << i << " (" << (i == 1 ? "min" : "max")
                   << ") must be a constant scalar";
        return failure();
      }
      (i == 1 ? lo : hi) = readFloats(t)[0];
    }
  }
  return convertUnary(nc, [&](OpBuilder &b, Location loc, Value x) -> Value {
    if (lo)
      x = arith::MaximumFOp::create(b, loc, x, cst(b, loc, x, *lo));
    if (hi)
      x = arith::MinimumFOp::create(b, loc, x, cst(b, loc, x, *hi));
    return x;
  });
}

static LogicalResult convertWhere(NodeContext &nc) {
  if (!nc.type(0).getElementType().isInteger(1)) {
    nc.error() << "condition must be a bool tensor";
    return failure();
  }
  if (nc.type(1).getElementType() != nc.type(2).getElementType()) {
    nc.error() << "inputs 1 and 2 have different element types";
    return failure();
  }
  Value c = nc.value(0), x = nc.value(1), y = nc.value(2);
  FailureOr<Value> r = buildElementwise(
      nc, {c, x, y}, nc.type(1).getElementType(),
      [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
        return arith::SelectOp::create(b, loc, a[0], a[1], a[2]);
      });
  if (failed(r))
    return failure();
  nc.setOutput(0, *r, nc.input(1).onnxType);
  return success();
}

//===----------------------------------------------------------------------===//
// Gemm, MatMul
//===----------------------------------------------------------------------===//

static Value buildZeros(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                        Type elem) {
  return buildFilled(b, loc, shape, elem, getScalarAttr(elem, 0.0));
}

static LogicalResult convertGemm(NodeContext &nc) {
  FailureOr<float> alpha = nc.getFloat("alpha", 1.0f);
  FailureOr<float> beta = nc.getFloat("beta", 1.0f);
  FailureOr<int64_t> transA = nc.getInt("transA", 0);
  FailureOr<int64_t> transB = nc.getInt("transB", 0);
  if (failed(alpha) || failed(beta) || failed(transA) || failed(transB))
    return failure();
  if (nc.opset() < 7 && nc.hasAttr("broadcast"))
    nc.ignoreAttr("broadcast");
  if (failed(requireFloat(nc, 0)) || failed(requireFloat(nc, 1)))
    return failure();
  ArrayRef<int64_t> sa = nc.shape(0), sb = nc.shape(1);
  if (sa.size() != 2 || sb.size() != 2) {
    nc.error() << "A and B must be matrices, got " << nc.type(0) << " and "
               << nc.type(1);
    return failure();
  }
  int64_t m = *transA ? sa[1] : sa[0], k = *transA ? sa[0] : sa[1];
  int64_t kb = *transB ? sb[1] : sb[0], n = *transB ? sb[0] : sb[1];
  if (k != kb) {
    nc.error() << "inner dimensions differ: " << nc.type(0)
               << (*transA ? " (transposed)" : "") << " times " << nc.type(1)
               << (*transB ? " (transposed)" : "");
    return failure();
  }
  Value a = nc.value(0), bv = nc.value(1);
  Type elem = nc.type(0).getElementType();
  Value init = buildZeros(nc.b, nc.loc, {m, n}, elem);
  SmallVector<NamedAttribute> attrs;
  if (*transA || *transB) {
    MLIRContext *ctx = nc.ctx;
    AffineExpr d0, d1, d2;
    bindDims(ctx, d0, d1, d2);
    auto mapA = AffineMap::get(3, 0,
                               *transA ? SmallVector<AffineExpr>{d2, d0}
                                       : SmallVector<AffineExpr>{d0, d2},
                               ctx);
    auto mapB = AffineMap::get(3, 0,
                               *transB ? SmallVector<AffineExpr>{d1, d2}
                                       : SmallVector<AffineExpr>{d2, d1},
                               ctx);
    auto mapC = AffineMap::get(3, 0, {d0, d1}, ctx);
    attrs.push_back(nc.b.getNamedAttr(
        "indexing_maps", nc.b.getAffineMapArrayAttr({mapA, mapB, mapC})));
  }
  auto mm =
      linalg::MatmulOp::create(nc.b, nc.loc, TypeRange{init.getType()},
                               ValueRange{a, bv}, ValueRange{init}, attrs);
  nc.nameLayer(mm);
  Value y = mm.getResult(0);
  bool hasC = nc.hasInput(2) && *beta != 0.0f;
  if (*alpha != 1.0f || hasC) {
    SmallVector<Value> ins = {y};
    if (hasC) {
      if (failed(broadcastShapes({ArrayRef<int64_t>{m, n}, nc.shape(2)})) ||
          nc.type(2).getRank() > 2) {
        nc.error() << "C " << nc.type(2) << " does not broadcast to [" << m
                   << ", " << n << "]";
        return failure();
      }
      ins.push_back(nc.value(2));
    }
    float al = *alpha, be = *beta;
    FailureOr<Value> r = buildElementwise(
        nc, ins, elem, [&](OpBuilder &b, Location loc, ValueRange v) -> Value {
          Value acc = v[0];
          if (al != 1.0f)
            acc = arith::MulFOp::create(b, loc, cst(b, loc, acc, al), acc);
          if (v.size() > 1) {
            Value c = v[1];
            if (be != 1.0f)
              c = arith::MulFOp::create(b, loc, cst(b, loc, c, be), c);
            acc = arith::AddFOp::create(b, loc, acc, c);
          }
          return acc;
        });
    if (failed(r))
      return failure();
    y = *r;
  }
  nc.setOutput(0, y);
  return success();
}

static LogicalResult convertMatMul(NodeContext &nc) {
  if (failed(requireFloat(nc, 0)) || failed(requireFloat(nc, 1)))
    return failure();
  Value a = nc.value(0), bv = nc.value(1);
  SmallVector<int64_t> sa(nc.shape(0)), sb(nc.shape(1));
  if (sa.empty() || sb.empty()) {
    nc.error() << "inputs must have rank >= 1";
    return failure();
  }
  Type elem = nc.type(0).getElementType();
  OpBuilder &b = nc.b;
  Location loc = nc.loc;
  bool vecA = sa.size() == 1, vecB = sb.size() == 1;
  if (vecA) {
    sa.insert(sa.begin(), 1);
    a = buildReshape(b, loc, a, sa);
  }
  if (vecB) {
    sb.push_back(1);
    bv = buildReshape(b, loc, bv, sb);
  }
  int64_t m = sa[sa.size() - 2], k = sa.back(), n = sb.back();
  if (sb[sb.size() - 2] != k) {
    nc.error() << "inner dimensions differ: " << nc.type(0) << " times "
               << nc.type(1);
    return failure();
  }
  ArrayRef<int64_t> batchA = ArrayRef(sa).drop_back(2);
  ArrayRef<int64_t> batchB = ArrayRef(sb).drop_back(2);
  FailureOr<SmallVector<int64_t>> batch = broadcastShapes({batchA, batchB});
  if (failed(batch)) {
    nc.error() << "batch dimensions do not broadcast: " << nc.type(0)
               << " times " << nc.type(1);
    return failure();
  }
  SmallVector<int64_t> outShape(*batch);
  outShape.append({m, n});
  Value y;
  if (batchB.empty()) {
    // [..., M, K] x [K, N]: one linalg.matmul on the flattened rows, so that
    // the weight stays a plain [K, N] operand.
    int64_t rows = m;
    for (int64_t d : batchA)
      rows *= d;
    Value a2 = buildReshape(b, loc, a, {rows, k});
    Value init = buildZeros(b, loc, {rows, n}, elem);
    auto mm = linalg::MatmulOp::create(b, loc, TypeRange{init.getType()},
                                       ValueRange{a2, bv}, ValueRange{init});
    nc.nameLayer(mm);
    y = mm.getResult(0);
    y = buildReshape(b, loc, y, outShape);
  } else if (batchA.size() == 1 && batchB.size() == 1 &&
             batchA[0] == batchB[0]) {
    Value init = buildZeros(b, loc, outShape, elem);
    auto mm = linalg::BatchMatmulOp::create(
        b, loc, TypeRange{init.getType()}, ValueRange{a, bv}, ValueRange{init});
    nc.nameLayer(mm);
    y = mm.getResult(0);
  } else {
    // General broadcast batch: a linalg.generic contraction.
    MLIRContext *ctx = nc.ctx;
    unsigned nb = batch->size(), rank = nb + 3;
    auto operandMap = [&](ArrayRef<int64_t> bshape, AffineExpr r0,
                          AffineExpr r1) {
      SmallVector<AffineExpr> e;
      for (size_t i = 0; i < bshape.size(); ++i) {
        unsigned d = nb - bshape.size() + i;
        e.push_back(bshape[i] == 1 && (*batch)[d] != 1
                        ? getAffineConstantExpr(0, ctx)
                        : getAffineDimExpr(d, ctx));
      }
      e.push_back(r0);
      e.push_back(r1);
      return AffineMap::get(rank, 0, e, ctx);
    };
    AffineExpr dm = getAffineDimExpr(nb, ctx),
               dn = getAffineDimExpr(nb + 1, ctx),
               dk = getAffineDimExpr(nb + 2, ctx);
    SmallVector<AffineExpr> outExprs;
    for (unsigned i = 0; i < nb + 2; ++i)
      outExprs.push_back(getAffineDimExpr(i, ctx));
    SmallVector<AffineMap> maps = {operandMap(batchA, dm, dk),
                                   operandMap(batchB, dk, dn),
                                   AffineMap::get(rank, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> it(rank - 1,
                                        utils::IteratorType::parallel);
    it.push_back(utils::IteratorType::reduction);
    Value init = buildZeros(b, loc, outShape, elem);
    auto mm = linalg::GenericOp::create(
        b, loc, init.getType(), ValueRange{a, bv}, init, maps, it,
        [&](OpBuilder &b, Location loc, ValueRange v) {
          Value p = arith::MulFOp::create(b, loc, v[0], v[1]);
          linalg::YieldOp::create(
              b, loc, arith::AddFOp::create(b, loc, v[2], p).getResult());
        });
    nc.nameLayer(mm);
    y = mm.getResult(0);
  }
  if (vecA || vecB) {
    SmallVector<int64_t> finalShape(*batch);
    if (!vecA)
      finalShape.push_back(m);
    if (!vecB)
      finalShape.push_back(n);
    y = buildReshape(b, loc, y, finalShape);
  }
  nc.setOutput(0, y);
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions and normalizations
//===----------------------------------------------------------------------===//

/// `reduced` (without `axes`) reshaped back to `shape` with ones at `axes`.
static Value keepDims(OpBuilder &b, Location loc, Value reduced,
                      ArrayRef<int64_t> shape, ArrayRef<int64_t> axes) {
  SmallVector<int64_t> kept(shape);
  for (int64_t a : axes)
    kept[a] = 1;
  return buildReshape(b, loc, reduced, kept);
}

static Value reduceSum(OpBuilder &b, Location loc, Value x,
                       ArrayRef<int64_t> axes) {
  Type elem = getElementTypeOrSelf(x.getType());
  return buildReduce(b, loc, x, axes, getScalarAttr(elem, 0.0),
                     [](OpBuilder &b, Location loc, ValueRange a) {
                       return buildBinary(b, loc, BinKind::Add, a[0], a[1]);
                     });
}

static Value reduceMax(OpBuilder &b, Location loc, Value x,
                       ArrayRef<int64_t> axes) {
  Type elem = getElementTypeOrSelf(x.getType());
  return buildReduce(b, loc, x, axes, getLowestAttr(elem),
                     [](OpBuilder &b, Location loc, ValueRange a) {
                       return buildBinary(b, loc, BinKind::Max, a[0], a[1]);
                     });
}

static LogicalResult convertSoftmax(NodeContext &nc, bool log) {
  if (failed(requireFloat(nc, 0)))
    return failure();
  int64_t rank = nc.type(0).getRank();
  FailureOr<int64_t> axisAttr = nc.getInt("axis", nc.opset() < 13 ? 1 : -1);
  if (failed(axisAttr))
    return failure();
  FailureOr<int64_t> axis = nc.normalizeAxis(*axisAttr, rank);
  if (failed(axis))
    return failure();
  // Before opset 13 the input is coerced to 2-D at `axis`.
  SmallVector<int64_t> axes = {*axis};
  if (nc.opset() < 13)
    for (int64_t d = *axis + 1; d < rank; ++d)
      axes.push_back(d);
  OpBuilder &b = nc.b;
  Location loc = nc.loc;
  Value x = nc.value(0);
  ArrayRef<int64_t> shape = nc.shape(0);
  Value mx = keepDims(b, loc, reduceMax(b, loc, x, axes), shape, axes);
  FailureOr<Value> shifted =
      buildElementwise(nc, {x, mx}, nc.type(0).getElementType(),
                       [](OpBuilder &b, Location loc, ValueRange a) -> Value {
                         return arith::SubFOp::create(b, loc, a[0], a[1]);
                       });
  if (failed(shifted))
    return failure();
  FailureOr<Value> e =
      buildElementwise(nc, {*shifted}, nc.type(0).getElementType(),
                       [](OpBuilder &b, Location loc, ValueRange a) -> Value {
                         return math::ExpOp::create(b, loc, a[0]);
                       });
  Value sum = keepDims(b, loc, reduceSum(b, loc, *e, axes), shape, axes);
  FailureOr<Value> r = buildElementwise(
      nc, {log ? *shifted : *e, sum}, nc.type(0).getElementType(),
      [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
        if (log)
          return arith::SubFOp::create(b, loc, a[0],
                                       math::LogOp::create(b, loc, a[1]));
        return arith::DivFOp::create(b, loc, a[0], a[1]);
      });
  if (failed(r))
    return failure();
  nc.setOutput(0, *r);
  return success();
}

enum class ReduceKind { Mean, Sum, Max, Min };

static LogicalResult convertReduce(NodeContext &nc, ReduceKind kind,
                                   int64_t axesInputSince) {
  FailureOr<int64_t> keep = nc.getInt("keepdims", 1);
  if (failed(keep))
    return failure();
  int64_t rank = nc.type(0).getRank();
  SmallVector<int64_t> rawAxes;
  bool noop = false;
  if (nc.opset() < axesInputSince) {
    FailureOr<SmallVector<int64_t>> a = nc.getInts("axes");
    if (failed(a))
      return failure();
    rawAxes = *a;
  } else {
    FailureOr<int64_t> n = nc.getInt("noop_with_empty_axes", 0);
    if (failed(n))
      return failure();
    noop = *n;
    if (nc.hasInput(1)) {
      FailureOr<SmallVector<int64_t>> a = nc.constInts(1, "axes");
      if (failed(a))
        return failure();
      rawAxes = *a;
    }
  }
  if (rawAxes.empty() && noop) {
    nc.setOutput(0, nc.value(0), nc.input(0).onnxType);
    return success();
  }
  SmallVector<int64_t> axes;
  if (rawAxes.empty())
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  for (int64_t a : rawAxes) {
    FailureOr<int64_t> n = nc.normalizeAxis(a, rank);
    if (failed(n))
      return failure();
    axes.push_back(*n);
  }
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  OpBuilder &b = nc.b;
  Location loc = nc.loc;
  Value x = nc.value(0);
  Type elem = nc.type(0).getElementType();
  Value r;
  switch (kind) {
  case ReduceKind::Mean:
  case ReduceKind::Sum:
    r = reduceSum(b, loc, x, axes);
    break;
  case ReduceKind::Max:
    r = reduceMax(b, loc, x, axes);
    break;
  case ReduceKind::Min:
    r = buildReduce(b, loc, x, axes, getHighestAttr(elem),
                    [](OpBuilder &b, Location loc, ValueRange a) {
                      return buildBinary(b, loc, BinKind::Min, a[0], a[1]);
                    });
    break;
  }
  if (kind == ReduceKind::Mean) {
    if (failed(requireFloat(nc, 0)))
      return failure();
    int64_t count = 1;
    for (int64_t a : axes)
      count *= nc.shape(0)[a];
    FailureOr<Value> m = buildElementwise(
        nc, {r}, elem, [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
          return arith::DivFOp::create(b, loc, a[0],
                                       cst(b, loc, a[0], (double)count));
        });
    if (failed(m))
      return failure();
    r = *m;
  }
  if (*keep)
    r = keepDims(b, loc, r, nc.shape(0), axes);
  nc.setOutput(0, r, nc.input(0).onnxType);
  return success();
}

static LogicalResult convertLayerNorm(NodeContext &nc) {
  FailureOr<int64_t> axisAttr = nc.getInt("axis", -1);
  FailureOr<float> eps = nc.getFloat("epsilon", 1e-5f);
  FailureOr<int64_t> stash = nc.getInt("stash_type", 1);
  if (failed(axisAttr) || failed(eps) || failed(stash) ||
      failed(requireFloat(nc, 0)))
    return failure();
  if (nc.hasOutput(1) || nc.hasOutput(2)) {
    nc.error() << "outputs Mean and InvStdDev are not supported";
    return failure();
  }
  int64_t rank = nc.type(0).getRank();
  FailureOr<int64_t> axis = nc.normalizeAxis(*axisAttr, rank);
  if (failed(axis))
    return failure();
  SmallVector<int64_t> axes;
  int64_t count = 1;
  for (int64_t d = *axis; d < rank; ++d) {
    axes.push_back(d);
    count *= nc.shape(0)[d];
  }
  OpBuilder &b = nc.b;
  Location loc = nc.loc;
  Type elem = nc.type(0).getElementType();
  ArrayRef<int64_t> shape = nc.shape(0);
  Value x = nc.value(0);
  Value scale = nc.value(1);
  auto divCount = [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
    return arith::DivFOp::create(b, loc, a[0], cst(b, loc, a[0], count));
  };
  FailureOr<Value> mean = buildElementwise(
      nc, {keepDims(b, loc, reduceSum(b, loc, x, axes), shape, axes)}, elem,
      divCount);
  if (failed(mean))
    return failure();
  FailureOr<Value> d =
      buildElementwise(nc, {x, *mean}, elem,
                       [](OpBuilder &b, Location loc, ValueRange a) -> Value {
                         return arith::SubFOp::create(b, loc, a[0], a[1]);
                       });
  FailureOr<Value> sq = buildElementwise(
      nc, {*d}, elem, [](OpBuilder &b, Location loc, ValueRange a) -> Value {
        return arith::MulFOp::create(b, loc, a[0], a[0]);
      });
  FailureOr<Value> var = buildElementwise(
      nc, {keepDims(b, loc, reduceSum(b, loc, *sq, axes), shape, axes)}, elem,
      divCount);
  SmallVector<Value> ins = {*d, *var, scale};
  if (nc.hasInput(2))
    ins.push_back(nc.value(2));
  float e = *eps;
  FailureOr<Value> y = buildElementwise(
      nc, ins, elem, [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
        Value s = math::SqrtOp::create(
            b, loc, arith::AddFOp::create(b, loc, a[1], cst(b, loc, a[1], e)));
        Value n = arith::DivFOp::create(b, loc, a[0], s);
        Value r = arith::MulFOp::create(b, loc, n, a[2]);
        if (a.size() > 3)
          r = arith::AddFOp::create(b, loc, r, a[3]);
        return r;
      });
  if (failed(y))
    return failure();
  nc.setOutput(0, *y);
  return success();
}

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

void onnx_import::populateMathConverters(ConverterMap &map) {
  map["Add"] = [](NodeContext &nc) { return convertBinary(nc, BinKind::Add); };
  map["Sub"] = [](NodeContext &nc) { return convertBinary(nc, BinKind::Sub); };
  map["Mul"] = [](NodeContext &nc) { return convertBinary(nc, BinKind::Mul); };
  map["Div"] = [](NodeContext &nc) { return convertBinary(nc, BinKind::Div); };
  map["Max"] = [](NodeContext &nc) { return convertBinary(nc, BinKind::Max); };
  map["Min"] = [](NodeContext &nc) { return convertBinary(nc, BinKind::Min); };
  map["Relu"] = [](NodeContext &nc) {
    return convertUnary(nc, [](OpBuilder &b, Location loc, Value x) -> Value {
      return arith::MaximumFOp::create(b, loc, x, cst(b, loc, x, 0.0));
    });
  };
  map["Sigmoid"] = [](NodeContext &nc) {
    return convertUnary(nc, buildSigmoid);
  };
#define SPARQ_UNARY(NAME, OP)                                                  \
  map[NAME] = [](NodeContext &nc) {                                            \
    return convertUnary(nc, [](OpBuilder &b, Location loc, Value x) -> Value { \
      return OP::create(b, loc, x);                                            \
    });                                                                        \
  };
  SPARQ_UNARY("Tanh", math::TanhOp)
  SPARQ_UNARY("Erf", math::ErfOp)
  SPARQ_UNARY("Sqrt", math::SqrtOp)
  SPARQ_UNARY("Exp", math::ExpOp)
  SPARQ_UNARY("Log", math::LogOp)
  SPARQ_UNARY("Neg", arith::NegFOp)
  SPARQ_UNARY("Abs", math::AbsFOp)
  SPARQ_UNARY("Floor", math::FloorOp)
  SPARQ_UNARY("Ceil", math::CeilOp)
#undef SPARQ_UNARY
  map["Reciprocal"] = [](NodeContext &nc) {
    return convertUnary(nc, [](OpBuilder &b, Location loc, Value x) -> Value {
      return arith::DivFOp::create(b, loc, cst(b, loc, x, 1.0), x);
    });
  };
  map["Gelu"] = convertGelu;
  map["LeakyRelu"] = convertLeakyRelu;
  map["Pow"] = convertPow;
  map["Clip"] = convertClip;
  map["Where"] = convertWhere;
  map["Gemm"] = convertGemm;
  map["MatMul"] = convertMatMul;
  map["Softmax"] = [](NodeContext &nc) { return convertSoftmax(nc, false); };
  map["LogSoftmax"] = [](NodeContext &nc) { return convertSoftmax(nc, true); };
  map["ReduceMean"] = [](NodeContext &nc) {
    return convertReduce(nc, ReduceKind::Mean, 18);
  };
  map["ReduceSum"] = [](NodeContext &nc) {
    return convertReduce(nc, ReduceKind::Sum, 13);
  };
  map["ReduceMax"] = [](NodeContext &nc) {
    return convertReduce(nc, ReduceKind::Max, 18);
  };
  map["ReduceMin"] = [](NodeContext &nc) {
    return convertReduce(nc, ReduceKind::Min, 18);
  };
  map["LayerNormalization"] = convertLayerNorm;
}
