//===- ImportONNX.cpp - ONNX model importer -------------------------------===//
//
// Reads the ModelProto, turns graph inputs into function arguments and
// initializers into host constants, then converts nodes in order (ONNX
// graphs are topologically sorted) through the converters of Ops*.cpp.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <google/protobuf/io/coded_stream.h>

#include <climits>
#include <cstring>

using namespace mlir;
using namespace mlir::sparq;
using namespace mlir::sparq::onnx_import;

//===----------------------------------------------------------------------===//
// Element types and host data
//===----------------------------------------------------------------------===//

Type onnx_import::convertElementType(MLIRContext *ctx, int32_t t) {
  Builder b(ctx);
  switch (t) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::INT64:
  case onnx::TensorProto::UINT64:
    return b.getI64Type();
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::UINT32:
    return b.getI32Type();
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::UINT16:
    return b.getI16Type();
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::UINT8:
    return b.getI8Type();
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  default:
    return {};
  }
}

bool onnx_import::isUnsignedONNXType(int32_t t) {
  return t == onnx::TensorProto::UINT8 || t == onnx::TensorProto::UINT16 ||
         t == onnx::TensorProto::UINT32 || t == onnx::TensorProto::UINT64;
}

int32_t onnx_import::getONNXType(Type type) {
  if (type.isF32())
    return onnx::TensorProto::FLOAT;
  if (type.isF64())
    return onnx::TensorProto::DOUBLE;
  if (type.isF16())
    return onnx::TensorProto::FLOAT16;
  if (type.isBF16())
    return onnx::TensorProto::BFLOAT16;
  switch (type.getIntOrFloatBitWidth()) {
  case 1:
    return onnx::TensorProto::BOOL;
  case 8:
    return onnx::TensorProto::INT8;
  case 16:
    return onnx::TensorProto::INT16;
  case 32:
    return onnx::TensorProto::INT32;
  default:
    return onnx::TensorProto::INT64;
  }
}

int64_t onnx_import::getElementBytes(Type type) {
  return std::max<int64_t>(1, type.getIntOrFloatBitWidth() / 8);
}

static const char *onnxTypeName(int32_t t) {
  return onnx::TensorProto::DataType_IsValid(t)
             ? onnx::TensorProto::DataType_Name(
                   static_cast<onnx::TensorProto::DataType>(t))
                   .c_str()
             : "<invalid>";
}

SmallVector<int64_t> onnx_import::readInts(const Tensor &t) {
  Type elem = t.type.getElementType();
  int64_t n = t.type.getNumElements();
  int64_t bytes = getElementBytes(elem);
  bool isUnsigned = isUnsignedONNXType(t.onnxType);
  SmallVector<int64_t> out;
  const char *p = t.data->data();
  if (isa<FloatType>(elem)) {
    for (double v : readFloats(t))
      out.push_back((int64_t)v);
    return out;
  }
  for (int64_t i = 0; i < n; ++i, p += bytes) {
    uint64_t raw = 0;
    std::memcpy(&raw, p, bytes);
    if (bytes < 8 && !isUnsigned && elem.getIntOrFloatBitWidth() > 1)
      out.push_back(llvm::SignExtend64(raw, bytes * 8));
    else
      out.push_back((int64_t)raw);
  }
  return out;
}

SmallVector<double> onnx_import::readFloats(const Tensor &t) {
  Type elem = t.type.getElementType();
  int64_t n = t.type.getNumElements();
  SmallVector<double> out;
  const char *p = t.data->data();
  if (auto ft = dyn_cast<FloatType>(elem)) {
    int64_t bytes = getElementBytes(elem);
    for (int64_t i = 0; i < n; ++i, p += bytes) {
      uint64_t raw = 0;
      std::memcpy(&raw, p, bytes);
      APFloat v(ft.getFloatSemantics(), APInt(bytes * 8, raw));
      bool lost;
      v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
      out.push_back(v.convertToDouble());
    }
    return out;
  }
  for (int64_t v : readInts(t))
    out.push_back((double)v);
  return out;
}

