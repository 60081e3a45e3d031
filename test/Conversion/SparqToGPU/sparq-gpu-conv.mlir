// RUN: sparq-opt %s --sparq-gpu="chip=sm_90 remarks=true" --mlir-print-ir-after=convert-sparq-to-gpu -o /dev/null 2>&1 | FileCheck %s
// RUN: sparq-opt %s --sparq-gpu="chip=sm_90 conv-to-matmul=false" --mlir-print-ir-after=convert-sparq-to-gpu -o /dev/null 2>&1 | FileCheck %s --check-prefix=OFF

// sparq-gpu rewrites a convolution on a compressed filter into im2col (host)
// and a sparq.matmul that becomes a GPU kernel: 16 input channels x 3 x 3 =
// 144 int8 codes per row (whole 16-byte chunks), M = 16 output pixels (the
// tensor-core GEMM needs K % 32 == 0: the GEMV with f32 x, 16 rows > 8).

// CHECK-LABEL: func.func @conv
// CHECK: call @[[LAUNCH:sparq_gemv_i8cf32_16x8x144_launch[_a-z0-9]*]](
// CHECK: gpu.func @sparq_gemv_i8cf32_16x8x144(
// CHECK: func.func private @[[LAUNCH]]({{.*}}sparq.gpu_launch

// OFF-LABEL: func.func @conv
// OFF-NOT: sparq_gemv
// OFF: linalg.conv_2d_nchw_fchw
func.func @conv(%x: tensor<1x16x6x6xf32>) -> tensor<1x8x4x4xf32> {
  %d = arith.constant dense<3> : tensor<8x16x3x3xi8>
  %s = arith.constant dense<0.25> : tensor<8x1x1x1xf32>
  %w = sparq.assemble %d : tensor<8x16x3x3xi8> scales %s : tensor<8x1x1x1xf32> -> !sparq.compressed<8x16x3x3xf32, #sparq.quant<i8, per_channel(axis = 0)>>
  %f = sparq.dequantize %w : !sparq.compressed<8x16x3x3xf32, #sparq.quant<i8, per_channel(axis = 0)>> -> tensor<8x16x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x4x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %f : tensor<1x16x6x6xf32>, tensor<8x16x3x3xf32>) outs(%acc : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}
