//===- ModelABI.cpp - The C ABI of compiled models ------------------------===//
//
// `sparq_model_run_impl` is written at the tensor level (one memref per
// input and output) so that the lowering pipeline bufferizes and lowers it
// like the model; `sparq_model_run` then only unpacks pointers and calls it
// with row-major descriptors, in the LLVM dialect, after lowering.
//
//===----------------------------------------------------------------------===//

#include "sparq/Target/CPU/ModelABI.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/JSON.h"

using namespace mlir;
using namespace mlir::sparq;

static constexpr StringLiteral kRunImpl = "sparq_model_run_impl";
static constexpr StringLiteral kRun = "sparq_model_run";
static constexpr StringLiteral kSignature = "sparq_model_signature";
static constexpr StringLiteral kSignatureText = "sparq_model_signature_text";
static constexpr StringLiteral kAbiVersion = "sparq_model_abi_version";
static constexpr int kAbiVersionNumber = 1;

/// numpy's dtype name and byte size of a supported element type.
static std::optional<std::pair<StringRef, int64_t>> dtypeOf(Type type) {
  if (type.isF32())
    return std::pair(StringRef("float32"), int64_t(4));
  if (type.isF64())
    return std::pair(StringRef("float64"), int64_t(8));
  if (type.isF16())
    return std::pair(StringRef("float16"), int64_t(2));
  if (type.isInteger(64))
    return std::pair(StringRef("int64"), int64_t(8));
  if (type.isInteger(32))
    return std::pair(StringRef("int32"), int64_t(4));
  if (type.isInteger(8))
    return std::pair(StringRef("int8"), int64_t(1));
  // 8-bit floats (e.g. E8M0 / E4M3 scales) travel as their raw codes.
  if (auto f = dyn_cast<FloatType>(type); f && f.getWidth() == 8)
    return std::pair(StringRef("uint8"), int64_t(1));
  return std::nullopt;
}

std::string ModelSignature::toJSON() const {
  auto tensors = [](ArrayRef<ModelTensor> list) {
    llvm::json::Array out;
    for (const ModelTensor &t : list)
      out.push_back(llvm::json::Object{{"name", t.name},
                                       {"shape", llvm::json::Array(t.shape)},
                                       {"dtype", t.dtype}});
    return out;
  };
  llvm::json::Object root{{"abi_version", kAbiVersionNumber},
                          {"entry", entry},
                          {"inputs", tensors(inputs)},
                          {"outputs", tensors(outputs)}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::json::Value(std::move(root));
  return text;
}

/// Describes one input/output type, or emits why it is not supported.
static FailureOr<ModelTensor> describe(func::FuncOp func, Type type,
                                       StringRef kind, unsigned index,
                                       StringAttr name) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || tensor.getEncoding())
    return func.emitError()
           << "model " << kind << " " << index << " has type " << type
           << "; compiled models take and return dense "
              "ranked tensors";
  if (!tensor.hasStaticShape())
    return func.emitError()
           << "model " << kind << " " << index << " has type " << type
           << " with a dynamic dimension; compiled models "
              "need static shapes (fix the shape in the "
              "model, e.g. batch 1)";
  auto dtype = dtypeOf(tensor.getElementType());
  if (!dtype)
    return func.emitError()
           << "model " << kind << " " << index << " has element type "
           << tensor.getElementType()
           << "; supported: f32, f64, f16, i64, i32, i8, 8-bit floats (as "
              "raw uint8 codes)";
  ModelTensor t;
  t.name = name ? name.str() : (kind + Twine(index)).str();
  t.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  t.dtype = dtype->first.str();
  t.elementBytes = dtype->second;
  return t;
}

FailureOr<ModelSignature> mlir::sparq::addModelABI(ModuleOp module,
                                                   StringRef entry) {
  MLIRContext *ctx = module.getContext();
  ctx->loadDialect<bufferization::BufferizationDialect, memref::MemRefDialect,
                   func::FuncDialect>();
  auto func = module.lookupSymbol<func::FuncOp>(entry);
  if (!func || func.isExternal())
    return module.emitError() << "the model has no function @" << entry
                              << " with a body (choose one with --entry)";
  if (!func.isPublic())
    return func.emitError() << "entry function @" << entry << " must be public";
  for (StringRef reserved :
       {kRunImpl, kRun, kSignature, kSignatureText, kAbiVersion})
    if (SymbolTable::lookupSymbolIn(module, reserved))
      return module.emitError() << "the model already defines @" << reserved
                                << ", a name reserved for the model ABI";

  ModelSignature sig;
  sig.entry = entry.str();
  FunctionType type = func.getFunctionType();
  for (auto [i, t] : llvm::enumerate(type.getInputs())) {
    auto name = func.getArgAttrOfType<StringAttr>(i, "sparq.name");
    FailureOr<ModelTensor> d = describe(func, t, "input", i, name);
    if (failed(d))
      return failure();
    sig.inputs.push_back(*d);
  }
  for (auto [i, t] : llvm::enumerate(type.getResults())) {
    auto name = func.getResultAttrOfType<StringAttr>(i, "sparq.name");
    FailureOr<ModelTensor> d = describe(func, t, "output", i, name);
    if (failed(d))
      return failure();
    sig.outputs.push_back(*d);
  }
  if (sig.outputs.empty())
    return func.emitError()
           << "entry function @" << entry << " returns nothing";

  func->setAttr("llvm.emit_c_interface", UnitAttr::get(ctx));

  // func.func @sparq_model_run_impl(%in..: memref, %out..: memref) {
  //   %t = bufferization.to_tensor %in restrict
  //   %r = call @entry(%t..)
  //   bufferization.materialize_in_destination %r in restrict writable %out
  // }
  SmallVector<Type> argTypes;
  for (Type t : llvm::concat<const Type>(type.getInputs(), type.getResults())) {
    auto tensor = cast<RankedTensorType>(t);
    argTypes.push_back(
        MemRefType::get(tensor.getShape(), tensor.getElementType()));
  }
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Location loc = func.getLoc();
  auto impl =
      func::FuncOp::create(b, loc, kRunImpl, b.getFunctionType(argTypes, {}));
  Block *body = impl.addEntryBlock();
  b.setInsertionPointToStart(body);
  SmallVector<Value> inputs;
  for (auto [i, t] : llvm::enumerate(type.getInputs()))
    inputs.push_back(bufferization::ToTensorOp::create(
        b, loc, t, body->getArgument(i), /*restrict=*/true,
        /*writable=*/false));
  auto call = func::CallOp::create(b, loc, func, inputs);
  for (auto [j, r] : llvm::enumerate(call.getResults()))
    bufferization::MaterializeInDestinationOp::create(
        b, loc, /*result=*/Type(), r,
        body->getArgument(type.getNumInputs() + j), /*restrict=*/true,
        /*writable=*/true);
  func::ReturnOp::create(b, loc);
  return sig;
}