Tensor onnx_import::makeIntConstant(RankedTensorType type, int32_t onnxType,
                                    ArrayRef<int64_t> values) {
  if (isa<FloatType>(type.getElementType())) {
    SmallVector<double> d(values.begin(), values.end());
    return makeFloatConstant(type, d);
  }
  int64_t bytes = getElementBytes(type.getElementType());
  auto data = std::make_shared<std::vector<char>>(values.size() * bytes);
  for (auto [i, v] : llvm::enumerate(values)) {
    uint64_t raw = type.getElementType().isInteger(1) ? (v != 0) : (uint64_t)v;
    std::memcpy(data->data() + i * bytes, &raw, bytes);
  }
  Tensor t;
  t.type = type;
  t.onnxType = onnxType ? onnxType : getONNXType(type.getElementType());
  t.data = std::move(data);
  return t;
}

Tensor onnx_import::makeFloatConstant(RankedTensorType type,
                                      ArrayRef<double> values) {
  Type elem = type.getElementType();
  if (!isa<FloatType>(elem)) {
    SmallVector<int64_t> ints;
    for (double v : values)
      ints.push_back((int64_t)v);
    return makeIntConstant(type, 0, ints);
  }
  auto ft = cast<FloatType>(elem);
  int64_t bytes = getElementBytes(elem);
  auto data = std::make_shared<std::vector<char>>(values.size() * bytes);
  for (auto [i, v] : llvm::enumerate(values)) {
    APFloat f(v);
    bool lost;
    f.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    uint64_t raw = f.bitcastToAPInt().getZExtValue();
    std::memcpy(data->data() + i * bytes, &raw, bytes);
  }
  Tensor t;
  t.type = type;
  t.onnxType = getONNXType(elem);
  t.data = std::move(data);
  return t;
}

//===----------------------------------------------------------------------===//
// GraphImporter
//===----------------------------------------------------------------------===//

namespace mlir::sparq::onnx_import {
class GraphImporter {
public:
  GraphImporter(MLIRContext *ctx, const ImportOptions &options,
                StringRef modelName, StringRef baseDir)
      : ctx(ctx), options(options), b(ctx), modelName(modelName.str()),
        baseDir(baseDir.str()),
        fileLoc(FileLineColLoc::get(ctx, modelName, 0, 0)) {
    populateMathConverters(converters);
    populateNNConverters(converters);
    populateShapeConverters(converters);
  }

  FailureOr<OwningOpRef<ModuleOp>> import(const onnx::ModelProto &model);

  /// Reads an ONNX TensorProto (initializer or attribute) into a constant.
  FailureOr<Tensor> readTensor(const onnx::TensorProto &proto, StringRef what);
  Value materialize(Tensor &t, Location loc);

  MLIRContext *ctx;
  const ImportOptions &options;
  OpBuilder b;
  std::string modelName, baseDir;
  Location fileLoc;
  int64_t opset = 0;
  llvm::StringMap<Tensor> values;
  llvm::StringMap<SmallVector<const onnx::NodeProto *>> consumers;
  llvm::StringSet<> graphOutputs;
  llvm::DenseSet<const onnx::NodeProto *> converted;
  ConverterMap converters;
  Block *entryBlock = nullptr;
  Operation *lastConstant = nullptr;

private:
  FailureOr<RankedTensorType> convertValueInfo(const onnx::ValueInfoProto &vi,
                                               int32_t &onnxType, bool isInput);
  LogicalResult convertNode(const onnx::NodeProto &node);
};
} // namespace mlir::sparq::onnx_import

