//===- Emit.cpp - LLVM IR and object files for the host CPU ---------------===//

#include "sparq/Target/CPU/Emit.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;
using namespace mlir::sparq;

std::string mlir::sparq::getHostCPUDescription() {
  return llvm::sys::getHostCPUName().str();
}

/// A target machine for the host CPU with all its features, PIC, -O3.
static std::unique_ptr<llvm::TargetMachine>
createHostMachine(std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  llvm::SubtargetFeatures features;
  for (const auto &feature : llvm::sys::getHostCPUFeatures())
    features.AddFeature(feature.getKey(), feature.getValue());
  llvm::TargetOptions options;
  // Global constructors (a GPU model's module load) in .init_array, as
  // clang does on ELF: .ctors sections are not run by modern startup files.
  options.UseInitArray = true;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, llvm::sys::getHostCPUName(), features.getString(), options,
      llvm::Reloc::PIC_, std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    error = "cannot create a target machine for " + triple.str();
  return machine;
}

FailureOr<std::unique_ptr<llvm::Module>>
mlir::sparq::translateForHost(ModuleOp module, llvm::LLVMContext &llvmContext) {
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  // Models compiled for a GPU: gpu.binary and gpu.launch_func become the
  // embedded kernel image and mgpu* calls.
  registerGPUDialectTranslation(registry);
  module.getContext()->appendDialectRegistry(registry);

  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "sparq_model");
  if (!llvmModule)
    return module.emitError("cannot translate the module to LLVM IR"),
           failure();
  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine = createHostMachine(error);
  if (!machine)
    return module.emitError() << error, failure();
  llvmModule->setDataLayout(machine->createDataLayout());
  llvmModule->setTargetTriple(machine->getTargetTriple());
  auto optimize =
      makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0, machine.get());
  if (llvm::Error err = optimize(llvmModule.get()))
    return module.emitError() << "LLVM optimization failed: "
                              << llvm::toString(std::move(err)),
           failure();
  return llvmModule;
}

FailureOr<std::string> mlir::sparq::emitHostObject(llvm::Module &llvmModule,
                                                   std::string &error) {
  std::unique_ptr<llvm::TargetMachine> machine = createHostMachine(error);
  if (!machine)
    return failure();
  llvmModule.setDataLayout(machine->createDataLayout());
  SmallString<0> object;
  llvm::raw_svector_ostream os(object);
  llvm::legacy::PassManager pm;
  if (machine->addPassesToEmitFile(pm, os, nullptr,
                                   llvm::CodeGenFileType::ObjectFile)) {
    error = "the host target cannot emit object files";
    return failure();
  }
  pm.run(llvmModule);
  return std::string(object.str());
}
