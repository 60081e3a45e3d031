//===- EmulateNVVM.cpp - NVVM byte ops as arith, for host tests ---------===//
//
// The host-reference kernels of convert-sparq-to-gpu (host-reference=true)
// built with nvvm=true contain the NVIDIA-only ops the GPU kernels use:
// nvvm.prmt (byte permute) and nvvm.dot.accumulate.4way (dp4a). This pass
// rewrites them into arith on i32 following the PTX ISA's definitions, so
// that the CPU tests run the same selectors, tables and signedness as the
// GPU code. Written from the PTX semantics, not from the kernels.
//
//===----------------------------------------------------------------------===//

#include "sparq/Conversion/SparqToGPU/SparqToGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::sparq {
#define GEN_PASS_DEF_SPARQEMULATENVVM
#include "sparq/Conversion/Passes.h.inc"
} // namespace mlir::sparq

using namespace mlir;
using namespace mlir::sparq;

namespace {

/// prmt.b32 d, a, b, c (default mode): the pool holds a's bytes 0-3 and
/// b's bytes 4-7; result byte k is pool byte (c >> 4k) & 7, or with bit 3
/// of that nibble set, the sign (bit 7) of that byte replicated.
Value emulatePermute(OpBuilder &b, Location loc, Value lo, Value hi,
                     Value sel) {
  auto c = [&](int32_t v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
  };
  if (!hi)
    hi = c(0);
  Value result = c(0);
  for (int32_t k = 0; k < 4; ++k) {
    Value nibble = arith::AndIOp::create(
        b, loc, arith::ShRUIOp::create(b, loc, sel, c(4 * k)), c(15));
    Value index = arith::AndIOp::create(b, loc, nibble, c(7));
    Value fromHi =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, index, c(4));
    Value word = arith::SelectOp::create(b, loc, fromHi, hi, lo);
    Value shift = arith::MulIOp::create(
        b, loc, arith::AndIOp::create(b, loc, index, c(3)), c(8));
    Value byte = arith::AndIOp::create(
        b, loc, arith::ShRUIOp::create(b, loc, word, shift), c(255));
    Value replicate = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::ne,
        arith::AndIOp::create(b, loc, nibble, c(8)), c(0));
    Value negative = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::ne,
        arith::AndIOp::create(b, loc, byte, c(128)), c(0));
    Value sign = arith::SelectOp::create(b, loc, negative, c(255), c(0));
    byte = arith::SelectOp::create(b, loc, replicate, sign, byte);
    result = arith::OrIOp::create(
        b, loc, result, arith::ShLIOp::create(b, loc, byte, c(8 * k)));
  }
  return result;
}

/// dp4a: c + sum of the products of the four bytes of a and b, each
/// sign- or zero-extended as its type says.
Value emulateDot4(OpBuilder &b, Location loc, Value a, bool aSigned, Value bv,
                  bool bSigned, Value acc) {
  auto v4i32 = VectorType::get({4}, b.getI32Type());
  auto widen = [&](Value v, bool sgn) -> Value {
    return sgn ? Value(arith::ExtSIOp::create(b, loc, v4i32, v))
               : Value(arith::ExtUIOp::create(b, loc, v4i32, v));
  };
  Value prod =
      arith::MulIOp::create(b, loc, widen(a, aSigned), widen(bv, bSigned));
  return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, prod,
                                     acc);
}

struct SparqEmulateNVVMPass
    : public sparq::impl::SparqEmulateNVVMBase<SparqEmulateNVVMPass> {
  void runOnOperation() override {
    bool failed = false;
    getOperation().walk([&](Operation *op) {
      OpBuilder b(op);
      if (auto prmt = dyn_cast<NVVM::PermuteOp>(op)) {
        if (prmt.getMode() != NVVM::PermuteMode::DEFAULT) {
          prmt.emitError() << "sparq-emulate-nvvm: only the default prmt "
                              "mode is emulated";
          failed = true;
          return;
        }
        prmt.replaceAllUsesWith(emulatePermute(
            b, prmt.getLoc(), prmt.getLo(), prmt.getHi(), prmt.getSelector()));
        prmt.erase();
      } else if (auto dot = dyn_cast<NVVM::DotAccumulate4WayOp>(op)) {
        dot.replaceAllUsesWith(emulateDot4(
            b, dot.getLoc(), dot.getA(),
            dot.getAType() == NVVM::DotAccumulateType::SIGNED, dot.getB(),
            dot.getBType() == NVVM::DotAccumulateType::SIGNED, dot.getC()));
        dot.erase();
      }
    });
    if (failed)
      signalPassFailure();
  }
};

} // namespace
