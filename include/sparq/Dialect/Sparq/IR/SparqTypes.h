//===- SparqTypes.h - Sparq types -------------------------------*- C++ -*-===//

#ifndef SPARQ_DIALECT_SPARQ_IR_SPARQTYPES_H
#define SPARQ_DIALECT_SPARQ_IR_SPARQTYPES_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Types.h"

#include "sparq/Dialect/Sparq/IR/SparqAttrs.h"

#define GET_TYPEDEF_CLASSES
#include "sparq/Dialect/Sparq/IR/SparqTypes.h.inc"

namespace mlir::sparq {

/// The storage tensors of a compressed type, in `sparq.assemble` operand order.
/// A null type means the tensor is absent. Dimensions that depend on the data
/// (the number of nonzeros or kept channels) are `ShapedType::kDynamic`.
struct StorageLayout {
  RankedTensorType data, scales, zeroPoints, globalScale, indices, offsets;
};

/// The storage layout of `type` (see `!sparq.compressed`).
StorageLayout getStorageLayout(CompressedType type);

/// Bytes needed for `numElements` values of `bits` bits packed along rows of
/// `rowLength` elements (rows start on byte boundaries).
int64_t getPackedRowBytes(int64_t rowLength, unsigned bits);

/// Storage bytes of a tensor type as Sparq counts them: sub-byte integer
/// elements count as whole bytes (that is how they are stored unpacked).
int64_t getTensorStorageBytes(ShapedType type);

} // namespace mlir::sparq

#endif // SPARQ_DIALECT_SPARQ_IR_SPARQTYPES_H
