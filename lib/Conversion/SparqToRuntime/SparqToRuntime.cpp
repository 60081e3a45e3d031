//===- SparqToRuntime.cpp - Lower matmuls onto runtime ukernels -----------===//
//
// The fast CPU path: compressed (and dense) matmuls become calls of the fused
// ukernels in lib/Runtime, which stream the stored bytes once. Everything is
// rewritten on tensors; operands cross into memrefs with
// `bufferization.to_buffer` and results come back through
// `bufferization.to_tensor` of a fresh allocation, so one-shot bufferization
// and the deallocation pipeline handle the rest.
//
//===----------------------------------------------------------------------===//

#include "sparq/Conversion/SparqToRuntime/SparqToRuntime.h"

#include "sparq-c/Runtime.h"
#include "sparq/Dialect/Sparq/IR/SparqOps.h"
#include "sparq/Dialect/Sparq/Utils/Constants.h"
#include "sparq/Dialect/Sparq/Utils/Matmul.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

namespace mlir::sparq {
#define GEN_PASS_DEF_CONVERTSPARQTORUNTIME
#include "sparq/Conversion/Passes.h.inc"
} // namespace mlir::sparq

using namespace mlir;
using namespace mlir::sparq;

namespace {

/// memref<?x?xT, strided<[?, ?], offset: ?>> (rank 2) or
/// memref<?xT, strided<[?], offset: ?>> (rank 1): the operand types of the
/// runtime entry points (any buffer of that rank casts to it).
MemRefType dynamicMemref(Type elementType, unsigned rank = 2) {
  MLIRContext *ctx = elementType.getContext();
  SmallVector<int64_t> dyn(rank, ShapedType::kDynamic);
  return MemRefType::get(
      dyn, elementType, StridedLayoutAttr::get(ctx, ShapedType::kDynamic, dyn));
}

/// Declares (once) `name` as a private external function taking memrefs of
/// the given element types and ranks (1 or 2) followed by `numI64` i64
/// values.
func::FuncOp
declareRuntimeFunction(ModuleOp module, StringRef name,
                       ArrayRef<std::pair<Type, unsigned>> operands,
                       unsigned numI64) {
  if (auto f = module.lookupSymbol<func::FuncOp>(name))
    return f;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  SmallVector<Type> inputs;
  for (auto [t, rank] : operands)
    inputs.push_back(dynamicMemref(t, rank));
  inputs.append(numI64, b.getI64Type());
  auto f = func::FuncOp::create(b, module.getLoc(), name,
                                b.getFunctionType(inputs, {}));
  f.setPrivate();
  f->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  return f;
}

/// A read-only buffer view of the rank-1 or rank-2 tensor `t`, cast to the
/// dynamic strided type.
Value asBuffer(OpBuilder &b, Location loc, Value t) {
  auto type = cast<RankedTensorType>(t.getType());
  SmallVector<int64_t> dyn(type.getRank(), ShapedType::kDynamic);
  auto layout =
      StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, dyn);
  auto memrefType =
      MemRefType::get(type.getShape(), type.getElementType(), layout);
  Value m = bufferization::ToBufferOp::create(b, loc, memrefType, t,
                                              /*read_only=*/true);
  return memref::CastOp::create(
      b, loc, dynamicMemref(type.getElementType(), type.getRank()), m);
}

/// A fresh [rows, cols] f32 allocation (dynamic sizes from `dynSizes`).
Value allocOutput(OpBuilder &b, Location loc, RankedTensorType type,
                  ValueRange dynSizes) {
  auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
  return memref::AllocOp::create(b, loc, memrefType, dynSizes, /*symbols=*/{},
                                 b.getI64IntegerAttr(64));
}

Value toTensor(OpBuilder &b, Location loc, Value alloc,
               RankedTensorType type) {
  return bufferization::ToTensorOp::create(b, loc, type, alloc,
                                           /*restrict=*/true,
                                           /*writable=*/true);
}

Value cI64(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v);
}

SmallVector<Value> dynamicDims(OpBuilder &b, Location loc, Value t) {
  SmallVector<Value> dims;
  auto type = cast<RankedTensorType>(t.getType());
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      dims.push_back(tensor::DimOp::create(b, loc, t, i));
  return dims;
}

