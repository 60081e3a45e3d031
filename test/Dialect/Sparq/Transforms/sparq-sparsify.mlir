// RUN: sparq-opt %s --split-input-file --sparq-sparsify | FileCheck %s

// 2:4 on the [K, N] = [8, 2] weight becomes 2:4 along axis 1 of [N, K]:
// kept values [2, 4], 2-bit positions packed 4 per byte: row 0 keeps
// positions {1, 2} and {0, 3} -> 0b11_00_10_01 = 0xC9 = -55.
// CHECK-LABEL: func.func @nm
// CHECK-DAG: %[[V:.*]] = arith.constant dense<{{\[}}[-3.000000e+00, 2.000000e+00, 1.000000e+00, 6.000000e+00], [4.000000e+00, 1.000000e+00, 7.000000e+00, 8.000000e+00]]> : tensor<2x4xf32>
// CHECK-DAG: %[[I:.*]] = arith.constant dense<{{\[}}[-55], [{{-?[0-9]+}}]]> : tensor<2x1xi8>
// CHECK: %[[C:.*]] = sparq.assemble %[[V]] : tensor<2x4xf32> indices %[[I]] : tensor<2x1xi8> -> !sparq.compressed<2x8xf32, #sparq.sparsity<2:4, axis = 1>>
// CHECK: sparq.matmul %{{.*}}, %[[C]] {sparq.layer = "fc"}
func.func @nm(%x: tensor<1x8xf32>) -> tensor<1x2xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %w = arith.constant dense<[[0.0, 4.0], [-3.0, 1.0], [2.0, 0.0], [0.0, 0.0], [1.0, 7.0], [0.0, 0.0], [0.0, 0.0], [6.0, 8.0]]> : tensor<8x2xf32>
  %a = sparq.annotate %w : tensor<8x2xf32> with #sparq.sparsity<2:4, axis = 0> {layer = "fc"}
  %y = linalg.matmul ins(%x, %a : tensor<1x8xf32>, tensor<8x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// CSR of the [N, K] = [2, 4] weight: i16 columns, i32 row offsets; int8
// values packed one per byte with per-row scales.
// CHECK-LABEL: func.func @csr_int8
// CHECK-DAG: %[[V:.*]] = arith.constant dense<[127, -127, 127]> : tensor<3xi8>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<{{\[}}[0.0236220472], [0.0157480314]]> : tensor<2x1xf32>
// CHECK-DAG: %[[I:.*]] = arith.constant dense<[0, 3, 1]> : tensor<3xi16>
// CHECK-DAG: %[[O:.*]] = arith.constant dense<[0, 2, 3]> : tensor<3xi32>
// CHECK: sparq.assemble %[[V]] : tensor<3xi8> scales %[[S]] : tensor<2x1xf32> indices %[[I]] : tensor<3xi16> offsets %[[O]] : tensor<3xi32>
// CHECK-SAME: -> !sparq.compressed<2x4xf32, #sparq.spec<sparsity = #sparq.sparsity<unstructured, ratio = 0.5>, quant = #sparq.quant<i8, per_channel(axis = 0)>>>
func.func @csr_int8(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %w = arith.constant dense<[[3.0, 0.0], [0.0, 2.0], [0.0, 0.0], [-3.0, 0.0]]> : tensor<4x2xf32>
  %a = sparq.annotate %w : tensor<4x2xf32> with #sparq.spec<sparsity = #sparq.sparsity<unstructured, ratio = 0.5>, quant = #sparq.quant<i8, per_channel(axis = 1)>>
  %y = linalg.matmul ins(%x, %a : tensor<1x4xf32>, tensor<4x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// BSR of the transposed [4, 4] weight in [2, 2] blocks: one stored block per
// block row, at block columns 1 and 0.
// CHECK-LABEL: func.func @bsr
// CHECK-DAG: %[[V:.*]] = arith.constant dense<{{\[\[\[}}5.000000e+00, 7.000000e+00], [6.000000e+00, 0.000000e+00]], {{\[\[}}1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]]> : tensor<2x2x2xf32>
// CHECK-DAG: %[[I:.*]] = arith.constant dense<[1, 0]> : tensor<2xi32>
// CHECK-DAG: %[[O:.*]] = arith.constant dense<[0, 1, 2]> : tensor<3xi32>
// CHECK: %[[C:.*]] = sparq.assemble %[[V]] : tensor<2x2x2xf32> indices %[[I]] : tensor<2xi32> offsets %[[O]] : tensor<3xi32>
// CHECK: sparq.matmul %{{.*}}, %[[C]]
func.func @bsr(%x: tensor<4x4xf32>, %init: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %w = arith.constant dense<[[0.0, 0.0, 1.0, 2.0], [0.0, 0.0, 3.0, 4.0], [5.0, 6.0, 0.0, 0.0], [7.0, 0.0, 0.0, 0.0]]> : tensor<4x4xf32>
  %a = sparq.annotate %w : tensor<4x4xf32> with #sparq.sparsity<block [2, 2], ratio = 0.5>
  %y = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %a : tensor<4x4xf32>, tensor<4x4xf32>) outs(%init : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}