FailureOr<Tensor> GraphImporter::readTensor(const onnx::TensorProto &proto,
                                            StringRef what) {
  auto fail = [&]() {
    return mlir::emitError(fileLoc) << what << " '" << proto.name() << "': ";
  };
  Type elem = convertElementType(ctx, proto.data_type());
  if (!elem) {
    fail() << "unsupported element type " << onnxTypeName(proto.data_type());
    return failure();
  }
  SmallVector<int64_t> shape;
  int64_t n = 1;
  for (int64_t d : proto.dims()) {
    if (d < 0 || (d > 0 && n > (int64_t(1) << 40) / d)) {
      fail() << "invalid dimension " << d;
      return failure();
    }
    shape.push_back(d);
    n *= d;
  }
  if (proto.has_segment()) {
    fail() << "segmented tensors are not supported";
    return failure();
  }
  int64_t bytes = getElementBytes(elem);
  // Allocated once the stored data is known to have the right size.
  auto data = std::make_shared<std::vector<char>>();
  auto checkCount = [&](int64_t count) -> LogicalResult {
    if (count == n)
      return success();
    fail() << "holds " << count << " elements but its shape needs " << n;
    return failure();
  };

  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    std::string location;
    int64_t offset = 0, length = -1;
    for (const auto &kv : proto.external_data()) {
      if (kv.key() == "location")
        location = kv.value();
      else if (kv.key() == "offset" || kv.key() == "length") {
        long long v;
        if (StringRef(kv.value()).getAsInteger(10, v) || v < 0) {
          fail() << "invalid external data " << kv.key() << " '" << kv.value()
                 << "'";
          return failure();
        }
        (kv.key() == "offset" ? offset : length) = v;
      }
    }
    if (location.empty()) {
      fail() << "external data without a location";
      return failure();
    }
    if (llvm::sys::path::is_absolute(location) ||
        StringRef(location).contains("..")) {
      fail() << "external data location '" << location
             << "' must be a relative path inside the model's directory";
      return failure();
    }
    SmallString<256> path(baseDir);
    llvm::sys::path::append(path, location);
    auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
    if (!file) {
      fail() << "cannot open external data file '" << path
             << "': " << file.getError().message();
      return failure();
    }
    int64_t size = (*file)->getBufferSize();
    if (length < 0)
      length = size - offset;
    if (offset > size || length > size - offset) {
      fail() << "external data [" << offset << ", " << offset + length
             << ") lies outside file '" << path << "' of " << size << " bytes";
      return failure();
    }
    if (length != n * bytes) {
      fail() << "external data holds " << length
             << " bytes but its shape needs " << n * bytes;
      return failure();
    }
    data->assign((*file)->getBufferStart() + offset,
                 (*file)->getBufferStart() + offset + length);
  } else if (proto.has_raw_data()) {
    const std::string &raw = proto.raw_data();
    if ((int64_t)raw.size() != n * bytes) {
      fail() << "raw data holds " << raw.size() << " bytes but its shape needs "
             << n * bytes << " (truncated or malformed file?)";
      return failure();
    }
    data->assign(raw.begin(), raw.end());
  } else {
    auto store = [&](int64_t i, uint64_t raw) {
      if (data->empty())
        data->resize(n * bytes);
      std::memcpy(data->data() + i * bytes, &raw, bytes);
    };
    switch (proto.data_type()) {
    case onnx::TensorProto::FLOAT:
      if (failed(checkCount(proto.float_data_size())))
        return failure();
      data->resize(n * 4);
      for (int64_t i = 0; i < n; ++i) {
        float f = proto.float_data(i);
        std::memcpy(data->data() + i * 4, &f, 4);
      }
      break;
    case onnx::TensorProto::DOUBLE:
      if (failed(checkCount(proto.double_data_size())))
        return failure();
      data->resize(n * 8);
      for (int64_t i = 0; i < n; ++i) {
        double f = proto.double_data(i);
        std::memcpy(data->data() + i * 8, &f, 8);
      }
      break;
    case onnx::TensorProto::INT64:
      if (failed(checkCount(proto.int64_data_size())))
        return failure();
      for (int64_t i = 0; i < n; ++i)
        store(i, proto.int64_data(i));
      break;
    case onnx::TensorProto::UINT64:
    case onnx::TensorProto::UINT32:
      if (failed(checkCount(proto.uint64_data_size())))
        return failure();
      for (int64_t i = 0; i < n; ++i)
        store(i, proto.uint64_data(i));
      break;
    default: // int32, int16, int8, uint16, uint8, bool, float16, bfloat16.
      if (failed(checkCount(proto.int32_data_size())))
        return failure();
      for (int64_t i = 0; i < n; ++i)
        store(i, (uint32_t)proto.int32_data(i));
      break;
    }
  }
  Tensor t;
  t.type = RankedTensorType::get(shape, elem);
  t.onnxType = proto.data_type();
  t.data = std::move(data);
  t.name = proto.name();
  return t;
}

