// RUN: sparq-opt %s --convert-sparq-to-gpu="activations=f32" | FileCheck %s --check-prefix=CONV
// RUN: sparq-opt %s --sparq-gpu="chip=sm_80 activations=f32" | FileCheck %s --check-prefix=HOST

// Constant weights stay on the device: convert-sparq-to-gpu lists the
// constant operands (data 1, scales 2) in the launcher's `resident`, one
// launcher per kernel and set of constants; the generated host code gets
// them from sparq_gpu_resident_<type> (uploaded once per host address by the
// runtime) instead of gpu.alloc + gpu.memcpy on every call. Non-constant
// data (an argument) is still copied per call.

// CONV-LABEL: func.func @main
// CONV: call @sparq_gemv_i4g32f16_2x8x64_launch_c12(
// CONV: call @sparq_gemv_i4g32f16_2x8x64_launch_c2(
// CONV: func.func private @sparq_gemv_i4g32f16_2x8x64_launch_c12({{.*}}) attributes {sparq.gpu_launch = {{{.*}}kernel = @sparq_kernels::@sparq_gemv_i4g32f16_2x8x64, resident = array<i64: 1, 2>}}
// CONV: func.func private @sparq_gemv_i4g32f16_2x8x64_launch_c2({{.*}}resident = array<i64: 2>}}

// Constant data and scales: 2 device allocations (x, y), 2 copies (x in,
// y out), 2 frees.
// HOST-LABEL: llvm.func @sparq_gemv_i4g32f16_2x8x64_launch_c12(
// HOST: llvm.call @mgpuStreamCreate
// HOST: llvm.call @mgpuMemAlloc
// HOST: llvm.call @mgpuMemcpy
// HOST-NOT: llvm.call @mgpuMemcpy
// HOST: llvm.call @sparq_gpu_resident_i8(
// HOST-NOT: llvm.call @mgpuMemcpy
// HOST: llvm.call @sparq_gpu_resident_f16(
// HOST-NOT: llvm.call @mgpuMemcpy
// HOST: llvm.call @mgpuMemAlloc
// HOST-NOT: llvm.call @mgpuMemAlloc
// HOST: gpu.launch_func
// HOST: llvm.call @mgpuMemcpy
// HOST-COUNT-2: llvm.call @mgpuMemFree
// HOST-NOT: llvm.call @mgpuMemFree
// HOST: llvm.call @mgpuStreamSynchronize
// Argument data: copied in on every call.
// HOST-LABEL: llvm.func @sparq_gemv_i4g32f16_2x8x64_launch_c2(
// HOST-COUNT-2: llvm.call @mgpuMemcpy
// HOST: llvm.call @sparq_gpu_resident_f16(
// HOST-COUNT-3: llvm.call @mgpuMemFree
// The runtime entry points, through the C interface:
// HOST: llvm.func @_mlir_ciface_sparq_gpu_resident_i8(!llvm.ptr, !llvm.ptr)
// HOST: llvm.func @_mlir_ciface_sparq_gpu_resident_f16(!llvm.ptr, !llvm.ptr)
func.func @main(%x: tensor<2x64xf32>, %d2: tensor<8x32xi8>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %d = arith.constant dense<17> : tensor<8x32xi8>
  %s = arith.constant dense<0.5> : tensor<8x2xf16>
  %w = sparq.assemble %d : tensor<8x32xi8> scales %s : tensor<8x2xf16>
         -> !sparq.compressed<8x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 32), scale = f16>>
  %y = sparq.matmul %x, %w : tensor<2x64xf32>,
         !sparq.compressed<8x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 32), scale = f16>>
         -> tensor<2x8xf32>
  %w2 = sparq.assemble %d2 : tensor<8x32xi8> scales %s : tensor<8x2xf16>
         -> !sparq.compressed<8x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 32), scale = f16>>
  %y2 = sparq.matmul %x, %w2 : tensor<2x64xf32>,
         !sparq.compressed<8x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 32), scale = f16>>
         -> tensor<2x8xf32>
  return %y, %y2 : tensor<2x8xf32>, tensor<2x8xf32>
}
