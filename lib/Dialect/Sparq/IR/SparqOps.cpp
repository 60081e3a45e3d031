//===- SparqOps.cpp - Sparq operations ------------------------------------===//

#include "sparq/Dialect/Sparq/IR/SparqOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::sparq;

#define GET_OP_CLASSES
#include "sparq/Dialect/Sparq/IR/SparqOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// Checks that an optional storage operand is present exactly when the layout
/// expects it, with the expected type (dynamic expected dimensions accept any
/// size).
static LogicalResult verifyStorageOperand(Operation *op, StringRef name,
                                          Value value,
                                          RankedTensorType expected,
                                          CompressedType type) {
  if (!expected) {
    if (value)
      return op->emitOpError() << "takes no '" << name << "' for " << type;
    return success();
  }
  if (!value)
    return op->emitOpError() << "needs '" << name << "' of type " << expected
                             << " for " << type;
  auto actual = cast<RankedTensorType>(value.getType());
  bool matches = actual.getElementType() == expected.getElementType() &&
                 actual.getRank() == expected.getRank() &&
                 actual.hasStaticShape();
  for (int64_t i = 0; matches && i < actual.getRank(); ++i)
    matches = ShapedType::isDynamic(expected.getDimSize(i)) ||
              expected.getDimSize(i) == actual.getDimSize(i);
  if (!matches)
    return op->emitOpError() << "'" << name << "' must have type " << expected
                             << " for " << type << ", got " << actual;
  return success();
}

//===----------------------------------------------------------------------===//
// AnnotateOp
//===----------------------------------------------------------------------===//

LogicalResult AnnotateOp::verify() {
  return verifySpecForShape(getSpec(), getInput().getType().getShape(),
                            [&] { return emitOpError(); });
}

//===----------------------------------------------------------------------===//
// AssembleOp
//===----------------------------------------------------------------------===//

LogicalResult AssembleOp::verify() {
  CompressedType type = getResult().getType();
  StorageLayout layout = getStorageLayout(type);
  Operation *op = getOperation();
  if (failed(verifyStorageOperand(op, "data", getData(), layout.data, type)) ||
      failed(verifyStorageOperand(op, "scales", getScales(), layout.scales,
                                  type)) ||
      failed(verifyStorageOperand(op, "zero_points", getZeroPoints(),
                                  layout.zeroPoints, type)) ||
      failed(verifyStorageOperand(op, "global_scale", getGlobalScale(),
                                  layout.globalScale, type)) ||
      failed(verifyStorageOperand(op, "indices", getIndices(), layout.indices,
                                  type)) ||
      failed(verifyStorageOperand(op, "offsets", getOffsets(), layout.offsets,
                                  type)))
    return failure();

  // Sizes that depend on the data must agree between the storage tensors.
  SparsitySpecAttr sparsity = type.getSparsity();
  if (!sparsity || sparsity.getKind() == SparsityKind::NM)
    return success();
  QuantSpecAttr quant = type.getQuant();
  auto dataType = cast<RankedTensorType>(getData().getType());
  int64_t count = cast<RankedTensorType>(getIndices().getType()).getDimSize(0);
  switch (sparsity.getKind()) {
  case SparsityKind::Unstructured: {
    int64_t expected =
        quant ? getPackedRowBytes(count, quant.getStorageBits()) : count;
    if (dataType.getDimSize(0) != expected)
      return emitOpError() << "'data' must hold " << expected
                           << (quant ? " bytes for " : " values for ") << count
                           << " nonzeros, got " << dataType.getDimSize(0);
    if (count > type.getNumElements())
      return emitOpError() << count << " nonzeros do not fit in " << type;
    return success();
  }
  case SparsityKind::Block:
    if (dataType.getDimSize(0) != count)
      return emitOpError() << "'data' must hold one block per index (" << count
                           << "), got " << dataType.getDimSize(0);
    return success();
  case SparsityKind::Channel: {
    int64_t axis = sparsity.getAxis();
    if (count > type.getShape()[axis])
      return emitOpError() << count << " kept channels exceed the "
                           << type.getShape()[axis] << " of axis " << axis;
    // A quantized last axis is packed: compare bytes, not elements.
    bool packed = quant && axis == dataType.getRank() - 1;
    int64_t expected =
        packed ? getPackedRowBytes(count, quant.getStorageBits()) : count;
    if (dataType.getDimSize(axis) != expected)
      return emitOpError() << "'data' dimension " << axis << " must be "
                           << expected << " for " << count
                           << " kept channels, got "
                           << dataType.getDimSize(axis);
    return success();
  }
  case SparsityKind::NM:
    break;
  }
  return success();
}

int64_t AssembleOp::getStorageBytes() {
  int64_t bytes = 0;
  for (Value v : getOperands())
    bytes += getTensorStorageBytes(cast<ShapedType>(v.getType()));
  return bytes;
}

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::verify() {
  CompressedType type = getResult().getType();
  if (type.getSparsity() || !type.getQuant())
    return emitOpError() << "produces dense quantized formats only, got "
                         << type << "; prune first and build sparse weights "
                         << "with sparq.assemble";
  auto inputType = cast<RankedTensorType>(getInput().getType());
  if (inputType != type.getDenseType())
    return emitOpError() << "input type " << inputType
                         << " does not match the dense type "
                         << type.getDenseType() << " of the result";
  StorageLayout layout = getStorageLayout(type);
  Operation *op = getOperation();
  return failure(
      failed(verifyStorageOperand(op, "scales", getScales(), layout.scales,
                                  type)) ||
      failed(verifyStorageOperand(op, "zero_points", getZeroPoints(),
                                  layout.zeroPoints, type)) ||
      failed(verifyStorageOperand(op, "global_scale", getGlobalScale(),
                                  layout.globalScale, type)));
}

//===----------------------------------------------------------------------===//
// DequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult DequantizeOp::verify() {
  RankedTensorType expected = getInput().getType().getDenseType();
  if (getResult().getType() != expected)
    return emitOpError() << "result must be " << expected << ", got "
                         << getResult().getType();
  return success();
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::verify() {
  CompressedType weight = getWeight().getType();
  if (weight.getRank() != 2)
    return emitOpError() << "weight must have rank 2 ([N, K]), got rank "
                         << weight.getRank();
  auto inputType = cast<RankedTensorType>(getInput().getType());
  auto resultType = cast<RankedTensorType>(getResult().getType());
  int64_t n = weight.getShape()[0], k = weight.getShape()[1];
  if (inputType.getRank() < 1 || inputType.getShape().back() != k)
    return emitOpError() << "input's last dimension must be K = " << k
                         << ", got " << inputType;
  SmallVector<int64_t> expectedShape(inputType.getShape().drop_back());
  expectedShape.push_back(n);
  if (resultType.getShape() != ArrayRef<int64_t>(expectedShape))
    return emitOpError() << "result must be "
                         << RankedTensorType::get(expectedShape,
                                                  weight.getElementType())
                         << ", got " << resultType;
  if (inputType.getElementType() != weight.getElementType() ||
      resultType.getElementType() != weight.getElementType())
    return emitOpError() << "input, weight and result must share the element "
                            "type "
                         << weight.getElementType();
  return success();
}
