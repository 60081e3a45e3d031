//===- Quantization.cpp - Exact quantization numerics ---------------------===//

#include "sparq/Dialect/Sparq/Utils/Quantization.h"

#include "sparq/Dialect/Sparq/IR/SparqTypes.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::sparq;

namespace {

const llvm::fltSemantics &getSemantics(Type type) {
  return cast<FloatType>(type).getFloatSemantics();
}

/// Rounds `v` to an integer with the spec's rounding mode.
float roundWith(RoundingMode mode, float v) {
  switch (mode) {
  case RoundingMode::NearestEven:
    return std::nearbyint(v); // The default FE_TONEAREST mode: ties to even.
  case RoundingMode::NearestAway:
    return std::round(v);
  case RoundingMode::TowardZero:
    return std::trunc(v);
  }
  llvm_unreachable("unknown rounding mode");
}

/// Largest finite value of a scale type.
float getScaleTypeMax(Type scaleType) {
  if (isa<Float8E8M0FNUType>(scaleType))
    return std::ldexp(1.0f, 127);
  bool losesInfo;
  APFloat max = APFloat::getLargest(getSemantics(scaleType));
  max.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &losesInfo);
  return max.convertToFloat();
}

/// Maps every element (row-major) to the linear index of its scale block.
std::vector<int64_t> computeBlockIds(ArrayRef<int64_t> shape,
                                     ArrayRef<int64_t> block,
                                     ArrayRef<int64_t> scaleShape) {
  int64_t rank = shape.size();
  int64_t n = ShapedType::getNumElements(shape);
  std::vector<int64_t> ids(n);
  SmallVector<int64_t> idx(rank, 0), scaleStrides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    scaleStrides[d] = scaleStrides[d + 1] * scaleShape[d + 1];
  for (int64_t i = 0; i < n; ++i) {
    int64_t id = 0;
    for (int64_t d = 0; d < rank; ++d)
      id += idx[d] / block[d] * scaleStrides[d];
    ids[i] = id;
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++idx[d] < shape[d])
        break;
      idx[d] = 0;
    }
  }
  return ids;
}

/// Quantizes one value with an effective scale `s` and zero point `z`.
int32_t quantizeValue(float x, float s, int32_t z, QuantSpecAttr spec) {
  float v = x / s;
  if (spec.isIntegerStorage()) {
    float r = roundWith(spec.getRounding(), v) + float(z);
    float lo = float(spec.getQMin()), hi = float(spec.getQMax());
    return int32_t(std::min(std::max(r, lo), hi));
  }
  float max = float(spec.getFloatMax());
  if (spec.getSaturate())
    v = std::min(std::max(v, -max), max);
  APFloat f(v);
  bool losesInfo;
  f.convert(getSemantics(spec.getStorageType()), APFloat::rmNearestTiesToEven,
            &losesInfo);
  return int32_t(f.bitcastToAPInt().getZExtValue());
}

/// Symmetric or asymmetric min-max parameters of one block, with its range
/// shrunk by `ratio` (1 = no clipping).
struct BlockParams {
  float scale = 1.0f;
  int32_t zeroPoint = 0;
};

BlockParams chooseParams(float mn, float mx, float ratio, float globalScale,
                         QuantSpecAttr spec) {
  BlockParams p;
  Type scaleType = spec.getScaleType();
  if (spec.isAsymmetric()) {
    mn = std::min(mn, 0.0f) * ratio;
    mx = std::max(mx, 0.0f) * ratio;
    float range = float(spec.getQMax() - spec.getQMin());
    float s = (mx - mn) / range / globalScale;
    p.scale = s > 0.0f ? roundScale(s, scaleType) : 1.0f;
    float se = p.scale * globalScale;
    float z = float(spec.getQMin()) - roundWith(spec.getRounding(), mn / se);
    z = std::min(std::max(z, float(spec.getQMin())), float(spec.getQMax()));
    p.zeroPoint = int32_t(z);
    return p;
  }
  float amax = std::max(std::fabs(mn), std::fabs(mx)) * ratio;
  float qmax = float(spec.getFloatMax());
  float s = amax / qmax / globalScale;
  p.scale = s > 0.0f ? roundScale(s, scaleType) : 1.0f;
  return p;
}

float decodeCode(int32_t code, int32_t z, float se, QuantSpecAttr spec,
                 ArrayRef<float> table) {
  if (spec.isIntegerStorage())
    return float(code - z) * se;
  return table[code] * se;
}

} // namespace

