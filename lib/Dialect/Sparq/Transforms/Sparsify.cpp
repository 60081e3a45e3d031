//===- Sparsify.cpp - Store pruned weights in sparse formats --------------===//
//
// Builds N:M, CSR and BSR compressed weights (optionally quantized) from
// annotated constant weights, laid out as `getStorageLayout` states.
//
//===----------------------------------------------------------------------===//

#include "sparq/Dialect/Sparq/Transforms/Passes.h"

#include "sparq/Dialect/Sparq/IR/SparqOps.h"
#include "sparq/Dialect/Sparq/Utils/Constants.h"
#include "sparq/Dialect/Sparq/Utils/Layers.h"
#include "sparq/Dialect/Sparq/Utils/Matmul.h"
#include "sparq/Dialect/Sparq/Utils/Quantization.h"

#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::sparq {
#define GEN_PASS_DEF_SPARQSPARSIFY
#include "sparq/Dialect/Sparq/Transforms/Passes.h.inc"
} // namespace mlir::sparq

using namespace mlir;
using namespace mlir::sparq;

namespace {

/// Which dense elements a sparse format stores, in storage order, and its
/// metadata.
struct SparseSelection {
  /// Flat row-major dense index of every stored value, in storage order.
  std::vector<int64_t> positions;
  /// Logical shape of the stored values (before sub-byte packing).
  SmallVector<int64_t> valuesShape;
  /// N:M: in-group position of each stored value; CSR / BSR: column (in
  /// elements or blocks) of each stored value or block.
  std::vector<int32_t> indices;
  /// CSR / BSR: where each row (block row) starts.
  std::vector<int32_t> offsets;
};

/// N:M: the N stored positions of every group (its nonzeros, padded with its
/// first zeros), in increasing order. Fails at the first group with more
/// than N nonzeros, returning its first element in `badElement`.
FailureOr<SparseSelection> selectNM(ArrayRef<float> data,
                                    ArrayRef<int64_t> shape,
                                    SparsitySpecAttr spec,
                                    int64_t &badElement) {
  int64_t axis = spec.getAxis(), n = spec.getN(), m = spec.getM();
  SparseSelection sel;
  sel.valuesShape.assign(shape.begin(), shape.end());
  sel.valuesShape[axis] = shape[axis] / m * n;
  SmallVector<int64_t> strides = computeStrides(shape);
  SmallVector<int64_t> valueStrides = computeStrides(sel.valuesShape);
  int64_t numValues = ShapedType::getNumElements(sel.valuesShape);
  sel.positions.assign(numValues, 0);
  sel.indices.assign(numValues, 0);
  for (int64_t i = 0, e = data.size(); i < e; ++i) {
    int64_t pos = (i / strides[axis]) % shape[axis];
    if (pos % m != 0)
      continue;
    SmallVector<int64_t> kept;
    for (int64_t j = 0; j < m; ++j)
      if (data[i + j * strides[axis]] != 0.0f)
        kept.push_back(j);
    if (int64_t(kept.size()) > n) {
      badElement = i;
      return failure();
    }
    for (int64_t j = 0; int64_t(kept.size()) < n; ++j)
      if (!llvm::is_contained(kept, j))
        kept.push_back(j);
    llvm::sort(kept);
    // The value index of slot 0 of this group: same coordinates, with the
    // axis coordinate pos / m * n.
    int64_t base = 0;
    for (int64_t d = 0, r = shape.size(); d < r; ++d) {
      int64_t c = (i / strides[d]) % shape[d];
      base += (d == axis ? pos / m * n : c) * valueStrides[d];
    }
    for (int64_t t = 0; t < n; ++t) {
      int64_t v = base + t * valueStrides[axis];
      sel.positions[v] = i + kept[t] * strides[axis];
      sel.indices[v] = kept[t];
    }
  }
  return sel;
}

/// CSR over the tensor viewed as [D0, D1 * ... * Dr-1].
SparseSelection selectCSR(ArrayRef<float> data, ArrayRef<int64_t> shape) {
  SparseSelection sel;
  int64_t rows = shape[0], cols = data.size() / rows;
  sel.offsets.push_back(0);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c)
      if (data[r * cols + c] != 0.0f) {
        sel.positions.push_back(r * cols + c);
        sel.indices.push_back(c);
      }
    sel.offsets.push_back(sel.positions.size());
  }
  sel.valuesShape = {int64_t(sel.positions.size())};
  return sel;
}