/// A fresh y [M, N] allocation for the rows of x2 [M, K] (M dynamic when
/// x2's is).
Value allocRowsOutput(OpBuilder &b, Location loc, RankedTensorType yType,
                      Value x2) {
  SmallVector<Value> dyn;
  if (cast<RankedTensorType>(x2.getType()).isDynamicDim(0))
    dyn.push_back(tensor::DimOp::create(b, loc, x2, 0));
  return allocOutput(b, loc, yType, dyn);
}

/// The zero points of `assemble` as a buffer, or a 1x1 dummy when there are
/// none (the quantized entry points take the operand either way).
Value zeroPointsBuffer(OpBuilder &b, Location loc, AssembleOp assemble) {
  if (Value zp = assemble.getZeroPoints())
    return asBuffer(b, loc, zp);
  Type i8 = b.getI8Type();
  Value dummy = memref::AllocaOp::create(b, loc, MemRefType::get({1, 1}, i8));
  return memref::CastOp::create(b, loc, dynamicMemref(i8), dummy);
}

/// Why no runtime kernel reads the storage and scale types of `quant`, or "".
std::string quantStorageUnsupportedReason(QuantSpecAttr quant) {
  if (!quant.isIntegerStorage())
    return "float storage types have no runtime kernel";
  if (quant.getGlobalScaleType())
    return "two-level (global) scales have no runtime kernel";
  Type st = quant.getScaleType();
  if (!st.isF32() && !st.isF16() && !st.isBF16())
    return "only f32, f16 and bf16 scales have a runtime kernel";
  return "";
}

/// quantStorageUnsupportedReason for the dense kernels, which also read FP4
/// E2M1 codes, 8-bit E8M0/E4M3 scales and (after the call) a global scale.
std::string denseQuantUnsupportedReason(QuantSpecAttr quant) {
  bool fp4 = isa<Float4E2M1FNType>(quant.getStorageType());
  if (!quant.isIntegerStorage() && !fp4)
    return "float storage types other than f4E2M1FN have no runtime kernel";
  if (Type g = quant.getGlobalScaleType(); g && !g.isF32())
    return "only f32 global scales have a runtime kernel";
  Type st = quant.getScaleType();
  if (!st.isF32() && !st.isF16() && !st.isBF16() &&
      !isa<Float8E8M0FNUType, Float8E4M3FNType>(st))
    return "only f32, f16, bf16, f8E8M0FNU and f8E4M3FN scales have a "
           "runtime kernel";
  return "";
}

//===----------------------------------------------------------------------===//
// Sparse weights (N:M, CSR, BSR): sparq_rt_{nm,csr,bsr}_* (SparseMatmul.cpp).
//===----------------------------------------------------------------------===//

/// Why the runtime cannot run the sparse format of `type`, or "".
std::string sparseUnsupportedReason(CompressedType type) {
  SparsitySpecAttr sparsity = type.getSparsity();
  QuantSpecAttr quant = type.getQuant();
  if (auto spec = dyn_cast<SpecAttr>(type.getSpec()))
    if (spec.getLowRank())
      return "low-rank weights have no runtime kernel yet";
  if (type.getRank() != 2)
    return "the weight is not rank 2";
  if (!type.getElementType().isF32())
    return "the result element type is not f32";
  switch (sparsity.getKind()) {
  case SparsityKind::NM:
    if (sparsity.getAxis() != 1)
      return "N:M groups do not run along the reduction axis";
    if (sparsity.getM() > 255)
      return "N:M groups of more than 255 elements have no runtime kernel";
    break;
  case SparsityKind::Unstructured:
  case SparsityKind::Block:
    if (quant)
      return "quantized CSR/BSR weights have no runtime kernel yet";
    break;
  case SparsityKind::Channel:
    return "channel-sparse weights have no runtime kernel (sparq-shrink-"
           "channels makes them dense)";
  }
  if (!quant)
    return "";
  if (std::string why = quantStorageUnsupportedReason(quant); !why.empty())
    return why;
  SmallVector<int64_t> scaleShape = quant.getScaleShape(type.getShape());
  if (scaleShape[0] != 1 && scaleShape[0] != type.getShape()[0])
    return "scale blocks span several output rows";
  return "";
}

