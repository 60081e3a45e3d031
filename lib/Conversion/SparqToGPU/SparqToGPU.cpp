//===- SparqToGPU.cpp - Compressed matmuls as Sparq's own GPU kernels -----===//
//
// sparq.matmul on integer-quantized weights becomes a gpu.launch_func of a
// kernel built here (Kernels.cpp) in the module's `gpu.module
// @sparq_kernels`, specialized to the format and the static shapes. Host code
// is written on tensors: operands cross into memrefs with
// bufferization.to_buffer, are copied to gpu.alloc'ed device buffers and the
// result comes back through gpu.memcpy into a memref.alloc that becomes the
// result tensor (bufferization.to_tensor), which is what the upstream
// gpu-to-llvm lowering and one-shot bufferization expect.
//
//===----------------------------------------------------------------------===//

#include "sparq/Conversion/SparqToGPU/SparqToGPU.h"

#include "Kernels.h"
#include "sparq/Dialect/Sparq/IR/SparqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::sparq {
#define GEN_PASS_DEF_CONVERTSPARQTOGPU
#include "sparq/Conversion/Passes.h.inc"
} // namespace mlir::sparq

using namespace mlir;
using namespace mlir::sparq;
using namespace mlir::sparq::gpu_kernels;

namespace {

constexpr StringLiteral kKernelModule = "sparq_kernels";
constexpr StringLiteral kGpuLaunchAttr = "sparq.gpu_launch";

Value cIdx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// The kernel problem of `op`, or a reason why Sparq has no GPU kernel for
/// its format.
FailureOr<Problem> getProblem(MatmulOp op, AssembleOp assemble,
                              std::string &reason) {
  auto type = cast<CompressedType>(assemble.getResult().getType());
  QuantSpecAttr quant = type.getQuant();
  auto fail = [&](StringRef why) -> FailureOr<Problem> {
    reason = why.str();
    return failure();
  };
  if (type.getSparsity())
    return fail("sparse formats have no GPU kernel yet");
  if (!quant)
    return fail("the weight is not quantized");
  if (!quant.isIntegerStorage() ||
      (quant.getStorageBits() != 4 && quant.getStorageBits() != 8))
    return fail("only int4 and int8 storage have a GPU kernel");
  if (quant.getGlobalScaleType())
    return fail("two-level (global) scales have no GPU kernel");
  Type st = quant.getScaleType();
  if (!st.isF32() && !st.isF16() && !st.isBF16())
    return fail("only f32, f16 and bf16 scales have a GPU kernel");
  if (type.getRank() != 2 || !type.getElementType().isF32())
    return fail("the weight is not a rank-2 f32 matrix");
  auto xType = cast<RankedTensorType>(op.getInput().getType());
  if (!xType.hasStaticShape() || !xType.getElementType().isF32())
    return fail("the input is not a static f32 tensor");
  Problem p;
  p.bits = quant.getStorageBits();
  p.isSigned = quant.isSignedStorage();
  p.hasZeroPoints = quant.isAsymmetric();
  p.scaleType = st;
  p.n = type.getShape()[0];
  p.k = type.getShape()[1];
  p.m = xType.getNumElements() / p.k;
  SmallVector<int64_t> scaleShape = quant.getScaleShape(type.getShape());
  if (scaleShape[0] != 1 && scaleShape[0] != p.n)
    return fail("scale blocks span several output rows");
  p.perRowScales = scaleShape[0] == p.n;
  p.scaleBlockK = p.k / scaleShape[1];
  if (p.rowBytes() % kChunkBytes != 0)
    return fail("packed rows are not a multiple of 16 bytes (K must be a "
                "multiple of " +
                std::to_string(kChunkBytes * 8 / p.bits) + ")");
  if (p.scaleBlockK % p.chunkElems() != 0)
    return fail("scale groups smaller than one 16-byte load (" +
                std::to_string(p.chunkElems()) + " elements)");
  return p;
}

MemRefType memrefOf(Value tensor) {
  auto t = cast<RankedTensorType>(tensor.getType());
  return MemRefType::get(t.getShape(), t.getElementType());
}

Value toBuffer(OpBuilder &b, Location loc, Value t) {
  return bufferization::ToBufferOp::create(b, loc, memrefOf(t), t,
                                           /*read_only=*/true);
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

gpu::GPUModuleOp getKernelModule(ModuleOp module) {
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                  UnitAttr::get(module.getContext()));
  if (auto m = module.lookupSymbol<gpu::GPUModuleOp>(kKernelModule))
    return m;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  return gpu::GPUModuleOp::create(b, module.getLoc(), kKernelModule);
}

/// Creates (once per name) the kernel for `p`; `types` are the operand
/// memref types in order x, data, scales, [zero points], y.
gpu::GPUFuncOp getKernel(gpu::GPUModuleOp kernels, const Problem &p, bool gemm,
                         TypeRange types, Location loc) {
  std::string name = (gemm ? "sparq_gemm_" : "sparq_gemv_") + p.formatName() +
                     "_" + std::to_string(p.m) + "x" + std::to_string(p.n) +
                     "x" + std::to_string(p.k);
  if (auto f = kernels.lookupSymbol<gpu::GPUFuncOp>(name))
    return f;
  OpBuilder b = OpBuilder::atBlockEnd(kernels.getBody());
  MLIRContext *ctx = b.getContext();
  Value xs, ws;
  SmallVector<memref::GlobalOp> tiles;
  if (gemm) {
    // Shared tiles as 16-byte aligned workgroup globals (workgroup
    // attributions are only 4-byte aligned), so tile reads are 16-byte
    // ld.shared.v4 / ds_read_b128.
    auto tileType = MemRefType::get(
        {kTileK, kTileM}, b.getF32Type(), AffineMap(),
        gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup));
    for (StringRef suffix : {"_xs", "_ws"})
      tiles.push_back(memref::GlobalOp::create(
          b, loc, name + suffix.str(), b.getStringAttr("private"), tileType,
          Attribute(), /*constant=*/false, b.getI64IntegerAttr(16)));
  }
  auto func =
      gpu::GPUFuncOp::create(b, loc, name, b.getFunctionType(types, {}));
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  int32_t threads = gemm ? kGemmThreads : kGemvWarps * kWarp;
  func.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr({threads, 1, 1}));
  Block &body = func.getBody().front();
  b.setInsertionPointToStart(&body);
  Operands ops;
  unsigned i = 0;
  ops.x = body.getArgument(i++);
  ops.data = body.getArgument(i++);
  ops.scales = body.getArgument(i++);
  if (p.hasZeroPoints)
    ops.zeroPoints = body.getArgument(i++);
  ops.y = body.getArgument(i++);
  EmitOptions opt;
  Value tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  Value bx = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
  Value by = gpu::BlockIdOp::create(b, loc, gpu::Dimension::y);
  auto mulC = [&](Value v, int64_t c) -> Value {
    return arith::MulIOp::create(b, loc, v, cIdx(b, loc, c));
  };
  if (!gemm) {
    Value warp = arith::DivUIOp::create(b, loc, tid, cIdx(b, loc, kWarp));
    Value lane = arith::RemUIOp::create(b, loc, tid, cIdx(b, loc, kWarp));
    Value n = arith::AddIOp::create(b, loc, mulC(bx, kGemvWarps), warp);
    Value mBase = mulC(by, kGemvRows);
    // Warp-uniform: the whole warp skips a row past N.
    auto inRange = scf::IfOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, n,
                              cIdx(b, loc, p.n)));
    b.setInsertionPointToStart(inRange.thenBlock());
    SmallVector<Value> sums =
        emitGemvLanePartials(b, loc, p, ops, opt, n, lane, mBase);
    for (Value &s : sums)
      for (int32_t off = kWarp / 2; off >= 1; off /= 2) {
        auto sh = gpu::ShuffleOp::create(b, loc, s, off, kWarp,
                                         gpu::ShuffleMode::XOR);
        s = arith::AddFOp::create(b, loc, s, sh.getShuffleResult());
      }
    auto lane0 = scf::IfOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane,
                              cIdx(b, loc, 0)));
    b.setInsertionPointToStart(lane0.thenBlock());
    emitGemvStore(b, loc, p, ops, n, mBase, sums);
    b.setInsertionPointToEnd(&body);
  } else {
    xs = memref::GetGlobalOp::create(b, loc, tiles[0].getType(),
                                     tiles[0].getSymName());
    ws = memref::GetGlobalOp::create(b, loc, tiles[1].getType(),
                                     tiles[1].getSymName());
    Value n0 = mulC(bx, kTileN), m0 = mulC(by, kTileM);
    auto f4 = VectorType::get({4}, b.getF32Type());
    Value zero = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(f4, b.getF32FloatAttr(0.0f)));
    auto loop =
        scf::ForOp::create(b, loc, cIdx(b, loc, 0), cIdx(b, loc, p.k),
                           cIdx(b, loc, kTileK), SmallVector<Value>(4, zero));
    b.setInsertionPointToStart(loop.getBody());
    emitGemmLoadTile(b, loc, p, ops, opt, tid, m0, n0, loop.getInductionVar(),
                     xs, ws);
    gpu::BarrierOp::create(b, loc);
    SmallVector<Value> accs =
        emitGemmCompute(b, loc, opt, tid, xs, ws, loop.getRegionIterArgs());
    gpu::BarrierOp::create(b, loc);
    scf::YieldOp::create(b, loc, accs);
    b.setInsertionPointAfter(loop);
    emitGemmStore(b, loc, p, ops, tid, m0, n0, loop.getResults());
  }
  gpu::ReturnOp::create(b, loc);
  return func;
}