/// A resource key from an ONNX name: letters, digits, '_' and '.'.
static std::string sanitizeName(StringRef name) {
  std::string out;
  for (char c : name)
    out.push_back(llvm::isAlnum(c) || c == '_' || c == '.' ? c : '_');
  if (out.empty() || llvm::isDigit(out[0]) || out[0] == '.')
    out.insert(out.begin(), '_');
  return out;
}

Value GraphImporter::materialize(Tensor &t, Location loc) {
  if (t.value)
    return t.value;
  assert(t.isConstant() && "value used before its definition");
  ArrayRef<char> raw(t.data->data(), t.data->size());
  Type elem = t.type.getElementType();
  ElementsAttr attr;
  if ((int64_t)raw.size() >= options.resourceThreshold && !elem.isInteger(1)) {
    int64_t align = getElementBytes(elem);
    attr = DenseResourceElementsAttr::get(
        t.type, sanitizeName(t.name.empty() ? "constant" : t.name),
        HeapAsmResourceBlob::allocateAndCopyWithAlign(raw, align));
  } else if (elem.isInteger(1)) {
    SmallVector<bool> bits;
    for (char c : raw)
      bits.push_back(c != 0);
    attr = DenseElementsAttr::get(t.type, bits);
  } else {
    attr = DenseElementsAttr::getFromRawBuffer(t.type, raw);
  }
  // Constants go to the top of the function, in order of first use, so that
  // they dominate every use whatever the builder's insertion point.
  OpBuilder::InsertionGuard guard(b);
  if (lastConstant)
    b.setInsertionPointAfter(lastConstant);
  else
    b.setInsertionPointToStart(entryBlock);
  auto op = arith::ConstantOp::create(b, loc, cast<TypedAttr>(attr));
  lastConstant = op;
  t.value = op;
  return t.value;
}

FailureOr<RankedTensorType>
GraphImporter::convertValueInfo(const onnx::ValueInfoProto &vi,
                                int32_t &onnxType, bool isInput) {
  StringRef kind = isInput ? "input" : "output";
  if (!vi.type().has_tensor_type()) {
    mlir::emitError(fileLoc)
        << "graph " << kind << " '" << vi.name() << "' is not a tensor";
    return failure();
  }
  const auto &tt = vi.type().tensor_type();
  onnxType = tt.elem_type();
  Type elem = convertElementType(ctx, onnxType);
  if (!elem) {
    mlir::emitError(fileLoc)
        << "graph " << kind << " '" << vi.name()
        << "' has unsupported element type " << onnxTypeName(onnxType);
    return failure();
  }
  if (!tt.has_shape()) {
    if (!isInput)
      return RankedTensorType(); // Unknown: taken from the producer.
    mlir::emitError(fileLoc)
        << "graph input '" << vi.name() << "' has no shape";
    return failure();
  }
  SmallVector<int64_t> shape;
  for (auto [i, dim] : llvm::enumerate(tt.shape().dim())) {
    if (dim.has_dim_value() && dim.dim_value() >= 0) {
      shape.push_back(dim.dim_value());
      continue;
    }
    if (!isInput) {
      shape.push_back(ShapedType::kDynamic);
      continue;
    }
    auto it = options.dimValues.find(dim.dim_param());
    if (dim.has_dim_param() && it != options.dimValues.end())
      shape.push_back(it->second);
    else if (i == 0)
      shape.push_back(options.batchSize);
    else {
      mlir::emitError(fileLoc)
          << "graph input '" << vi.name() << "' has dynamic dimension " << i
          << (dim.has_dim_param() ? " ('" + dim.dim_param() + "')"
                                  : std::string())
          << "; give its size with --onnx-dim=<name>=<size>";
      return failure();
    }
  }
  return RankedTensorType::get(shape, elem);
}