/// x [..., K] as [M, K].
Value flattenRows(OpBuilder &b, Location loc, Value x, int64_t k) {
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t rank = xType.getRank();
  if (rank == 1)
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1, k}, xType.getElementType()), x,
        SmallVector<ReassociationIndices>{{0, 1}});
  if (rank == 2)
    return x;
  ReassociationIndices lead;
  for (int64_t i = 0; i < rank - 1; ++i)
    lead.push_back(i);
  return tensor::CollapseShapeOp::create(
      b, loc, x, SmallVector<ReassociationIndices>{lead, {rank - 1}});
}

/// y [M, N] back to the shape of `result` ([..., N]); `x` gives its dynamic
/// leading sizes.
Value unflattenRows(OpBuilder &b, Location loc, Value y, Value x,
                    RankedTensorType resultType) {
  int64_t rank = resultType.getRank();
  if (rank == 1)
    return tensor::CollapseShapeOp::create(
        b, loc, resultType, y, SmallVector<ReassociationIndices>{{0, 1}});
  if (rank == 2)
    return y;
  ReassociationIndices lead;
  for (int64_t i = 0; i < rank - 1; ++i)
    lead.push_back(i);
  SmallVector<Value> outDims = dynamicDims(b, loc, x);
  SmallVector<OpFoldResult> outShape;
  unsigned dynIdx = 0;
  for (int64_t i = 0; i < rank; ++i) {
    if (resultType.isDynamicDim(i))
      outShape.push_back(outDims[dynIdx++]);
    else
      outShape.push_back(b.getIndexAttr(resultType.getShape()[i]));
  }
  return tensor::ExpandShapeOp::create(
      b, loc, resultType, y,
      SmallVector<ReassociationIndices>{lead, {rank - 1}}, outShape);
}

/// The f32 input of `op` as [M, K] rows (leading dims collapsed) and the
/// [M, N] f32 type of its result rows, for the [N, K] weight `wType`.
struct FlatRows {
  Value x;
  RankedTensorType yType;
};

/// FlatRows of `op`, or an error if its input is not f32.
FailureOr<FlatRows> flattenF32Input(OpBuilder &b, MatmulOp op,
                                    CompressedType wType) {
  Value x = op.getInput();
  if (!cast<RankedTensorType>(x.getType()).getElementType().isF32())
    return op.emitError() << "convert-sparq-to-runtime: input must be f32";
  Value x2 = flattenRows(b, op.getLoc(), x, wType.getShape()[1]);
  auto yType = RankedTensorType::get(
      {cast<RankedTensorType>(x2.getType()).getShape()[0], wType.getShape()[0]},
      b.getF32Type());
  return FlatRows{x2, yType};
}

/// Replaces `op` by the [M, N] result written into `alloc`, reshaped back to
/// the op's [..., N] result type.
void replaceWithRowsResult(OpBuilder &b, MatmulOp op, Value alloc,
                           RankedTensorType y2Type, Value globalScale = {}) {
  Location loc = op.getLoc();
  Value y = toTensor(b, loc, alloc, y2Type);
  if (globalScale) // The kernels apply the per-group scales only.
    y = multiplyByGlobalScale(b, loc, y, globalScale);
  y = unflattenRows(b, loc, y, op.getInput(),
                    cast<RankedTensorType>(op.getResult().getType()));
  op.getResult().replaceAllUsesWith(y);
  op.erase();
}

/// The `config` bits of an integer-coded weight (sparq-c/Runtime.h).
int64_t codeConfig(QuantSpecAttr quant, AssembleOp assemble) {
  if (isa<Float4E2M1FNType>(quant.getStorageType()))
    return 4 | SPARQ_RT_Q_E2M1;
  int64_t config = quant.getStorageBits();
  if (quant.isSignedStorage())
    config |= SPARQ_RT_Q_SIGNED;
  if (assemble.getZeroPoints())
    config |= SPARQ_RT_Q_HAS_ZP;
  return config;
}

/// `prefix` + the runtime's suffix for a scale type (_sf32, _sf16, _sbf16).
std::string scaleVariant(StringRef prefix, Type scaleType) {
  return (prefix + (scaleType.isF32()                   ? "_sf32"
                    : scaleType.isF16()                 ? "_sf16"
                    : scaleType.isBF16()                ? "_sbf16"
                    : isa<Float8E8M0FNUType>(scaleType) ? "_se8m0"
                                                        : "_se4m3"))
      .str();
}

