//===- Emit.h - LLVM IR, object files and shared libraries ------*- C++ -*-===//

#ifndef SPARQ_TARGET_CPU_EMIT_H
#define SPARQ_TARGET_CPU_EMIT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

#include <memory>
#include <string>

namespace mlir::sparq {

/// Translates an LLVM-dialect module to LLVM IR, optimized at -O3 for the
/// host CPU (its name and features). Errors are emitted on `module`.
FailureOr<std::unique_ptr<llvm::Module>>
translateForHost(ModuleOp module, llvm::LLVMContext &llvmContext);

/// Compiles `llvmModule` to a relocatable, position-independent host object.
FailureOr<std::string> emitHostObject(llvm::Module &llvmModule,
                                      std::string &error);

/// The host CPU's name, e.g. "znver5".
std::string getHostCPUDescription();

} // namespace mlir::sparq

#endif // SPARQ_TARGET_CPU_EMIT_H
