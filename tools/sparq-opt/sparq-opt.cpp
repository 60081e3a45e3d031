//===- sparq-opt.cpp - Sparq optimizer driver -----------------------------===//
//
// An mlir-opt with Sparq's dialects and passes, plus every upstream dialect
// and pass.
//
//===----------------------------------------------------------------------===//

#include "sparq/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::sparq::registerAllSparqPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary (sparq-gpu) translates kernels to LLVM IR.
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::sparq::registerAllSparqDialects(registry);

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "Sparq optimizer driver\n", registry));
}
