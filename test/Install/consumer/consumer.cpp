//===- consumer.cpp - Uses Sparq from an installed tree -------------------===//
//
// Parses a module with an annotation, runs Sparq's quantize and report passes
// through a pass manager, and prints the result: what a project that embeds
// Sparq in its own pipeline does.
//
//===----------------------------------------------------------------------===//

#include "sparq/InitAll.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

static const char *kModule = R"mlir(
func.func @f(%x: tensor<1x8xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[1.0, -1.0], [0.5, 2.0], [0.0, 1.0], [3.0, -3.0],
                             [1.0, -1.0], [0.5, 2.0], [0.0, 1.0], [3.0, -3.0]]>
       : tensor<8x2xf32>
  %a = sparq.annotate %w : tensor<8x2xf32>
       with #sparq.quant<i8, per_channel(axis = 1)> {layer = "fc"}
  %y = linalg.matmul ins(%x, %a : tensor<1x8xf32>, tensor<8x2xf32>)
                     outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
)mlir";

int main() {
  mlir::DialectRegistry registry;
  registry.insert<mlir::func::FuncDialect, mlir::arith::ArithDialect,
                  mlir::linalg::LinalgDialect, mlir::tensor::TensorDialect>();
  mlir::sparq::registerAllSparqDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(kModule, &context);
  if (!module)
    return 1;
  mlir::PassManager pm(&context);
  pm.addPass(mlir::sparq::createSparqQuantize());
  if (mlir::failed(pm.run(*module)))
    return 1;
  module->print(llvm::outs());
  return 0;
}
