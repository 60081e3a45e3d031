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
#include "sparq/Dialect/Sparq/Utils/Matmul.h"

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
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

/// The kernel a matmul gets: GEMV, SIMT tiled GEMM, tensor-core GEMM or
/// GEMV on int8 tensor cores.
enum class Kernel { Gemv, Gemm, Mma, GemvMma, Mfma, Mma8, NmGemv, MmaSp };

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
  Type storage = quant.getStorageType();
  bool float8 = isa<Float8E4M3FNType, Float8E5M2Type>(storage);
  bool fp4 = isa<Float4E2M1FNType>(storage);
  if (!float8 && !fp4 &&
      (!quant.isIntegerStorage() ||
       (quant.getStorageBits() != 4 && quant.getStorageBits() != 8)))
    return fail("only int4, int8, f4E2M1FN, f8E4M3FN and f8E5M2 storage have "
                "a GPU kernel");
  if (Type g = quant.getGlobalScaleType(); g && !g.isF32())
    return fail("only f32 global scales have a GPU kernel");
  Type st = quant.getScaleType();
  if (!st.isF32() && !st.isF16() && !st.isBF16() &&
      !isa<Float8E8M0FNUType, Float8E4M3FNType>(st))
    return fail("only f32, f16, bf16, f8E8M0FNU and f8E4M3FN scales have a "
                "GPU kernel");
  if (type.getRank() != 2 || !type.getElementType().isF32())
    return fail("the weight is not a rank-2 f32 matrix");
  auto xType = cast<RankedTensorType>(op.getInput().getType());
  if (!xType.hasStaticShape() || !xType.getElementType().isF32())
    return fail("the input is not a static f32 tensor");
  Problem p;
  p.bits = quant.getStorageBits();
  p.fp4 = fp4;
  if (float8)
    p.float8 = isa<Float8E4M3FNType>(storage) ? Problem::Float8::E4M3FN
                                              : Problem::Float8::E5M2;
  p.isSigned = float8 || fp4 || quant.isSignedStorage();
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
  if (p.scaleBlockK % p.chunkElems() != 0 &&
      p.scaleBlockK * 2 != p.chunkElems())
    return fail("scale groups smaller than one 16-byte load (" +
                std::to_string(p.chunkElems()) +
                " elements) other than half of one");
  return p;
}

/// The N:M GEMV's problem (f32 values, N:M along K, at most 8 rows of x
/// that fit in shared memory) or, with `sparseMma`, the 2:4 tensor-core
/// GEMM's (Problem::mmaSparse) for larger batches; or failure with the
/// reason.
FailureOr<Problem> getNmProblem(MatmulOp op, AssembleOp assemble,
                                bool sparseMma, std::string &reason) {
  auto type = cast<CompressedType>(assemble.getResult().getType());
  SparsitySpecAttr sparsity = type.getSparsity();
  auto fail = [&](StringRef why) -> FailureOr<Problem> {
    reason = why.str();
    return failure();
  };
  if (sparsity.getKind() != SparsityKind::NM)
    return fail("only N:M sparse weights have a GPU kernel");
  Problem p;
  if (QuantSpecAttr quant = type.getQuant()) {
    // Integer codes with one scale per row (applied to each row's sum).
    if (!quant.isIntegerStorage() ||
        (quant.getStorageBits() != 4 && quant.getStorageBits() != 8))
      return fail("quantized N:M weights other than int4 / int8 codes have "
                  "no GPU kernel yet");
    if (Type g = quant.getGlobalScaleType(); g && !g.isF32())
      return fail("only f32 global scales have a GPU kernel");
    Type st = quant.getScaleType();
    if (!st.isF32() && !st.isF16() && !st.isBF16())
      return fail("quantized N:M weights need f32, f16 or bf16 scales on the "
                  "GPU");
    SmallVector<int64_t> scaleShape = quant.getScaleShape(type.getShape());
    if (scaleShape[1] != 1 ||
        (scaleShape[0] != 1 && scaleShape[0] != type.getShape()[0]))
      return fail("quantized N:M weights with scale groups along K have no "
                  "GPU kernel yet");
    p.bits = quant.getStorageBits();
    p.isSigned = quant.isSignedStorage();
    p.hasZeroPoints = quant.isAsymmetric();
    p.scaleType = st;
    p.perRowScales = scaleShape[0] != 1;
  }
  if (sparsity.getAxis() != 1)
    return fail("N:M groups do not run along the reduction axis");
  if (type.getRank() != 2 || !type.getElementType().isF32())
    return fail("the weight is not a rank-2 f32 matrix");
  auto xType = cast<RankedTensorType>(op.getInput().getType());
  if (!xType.hasStaticShape() || !xType.getElementType().isF32())
    return fail("the input is not a static f32 tensor");
  p.nmN = sparsity.getN();
  p.nmM = sparsity.getM();
  p.n = type.getShape()[0];
  p.k = type.getShape()[1];
  p.m = xType.getNumElements() / p.k;
  p.scaleBlockK = p.k;
  if (p.nmBits() != 1 && p.nmBits() != 2 && p.nmBits() != 4)
    return fail("N:M with M not 2, 3, 4 or 9..16 has no GPU kernel yet");
  if (p.k % p.nmM != 0 || p.nmKv() % 4 != 0)
    return fail("N:M rows of stored values not a multiple of 4");
  if (p.m <= kGemvStagedMaxRows && p.m * p.k * 4 <= kGemvStageBytes)
    return p;
  if (!sparseMma)
    return fail("N:M GEMM (more than 8 rows of x, or x beyond 48 KB) runs on "
                "the GPU only as the 2:4 tensor-core GEMM (mma, NVIDIA)");
  if (p.nmN != 2 || p.nmM != 4)
    return fail("N:M GEMM other than 2:4 (more than 8 rows of x, or x beyond "
                "48 KB) has no GPU kernel yet");
  if (p.k % 64 != 0)
    return fail("2:4 GEMM with K not a multiple of 64 has no GPU kernel yet");
  p.mmaSparse = true;
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

/// gemv-mma: the K steps (gemvMmaStepK() elements) warp `kw` of a feature
/// group runs, [s0, s1): the steps split evenly over the group's warps.
std::pair<Value, Value> gemvMmaWarpSteps(OpBuilder &b, Location loc,
                                         const Problem &p, Value kw) {
  int64_t total = p.k / p.gemvMmaStepK();
  int64_t per = llvm::divideCeilSigned(total, p.gemvMmaGroupWarps());
  auto minC = [&](Value v) {
    return arith::MinUIOp::create(b, loc, v, cIdx(b, loc, total));
  };
  Value s0 = minC(arith::MulIOp::create(b, loc, kw, cIdx(b, loc, per)));
  Value s1 = minC(arith::AddIOp::create(b, loc, s0, cIdx(b, loc, per)));
  return {s0, s1};
}

/// gemv-mma: calls body(s, lo, isLast, args) for each step s of [s0, s1) in
/// order, carrying `init` (body returns the new values): lo is where the
/// run of steps of s's scale group inside [s0, s1) starts, isLast whether s
/// ends it (the last step of its group, or s1 - 1), where the run's exact
/// sums are flushed.
SmallVector<Value> forEachStep(
    OpBuilder &b, Location loc, const Problem &p, Value s0, Value s1,
    ValueRange init,
    function_ref<SmallVector<Value>(Value, Value, Value, ValueRange)> body) {
  int64_t perGroup = p.scaleBlockK / p.gemvMmaStepK();
  Value c1 = cIdx(b, loc, 1), cg = cIdx(b, loc, perGroup);
  auto loop = scf::ForOp::create(b, loc, s0, s1, c1, init);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value step = loop.getInductionVar();
  Value next = arith::AddIOp::create(b, loc, step, c1);
  Value lo = arith::MaxUIOp::create(
      b, loc, s0,
      arith::MulIOp::create(b, loc, arith::DivUIOp::create(b, loc, step, cg),
                            cg));
  Value isLast = arith::OrIOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                            arith::RemUIOp::create(b, loc, next, cg),
                            cIdx(b, loc, 0)),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, next, s1));
  SmallVector<Value> out = body(step, lo, isLast, loop.getRegionIterArgs());
  // Without carried values the builder has added the terminator.
  if (!init.empty())
    scf::YieldOp::create(b, loc, out);
  return SmallVector<Value>(loop.getResults());
}

/// gemv-mma: the first element of lane (g, t)'s chunk in warp step `step`.
Value gemvMmaLaneK(OpBuilder &b, Location loc, const Problem &p, Value t,
                   Value step) {
  return arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, step, cIdx(b, loc, p.gemvMmaStepK())),
      arith::MulIOp::create(b, loc, t, cIdx(b, loc, p.chunkElems())));
}

/// gemv-mma, lane (g, t) of the block at feature n0: the 16-byte chunks of
/// warp step `step` of features g and g + 8 (clamped to N - 1).
std::pair<Value, Value> gemvMmaLoadChunks(OpBuilder &b, Location loc,
                                          const Problem &p, const Operands &ops,
                                          const EmitOptions &opt, Value n0,
                                          Value g, Value t, Value step) {
  Value k0 = gemvMmaLaneK(b, loc, p, t, step);
  auto raw = [&](int64_t off) {
    Value n = arith::MinUIOp::create(
        b, loc,
        arith::AddIOp::create(
            b, loc, n0, arith::AddIOp::create(b, loc, g, cIdx(b, loc, off))),
        cIdx(b, loc, p.n - 1));
    return emitLoadChunk(b, loc, p, ops, opt, n, k0).front();
  };
  return {raw(0), raw(8)};
}

/// gemv-mma, lane (g, t): the s8 operand words of its chunks of features g
/// and g + 8 at warp step `step`, and the x codes of row g at the same
/// elements.
struct GemvMmaWords {
  SmallVector<Value> a0, a1, x;
};
GemvMmaWords gemvMmaLaneWords(OpBuilder &b, Location loc, const Problem &p,
                              const XSource &xs, Value g, Value t, Value step,
                              std::pair<Value, Value> chunks) {
  Value k0 = gemvMmaLaneK(b, loc, p, t, step);
  GemvMmaWords w;
  w.a0 = emitGemvMmaCodeWords(b, loc, p, chunks.first);
  w.a1 = emitGemvMmaCodeWords(b, loc, p, chunks.second);
  Value valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, g,
                                      cIdx(b, loc, p.m));
  w.x = emitGemvMmaXWords(b, loc, p, xs.xq, g, k0, valid);
  return w;
}

/// gemv-mma: acc[2 r + e] += s * (c[2 r + e] + (d - z) * sum of x) for the
/// run of steps [lo, hi) of one scale group: feature g + 8 r, row 2 t + e
/// of x; sum of x over the run's chunks from xsum (exact in int32).
SmallVector<Value> gemvMmaFlush(OpBuilder &b, Location loc, const Problem &p,
                                const Operands &ops, const XSource &xs,
                                Value n0, Value g, Value t, Value lo, Value hi,
                                ArrayRef<Value> c, ArrayRef<Value> acc) {
  Type i32 = b.getI32Type();
  Value k0 = arith::MulIOp::create(b, loc, lo, cIdx(b, loc, p.gemvMmaStepK()));
  Value chunkLo = arith::MulIOp::create(b, loc, lo, cIdx(b, loc, 4));
  Value chunkHi = arith::MulIOp::create(b, loc, hi, cIdx(b, loc, 4));
  SmallVector<Value> out(acc.begin(), acc.end());
  for (int64_t e = 0; e < 2; ++e) {
    Value batch = arith::MinUIOp::create(
        b, loc,
        arith::AddIOp::create(b, loc,
                              arith::MulIOp::create(b, loc, t, cIdx(b, loc, 2)),
                              cIdx(b, loc, e)),
        cIdx(b, loc, p.m - 1));
    auto sumLoop = scf::ForOp::create(
        b, loc, chunkLo, chunkHi, cIdx(b, loc, 1),
        ValueRange{arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0))});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(sumLoop.getBody());
      Value v = memref::LoadOp::create(
          b, loc, xs.xsum, ValueRange{batch, sumLoop.getInductionVar()});
      scf::YieldOp::create(b, loc,
                           ValueRange{arith::AddIOp::create(
                               b, loc, sumLoop.getRegionIterArgs()[0], v)});
    }
    Value sx = sumLoop.getResult(0);
    for (int64_t r = 0; r < 2; ++r) {
      Value n = arith::MinUIOp::create(
          b, loc,
          arith::AddIOp::create(
              b, loc, n0,
              arith::AddIOp::create(b, loc, g, cIdx(b, loc, 8 * r))),
          cIdx(b, loc, p.n - 1));
      auto [s, z] = emitLoadScale(b, loc, p, ops, n, k0);
      Value off = arith::ConstantOp::create(
          b, loc, b.getI32IntegerAttr(gemvMmaCodeOffset(p)));
      if (z)
        off = arith::SubIOp::create(b, loc, off,
                                    arith::FPToSIOp::create(b, loc, i32, z));
      Value exact = arith::AddIOp::create(
          b, loc, c[2 * r + e], arith::MulIOp::create(b, loc, off, sx));
      Value f = arith::SIToFPOp::create(b, loc, b.getF32Type(), exact);
      out[2 * r + e] = arith::AddFOp::create(
          b, loc, out[2 * r + e], arith::MulFOp::create(b, loc, f, s));
    }
  }
  return out;
}

