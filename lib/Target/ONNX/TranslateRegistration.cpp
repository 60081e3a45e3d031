//===- TranslateRegistration.cpp - The --import-onnx translation ----------===//

#include "sparq/Target/ONNX/ImportONNX.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/ManagedStatic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace mlir::sparq;

namespace {
struct ONNXTranslateOptions {
  llvm::cl::opt<int64_t> batchSize{
      "onnx-batch-size",
      llvm::cl::desc("Size of a dynamic first dimension of ONNX graph inputs"),
      llvm::cl::init(1)};
  llvm::cl::list<std::string> dims{
      "onnx-dim",
      llvm::cl::desc("Size of a named dynamic dimension: <dim_param>=<size>"),
      llvm::cl::CommaSeparated};
  llvm::cl::opt<int64_t> resourceThreshold{
      "onnx-resource-threshold",
      llvm::cl::desc("Constants of at least this many bytes become "
                     "dense_resource blobs"),
      llvm::cl::init(1024)};
  llvm::cl::opt<bool> noFoldBatchNorm{
      "onnx-no-fold-batchnorm",
      llvm::cl::desc("Keep BatchNormalization as elementwise ops instead of "
                     "folding it into the preceding Conv"),
      llvm::cl::init(false)};
};
} // namespace

static llvm::ManagedStatic<ONNXTranslateOptions> clOptions;

void mlir::sparq::registerImportONNXTranslation() {
  *clOptions; // Registers the options.
  TranslateToMLIRRegistration registration(
      "import-onnx", "Import an ONNX model (protobuf) into func + linalg",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        StringRef name = buffer->getBufferIdentifier();
        ImportOptions options;
        options.batchSize = clOptions->batchSize;
        options.resourceThreshold = clOptions->resourceThreshold;
        options.foldBatchNorm = !clOptions->noFoldBatchNorm;
        for (const std::string &d : clOptions->dims) {
          auto [key, value] = StringRef(d).split('=');
          int64_t size;
          if (key.empty() || value.getAsInteger(10, size) || size < 0) {
            emitError(UnknownLoc::get(context))
                << "invalid --onnx-dim '" << d << "', expected <name>=<size>";
            return {};
          }
          options.dimValues[key] = size;
        }
        StringRef dir = llvm::sys::path::parent_path(name);
        FailureOr<OwningOpRef<ModuleOp>> module =
            importONNXBuffer(buffer->getBuffer(), context, options, name,
                             dir.empty() ? "." : dir);
        if (failed(module))
          return {};
        return OwningOpRef<Operation *>(module->release());
      },
      registerImportONNXDialects);
}
