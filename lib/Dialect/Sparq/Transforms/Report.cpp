//===- Report.cpp - Per-layer size and format report ----------------------===//

#include "sparq/Dialect/Sparq/Transforms/Passes.h"

#include "sparq/Dialect/Sparq/IR/SparqOps.h"
#include "sparq/Dialect/Sparq/Utils/Layers.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

namespace mlir::sparq {
#define GEN_PASS_DEF_SPARQREPORT
#include "sparq/Dialect/Sparq/Transforms/Passes.h.inc"
} // namespace mlir::sparq

using namespace mlir;
using namespace mlir::sparq;

namespace {

struct LayerRow {
  std::string name, op, format, target;
  SmallVector<int64_t> shape;
  int64_t params = 0, bytes = 0;
  /// True when `bytes` counts data-dependent sizes (nonzeros, kept blocks or
  /// channels) from the spec's target ratio, the storage not being in view.
  bool bytesEstimated = false;
  /// Fraction of zero weights, or negative when unknown.
  double sparsity = -1.0;
  /// Weight error against the original, when a compression pass measured it.
  std::optional<double> sqnrDb, maxAbsError;
};

std::string attrToString(Attribute attr) {
  std::string str;
  llvm::raw_string_ostream os(str);
  attr.print(os);
  return str;
}

/// Counts zero elements in raw element data (float zeros of either sign).
int64_t countZeros(ArrayRef<char> raw, Type elementType) {
  unsigned bits = elementType.getIntOrFloatBitWidth();
  if (bits % 8 != 0)
    return -1;
  unsigned bytes = bits / 8;
  bool isFloat = isa<FloatType>(elementType);
  int64_t zeros = 0;
  for (size_t i = 0; i + bytes <= raw.size(); i += bytes) {
    uint64_t v = 0;
    std::memcpy(&v, raw.data() + i, bytes);
    if (isFloat)
      v &= ~(uint64_t(1) << (bits - 1)); // -0.0 is zero too.
    zeros += v == 0;
  }
  return zeros;
}

/// The fraction of zeros in a constant, or a negative value when unknown.
double getConstantSparsity(Attribute value, ShapedType type) {
  int64_t n = type.getNumElements();
  if (n == 0 || !type.getElementType().isIntOrFloat())
    return -1.0;
  ArrayRef<char> raw;
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (dense.isSplat()) {
      ArrayRef<char> one = dense.getRawData();
      return countZeros(one, type.getElementType()) == 1 ? 1.0 : 0.0;
    }
    raw = dense.getRawData();
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return -1.0;
    raw = blob->getData();
  } else {
    return -1.0;
  }
  int64_t zeros = countZeros(raw, type.getElementType());
  return zeros < 0 ? -1.0 : double(zeros) / double(n);
}

/// The fraction of zeros a compressed weight's storage implies.
double getCompressedSparsity(AssembleOp assemble) {
  CompressedType type = assemble.getResult().getType();
  SparsitySpecAttr sparsity = type.getSparsity();
  if (!sparsity)
    return 0.0;
  double total = double(type.getNumElements());
  auto indices = cast<RankedTensorType>(assemble.getIndices().getType());
  switch (sparsity.getKind()) {
  case SparsityKind::NM:
    return 1.0 - double(sparsity.getN()) / double(sparsity.getM());
  case SparsityKind::Unstructured:
    return 1.0 - double(indices.getDimSize(0)) / total;
  case SparsityKind::Block: {
    ArrayRef<int64_t> block = sparsity.getBlockShape();
    return 1.0 - double(indices.getDimSize(0) * block[0] * block[1]) / total;
  }
  case SparsityKind::Channel:
    return 1.0 - double(indices.getDimSize(0)) /
                     double(type.getShape()[sparsity.getAxis()]);
  }
  return -1.0;
}

