// RUN: sparq-opt %s --split-input-file --sparq-prune | FileCheck %s

// 2:4 along axis 0 (the reduction axis of a [K, N] matmul weight): in each
// column, each group of 4 keeps its 2 largest |w|.
// CHECK-LABEL: func.func @nm
// CHECK: %[[W:.*]] = arith.constant dense<{{\[}}[0.000000e+00, 4.000000e+00], [-3.000000e+00, 0.000000e+00], [2.000000e+00, 0.000000e+00], [0.000000e+00, 5.000000e+00]]>
// CHECK: sparq.annotate %[[W]] {{.*}} {layer = "fc", sparq.achieved_sparsity = 5.000000e-01 : f64}
func.func @nm(%x: tensor<1x4xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[1.0, 4.0], [-3.0, 1.0], [2.0, -1.0], [0.5, 5.0]]> : tensor<4x2xf32>
  %a = sparq.annotate %w : tensor<4x2xf32> with #sparq.sparsity<2:4, axis = 0> {layer = "fc"}
  %y = linalg.matmul ins(%x, %a : tensor<1x4xf32>, tensor<4x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// Unstructured 50%: the 4 smallest |w| become zero.
// CHECK-LABEL: func.func @unstructured
// CHECK: arith.constant dense<{{\[}}[0.000000e+00, 4.000000e+00], [-3.000000e+00, 0.000000e+00], [2.000000e+00, 0.000000e+00], [0.000000e+00, 5.000000e+00]]>
func.func @unstructured(%x: tensor<1x4xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[1.0, 4.0], [-3.0, 1.5], [2.0, -1.0], [0.5, 5.0]]> : tensor<4x2xf32>
  %a = sparq.annotate %w : tensor<4x2xf32> with #sparq.sparsity<unstructured, ratio = 0.5>
  %y = linalg.matmul ins(%x, %a : tensor<1x4xf32>, tensor<4x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// Activation-aware: input channel 3 has a large norm, so its small weights
// survive and input channel 0's large ones do not.
// CHECK-LABEL: func.func @act_norm
// CHECK: arith.constant dense<{{\[}}[0.000000e+00, 0.000000e+00], [-3.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [5.000000e-01, 5.000000e+00]]>
func.func @act_norm(%x: tensor<1x4xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[1.0, 4.0], [-3.0, 1.5], [2.0, -1.0], [0.5, 5.0]]> : tensor<4x2xf32>
  %a = sparq.annotate %w : tensor<4x2xf32> with #sparq.sparsity<unstructured, ratio = 0.625>
  %y = linalg.matmul {sparq.act_norm = dense<[0.1, 1.0, 0.1, 100.0]> : tensor<4xf32>} ins(%x, %a : tensor<1x4xf32>, tensor<4x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// Blocks of 2 input channels of a conv filter (HWCF): the 2 of 4 blocks
// with the smallest L2 norm are zeroed whole, the others kept whole.
// CHECK-LABEL: func.func @conv_block
// CHECK: arith.constant dense<{{\[\[\[}}[0.000000e+00, 3.000000e+00], [0.000000e+00, -4.000000e+00], [5.000000e+00, 0.000000e+00], [6.000000e+00, 0.000000e+00]]]]>
// CHECK-SAME: tensor<1x1x4x2xf32>
func.func @conv_block(%x: tensor<1x2x2x4xf32>, %init: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = arith.constant dense<[[[[1.0, 3.0], [1.0, -4.0], [5.0, 0.5], [6.0, 0.5]]]]> : tensor<1x1x4x2xf32>
  %a = sparq.annotate %w : tensor<1x1x4x2xf32> with #sparq.sparsity<block [1, 1, 2, 1], ratio = 0.5>
  %y = linalg.conv_2d_nhwc_hwcf ins(%x, %a : tensor<1x2x2x4xf32>, tensor<1x1x4x2xf32>) outs(%init : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}