/// The number of inputs an op takes: [min, max]; inputs below min must be
/// present (non-empty names).
static std::pair<unsigned, unsigned> getArity(StringRef op, int64_t opset) {
  constexpr unsigned kAny = ~0u;
  return llvm::StringSwitch<std::pair<unsigned, unsigned>>(op)
      .Cases({"Add", "Sub", "Mul", "Div", "Max", "Min", "Pow", "MatMul",
              "Gather", "Expand"},
             {2, 2})
      .Cases({"Gemm", "Conv", "LayerNormalization"}, {2, 3})
      .Case("Where", {3, 3})
      .Case("BatchNormalization", {5, 5})
      .Cases({"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "Squeeze",
              "Unsqueeze", "Split"},
             {1, 2})
      .Cases({"Clip", "Dropout"}, {1, 3})
      .Case("Reshape",
            opset < 5 ? std::make_pair(1u, 1u) : std::make_pair(2u, 2u))
      .Case("Slice",
            opset < 10 ? std::make_pair(1u, 1u) : std::make_pair(3u, 5u))
      .Case("Concat", {1, kAny})
      .Case("Constant", {0, 0})
      .Default({1, 1});
}

LogicalResult GraphImporter::convertNode(const onnx::NodeProto &node) {
  NodeContext nc(*this, node);
  if (!node.domain().empty() && node.domain() != "ai.onnx") {
    nc.error() << "unsupported op '" << node.domain() << "." << node.op_type()
               << "' (only the default ONNX domain is supported)";
    return failure();
  }
  for (unsigned i = 0; i < nc.numInputs(); ++i)
    if (nc.hasInput(i) && !values.count(node.input(i))) {
      nc.error() << "input '" << node.input(i)
                 << "' is not defined before its use";
      return failure();
    }
  auto it = converters.find(node.op_type());
  if (it == converters.end()) {
    nc.error() << "unsupported op '" << node.op_type() << "'";
    return failure();
  }
  auto [minInputs, maxInputs] = getArity(node.op_type(), opset);
  unsigned numInputs = node.input_size();
  if (numInputs > maxInputs || numInputs < minInputs) {
    auto diag = nc.error() << "expects ";
    if (minInputs == maxInputs)
      diag << minInputs;
    else if (maxInputs == ~0u)
      diag << "at least " << minInputs;
    else
      diag << minInputs << " to " << maxInputs;
    diag << " inputs, got " << numInputs;
    return failure();
  }
  for (unsigned i = 0; i < std::min(numInputs, std::max(minInputs, 1u)); ++i)
    if (node.input(i).empty()) {
      nc.error() << "input " << i << " is required";
      return failure();
    }
  if (node.output_size() < 1 || node.output(0).empty()) {
    nc.error() << "has no output";
    return failure();
  }
  for (const auto &a : node.attribute())
    if (a.has_ref_attr_name()) {
      nc.error() << "attribute '" << a.name()
                 << "' refers to a function attribute, which is unsupported";
      return failure();
    }
  if (failed(it->second(nc)))
    return failure();
  if (const onnx::AttributeProto *a = nc.firstUnusedAttr()) {
    nc.error() << "unsupported attribute '" << a->name() << "'";
    return failure();
  }
  for (unsigned i = 0; i < nc.numOutputs(); ++i)
    if (nc.hasOutput(i) && !values.count(node.output(i))) {
      nc.error() << "output " << i << " ('" << node.output(i)
                 << "') is not supported";
      return failure();
    }
  return success();
}