/// BSR of a rank-2 tensor: blocks with any nonzero, row-major.
SparseSelection selectBSR(ArrayRef<float> data, ArrayRef<int64_t> shape,
                          ArrayRef<int64_t> block) {
  SparseSelection sel;
  int64_t cols = shape[1], b0 = block[0], b1 = block[1];
  sel.offsets.push_back(0);
  for (int64_t br = 0; br < shape[0] / b0; ++br) {
    for (int64_t bc = 0; bc < cols / b1; ++bc) {
      bool nonzero = false;
      for (int64_t a = 0; a < b0 && !nonzero; ++a)
        for (int64_t c = 0; c < b1 && !nonzero; ++c)
          nonzero = data[(br * b0 + a) * cols + bc * b1 + c] != 0.0f;
      if (!nonzero)
        continue;
      sel.indices.push_back(bc);
      for (int64_t a = 0; a < b0; ++a)
        for (int64_t c = 0; c < b1; ++c)
          sel.positions.push_back((br * b0 + a) * cols + bc * b1 + c);
    }
    sel.offsets.push_back(sel.indices.size());
  }
  sel.valuesShape = {int64_t(sel.indices.size()), b0, b1};
  return sel;
}

/// `type` with its dynamic dimensions replaced by `sizes`, in order.
RankedTensorType fillDynamic(RankedTensorType type, ArrayRef<int64_t> sizes) {
  SmallVector<int64_t> shape(type.getShape());
  for (int64_t &d : shape)
    if (ShapedType::isDynamic(d)) {
      d = sizes.front();
      sizes = sizes.drop_front();
    }
  return RankedTensorType::get(shape, type.getElementType());
}

template <typename T>
ArrayRef<char> bytesOf(const std::vector<T> &vec) {
  return ArrayRef<char>(reinterpret_cast<const char *>(vec.data()),
                        vec.size() * sizeof(T));
}

