//===- SparqTypes.cpp - Sparq types ---------------------------------------===//

#include "sparq/Dialect/Sparq/IR/SparqTypes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::sparq;

#define GET_TYPEDEF_CLASSES
#include "sparq/Dialect/Sparq/IR/SparqTypes.cpp.inc"

void SparqDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "sparq/Dialect/Sparq/IR/SparqTypes.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// CompressedType
//===----------------------------------------------------------------------===//

QuantSpecAttr CompressedType::getQuant() const {
  return getSpecParts(getSpec())->quant;
}

SparsitySpecAttr CompressedType::getSparsity() const {
  return getSpecParts(getSpec())->sparsity;
}

int64_t CompressedType::getNumElements() const {
  return ShapedType::getNumElements(getShape());
}

RankedTensorType CompressedType::getDenseType() const {
  return RankedTensorType::get(getShape(), getElementType());
}

LogicalResult
CompressedType::verify(function_ref<InFlightDiagnostic()> emitError,
                       ArrayRef<int64_t> shape, Type elementType,
                       Attribute spec) {
  if (shape.empty())
    return emitError() << "a compressed weight needs rank 1 or more";
  if (llvm::any_of(shape, [](int64_t d) { return d <= 0; }))
    return emitError() << "a compressed weight needs a static, non-empty shape";
  if (!isa<Float32Type, Float16Type, BFloat16Type>(elementType))
    return emitError() << "compressed element type must be f32, f16 or bf16, "
                          "got "
                       << elementType;
  std::optional<SpecParts> parts = getSpecParts(spec);
  if (!parts)
    return emitError() << "expected a Sparq spec, got " << spec;
  if (parts->lowRank)
    return emitError() << "low rank is not a storage format: factoring yields "
                          "two weights, compress each factor instead";
  if (SparsitySpecAttr s = parts->sparsity) {
    if (s.getKind() == SparsityKind::Unstructured && shape.size() < 2)
      return emitError() << "unstructured sparse storage needs rank 2 or more";
    if (s.getKind() == SparsityKind::Block && shape.size() != 2)
      return emitError() << "block sparse storage needs rank 2, got rank "
                         << shape.size();
  }
  return verifySpecForShape(spec, shape, emitError);
}

Type CompressedType::parse(AsmParser &p) {
  SMLoc loc = p.getCurrentLocation();
  SmallVector<int64_t> shape;
  Type elementType;
  Attribute spec;
  if (p.parseLess() ||
      p.parseDimensionList(shape, /*allowDynamic=*/false,
                           /*withTrailingX=*/true) ||
      p.parseType(elementType) || p.parseComma() || p.parseAttribute(spec) ||
      p.parseGreater())
    return {};
  return p.getChecked<CompressedType>(loc, p.getContext(), shape, elementType,
                                      spec);
}

void CompressedType::print(AsmPrinter &p) const {
  p << "<";
  for (int64_t d : getShape())
    p << d << "x";
  p << getElementType() << ", " << getSpec() << ">";
}

//===----------------------------------------------------------------------===//
// Storage layout
//===----------------------------------------------------------------------===//

int64_t mlir::sparq::getPackedRowBytes(int64_t rowLength, unsigned bits) {
  return llvm::divideCeil(rowLength * int64_t(bits), 8);
}

int64_t mlir::sparq::getTensorStorageBytes(ShapedType type) {
  if (!type.hasStaticShape())
    return 0;
  Type elt = type.getElementType();
  int64_t eltBytes = 1;
  if (elt.isIntOrIndexOrFloat() && !elt.isIndex())
    eltBytes = llvm::divideCeil(elt.getIntOrFloatBitWidth(), 8);
  else if (elt.isIndex())
    eltBytes = 8;
  return type.getNumElements() * eltBytes;
}

/// Replaces the last dimension by the bytes of its packed `bits`-bit values.
static SmallVector<int64_t> packLastDim(ArrayRef<int64_t> shape,
                                        unsigned bits) {
  SmallVector<int64_t> packed(shape.begin(), shape.end());
  if (!ShapedType::isDynamic(packed.back()))
    packed.back() = getPackedRowBytes(packed.back(), bits);
  return packed;
}

StorageLayout mlir::sparq::getStorageLayout(CompressedType type) {
  MLIRContext *ctx = type.getContext();
  ArrayRef<int64_t> shape = type.getShape();
  QuantSpecAttr quant = type.getQuant();
  SparsitySpecAttr sparsity = type.getSparsity();
  Type i8 = IntegerType::get(ctx, 8);
  Type i32 = IntegerType::get(ctx, 32);
  int64_t dyn = ShapedType::kDynamic;
  StorageLayout layout;

  // Logical shape of the stored values.
  SmallVector<int64_t> values(shape.begin(), shape.end());
  if (sparsity) {
    switch (sparsity.getKind()) {
    case SparsityKind::NM:
      values[sparsity.getAxis()] =
          shape[sparsity.getAxis()] / sparsity.getM() * sparsity.getN();
      layout.indices = RankedTensorType::get(
          packLastDim(values, llvm::Log2_64_Ceil(sparsity.getM())), i8);
      break;
    case SparsityKind::Unstructured: {
      values = {dyn};
      int64_t rowLength = type.getNumElements() / shape[0];
      Type idx = rowLength <= (int64_t(1) << 16) ? IntegerType::get(ctx, 16)
                                                 : i32;
      layout.indices = RankedTensorType::get({dyn}, idx);
      layout.offsets = RankedTensorType::get({shape[0] + 1}, i32);
      break;
    }
    case SparsityKind::Block: {
      ArrayRef<int64_t> block = sparsity.getBlockShape();
      values = {dyn, block[0], block[1]};
      layout.indices = RankedTensorType::get({dyn}, i32);
      layout.offsets = RankedTensorType::get({shape[0] / block[0] + 1}, i32);
      break;
    }
    case SparsityKind::Channel:
      values[sparsity.getAxis()] = dyn;
      layout.indices = RankedTensorType::get({dyn}, i32);
      break;
    }
  }

  if (!quant) {
    layout.data = RankedTensorType::get(values, type.getElementType());
    return layout;
  }
  layout.data =
      RankedTensorType::get(packLastDim(values, quant.getStorageBits()), i8);
  SmallVector<int64_t> scaleShape = quant.getScaleShape(shape);
  layout.scales = RankedTensorType::get(scaleShape, quant.getScaleType());
  if (quant.isAsymmetric())
    layout.zeroPoints = RankedTensorType::get(scaleShape, i8);
  if (quant.getGlobalScaleType())
    layout.globalScale = RankedTensorType::get({}, quant.getGlobalScaleType());
  return layout;
}
