// RUN: sparq-opt %s --convert-quant-to-sparq --split-input-file --verify-diagnostics | FileCheck %s

// Per tensor int8 with narrow bounds: narrow_range, one scale.
// CHECK-LABEL: func.func @per_tensor
// CHECK-DAG: %[[D:.*]] = arith.constant dense<{{\[}}[-127, 5, 127]]> : tensor<1x3xi8>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<2.500000e-01> : tensor<1x1xf32>
// CHECK: %[[W:.*]] = sparq.assemble %[[D]] : tensor<1x3xi8> scales %[[S]] : tensor<1x1xf32> -> !sparq.compressed<1x3xf32, #sparq.quant<i8, narrow_range>>
// CHECK: %[[X:.*]] = sparq.dequantize %[[W]]
// CHECK: return %[[X]]
// CHECK-NOT: quant.
func.func @per_tensor() -> tensor<1x3xf32> {
  %c = arith.constant dense<[[-127, 5, 127]]> : tensor<1x3xi8>
  %q = quant.scast %c : tensor<1x3xi8> to tensor<1x3x!quant.uniform<i8<-127:127>:f32, 0.25>>
  %x = quant.dcast %q : tensor<1x3x!quant.uniform<i8<-127:127>:f32, 0.25>> to tensor<1x3xf32>
  return %x : tensor<1x3xf32>
}

// -----

// Per axis on axis 1 of a rank-3 tensor, unsigned 4-bit with zero points:
// codes packed low nibble first along the last axis.
// CHECK-LABEL: func.func @per_axis_unsigned
// CHECK-DAG: %[[D:.*]] = arith.constant dense<{{\[\[}}[33, -2], [-16, 127]]]> : tensor<1x2x2xi8>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<{{\[\[}}[5.000000e-01], [2.500000e-01]]]> : tensor<1x2x1xf32>
// CHECK-DAG: %[[Z:.*]] = arith.constant dense<{{\[\[}}[8], [3]]]> : tensor<1x2x1xi8>
// CHECK: sparq.assemble %[[D]] : tensor<1x2x2xi8> scales %[[S]] : tensor<1x2x1xf32> zero_points %[[Z]] : tensor<1x2x1xi8> -> !sparq.compressed<1x2x4xf32, #sparq.quant<ui4, per_channel(axis = 1), asymmetric>>
!q = !quant.uniform<u4:f32:1, {0.5:8, 0.25:3}>
func.func @per_axis_unsigned() -> tensor<1x2x4xf32> {
  %c = arith.constant dense<[[[1, 2, 14, 15], [0, 15, 15, 7]]]> : tensor<1x2x4xi4>
  %q = quant.scast %c : tensor<1x2x4xi4> to tensor<1x2x4x!q>
  %x = quant.dcast %q : tensor<1x2x4x!q> to tensor<1x2x4xf32>
  return %x : tensor<1x2x4xf32>
}

// -----

// Sub-channel blocks [1, 2] are per_group, [2, 2] per_block; a block size
// left out covers the whole axis, so {0:1} is per_channel.
// CHECK-LABEL: func.func @sub_channel
// CHECK: #sparq.quant<i8, per_group(axis = 1, size = 2)>
// CHECK: #sparq.quant<i8, per_block(shape = [2, 2])>
// CHECK: #sparq.quant<i8, per_channel(axis = 0)>
func.func @sub_channel() -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) {
  %c = arith.constant dense<[[1, 2, 3, 4], [5, 6, 7, 8]]> : tensor<2x4xi8>
  %q0 = quant.scast %c : tensor<2x4xi8> to tensor<2x4x!quant.uniform<i8:f32:{0:1, 1:2}, {{1.0, 2.0}, {3.0, 4.0}}>>
  %x0 = quant.dcast %q0 : tensor<2x4x!quant.uniform<i8:f32:{0:1, 1:2}, {{1.0, 2.0}, {3.0, 4.0}}>> to tensor<2x4xf32>
  %q1 = quant.scast %c : tensor<2x4xi8> to tensor<2x4x!quant.uniform<i8:f32:{0:2, 1:2}, {{1.0, 2.0}}>>
  %x1 = quant.dcast %q1 : tensor<2x4x!quant.uniform<i8:f32:{0:2, 1:2}, {{1.0, 2.0}}>> to tensor<2x4xf32>
  %q2 = quant.scast %c : tensor<2x4xi8> to tensor<2x4x!quant.uniform<i8:f32:{0:1}, {{1.0}, {2.0}}>>
  %x2 = quant.dcast %q2 : tensor<2x4x!quant.uniform<i8:f32:{0:1}, {{1.0}, {2.0}}>> to tensor<2x4xf32>
  return %x0, %x1, %x2 : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
}

