//===- Quantize.cpp - Quantize annotated constant weights -----------------===//

#include "sparq/Dialect/Sparq/Transforms/Passes.h"

#include "sparq/Dialect/Sparq/IR/SparqOps.h"
#include "sparq/Dialect/Sparq/Utils/Constants.h"
#include "sparq/Dialect/Sparq/Utils/Layers.h"
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

/// Transposes a row-major [rows, cols] matrix.
std::vector<float> transpose2D(ArrayRef<float> data, int64_t rows,
                               int64_t cols) {
  std::vector<float> out(data.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      out[c * rows + r] = data[r * cols + c];
  return out;
}

/// The spec for the transposed ([N, K]) weight of a [K, N] one.
QuantSpecAttr transposeSpec(QuantSpecAttr spec) {
  switch (spec.getGranularity()) {
  case Granularity::Tensor:
    return spec;
  case Granularity::Channel:
  case Granularity::Group:
    return spec.withAxis(1 - spec.getAxis());
  case Granularity::Block: {
    SmallVector<int64_t> block{spec.getBlockShape()[1],
                               spec.getBlockShape()[0]};
    return QuantSpecAttr::get(
        spec.getContext(), spec.getStorageType(), spec.getGranularity(),
        spec.getAxis(), spec.getGroupSize(), block, spec.getScheme(),
        spec.getScaleType(), spec.getGlobalScaleType(), spec.getRounding(),
        spec.getNarrowRange(), spec.getSaturate(), spec.getSearch());
  }
  }
  llvm_unreachable("unknown granularity");
}

/// True if `op` is a plain `linalg.matmul` (C[M,N] += A[M,K] * B[K,N]) whose
/// operands share one float element type.
bool isPlainMatmul(Operation *op) {
  auto matmul = dyn_cast<linalg::MatmulOp>(op);
  if (!matmul || matmul.hasUserDefinedMaps() || !matmul.hasPureTensorSemantics())
    return false;
  Type a = getElementTypeOrSelf(matmul.getInputs()[0].getType());
  Type b = getElementTypeOrSelf(matmul.getInputs()[1].getType());
  Type c = getElementTypeOrSelf(matmul.getOutputs()[0].getType());
  return a == b && b == c;
}

/// True if `value` is a tensor filled with zeros.
bool isZeroFilled(Value value) {
  if (auto fill = value.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
  return matchPattern(value, m_AnyZeroFloat());
}

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
    bool asMatmul = isPlainMatmul(op);
    // Check finiteness before any transpose so the index is the weight's own.
    std::string error;
    if (failed(checkFinite(*data, error)))
      return op->emitError() << "cannot quantize layer '" << layer.name
                             << "': " << error;
    if (asMatmul) {
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

    if (asMatmul) {
      auto matmul = cast<linalg::MatmulOp>(op);
      Value init = matmul.getOutputs()[0];
      Value result = MatmulOp::create(b, op->getLoc(), init.getType(),
                                      matmul.getInputs()[0], compressed);
      result.getDefiningOp()->setAttr(kLayerAttrName,
                                      b.getStringAttr(layer.name));
      if (!isZeroFilled(init))
        result = linalg::AddOp::create(b, op->getLoc(), ValueRange{result, init},
                                       ValueRange{init})
                     .getResult(0);
      op->getResult(0).replaceAllUsesWith(result);
      op->erase();
    } else {
      Value dense = DequantizeOp::create(b, loc, weightType, compressed);
      op->setOperand(layer.weight.operandIndex, dense);
      op->setAttr(kLayerAttrName, b.getStringAttr(layer.name));
    }
    if (annotation->use_empty())
      annotation->erase();
    ++numQuantized;
    return success();
  }

  void runOnOperation() override {
    bool failedAny = false;
    llvm::SetVector<Operation *> sources;
    for (Layer &layer : collectLayers(getOperation())) {
      if (!layer.annotation)
        continue;
      failedAny |= failed(quantizeLayer(layer));
      if (Operation *def = layer.source.getDefiningOp())
        sources.insert(def);
    }
    // Drop the float weights that are no longer used.
    for (Operation *def : sources)
      if (def->use_empty())
        def->erase();
    if (failedAny)
      signalPassFailure();
  }
};

} // namespace
