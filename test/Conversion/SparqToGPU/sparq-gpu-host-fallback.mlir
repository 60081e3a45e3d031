// RUN: sparq-opt %s --sparq-gpu="chip=sm_90 remarks=true" --verify-diagnostics | FileCheck %s

// sparq-gpu: what has no GPU kernel runs on the host through the CPU
// runtime's kernels (the numerics of the CPU build), not on scalar loops: a
// compressed matmul whose int8 rows (K = 72) are not whole 16-byte chunks
// goes to sparq_rt_qmatmul with int8 activations, a dense linalg.matmul to
// sparq_rt_matmul_f32; a compressed matmul with whole chunks (K = 64) gets
// its GPU kernel.

// CHECK-LABEL: llvm.func @main
// CHECK: llvm.call @sparq_rt_qmatmul_sf32(
// CHECK: llvm.call @sparq_gemv_i8cf32_xi8_2x8x64_launch_c12(
// CHECK: llvm.call @sparq_rt_matmul_f32(
// CHECK: gpu.binary @sparq_kernels
// CHECK: llvm.func @sparq_gemv_i8cf32_xi8_2x8x64_launch_c12(
// CHECK: gpu.launch_func {{.*}} @sparq_kernels::@sparq_gemv_i8cf32_xi8_2x8x64
func.func @main(%x: tensor<2x72xf32>, %x2: tensor<2x64xf32>, %dense: tensor<64x8xf32>)
    -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  %d = arith.constant dense<3> : tensor<8x72xi8>
  %s = arith.constant dense<0.25> : tensor<8x1xf32>
  %w = sparq.assemble %d : tensor<8x72xi8> scales %s : tensor<8x1xf32>
         -> !sparq.compressed<8x72xf32, #sparq.quant<i8, per_channel(axis = 0)>>
  // expected-remark @below {{no GPU kernel, left to the host: packed rows are not a multiple of 16 bytes (K must be a multiple of 16)}}
  %y = sparq.matmul %x, %w : tensor<2x72xf32>,
         !sparq.compressed<8x72xf32, #sparq.quant<i8, per_channel(axis = 0)>> -> tensor<2x8xf32>
  %d2 = arith.constant dense<5> : tensor<8x64xi8>
  %w2 = sparq.assemble %d2 : tensor<8x64xi8> scales %s : tensor<8x1xf32>
          -> !sparq.compressed<8x64xf32, #sparq.quant<i8, per_channel(axis = 0)>>
  %y2 = sparq.matmul %x2, %w2 : tensor<2x64xf32>,
          !sparq.compressed<8x64xf32, #sparq.quant<i8, per_channel(axis = 0)>> -> tensor<2x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x8xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32>
  %y3 = linalg.matmul ins(%x2, %dense : tensor<2x64xf32>, tensor<64x8xf32>) outs(%acc : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y, %y2, %y3 : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}