/// gemv-mma, device: warp `kw` of the feature group at n0, lane `lane`: its
/// steps' tensor-core products, flushed per scale-group run into four f32
/// partial sums (features g, g + 8 x rows 2t, 2t + 1 of x). The chunks of
/// the next step are loaded before this step's mma (software pipelined).
SmallVector<Value> emitGemvMmaWarp(OpBuilder &b, Location loc, const Problem &p,
                                   const Operands &ops, const EmitOptions &opt,
                                   const XSource &xs, Value n0, Value kw,
                                   Value lane) {
  Type i32 = b.getI32Type();
  Value g = arith::DivUIOp::create(b, loc, lane, cIdx(b, loc, 4));
  Value t = arith::RemUIOp::create(b, loc, lane, cIdx(b, loc, 4));
  auto [s0, s1] = gemvMmaWarpSteps(b, loc, p, kw);
  Value last = cIdx(b, loc, p.k / p.gemvMmaStepK() - 1);
  auto clampStep = [&](Value v) {
    return arith::MinUIOp::create(b, loc, v, last);
  };
  Value zf = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  auto cType = VectorType::get({2, 2}, i32);
  Value c0 = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(cType, b.getI32IntegerAttr(0)));
  auto first = gemvMmaLoadChunks(b, loc, p, ops, opt, n0, g, t, clampStep(s0));
  SmallVector<Value> init{c0, zf, zf, zf, zf, first.first, first.second};
  SmallVector<Value> out = forEachStep(
      b, loc, p, s0, s1, init,
      [&](Value step, Value lo, Value isLast,
          ValueRange args) -> SmallVector<Value> {
        auto next = gemvMmaLoadChunks(
            b, loc, p, ops, opt, n0, g, t,
            clampStep(arith::AddIOp::create(b, loc, step, cIdx(b, loc, 1))));
        GemvMmaWords w =
            gemvMmaLaneWords(b, loc, p, xs, g, t, step, {args[5], args[6]});
        Value c = args[0];
        for (size_t j = 0; j < w.a0.size(); j += 2) {
          Value a = emitGemvMmaFragment(
              b, loc, {w.a0[j], w.a1[j], w.a0[j + 1], w.a1[j + 1]});
          Value bx = emitGemvMmaFragment(b, loc, {w.x[j], w.x[j + 1]});
          c = nvgpu::MmaSyncOp::create(b, loc, a, bx, c,
                                       ArrayRef<int64_t>{16, 8, 32});
        }
        // At the end of a run: flush into the f32 sums, restart from zero.
        SmallVector<Type> types{cType, b.getF32Type(), b.getF32Type(),
                                b.getF32Type(), b.getF32Type()};
        auto flush = scf::IfOp::create(b, loc, types, isLast,
                                       /*withElseRegion=*/true);
        {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(flush.thenBlock());
          SmallVector<Value> cs;
          for (int64_t r = 0; r < 2; ++r)
            for (int64_t e = 0; e < 2; ++e)
              cs.push_back(vector::ExtractOp::create(b, loc, c,
                                                     ArrayRef<int64_t>{r, e}));
          SmallVector<Value> acc =
              gemvMmaFlush(b, loc, p, ops, xs, n0, g, t, lo,
                           arith::AddIOp::create(b, loc, step, cIdx(b, loc, 1)),
                           cs, SmallVector<Value>(args.slice(1, 4)));
          acc.insert(acc.begin(), c0);
          scf::YieldOp::create(b, loc, acc);
          b.setInsertionPointToStart(flush.elseBlock());
          SmallVector<Value> keep{c};
          llvm::append_range(keep, args.slice(1, 4));
          scf::YieldOp::create(b, loc, keep);
        }
        SmallVector<Value> res(flush.getResults());
        res.push_back(next.first);
        res.push_back(next.second);
        return res;
      });
  return SmallVector<Value>(ArrayRef<Value>(out).slice(1, 4));
}

/// gemv-mma: lane `lane` sums the partials in `red` of the feature group's
/// warps (from `warp0`) and stores y[2t + e, n0 + g + 8r] = a * sum where in
/// range.
void emitGemvMmaStore(OpBuilder &b, Location loc, const Problem &p,
                      const Operands &ops, const XSource &xs, Value red,
                      Value n0, Value warp0, Value lane) {
  Value g = arith::DivUIOp::create(b, loc, lane, cIdx(b, loc, 4));
  Value t = arith::RemUIOp::create(b, loc, lane, cIdx(b, loc, 4));
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t e = 0; e < 2; ++e) {
      Value sum = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
      for (int64_t w = 0; w < p.gemvMmaGroupWarps(); ++w)
        sum = arith::AddFOp::create(
            b, loc, sum,
            memref::LoadOp::create(
                b, loc, red,
                ValueRange{
                    arith::AddIOp::create(b, loc, warp0, cIdx(b, loc, w)), lane,
                    cIdx(b, loc, 2 * r + e)}));
      Value m = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, t, cIdx(b, loc, 2)),
          cIdx(b, loc, e));
      Value n = arith::AddIOp::create(
          b, loc, n0, arith::AddIOp::create(b, loc, g, cIdx(b, loc, 8 * r)));
      Value ok = arith::AndIOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, m,
                                cIdx(b, loc, p.m)),
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, n,
                                cIdx(b, loc, p.n)));
      auto ifOp = scf::IfOp::create(b, loc, ok);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      Value a = emitRowScale(b, loc, xs, m);
      memref::StoreOp::create(b, loc, arith::MulFOp::create(b, loc, a, sum),
                              ops.y, ValueRange{m, n});
    }
}

/// Sums every value of `sums` over the warp with the `gpu.shuffle xor`
/// butterfly (offsets 16 .. 1), then runs `store(sums)` in lane 0.
void reduceWarpThenStore(OpBuilder &b, Location loc, Value lane,
                         SmallVector<Value> sums,
                         function_ref<void(ArrayRef<Value>)> store) {
  for (Value &s : sums)
    for (int32_t off = kWarp / 2; off >= 1; off /= 2) {
      auto sh =
          gpu::ShuffleOp::create(b, loc, s, off, kWarp, gpu::ShuffleMode::XOR);
      s = arith::AddFOp::create(b, loc, s, sh.getShuffleResult());
    }
  auto lane0 =
      scf::IfOp::create(b, loc,
                        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                              lane, cIdx(b, loc, 0)));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(lane0.thenBlock());
  store(sums);
}

