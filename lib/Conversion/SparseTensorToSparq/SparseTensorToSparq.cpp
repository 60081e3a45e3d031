//===- SparseTensorToSparq.cpp - Import sparse_tensor weights -------------===//
//
// Rewrites `sparse_tensor.convert(sparse_tensor.assemble(...))` to a dense
// tensor into `sparq.assemble` + `sparq.dequantize` when the encoding is a
// Sparq storage format (CSR, N:M along the last axis).
//
//===----------------------------------------------------------------------===//

#include "sparq/Conversion/SparseTensorToSparq/SparseTensorToSparq.h"

#include "sparq/Conversion/SparqToSparseTensor/SparqToSparseTensor.h"
#include "sparq/Dialect/Sparq/IR/SparqOps.h"
#include "sparq/Dialect/Sparq/Utils/Constants.h"
#include "sparq/Dialect/Sparq/Utils/Quantization.h"
#include "sparq/Dialect/Sparq/Utils/WeightConversion.h"

#include "mlir/IR/Matchers.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::sparq {
#define GEN_PASS_DEF_CONVERTSPARSETENSORTOSPARQ
#include "sparq/Conversion/Passes.h.inc"
} // namespace mlir::sparq

using namespace mlir;
using namespace mlir::sparq;

namespace {

/// The Sparq type whose storage `encoding` on `denseType` states, or null.
CompressedType getSparqType(RankedTensorType denseType,
                            sparse_tensor::SparseTensorEncodingAttr encoding,
                            int64_t nnz, std::string &why) {
  MLIRContext *ctx = denseType.getContext();
  llvm::raw_string_ostream os(why);
  if (denseType.getRank() != 2 || !denseType.hasStaticShape()) {
    os << "only static rank-2 tensors are weights";
    return {};
  }
  if (!isa<Float32Type, Float16Type, BFloat16Type>(
          denseType.getElementType())) {
    os << "values of type " << denseType.getElementType()
       << " are not f32, f16 or bf16";
    return {};
  }
  ArrayRef<sparse_tensor::LevelType> lvlTypes = encoding.getLvlTypes();
  SparsitySpecAttr spec;
  if (lvlTypes.size() == 3 && sparse_tensor::isNOutOfMLT(lvlTypes[2])) {
    int64_t n = sparse_tensor::getN(lvlTypes[2]);
    int64_t m = sparse_tensor::getM(lvlTypes[2]);
    // Checked here so that nothing reaches the context's error handler.
    if (!(n > 0 && n < m && m <= 256) || denseType.getDimSize(1) % m != 0) {
      os << "structured[" << n << ", " << m << "] on " << denseType
         << " has no Sparq N:M equivalent";
      return {};
    }
    spec = SparsitySpecAttr::get(ctx, SparsityKind::NM, APFloat(0.0), n, m,
                                 /*axis=*/1, ArrayRef<int64_t>{});
  } else {
    int64_t numel = denseType.getNumElements();
    if (nnz <= 0 || nnz > numel) {
      os << nnz << " stored values do not make a Sparq sparsity ratio in "
         << "[0, 1)";
      return {};
    }
    spec = SparsitySpecAttr::get(ctx, SparsityKind::Unstructured,
                                 APFloat(1.0 - double(nnz) / double(numel)), 0,
                                 0, 0, ArrayRef<int64_t>{});
  }
  auto type = CompressedType::get(ctx, denseType.getShape(),
                                  denseType.getElementType(), spec);
  std::string unused;
  sparse_tensor::SparseTensorEncodingAttr expected =
      getSparseTensorEncoding(type, unused);
  if (expected != encoding) {
    os << "encoding " << encoding << " is not a Sparq storage format";
    if (expected)
      os << " (Sparq stores this pattern as " << expected << ")";
    return {};
  }
  return type;
}

/// Builds the Sparq form of an assembled sparse weight, or returns why it
/// cannot.
FailureOr<Value> importWeight(OpBuilder &b, sparse_tensor::ConvertOp convert,
                              std::string &why) {
  llvm::raw_string_ostream os(why);
  auto assemble =
      convert.getSource().getDefiningOp<sparse_tensor::AssembleOp>();
  if (!assemble) {
    os << "it is not built by sparse_tensor.assemble";
    return failure();
  }
  auto denseType = cast<RankedTensorType>(convert.getType());
  auto encoding =
      sparse_tensor::getSparseTensorEncoding(assemble.getResult().getType());
  auto valuesType = cast<RankedTensorType>(assemble.getValues().getType());
  if (!valuesType.hasStaticShape() || valuesType.getRank() != 1) {
    os << "its values are not a static 1-D tensor";
    return failure();
  }
  CompressedType type =
      getSparqType(denseType, encoding, valuesType.getNumElements(), why);
  if (!type)
    return failure();
  StorageLayout layout = getStorageLayout(type);
  Location loc = convert.getLoc();
  Value data = assemble.getValues(), indices, offsets;
  SparsitySpecAttr sparsity = type.getSparsity();
  if (sparsity.getKind() == SparsityKind::Unstructured) {
    offsets = assemble.getLevels()[0];
    indices = assemble.getLevels()[1];
    auto offsetsType = cast<RankedTensorType>(offsets.getType());
    auto indicesType = cast<RankedTensorType>(indices.getType());
    if (offsetsType != layout.offsets || !indicesType.hasStaticShape() ||
        indicesType.getDimSize(0) != valuesType.getDimSize(0)) {
      os << "its positions or coordinates do not have the shapes Sparq "
            "stores ("
         << layout.offsets << " and one coordinate per value)";
      return failure();
    }
  } else {
    int64_t m = sparsity.getM();
    Attribute crdAttr;
    Value crd = assemble.getLevels()[0];
    auto crdType = cast<ShapedType>(crd.getType());
    if (!matchPattern(crd, m_Constant(&crdAttr))) {
      os << "its N:M coordinates are not a constant (they need packing)";
      return failure();
    }
    FailureOr<std::vector<int64_t>> positions =
        readIntConstant(crdAttr, crdType, /*isSigned=*/false);
    SmallVector<int64_t> keptShape(layout.data.getShape());
    if (failed(positions) ||
        int64_t(positions->size()) != ShapedType::getNumElements(keptShape) ||
        valuesType.getNumElements() != int64_t(positions->size())) {
      os << "it does not hold N coordinates and values per group of M";
      return failure();
    }
    std::vector<int32_t> codes;
    for (int64_t p : *positions) {
      if (p < 0 || p >= m) {
        os << "coordinate " << p << " lies outside its group of " << m;
        return failure();
      }
      codes.push_back(int32_t(p));
    }
    std::vector<uint8_t> packed =
        packCodes(codes, keptShape, llvm::Log2_64_Ceil(m));
    indices = createConstant(
        b, loc, layout.indices,
        ArrayRef<char>(reinterpret_cast<const char *>(packed.data()),
                       packed.size()),
        "sparq.indices");
    data = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(keptShape, valuesType.getElementType()),
        data, SmallVector<ReassociationIndices>{{0, 1}});
  }
  Value compressed = AssembleOp::create(b, loc, type, data, Value(), Value(),
                                        Value(), indices, offsets);
  return DequantizeOp::create(b, loc, denseType, compressed).getResult();
}

struct ConvertSparseTensorToSparqPass
    : public sparq::impl::ConvertSparseTensorToSparqBase<
          ConvertSparseTensorToSparqPass> {
  using ConvertSparseTensorToSparqBase::ConvertSparseTensorToSparqBase;

  void runOnOperation() override {
    SmallVector<Operation *> converts;
    getOperation().walk([&](sparse_tensor::ConvertOp op) {
      // Only sparse-to-dense conversions read a weight back.
      if (sparse_tensor::getSparseTensorEncoding(op.getSource().getType()) &&
          !sparse_tensor::getSparseTensorEncoding(op.getType()))
        converts.push_back(op);
    });
    if (failed(convertWeights(
            converts, strict, "cannot import this weight into Sparq",
            "sparse_tensor",
            [](OpBuilder &b, Operation *op, std::string &why) {
              return importWeight(b, cast<sparse_tensor::ConvertOp>(op), why);
            },
            numConverted, numKept)))
      signalPassFailure();
  }
};

} // namespace
