// RUN: sparq-opt %s --sparq-drop-annotations | FileCheck %s

// CHECK-LABEL: func.func @drop
// CHECK: %[[W:.*]] = arith.constant
// CHECK-NOT: sparq.annotate
// CHECK: linalg.matmul ins(%{{.*}}, %[[W]] :
func.func @drop(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %w = arith.constant dense<1.0> : tensor<4x4xf32>
  %a = sparq.annotate %w : tensor<4x4xf32> with #sparq.sparsity<2:4, axis = 0> {layer = "fc"}
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
  %y = linalg.matmul ins(%x, %a : tensor<1x4xf32>, tensor<4x4xf32>) outs(%i : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}
