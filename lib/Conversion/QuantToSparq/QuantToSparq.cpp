//===- QuantToSparq.cpp - Import upstream quant weights -------------------===//
//
// Rewrites `quant.dcast(quant.scast(constant ints))` into a packed
// `sparq.assemble` + `sparq.dequantize` with the matching `#sparq.quant`
// spec, when Sparq's format states the same numbers.
//
//===----------------------------------------------------------------------===//

#include "sparq/Conversion/QuantToSparq/QuantToSparq.h"

#include "sparq/Dialect/Sparq/IR/SparqOps.h"
#include "sparq/Dialect/Sparq/Utils/Constants.h"
#include "sparq/Dialect/Sparq/Utils/Quantization.h"
#include "sparq/Dialect/Sparq/Utils/WeightConversion.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

namespace mlir::sparq {
#define GEN_PASS_DEF_CONVERTQUANTTOSPARQ
#include "sparq/Conversion/Passes.h.inc"
} // namespace mlir::sparq

using namespace mlir;
using namespace mlir::sparq;

namespace {

/// Scales and zero points of a uniform quantized type, one per scale block,
/// with the Sparq granularity that lays them out the same way.
struct QuantParams {
  std::vector<double> scales;
  std::vector<int64_t> zeroPoints;
  Granularity granularity = Granularity::Tensor;
  int64_t axis = 0, groupSize = 0;
  SmallVector<int64_t> blockShape;
};

/// Picks the simplest Sparq granularity for scale blocks `block` over `shape`.
void setGranularity(QuantParams &p, ArrayRef<int64_t> shape,
                    ArrayRef<int64_t> block) {
  int64_t rank = shape.size();
  if (llvm::equal(shape, block)) {
    p.granularity = Granularity::Tensor;
    return;
  }
  for (int64_t a = 0; a < rank; ++a) {
    bool channel = block[a] == 1, group = block[a] != 1;
    for (int64_t i = 0; i < rank; ++i) {
      if (i == a)
        continue;
      channel &= block[i] == shape[i];
      group &= block[i] == 1;
    }
    if (channel) {
      p.granularity = Granularity::Channel;
      p.axis = a;
      return;
    }
    if (group) {
      p.granularity = Granularity::Group;
      p.axis = a;
      p.groupSize = block[a];
      return;
    }
  }
  p.granularity = Granularity::Block;
  p.blockShape.assign(block.begin(), block.end());
}

/// Reads the parameters of `qtype` for a tensor of `shape`, or says why
/// Sparq cannot state them.
FailureOr<QuantParams> getParams(quant::QuantizedType qtype,
                                 ArrayRef<int64_t> shape, std::string &why) {
  QuantParams p;
  if (auto t = dyn_cast<quant::UniformQuantizedType>(qtype)) {
    p.scales = {t.getScale()};
    p.zeroPoints = {t.getZeroPoint()};
    setGranularity(p, shape, shape);
    return p;
  }
  if (auto t = dyn_cast<quant::UniformQuantizedPerAxisType>(qtype)) {
    p.scales.assign(t.getScales().begin(), t.getScales().end());
    p.zeroPoints.assign(t.getZeroPoints().begin(), t.getZeroPoints().end());
    p.granularity = Granularity::Channel;
    p.axis = t.getQuantizedDimension();
    if (p.axis >= int64_t(shape.size()) ||
        int64_t(p.scales.size()) != shape[p.axis]) {
      why = "its per-axis scales do not match the tensor's shape";
      return failure();
    }
    return p;
  }
  if (auto t = dyn_cast<quant::UniformQuantizedSubChannelType>(qtype)) {
    SmallVector<int64_t> block(shape.begin(), shape.end());
    for (auto [dim, size] : t.getBlockSizeInfo()) {
      if (dim >= int64_t(shape.size()) || shape[dim] % size != 0) {
        why = "its sub-channel blocks do not tile the tensor";
        return failure();
      }
      block[dim] = size;
    }
    for (APFloat s : t.getScales().getValues<APFloat>()) {
      bool losesInfo;
      s.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                &losesInfo);
      p.scales.push_back(s.convertToDouble());
    }
    for (APInt z : t.getZeroPoints().getValues<APInt>())
      p.zeroPoints.push_back(t.isSigned() ? z.getSExtValue()
                                          : int64_t(z.getZExtValue()));
    setGranularity(p, shape, block);
    return p;
  }
  why = "only uniform quantized types (per tensor, per axis, sub-channel) "
        "have a Sparq equivalent";
  return failure();
}

