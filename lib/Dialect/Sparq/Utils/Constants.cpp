//===- Constants.cpp - Reading and writing constant weights ---------------===//

#include "sparq/Dialect/Sparq/Utils/Constants.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/APFloat.h"

#include <cstring>

using namespace mlir;
using namespace mlir::sparq;

/// Decodes little-endian raw elements of a float type to floats.
static std::vector<float> decodeRaw(ArrayRef<char> raw, FloatType type,
                                    int64_t count) {
  std::vector<float> out(count);
  if (type.isF32()) {
    std::memcpy(out.data(), raw.data(), count * sizeof(float));
    return out;
  }
  unsigned bytes = type.getWidth() / 8;
  for (int64_t i = 0; i < count; ++i) {
    uint64_t bits = 0;
    std::memcpy(&bits, raw.data() + i * bytes, bytes);
    APFloat f(type.getFloatSemantics(), APInt(type.getWidth(), bits));
    bool losesInfo;
    f.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &losesInfo);
    out[i] = f.convertToFloat();
  }
  return out;
}

FailureOr<std::vector<float>>
mlir::sparq::readFloatConstant(Attribute value, ShapedType type) {
  auto floatType = dyn_cast<FloatType>(type.getElementType());
  if (!floatType || !isa<Float32Type, Float16Type, BFloat16Type>(floatType) ||
      !type.hasStaticShape())
    return failure();
  int64_t n = type.getNumElements();
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (dense.isSplat())
      return std::vector<float>(
          n, decodeRaw(dense.getRawData(), floatType, 1).front());
    return decodeRaw(dense.getRawData(), floatType, n);
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob ||
        int64_t(blob->getData().size()) != n * (floatType.getWidth() / 8))
      return failure();
    return decodeRaw(blob->getData(), floatType, n);
  }
  return failure();
}

Value mlir::sparq::createConstant(OpBuilder &b, Location loc,
                                  RankedTensorType type, ArrayRef<char> bytes,
                                  StringRef blobName) {
  TypedAttr attr;
  if (int64_t(bytes.size()) >= kResourceThresholdBytes) {
    attr = DenseResourceElementsAttr::get(
        type, blobName,
        HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, alignof(int64_t)));
  } else {
    attr = DenseElementsAttr::getFromRawBuffer(type, bytes);
  }
  return arith::ConstantOp::create(b, loc, attr);
}

std::vector<char> mlir::sparq::encodeFloats(ArrayRef<float> values,
                                            Type type) {
  auto floatType = cast<FloatType>(type);
  unsigned bytes = llvm::divideCeil(floatType.getWidth(), 8);
  std::vector<char> out(values.size() * bytes);
  for (auto [i, v] : llvm::enumerate(values)) {
    APFloat f(v);
    bool losesInfo;
    f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
              &losesInfo);
    uint64_t bits = f.bitcastToAPInt().getZExtValue();
    std::memcpy(out.data() + i * bytes, &bits, bytes);
  }
  return out;
}

/// The raw little-endian bytes of a constant and the bytes per element, or
/// failure. Splats come back as one element.
static FailureOr<std::pair<ArrayRef<char>, bool>> getRawData(Attribute value) {
  if (auto dense = dyn_cast<DenseElementsAttr>(value))
    return std::make_pair(dense.getRawData(), dense.isSplat());
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob())
      return std::make_pair(blob->getData(), false);
  return failure();
}

/// Calls `fn(i, bits)` for each of the `n` elements of `width` bits stored
/// little-endian, one after the other, in the raw data of `value`. Fails if
/// there is none, `width` is not a whole number of bytes or the size does not
/// match.
static LogicalResult
forEachRawElement(Attribute value, int64_t n, unsigned width,
                  function_ref<void(int64_t, const APInt &)> fn) {
  FailureOr<std::pair<ArrayRef<char>, bool>> raw = getRawData(value);
  if (failed(raw) || width % 8 != 0 ||
      int64_t(raw->first.size()) != n * (width / 8))
    return failure();
  unsigned bytes = width / 8;
  for (int64_t i = 0; i < n; ++i) {
    uint64_t bits = 0;
    std::memcpy(&bits, raw->first.data() + i * bytes, bytes);
    fn(i, APInt(width, bits));
  }
  return success();
}

FailureOr<std::vector<uint8_t>> mlir::sparq::readByteConstant(Attribute value,
                                                              ShapedType type) {
  if (!type.getElementType().isInteger(8) || !type.hasStaticShape())
    return failure();
  FailureOr<std::pair<ArrayRef<char>, bool>> raw = getRawData(value);
  int64_t n = type.getNumElements();
  if (failed(raw))
    return failure();
  auto [bytes, splat] = *raw;
  if (splat && bytes.size() == 1)
    return std::vector<uint8_t>(n, uint8_t(bytes[0]));
  if (int64_t(bytes.size()) != n)
    return failure();
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

FailureOr<std::vector<int64_t>>
mlir::sparq::readIntConstant(Attribute value, ShapedType type, bool isSigned) {
  auto intType = dyn_cast<IntegerType>(type.getElementType());
  if (!intType || intType.getWidth() > 64 || !type.hasStaticShape())
    return failure();
  int64_t n = type.getNumElements();
  unsigned width = intType.getWidth();
  std::vector<int64_t> out(n);
  auto extend = [&](const APInt &v) {
    return isSigned ? v.getSExtValue() : int64_t(v.getZExtValue());
  };
  // Dense attributes of any width (i4 included) read through APInt.
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    for (auto [i, v] : llvm::enumerate(dense.getValues<APInt>()))
      out[i] = extend(v);
    return out;
  }
  if (failed(forEachRawElement(value, n, width, [&](int64_t i, const APInt &v) {
        out[i] = extend(v);
      })))
    return failure();
  return out;
}

FailureOr<std::vector<double>>
mlir::sparq::readFloatConstantExact(Attribute value, ShapedType type) {
  auto floatType = dyn_cast<FloatType>(type.getElementType());
  if (!floatType || !type.hasStaticShape())
    return failure();
  int64_t n = type.getNumElements();
  std::vector<double> out(n);
  auto toDouble = [](APFloat f) {
    bool losesInfo;
    f.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &losesInfo);
    return f.convertToDouble();
  };
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    for (auto [i, v] : llvm::enumerate(dense.getValues<APFloat>()))
      out[i] = toDouble(v);
    return out;
  }
  if (failed(forEachRawElement(
          value, n, floatType.getWidth(), [&](int64_t i, const APInt &v) {
            out[i] = toDouble(APFloat(floatType.getFloatSemantics(), v));
          })))
    return failure();
  return out;
}
