//===- GpuLaunchers.cpp - Define the host launchers of Sparq's kernels ----===//
//
// convert-sparq-to-gpu leaves calls of private declarations carrying a
// `sparq.gpu_launch` attribute; after bufferization this pass gives them
// bodies: copy every operand but the last to a gpu.alloc'ed buffer, launch,
// copy the last (y) back, free, all on one async token chain ending in a
// gpu.wait, the form upstream gpu-to-llvm lowers to mgpu* calls. Operands
// listed in `resident` (constant weights) are instead looked up with
// sparq_gpu_resident_<type>, which uploads a host buffer once per address.
//
//===----------------------------------------------------------------------===//

#include "sparq/Conversion/SparqToGPU/SparqToGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::sparq {
#define GEN_PASS_DEF_SPARQGPULAUNCHERS
#include "sparq/Conversion/Passes.h.inc"
} // namespace mlir::sparq

using namespace mlir;
using namespace mlir::sparq;

namespace {

/// The runtime function returning the device copy of a constant host buffer
/// of `type` (rank 2, element i8, f16, bf16, f32, f8E8M0FNU or f8E4M3FN
/// scales), declared once per
/// element type with a dynamic shape, or null for other types.
func::FuncOp getResidentFn(ModuleOp module, MemRefType type) {
  Type e = type.getElementType();
  StringRef suffix = e.isInteger(8)              ? "i8"
                     : e.isF16()                 ? "f16"
                     : e.isBF16()                ? "bf16"
                     : e.isF32()                 ? "f32"
                     : isa<Float8E8M0FNUType>(e) ? "f8e8m0"
                     : isa<Float8E4M3FNType>(e)  ? "f8e4m3"
                                                 : "";
  if (suffix.empty() || type.getRank() != 2)
    return nullptr;
  std::string name = ("sparq_gpu_resident_" + suffix).str();
  if (auto f = module.lookupSymbol<func::FuncOp>(name))
    return f;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto dyn = MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, e);
  auto f = func::FuncOp::create(b, module.getLoc(), name,
                                b.getFunctionType({dyn}, {dyn}));
  f.setPrivate();
  // Called as _mlir_ciface_<name>(result descriptor*, host descriptor*).
  f->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  return f;
}

LogicalResult defineLauncher(func::FuncOp func, DictionaryAttr launch) {
  auto kernelRef = dyn_cast_or_null<SymbolRefAttr>(launch.get("kernel"));
  auto grid = dyn_cast_or_null<DenseI64ArrayAttr>(launch.get("grid"));
  auto block = dyn_cast_or_null<DenseI64ArrayAttr>(launch.get("block"));
  if (!kernelRef || !grid || !block || grid.size() != 3 || block.size() != 3)
    return func.emitError() << "sparq.gpu_launch needs kernel, grid (3) and "
                               "block (3)";
  auto kernel =
      SymbolTable::lookupNearestSymbolFrom<gpu::GPUFuncOp>(func, kernelRef);
  if (!kernel)
    return func.emitError()
           << "sparq.gpu_launch names no gpu.func: " << kernelRef;
  if (func.getNumArguments() == 0 ||
      kernel.getFunctionType().getInputs() != func.getArgumentTypes() ||
      !llvm::all_of(func.getArgumentTypes(), [](Type t) {
        auto m = dyn_cast<MemRefType>(t);
        return m && m.hasStaticShape() && m.getLayout().isIdentity();
      }))
    return func.emitError() << "launcher arguments must be the kernel's "
                               "static identity-layout memrefs";
  unsigned last = func.getNumArguments() - 1;
  llvm::SmallDenseSet<int64_t> resident;
  if (Attribute r = launch.get("resident")) {
    auto list = dyn_cast<DenseI64ArrayAttr>(r);
    if (!list)
      return func.emitError() << "sparq.gpu_launch resident must be an "
                                 "array<i64> of operand indices";
    for (int64_t i : list.asArrayRef()) {
      if (i < 0 || i >= static_cast<int64_t>(last))
        return func.emitError()
               << "sparq.gpu_launch resident operand " << i
               << " is not an input (expected 0.." << last - 1 << ")";
      auto type = cast<MemRefType>(func.getArgumentTypes()[i]);
      if (!getResidentFn(func->getParentOfType<ModuleOp>(), type))
        return func.emitError()
               << "sparq.gpu_launch resident operand " << i << " has type "
               << type
               << " (expected rank 2 of i8, f16, bf16, f32, f8E8M0FNU or "
                  "f8E4M3FN)";
      resident.insert(i);
    }
  }
  Location loc = func.getLoc();
  Block *entry = func.addEntryBlock();
  OpBuilder b = OpBuilder::atBlockBegin(entry);
  auto tokenType = gpu::AsyncTokenType::get(b.getContext());
  Value token =
      gpu::WaitOp::create(b, loc, tokenType, ValueRange{}).getAsyncToken();
  SmallVector<Value> device, allocated;
  for (auto [i, host] : llvm::enumerate(func.getArguments())) {
    auto type = cast<MemRefType>(host.getType());
    if (resident.contains(i)) {
      func::FuncOp fn = getResidentFn(func->getParentOfType<ModuleOp>(), type);
      Type dyn = fn.getArgumentTypes()[0];
      Value arg = memref::CastOp::create(b, loc, dyn, host);
      Value dev = func::CallOp::create(b, loc, fn, arg).getResult(0);
      device.push_back(memref::CastOp::create(b, loc, type, dev));
      continue;
    }
    auto alloc = gpu::AllocOp::create(b, loc, cast<MemRefType>(host.getType()),
                                      tokenType, ValueRange{token},
                                      ValueRange{}, ValueRange{});
    token = alloc.getAsyncToken();
    if (i != last)
      token = gpu::MemcpyOp::create(b, loc, tokenType, ValueRange{token},
                                    alloc.getMemref(), host)
                  .getAsyncToken();
    device.push_back(alloc.getMemref());
    allocated.push_back(alloc.getMemref());
  }
  auto dim3 = [&](DenseI64ArrayAttr a) {
    return gpu::KernelDim3{arith::ConstantIndexOp::create(b, loc, a[0]),
                           arith::ConstantIndexOp::create(b, loc, a[1]),
                           arith::ConstantIndexOp::create(b, loc, a[2])};
  };
  token = gpu::LaunchFuncOp::create(b, loc, kernel, dim3(grid), dim3(block),
                                    /*dynamicSharedMemorySize=*/Value(), device,
                                    tokenType, ValueRange{token})
              .getAsyncToken();
  token = gpu::MemcpyOp::create(b, loc, tokenType, ValueRange{token},
                                func.getArgument(last), device[last])
              .getAsyncToken();
  for (Value d : allocated)
    token = gpu::DeallocOp::create(b, loc, tokenType, ValueRange{token}, d)
                .getAsyncToken();
  gpu::WaitOp::create(b, loc, Type(), ValueRange{token});
  func::ReturnOp::create(b, loc);
  func->removeAttr("sparq.gpu_launch");
  return success();
}

struct SparqGpuLaunchersPass
    : public sparq::impl::SparqGpuLaunchersBase<SparqGpuLaunchersPass> {
  using Base::Base;
  void runOnOperation() override {
    for (auto func : llvm::to_vector(getOperation().getOps<func::FuncOp>())) {
      auto launch = func->getAttrOfType<DictionaryAttr>("sparq.gpu_launch");
      if (!launch || !func.isExternal())
        continue;
      if (failed(defineLauncher(func, launch)))
        return signalPassFailure();
    }
  }
};

} // namespace