/// Creates (once per name) the kernel for `p`; `types` are the operand
/// memref types in order x, data, scales, [zero points], y.
gpu::GPUFuncOp getKernel(gpu::GPUModuleOp kernels, const Problem &p,
                         Kernel kind, TypeRange types, Location loc,
                         bool nvvm) {
  // The tensor-core and matrix-core GEMMs share their loop (and, but for
  // the int8 one, their shared-memory tiles).
  bool mma8 = kind == Kernel::Mma8, sparse = kind == Kernel::MmaSp;
  bool tc = kind == Kernel::Mma || kind == Kernel::Mfma || mma8 || sparse;
  bool gemm = kind == Kernel::Gemm || tc;
  std::string prefix = kind == Kernel::Gemv      ? "sparq_gemv_"
                       : kind == Kernel::Gemm    ? "sparq_gemm_"
                       : kind == Kernel::GemvMma ? "sparq_gemvmma_"
                       : kind == Kernel::Mfma    ? "sparq_mfma_"
                       : mma8                    ? "sparq_mma8_"
                       : kind == Kernel::NmGemv  ? "sparq_nmgemv_"
                       : sparse                  ? "sparq_mmasp_"
                                                 : "sparq_mma_";
  std::string name = prefix + p.formatName() +
                     (p.int8Activations ? "_xi8" : "") + "_" +
                     std::to_string(p.m) + "x" + std::to_string(p.n) + "x" +
                     std::to_string(p.k);
  if (auto f = kernels.lookupSymbol<gpu::GPUFuncOp>(name))
    return f;
  OpBuilder b = OpBuilder::atBlockEnd(kernels.getBody());
  MLIRContext *ctx = b.getContext();
  Value xs, ws;
  SmallVector<memref::GlobalOp> tiles;
  auto workgroup =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto shared = [&](StringRef suffix, ArrayRef<int64_t> shape, Type type) {
    tiles.push_back(memref::GlobalOp::create(
        b, loc, name + suffix.str(), b.getStringAttr("private"),
        MemRefType::get(shape, type, AffineMap(), workgroup), Attribute(),
        /*constant=*/false, b.getI64IntegerAttr(16)));
  };
  if (!gemm && p.int8Activations) {
    // The GEMV's int8 codes of x, their chunk sums and the row maxima.
    shared("_xq", {p.m, p.xqPitch()}, b.getI8Type());
    shared("_xsum", {p.m, p.numChunks()}, b.getI32Type());
    shared("_xmax", {p.m}, b.getI32Type());
  } else if (!gemm && (p.gemvStaged() || kind == Kernel::NmGemv)) {
    // The GEMV's (or N:M GEMV's) copy of x, read by all warps of the block.
    shared("_x", {p.m, p.k}, b.getF32Type());
  }
  if (kind == Kernel::GemvMma)
    // The warps' partial sums (4 per lane) before the block's reduction.
    shared("_red", {kGemvMmaWarps, kWarp, 4}, b.getF32Type());
  if (mma8) {
    // The int8 GEMM's s8 tiles, row maxima of |x| and row code sums.
    shared("_xs", {p.mmaTileM(), p.mma8Pitch()}, b.getI8Type());
    shared("_ws", {p.mmaTileN(), p.mma8Pitch()}, b.getI8Type());
    shared("_xmax", {p.mmaTileM()}, b.getI32Type());
    shared("_xsum", {p.mmaTileM()}, b.getI32Type());
  } else if (sparse) {
    // The 2:4 GEMM's x tile, stored values and their positions.
    shared("_xs", {p.mmaTileM(), p.mmaPitch()}, b.getF16Type());
    shared("_ws", {kMmaSpTile, p.mmaSpPitch()}, b.getF16Type());
    shared("_wm", {kMmaSpTile, p.mmaSpMetaCols()}, b.getI16Type());
  } else if (gemm) {
    // Shared tiles as 16-byte aligned workgroup globals (workgroup
    // attributions are only 4-byte aligned), so tile reads are 16-byte
    // ld.shared.v4 / ds_read_b128.
    auto tileType = [&](bool w) {
      if (tc && w && p.mmaPackedW())
        return MemRefType::get({p.mmaPackedRows(), p.mmaPackedPitch()},
                               b.getI32Type(), AffineMap(), workgroup);
      return tc ? MemRefType::get(
                      {w ? p.mmaTileN() : p.mmaTileM(), p.mmaPitch()},
                      b.getF16Type(), AffineMap(), workgroup)
                : MemRefType::get({kTileK, kTileM}, b.getF32Type(), AffineMap(),
                                  workgroup);
    };
    SmallVector<StringRef> suffixes = {"_xs", "_ws"};
    if (tc && p.mmaStages() == 2)
      suffixes.append({"_xs1", "_ws1"});
    for (StringRef suffix : suffixes)
      tiles.push_back(memref::GlobalOp::create(
          b, loc, name + suffix.str(), b.getStringAttr("private"),
          tileType(suffix.starts_with("_ws")), Attribute(), /*constant=*/false,
          b.getI64IntegerAttr(16)));
  }
  auto func =
      gpu::GPUFuncOp::create(b, loc, name, b.getFunctionType(types, {}));
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  int32_t threads = kind == Kernel::NmGemv    ? kNmWarps * kWarp
                    : kind == Kernel::Gemv    ? p.gemvWarps() * kWarp
                    : kind == Kernel::Gemm    ? kGemmThreads
                    : kind == Kernel::GemvMma ? kGemvMmaWarps * kWarp
                                              : p.mmaThreads();
  func.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr({threads, 1, 1}));
  if (nvvm && p.minBlocksPerSM > 0)
    // PTX .minnctapersm: ptxas keeps the registers low enough for this many
    // resident blocks per SM.
    func->setAttr("nvvm.minctasm", b.getI32IntegerAttr(p.minBlocksPerSM));
  Block &body = func.getBody().front();
  b.setInsertionPointToStart(&body);
  Operands ops;
  unsigned i = 0;
  ops.x = body.getArgument(i++);
  ops.data = body.getArgument(i++);
  if (p.nmN)
    ops.indices = body.getArgument(i++);
  if (p.bits)
    ops.scales = body.getArgument(i++);
  if (p.hasZeroPoints)
    ops.zeroPoints = body.getArgument(i++);
  ops.y = body.getArgument(i++);
  EmitOptions opt;
  opt.nvvm = nvvm;
  // ldmatrix loads the f16 tiles (not the int8 GEMM's s8 ones).
  opt.ldmatrix = nvvm && p.mmaLdmatrix && !p.mma8;
  Value tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  Value bx = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
  Value by = gpu::BlockIdOp::create(b, loc, gpu::Dimension::y);
  auto mulC = [&](Value v, int64_t c) -> Value {
    return arith::MulIOp::create(b, loc, v, cIdx(b, loc, c));
  };
  auto getShared = [&](int i) -> Value {
    return memref::GetGlobalOp::create(b, loc, tiles[i].getType(),
                                       tiles[i].getSymName());
  };
  // Int8 activations: every block quantizes x itself (three phases, three
  // barriers).
  auto quantizeX = [&](const XSource &xs, int64_t threads) {
    emitQuantizeXInit(b, loc, p, xs, tid, threads);
    gpu::BarrierOp::create(b, loc);
    emitQuantizeXMax(b, loc, p, xs, tid, threads);
    gpu::BarrierOp::create(b, loc);
    emitQuantizeXCodes(b, loc, p, xs, tid, threads);
    gpu::BarrierOp::create(b, loc);
  };
  if (kind == Kernel::GemvMma) {
    XSource xs{ops.x, getShared(0), getShared(1), getShared(2)};
    Value red = getShared(3);
    quantizeX(xs, kGemvMmaWarps * kWarp);
    Value warp = arith::DivUIOp::create(b, loc, tid, cIdx(b, loc, kWarp));
    Value lane = arith::RemUIOp::create(b, loc, tid, cIdx(b, loc, kWarp));
    // Warp w: feature group w / groupWarps, K part w % groupWarps.
    Value gw = cIdx(b, loc, p.gemvMmaGroupWarps());
    Value kw = arith::RemUIOp::create(b, loc, warp, gw);
    Value n0 = arith::AddIOp::create(
        b, loc, mulC(bx, p.gemvMmaRows()),
        mulC(arith::DivUIOp::create(b, loc, warp, gw), kGemvMmaRows));
    SmallVector<Value> acc =
        emitGemvMmaWarp(b, loc, p, ops, opt, xs, n0, kw, lane);
    for (int64_t i = 0; i < 4; ++i)
      memref::StoreOp::create(b, loc, acc[i], red,
                              ValueRange{warp, lane, cIdx(b, loc, i)});
    gpu::BarrierOp::create(b, loc);
    // The first warp of each group sums the group's partials.
    auto first = scf::IfOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, kw,
                              cIdx(b, loc, 0)));
    b.setInsertionPointToStart(first.thenBlock());
    emitGemvMmaStore(b, loc, p, ops, xs, red, n0, warp, lane);
    b.setInsertionPointToEnd(&body);
  } else if (!gemm && kind != Kernel::NmGemv) {
    Value warp = arith::DivUIOp::create(b, loc, tid, cIdx(b, loc, kWarp));
    Value lane = arith::RemUIOp::create(b, loc, tid, cIdx(b, loc, kWarp));
    // This warp's index in the grid: its (first) feature group.
    Value warpG = arith::AddIOp::create(b, loc, mulC(bx, p.gemvWarps()), warp);
    Value mBase = mulC(by, p.gemvRows());
    // Sums of one feature group (feature-major, as emitGemvStep) reduced
    // across the warp and stored by lane 0.
    auto reduceAndStore = [&](ArrayRef<Value> ns, ValueRange partial) {
      reduceWarpThenStore(b, loc, lane, SmallVector<Value>(partial),
                          [&](ArrayRef<Value> sums) {
                            emitGemvStore(b, loc, p, ops, ns, mBase, sums);
                          });
    };
    SmallVector<Value> ns = emitGemvGroupFeatures(b, loc, p, warpG);
    // The first iteration's weight loads are issued before x is staged.
    SmallVector<Value> prologue =
        p.gemvPersistent() ? emitGemvStreamLoads(b, loc, p, ops, opt, warpG,
                                                 lane, cIdx(b, loc, 0))
                           : emitGemvLoads(b, loc, p, ops, opt, ns, lane);
    XSource xs{ops.x, {}, {}, {}};
    if (p.int8Activations) {
      xs = {ops.x, getShared(0), getShared(1), getShared(2)};
      quantizeX(xs, p.gemvWarps() * kWarp);
    } else if (p.gemvStaged()) {
      xs.x = getShared(0);
      emitStageX(b, loc, p, ops.x, xs.x, tid, p.gemvWarps() * kWarp);
      gpu::BarrierOp::create(b, loc);
    }
    if (!p.gemvPersistent()) {
      // Warp-uniform: the whole warp skips rows past N.
      auto inRange = scf::IfOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, ns.front(),
                                cIdx(b, loc, p.n)));
      b.setInsertionPointToStart(inRange.thenBlock());
      reduceAndStore(ns, emitGemvLanePartials(b, loc, p, ops, opt, ns, lane,
                                              mBase, xs, prologue));
      b.setInsertionPointToEnd(&body);
    } else {
      emitGemvStream(b, loc, p, ops, opt, warpG, lane, mBase, xs, prologue,
                     [&](ArrayRef<Value> groupNs, Value, ValueRange sums) {
                       reduceAndStore(groupNs, sums);
                     });
    }
  } else if (kind == Kernel::NmGemv) {
    Value warp = arith::DivUIOp::create(b, loc, tid, cIdx(b, loc, kWarp));
    Value lane = arith::RemUIOp::create(b, loc, tid, cIdx(b, loc, kWarp));
    Value n = arith::AddIOp::create(b, loc, mulC(bx, kNmWarps), warp);
    Value xsh = getShared(0);
    emitStageX(b, loc, p, ops.x, xsh, tid, kNmWarps * kWarp);
    gpu::BarrierOp::create(b, loc);
    // Warp-uniform: the whole warp skips rows past N.
    auto inRange = scf::IfOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, n,
                              cIdx(b, loc, p.n)));
    b.setInsertionPointToStart(inRange.thenBlock());
    reduceWarpThenStore(
        b, loc, lane, emitNmLanePartials(b, loc, p, ops, opt, n, lane, xsh),
        [&](ArrayRef<Value> sums) {
          for (int64_t r = 0; r < p.m; ++r)
            memref::StoreOp::create(b, loc, sums[r], ops.y,
                                    ValueRange{cIdx(b, loc, r), n});
        });
    b.setInsertionPointToEnd(&body);
  } else if (tc) {
    xs = getShared(0);
    ws = getShared(1);
    Value n0 = mulC(bx, p.mmaTileN()), m0 = mulC(by, p.mmaTileM());
    bool mfma = kind == Kernel::Mfma;
    // The int8 GEMM's row maxima of |x| and row code sums.
    Value xmax = mma8 ? getShared(2) : Value(),
          xsum = mma8 ? getShared(3) : Value();
    // The 2:4 GEMM's metadata tile.
    Value meta = sparse ? getShared(2) : Value();
    auto accType = mfma   ? VectorType::get({4}, b.getF32Type())
                   : mma8 ? VectorType::get({2, 2}, b.getI32Type())
                          : VectorType::get({2, 2}, b.getF32Type());
    Value zero = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(accType,
                               b.getZeroAttr(accType.getElementType())));
    int64_t stepK = p.mmaStepK(), depth = p.mmaPrefetch();
    SmallVector<Value> init(mfma ? 4 : p.mmaTilesM() * p.mmaTilesN(), zero);
    size_t numAccs = init.size();
    MfmaLane ml;
    if (mfma)
      ml = emitMfmaLane(b, loc, tid);
    // Stores a step's loads into the shared tiles (xt, wt).
    auto storeStep = [&](ValueRange loaded, Value xt, Value wt) {
      if (mma8)
        emitMma8StoreStep(b, loc, p, opt, tid, loaded, xt, wt, xmax, xsum);
      else if (sparse)
        emitMmaSpStoreStep(b, loc, p, opt, tid, loaded, xt, wt, meta);
      else
        emitMmaStoreStep(b, loc, p, opt, tid, loaded, xt, wt);
    };
    // This step's tensor-core work on the tiles in (xt, wt): mmaStepK() / 16
    // k16 steps (k32 for int8), each loading its A and B fragments.
    auto compute = [&](Value xt, Value wt, SmallVector<Value> &accs) {
      if (sparse) {
        // A: the stored values (16 per row and k32 step), B: x.
        for (int64_t kk = 0; kk < stepK; kk += 32) {
          SmallVector<Value> fa, fm, fb;
          for (int64_t mi = 0; mi < p.mmaTilesM(); ++mi) {
            fa.push_back(emitMmaFragmentA(b, loc, p, opt, tid, wt, kk / 2, mi));
            fm.push_back(emitMmaSpMetadata(b, loc, p, tid, meta, kk, mi));
          }
          for (int64_t ni = 0; ni < p.mmaTilesN(); ++ni)
            fb.push_back(emitMmaSpFragmentB(b, loc, p, opt, tid, xt, kk, ni));
          for (int64_t mi = 0; mi < p.mmaTilesM(); ++mi)
            for (int64_t ni = 0; ni < p.mmaTilesN(); ++ni) {
              Value &acc = accs[mi * p.mmaTilesN() + ni];
              acc = nvgpu::MmaSparseSyncOp::create(
                  b, loc, fa[mi], fb[ni], acc, fm[mi],
                  ArrayRef<int64_t>{16, 8, 32});
            }
        }
        return;
      }
      if (mma8) {
        for (int64_t kk = 0; kk < stepK; kk += 32) {
          SmallVector<Value> fa, fb;
          for (int64_t mi = 0; mi < p.mmaTilesM(); ++mi)
            fa.push_back(emitMmaFragmentA(b, loc, p, opt, tid, xt, kk, mi));
          for (int64_t ni = 0; ni < p.mmaTilesN(); ++ni)
            fb.push_back(emitMmaFragmentB(b, loc, p, opt, tid, wt, kk, ni));
          for (int64_t mi = 0; mi < p.mmaTilesM(); ++mi)
            for (int64_t ni = 0; ni < p.mmaTilesN(); ++ni) {
              Value &acc = accs[mi * p.mmaTilesN() + ni];
              acc = nvgpu::MmaSyncOp::create(b, loc, fa[mi], fb[ni], acc,
                                             ArrayRef<int64_t>{16, 8, 32});
            }
        }
        return;
      }
      if (mfma) {
        for (int64_t kk = 0; kk < stepK; kk += 16) {
          // AMD: 2 x 2 tiles of 16 x 16 per wave.
          SmallVector<Value> fa, fb;
          for (int64_t i = 0; i < 2; ++i) {
            fa.push_back(emitMfmaFragment(
                b, loc, opt, xt,
                arith::AddIOp::create(b, loc, ml.wm, cIdx(b, loc, 16 * i)),
                ml.lane, kk));
            fb.push_back(emitMfmaFragment(
                b, loc, opt, wt,
                arith::AddIOp::create(b, loc, ml.wn, cIdx(b, loc, 16 * i)),
                ml.lane, kk));
          }
          for (int64_t mi = 0; mi < 2; ++mi)
            for (int64_t ni = 0; ni < 2; ++ni) {
              Value &acc = accs[mi * 2 + ni];
              acc = amdgpu::MFMAOp::create(b, loc, accType, 16, 16, 16, 1,
                                           fa[mi], fb[ni], acc);
            }
        }
        return;
      }
      for (int64_t kk = 0; kk < stepK; kk += 16) {
        SmallVector<Value> fa, fb;
        for (int64_t mi = 0; mi < p.mmaTilesM(); ++mi)
          fa.push_back(emitMmaFragmentA(b, loc, p, opt, tid, xt, kk, mi));
        for (int64_t ni = 0; ni < p.mmaTilesN(); ni += 2) {
          if (p.mmaPackedW()) {
            for (int64_t i = 0; i < 2; ++i)
              fb.push_back(
                  emitMmaPackedFragmentB(b, loc, p, opt, tid, wt, kk, ni + i));
            continue;
          }
          auto [b0, b1] = emitMmaFragmentBPair(b, loc, p, opt, tid, wt, kk, ni);
          fb.push_back(b0);
          fb.push_back(b1);
        }
        for (int64_t mi = 0; mi < p.mmaTilesM(); ++mi)
          for (int64_t ni = 0; ni < p.mmaTilesN(); ++ni) {
            Value &acc = accs[mi * p.mmaTilesN() + ni];
            acc = emitMmaTile(b, loc, p, fa[mi], fb[ni], acc);
          }
      }
    };
    // The loads of the step at K offset min(k, K - stepK) (the last steps
    // reload the last step: valid memory, not used).
    auto loadStep = [&](Value k) {
      Value clamped =
          arith::MinUIOp::create(b, loc, k, cIdx(b, loc, p.k - stepK));
      if (sparse)
        return emitMmaSpLoadStep(b, loc, p, ops, opt, tid, m0, n0, clamped);
      return emitMmaLoadStep(b, loc, p, ops, opt, tid, m0, n0, clamped);
    };
    scf::ForOp loop;
    if (p.mmaStages() == 2) {
      // Two shared stages, one barrier per step: the loop runs two steps
      // per iteration. With step s in stage 0 and the loads of step s + 1
      // in registers: store them into stage 1 and issue the loads of step
      // s + 2, compute on stage 0, barrier; store into stage 0, load step
      // s + 3, compute on stage 1, barrier. A warp's stores of the next
      // stage thus overlap the other warps' tensor-core work (the barrier
      // before each store guarantees nobody still reads that stage).
      Value xs1 = getShared(2), ws1 = getShared(3);
      storeStep(loadStep(cIdx(b, loc, 0)), xs, ws);
      llvm::append_range(init, loadStep(cIdx(b, loc, stepK)));
      gpu::BarrierOp::create(b, loc);
      loop = scf::ForOp::create(b, loc, cIdx(b, loc, 0), cIdx(b, loc, p.k),
                                cIdx(b, loc, 2 * stepK), init);
      b.setInsertionPointToStart(loop.getBody());
      Value k = loop.getInductionVar();
      SmallVector<Value> accs(loop.getRegionIterArgs().take_front(numAccs));
      SmallVector<Value> carried(loop.getRegionIterArgs().drop_front(numAccs));
      storeStep(carried, xs1, ws1);
      SmallVector<Value> next =
          loadStep(arith::AddIOp::create(b, loc, k, cIdx(b, loc, 2 * stepK)));
      compute(xs, ws, accs);
      gpu::BarrierOp::create(b, loc);
      storeStep(next, xs, ws);
      next =
          loadStep(arith::AddIOp::create(b, loc, k, cIdx(b, loc, 3 * stepK)));
      compute(xs1, ws1, accs);
      gpu::BarrierOp::create(b, loc);
      llvm::append_range(accs, next);
      scf::YieldOp::create(b, loc, accs);
    } else {
      // Software pipelined by one K step: the loop carries the registers of
      // the next step's global loads, issued before this step's mma so that
      // their latency overlaps the tensor-core work. With mmaPrefetch() = 2
      // the loop carries the loads of the next two steps.
      size_t perStep = 0;
      for (int64_t d = 0; d < depth; ++d) {
        SmallVector<Value> step = loadStep(cIdx(b, loc, d * stepK));
        perStep = step.size();
        llvm::append_range(init, step);
      }
      if (mma8) {
        // With the first step's loads in flight: the row maxima of x
        // (zeroed first, with the row code sums).
        {
          OpBuilder::InsertionGuard guard(b);
          auto ifOp = scf::IfOp::create(
              b, loc,
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, tid,
                                    cIdx(b, loc, p.mmaTileM())));
          b.setInsertionPointToStart(ifOp.thenBlock());
          Value z = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
          memref::StoreOp::create(b, loc, z, xmax, ValueRange{tid});
          memref::StoreOp::create(b, loc, z, xsum, ValueRange{tid});
        }
        gpu::BarrierOp::create(b, loc);
        emitMma8RowMax(b, loc, p, ops, tid, p.mmaThreads(), m0, xmax);
        gpu::BarrierOp::create(b, loc);
      }
      loop = scf::ForOp::create(b, loc, cIdx(b, loc, 0), cIdx(b, loc, p.k),
                                cIdx(b, loc, stepK), init);
      b.setInsertionPointToStart(loop.getBody());
      ValueRange carried = loop.getRegionIterArgs().drop_front(numAccs);
      storeStep(carried.take_front(perStep), xs, ws);
      gpu::BarrierOp::create(b, loc);
      SmallVector<Value> prefetched(carried.drop_front(perStep));
      llvm::append_range(prefetched, loadStep(arith::AddIOp::create(
                                         b, loc, loop.getInductionVar(),
                                         cIdx(b, loc, depth * stepK))));
      SmallVector<Value> accs(loop.getRegionIterArgs().take_front(numAccs));
      compute(xs, ws, accs);
      gpu::BarrierOp::create(b, loc);
      llvm::append_range(accs, prefetched);
      scf::YieldOp::create(b, loc, accs);
    }
    b.setInsertionPointAfter(loop);
    auto accAt = [&](int64_t a, int64_t r, int64_t e) -> Value {
      return vector::ExtractOp::create(b, loc, loop.getResult(a),
                                       ArrayRef<int64_t>{r, e});
    };
    if (mfma)
      emitMfmaStore(b, loc, p, ops, ml, m0, n0, [&](int64_t a, int64_t e) {
        return vector::ExtractOp::create(b, loc, loop.getResult(a), e);
      });
    else if (mma8)
      emitMma8Store(b, loc, p, ops, tid, m0, n0, xmax, xsum, accAt);
    else
      emitMmaStore(b, loc, p, ops, tid, m0, n0, accAt);
  } else {
    xs = getShared(0);
    ws = getShared(1);
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

/// Launch configuration (documented in Passes.td): GEMV gemvWarps() warps
/// of gemvFeatures() output features per block, gemvRows() rows of x per
/// block, grid (ceil(N / (warps * features)), ceil(M / rows)); GEMM 64x64
/// output tiles, 256 threads, grid (ceil(N/64), ceil(M/64)); MMA 64 x
/// mmaTileN() output tiles, mmaThreads() threads, grid (ceil(N/tile),
/// ceil(M/64)).
std::pair<std::array<int64_t, 2>, int64_t> launchConfig(const Problem &p,
                                                        Kernel kind) {
  if (kind == Kernel::Gemm)
    return {{llvm::divideCeilSigned(p.n, kTileN),
             llvm::divideCeilSigned(p.m, kTileM)},
            kGemmThreads};
  if (kind == Kernel::Mma || kind == Kernel::Mfma || kind == Kernel::Mma8 ||
      kind == Kernel::MmaSp)
    return {{llvm::divideCeilSigned(p.n, p.mmaTileN()),
             llvm::divideCeilSigned(p.m, p.mmaTileM())},
            p.mmaThreads()};
  if (kind == Kernel::NmGemv)
    return {{llvm::divideCeilSigned(p.n, kNmWarps), 1}, kNmWarps * kWarp};
  if (kind == Kernel::GemvMma)
    return {{llvm::divideCeilSigned(p.n, p.gemvMmaRows()), 1},
            kGemvMmaWarps * kWarp};
  return {{p.gemvBlocks(), llvm::divideCeilSigned(p.m, p.gemvRows())},
          p.gemvWarps() * kWarp};
}

/// Device path: a call of the private launcher declaration
/// `@<kernel>_launch(x, data, scales, [zero points], y)` whose
/// `sparq.gpu_launch` attribute names the kernel and its launch
/// configuration; `sparq-gpu-launchers` defines it after bufferization
/// (the buffer deallocation pipeline does not accept gpu.wait or
/// gpu.launch_func).
void emitLaunch(OpBuilder &b, Location loc, ModuleOp module, const Problem &p,
                Kernel kind, ArrayRef<Value> hostOperands,
                ArrayRef<int64_t> resident, Value hostY, bool nvvm) {
  SmallVector<Value> operands(hostOperands.begin(), hostOperands.end());
  operands.push_back(hostY);
  TypeRange types = ValueRange(operands).getTypes();
  gpu::GPUFuncOp kernel =
      getKernel(getKernelModule(module), p, kind, types, loc, nvvm);
  // One launcher per kernel and set of constant operands, e.g.
  // <kernel>_launch_c12 when data (1) and scales (2) are constants.
  std::string name = (kernel.getName() + "_launch").str();
  if (!resident.empty()) {
    name += "_c";
    for (int64_t i : resident)
      name += std::to_string(i);
  }
  auto launcher = module.lookupSymbol<func::FuncOp>(name);
  if (!launcher) {
    OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
    launcher =
        func::FuncOp::create(mb, loc, name, mb.getFunctionType(types, {}));
    launcher.setPrivate();
    auto [grid, threads] = launchConfig(p, kind);
    SmallVector<NamedAttribute> launch = {
        mb.getNamedAttr("kernel",
                        SymbolRefAttr::get(mb.getStringAttr(kKernelModule),
                                           {FlatSymbolRefAttr::get(kernel)})),
        mb.getNamedAttr("grid", mb.getDenseI64ArrayAttr({grid[0], grid[1], 1})),
        mb.getNamedAttr("block", mb.getDenseI64ArrayAttr({threads, 1, 1}))};
    if (!resident.empty())
      launch.push_back(
          mb.getNamedAttr("resident", mb.getDenseI64ArrayAttr(resident)));
    launcher->setAttr(kGpuLaunchAttr, mb.getDictionaryAttr(launch));
  }
  func::CallOp::create(b, loc, launcher, operands);
}

using ForLoop = function_ref<void(int64_t, function_ref<void(Value)>)>;

/// A host reference's scratch buffer (a stack allocation of the entry).
Value hostBuffer(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                 Type type) {
  return memref::AllocaOp::create(b, loc, MemRefType::get(shape, type));
}

/// The host twin of reduceWarpThenStore: the xor butterfly over the 32
/// lanes' sums in `lanes` [32, S] replayed in the kernel's order (through
/// `tmp`, of the same type); returns lane 0's S sums.
SmallVector<Value> replayWarpButterfly(OpBuilder &b, Location loc,
                                       ForLoop forLoop, Value lanes,
                                       Value tmp) {
  int64_t count = cast<MemRefType>(lanes.getType()).getDimSize(1);
  auto idx = [&](int64_t v) { return cIdx(b, loc, v); };
  for (int64_t off = kWarp / 2; off >= 1; off /= 2) {
    forLoop(kWarp, [&](Value lane) {
      Value other = arith::XOrIOp::create(b, loc, lane, idx(off));
      for (int64_t i = 0; i < count; ++i) {
        Value a =
            memref::LoadOp::create(b, loc, lanes, ValueRange{lane, idx(i)});
        Value o =
            memref::LoadOp::create(b, loc, lanes, ValueRange{other, idx(i)});
        memref::StoreOp::create(b, loc, arith::AddFOp::create(b, loc, a, o),
                                tmp, ValueRange{lane, idx(i)});
      }
    });
    memref::CopyOp::create(b, loc, tmp, lanes);
  }
  SmallVector<Value> sums;
  for (int64_t i = 0; i < count; ++i)
    sums.push_back(
        memref::LoadOp::create(b, loc, lanes, ValueRange{idx(0), idx(i)}));
  return sums;
}

/// Host reference: the kernel's int8 quantization of x (its three phases
/// over `threads` threads, one after the other) into host buffers.
XSource emitHostQuantizeX(OpBuilder &b, Location loc, const Problem &p, Value x,
                          int64_t threads, ForLoop forLoop) {
  Type i32 = b.getI32Type();
  XSource xs{x, {}, {}, {}};
  xs.xq = hostBuffer(b, loc, {p.m, p.xqPitch()}, b.getI8Type());
  xs.xsum = hostBuffer(b, loc, {p.m, p.numChunks()}, i32);
  xs.xmax = hostBuffer(b, loc, {p.m}, i32);
  forLoop(threads,
          [&](Value tid) { emitQuantizeXInit(b, loc, p, xs, tid, threads); });
  forLoop(threads,
          [&](Value tid) { emitQuantizeXMax(b, loc, p, xs, tid, threads); });
  forLoop(threads,
          [&](Value tid) { emitQuantizeXCodes(b, loc, p, xs, tid, threads); });
  return xs;
}

/// A lane's operands of one mma: A and B fragments (vector<4xE>,
/// vector<RxE> with R = 2, or 4 for mma.sp) and, for mma.sp, the metadata
/// (vector<2xi16>).
struct LaneFragments {
  Value a, b, meta;
};

/// Host replay of one m16n8 mma (K = 8 E) or m16n8k32 mma.sp (E = 2) of
/// warp `warp`: each lane's fragments (from `frags(tid)`) are gathered in
/// fa [32][4][E], fb [32][R][E] and fm [32][2] (mma.sp), then element (r, e)
/// of every lane's accumulator `acc` in accBuf [tid][4 acc + 2 r + e] (row g
/// + 8 r, column 2 t + e) gains sum_c A[row][c] B[k(c)][col] in c order,
/// read back through the PTX layout: A[row][c] is element c % E of register
/// row / 8 + 2 (c / 4E) of lane (row % 8) * 4 + (c % 4E) / E, B[k][col]
/// element k % E of register k / 4E of lane col * 4 + (k % 4E) / E; k(c) =
/// c, or for mma.sp 4 (c / 2) + the 2-bit field c % 2 of nibble (c / 2) % 4
/// of the metadata half r of lane (row % 8) * 4 + c / 8 (sparsity selector
/// 0); `mac(sum, a, b)` adds one product.
void replayMmaTile(OpBuilder &b, Location loc, ForLoop forLoop, Value warp,
                   int64_t E, Value fa, Value fb, Value fm, Value accBuf,
                   int64_t acc, function_ref<LaneFragments(Value)> frags,
                   function_ref<Value(Value, Value, Value)> mac) {
  auto idx = [&](int64_t v) { return cIdx(b, loc, v); };
  auto tidOf = [&](Value lane) -> Value {
    return arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, warp, idx(kWarp)), lane);
  };
  int64_t bRegs = fm ? 4 : 2;
  forLoop(kWarp, [&](Value lane) {
    LaneFragments f = frags(tidOf(lane));
    for (auto [frag, buf, regs] :
         {std::tuple{f.a, fa, int64_t(4)}, std::tuple{f.b, fb, bRegs}})
      for (int64_t i = 0; i < regs; ++i)
        for (int64_t e = 0; e < E; ++e)
          memref::StoreOp::create(
              b, loc,
              vector::ExtractOp::create(b, loc, frag, ArrayRef<int64_t>{i, e}),
              buf, ValueRange{lane, idx(i), idx(e)});
    if (fm)
      for (int64_t i = 0; i < 2; ++i)
        memref::StoreOp::create(b, loc,
                                vector::ExtractOp::create(b, loc, f.meta, i),
                                fm, ValueRange{lane, idx(i)});
  });
  forLoop(kWarp, [&](Value lane) {
    Value tid = tidOf(lane);
    Value g = arith::DivUIOp::create(b, loc, lane, idx(4));
    Value t = arith::RemUIOp::create(b, loc, lane, idx(4));
    int64_t half = 4 * E;
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t e = 0; e < 2; ++e) {
        // Row g + 8 r and column 2 t + e of the m16n8 tile.
        Value col = arith::AddIOp::create(
            b, loc, arith::MulIOp::create(b, loc, t, idx(2)), idx(e));
        Value laneA = arith::MulIOp::create(b, loc, g, idx(4));
        Value laneB = arith::MulIOp::create(b, loc, col, idx(4));
        Value at = idx(acc * 4 + r * 2 + e);
        Value sum = memref::LoadOp::create(b, loc, accBuf, ValueRange{tid, at});
        for (int64_t c = 0; c < 8 * E; ++c) {
          Value av = memref::LoadOp::create(
              b, loc, fa,
              ValueRange{
                  arith::AddIOp::create(b, loc, laneA, idx((c % half) / E)),
                  idx(r + 2 * (c / half)), idx(c % E)});
          // B's row k(c): c, or from the metadata.
          Value k = idx(c);
          if (fm) {
            Value word = memref::LoadOp::create(
                b, loc, fm,
                ValueRange{arith::AddIOp::create(b, loc, laneA, idx(c / 8)),
                           idx(r)});
            Value field = arith::AndIOp::create(
                b, loc,
                arith::ShRUIOp::create(
                    b, loc, word,
                    arith::ConstantOp::create(
                        b, loc,
                        b.getI16IntegerAttr(4 * ((c / 2) % 4) + 2 * (c % 2)))),
                arith::ConstantOp::create(b, loc, b.getI16IntegerAttr(3)));
            k = arith::AddIOp::create(
                b, loc, idx(4 * (c / 2)),
                arith::IndexCastUIOp::create(b, loc, b.getIndexType(), field));
          }
          Value kq = arith::DivUIOp::create(
              b, loc, arith::RemUIOp::create(b, loc, k, idx(half)), idx(E));
          Value bw = memref::LoadOp::create(
              b, loc, fb,
              ValueRange{arith::AddIOp::create(b, loc, laneB, kq),
                         arith::DivUIOp::create(b, loc, k, idx(half)),
                         arith::RemUIOp::create(b, loc, k, idx(E))});
          sum = mac(sum, av, bw);
        }
        memref::StoreOp::create(b, loc, sum, accBuf, ValueRange{tid, at});
      }
  });
}