float mlir::sparq::roundScale(float scale, Type scaleType) {
  if (isa<Float32Type>(scaleType))
    return scale;
  if (isa<Float8E8M0FNUType>(scaleType)) {
    // Power of two, rounded up so that no value of the block overflows:
    // scale = m * 2^e with m in [0.5, 1), so 2^e >= scale, equal to 2^(e-1)
    // when m is exactly 0.5. (log2 in float can round 2^k * (1 + ulp) to k.)
    int exp;
    float mantissa = std::frexp(scale, &exp);
    if (mantissa == 0.5f)
      --exp;
    exp = std::min(std::max(exp, -127), 127);
    return std::ldexp(1.0f, exp);
  }
  const llvm::fltSemantics &sem = getSemantics(scaleType);
  bool losesInfo;
  APFloat f(scale);
  f.convert(sem, APFloat::rmNearestTiesToEven, &losesInfo);
  if (f.isZero())
    f = APFloat::getSmallest(sem);
  if (f.isInfinity() || f.isNaN())
    f = APFloat::getLargest(sem);
  f.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &losesInfo);
  return f.convertToFloat();
}

std::vector<float> mlir::sparq::getFloatCodeTable(Type storageType) {
  const llvm::fltSemantics &sem = getSemantics(storageType);
  unsigned bits = cast<FloatType>(storageType).getWidth();
  std::vector<float> table(size_t(1) << bits);
  for (size_t code = 0; code < table.size(); ++code) {
    APFloat f(sem, APInt(bits, code));
    bool losesInfo;
    f.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &losesInfo);
    table[code] = f.convertToFloat();
  }
  return table;
}

std::vector<uint8_t> mlir::sparq::packCodes(ArrayRef<int32_t> codes,
                                            ArrayRef<int64_t> shape,
                                            unsigned bits) {
  int64_t rowLength = shape.back();
  int64_t rows = int64_t(codes.size()) / rowLength;
  int64_t rowBytes = getPackedRowBytes(rowLength, bits);
  std::vector<uint8_t> packed(rows * rowBytes, 0);
  uint32_t mask = (1u << bits) - 1;
  for (int64_t r = 0; r < rows; ++r) {
    uint8_t *row = packed.data() + r * rowBytes;
    for (int64_t i = 0; i < rowLength; ++i) {
      uint32_t code = uint32_t(codes[r * rowLength + i]) & mask;
      int64_t bit = i * bits;
      // A value spans at most two bytes (bits <= 8).
      uint32_t shifted = code << (bit % 8);
      row[bit / 8] |= uint8_t(shifted & 0xff);
      if ((bit % 8) + bits > 8)
        row[bit / 8 + 1] |= uint8_t(shifted >> 8);
    }
  }
  return packed;
}

std::vector<int32_t> mlir::sparq::unpackCodes(ArrayRef<uint8_t> packed,
                                              ArrayRef<int64_t> shape,
                                              unsigned bits, bool isSigned) {
  int64_t rowLength = shape.back();
  int64_t rows = ShapedType::getNumElements(shape) / rowLength;
  int64_t rowBytes = getPackedRowBytes(rowLength, bits);
  std::vector<int32_t> codes(rows * rowLength);
  uint32_t mask = (1u << bits) - 1;
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t *row = packed.data() + r * rowBytes;
    for (int64_t i = 0; i < rowLength; ++i) {
      int64_t bit = i * bits;
      uint32_t word = row[bit / 8];
      if ((bit % 8) + bits > 8)
        word |= uint32_t(row[bit / 8 + 1]) << 8;
      uint32_t code = (word >> (bit % 8)) & mask;
      codes[r * rowLength + i] =
          isSigned ? int32_t(llvm::SignExtend32(code, bits)) : int32_t(code);
    }
  }
  return codes;
}

LogicalResult mlir::sparq::checkFinite(ArrayRef<float> data,
                                      std::string &error) {
  for (auto [i, x] : llvm::enumerate(data))
    if (!std::isfinite(x)) {
      error = (Twine("weight element ") + Twine(i) + " is " +
               (std::isnan(x) ? "NaN" : "infinite") +
               "; quantization needs finite weights")
                  .str();
      return failure();
    }
  return success();
}

