//===- sparq-translate.cpp - Sparq translation driver ---------------------===//
//
// An mlir-translate with Sparq's translations (--import-onnx) added to the
// upstream ones.
//
//===----------------------------------------------------------------------===//

#include "sparq/InitAll.h"

#include "mlir/InitAllTranslations.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  mlir::registerAllTranslations();
  mlir::sparq::registerAllSparqTranslations();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "Sparq translation driver\n"));
}