/// One K step of a tensor-core host reference: every m16n8 mma (K = 8 E, or
/// 32 for mma.sp: `fm` given) of every warp replayed by replayMmaTile, k
/// steps kk in order, tiles (mi, ni) in the kernel's order; `frags(tid, kk,
/// mi, ni)` loads a lane's operands.
void replayMmaStep(
    OpBuilder &b, Location loc, const Problem &p, ForLoop forLoop, int64_t E,
    Value fa, Value fb, Value fm, Value accBuf,
    function_ref<LaneFragments(Value, int64_t, int64_t, int64_t)> frags,
    function_ref<Value(Value, Value, Value)> mac) {
  for (int64_t kk = 0; kk < p.mmaStepK(); kk += fm ? 32 : 8 * E)
    for (int64_t mi = 0; mi < p.mmaTilesM(); ++mi)
      for (int64_t ni = 0; ni < p.mmaTilesN(); ++ni)
        forLoop(p.mmaThreads() / kWarp, [&](Value warp) {
          replayMmaTile(
              b, loc, forLoop, warp, E, fa, fb, fm, accBuf,
              mi * p.mmaTilesN() + ni,
              [&](Value tid) { return frags(tid, kk, mi, ni); }, mac);
        });
}

/// The host references' skeleton of the tensor-core GEMMs: for each block
/// (m0, n0) of the grid, `begin(m0)` (may be empty), accBuf [threads][j]
/// zeroed, then per K step `load(tid, m0, n0, k0)` for every thread and
/// `step()`, and at the end `store(tid, m0, n0)` for every thread.
void forEachHostBlock(OpBuilder &b, Location loc, const Problem &p,
                      std::array<int64_t, 2> grid, ForLoop forLoop,
                      Value accBuf, function_ref<void(Value)> begin,
                      function_ref<void(Value, Value, Value, Value)> load,
                      function_ref<void()> step,
                      function_ref<void(Value, Value, Value)> store) {
  auto idx = [&](int64_t v) { return cIdx(b, loc, v); };
  auto accType = cast<MemRefType>(accBuf.getType());
  Value zero = arith::ConstantOp::create(
      b, loc, b.getZeroAttr(accType.getElementType()));
  forLoop(grid[1], [&](Value by) {
    Value m0 = arith::MulIOp::create(b, loc, by, idx(p.mmaTileM()));
    forLoop(grid[0], [&](Value bx) {
      Value n0 = arith::MulIOp::create(b, loc, bx, idx(p.mmaTileN()));
      if (begin)
        begin(m0);
      forLoop(p.mmaThreads(), [&](Value tid) {
        for (int64_t j = 0; j < accType.getDimSize(1); ++j)
          memref::StoreOp::create(b, loc, zero, accBuf,
                                  ValueRange{tid, idx(j)});
      });
      auto kLoop =
          scf::ForOp::create(b, loc, idx(0), idx(p.k), idx(p.mmaStepK()));
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(kLoop.getBody());
        forLoop(p.mmaThreads(),
                [&](Value tid) { load(tid, m0, n0, kLoop.getInductionVar()); });
        step();
      }
      forLoop(p.mmaThreads(), [&](Value tid) { store(tid, m0, n0); });
    });
  });
}