FailureOr<QuantizedTensor>
mlir::sparq::quantizeTensor(ArrayRef<float> data, ArrayRef<int64_t> shape,
                            QuantSpecAttr spec, std::string &error) {
  if (failed(checkFinite(data, error)))
    return failure();
  SmallVector<int64_t> block = spec.getScaleBlock(shape);
  SmallVector<int64_t> scaleShape = spec.getScaleShape(shape);
  int64_t numBlocks = ShapedType::getNumElements(scaleShape);
  std::vector<int64_t> blockIds = computeBlockIds(shape, block, scaleShape);

  // Per-block range.
  std::vector<float> mins(numBlocks, std::numeric_limits<float>::infinity());
  std::vector<float> maxs(numBlocks, -std::numeric_limits<float>::infinity());
  float tensorAmax = 0.0f;
  for (size_t i = 0; i < data.size(); ++i) {
    int64_t b = blockIds[i];
    mins[b] = std::min(mins[b], data[i]);
    maxs[b] = std::max(maxs[b], data[i]);
    tensorAmax = std::max(tensorAmax, std::fabs(data[i]));
  }

  QuantizedTensor q;
  if (spec.getGlobalScaleType()) {
    // Two-level scales: the global scale maps the largest block scale onto
    // the largest value of the block scale type.
    float g = tensorAmax / float(spec.getFloatMax()) /
              getScaleTypeMax(spec.getScaleType());
    q.globalScale = g > 0.0f ? g : 1.0f;
  }

  std::vector<BlockParams> params(numBlocks);
  for (int64_t b = 0; b < numBlocks; ++b)
    params[b] = chooseParams(mins[b], maxs[b], 1.0f, q.globalScale, spec);

  std::vector<float> table;
  if (!spec.isIntegerStorage())
    table = getFloatCodeTable(spec.getStorageType());

  if (spec.getSearch() == ScaleSearch::Mse) {
    // Try ranges shrunk by 2.5% steps down to 52.5% and keep, per block, the
    // one with the smallest squared error (the first, i.e. widest, on ties).
    std::vector<double> bestErr(numBlocks,
                                std::numeric_limits<double>::infinity());
    std::vector<BlockParams> candidate(numBlocks);
    std::vector<double> err(numBlocks);
    for (int step = 0; step < 20; ++step) {
      float ratio = 1.0f - 0.025f * float(step);
      for (int64_t b = 0; b < numBlocks; ++b)
        candidate[b] = chooseParams(mins[b], maxs[b], ratio, q.globalScale,
                                    spec);
      std::fill(err.begin(), err.end(), 0.0);
      for (size_t i = 0; i < data.size(); ++i) {
        const BlockParams &p = candidate[blockIds[i]];
        float se = p.scale * q.globalScale;
        int32_t code = quantizeValue(data[i], se, p.zeroPoint, spec);
        double d = double(data[i]) -
                   double(decodeCode(code, p.zeroPoint, se, spec, table));
        err[blockIds[i]] += d * d;
      }
      for (int64_t b = 0; b < numBlocks; ++b)
        if (err[b] < bestErr[b]) {
          bestErr[b] = err[b];
          params[b] = candidate[b];
        }
    }
  }

  q.codes.resize(data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    const BlockParams &p = params[blockIds[i]];
    q.codes[i] =
        quantizeValue(data[i], p.scale * q.globalScale, p.zeroPoint, spec);
  }
  q.scales.resize(numBlocks);
  for (int64_t b = 0; b < numBlocks; ++b)
    q.scales[b] = params[b].scale;
  if (spec.isAsymmetric()) {
    q.zeroPoints.resize(numBlocks);
    for (int64_t b = 0; b < numBlocks; ++b)
      q.zeroPoints[b] = int8_t(params[b].zeroPoint);
  }
  q.packed = packCodes(q.codes, shape, spec.getStorageBits());
  return q;
}

std::vector<float> mlir::sparq::dequantizeTensor(const QuantizedTensor &q,
                                                 ArrayRef<int64_t> shape,
                                                 QuantSpecAttr spec) {
  SmallVector<int64_t> block = spec.getScaleBlock(shape);
  SmallVector<int64_t> scaleShape = spec.getScaleShape(shape);
  std::vector<int64_t> blockIds = computeBlockIds(shape, block, scaleShape);
  std::vector<float> table;
  if (!spec.isIntegerStorage())
    table = getFloatCodeTable(spec.getStorageType());
  std::vector<float> out(q.codes.size());
  for (size_t i = 0; i < q.codes.size(); ++i) {
    int64_t b = blockIds[i];
    int32_t z = q.zeroPoints.empty() ? 0 : q.zeroPoints[b];
    out[i] = decodeCode(q.codes[i], z, q.scales[b] * q.globalScale, spec,
                        table);
  }
  return out;
}

QuantError mlir::sparq::measureError(ArrayRef<float> original,
                                     ArrayRef<float> approx) {
  double signal = 0.0, noise = 0.0, maxAbs = 0.0;
  for (auto [x, y] : llvm::zip_equal(original, approx)) {
    double d = double(x) - double(y);
    signal += double(x) * double(x);
    noise += d * d;
    maxAbs = std::max(maxAbs, std::fabs(d));
  }
  QuantError e;
  e.maxAbs = maxAbs;
  e.sqnrDb = noise == 0.0 ? std::numeric_limits<double>::infinity()
                          : 10.0 * std::log10(signal / noise);
  return e;
}
