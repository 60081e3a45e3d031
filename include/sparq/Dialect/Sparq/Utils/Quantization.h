//===- Quantization.h - Exact quantization numerics -------------*- C++ -*-===//
//
// The reference implementation of Sparq's quantization formulas on host
// data: choosing scales, quantizing, packing and dequantizing, exactly as the
// `#sparq.quant` documentation states. Compression passes use it on constant
// weights; lowering emits IR computing the same formulas.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_DIALECT_SPARQ_UTILS_QUANTIZATION_H
#define SPARQ_DIALECT_SPARQ_UTILS_QUANTIZATION_H

#include "sparq/Dialect/Sparq/IR/SparqAttrs.h"

#include <cstdint>
#include <vector>

namespace mlir::sparq {

/// A tensor quantized on the host.
struct QuantizedTensor {
  /// The stored codes, one per element, in row-major order. Integer storage
  /// holds the integer; float storage holds the format's bit pattern.
  std::vector<int32_t> codes;
  /// Codes packed along the last dimension as `!sparq.compressed` states.
  std::vector<uint8_t> packed;
  /// One scale per block, already rounded to the spec's scale type.
  std::vector<float> scales;
  /// One zero point per block (asymmetric only).
  std::vector<int8_t> zeroPoints;
  /// The global scale (1 when the spec has none).
  float globalScale = 1.0f;
};

/// Fails with a message naming the first NaN or infinite element of `data`.
LogicalResult checkFinite(ArrayRef<float> data, std::string &error);

/// Quantizes `data` (row-major, of `shape`) with `spec`, choosing scales as
/// the spec says. Fails with a message in `error` on NaN or infinite input.
FailureOr<QuantizedTensor> quantizeTensor(ArrayRef<float> data,
                                          ArrayRef<int64_t> shape,
                                          QuantSpecAttr spec,
                                          std::string &error);

/// Dequantizes `q` back to floats: (code - z) * s * g.
std::vector<float> dequantizeTensor(const QuantizedTensor &q,
                                    ArrayRef<int64_t> shape,
                                    QuantSpecAttr spec);

/// Packs `codes` (each `bits` wide) row by row along the last dimension of
/// `shape` as a little-endian bit stream.
std::vector<uint8_t> packCodes(ArrayRef<int32_t> codes,
                               ArrayRef<int64_t> shape, unsigned bits);

/// Unpacks codes of `bits` bits from `packed` (rows of `shape`'s last
/// dimension, laid out as `packCodes` writes them), sign-extending them when
/// `isSigned`. The inverse of `packCodes`.
std::vector<int32_t> unpackCodes(ArrayRef<uint8_t> packed,
                                 ArrayRef<int64_t> shape, unsigned bits,
                                 bool isSigned);

/// The float value of every code of a float storage type (e.g. 256 entries
/// for f8E4M3FN); NaN codes decode to NaN.
std::vector<float> getFloatCodeTable(Type storageType);

/// Rounds a positive scale to `scaleType` the way Sparq stores scales.
float roundScale(float scale, Type scaleType);

/// Error of a reconstruction: signal-to-quantization-noise ratio in dB
/// (infinite when exact) and the largest absolute error.
struct QuantError {
  double sqnrDb = 0.0;
  double maxAbs = 0.0;
};
QuantError measureError(ArrayRef<float> original, ArrayRef<float> approx);

} // namespace mlir::sparq

#endif // SPARQ_DIALECT_SPARQ_UTILS_QUANTIZATION_H