/// Host reference of the N:M GEMV: each lane's partial sums (x read in
/// place: the kernel's shared copy holds the same values), the xor butterfly
/// replayed in the kernel's order on a host buffer, lane 0's stores.
void emitNmHostReference(OpBuilder &b, Location loc, const Problem &p,
                         const Operands &ops, const EmitOptions &opt,
                         std::array<int64_t, 2> grid, ForLoop forLoop) {
  auto idx = [&](int64_t v) { return cIdx(b, loc, v); };
  auto type = MemRefType::get({kWarp, p.m}, b.getF32Type());
  Value lanes = memref::AllocaOp::create(b, loc, type);
  Value tmp = memref::AllocaOp::create(b, loc, type);
  forLoop(grid[0], [&](Value bx) {
    forLoop(kNmWarps, [&](Value warp) {
      Value n = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, bx, idx(kNmWarps)), warp);
      auto inRange = scf::IfOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, n,
                                idx(p.n)));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(inRange.thenBlock());
      forLoop(kWarp, [&](Value lane) {
        SmallVector<Value> part =
            emitNmLanePartials(b, loc, p, ops, opt, n, lane, ops.x);
        for (int64_t r = 0; r < p.m; ++r)
          memref::StoreOp::create(b, loc, part[r], lanes,
                                  ValueRange{lane, idx(r)});
      });
      SmallVector<Value> sums =
          replayWarpButterfly(b, loc, forLoop, lanes, tmp);
      for (int64_t r = 0; r < p.m; ++r)
        memref::StoreOp::create(b, loc, sums[r], ops.y, ValueRange{idx(r), n});
    });
  });
}

