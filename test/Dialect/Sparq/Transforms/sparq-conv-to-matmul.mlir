// RUN: sparq-opt %s --split-input-file --sparq-conv-to-matmul=remarks=true --verify-diagnostics | FileCheck %s

// Strided, dilated NCHW conv on a dense filter: im2col over
// (n, oh, ow, c, kh, kw), transposed-B matmul, transpose back; zero init.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1 * 2 + d4 * 2, d2 + d5 * 3)>
// CHECK-DAG: #[[T:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, d1)>
// CHECK-LABEL: func.func @nchw
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x9x10xf32>, %[[W:.*]]: tensor<4x3x3x2xf32>)
// CHECK: %[[COL6:.*]] = linalg.generic {indexing_maps = [#[[IN]], {{.*}}]{{.*}} ins(%[[X]] : tensor<1x3x9x10xf32>) outs({{.*}} : tensor<1x3x7x3x3x2xf32>)
// CHECK: %[[COL:.*]] = tensor.collapse_shape %[[COL6]] {{\[}}[0, 1, 2], [3, 4, 5]] {{.*}} into tensor<21x18xf32>
// CHECK: %[[W2:.*]] = tensor.collapse_shape %[[W]] {{\[}}[0], [1, 2, 3]] {{.*}} into tensor<4x18xf32>
// CHECK: %[[MM:.*]] = linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}] ins(%[[COL]], %[[W2]] : tensor<21x18xf32>, tensor<4x18xf32>) outs({{.*}} : tensor<21x4xf32>)
// CHECK: %[[E:.*]] = tensor.expand_shape %[[MM]] {{\[}}[0, 1, 2], [3]] {{.*}} into tensor<1x3x7x4xf32>
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[T]], {{.*}}]{{.*}} ins(%[[E]] : tensor<1x3x7x4xf32>)
// CHECK-NOT: arith.addf
// CHECK: return %[[Y]]
func.func @nchw(%x: tensor<1x3x9x10xf32>, %w: tensor<4x3x3x2xf32>) -> tensor<1x4x3x7xf32> {
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x3x7xf32>
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<1x4x3x7xf32>) -> tensor<1x4x3x7xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<[2, 3]> : tensor<2xi64>, strides = dense<[2, 1]> : tensor<2xi64>}
    ins(%x, %w : tensor<1x3x9x10xf32>, tensor<4x3x3x2xf32>) outs(%z : tensor<1x4x3x7xf32>) -> tensor<1x4x3x7xf32>
  return %y : tensor<1x4x3x7xf32>
}

// -----

// NHWC / HWCF: a plain matmul on the [KH*KW*C, F] filter; a non-zero init
// is added.
// CHECK-LABEL: func.func @nhwc
// CHECK-SAME: (%[[X:.*]]: tensor<2x6x6x3xf32>, %[[W:.*]]: tensor<2x2x3x5xf32>, %[[I:.*]]: tensor<2x5x5x5xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[X]] : tensor<2x6x6x3xf32>) outs({{.*}} : tensor<2x5x5x2x2x3xf32>)
// CHECK: %[[W2:.*]] = tensor.collapse_shape %[[W]] {{\[}}[0, 1, 2], [3]] {{.*}} into tensor<12x5xf32>
// CHECK: %[[MM:.*]] = linalg.matmul ins(%{{.*}}, %[[W2]] : tensor<50x12xf32>, tensor<12x5xf32>)
// CHECK: %[[E:.*]] = tensor.expand_shape %[[MM]]
// CHECK: linalg.generic {{.*}} ins(%[[E]] : tensor<2x5x5x5xf32>) outs(%[[I]] : tensor<2x5x5x5xf32>)
// CHECK: arith.addf
func.func @nhwc(%x: tensor<2x6x6x3xf32>, %w: tensor<2x2x3x5xf32>, %i: tensor<2x5x5x5xf32>) -> tensor<2x5x5x5xf32> {
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<2x6x6x3xf32>, tensor<2x2x3x5xf32>) outs(%i : tensor<2x5x5x5xf32>) -> tensor<2x5x5x5xf32>
  return %y : tensor<2x5x5x5xf32>
}

// -----