/// Storage bytes of a compressed value from its type alone, for values not
/// built by `sparq.assemble` here (function arguments, ...). Sizes the type
/// leaves to the data (nonzeros, kept blocks or channels) come from the
/// spec's ratio; `estimated` says whether one was needed.
int64_t getLayoutBytes(CompressedType type, bool &estimated) {
  StorageLayout layout = getStorageLayout(type);
  SparsitySpecAttr sparsity = type.getSparsity();
  QuantSpecAttr quant = type.getQuant();
  // The count behind every dynamic dimension of the layout.
  int64_t count = 0;
  if (sparsity) {
    double keep = 1.0 - sparsity.getZeroFraction();
    int64_t total = 0;
    switch (sparsity.getKind()) {
    case SparsityKind::NM:
      break;
    case SparsityKind::Unstructured:
      total = type.getNumElements();
      break;
    case SparsityKind::Block: {
      ArrayRef<int64_t> block = sparsity.getBlockShape();
      total = type.getNumElements() / (block[0] * block[1]);
      break;
    }
    case SparsityKind::Channel:
      total = type.getShape()[sparsity.getAxis()];
      break;
    }
    count = int64_t(std::llround(keep * double(total)));
  }
  estimated = false;
  int64_t bytes = 0;
  for (RankedTensorType t : {layout.data, layout.scales, layout.zeroPoints,
                             layout.globalScale, layout.indices,
                             layout.offsets}) {
    if (!t)
      continue;
    SmallVector<int64_t> shape(t.getShape());
    for (size_t i = 0; i < shape.size(); ++i) {
      if (!ShapedType::isDynamic(shape[i]))
        continue;
      estimated = true;
      // A quantized data tensor packs its last dimension.
      bool packed = quant && t == layout.data && i + 1 == shape.size();
      shape[i] =
          packed ? getPackedRowBytes(count, quant.getStorageBits()) : count;
    }
    bytes += getTensorStorageBytes(t.clone(shape));
  }
  return bytes;
}

LayerRow makeRow(const Layer &layer) {
  LayerRow row;
  row.name = layer.name;
  row.op = layer.op->getName().getStringRef().str();
  if (AnnotateOp annotation = layer.annotation)
    row.target = attrToString(annotation.getSpec());
  Value source = layer.source;
  // Layers that read a compressed weight through sparq.dequantize.
  if (auto dequantize = source.getDefiningOp<DequantizeOp>())
    source = dequantize.getInput();
  Type type = source.getType();
  if (auto compressed = dyn_cast<CompressedType>(type)) {
    row.shape.assign(compressed.getShape().begin(),
                     compressed.getShape().end());
    row.params = compressed.getNumElements();
    row.format = attrToString(compressed.getSpec());
    if (auto assemble = source.getDefiningOp<AssembleOp>()) {
      row.bytes = assemble.getStorageBytes();
      row.sparsity = getCompressedSparsity(assemble);
      if (auto sqnr = assemble->getAttrOfType<FloatAttr>("sparq.sqnr_db"))
        row.sqnrDb = sqnr.getValueAsDouble();
      if (auto err = assemble->getAttrOfType<FloatAttr>("sparq.max_abs_error"))
        row.maxAbsError = err.getValueAsDouble();
    } else {
      row.bytes = getLayoutBytes(compressed, row.bytesEstimated);
      if (row.bytesEstimated)
        row.format += " (bytes from the spec's ratio)";
      SparsitySpecAttr sparsity = compressed.getSparsity();
      row.sparsity = sparsity ? sparsity.getZeroFraction() : 0.0;
    }
    return row;
  }
  auto shaped = cast<ShapedType>(type);
  row.shape.assign(shaped.getShape().begin(), shaped.getShape().end());
  row.params = shaped.hasStaticShape() ? shaped.getNumElements() : 0;
  row.bytes = getTensorStorageBytes(shaped);
  llvm::raw_string_ostream(row.format) << shaped.getElementType();
  // Any constant-like op (arith.constant, tosa.const, ...) holds the weight.
  Attribute value;
  if (matchPattern(layer.source, m_Constant(&value)))
    row.sparsity = getConstantSparsity(value, shaped);
  else
    row.format += " (computed)";
  return row;
}

double bitsPerWeight(int64_t bytes, int64_t params) {
  return params ? 8.0 * double(bytes) / double(params) : 0.0;
}