/// Host reference of the tensor-core GEMM: the same tile and fragment loads;
/// each nvgpu.mma.sync is replayed from the 32 lanes' fragments gathered in a
/// host buffer, reading A[row][k] and B[k][col] back through the PTX
/// m16n8k16 layout (the inverse of the fragment loads: A[row][k] is element
/// k % 2 of register row / 8 + 2 (k / 8) of lane (row % 8) * 4 + (k % 8) / 2,
/// B[k][col] element k % 2 of register k / 8 of lane col * 4 + (k % 8) / 2),
/// the exact f16 products summed in f32 in k order (the tensor cores' order
/// and internal rounding are not modeled). The 2:4 GEMM (mmaSparse) likewise,
/// with its value and metadata tiles and the mma.sp layout (replayMmaTile).
void emitMmaHostReference(OpBuilder &b, Location loc, const Problem &p,
                          const Operands &ops, const EmitOptions &opt,
                          std::array<int64_t, 2> grid, ForLoop forLoop) {
  Type f16 = b.getF16Type(), f32 = b.getF32Type();
  Value xs = hostBuffer(b, loc, {p.mmaTileM(), p.mmaPitch()}, f16);
  Value ws = p.mmaSparse ? hostBuffer(b, loc, {kMmaSpTile, p.mmaSpPitch()}, f16)
             : p.mmaPackedW()
                 ? hostBuffer(b, loc, {p.mmaPackedRows(), p.mmaPackedPitch()},
                              b.getI32Type())
                 : hostBuffer(b, loc, {p.mmaTileN(), p.mmaPitch()}, f16);
  Value meta, fm;
  if (p.mmaSparse) {
    meta = hostBuffer(b, loc, {kMmaSpTile, p.mmaSpMetaCols()}, b.getI16Type());
    fm = hostBuffer(b, loc, {kWarp, 2}, b.getI16Type());
  }
  const int64_t numAcc = p.mmaTilesM() * p.mmaTilesN() * 4;
  Value accBuf = hostBuffer(b, loc, {p.mmaThreads(), numAcc}, f32);
  Value fa = hostBuffer(b, loc, {kWarp, 4, 2}, f16);
  Value fb = hostBuffer(b, loc, {kWarp, p.mmaSparse ? 4 : 2, 2}, f16);
  auto idx = [&](int64_t v) { return cIdx(b, loc, v); };
  auto accAt = [&](Value tid, int64_t a, int64_t r, int64_t e) -> Value {
    return memref::LoadOp::create(b, loc, accBuf,
                                  ValueRange{tid, idx(a * 4 + r * 2 + e)});
  };
  forEachHostBlock(
      b, loc, p, grid, forLoop, accBuf, nullptr,
      [&](Value tid, Value m0, Value n0, Value k0) {
        if (p.mmaSparse)
          emitMmaSpStoreStep(
              b, loc, p, opt, tid,
              emitMmaSpLoadStep(b, loc, p, ops, opt, tid, m0, n0, k0), xs, ws,
              meta);
        else
          emitMmaLoadTile(b, loc, p, ops, opt, tid, m0, n0, k0, xs, ws);
      },
      [&] {
        replayMmaStep(
            b, loc, p, forLoop, 2, fa, fb, fm, accBuf,
            [&](Value tid, int64_t kk, int64_t mi,
                int64_t ni) -> LaneFragments {
              if (p.mmaSparse)
                return {emitMmaFragmentA(b, loc, p, opt, tid, ws, kk / 2, mi),
                        emitMmaSpFragmentB(b, loc, p, opt, tid, xs, kk, ni),
                        emitMmaSpMetadata(b, loc, p, tid, meta, kk, mi)};
              return {
                  emitMmaFragmentA(b, loc, p, opt, tid, xs, kk, mi),
                  p.mmaPackedW()
                      ? emitMmaPackedFragmentB(b, loc, p, opt, tid, ws, kk, ni)
                      : emitMmaFragmentB(b, loc, p, opt, tid, ws, kk, ni),
                  Value()};
            },
            [&](Value sum, Value av, Value bw) -> Value {
              return arith::AddFOp::create(
                  b, loc, sum,
                  arith::MulFOp::create(b, loc,
                                        emitMmaElementToF32(b, loc, p, av),
                                        emitMmaElementToF32(b, loc, p, bw)));
            });
      },
      [&](Value tid, Value m0, Value n0) {
        emitMmaStore(b, loc, p, ops, tid, m0, n0,
                     [&](int64_t a, int64_t r, int64_t e) {
                       return accAt(tid, a, r, e);
                     });
      });
}

/// Host reference of the int8 tensor-core GEMM: the same row maxima, tile
/// stores and fragment loads; each m16n8k32 s8 mma is replayed from the
/// warp's gathered fragments through the PTX layout (A[row][k] is byte k % 4
/// of register (row / 8) + 2 (k / 16) of lane (row % 8) * 4 + (k % 16) / 4,
/// B[k][col] byte k % 4 of register k / 16 of lane col * 4 + (k % 16) / 4),
/// summed exactly in int32 as the tensor cores do.
void emitMma8HostReference(OpBuilder &b, Location loc, const Problem &p,
                           const Operands &ops, const EmitOptions &opt,
                           std::array<int64_t, 2> grid, ForLoop forLoop) {
  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  auto idx = [&](int64_t v) { return cIdx(b, loc, v); };
  Value xs = hostBuffer(b, loc, {p.mmaTileM(), p.mma8Pitch()}, i8);
  Value ws = hostBuffer(b, loc, {p.mmaTileN(), p.mma8Pitch()}, i8);
  Value xmax = hostBuffer(b, loc, {p.mmaTileM()}, i32);
  Value xsum = hostBuffer(b, loc, {p.mmaTileM()}, i32);
  const int64_t numAcc = p.mmaTilesM() * p.mmaTilesN() * 4;
  Value accBuf = hostBuffer(b, loc, {p.mmaThreads(), numAcc}, i32);
  Value fa = hostBuffer(b, loc, {kWarp, 4, 4}, i8);
  Value fb = hostBuffer(b, loc, {kWarp, 2, 4}, i8);
  auto sext = [&](Value v) -> Value {
    return arith::ExtSIOp::create(b, loc, i32, v);
  };
  Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
  forEachHostBlock(
      b, loc, p, grid, forLoop, accBuf,
      [&](Value m0) {
        forLoop(p.mmaTileM(), [&](Value r) {
          memref::StoreOp::create(b, loc, zero, xmax, ValueRange{r});
          memref::StoreOp::create(b, loc, zero, xsum, ValueRange{r});
        });
        forLoop(p.mmaThreads(), [&](Value tid) {
          emitMma8RowMax(b, loc, p, ops, tid, p.mmaThreads(), m0, xmax);
        });
      },
      [&](Value tid, Value m0, Value n0, Value k0) {
        SmallVector<Value> loaded =
            emitMmaLoadStep(b, loc, p, ops, opt, tid, m0, n0, k0);
        emitMma8StoreStep(b, loc, p, opt, tid, loaded, xs, ws, xmax, xsum);
      },
      [&] {
        replayMmaStep(
            b, loc, p, forLoop, 4, fa, fb, Value(), accBuf,
            [&](Value tid, int64_t kk, int64_t mi,
                int64_t ni) -> LaneFragments {
              return {emitMmaFragmentA(b, loc, p, opt, tid, xs, kk, mi),
                      emitMmaFragmentB(b, loc, p, opt, tid, ws, kk, ni),
                      Value()};
            },
            [&](Value sum, Value av, Value bw) -> Value {
              return arith::AddIOp::create(
                  b, loc, sum,
                  arith::MulIOp::create(b, loc, sext(av), sext(bw)));
            });
      },
      [&](Value tid, Value m0, Value n0) {
        emitMma8Store(b, loc, p, ops, tid, m0, n0, xmax, xsum,
                      [&](int64_t a, int64_t r, int64_t e) -> Value {
                        return memref::LoadOp::create(
                            b, loc, accBuf,
                            ValueRange{tid, idx(a * 4 + r * 2 + e)});
                      });
      });
}

/// Host reference of the AMD matrix-core GEMM: the same tile and fragment
/// loads; each amdgpu.mfma is replayed from the wave's 64 lanes' fragments
/// gathered in host buffers, reading A[row][k] and B[k][col] back through
/// the v_mfma_f32_16x16x16f16 layout (A[row][k] is element k % 4 of lane
/// row + 16 (k / 4), B[k][col] element k % 4 of lane col + 16 (k / 4);
/// D[row][col] element row % 4 of lane col + 16 (row / 4)), the exact f16
/// products summed in f32 in k order (the matrix cores' order is not
/// modeled).
void emitMfmaHostReference(OpBuilder &b, Location loc, const Problem &p,
                           const Operands &ops, const EmitOptions &opt,
                           std::array<int64_t, 2> grid, ForLoop forLoop) {
  Type f16 = b.getF16Type(), f32 = b.getF32Type();
  auto idx = [&](int64_t v) { return cIdx(b, loc, v); };
  Value xs = hostBuffer(b, loc, {p.mmaTileM(), p.mmaPitch()}, f16);
  Value ws = hostBuffer(b, loc, {p.mmaTileN(), p.mmaPitch()}, f16);
  // Per thread: 4 tiles x 4 accumulator elements.
  Value accBuf = hostBuffer(b, loc, {p.mmaThreads(), 16}, f32);
  Value fa = hostBuffer(b, loc, {kMfmaWave, 4}, f16);
  Value fb = hostBuffer(b, loc, {kMfmaWave, 4}, f16);
  auto tidOf = [&](Value wave, Value lane) -> Value {
    return arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, wave, idx(kMfmaWave)), lane);
  };
  forEachHostBlock(
      b, loc, p, grid, forLoop, accBuf, nullptr,
      [&](Value tid, Value m0, Value n0, Value k0) {
        emitMmaLoadTile(b, loc, p, ops, opt, tid, m0, n0, k0, xs, ws);
      },
      [&] {
        for (int64_t kk = 0; kk < p.mmaStepK(); kk += 16)
          for (int64_t mi = 0; mi < 2; ++mi)
            for (int64_t ni = 0; ni < 2; ++ni)
              forLoop(p.mmaThreads() / kMfmaWave, [&](Value wave) {
                forLoop(kMfmaWave, [&](Value lane) {
                  MfmaLane l = emitMfmaLane(b, loc, tidOf(wave, lane));
                  Value a = emitMfmaFragment(
                      b, loc, opt, xs,
                      arith::AddIOp::create(b, loc, l.wm, idx(16 * mi)), lane,
                      kk);
                  Value bv = emitMfmaFragment(
                      b, loc, opt, ws,
                      arith::AddIOp::create(b, loc, l.wn, idx(16 * ni)), lane,
                      kk);
                  for (int64_t j = 0; j < 4; ++j) {
                    memref::StoreOp::create(
                        b, loc, vector::ExtractOp::create(b, loc, a, j), fa,
                        ValueRange{lane, idx(j)});
                    memref::StoreOp::create(
                        b, loc, vector::ExtractOp::create(b, loc, bv, j), fb,
                        ValueRange{lane, idx(j)});
                  }
                });
                forLoop(kMfmaWave, [&](Value lane) {
                  // This lane's D elements: rows 4 (lane / 16) + e, column
                  // lane % 16.
                  Value tid = tidOf(wave, lane);
                  Value rq = arith::DivUIOp::create(b, loc, lane, idx(16));
                  Value col = arith::RemUIOp::create(b, loc, lane, idx(16));
                  for (int64_t e = 0; e < 4; ++e) {
                    Value row = arith::AddIOp::create(
                        b, loc, arith::MulIOp::create(b, loc, rq, idx(4)),
                        idx(e));
                    Value at = idx((mi * 2 + ni) * 4 + e);
                    Value sum = memref::LoadOp::create(b, loc, accBuf,
                                                       ValueRange{tid, at});
                    for (int64_t k = 0; k < 16; ++k) {
                      Value av = memref::LoadOp::create(
                          b, loc, fa,
                          ValueRange{arith::AddIOp::create(b, loc, row,
                                                           idx(16 * (k / 4))),
                                     idx(k % 4)});
                      Value bw = memref::LoadOp::create(
                          b, loc, fb,
                          ValueRange{arith::AddIOp::create(b, loc, col,
                                                           idx(16 * (k / 4))),
                                     idx(k % 4)});
                      sum = arith::AddFOp::create(
                          b, loc, sum,
                          arith::MulFOp::create(
                              b, loc, arith::ExtFOp::create(b, loc, f32, av),
                              arith::ExtFOp::create(b, loc, f32, bw)));
                    }
                    memref::StoreOp::create(b, loc, sum, accBuf,
                                            ValueRange{tid, at});
                  }
                });
              });
      },
      [&](Value tid, Value m0, Value n0) {
        MfmaLane l = emitMfmaLane(b, loc, tid);
        emitMfmaStore(b, loc, p, ops, l, m0, n0, [&](int64_t a, int64_t e) {
          return memref::LoadOp::create(b, loc, accBuf,
                                        ValueRange{tid, idx(a * 4 + e)});
        });
      });
}