/// sparq.matmul on an N:M, CSR or BSR weight (f32 values, or integer codes
/// for N:M) -> one call of the matching sparse entry point on the stored
/// tensors (BSR values flattened to rank 1). Activations stay f32.
LogicalResult lowerSparseMatmul(OpBuilder &b, MatmulOp op,
                                AssembleOp assemble) {
  Location loc = op.getLoc();
  auto module = op->getParentOfType<ModuleOp>();
  auto wType = cast<CompressedType>(assemble.getResult().getType());
  SparsitySpecAttr sparsity = wType.getSparsity();
  QuantSpecAttr quant = wType.getQuant();
  int64_t k = wType.getShape()[1];
  FailureOr<FlatRows> flat = flattenF32Input(b, op, wType);
  if (failed(flat))
    return failure();
  Value x2 = flat->x;
  RankedTensorType y2Type = flat->yType;
  Type f32 = b.getF32Type(), i8 = b.getI8Type(), i32 = b.getI32Type();
  Value alloc = allocRowsOutput(b, loc, y2Type, x2);
  Value xm = asBuffer(b, loc, x2);
  Value ym = memref::CastOp::create(b, loc, dynamicMemref(f32), alloc);

  func::FuncOp callee;
  SmallVector<Value> args;
  int64_t config = 0;
  switch (sparsity.getKind()) {
  case SparsityKind::NM: {
    config = SPARQ_RT_NM_CONFIG(sparsity.getN(), sparsity.getM());
    Value dm = asBuffer(b, loc, assemble.getData());
    Value im = asBuffer(b, loc, assemble.getIndices());
    if (!quant) {
      callee =
          declareRuntimeFunction(module, "sparq_rt_nm_matmul_f32",
                                 {{f32, 2}, {f32, 2}, {i8, 2}, {f32, 2}}, 2);
      args = {xm, dm, im, ym};
      break;
    }
    Type scaleType = quant.getScaleType();
    callee = declareRuntimeFunction(
        module, scaleVariant("sparq_rt_nm_qmatmul", scaleType),
        {{f32, 2}, {i8, 2}, {i8, 2}, {scaleType, 2}, {i8, 2}, {f32, 2}}, 2);
    Value sm = asBuffer(b, loc, assemble.getScales());
    Value zm = zeroPointsBuffer(b, loc, assemble);
    config |= codeConfig(quant, assemble);
    args = {xm, dm, im, sm, zm, ym};
    break;
  }
  case SparsityKind::Unstructured:
  case SparsityKind::Block: {
    bool block = sparsity.getKind() == SparsityKind::Block;
    Value values = assemble.getData();
    if (block) { // [nb, B0, B1] -> [nb * B0 * B1].
      auto vType = cast<RankedTensorType>(values.getType());
      int64_t d = ShapedType::kDynamic;
      int64_t flat = vType.hasStaticShape() ? vType.getNumElements() : d;
      values = tensor::CollapseShapeOp::create(
          b, loc, RankedTensorType::get({flat}, vType.getElementType()),
          values, SmallVector<ReassociationIndices>{{0, 1, 2}});
      ArrayRef<int64_t> bs = sparsity.getBlockShape();
      config = SPARQ_RT_BSR_CONFIG(bs[0], bs[1]);
    }
    Value indices = assemble.getIndices();
    Type idx = cast<RankedTensorType>(indices.getType()).getElementType();
    StringRef name = block              ? "sparq_rt_bsr_matmul_f32"
                     : idx.isInteger(16) ? "sparq_rt_csr_matmul_f32_i16"
                                         : "sparq_rt_csr_matmul_f32_i32";
    callee = declareRuntimeFunction(
        module, name, {{f32, 2}, {i32, 1}, {idx, 1}, {f32, 1}, {f32, 2}}, 2);
    args = {xm, asBuffer(b, loc, assemble.getOffsets()),
            asBuffer(b, loc, indices), asBuffer(b, loc, values), ym};
    break;
  }
  case SparsityKind::Channel:
    llvm_unreachable("rejected by sparseUnsupportedReason");
  }
  args.push_back(cI64(b, loc, k));
  args.push_back(cI64(b, loc, config));
  func::CallOp::create(b, loc, callee, args);
  replaceWithRowsResult(b, op, alloc, y2Type);
  return success();
}