void printTable(ArrayRef<LayerRow> rows, raw_ostream &os) {
  size_t nameWidth = 5, opWidth = 2;
  for (const LayerRow &row : rows) {
    nameWidth = std::max(nameWidth, row.name.size());
    opWidth = std::max(opWidth, row.op.size());
  }
  auto pad = [&](StringRef s, size_t width) {
    os << s;
    os.indent(width + 2 - std::min(width, s.size()));
  };
  pad("layer", nameWidth);
  pad("op", opWidth);
  os << llvm::format("%12s %12s %6s %9s %9s  ", "params", "bytes", "bits",
                     "sparsity", "sqnr(dB)")
     << "format -> target\n";
  int64_t totalParams = 0, totalBytes = 0;
  for (const LayerRow &row : rows) {
    pad(row.name, nameWidth);
    pad(row.op, opWidth);
    os << llvm::format("%12lld %12lld %6.2f ", (long long)row.params,
                       (long long)row.bytes,
                       bitsPerWeight(row.bytes, row.params));
    if (row.sparsity < 0)
      os << llvm::format("%9s  ", "?");
    else
      os << llvm::format("%8.1f%% ", 100.0 * row.sparsity);
    if (row.sqnrDb)
      os << llvm::format("%9.2f  ", *row.sqnrDb);
    else
      os << llvm::format("%9s  ", "-");
    os << row.format;
    if (!row.target.empty())
      os << " -> " << row.target;
    os << "\n";
    totalParams += row.params;
    totalBytes += row.bytes;
  }
  pad("total", nameWidth);
  pad("", opWidth);
  os << llvm::format("%12lld %12lld %6.2f\n", (long long)totalParams,
                     (long long)totalBytes,
                     bitsPerWeight(totalBytes, totalParams));
}

void writeJson(ArrayRef<LayerRow> rows, raw_ostream &os) {
  llvm::json::OStream json(os, /*IndentSize=*/2);
  int64_t totalParams = 0, totalBytes = 0;
  json.object([&] {
    json.attributeArray("layers", [&] {
      for (const LayerRow &row : rows) {
        json.object([&] {
          json.attribute("name", row.name);
          json.attribute("op", row.op);
          json.attributeArray("shape", [&] {
            for (int64_t d : row.shape)
              json.value(d);
          });
          json.attribute("params", row.params);
          json.attribute("bytes", row.bytes);
          if (row.bytesEstimated)
            json.attribute("bytes_estimated", true);
          json.attribute("bits_per_weight",
                         bitsPerWeight(row.bytes, row.params));
          if (row.sparsity >= 0)
            json.attribute("sparsity", row.sparsity);
          else
            json.attribute("sparsity", nullptr);
          // JSON has no infinity: an exact reconstruction reports null.
          auto finiteOrNull = [&](StringRef key, std::optional<double> v) {
            if (v && std::isfinite(*v))
              json.attribute(key, *v);
            else
              json.attribute(key, nullptr);
          };
          finiteOrNull("sqnr_db", row.sqnrDb);
          finiteOrNull("max_abs_error", row.maxAbsError);
          json.attribute("format", row.format);
          if (!row.target.empty())
            json.attribute("target", row.target);
        });
        totalParams += row.params;
        totalBytes += row.bytes;
      }
    });
    json.attributeObject("total", [&] {
      json.attribute("params", totalParams);
      json.attribute("bytes", totalBytes);
      json.attribute("bits_per_weight", bitsPerWeight(totalBytes, totalParams));
    });
  });
  os << "\n";
}

struct SparqReportPass : public sparq::impl::SparqReportBase<SparqReportPass> {
  using SparqReportBase::SparqReportBase;

  void runOnOperation() override {
    SmallVector<LayerRow> rows;
    for (const Layer &layer : collectLayers(getOperation()))
      rows.push_back(makeRow(layer));
    if (table)
      printTable(rows, llvm::errs());
    if (!json.empty()) {
      // writeToOutput writes a temporary file and renames it: never a
      // half-written report.
      if (llvm::Error err = llvm::writeToOutput(
              json, [&](raw_ostream &os) -> llvm::Error {
                writeJson(rows, os);
                return llvm::Error::success();
              })) {
        // The error names the path already.
        getOperation().emitError()
            << "sparq-report: cannot write the JSON report: "
            << llvm::toString(std::move(err));
        return signalPassFailure();
      }
    }
    markAllAnalysesPreserved();
  }
};

} // namespace