/// Host reference of gemv-mma: the same quantization, steps, words and
/// flushes; each nvgpu.mma.sync m16n8k32 is replayed from the 32 lanes'
/// words gathered in host buffers, reading A[row][slot] and B[slot][col]
/// back through the PTX layout (A: register 2 (slot / 16) + row / 8 of lane
/// (row % 8) * 4 + (slot % 16) / 4, byte slot % 4; B: register slot / 16 of
/// lane col * 4 + (slot % 16) / 4), products summed exactly in int32.
void emitGemvMmaHostReference(OpBuilder &b, Location loc, const Problem &p,
                              const Operands &ops, const EmitOptions &opt,
                              std::array<int64_t, 2> grid, ForLoop forLoop) {
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  auto idx = [&](int64_t v) { return cIdx(b, loc, v); };
  XSource xs =
      emitHostQuantizeX(b, loc, p, ops.x, kGemvMmaWarps * kWarp, forLoop);
  int64_t words = p.bits == 4 ? 8 : 4;
  Value aBuf = hostBuffer(b, loc, {kWarp, 2, words}, i32);
  Value xBuf = hostBuffer(b, loc, {kWarp, words}, i32);
  Value cBuf = hostBuffer(b, loc, {kWarp, 4}, i32);
  Value accBuf = hostBuffer(b, loc, {kWarp, 4}, f32);
  Value red = hostBuffer(b, loc, {kGemvMmaWarps, kWarp, 4}, f32);
  Value zi = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
  Value zf = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  // Byte `byte` of `word` as a signed 8-bit value.
  auto sbyte = [&](Value word, Value byte) -> Value {
    Value sh = arith::ShRUIOp::create(
        b, loc, word,
        arith::IndexCastOp::create(
            b, loc, i32, arith::MulIOp::create(b, loc, byte, idx(8))));
    return arith::ExtSIOp::create(
        b, loc, i32, arith::TruncIOp::create(b, loc, b.getI8Type(), sh));
  };
  Value gw = idx(p.gemvMmaGroupWarps());
  auto groupBase = [&](Value bx, Value warp) -> Value {
    return arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, bx, idx(p.gemvMmaRows())),
        arith::MulIOp::create(b, loc, arith::DivUIOp::create(b, loc, warp, gw),
                              idx(kGemvMmaRows)));
  };
  forLoop(grid[0], [&](Value bx) {
    forLoop(kGemvMmaWarps, [&](Value warp) {
      Value n0 = groupBase(bx, warp);
      Value kw = arith::RemUIOp::create(b, loc, warp, gw);
      forLoop(kWarp, [&](Value lane) {
        for (int64_t i = 0; i < 4; ++i)
          memref::StoreOp::create(b, loc, zf, accBuf, ValueRange{lane, idx(i)});
      });
      auto [s0, s1] = gemvMmaWarpSteps(b, loc, p, kw);
      forLoop(kWarp, [&](Value lane) {
        for (int64_t i = 0; i < 4; ++i)
          memref::StoreOp::create(b, loc, zi, cBuf, ValueRange{lane, idx(i)});
      });
      forEachStep(
          b, loc, p, s0, s1, {},
          [&](Value step, Value lo, Value isLast,
              ValueRange) -> SmallVector<Value> {
            {
              forLoop(kWarp, [&](Value lane) {
                Value g = arith::DivUIOp::create(b, loc, lane, idx(4));
                Value t = arith::RemUIOp::create(b, loc, lane, idx(4));
                GemvMmaWords w = gemvMmaLaneWords(
                    b, loc, p, xs, g, t, step,
                    gemvMmaLoadChunks(b, loc, p, ops, opt, n0, g, t, step));
                for (int64_t j = 0; j < words; ++j) {
                  memref::StoreOp::create(b, loc, w.a0[j], aBuf,
                                          ValueRange{lane, idx(0), idx(j)});
                  memref::StoreOp::create(b, loc, w.a1[j], aBuf,
                                          ValueRange{lane, idx(1), idx(j)});
                  memref::StoreOp::create(b, loc, w.x[j], xBuf,
                                          ValueRange{lane, idx(j)});
                }
              });
              for (int64_t j = 0; j < words; j += 2)
                forLoop(kWarp, [&](Value lane) {
                  Value g = arith::DivUIOp::create(b, loc, lane, idx(4));
                  Value t = arith::RemUIOp::create(b, loc, lane, idx(4));
                  for (int64_t r = 0; r < 2; ++r)
                    for (int64_t e = 0; e < 2; ++e) {
                      Value col = arith::AddIOp::create(
                          b, loc, arith::MulIOp::create(b, loc, t, idx(2)),
                          idx(e));
                      auto slots = scf::ForOp::create(
                          b, loc, idx(0), idx(32), idx(1),
                          ValueRange{memref::LoadOp::create(
                              b, loc, cBuf, ValueRange{lane, idx(2 * r + e)})});
                      {
                        OpBuilder::InsertionGuard guard(b);
                        b.setInsertionPointToStart(slots.getBody());
                        Value slot = slots.getInductionVar();
                        Value half =
                            arith::DivUIOp::create(b, loc, slot, idx(16));
                        Value quad = arith::DivUIOp::create(
                            b, loc,
                            arith::RemUIOp::create(b, loc, slot, idx(16)),
                            idx(4));
                        Value byte =
                            arith::RemUIOp::create(b, loc, slot, idx(4));
                        Value reg = arith::AddIOp::create(b, loc, idx(j), half);
                        // A[g + 8 r][slot] and B[slot][col].
                        Value aLane = arith::AddIOp::create(
                            b, loc, arith::MulIOp::create(b, loc, g, idx(4)),
                            quad);
                        Value bLane = arith::AddIOp::create(
                            b, loc, arith::MulIOp::create(b, loc, col, idx(4)),
                            quad);
                        Value av = sbyte(
                            memref::LoadOp::create(
                                b, loc, aBuf, ValueRange{aLane, idx(r), reg}),
                            byte);
                        Value bv =
                            sbyte(memref::LoadOp::create(
                                      b, loc, xBuf, ValueRange{bLane, reg}),
                                  byte);
                        scf::YieldOp::create(
                            b, loc,
                            ValueRange{arith::AddIOp::create(
                                b, loc, slots.getRegionIterArgs()[0],
                                arith::MulIOp::create(b, loc, av, bv))});
                      }
                      memref::StoreOp::create(b, loc, slots.getResult(0), cBuf,
                                              ValueRange{lane, idx(2 * r + e)});
                    }
                });
            }
            // At the end of a run: flush into the f32 sums, restart.
            auto flush = scf::IfOp::create(b, loc, isLast);
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPointToStart(flush.thenBlock());
            Value hi = arith::AddIOp::create(b, loc, step, idx(1));
            forLoop(kWarp, [&](Value lane) {
              Value g = arith::DivUIOp::create(b, loc, lane, idx(4));
              Value t = arith::RemUIOp::create(b, loc, lane, idx(4));
              SmallVector<Value> c, acc;
              for (int64_t i = 0; i < 4; ++i) {
                c.push_back(memref::LoadOp::create(b, loc, cBuf,
                                                   ValueRange{lane, idx(i)}));
                acc.push_back(memref::LoadOp::create(b, loc, accBuf,
                                                     ValueRange{lane, idx(i)}));
              }
              SmallVector<Value> out =
                  gemvMmaFlush(b, loc, p, ops, xs, n0, g, t, lo, hi, c, acc);
              for (int64_t i = 0; i < 4; ++i) {
                memref::StoreOp::create(b, loc, out[i], accBuf,
                                        ValueRange{lane, idx(i)});
                memref::StoreOp::create(b, loc, zi, cBuf,
                                        ValueRange{lane, idx(i)});
              }
            });
            return {};
          });
      forLoop(kWarp, [&](Value lane) {
        for (int64_t i = 0; i < 4; ++i)
          memref::StoreOp::create(
              b, loc,
              memref::LoadOp::create(b, loc, accBuf, ValueRange{lane, idx(i)}),
              red, ValueRange{warp, lane, idx(i)});
      });
    });
    forLoop(p.gemvMmaGroups, [&](Value group) {
      Value warp0 = arith::MulIOp::create(b, loc, group, gw);
      Value n0 = groupBase(bx, warp0);
      forLoop(kWarp, [&](Value lane) {
        emitGemvMmaStore(b, loc, p, ops, xs, red, n0, warp0, lane);
      });
    });
  });
}