FailureOr<OwningOpRef<ModuleOp>>
GraphImporter::import(const onnx::ModelProto &model) {
  if (!model.has_graph()) {
    mlir::emitError(fileLoc) << "not an ONNX model: no graph (truncated or "
                                "malformed file?)";
    return failure();
  }
  for (const auto &op : model.opset_import())
    if (op.domain().empty() || op.domain() == "ai.onnx")
      opset = op.version();
  if (opset == 0) {
    if (model.opset_import_size() > 0 || model.ir_version() >= 3) {
      mlir::emitError(fileLoc) << "model imports no opset of the default ONNX "
                                  "domain";
      return failure();
    }
    opset = 1;
  }
  const onnx::GraphProto &graph = model.graph();
  if (graph.output_size() == 0) {
    mlir::emitError(fileLoc) << "the ONNX graph has no outputs";
    return failure();
  }

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  b.setInsertionPointToEnd(module->getBody());

  // Initializers: host constants, materialized where first used.
  for (const auto &init : graph.initializer()) {
    FailureOr<Tensor> t = readTensor(init, "initializer");
    if (failed(t))
      return failure();
    values[init.name()] = std::move(*t);
  }
  if (graph.sparse_initializer_size() > 0) {
    mlir::emitError(fileLoc) << "sparse initializers are not supported";
    return failure();
  }

  // Inputs that are not initializers become arguments.
  SmallVector<Type> argTypes;
  SmallVector<const onnx::ValueInfoProto *> args;
  SmallVector<int32_t> argONNXTypes;
  for (const auto &in : graph.input()) {
    if (values.count(in.name()))
      continue;
    int32_t onnxType;
    FailureOr<RankedTensorType> type = convertValueInfo(in, onnxType, true);
    if (failed(type))
      return failure();
    argTypes.push_back(*type);
    args.push_back(&in);
    argONNXTypes.push_back(onnxType);
  }
  for (const auto &out : graph.output())
    graphOutputs.insert(out.name());
  for (const auto &node : graph.node())
    for (const auto &in : node.input())
      if (!in.empty())
        consumers[in].push_back(&node);

  auto func = func::FuncOp::create(b, fileLoc, options.entryName,
                                   b.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  entryBlock = entry;
  for (auto [i, vi] : llvm::enumerate(args)) {
    func.setArgAttr(i, "onnx.name", b.getStringAttr(vi->name()));
    Tensor t;
    t.type = cast<RankedTensorType>(argTypes[i]);
    t.onnxType = argONNXTypes[i];
    t.value = entry->getArgument(i);
    t.name = vi->name();
    values[vi->name()] = std::move(t);
  }
  b.setInsertionPointToEnd(entry);

  for (const auto &node : graph.node()) {
    if (converted.contains(&node))
      continue;
    if (failed(convertNode(node)))
      return failure();
  }

  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (const auto &out : graph.output()) {
    auto it = values.find(out.name());
    if (it == values.end()) {
      mlir::emitError(fileLoc)
          << "graph output '" << out.name() << "' is not produced by any node";
      return failure();
    }
    int32_t onnxType;
    FailureOr<RankedTensorType> declared =
        convertValueInfo(out, onnxType, false);
    if (failed(declared))
      return failure();
    RankedTensorType actual = it->second.type;
    if (*declared && (declared->getRank() != actual.getRank() ||
                      declared->getElementType() != actual.getElementType() ||
                      failed(verifyCompatibleShape(declared->getShape(),
                                                   actual.getShape())))) {
      mlir::emitError(fileLoc)
          << "graph output '" << out.name() << "' is declared " << *declared
          << " but computes " << actual;
      return failure();
    }
    results.push_back(materialize(it->second, fileLoc));
    resultTypes.push_back(actual);
  }
  func::ReturnOp::create(b, fileLoc, results);
  func.setFunctionType(b.getFunctionType(argTypes, resultTypes));
  for (auto [i, out] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "onnx.name", b.getStringAttr(out.name()));

  if (!model.producer_name().empty())
    (*module)->setAttr(
        "onnx.producer",
        b.getStringAttr(model.producer_name() +
                        (model.producer_version().empty() ? "" : " ") +
                        model.producer_version()));
  (*module)->setAttr("onnx.opset", b.getI64IntegerAttr(opset));
  if (failed(verify(*module)))
    return failure();
  return module;
}

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

static std::string getNodeName(const onnx::NodeProto &node) {
  if (!node.name().empty())
    return node.name();
  if (node.output_size() > 0 && !node.output(0).empty())
    return node.output(0);
  return node.op_type();
}

NodeContext::NodeContext(GraphImporter &importer, const onnx::NodeProto &node)
    : b(importer.b),
      loc(NameLoc::get(StringAttr::get(importer.ctx, getNodeName(node)),
                       importer.fileLoc)),
      ctx(importer.ctx), importer(importer), node(node),
      nodeName(getNodeName(node)) {}

int64_t NodeContext::opset() const { return importer.opset; }
const ImportOptions &NodeContext::options() const { return importer.options; }

InFlightDiagnostic NodeContext::error() {
  return mlir::emitError(importer.fileLoc)
         << "node '" << nodeName << "' (" << node.op_type() << ", opset "
         << importer.opset << "): ";
}

Tensor &NodeContext::input(unsigned i) {
  return importer.values.find(node.input(i))->second;
}

Tensor *NodeContext::lookupInput(unsigned i) {
  if (!hasInput(i))
    return nullptr;
  auto it = importer.values.find(node.input(i));
  return it == importer.values.end() ? nullptr : &it->second;
}

Value NodeContext::value(unsigned i) {
  return importer.materialize(input(i), loc);
}

FailureOr<SmallVector<int64_t>> NodeContext::constInts(unsigned i,
                                                       StringRef what) {
  Tensor &t = input(i);
  if (!t.isConstant()) {
    error() << what << " (input " << i
            << ") must be a constant or computable from shapes";
    return failure();
  }
  if (isa<FloatType>(t.type.getElementType())) {
    error() << what << " (input " << i << ") must be an integer tensor";
    return failure();
  }
  return readInts(t);
}

void NodeContext::setOutput(unsigned i, Value v, int32_t onnxType) {
  Tensor t;
  t.type = cast<RankedTensorType>(v.getType());
  t.onnxType = onnxType ? onnxType : getONNXType(t.type.getElementType());
  t.value = v;
  t.name = node.output(i);
  importer.values[node.output(i)] = std::move(t);
}

void NodeContext::setOutput(unsigned i, Tensor t) {
  t.name = node.output(i);
  importer.values[node.output(i)] = std::move(t);
}

bool NodeContext::hasAttr(StringRef name) const {
  return llvm::any_of(node.attribute(),
                      [&](const auto &a) { return a.name() == name; });
}

const onnx::AttributeProto *NodeContext::attr(StringRef name) {
  used.insert(name);
  for (const auto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

FailureOr<int64_t> NodeContext::getInt(StringRef name, int64_t dflt) {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return dflt;
  if (a->type() != onnx::AttributeProto::INT) {
    error() << "attribute '" << name << "' must be an int";
    return failure();
  }
  return a->i();
}

FailureOr<float> NodeContext::getFloat(StringRef name, float dflt) {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return dflt;
  if (a->type() != onnx::AttributeProto::FLOAT) {
    error() << "attribute '" << name << "' must be a float";
    return failure();
  }
  return a->f();
}

FailureOr<std::string> NodeContext::getString(StringRef name, StringRef dflt) {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return dflt.str();
  if (a->type() != onnx::AttributeProto::STRING) {
    error() << "attribute '" << name << "' must be a string";
    return failure();
  }
  return a->s();
}

FailureOr<SmallVector<int64_t>> NodeContext::getInts(StringRef name) {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return SmallVector<int64_t>();
  if (a->type() != onnx::AttributeProto::INTS) {
    error() << "attribute '" << name << "' must be a list of ints";
    return failure();
  }
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

void NodeContext::nameLayer(Operation *op) {
  op->setAttr("sparq.layer", StringAttr::get(ctx, nodeName));
}

Value NodeContext::materialize(Tensor &t, Location loc) {
  return importer.materialize(t, loc);
}

FailureOr<Tensor> NodeContext::readTensor(const onnx::TensorProto &proto) {
  return importer.readTensor(proto,
                             "tensor attribute of node '" + nodeName + "'");
}

const onnx::AttributeProto *NodeContext::firstUnusedAttr() const {
  for (const auto &a : node.attribute())
    if (!used.contains(a.name()))
      return &a;
  return nullptr;
}

FailureOr<int64_t> NodeContext::normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1)) {
    error() << "axis " << axis << " is out of range for rank " << rank;
    return failure();
  }
  return axis < 0 ? axis + rank : axis;
}

const onnx::NodeProto *NodeContext::soleConsumer(unsigned i) const {
  if (!hasOutput(i) || importer.graphOutputs.contains(node.output(i)))
    return nullptr;
  auto it = importer.consumers.find(node.output(i));
  if (it == importer.consumers.end() || it->second.size() != 1)
    return nullptr;
  return it->second.front();
}

void NodeContext::markConverted(const onnx::NodeProto &other) {
  importer.converted.insert(&other);
}

void NodeContext::setOutputOf(const onnx::NodeProto &other, unsigned i,
                              Value v) {
  Tensor t;
  t.type = cast<RankedTensorType>(v.getType());
  t.onnxType = getONNXType(t.type.getElementType());
  t.value = v;
  t.name = other.output(i);
  importer.values[other.output(i)] = std::move(t);
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

void mlir::sparq::registerImportONNXDialects(DialectRegistry &registry) {
  registry.insert<arith::ArithDialect, func::FuncDialect, linalg::LinalgDialect,
                  math::MathDialect, tensor::TensorDialect>();
}

FailureOr<OwningOpRef<ModuleOp>>
mlir::sparq::importONNXBuffer(StringRef buffer, MLIRContext *context,
                              const ImportOptions &options,
                              StringRef bufferName, StringRef baseDir) {
  GOOGLE_PROTOBUF_VERIFY_VERSION;
  context->loadDialect<arith::ArithDialect, func::FuncDialect,
                       linalg::LinalgDialect, math::MathDialect,
                       tensor::TensorDialect>();
  Location loc = FileLineColLoc::get(context, bufferName, 0, 0);
  if (buffer.size() > (size_t)INT_MAX) {
    mlir::emitError(loc) << "ONNX models of 2 GiB or more must keep their "
                            "weights in external data files";
    return failure();
  }
  onnx::ModelProto model;
  google::protobuf::io::CodedInputStream stream(
      reinterpret_cast<const uint8_t *>(buffer.data()), (int)buffer.size());
  stream.SetTotalBytesLimit(INT_MAX);
  if (!model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage()) {
    mlir::emitError(loc) << "cannot parse the ONNX model: not a valid "
                            "ModelProto (truncated or malformed file)";
    return failure();
  }
  GraphImporter importer(context, options, bufferName, baseDir);
  return importer.import(model);
}

FailureOr<OwningOpRef<ModuleOp>>
mlir::sparq::importONNXFile(StringRef path, MLIRContext *context,
                            const ImportOptions &options) {
  auto file =
      llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!file) {
    mlir::emitError(UnknownLoc::get(context))
        << "cannot open ONNX model '" << path
        << "': " << file.getError().message();
    return failure();
  }
  StringRef dir = llvm::sys::path::parent_path(path);
  return importONNXBuffer((*file)->getBuffer(), context, options, path,
                          dir.empty() ? "." : dir);
}
