//===- ImportONNX.h - ONNX model importer -----------------------*- C++ -*-===//
//
// Translates an ONNX model (ModelProto, protobuf binary) into a builtin module
// holding one `func.func` of linalg / tensor / arith / math ops on tensors.
// Graph inputs and outputs become the function's arguments and results (their
// ONNX names in `onnx.name` argument / result attributes), initializers become
// constants (`dense_resource` blobs from `resourceThreshold` bytes on), and
// every op carries `loc("<node name>")` so that Sparq names layers after ONNX
// nodes. Shapes are static: dynamic input dimensions are fixed by options.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_TARGET_ONNX_IMPORTONNX_H
#define SPARQ_TARGET_ONNX_IMPORTONNX_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringMap.h"

#include <string>

namespace mlir::sparq {

/// Options of the ONNX importer.
struct ImportOptions {
  /// Value of a dynamic (symbolic or unknown) first dimension of a graph input.
  int64_t batchSize = 1;
  /// Values of other dynamic dimensions, by their ONNX `dim_param` name.
  llvm::StringMap<int64_t> dimValues;
  /// Name of the generated function.
  std::string entryName = "main";
  /// Constants of at least this many bytes become `dense_resource` blobs,
  /// smaller ones inline `dense` literals.
  int64_t resourceThreshold = 1024;
  /// Fold BatchNormalization into the Conv that feeds it when both have
  /// constant parameters.
  bool foldBatchNorm = true;
};

/// Imports the ONNX model in the file at `path`. External data files are
/// looked up relative to the directory of `path`. On failure, diagnostics
/// (naming the node, op type and opset where one is at fault) have been
/// emitted to `context`.
FailureOr<OwningOpRef<ModuleOp>>
importONNXFile(StringRef path, MLIRContext *context,
               const ImportOptions &options = {});

/// Imports an ONNX model held in memory. `bufferName` names it in
/// diagnostics; external data files are looked up relative to `baseDir`.
FailureOr<OwningOpRef<ModuleOp>> importONNXBuffer(
    StringRef buffer, MLIRContext *context, const ImportOptions &options = {},
    StringRef bufferName = "<onnx buffer>", StringRef baseDir = "");

/// Registers the dialects whose ops the importer creates.
void registerImportONNXDialects(DialectRegistry &registry);

/// Registers the `--import-onnx` translation (for sparq-translate), with its
/// `--onnx-batch-size` and `--onnx-dim` options.
void registerImportONNXTranslation();

} // namespace mlir::sparq

#endif // SPARQ_TARGET_ONNX_IMPORTONNX_H