/// Why the runtime cannot run `assemble`'s format, or "" if it can.
std::string unsupportedReason(AssembleOp assemble) {
  auto type = cast<CompressedType>(assemble.getResult().getType());
  QuantSpecAttr quant = type.getQuant();
  if (type.getSparsity())
    return sparseUnsupportedReason(type);
  if (auto spec = dyn_cast<SpecAttr>(type.getSpec()))
    if (spec.getLowRank())
      return "low-rank weights have no runtime kernel yet";
  if (!quant)
    return "the weight is not quantized";
  if (std::string why = denseQuantUnsupportedReason(quant); !why.empty())
    return why;
  if (type.getRank() != 2)
    return "the weight is not rank 2";
  if (!type.getElementType().isF32())
    return "the result element type is not f32";
  SmallVector<int64_t> scaleShape = quant.getScaleShape(type.getShape());
  if (scaleShape[0] != 1 && scaleShape[0] != type.getShape()[0])
    return "scale blocks span several output rows";
  return "";
}

/// The packed-layout copy (sparq_rt_qpack) of a constant weight's `data`,
/// and the config to call the kernels with; nullopt if `data` is not a
/// constant or its format has no packed layout.
std::optional<std::pair<Value, int64_t>>
packConstantData(OpBuilder &b, Location loc, Value data, int64_t k,
                 int64_t groups, int64_t config) {
  int bits = SPARQ_RT_Q_BITS(config);
  Attribute value;
  if (bits < 2 || bits > 8 || !matchPattern(data, m_Constant(&value)))
    return std::nullopt;
  auto type = cast<RankedTensorType>(data.getType());
  FailureOr<std::vector<uint8_t>> src = readByteConstant(value, type);
  if (failed(src))
    return std::nullopt;
  std::vector<char> dst(src->size());
  int64_t packed =
      sparq_rt_qpack(src->data(), reinterpret_cast<uint8_t *>(dst.data()),
                     type.getShape()[0], k, groups, config);
  // Widths other than 4 and 8 bits have a packed layout only when their
  // groups interleave (see sparq_rt_qpack): otherwise keep the constant.
  if (!(packed & SPARQ_RT_Q_PACKED))
    return std::nullopt;
  return std::make_pair(createConstant(b, loc, type, dst, "packed_weight"),
                        packed);
}

LogicalResult lowerQuantMatmul(OpBuilder &b, MatmulOp op, AssembleOp assemble,
                               bool actInt8, bool packWeights) {
  Location loc = op.getLoc();
  auto module = op->getParentOfType<ModuleOp>();
  auto wType = cast<CompressedType>(assemble.getResult().getType());
  QuantSpecAttr quant = wType.getQuant();
  int64_t k = wType.getShape()[1];

  // x: [..., K] -> [M, K].
  FailureOr<FlatRows> flat = flattenF32Input(b, op, wType);
  if (failed(flat))
    return failure();
  Value x2 = flat->x;
  RankedTensorType y2Type = flat->yType;

  Type scaleType = quant.getScaleType();
  Type i8 = b.getI8Type(), f32 = b.getF32Type();
  func::FuncOp callee = declareRuntimeFunction(
      module, scaleVariant("sparq_rt_qmatmul", scaleType),
      {{f32, 2}, {i8, 2}, {scaleType, 2}, {i8, 2}, {f32, 2}},
      /*numI64=*/2);

  int64_t config = codeConfig(quant, assemble);
  if (actInt8)
    config |= SPARQ_RT_Q_ACT_INT8;
  // The kernels' packed layout: given by the caller, or made here from a
  // constant (only for int8 activations: the exact f32 path decodes packed
  // codes one at a time).
  Value data = assemble.getData();
  const int64_t groups = quant.getScaleShape(wType.getShape())[1];
  if (SparqDialect::isPackedArgument(data)) {
    // What sparq_rt_qpack returns for this shape (PACKED, and PANELS for
    // long rows).
    config = sparq_rt_qpack_config(k, groups, config) | SPARQ_RT_Q_PACKED;
  } else if (actInt8 && packWeights) {
    if (auto packed = packConstantData(b, loc, data, k, groups, config)) {
      data = packed->first;
      config = packed->second;
    }
  }

  Value xm = asBuffer(b, loc, x2);
  Value dm = asBuffer(b, loc, data);
  Value sm = asBuffer(b, loc, assemble.getScales());
  Value zm = zeroPointsBuffer(b, loc, assemble);
  Value alloc = allocRowsOutput(b, loc, y2Type, x2);
  Value ym = memref::CastOp::create(b, loc, dynamicMemref(f32), alloc);

  func::CallOp::create(b, loc, callee,
                       ValueRange{xm, dm, sm, zm, ym, cI64(b, loc, k),
                                  cI64(b, loc, config)});
  replaceWithRowsResult(b, op, alloc, y2Type, assemble.getGlobalScale());
  return success();
}