/// Launch configuration (documented in Passes.td): GEMV one warp per output
/// feature, 4 warps per block, grid (ceil(N/4), ceil(M/4)); GEMM 64x64
/// output tiles, 256 threads, grid (ceil(N/64), ceil(M/64)).
std::pair<std::array<int64_t, 2>, int64_t> launchConfig(const Problem &p,
                                                        bool gemm) {
  if (gemm)
    return {{llvm::divideCeilSigned(p.n, kTileN),
             llvm::divideCeilSigned(p.m, kTileM)},
            kGemmThreads};
  return {{llvm::divideCeilSigned(p.n, kGemvWarps),
           llvm::divideCeilSigned(p.m, kGemvRows)},
          kGemvWarps * kWarp};
}

/// Device path: a call of the private launcher declaration
/// `@<kernel>_launch(x, data, scales, [zero points], y)` whose
/// `sparq.gpu_launch` attribute names the kernel and its launch
/// configuration; `sparq-gpu-launchers` defines it after bufferization
/// (the buffer deallocation pipeline does not accept gpu.wait or
/// gpu.launch_func).
void emitLaunch(OpBuilder &b, Location loc, ModuleOp module, const Problem &p,
                bool gemm, ArrayRef<Value> hostOperands, Value hostY) {
  SmallVector<Value> operands(hostOperands.begin(), hostOperands.end());
  operands.push_back(hostY);
  TypeRange types = ValueRange(operands).getTypes();
  gpu::GPUFuncOp kernel =
      getKernel(getKernelModule(module), p, gemm, types, loc);
  std::string name = (kernel.getName() + "_launch").str();
  auto launcher = module.lookupSymbol<func::FuncOp>(name);
  if (!launcher) {
    OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
    launcher =
        func::FuncOp::create(mb, loc, name, mb.getFunctionType(types, {}));
    launcher.setPrivate();
    auto [grid, threads] = launchConfig(p, gemm);
    launcher->setAttr(
        kGpuLaunchAttr,
        mb.getDictionaryAttr({
            mb.getNamedAttr(
                "kernel", SymbolRefAttr::get(mb.getStringAttr(kKernelModule),
                                             {FlatSymbolRefAttr::get(kernel)})),
            mb.getNamedAttr("grid",
                            mb.getDenseI64ArrayAttr({grid[0], grid[1], 1})),
            mb.getNamedAttr("block", mb.getDenseI64ArrayAttr({threads, 1, 1})),
        }));
  }
  func::CallOp::create(b, loc, launcher, operands);
}