// -----

func.func @wide_storage() -> tensor<2xf32> {
  %c = arith.constant dense<[1, 2]> : tensor<2xi16>
  %q = quant.scast %c : tensor<2xi16> to tensor<2x!quant.uniform<i16:f32, 0.5>>
  // expected-remark @below {{kept as quant: storage type i16 is not expressible: Sparq stores integers of 2 to 8 bits}}
  %x = quant.dcast %q : tensor<2x!quant.uniform<i16:f32, 0.5>> to tensor<2xf32>
  return %x : tensor<2xf32>
}

// -----

func.func @odd_bounds() -> tensor<2xf32> {
  %c = arith.constant dense<[1, 2]> : tensor<2xi8>
  %q = quant.scast %c : tensor<2xi8> to tensor<2x!quant.uniform<i8<-5:10>:f32, 0.5>>
  // expected-remark @below {{kept as quant: storage bounds <-5:10> are not expressible: Sparq has the full range or narrow_range (signed, symmetric)}}
  %x = quant.dcast %q : tensor<2x!quant.uniform<i8<-5:10>:f32, 0.5>> to tensor<2xf32>
  return %x : tensor<2xf32>
}

// -----

func.func @inexact_scale() -> tensor<2xf32> {
  %c = arith.constant dense<[1, 2]> : tensor<2xi8>
  %q = quant.scast %c : tensor<2xi8> to tensor<2x!quant.uniform<i8:f32, 0.1>>
  // expected-remark @below {{kept as quant: scale 1.000000e-01 is not exactly representable in f32 (use round-scales to round it as lower-quant-ops does)}}
  %x = quant.dcast %q : tensor<2x!quant.uniform<i8:f32, 0.1>> to tensor<2xf32>
  return %x : tensor<2xf32>
}

// -----

func.func @wide_zero_point() -> tensor<2xf32> {
  %c = arith.constant dense<[1, 2]> : tensor<2xi8>
  %q = quant.scast %c : tensor<2xi8> to tensor<2x!quant.uniform<i8:f32, 0.5:300>>
  // expected-remark @below {{kept as quant: zero point 300 does not fit the signed byte Sparq stores}}
  %x = quant.dcast %q : tensor<2x!quant.uniform<i8:f32, 0.5:300>> to tensor<2xf32>
  return %x : tensor<2xf32>
}

// -----

func.func @out_of_bounds_value() -> tensor<2xf32> {
  %c = arith.constant dense<[-128, 2]> : tensor<2xi8>
  %q = quant.scast %c : tensor<2xi8> to tensor<2x!quant.uniform<i8<-127:127>:f32, 0.5>>
  // expected-remark @below {{kept as quant: stored value -128 lies outside the storage range [-127, 127]}}
  %x = quant.dcast %q : tensor<2x!quant.uniform<i8<-127:127>:f32, 0.5>> to tensor<2xf32>
  return %x : tensor<2xf32>
}

// -----

func.func @not_constant(%c: tensor<2xi8>) -> tensor<2xf32> {
  %q = quant.scast %c : tensor<2xi8> to tensor<2x!quant.uniform<i8:f32, 0.5>>
  // expected-remark @below {{kept as quant: its stored values are not a constant cast with quant.scast}}
  %x = quant.dcast %q : tensor<2x!quant.uniform<i8:f32, 0.5>> to tensor<2xf32>
  return %x : tensor<2xf32>
}