/// Builds the Sparq form of a constant quant weight, or returns why it
/// cannot.
FailureOr<Value> importWeight(OpBuilder &b, quant::DequantizeCastOp dcast,
                              bool roundScales, std::string &why) {
  llvm::raw_string_ostream os(why);
  auto scast = dcast.getInput().getDefiningOp<quant::StorageCastOp>();
  Attribute valueAttr;
  if (!scast || !matchPattern(scast.getInput(), m_Constant(&valueAttr))) {
    os << "its stored values are not a constant cast with quant.scast";
    return failure();
  }
  auto quantTensor = dyn_cast<RankedTensorType>(scast.getType());
  auto resultType = dyn_cast<RankedTensorType>(dcast.getType());
  if (!quantTensor || !resultType || !quantTensor.hasStaticShape() ||
      quantTensor.getRank() == 0) {
    os << "only statically shaped tensors of rank 1 or more are weights";
    return failure();
  }
  auto qtype = cast<quant::QuantizedType>(quantTensor.getElementType());
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> shape = quantTensor.getShape();
  auto storage = dyn_cast<IntegerType>(qtype.getStorageType());
  unsigned bits = storage ? storage.getWidth() : 0;
  if (bits < 2 || bits > 8) {
    os << "storage type " << qtype.getStorageType()
       << " is not expressible: Sparq stores integers of 2 to 8 bits";
    return failure();
  }
  Type expressed = qtype.getExpressedType();
  if (!isa<Float32Type, Float16Type, BFloat16Type>(expressed)) {
    os << "expressed type " << expressed << " is not f32, f16 or bf16";
    return failure();
  }
  FailureOr<QuantParams> params = getParams(qtype, shape, why);
  if (failed(params))
    return failure();

  // Storage range: the full range, or the narrow signed range.
  bool isSigned = qtype.isSigned();
  int64_t fullMin =
      quant::QuantizedType::getDefaultMinimumForInteger(isSigned, bits);
  int64_t fullMax =
      quant::QuantizedType::getDefaultMaximumForInteger(isSigned, bits);
  int64_t qmin = qtype.getStorageTypeMin(), qmax = qtype.getStorageTypeMax();
  bool narrow = false;
  if (qmin != fullMin || qmax != fullMax) {
    narrow = isSigned && qmax == fullMax && qmin == -fullMax;
    if (!narrow) {
      os << "storage bounds <" << qmin << ":" << qmax
         << "> are not expressible: Sparq has the full range or "
            "narrow_range (signed, symmetric)";
      return failure();
    }
  }
  bool asymmetric =
      llvm::any_of(params->zeroPoints, [](int64_t z) { return z != 0; });
  if (asymmetric && narrow) {
    os << "narrow storage bounds with zero points are not expressible: "
          "Sparq's narrow_range is symmetric";
    return failure();
  }
  // Zero points are stored as bytes read with the storage's signedness.
  for (int64_t z : params->zeroPoints)
    if (z < (isSigned ? -128 : 0) || z > (isSigned ? 127 : 255)) {
      os << "zero point " << z << " does not fit the "
         << (isSigned ? "signed" : "unsigned") << " byte Sparq stores";
      return failure();
    }
  std::vector<float> scales;
  for (double s : params->scales) {
    float f = float(s);
    if (!std::isfinite(s) || s <= 0.0 || !std::isfinite(f) || f == 0.0f) {
      os << "scale " << s << " is not a positive finite f32 number";
      return failure();
    }
    if (double(f) != s && !roundScales) {
      os << "scale " << s
         << " is not exactly representable in f32 (use round-scales to "
            "round it as lower-quant-ops does)";
      return failure();
    }
    scales.push_back(f);
  }

  FailureOr<std::vector<int64_t>> values = readIntConstant(
      valueAttr, cast<ShapedType>(scast.getInput().getType()), isSigned);
  if (failed(values)) {
    os << "its stored values cannot be read";
    return failure();
  }
  std::vector<int32_t> codes;
  codes.reserve(values->size());
  for (int64_t v : *values) {
    if (v < qmin || v > qmax) {
      os << "stored value " << v << " lies outside the storage range [" << qmin
         << ", " << qmax << "]";
      return failure();
    }
    codes.push_back(int32_t(v));
  }

  // The Sparq spec and its storage.
  Type sparqStorage = IntegerType::get(
      ctx, bits, isSigned ? IntegerType::Signless : IntegerType::Unsigned);
  auto spec = QuantSpecAttr::get(
      ctx, sparqStorage, params->granularity, params->axis, params->groupSize,
      params->blockShape,
      asymmetric ? QuantScheme::Asymmetric : QuantScheme::Symmetric,
      Float32Type::get(ctx), Type(), RoundingMode::NearestEven, narrow,
      /*saturate=*/true, ScaleSearch::MinMax);
  auto type = CompressedType::get(ctx, shape, expressed, spec);
  StorageLayout layout = getStorageLayout(type);
  Location loc = dcast.getLoc();
  std::vector<uint8_t> packed = packCodes(codes, shape, bits);
  Value data = createConstant(
      b, loc, layout.data,
      ArrayRef<char>(reinterpret_cast<const char *>(packed.data()),
                     packed.size()),
      "sparq.data");
  std::vector<char> scaleBytes = encodeFloats(scales, b.getF32Type());
  Value scalesValue =
      createConstant(b, loc, layout.scales, scaleBytes, "sparq.scales");
  Value zeroPoints;
  if (asymmetric) {
    std::vector<char> zeroBytes;
    for (int64_t z : params->zeroPoints)
      zeroBytes.push_back(char(uint8_t(z)));
    zeroPoints = createConstant(b, loc, layout.zeroPoints, zeroBytes,
                                "sparq.zero_points");
  }
  Value assemble = AssembleOp::create(b, loc, type, data, scalesValue,
                                      zeroPoints, Value(), Value(), Value());
  return DequantizeOp::create(b, loc, resultType, assemble).getResult();
}

struct ConvertQuantToSparqPass
    : public sparq::impl::ConvertQuantToSparqBase<ConvertQuantToSparqPass> {
  using ConvertQuantToSparqBase::ConvertQuantToSparqBase;

  void runOnOperation() override {
    SmallVector<Operation *> dcasts;
    getOperation().walk([&](quant::DequantizeCastOp op) {
      if (isa<RankedTensorType>(op.getType()))
        dcasts.push_back(op);
    });
    if (failed(convertWeights(
            dcasts, strict, "cannot import this weight into Sparq", "quant",
            [&](OpBuilder &b, Operation *op, std::string &why) {
              return importWeight(b, cast<quant::DequantizeCastOp>(op),
                                  roundScales, why);
            },
            numConverted, numKept)))
      signalPassFailure();
  }
};

} // namespace
