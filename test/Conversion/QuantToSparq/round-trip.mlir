// sparq -> quant -> sparq gives back the same packed bytes, scales and zero
// points (the numbers are checked by running in
// test/Integration/CPU/quant-round-trip.mlir).
// RUN: sparq-opt %s --convert-sparq-to-quant --convert-quant-to-sparq | FileCheck %s

// CHECK-LABEL: func.func @int4_group_asymmetric
// CHECK-DAG: %[[D:.*]] = arith.constant dense<{{\[}}[33, -2, 5, 0], [-16, 127, 1, 2]]> : tensor<2x4xi8>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<{{\[}}[5.000000e-01, 1.000000e+00], [2.500000e-01, 2.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[Z:.*]] = arith.constant dense<{{\[}}[3, 0], [15, 8]]> : tensor<2x2xi8>
// CHECK: %[[W:.*]] = sparq.assemble %[[D]] : tensor<2x4xi8> scales %[[S]] : tensor<2x2xf32> zero_points %[[Z]] : tensor<2x2xi8> -> !sparq.compressed<2x8xf32, #sparq.quant<ui4, per_group(axis = 1, size = 4), asymmetric>>
// CHECK: sparq.dequantize %[[W]]
!group = !sparq.compressed<2x8xf32, #sparq.quant<ui4, per_group(axis = 1, size = 4), asymmetric>>
func.func @int4_group_asymmetric() -> tensor<2x8xf32> {
  %d = arith.constant dense<[[33, -2, 5, 0], [-16, 127, 1, 2]]> : tensor<2x4xi8>
  %s = arith.constant dense<[[5.000000e-01, 1.0], [2.500000e-01, 2.0]]> : tensor<2x2xf32>
  %z = arith.constant dense<[[3, 0], [15, 8]]> : tensor<2x2xi8>
  %w = sparq.assemble %d : tensor<2x4xi8> scales %s : tensor<2x2xf32> zero_points %z : tensor<2x2xi8> -> !group
  %x = sparq.dequantize %w : !group -> tensor<2x8xf32>
  return %x : tensor<2x8xf32>
}

// CHECK-LABEL: func.func @int3_per_channel
// CHECK-DAG: %[[D:.*]] = arith.constant dense<{{\[}}[-6, 33], [7, 0]]> : tensor<2x2xi8>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<{{\[}}[1.250000e-01], [3.000000e+00]]> : tensor<2x1xf32>
// CHECK: sparq.assemble %[[D]] : tensor<2x2xi8> scales %[[S]] : tensor<2x1xf32> -> !sparq.compressed<2x5xf32, #sparq.quant<i3, per_channel(axis = 0)>>
!chan = !sparq.compressed<2x5xf32, #sparq.quant<i3, per_channel(axis = 0)>>
func.func @int3_per_channel() -> tensor<2x5xf32> {
  %d = arith.constant dense<[[-6, 33], [7, 0]]> : tensor<2x2xi8>
  %s = arith.constant dense<[[1.250000e-01], [3.0]]> : tensor<2x1xf32>
  %w = sparq.assemble %d : tensor<2x2xi8> scales %s : tensor<2x1xf32> -> !chan
  %x = sparq.dequantize %w : !chan -> tensor<2x5xf32>
  return %x : tensor<2x5xf32>
}

// CHECK-LABEL: func.func @int2_block_narrow
// CHECK-DAG: %[[D:.*]] = arith.constant dense<{{\[}}[29], [115], [0], [-63]]> : tensor<4x1xi8>
// CHECK: sparq.assemble %[[D]] : tensor<4x1xi8> scales %{{.*}} : tensor<2x2xf32> -> !sparq.compressed<4x4xf32, #sparq.quant<i2, per_block(shape = [2, 2]), narrow_range>>
!block = !sparq.compressed<4x4xf32, #sparq.quant<i2, per_block(shape = [2, 2]), narrow_range>>
func.func @int2_block_narrow() -> tensor<4x4xf32> {
  %d = arith.constant dense<[[29], [115], [0], [-63]]> : tensor<4x1xi8>
  %s = arith.constant dense<[[1.0, 2.0], [4.0, 8.0]]> : tensor<2x2xf32>
  %w = sparq.assemble %d : tensor<4x1xi8> scales %s : tensor<2x2xf32> -> !block
  %x = sparq.dequantize %w : !block -> tensor<4x4xf32>
  return %x : tensor<4x4xf32>
}