/// Host reference path: the same phase emitters in scf.for nests over block
/// and thread ids, gpu.shuffle's butterfly replayed on a host buffer in the
/// same order, gpu.barrier implied by running phases one after the other.
void emitHostReference(OpBuilder &b, Location loc, const Problem &p, bool nvvm,
                       Kernel kind, const Operands &ops) {
  EmitOptions opt;
  opt.alignedLoads = false;
  // With nvvm the host kernels keep the NVVM byte ops (run them on the CPU
  // through sparq-emulate-nvvm) and replay ldmatrix's addressing.
  opt.nvvm = nvvm;
  opt.host = true;
  // ldmatrix loads the f16 tiles (not the int8 GEMM's s8 ones).
  opt.ldmatrix = nvvm && p.mmaLdmatrix && !p.mma8;
  std::array<int64_t, 2> grid = launchConfig(p, kind).first;
  Value c0 = cIdx(b, loc, 0), c1 = cIdx(b, loc, 1);
  auto forLoop = [&](int64_t ub, function_ref<void(Value)> body) {
    auto loop = scf::ForOp::create(b, loc, c0, cIdx(b, loc, ub), c1);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    body(loop.getInductionVar());
  };
  Type f32 = b.getF32Type();
  if (kind == Kernel::Mma || kind == Kernel::MmaSp)
    return emitMmaHostReference(b, loc, p, ops, opt, grid, forLoop);
  if (kind == Kernel::Mfma)
    return emitMfmaHostReference(b, loc, p, ops, opt, grid, forLoop);
  if (kind == Kernel::NmGemv)
    return emitNmHostReference(b, loc, p, ops, opt, grid, forLoop);
  if (kind == Kernel::Mma8)
    return emitMma8HostReference(b, loc, p, ops, opt, grid, forLoop);
  if (kind == Kernel::GemvMma)
    return emitGemvMmaHostReference(b, loc, p, ops, opt, grid, forLoop);
  if (kind == Kernel::Gemv) {
    int64_t sumsPerWarp = p.gemvFeatures() * p.gemvRows();
    XSource xs{ops.x, {}, {}, {}};
    if (p.int8Activations)
      // The kernel's quantization phases, once, over the same threads.
      xs = emitHostQuantizeX(b, loc, p, ops.x, p.gemvWarps() * kWarp, forLoop);
    auto scratchType = MemRefType::get({kWarp, sumsPerWarp}, f32);
    Value lanes = memref::AllocaOp::create(b, loc, scratchType);
    Value tmp = memref::AllocaOp::create(b, loc, scratchType);
    // The butterfly over the lanes' sums in `lanes`, then lane 0's store.
    auto reduceAndStore = [&](ArrayRef<Value> ns, Value mBase) {
      emitGemvStore(b, loc, p, ops, ns, mBase,
                    replayWarpButterfly(b, loc, forLoop, lanes, tmp));
    };
    // Persistent: each lane's stream keeps the sums of the warp's groups
    // by slot, reduced afterwards.
    int64_t gridWarps = grid[0] * p.gemvWarps();
    int64_t slots = llvm::divideCeilSigned(p.gemvGroups(), gridWarps);
    Value parts =
        p.gemvPersistent()
            ? Value(hostBuffer(b, loc, {slots, kWarp, sumsPerWarp}, f32))
            : Value();
    forLoop(grid[1], [&](Value by) {
      Value mBase =
          arith::MulIOp::create(b, loc, by, cIdx(b, loc, p.gemvRows()));
      forLoop(grid[0], [&](Value bx) {
        forLoop(p.gemvWarps(), [&](Value warp) {
          Value warpG = arith::AddIOp::create(
              b, loc,
              arith::MulIOp::create(b, loc, bx, cIdx(b, loc, p.gemvWarps())),
              warp);
          if (p.gemvPersistent()) {
            forLoop(kWarp, [&](Value lane) {
              SmallVector<Value> prologue =
                  emitGemvStreamLoads(b, loc, p, ops, opt, warpG, lane, c0);
              emitGemvStream(
                  b, loc, p, ops, opt, warpG, lane, mBase, xs, prologue,
                  [&](ArrayRef<Value>, Value slot, ValueRange sums) {
                    for (auto [i, v] : llvm::enumerate(sums))
                      memref::StoreOp::create(
                          b, loc, v, parts,
                          ValueRange{slot, lane,
                                     cIdx(b, loc, static_cast<int64_t>(i))});
                  });
            });
          }
          forLoop(slots, [&](Value slot) {
            Value group = arith::AddIOp::create(
                b, loc, warpG,
                arith::MulIOp::create(b, loc, slot, cIdx(b, loc, gridWarps)));
            SmallVector<Value> ns = emitGemvGroupFeatures(b, loc, p, group);
            auto inRange = scf::IfOp::create(
                b, loc,
                arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                      ns.front(), cIdx(b, loc, p.n)));
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPointToStart(inRange.thenBlock());
            forLoop(kWarp, [&](Value lane) {
              SmallVector<Value> part;
              if (p.gemvPersistent()) {
                for (int64_t i = 0; i < sumsPerWarp; ++i)
                  part.push_back(memref::LoadOp::create(
                      b, loc, parts, ValueRange{slot, lane, cIdx(b, loc, i)}));
              } else {
                // x is read in place: the kernel's shared copy holds the
                // same values.
                SmallVector<Value> prologue =
                    emitGemvLoads(b, loc, p, ops, opt, ns, lane);
                part = emitGemvLanePartials(b, loc, p, ops, opt, ns, lane,
                                            mBase, xs, prologue);
              }
              for (int64_t i = 0; i < sumsPerWarp; ++i)
                memref::StoreOp::create(b, loc, part[i], lanes,
                                        ValueRange{lane, cIdx(b, loc, i)});
            });
            reduceAndStore(ns, mBase);
          });
        });
      });
    });
    return;
  }
  auto tileType = MemRefType::get({kTileK, kTileM}, f32);
  Value xs = memref::AllocaOp::create(b, loc, tileType);
  Value ws = memref::AllocaOp::create(b, loc, tileType);
  Value accBuf = hostBuffer(b, loc, {kGemmThreads, 16}, f32);
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
void lowerMatmul(MatmulOp op, AssembleOp assemble, const Problem &p,
                 Kernel kind, bool hostReference, bool nvvm) {
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

  // x, data, [indices (N:M)], [scales (quantized)], [zero points].
  SmallVector<Value> tensors = {x2, assemble.getData()};
  if (p.nmN)
    tensors.push_back(assemble.getIndices());
  if (p.bits)
    tensors.push_back(assemble.getScales());
  if (p.hasZeroPoints)
    tensors.push_back(assemble.getZeroPoints());
  SmallVector<Value> host;
  // Constant weights become device-resident: their host buffers are
  // read-only globals whose address identifies them for the whole run.
  SmallVector<int64_t> resident;
  for (auto [i, t] : llvm::enumerate(tensors)) {
    host.push_back(toBuffer(b, loc, t));
    if (i > 0 && t.getDefiningOp<arith::ConstantOp>())
      resident.push_back(i);
  }
  auto yType = MemRefType::get({p.m, p.n}, b.getF32Type());
  Value hostY = memref::AllocOp::create(b, loc, yType, ValueRange{},
                                        b.getI64IntegerAttr(64));
  if (hostReference) {
    Operands ops;
    unsigned i = 0;
    ops.x = host[i++];
    ops.data = host[i++];
    if (p.nmN)
      ops.indices = host[i++];
    if (p.bits)
      ops.scales = host[i++];
    if (p.hasZeroPoints)
      ops.zeroPoints = host[i++];
    ops.y = hostY;
    emitHostReference(b, loc, p, nvvm, kind, ops);
  } else {
    emitLaunch(b, loc, module, p, kind, host, resident, hostY, nvvm);
  }
  Value y = bufferization::ToTensorOp::create(b, loc, y2Type, hostY,
                                              /*restrict=*/true,
                                              /*writable=*/true);
  if (Value g = assemble.getGlobalScale()) // Applied on the host.
    y = multiplyByGlobalScale(b, loc, y, g);
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
    if (activations != "f32" && activations != "int8") {
      getOperation().emitError()
          << "convert-sparq-to-gpu: activations must be 'f32' or 'int8', got '"
          << activations << "'";
      return signalPassFailure();
    }
    if (gemvWarps < 0 || gemvWarps > 32 || gemvFeatures < 0 ||
        gemvFeatures > 8 || gemvUnroll < 0 || gemvUnroll > 4 ||
        !llvm::is_contained({0, 64, 128, 256},
                            static_cast<int64_t>(mmaTileN)) ||
        !llvm::is_contained({0, 64, 128}, static_cast<int64_t>(mmaTileM)) ||
        mmaPrefetch < 0 || mmaPrefetch > 2 || mmaStages < 0 || mmaStages > 2 ||
        minBlocksPerSM < 0 || minBlocksPerSM > 32 || gemvBlocks < 0 ||
        !llvm::is_contained({0, 32, 64}, static_cast<int64_t>(mmaWarpN)) ||
        !llvm::is_contained({0, 16, 32}, static_cast<int64_t>(gemvMmaRows))) {
      getOperation().emitError()
          << "convert-sparq-to-gpu: gemv-warps must be in [0, 32], "
             "gemv-features in [0, 8], gemv-unroll in [0, 4], mma-tile-n 0, "
             "64, 128 or 256, mma-tile-m 0, 64 or 128, mma-prefetch and "
             "mma-stages in [0, 2], min-blocks-per-sm in [0, 32], mma-warp-n "
             "0, 32 or 64, gemv-mma-rows 0, 16 or 32 (0: the default), "
             "gemv-blocks >= 0, got "
          << static_cast<int64_t>(gemvWarps) << ", "
          << static_cast<int64_t>(gemvFeatures) << ", "
          << static_cast<int64_t>(gemvUnroll) << ", "
          << static_cast<int64_t>(mmaTileN) << ", "
          << static_cast<int64_t>(mmaTileM) << ", "
          << static_cast<int64_t>(mmaPrefetch) << ", "
          << static_cast<int64_t>(mmaStages) << ", "
          << static_cast<int64_t>(minBlocksPerSM) << ", "
          << static_cast<int64_t>(mmaWarpN) << ", "
          << static_cast<int64_t>(gemvMmaRows) << " and "
          << static_cast<int64_t>(gemvBlocks);
      return signalPassFailure();
    }
    if (mfma && (mma || nvvm)) {
      getOperation().emitError()
          << "convert-sparq-to-gpu: mfma (AMD) excludes mma and nvvm (NVIDIA)";
      return signalPassFailure();
    }
    SmallVector<MatmulOp> ops;
    getOperation().walk([&](MatmulOp op) { ops.push_back(op); });
    for (MatmulOp op : ops) {
      auto assemble = op.getWeight().getDefiningOp<AssembleOp>();
      std::string reason = "the weight is not built by sparq.assemble";
      FailureOr<Problem> p = failure();
      if (assemble && SparqDialect::isPackedArgument(assemble.getData()))
        reason = "the data is 'sparq.packed' (the CPU runtime's layout)";
      else if (assemble)
        p = cast<CompressedType>(assemble.getResult().getType()).getSparsity()
                ? getNmProblem(op, assemble,
                               mma && mmaSparse && (nvvm || hostReference),
                               reason)
                : getProblem(op, assemble, reason);
      if (succeeded(p)) {
        p->gemvWarpsOverride = gemvWarps;
        p->gemvFeaturesOverride = gemvFeatures;
        p->gemvUnrollOverride = gemvUnroll;
        p->gemvBlocksOption = gemvBlocks;
        p->mmaTileNOverride = mmaTileN;
        p->mmaTileMOverride = mmaTileM;
        p->mmaStagesOverride = mmaStages;
        p->minBlocksPerSM = minBlocksPerSM;
        p->mmaWarpNOverride = mmaWarpN;
        p->gemvMma = false;
        p->gemvMmaGroups = gemvMmaRows == 32 ? 2 : 1;
        p->mmaPrefetchOverride = mmaPrefetch;
        p->mmaLdmatrix = mmaLdmatrix;
        p->mmaPackedWOption = mmaPackedW && nvvm;
        if (activations == "int8" && !p->nmN) {
          // Integer or FP4 codes, one scale group per 16-byte chunk, x codes
          // in shared memory; otherwise f32 activations (and N:M weights).
          Problem q = *p;
          q.int8Activations = true;
          p->int8Activations = p->float8 == Problem::Float8::None &&
                               p->k >= kMinInt8ActivationK &&
                               p->scaleBlockK >= p->chunkElems() &&
                               !p->useGemm(gemmMinRows) && q.gemvStaged();
        }
      }
      if (failed(p)) {
        if (remarks)
          op.emitRemark() << "no GPU kernel, left to the host: " << reason;
        continue;
      }
      // The int8 tensor-core GEMV: int8 activations of integer codes, NVIDIA
      // (or its host reference), scale groups and K in whole warp steps,
      // and room for the block's partial sums next to the x codes.
      p->gemvMma =
          gemvMma && !p->nmN && p->int8Activations && !p->fp4 &&
          (nvvm || hostReference) && p->scaleBlockK % p->gemvMmaStepK() == 0 &&
          p->k % p->gemvMmaStepK() == 0 &&
          p->xStageBytes() + kGemvMmaWarps * kWarp * 16 <= kGemvStageBytes;
      Kernel kind = p->mmaSparse               ? Kernel::MmaSp
                    : p->nmN                   ? Kernel::NmGemv
                    : p->gemvMma               ? Kernel::GemvMma
                    : !p->useGemm(gemmMinRows) ? Kernel::Gemv
                    : mma                      ? Kernel::Mma
                    : mfma                     ? Kernel::Mfma
                                               : Kernel::Gemm;
      // The int8 tensor-core GEMM: 4- and 8-bit integer codes with one
      // scale per row, K in steps of 64, NVIDIA (or its host reference).
      if (kind == Kernel::Mma && mmaInt8 && (nvvm || hostReference) &&
          p->mma8Fits())
        kind = Kernel::Mma8;
      // bf16 operands: the nvvm.mma.sync form (NVIDIA, or its host
      // reference).
      p->mmaBf16 = kind == Kernel::Mma && mmaBf16 && (nvvm || hostReference);
      p->mfma = kind == Kernel::Mfma;
      p->mma8 = kind == Kernel::Mma8;
      lowerMatmul(op, assemble, *p, kind, hostReference, nvvm);
      ++(kind == Kernel::Gemv || kind == Kernel::GemvMma ? numGemv
         : kind == Kernel::Gemm                          ? numGemm
                                                         : numMma);
      if (assemble->use_empty())
        assemble->erase();
    }
  }
};

} // namespace