bool lowerDenseMatmul(OpBuilder &b, linalg::MatmulOp op);

/// sparq.matmul with a reduction shorter than kMinInt8ActivationK: the weight
/// is dequantized (the reference decode, N*K elements per call) and the product
/// runs on the dense f32 kernel, with exact f32 activations.
LogicalResult lowerShortKMatmul(OpBuilder &b, MatmulOp op,
                                AssembleOp assemble) {
  Location loc = op.getLoc();
  auto wType = cast<CompressedType>(assemble.getResult().getType());
  int64_t n = wType.getShape()[0], k = wType.getShape()[1];
  FailureOr<FlatRows> flat = flattenF32Input(b, op, wType);
  if (failed(flat))
    return failure();
  RankedTensorType y2Type = flat->yType;
  Value wd = DequantizeOp::create(b, loc,
                                  RankedTensorType::get({n, k}, b.getF32Type()),
                                  assemble.getResult());
  SmallVector<Value> dims;
  if (y2Type.isDynamicDim(0))
    dims.push_back(tensor::DimOp::create(b, loc, flat->x, 0));
  Value empty = tensor::EmptyOp::create(b, loc, y2Type, dims);
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  Value init =
      linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{empty})
          .getResult(0);
  auto mm = linalg::MatmulOp::create(
      b, loc, TypeRange{y2Type}, ValueRange{flat->x, wd}, ValueRange{init},
      ArrayRef<NamedAttribute>{b.getNamedAttr(
          "indexing_maps",
          b.getAffineMapArrayAttr(getTransposedBMatmulMaps(b.getContext())))});
  Value y = unflattenRows(b, loc, mm.getResult(0), op.getInput(),
                          cast<RankedTensorType>(op.getResult().getType()));
  op.getResult().replaceAllUsesWith(y);
  op.erase();
  OpBuilder mb(mm);
  if (!lowerDenseMatmul(mb, mm))
    return mm.emitError() << "convert-sparq-to-runtime: internal error: the "
                             "dequantized matmul has no dense kernel";
  return success();
}

bool lowerDenseMatmul(OpBuilder &b, linalg::MatmulOp op) {
  if (!op.hasPureTensorSemantics())
    return false;
  bool transposedB = hasTransposedBMaps(op);
  if (op.hasUserDefinedMaps() && !transposedB)
    return false;
  Value x = op.getInputs()[0], w = op.getInputs()[1], init = op.getOutputs()[0];
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  auto yType = cast<RankedTensorType>(init.getType());
  Type we = wType.getElementType();
  if (!xType.getElementType().isF32() || !yType.getElementType().isF32() ||
      !(we.isF32() || we.isF16() || we.isBF16()))
    return false;
  Location loc = op.getLoc();
  auto module = op->getParentOfType<ModuleOp>();
  StringRef name = we.isF32()   ? "sparq_rt_matmul_f32"
                   : we.isF16() ? "sparq_rt_matmul_f16w"
                                : "sparq_rt_matmul_bf16w";
  Type f32 = b.getF32Type();
  func::FuncOp callee = declareRuntimeFunction(
      module, name, {{f32, 2}, {we, 2}, {f32, 2}, {f32, 2}}, 1);
  // A zero-filled accumulator is not read.
  bool accumulate = !isZeroFilled(init);
  Value xm = asBuffer(b, loc, x);
  Value wm = asBuffer(b, loc, w);
  if (transposedB) {
    // The runtime takes w as [K, N]: pass the [N, K] buffer as a transposed
    // view (strides [1, K]); the kernel reads rows of the stored [N, K].
    wm = memref::TransposeOp::create(
        b, loc, wm,
        AffineMapAttr::get(AffineMap::getPermutationMap(
            ArrayRef<unsigned>{1, 0}, b.getContext())));
  }
  Value alloc = allocOutput(b, loc, yType, dynamicDims(b, loc, init));
  Value ym = memref::CastOp::create(b, loc, dynamicMemref(f32), alloc);
  Value im = accumulate ? asBuffer(b, loc, init) : ym;
  func::CallOp::create(b, loc, callee,
                       ValueRange{xm, wm, im, ym, cI64(b, loc, accumulate)});
  op->getResult(0).replaceAllUsesWith(toTensor(b, loc, alloc, yType));
  op->erase();
  return true;
}

