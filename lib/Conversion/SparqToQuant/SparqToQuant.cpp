//===- SparqToQuant.cpp - Sparq weights as upstream quant types -----------===//
//
// Rewrites constant quantized weights whose `#sparq.quant` spec has an exact
// `!quant.uniform` equivalent into unpacked integer constants, `quant.scast`
// and `quant.dcast`. Everything else stays Sparq, with a remark saying why.
//
//===----------------------------------------------------------------------===//

#include "sparq/Conversion/SparqToQuant/SparqToQuant.h"

#include "sparq/Dialect/Sparq/IR/SparqOps.h"
#include "sparq/Dialect/Sparq/Utils/Constants.h"
#include "sparq/Dialect/Sparq/Utils/Quantization.h"
#include "sparq/Dialect/Sparq/Utils/WeightConversion.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

namespace mlir::sparq {
#define GEN_PASS_DEF_CONVERTSPARQTOQUANT
#include "sparq/Conversion/Passes.h.inc"
} // namespace mlir::sparq

using namespace mlir;
using namespace mlir::sparq;

namespace {

/// The constant attribute behind `value`, or null.
Attribute getConstant(Value value) {
  Attribute attr;
  if (value && matchPattern(value, m_Constant(&attr)))
    return attr;
  return {};
}

/// Why `scale` cannot be a scale of `expressed` exactly, or an empty string.
std::string checkScale(double scale, FloatType expressed) {
  std::string why;
  llvm::raw_string_ostream os(why);
  if (!std::isfinite(scale) || scale <= 0.0) {
    os << "scale " << scale << " is not a positive finite number";
    return why;
  }
  APFloat f(scale);
  bool losesInfo = false;
  f.convert(expressed.getFloatSemantics(), APFloat::rmNearestTiesToEven,
            &losesInfo);
  if (losesInfo || f.isZero() || f.isInfinity())
    os << "scale " << scale << " is not exactly representable in the "
       << "expressed type " << expressed;
  return why;
}

/// Builds the quant form of a dequantized constant weight, or returns why
/// it cannot.
FailureOr<Value> convertWeight(OpBuilder &b, AssembleOp assemble,
                               DequantizeOp dequantize, std::string &why) {
  CompressedType type = assemble.getResult().getType();
  QuantSpecAttr quant = type.getQuant();
  MLIRContext *ctx = b.getContext();
  llvm::raw_string_ostream os(why);
  if (type.getSparsity()) {
    os << "sparsity is not expressible: !quant.uniform tensors are dense";
    return failure();
  }
  if (!quant.isIntegerStorage()) {
    os << "!quant.uniform has integer storage only; " << quant.getStorageType()
       << " storage is not expressible";
    return failure();
  }
  if (quant.getGlobalScaleType()) {
    os << "two-level scales (global_scale) are not expressible: "
          "!quant.uniform has one level of scales";
    return failure();
  }
  Attribute dataAttr = getConstant(assemble.getData());
  Attribute scalesAttr = getConstant(assemble.getScales());
  Attribute zeroAttr = getConstant(assemble.getZeroPoints());
  if (!dataAttr || !scalesAttr || (assemble.getZeroPoints() && !zeroAttr)) {
    os << "its storage tensors are not all constants; !quant.uniform holds "
          "scales and zero points as attribute literals";
    return failure();
  }

  auto expressed = cast<FloatType>(type.getElementType());
  ArrayRef<int64_t> shape = type.getShape();
  unsigned bits = quant.getStorageBits();
  bool isSigned = quant.isSignedStorage();
  auto dataType = cast<ShapedType>(assemble.getData().getType());
  auto scalesType = cast<ShapedType>(assemble.getScales().getType());
  FailureOr<std::vector<int64_t>> bytes =
      readIntConstant(dataAttr, dataType, /*isSigned=*/false);
  FailureOr<std::vector<double>> scales =
      readFloatConstantExact(scalesAttr, scalesType);
  if (failed(bytes) || failed(scales)) {
    os << "its constant storage cannot be read (missing resource blob?)";
    return failure();
  }
  std::vector<int64_t> zeroPoints(scales->size(), 0);
  if (zeroAttr) {
    // Zero points are bytes read with the storage type's signedness.
    auto zp = readIntConstant(
        zeroAttr, cast<ShapedType>(assemble.getZeroPoints().getType()),
        isSigned);
    if (failed(zp)) {
      os << "its zero points cannot be read (missing resource blob?)";
      return failure();
    }
    zeroPoints = std::move(*zp);
  }
  for (double s : *scales) {
    why = checkScale(s, expressed);
    if (!why.empty())
      return failure();
  }

  // The quantized element type.
  Type storage = IntegerType::get(ctx, bits);
  unsigned flags = isSigned ? quant::QuantizationFlags::Signed : 0;
  int64_t qmin = quant.getQMin(), qmax = quant.getQMax();
  Type elementType;
  switch (quant.getGranularity()) {
  case Granularity::Tensor:
    elementType = quant::UniformQuantizedType::get(
        flags, storage, expressed, scales->front(), zeroPoints.front(), qmin,
        qmax);
    break;
  case Granularity::Channel:
    elementType = quant::UniformQuantizedPerAxisType::get(
        flags, storage, expressed, *scales, zeroPoints, quant.getAxis(), qmin,
        qmax);
    break;
  case Granularity::Group:
  case Granularity::Block: {
    // Sub-channel blocks default to the whole dimension: name every axis.
    SmallVector<int64_t> block = quant.getScaleBlock(shape);
    SmallVector<int32_t> dims;
    for (int64_t i = 0, e = shape.size(); i < e; ++i)
      dims.push_back(i);
    auto scaleShape = quant.getScaleShape(shape);
    SmallVector<APFloat> scaleValues;
    SmallVector<APInt> zeroValues;
    for (auto [s, z] : llvm::zip_equal(*scales, zeroPoints)) {
      APFloat f(s);
      bool losesInfo;
      f.convert(expressed.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &losesInfo);
      scaleValues.push_back(f);
      zeroValues.push_back(APInt(bits, uint64_t(z), /*isSigned=*/true,
                                 /*implicitTrunc=*/true));
    }
    elementType = quant::UniformQuantizedSubChannelType::get(
        flags, storage, expressed,
        DenseElementsAttr::get(RankedTensorType::get(scaleShape, expressed),
                               scaleValues),
        DenseElementsAttr::get(RankedTensorType::get(scaleShape, storage),
                               zeroValues),
        dims, block, qmin, qmax);
    break;
  }
  }

  // The unpacked integer values.
  std::vector<uint8_t> packed(bytes->begin(), bytes->end());
  std::vector<int32_t> codes = unpackCodes(packed, shape, bits, isSigned);
  SmallVector<APInt> values;
  values.reserve(codes.size());
  for (int32_t c : codes)
    values.push_back(APInt(bits, uint64_t(int64_t(c)), /*isSigned=*/isSigned,
                           /*implicitTrunc=*/true));
  auto intType = RankedTensorType::get(shape, storage);
  Location loc = dequantize.getLoc();
  Value ints = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(intType, values));
  Value cast = quant::StorageCastOp::create(
      b, loc, RankedTensorType::get(shape, elementType), ints);
  return quant::DequantizeCastOp::create(b, loc, type.getDenseType(), cast)
      .getResult();
}

struct ConvertSparqToQuantPass
    : public sparq::impl::ConvertSparqToQuantBase<ConvertSparqToQuantPass> {
  using ConvertSparqToQuantBase::ConvertSparqToQuantBase;

  void runOnOperation() override {
    if (failed(convertAssembledWeights(
            getOperation(),
            [](CompressedType type) { return bool(type.getQuant()); }, strict,
            "!quant.uniform", " of constants", convertWeight, numConverted,
            numKept)))
      signalPassFailure();
  }
};

} // namespace