// A dequantized int4 per-channel FCHW filter with KW * 4 = 8 bits: the same
// storage as a [F, C*KH*KW] weight feeds sparq.matmul; no dense filter.
// CHECK-LABEL: func.func @compressed
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x5x5xf32>, %[[D:.*]]: tensor<3x2x2x1xi8>, %[[S:.*]]: tensor<3x1x1x1xf32>)
// CHECK-NOT: sparq.dequantize
// CHECK-DAG: %[[D2:.*]] = tensor.collapse_shape %[[D]] {{\[}}[0], [1, 2, 3]] {{.*}} into tensor<3x4xi8>
// CHECK-DAG: %[[S2:.*]] = tensor.collapse_shape %[[S]] {{\[}}[0], [1, 2, 3]] {{.*}} into tensor<3x1xf32>
// CHECK: %[[W2:.*]] = sparq.assemble %[[D2]] : tensor<3x4xi8> scales %[[S2]] : tensor<3x1xf32> -> !sparq.compressed<3x8xf32, #sparq.quant<i4, per_channel(axis = 0)>>
// CHECK: sparq.matmul %{{.*}}, %[[W2]] : tensor<16x8xf32>, !sparq.compressed<3x8xf32, {{.*}}> -> tensor<16x3xf32>
// CHECK-NOT: sparq.dequantize
func.func @compressed(%x: tensor<1x2x5x5xf32>, %d: tensor<3x2x2x1xi8>, %s: tensor<3x1x1x1xf32>) -> tensor<1x3x4x4xf32> {
  %w = sparq.assemble %d : tensor<3x2x2x1xi8> scales %s : tensor<3x1x1x1xf32> -> !sparq.compressed<3x2x2x2xf32, #sparq.quant<i4, per_channel(axis = 0)>>
  %wd = sparq.dequantize %w : !sparq.compressed<3x2x2x2xf32, #sparq.quant<i4, per_channel(axis = 0)>> -> tensor<3x2x2x2xf32>
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3x4x4xf32>
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %wd : tensor<1x2x5x5xf32>, tensor<3x2x2x2xf32>) outs(%z : tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  return %y : tensor<1x3x4x4xf32>
}

// -----

// KW * 4 = 12 bits: the KW rows are not whole bytes; left alone.
// CHECK-LABEL: func.func @odd_bits
// CHECK: sparq.dequantize
// CHECK: linalg.conv_2d_nchw_fchw
func.func @odd_bits(%x: tensor<1x2x5x5xf32>, %d: tensor<3x2x3x2xi8>, %s: tensor<3x1x1x1xf32>) -> tensor<1x3x3x3xf32> {
  %w = sparq.assemble %d : tensor<3x2x3x2xi8> scales %s : tensor<3x1x1x1xf32> -> !sparq.compressed<3x2x3x3xf32, #sparq.quant<i4, per_channel(axis = 0)>>
  %wd = sparq.dequantize %w : !sparq.compressed<3x2x3x3xf32, #sparq.quant<i4, per_channel(axis = 0)>> -> tensor<3x2x3x3xf32>
  %e = tensor.empty() : tensor<1x3x3x3xf32>
  // expected-remark @below {{convolution left alone: the packed rows along KW are not whole bytes (KW * bits = 12 is not a multiple of 8)}}
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %wd : tensor<1x2x5x5xf32>, tensor<3x2x3x3xf32>) outs(%e : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  return %y : tensor<1x3x3x3xf32>
}

// -----

// Per-group scales along the input channels do not survive flattening.
// CHECK-LABEL: func.func @per_group
// CHECK: linalg.conv_2d_nchw_fchw
func.func @per_group(%x: tensor<1x4x3x3xf32>, %d: tensor<2x4x1x1xi8>, %s: tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32> {
  %w = sparq.assemble %d : tensor<2x4x1x1xi8> scales %s : tensor<2x2x1x1xf32> -> !sparq.compressed<2x4x1x1xf32, #sparq.quant<i8, per_group(axis = 1, size = 2)>>
  %wd = sparq.dequantize %w : !sparq.compressed<2x4x1x1xf32, #sparq.quant<i8, per_group(axis = 1, size = 2)>> -> tensor<2x4x1x1xf32>
  %e = tensor.empty() : tensor<1x2x3x3xf32>
  // expected-remark @below {{convolution left alone: only per_tensor and per_channel(axis = 0) scales keep their layout when the weight is flattened}}
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %wd : tensor<1x4x3x3xf32>, tensor<2x4x1x1xf32>) outs(%e : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}