struct ConvertSparqToRuntimePass
    : public sparq::impl::ConvertSparqToRuntimeBase<ConvertSparqToRuntimePass> {
  using Base::Base;

  void runOnOperation() override {
    if (activations != "int8" && activations != "f32") {
      getOperation().emitError()
          << "convert-sparq-to-runtime: unknown activations '" << activations
          << "' (expected 'int8' or 'f32')";
      return signalPassFailure();
    }
    bool actInt8 = activations == "int8";
    SmallVector<MatmulOp> quantOps;
    SmallVector<linalg::MatmulOp> denseOps;
    getOperation().walk([&](Operation *op) {
      if (auto m = dyn_cast<MatmulOp>(op))
        quantOps.push_back(m);
      else if (auto m = dyn_cast<linalg::MatmulOp>(op))
        denseOps.push_back(m);
    });
    bool failedAny = false;
    for (MatmulOp op : quantOps) {
      auto assemble = op.getWeight().getDefiningOp<AssembleOp>();
      std::string reason = assemble ? unsupportedReason(assemble)
                                    : "the weight is not built by sparq.assemble";
      bool sparse =
          assemble &&
          cast<CompressedType>(assemble.getResult().getType()).getSparsity() !=
              nullptr;
      if (assemble && SparqDialect::isPackedArgument(assemble.getData()) &&
          (!reason.empty() || sparse)) {
        op.emitError() << "convert-sparq-to-runtime: a '"
                       << SparqDialect::kPackedAttrName
                       << "' weight must be a dense quantized format the "
                          "runtime lowers: "
                       << (sparse ? "the weight is sparse" : reason);
        failedAny = true;
        continue;
      }
      if (!reason.empty()) {
        if (remarks)
          op.emitRemark() << "left to the reference decode path: " << reason;
        continue;
      }
      OpBuilder b(op);
      int64_t k =
          cast<CompressedType>(assemble.getResult().getType()).getShape()[1];
      if (!sparse && actInt8 && k < kMinInt8ActivationK &&
          !SparqDialect::isPackedArgument(assemble.getData())) {
        if (remarks)
          op.emitRemark() << "K = " << k << " < " << kMinInt8ActivationK
                          << ": dequantized per call and run on the dense f32 "
                             "kernel (quantizing activations would cost more)";
        if (failed(lowerShortKMatmul(b, op, assemble))) {
          failedAny = true;
          continue;
        }
        ++numQuant;
        continue;
      }
      if (failed(sparse ? lowerSparseMatmul(b, op, assemble)
                        : lowerQuantMatmul(b, op, assemble, actInt8,
                                           packWeights))) {
        failedAny = true;
        continue;
      }
      ++(sparse ? numSparse : numQuant);
      if (assemble->use_empty())
        assemble->erase();
    }
    // The packed arguments are now passed with SPARQ_RT_Q_PACKED; the
    // attribute has served (and the LLVM lowering would copy it onto
    // pointer arguments).
    if (!failedAny)
      getOperation().walk([](FunctionOpInterface func) {
        for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
          func.removeArgAttr(i, SparqDialect::kPackedAttrName);
      });
    if (denseMatmul)
      for (linalg::MatmulOp op : denseOps) {
        OpBuilder b(op);
        if (lowerDenseMatmul(b, op))
          ++numDense;
      }
    if (failedAny)
      signalPassFailure();
  }
};

} // namespace