LogicalResult mlir::sparq::finalizeModelABI(ModuleOp module,
                                            const ModelSignature &sig) {
  MLIRContext *ctx = module.getContext();
  auto impl = module.lookupSymbol<LLVM::LLVMFuncOp>(kRunImpl);
  if (!impl)
    return module.emitError()
           << "the lowering pipeline did not produce "
              "llvm.func @"
           << kRunImpl << " (does it lower func to the LLVM dialect?)";
  Location loc = impl.getLoc();
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  auto i64 = b.getI64Type();
  auto i32 = b.getI32Type();

  // Memref arguments are either expanded descriptors (allocated, aligned,
  // offset, sizes, strides) or bare pointers, depending on the pipeline.
  SmallVector<const ModelTensor *> tensors;
  for (const ModelTensor &t : sig.inputs)
    tensors.push_back(&t);
  for (const ModelTensor &t : sig.outputs)
    tensors.push_back(&t);
  unsigned expanded = 0;
  for (const ModelTensor *t : tensors)
    expanded += 3 + 2 * t->shape.size();
  unsigned numParams = impl.getFunctionType().getNumParams();
  bool barePointers = numParams == tensors.size();
  if (!barePointers && numParams != expanded)
    return impl.emitError() << "unexpected lowered signature of @" << kRunImpl
                            << ": " << impl.getFunctionType();

  // int32_t sparq_model_run(void **inputs, void **outputs)
  auto run = LLVM::LLVMFuncOp::create(
      b, loc, kRun, LLVM::LLVMFunctionType::get(i32, {ptrType, ptrType}));
  Block *body = run.addEntryBlock(b);
  b.setInsertionPointToStart(body);
  SmallVector<Value> args;
  auto constant = [&](int64_t v) -> Value {
    return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v));
  };
  Value zero = constant(0);
  for (auto [k, t] : llvm::enumerate(tensors)) {
    bool isInput = k < sig.inputs.size();
    int64_t index = isInput ? k : k - sig.inputs.size();
    Value array = body->getArgument(isInput ? 0 : 1);
    Value slot = LLVM::GEPOp::create(b, loc, ptrType, ptrType, array,
                                     ArrayRef<LLVM::GEPArg>{int32_t(index)});
    Value ptr = LLVM::LoadOp::create(b, loc, ptrType, slot);
    if (barePointers) {
      args.push_back(ptr);
      continue;
    }
    args.append({ptr, ptr, zero});
    for (int64_t d : t->shape)
      args.push_back(constant(d));
    int64_t stride = 1;
    SmallVector<Value> strides(t->shape.size());
    for (int64_t d = t->shape.size() - 1; d >= 0; --d) {
      strides[d] = constant(stride);
      stride *= t->shape[d];
    }
    args.append(strides.begin(), strides.end());
  }
  LLVM::CallOp::create(b, loc, impl, args);
  LLVM::ReturnOp::create(
      b, loc, LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(0)));

  // const char *sparq_model_signature(void)
  b.setInsertionPointToEnd(module.getBody());
  std::string text = sig.toJSON();
  text.push_back('\0');
  auto arrayType = LLVM::LLVMArrayType::get(b.getI8Type(), text.size());
  LLVM::GlobalOp::create(b, loc, arrayType, /*isConstant=*/true,
                         LLVM::Linkage::Internal, kSignatureText,
                         b.getStringAttr(text));
  auto signature = LLVM::LLVMFuncOp::create(
      b, loc, kSignature, LLVM::LLVMFunctionType::get(ptrType, {}));
  b.setInsertionPointToStart(signature.addEntryBlock(b));
  Value address = LLVM::AddressOfOp::create(b, loc, ptrType, kSignatureText);
  LLVM::ReturnOp::create(b, loc, address);

  // int32_t sparq_model_abi_version(void)
  b.setInsertionPointToEnd(module.getBody());
  auto version = LLVM::LLVMFuncOp::create(b, loc, kAbiVersion,
                                          LLVM::LLVMFunctionType::get(i32, {}));
  b.setInsertionPointToStart(version.addEntryBlock(b));
  LLVM::ReturnOp::create(
      b, loc,
      LLVM::ConstantOp::create(b, loc, i32,
                               b.getI32IntegerAttr(kAbiVersionNumber)));
  return success();
}