struct SparqSparsifyPass
    : public sparq::impl::SparqSparsifyBase<SparqSparsifyPass> {
  using SparqSparsifyBase::SparqSparsifyBase;

  LogicalResult sparsifyLayer(Layer &layer) {
    Operation *op = layer.op;
    AnnotateOp annotation = layer.annotation;
    SpecParts parts = *getSpecParts(annotation.getSpec());
    SparsitySpecAttr sparsity = parts.sparsity;
    if (!sparsity || parts.lowRank ||
        sparsity.getKind() == SparsityKind::Channel)
      return success(); // Another pass's job.
    Attribute value;
    if (!matchPattern(layer.source, m_Constant(&value)))
      return success();
    auto weightType = cast<RankedTensorType>(layer.source.getType());
    FailureOr<std::vector<float>> data = readFloatConstant(value, weightType);
    if (failed(data))
      return op->emitError() << "cannot sparsify layer '" << layer.name
                             << "': its weight must be a dense or "
                                "dense_resource constant of f32, f16 or bf16";
    std::string error;
    if (failed(checkFinite(*data, error)))
      return op->emitError() << "cannot sparsify layer '" << layer.name
                             << "': " << error;
    SmallVector<int64_t> shape(weightType.getShape());
    if (sparsity.getKind() == SparsityKind::Block && shape.size() != 2)
      return op->emitError() << "cannot sparsify layer '" << layer.name
                             << "': block sparse storage needs a rank-2 "
                                "weight, got rank "
                             << shape.size();
    if (sparsity.getKind() == SparsityKind::NM) {
      int64_t bad = 0;
      if (failed(selectNM(*data, shape, sparsity, bad)))
        return op->emitError()
               << "cannot sparsify layer '" << layer.name << "': the group of "
               << sparsity.getM() << " weights along axis "
               << sparsity.getAxis() << " starting at element " << bad
               << " has more than " << sparsity.getN()
               << " nonzeros; run sparq-prune first";
    }

    QuantSpecAttr quant = parts.quant;
    // A transposed-B matmul already stores its weight as [N, K].
    bool transposeWeight = isPlainMatmul(op);
    bool asMatmul = transposeWeight || isTransposedBMatmul(op);
    if (transposeWeight) {
      *data = transpose2D(*data, shape[0], shape[1]);
      std::swap(shape[0], shape[1]);
      sparsity = transposeSpec(sparsity);
      if (quant)
        quant = transposeSpec(quant);
    }
    int64_t unused = 0;
    SparseSelection sel;
    switch (sparsity.getKind()) {
    case SparsityKind::NM:
      sel = *selectNM(*data, shape, sparsity, unused);
      break;
    case SparsityKind::Unstructured:
      sel = selectCSR(*data, shape);
      break;
    case SparsityKind::Block:
      sel = selectBSR(*data, shape, sparsity.getBlockShape());
      break;
    case SparsityKind::Channel:
      llvm_unreachable("handled above");
    }

    SpecParts storedParts;
    storedParts.sparsity = sparsity;
    storedParts.quant = quant;
    auto type = CompressedType::get(&getContext(), shape,
                                    weightType.getElementType(),
                                    buildSpec(&getContext(), storedParts));
    StorageLayout layout = getStorageLayout(type);
    OpBuilder b(op);
    Location loc = annotation.getLoc();
    std::string name = layer.name;
    int64_t count = sel.indices.size();

    // Values.
    Value dataValue, scales, zeroPoints, globalScale;
    std::optional<QuantError> qerr;
    if (!quant) {
      std::vector<float> values;
      for (int64_t p : sel.positions)
        values.push_back((*data)[p]);
      RankedTensorType dataType = fillDynamic(
          layout.data, {sparsity.getKind() == SparsityKind::Block
                            ? count
                            : int64_t(values.size())});
      dataValue = createConstant(b, loc, dataType,
                                 encodeFloats(values, type.getElementType()),
                                 name + ".values");
    } else {
      FailureOr<QuantizedTensor> q = quantizeTensor(*data, shape, quant, error);
      if (failed(q))
        return op->emitError() << "cannot sparsify layer '" << layer.name
                               << "': " << error;
      qerr = measureError(*data, dequantizeTensor(*q, shape, quant));
      std::vector<int32_t> codes;
      for (int64_t p : sel.positions)
        codes.push_back(q->codes[p]);
      std::vector<uint8_t> packed =
          packCodes(codes, sel.valuesShape, quant.getStorageBits());
      RankedTensorType dataType =
          fillDynamic(layout.data, {sparsity.getKind() == SparsityKind::Block
                                        ? count
                                        : int64_t(packed.size())});
      dataValue = createConstant(b, loc, dataType, bytesOf(packed),
                                 name + ".values");
      scales = createConstant(b, loc, layout.scales,
                              encodeFloats(q->scales, quant.getScaleType()),
                              name + ".scales");
      if (layout.zeroPoints)
        zeroPoints = createConstant(b, loc, layout.zeroPoints,
                                    bytesOf(q->zeroPoints),
                                    name + ".zero_points");
      if (layout.globalScale)
        globalScale = createConstant(b, loc, layout.globalScale,
                                     bytesOf(std::vector<float>{q->globalScale}),
                                     name + ".global_scale");
    }

    // Metadata.
    Value indices, offsets;
    if (sparsity.getKind() == SparsityKind::NM) {
      unsigned bits = llvm::Log2_64_Ceil(sparsity.getM());
      std::vector<uint8_t> packed = packCodes(sel.indices, sel.valuesShape, bits);
      indices = createConstant(b, loc, layout.indices, bytesOf(packed),
                               name + ".indices");
    } else {
      RankedTensorType indexType = fillDynamic(layout.indices, {count});
      if (indexType.getElementType().isInteger(16)) {
        std::vector<int16_t> narrow(sel.indices.begin(), sel.indices.end());
        indices = createConstant(b, loc, indexType, bytesOf(narrow),
                                 name + ".indices");
      } else {
        indices = createConstant(b, loc, indexType, bytesOf(sel.indices),
                                 name + ".indices");
      }
      offsets = createConstant(b, loc, layout.offsets, bytesOf(sel.offsets),
                               name + ".offsets");
    }

    auto assemble = AssembleOp::create(b, loc, type, dataValue, scales,
                                       zeroPoints, globalScale, indices,
                                       offsets);
    if (qerr) {
      assemble->setAttr("sparq.sqnr_db", b.getF64FloatAttr(qerr->sqnrDb));
      assemble->setAttr("sparq.max_abs_error",
                        b.getF64FloatAttr(qerr->maxAbs));
    }
    bytesBefore += getTensorStorageBytes(weightType);
    bytesAfter += assemble.getStorageBytes();

    // Keep what sparq-prune measured for the report.
    if (Attribute achieved = annotation->getAttr("sparq.achieved_sparsity"))
      assemble->setAttr("sparq.achieved_sparsity", achieved);
    replaceLayerWeight(b, layer, assemble, asMatmul);
    ++numSparsified;
    return success();
  }

  void runOnOperation() override {
    if (failed(rewriteAnnotatedLayers(getOperation(), [&](Layer &layer) {
          return sparsifyLayer(layer);
        })))
      signalPassFailure();
  }
};

} // namespace
