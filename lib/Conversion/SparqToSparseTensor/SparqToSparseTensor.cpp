//===- SparqToSparseTensor.cpp - Sparq sparse weights as sparse_tensor ----===//
//
// Rewrites sparse float weights whose storage `#sparse_tensor.encoding`
// states exactly (CSR, N:M along the last axis) into `sparse_tensor.assemble`
// of the same arrays and a `sparse_tensor.convert` to the dense tensor.
//
//===----------------------------------------------------------------------===//

#include "sparq/Conversion/SparqToSparseTensor/SparqToSparseTensor.h"

#include "sparq/Dialect/Sparq/IR/SparqOps.h"
#include "sparq/Dialect/Sparq/Utils/Constants.h"
#include "sparq/Dialect/Sparq/Utils/Quantization.h"
#include "sparq/Dialect/Sparq/Utils/WeightConversion.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::sparq {
#define GEN_PASS_DEF_CONVERTSPARQTOSPARSETENSOR
#include "sparq/Conversion/Passes.h.inc"
} // namespace mlir::sparq

using namespace mlir;
using namespace mlir::sparq;

sparse_tensor::SparseTensorEncodingAttr
mlir::sparq::getSparseTensorEncoding(CompressedType type, std::string &why) {
  llvm::raw_string_ostream os(why);
  SparsitySpecAttr sparsity = type.getSparsity();
  if (!sparsity) {
    os << "it is not sparse";
    return {};
  }
  if (type.getQuant()) {
    os << "quantized values are not expressible: sparse_tensor stores plain "
          "values, not packed codes with scales";
    return {};
  }
  if (type.getRank() != 2) {
    os << "only rank-2 weights are converted, got rank " << type.getRank();
    return {};
  }
  std::string text;
  llvm::raw_string_ostream enc(text);
  enc << "#sparse_tensor.encoding<{map = (i, j) -> (i : dense, ";
  switch (sparsity.getKind()) {
  case SparsityKind::Unstructured: {
    unsigned crdWidth =
        getStorageLayout(type).indices.getElementType().getIntOrFloatBitWidth();
    enc << "j : compressed), posWidth = 32, crdWidth = " << crdWidth << "}>";
    break;
  }
  case SparsityKind::NM:
    if (sparsity.getAxis() != 1) {
      os << "N:M along axis " << sparsity.getAxis()
         << " is not expressible: a structured[n, m] level must be the "
            "innermost, so the groups must run along the last axis";
      return {};
    }
    enc << "j floordiv " << sparsity.getM() << " : dense, j mod "
        << sparsity.getM() << " : structured[" << sparsity.getN() << ", "
        << sparsity.getM() << "]), crdWidth = 8}>";
    break;
  case SparsityKind::Block:
  case SparsityKind::Channel:
    os << stringifySparsityKind(sparsity.getKind())
       << " sparsity is not converted: its sparse_tensor form would need "
          "reordered values";
    return {};
  }
  return cast<sparse_tensor::SparseTensorEncodingAttr>(
      parseAttribute(text, type.getContext()));
}

namespace {

/// Builds the sparse_tensor form of a sparse weight, or returns why it
/// cannot.
FailureOr<Value> convertWeight(OpBuilder &b, AssembleOp assemble,
                               DequantizeOp dequantize, std::string &why) {
  CompressedType type = assemble.getResult().getType();
  sparse_tensor::SparseTensorEncodingAttr encoding =
      getSparseTensorEncoding(type, why);
  if (!encoding)
    return failure();
  Location loc = dequantize.getLoc();
  auto sparseType =
      RankedTensorType::get(type.getShape(), type.getElementType(), encoding);
  SparsitySpecAttr sparsity = type.getSparsity();
  Value values = assemble.getData();
  SmallVector<Value> levels;
  if (sparsity.getKind() == SparsityKind::Unstructured) {
    // CSR: Sparq's offsets, indices and values are the positions,
    // coordinates and values sparse_tensor expects.
    levels = {assemble.getOffsets(), assemble.getIndices()};
  } else {
    // N:M: positions are packed in ceil(log2 M) bits; sparse_tensor's
    // coordinates are at least 8 bits wide, so unpack them.
    Attribute indicesAttr;
    if (!matchPattern(assemble.getIndices(), m_Constant(&indicesAttr))) {
      why = "its N:M positions are not a constant (they need unpacking to "
            "one byte each)";
      return failure();
    }
    auto indicesType = cast<ShapedType>(assemble.getIndices().getType());
    FailureOr<std::vector<int64_t>> bytes =
        readIntConstant(indicesAttr, indicesType, /*isSigned=*/false);
    if (failed(bytes)) {
      why = "its N:M positions cannot be read";
      return failure();
    }
    auto dataType = cast<RankedTensorType>(values.getType());
    std::vector<uint8_t> packed(bytes->begin(), bytes->end());
    std::vector<int32_t> positions =
        unpackCodes(packed, dataType.getShape(),
                    llvm::Log2_64_Ceil(sparsity.getM()), /*isSigned=*/false);
    std::vector<int8_t> crd(positions.begin(), positions.end());
    auto crdType = RankedTensorType::get({int64_t(crd.size())}, b.getI8Type());
    levels = {arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(crdType, ArrayRef<int8_t>(crd)))};
    // The kept values, row-major, are the structured level's values.
    values = tensor::CollapseShapeOp::create(
        b, loc,
        RankedTensorType::get({dataType.getNumElements()},
                              dataType.getElementType()),
        values, SmallVector<ReassociationIndices>{{0, 1}});
  }
  Value sparse =
      sparse_tensor::AssembleOp::create(b, loc, sparseType, levels, values);
  return sparse_tensor::ConvertOp::create(b, loc, type.getDenseType(), sparse)
      .getResult();
}

struct ConvertSparqToSparseTensorPass
    : public sparq::impl::ConvertSparqToSparseTensorBase<
          ConvertSparqToSparseTensorPass> {
  using ConvertSparqToSparseTensorBase::ConvertSparqToSparseTensorBase;

  void runOnOperation() override {
    if (failed(convertAssembledWeights(
            getOperation(),
            [](CompressedType type) { return bool(type.getSparsity()); },
            strict, "sparse_tensor", "", convertWeight, numConverted,
            numKept)))
      signalPassFailure();
  }
};

} // namespace