/// Host reference path: the same phase emitters in scf.for nests over block
/// and thread ids, gpu.shuffle's butterfly replayed on a host buffer in the
/// same order, gpu.barrier implied by running phases one after the other.
void emitHostReference(OpBuilder &b, Location loc, const Problem &p, bool gemm,
                       const Operands &ops) {
  EmitOptions opt;
  opt.alignedLoads = false;
  std::array<int64_t, 2> grid = launchConfig(p, gemm).first;
  Value c0 = cIdx(b, loc, 0), c1 = cIdx(b, loc, 1);
  auto forLoop = [&](int64_t ub, function_ref<void(Value)> body) {
    auto loop = scf::ForOp::create(b, loc, c0, cIdx(b, loc, ub), c1);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    body(loop.getInductionVar());
  };
  Type f32 = b.getF32Type();
  if (!gemm) {
    int64_t rows = std::min(kGemvRows, p.m);
    auto scratchType = MemRefType::get({kWarp, rows}, f32);
    Value lanes = memref::AllocaOp::create(b, loc, scratchType);
    Value tmp = memref::AllocaOp::create(b, loc, scratchType);
    forLoop(grid[1], [&](Value by) {
      Value mBase = arith::MulIOp::create(b, loc, by, cIdx(b, loc, kGemvRows));
      forLoop(grid[0], [&](Value bx) {
        forLoop(kGemvWarps, [&](Value warp) {
          Value n = arith::AddIOp::create(
              b, loc,
              arith::MulIOp::create(b, loc, bx, cIdx(b, loc, kGemvWarps)),
              warp);
          auto inRange = scf::IfOp::create(
              b, loc,
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, n,
                                    cIdx(b, loc, p.n)));
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(inRange.thenBlock());
          forLoop(kWarp, [&](Value lane) {
            SmallVector<Value> part =
                emitGemvLanePartials(b, loc, p, ops, opt, n, lane, mBase);
            for (int64_t i = 0; i < rows; ++i)
              memref::StoreOp::create(b, loc, part[i], lanes,
                                      ValueRange{lane, cIdx(b, loc, i)});
          });
          for (int64_t off = kWarp / 2; off >= 1; off /= 2) {
            forLoop(kWarp, [&](Value lane) {
              Value other =
                  arith::XOrIOp::create(b, loc, lane, cIdx(b, loc, off));
              for (int64_t i = 0; i < rows; ++i) {
                Value ci = cIdx(b, loc, i);
                Value a =
                    memref::LoadOp::create(b, loc, lanes, ValueRange{lane, ci});
                Value o = memref::LoadOp::create(b, loc, lanes,
                                                 ValueRange{other, ci});
                memref::StoreOp::create(b, loc,
                                        arith::AddFOp::create(b, loc, a, o),
                                        tmp, ValueRange{lane, ci});
              }
            });
            memref::CopyOp::create(b, loc, tmp, lanes);
          }
          SmallVector<Value> sums;
          for (int64_t i = 0; i < rows; ++i)
            sums.push_back(memref::LoadOp::create(
                b, loc, lanes, ValueRange{c0, cIdx(b, loc, i)}));
          emitGemvStore(b, loc, p, ops, n, mBase, sums);
        });
      });
    });
    return;
  }
  auto tileType = MemRefType::get({kTileK, kTileM}, f32);
  Value xs = memref::AllocaOp::create(b, loc, tileType);
  Value ws = memref::AllocaOp::create(b, loc, tileType);
  Value accBuf = memref::AllocaOp::create(
      b, loc, MemRefType::get({kGemmThreads, 16}, f32));
  auto f4 = VectorType::get({4}, f32);
  auto loadAccs = [&](Value tid) {
    SmallVector<Value> accs;
    for (int64_t i = 0; i < 4; ++i)
      accs.push_back(vector::LoadOp::create(
          b, loc, f4, accBuf, ValueRange{tid, cIdx(b, loc, 4 * i)}));
    return accs;
  };
  auto storeAccs = [&](Value tid, ValueRange accs) {
    for (int64_t i = 0; i < 4; ++i)
      vector::StoreOp::create(b, loc, accs[i], accBuf,
                              ValueRange{tid, cIdx(b, loc, 4 * i)});
  };
  Value zero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(f4, b.getF32FloatAttr(0.0f)));
  forLoop(grid[1], [&](Value by) {
    Value m0 = arith::MulIOp::create(b, loc, by, cIdx(b, loc, kTileM));
    forLoop(grid[0], [&](Value bx) {
      Value n0 = arith::MulIOp::create(b, loc, bx, cIdx(b, loc, kTileN));
      forLoop(kGemmThreads,
              [&](Value tid) { storeAccs(tid, SmallVector<Value>(4, zero)); });
      auto kLoop = scf::ForOp::create(b, loc, c0, cIdx(b, loc, p.k),
                                      cIdx(b, loc, kTileK));
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(kLoop.getBody());
        Value k0 = kLoop.getInductionVar();
        forLoop(kGemmThreads, [&](Value tid) {
          emitGemmLoadTile(b, loc, p, ops, opt, tid, m0, n0, k0, xs, ws);
        });
        forLoop(kGemmThreads, [&](Value tid) {
          storeAccs(tid,
                    emitGemmCompute(b, loc, opt, tid, xs, ws, loadAccs(tid)));
        });
      }
      forLoop(kGemmThreads, [&](Value tid) {
        emitGemmStore(b, loc, p, ops, tid, m0, n0, loadAccs(tid));
      });
    });
  });
}

