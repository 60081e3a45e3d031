//===- ModelABI.h - The C ABI of compiled models ----------------*- C++ -*-===//
//
// Makes a compiled model self-describing: `sparq_model_signature()` returns
// its inputs and outputs as JSON and `sparq_model_run(inputs, outputs)` runs
// it on dense row-major buffers. The ABI is documented in
// include/sparq-c/Model.h.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_TARGET_CPU_MODELABI_H
#define SPARQ_TARGET_CPU_MODELABI_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <string>

namespace mlir::sparq {

/// One input or output of a model: a static-shape dense tensor.
struct ModelTensor {
  std::string name;
  SmallVector<int64_t> shape;
  /// numpy's name of the element type ("float32", "int64", ...).
  std::string dtype;
  int64_t elementBytes = 0;
};

struct ModelSignature {
  std::string entry;
  SmallVector<ModelTensor> inputs, outputs;
  /// The JSON text `sparq_model_signature()` returns.
  std::string toJSON() const;
};

/// Before lowering (tensor level): checks that `entry` exists with static
/// dense tensor inputs and results of supported element types, marks it
/// `llvm.emit_c_interface`, and adds `sparq_model_run_impl`, which takes one
/// memref per input and per output and runs `entry` into the outputs.
/// Errors are emitted on the module or the function.
FailureOr<ModelSignature> addModelABI(ModuleOp module, StringRef entry);

/// After lowering to the LLVM dialect: adds `sparq_model_run`,
/// `sparq_model_signature` and `sparq_model_abi_version`.
LogicalResult finalizeModelABI(ModuleOp module,
                               const ModelSignature &signature);

} // namespace mlir::sparq

#endif // SPARQ_TARGET_CPU_MODELABI_H
