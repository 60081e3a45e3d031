// The same weights decoded three ways must give the same floats: Sparq's
// reference decode, upstream `quant` (convert-sparq-to-quant, then
// lower-quant-ops) and Sparq again after the round trip through `quant`
// (convert-quant-to-sparq). The expected values are worked out by hand from
// the documented layout (low nibble first; x = (q - z) * s), independently
// of the code under test.
//
// DEFINE: %{run} = mlir-runner -e entry -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils
// RUN: sparq-opt %s --sparq-cpu-reference | %{run} | FileCheck %s
// RUN: sparq-opt %s --convert-sparq-to-quant --lower-quant-ops --sparq-cpu-reference | %{run} | FileCheck %s
// RUN: sparq-opt %s --convert-sparq-to-quant --convert-quant-to-sparq --sparq-cpu-reference | %{run} | FileCheck %s

!chan = !sparq.compressed<2x4xf32, #sparq.quant<i4, per_channel(axis = 0)>>
!group = !sparq.compressed<2x8xf32, #sparq.quant<ui4, per_group(axis = 1, size = 4), asymmetric, scale = f16>>
!block = !sparq.compressed<4x4xf32, #sparq.quant<i2, per_block(shape = [2, 2]), narrow_range>>
!tensor = !sparq.compressed<1x5xf32, #sparq.quant<i3>>

func.func private @printMemrefF32(tensor<*xf32>) attributes {llvm.emit_c_interface}

func.func @entry() {
  // Bytes 0x21, 0xFE | 0xF0, 0x7F: codes [1, 2, -2, -1], [0, -1, -1, 7].
  %d0 = arith.constant dense<[[33, -2], [-16, 127]]> : tensor<2x2xi8>
  %s0 = arith.constant dense<[[5.000000e-01], [2.500000e-01]]> : tensor<2x1xf32>
  %w0 = sparq.assemble %d0 : tensor<2x2xi8> scales %s0 : tensor<2x1xf32> -> !chan
  %x0 = sparq.dequantize %w0 : !chan -> tensor<2x4xf32>
  // CHECK: {{\[}}[0.5,   1,   -1,   -0.5],
  // CHECK-NEXT: [0,   -0.25,   -0.25,   1.75]]
  %u0 = tensor.cast %x0 : tensor<2x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u0) : (tensor<*xf32>) -> ()

  // Unsigned codes [1, 2, 14, 15, 5, 0, 0, 0], [0, 15, 15, 7, 1, 0, 2, 0];
  // zero points [3, 0], [15, 8]; scales [0.5, 1], [0.25, 2].
  %d1 = arith.constant dense<[[33, -2, 5, 0], [-16, 127, 1, 2]]> : tensor<2x4xi8>
  %s1 = arith.constant dense<[[5.000000e-01, 1.0], [2.500000e-01, 2.0]]> : tensor<2x2xf16>
  %z1 = arith.constant dense<[[3, 0], [15, 8]]> : tensor<2x2xi8>
  %w1 = sparq.assemble %d1 : tensor<2x4xi8> scales %s1 : tensor<2x2xf16>
          zero_points %z1 : tensor<2x2xi8> -> !group
  %x1 = sparq.dequantize %w1 : !group -> tensor<2x8xf32>
  // CHECK: {{\[}}[-1,   -0.5,   5.5,   6,   5,   0,   0,   0],
  // CHECK-NEXT: [-3.75,   0,   0,   -2,   -14,   -16,   -12,   -16]]
  %u1 = tensor.cast %x1 : tensor<2x8xf32> to tensor<*xf32>
  call @printMemrefF32(%u1) : (tensor<*xf32>) -> ()

  // 2-bit codes, four per byte: 0x1D = [1, -1, 1, 0], 0x73 = [-1, 0, -1, 1],
  // 0x00, 0xC1 = [1, 0, 0, -1]; 2x2 blocks with scales [[1, 2], [4, 8]].
  %d2 = arith.constant dense<[[29], [115], [0], [-63]]> : tensor<4x1xi8>
  %s2 = arith.constant dense<[[1.0, 2.0], [4.0, 8.0]]> : tensor<2x2xf32>
  %w2 = sparq.assemble %d2 : tensor<4x1xi8> scales %s2 : tensor<2x2xf32> -> !block
  %x2 = sparq.dequantize %w2 : !block -> tensor<4x4xf32>
  // CHECK: {{\[}}[1,   -1,   2,   0],
  // CHECK-NEXT: [-1,   0,   -2,   2],
  // CHECK-NEXT: [0,   0,   0,   0],
  // CHECK-NEXT: [4,   0,   0,   -8]]
  %u2 = tensor.cast %x2 : tensor<4x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u2) : (tensor<*xf32>) -> ()

  // 3-bit codes across byte boundaries: bits of 0xFA 0x21 (LSB first)
  // 010 111 111 000 010 -> codes [2, -1, -1, 0, 2], scale 0.125.
  %d3 = arith.constant dense<[[-6, 33]]> : tensor<1x2xi8>
  %s3 = arith.constant dense<1.250000e-01> : tensor<1x1xf32>
  %w3 = sparq.assemble %d3 : tensor<1x2xi8> scales %s3 : tensor<1x1xf32> -> !tensor
  %x3 = sparq.dequantize %w3 : !tensor -> tensor<1x5xf32>
  // CHECK: {{\[}}[0.25,   -0.125,   -0.125,   0,   0.25]]
  %u3 = tensor.cast %x3 : tensor<1x5xf32> to tensor<*xf32>
  call @printMemrefF32(%u3) : (tensor<*xf32>) -> ()
  return
}