/// Rewrites one matmul; x is reshaped to [M, K] and y back to the result
/// shape.
void lowerMatmul(MatmulOp op, AssembleOp assemble, const Problem &p, bool gemm,
                 bool hostReference) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto module = op->getParentOfType<ModuleOp>();
  Value x = op.getInput();
  auto xType = cast<RankedTensorType>(x.getType());
  auto x2Type = RankedTensorType::get({p.m, p.k}, b.getF32Type());
  auto resultType = cast<RankedTensorType>(op.getResult().getType());
  auto y2Type = RankedTensorType::get({p.m, p.n}, b.getF32Type());
  // Static shapes: every reshape is a reassociation of all leading dims.
  auto collapseAll = [&](int64_t rank) {
    ReassociationIndices lead;
    for (int64_t i = 0; i < rank - 1; ++i)
      lead.push_back(i);
    return SmallVector<ReassociationIndices>{lead, {rank - 1}};
  };
  Value x2 = x;
  if (xType.getRank() == 1)
    x2 = tensor::ExpandShapeOp::create(
        b, loc, x2Type, x, SmallVector<ReassociationIndices>{{0, 1}});
  else if (xType.getRank() > 2)
    x2 = tensor::CollapseShapeOp::create(b, loc, x,
                                         collapseAll(xType.getRank()));

  SmallVector<Value> host = {toBuffer(b, loc, x2),
                             toBuffer(b, loc, assemble.getData()),
                             toBuffer(b, loc, assemble.getScales())};
  if (p.hasZeroPoints)
    host.push_back(toBuffer(b, loc, assemble.getZeroPoints()));
  auto yType = MemRefType::get({p.m, p.n}, b.getF32Type());
  Value hostY = memref::AllocOp::create(b, loc, yType, ValueRange{},
                                        b.getI64IntegerAttr(64));
  if (hostReference) {
    Operands ops{host[0], host[1], host[2], p.hasZeroPoints ? host[3] : Value(),
                 hostY};
    emitHostReference(b, loc, p, gemm, ops);
  } else {
    emitLaunch(b, loc, module, p, gemm, host, hostY);
  }
  Value y = bufferization::ToTensorOp::create(b, loc, y2Type, hostY,
                                              /*restrict=*/true,
                                              /*writable=*/true);
  if (resultType.getRank() == 1)
    y = tensor::CollapseShapeOp::create(
        b, loc, resultType, y, SmallVector<ReassociationIndices>{{0, 1}});
  else if (resultType.getRank() > 2)
    y = tensor::ExpandShapeOp::create(b, loc, resultType, y,
                                      collapseAll(resultType.getRank()));
  op.getResult().replaceAllUsesWith(y);
  op.erase();
}

struct ConvertSparqToGPUPass
    : public sparq::impl::ConvertSparqToGPUBase<ConvertSparqToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<MatmulOp> ops;
    getOperation().walk([&](MatmulOp op) { ops.push_back(op); });
    for (MatmulOp op : ops) {
      auto assemble = op.getWeight().getDefiningOp<AssembleOp>();
      std::string reason = "the weight is not built by sparq.assemble";
      FailureOr<Problem> p = failure();
      if (assemble && SparqDialect::isPackedArgument(assemble.getData()))
        reason = "the data is 'sparq.packed' (the CPU runtime's layout)";
      else if (assemble)
        p = getProblem(op, assemble, reason);
      if (failed(p)) {
        if (remarks)
          op.emitRemark() << "left to the reference decode path: " << reason;
        continue;
      }
      bool gemm = p->useGemm(gemmMinRows);
      lowerMatmul(op, assemble, *p, gemm, hostReference);
      ++(gemm ? numGemm : numGemv);
      if (assemble->use_empty())
        assemble->erase();
    }
  }
};

} // namespace
