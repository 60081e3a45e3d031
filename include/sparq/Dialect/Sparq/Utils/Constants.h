//===- Constants.h - Reading and writing constant weights -------*- C++ -*-===//

#ifndef SPARQ_DIALECT_SPARQ_UTILS_CONSTANTS_H
#define SPARQ_DIALECT_SPARQ_UTILS_CONSTANTS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <vector>

namespace mlir::sparq {

/// Reads a constant (`dense<...>` or `dense_resource<...>`) of f32, f16 or
/// bf16 elements into floats, row-major. Fails if the element type is not one
/// of those or a resource blob is missing.
FailureOr<std::vector<float>> readFloatConstant(Attribute value,
                                                ShapedType type);

/// Reads an integer constant (`dense<...>` or `dense_resource<...>`, any
/// width up to 64 bits) into int64 values, sign-extended when `isSigned`,
/// zero-extended otherwise. Fails on other element types or a missing blob.
FailureOr<std::vector<int64_t>> readIntConstant(Attribute value,
                                                ShapedType type,
                                                bool isSigned);

/// The bytes of an i8 constant (`dense<...>` or `dense_resource<...>`, a
/// splat expanded), row-major, without widening them. Fails on other
/// element types or a missing blob.
FailureOr<std::vector<uint8_t>> readByteConstant(Attribute value,
                                                 ShapedType type);

/// Reads a constant of any float type into doubles (every float format Sparq
/// uses converts to double exactly). Fails on other element types or a
/// missing blob.
FailureOr<std::vector<double>> readFloatConstantExact(Attribute value,
                                                      ShapedType type);

/// Constants of at least this many bytes are created as `dense_resource`
/// blobs (never printed as giant literals); smaller ones as `dense<...>`.
constexpr int64_t kResourceThresholdBytes = 1024;

/// Creates an `arith.constant` of `type` holding `bytes` (little-endian raw
/// element data). Large constants become a `dense_resource` blob named
/// `blobName` (made unique by the resource manager).
Value createConstant(OpBuilder &b, Location loc, RankedTensorType type,
                     ArrayRef<char> bytes, StringRef blobName);

/// Raw little-endian bytes of `values` converted to the float type `type`
/// with round-to-nearest-even.
std::vector<char> encodeFloats(ArrayRef<float> values, Type type);

} // namespace mlir::sparq

#endif // SPARQ_DIALECT_SPARQ_UTILS_CONSTANTS_H
