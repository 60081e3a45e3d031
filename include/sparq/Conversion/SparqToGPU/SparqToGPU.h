//===- SparqToGPU.h - Compressed matmuls as GPU kernels ---------*- C++ -*-===//

#ifndef SPARQ_CONVERSION_SPARQTOGPU_SPARQTOGPU_H
#define SPARQ_CONVERSION_SPARQTOGPU_SPARQTOGPU_H

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::sparq {

#define GEN_PASS_DECL_CONVERTSPARQTOGPU
#define GEN_PASS_DECL_SPARQGPULAUNCHERS
#define GEN_PASS_DECL_SPARQEMULATENVVM
#include "sparq/Conversion/Passes.h.inc"

} // namespace mlir::sparq

#endif // SPARQ_CONVERSION_SPARQTOGPU_SPARQTOGPU_H
