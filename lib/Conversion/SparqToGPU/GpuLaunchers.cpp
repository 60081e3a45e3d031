//===- GpuLaunchers.cpp - Define the host launchers of Sparq's kernels ----===//
//
// convert-sparq-to-gpu leaves calls of private declarations carrying a
// `sparq.gpu_launch` attribute; after bufferization this pass gives them
// bodies: copy every operand but the last to a gpu.alloc'ed buffer, launch,
// copy the last (y) back, free, all on one async token chain ending in a
// gpu.wait, the form upstream gpu-to-llvm lowers to mgpu* calls.
//
//===----------------------------------------------------------------------===//

#include "sparq/Conversion/SparqToGPU/SparqToGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::sparq {
#define GEN_PASS_DEF_SPARQGPULAUNCHERS
#include "sparq/Conversion/Passes.h.inc"
} // namespace mlir::sparq

using namespace mlir;
using namespace mlir::sparq;

namespace {

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
  Location loc = func.getLoc();
  Block *entry = func.addEntryBlock();
  OpBuilder b = OpBuilder::atBlockBegin(entry);
  auto tokenType = gpu::AsyncTokenType::get(b.getContext());
  Value token =
      gpu::WaitOp::create(b, loc, tokenType, ValueRange{}).getAsyncToken();
  SmallVector<Value> device;
  unsigned last = func.getNumArguments() - 1;
  for (auto [i, host] : llvm::enumerate(func.getArguments())) {
    auto alloc = gpu::AllocOp::create(b, loc, cast<MemRefType>(host.getType()),
                                      tokenType, ValueRange{token},
                                      ValueRange{}, ValueRange{});
    token = alloc.getAsyncToken();
    if (i != last)
      token = gpu::MemcpyOp::create(b, loc, tokenType, ValueRange{token},
                                    alloc.getMemref(), host)
                  .getAsyncToken();
    device.push_back(alloc.getMemref());
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
  for (Value d : device)
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
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      auto launch = func->getAttrOfType<DictionaryAttr>("sparq.gpu_launch");
      if (!launch || !func.isExternal())
        continue;
      if (failed(defineLauncher(func, launch)))
        return signalPassFailure();
    }
  }
};

} // namespace
