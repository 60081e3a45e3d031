//===- Quantize.cpp - Quantize annotated constant weights -----------------===//

#include "sparq/Dialect/Sparq/Transforms/Passes.h"

#include "sparq/Dialect/Sparq/IR/SparqOps.h"
#include "sparq/Dialect/Sparq/Utils/Constants.h"
#include "sparq/Dialect/Sparq/Utils/Layers.h"
#include "sparq/Dialect/Sparq/Utils/Matmul.h"
#include "sparq/Dialect/Sparq/Utils/Quantization.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"

namespace mlir::sparq {
#define GEN_PASS_DEF_SPARQQUANTIZE
#include "sparq/Dialect/Sparq/Transforms/Passes.h.inc"
} // namespace mlir::sparq

using namespace mlir;
using namespace mlir::sparq;

namespace {

struct SparqQuantizePass
    : public sparq::impl::SparqQuantizeBase<SparqQuantizePass> {
  using SparqQuantizeBase::SparqQuantizeBase;

  /// Builds the compressed weight for `q` (of logical `shape`).
  Value buildCompressed(OpBuilder &b, Location loc, const QuantizedTensor &q,
                        CompressedType type, StringRef name) {
    StorageLayout layout = getStorageLayout(type);
    QuantSpecAttr spec = type.getQuant();
    auto bytesOf = [](const auto &vec) {
      return ArrayRef<char>(reinterpret_cast<const char *>(vec.data()),
                            vec.size() * sizeof(vec[0]));
    };
    Value data = createConstant(b, loc, layout.data, bytesOf(q.packed),
                                (name + ".data").str());
    std::vector<char> scaleBytes = encodeFloats(q.scales, spec.getScaleType());
    Value scales = createConstant(b, loc, layout.scales, scaleBytes,
                                  (name + ".scales").str());
    Value zeroPoints, globalScale;
    if (layout.zeroPoints)
      zeroPoints = createConstant(b, loc, layout.zeroPoints,
                                  bytesOf(q.zeroPoints),
                                  (name + ".zero_points").str());
    if (layout.globalScale) {
      std::vector<float> g{q.globalScale};
      globalScale = createConstant(b, loc, layout.globalScale, bytesOf(g),
                                   (name + ".global_scale").str());
    }
    auto assemble = AssembleOp::create(b, loc, type, data, scales, zeroPoints,
                                       globalScale, Value(), Value());
    bytesAfter += assemble.getStorageBytes();
    return assemble;
  }

  LogicalResult quantizeLayer(Layer &layer) {
    Operation *op = layer.op;
    AnnotateOp annotation = layer.annotation;
    SpecParts parts = *getSpecParts(annotation.getSpec());
    if (!parts.quant || parts.sparsity || parts.lowRank)
      return success(); // Not (only) quantization: another pass's job.
    Attribute value;
    if (!matchPattern(layer.source, m_Constant(&value)))
      return success();
    auto weightType = cast<RankedTensorType>(layer.source.getType());
    FailureOr<std::vector<float>> data =
        readFloatConstant(value, weightType);
    if (failed(data))
      return op->emitError() << "cannot quantize layer '" << layer.name
                             << "': its weight must be a dense or "
                                "dense_resource constant of f32, f16 or bf16";

    QuantSpecAttr spec = parts.quant;
    SmallVector<int64_t> shape(weightType.getShape());
    // A transposed-B matmul already stores its weight as [N, K].
    bool transposeWeight = isPlainMatmul(op);
    bool asMatmul = transposeWeight || isTransposedBMatmul(op);
    // Check finiteness before any transpose so the index is the weight's own.
    std::string error;
    if (failed(checkFinite(*data, error)))
      return op->emitError() << "cannot quantize layer '" << layer.name
                             << "': " << error;
    if (transposeWeight) {
      *data = transpose2D(*data, shape[0], shape[1]);
      std::swap(shape[0], shape[1]);
      spec = transposeSpec(spec);
    }
    FailureOr<QuantizedTensor> q = quantizeTensor(*data, shape, spec, error);
    if (failed(q))
      return op->emitError() << "cannot quantize layer '" << layer.name
                             << "': " << error;
    QuantError qerr =
        measureError(*data, dequantizeTensor(*q, shape, spec));

    OpBuilder b(op);
    Location loc = annotation.getLoc();
    auto type = CompressedType::get(&getContext(), shape,
                                    weightType.getElementType(), spec);
    bytesBefore += getTensorStorageBytes(weightType);
    Value compressed = buildCompressed(b, loc, *q, type, layer.name);
    Operation *assemble = compressed.getDefiningOp();
    assemble->setAttr("sparq.sqnr_db", b.getF64FloatAttr(qerr.sqnrDb));
    assemble->setAttr("sparq.max_abs_error", b.getF64FloatAttr(qerr.maxAbs));

    replaceLayerWeight(b, layer, compressed, asMatmul);
    ++numQuantized;
    return success();
  }

  void runOnOperation() override {
    if (failed(rewriteAnnotatedLayers(getOperation(), [&](Layer &layer) {
          return quantizeLayer(layer);
        })))
      signalPassFailure();
  }
};

} // namespace
