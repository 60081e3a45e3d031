// RUN: sparq-opt %s --split-input-file --sparq-shrink-layers="ratio=0.5" | FileCheck %s
// RUN: sparq-opt %s --split-input-file --sparq-shrink-layers="ratio=0.5 exclude=fc1" | FileCheck %s --check-prefix=EXCL

// Three chained layers: fc1 loses 2 of 4 channels, then fc2 (whose input
// is already 2 wide) 2 of 4; fc3 feeds the result and keeps its 3.
// fc1 keeps its columns 1 and 3 (the larger norms), fc2 its rows 1 and 3
// (with them) and its columns 1 and 3 (norms over the kept rows 18, 10).

// CHECK-LABEL: func.func @chain
// CHECK: %[[W1:.*]] = arith.constant dense<{{\[\[}}2.000000e+00, 4.000000e+00]]> : tensor<1x2xf32>
// CHECK: linalg.matmul {{.*}}ins(%{{.*}}, %[[W1]] : tensor<1x1xf32>, tensor<1x2xf32>) {{.*}} -> tensor<1x2xf32>
// CHECK: %[[W2:.*]] = arith.constant dense<{{\[\[}}3.000000e+00, 1.000000e+00], [3.000000e+00, 3.000000e+00]]> : tensor<2x2xf32>
// CHECK: linalg.matmul {{.*}}ins(%{{.*}}, %[[W2]] : tensor<1x2xf32>, tensor<2x2xf32>) {{.*}} -> tensor<1x2xf32>
// CHECK: linalg.matmul {{.*}}ins(%{{.*}}, %{{.*}} : tensor<1x2xf32>, tensor<2x3xf32>) {{.*}} -> tensor<1x3xf32>
// EXCL-LABEL: func.func @chain
// EXCL: linalg.matmul {{.*}}ins(%{{.*}}, %{{.*}} : tensor<1x1xf32>, tensor<1x4xf32>) {{.*}} -> tensor<1x4xf32>
// EXCL: linalg.matmul {{.*}}ins(%{{.*}}, %{{.*}} : tensor<1x4xf32>, tensor<4x2xf32>) {{.*}} -> tensor<1x2xf32>
// EXCL: linalg.matmul {{.*}}ins(%{{.*}}, %{{.*}} : tensor<1x2xf32>, tensor<2x3xf32>) {{.*}} -> tensor<1x3xf32>
func.func @chain(%x: tensor<1x1xf32>) -> tensor<1x3xf32> {
  %z = arith.constant 0.0 : f32
  %w1 = arith.constant dense<[[1.0, 2.0, 0.5, 4.0]]> : tensor<1x4xf32>
  %e1 = tensor.empty() : tensor<1x4xf32>
  %i1 = linalg.fill ins(%z : f32) outs(%e1 : tensor<1x4xf32>) -> tensor<1x4xf32>
  %h1 = linalg.matmul ins(%x, %w1 : tensor<1x1xf32>, tensor<1x4xf32>) outs(%i1 : tensor<1x4xf32>) -> tensor<1x4xf32> loc("fc1")
  %w2 = arith.constant dense<[[1.0, 1.0, 1.0, 1.0], [1.0, 3.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0], [1.0, 3.0, 1.0, 3.0]]> : tensor<4x4xf32>
  %e2 = tensor.empty() : tensor<1x4xf32>
  %i2 = linalg.fill ins(%z : f32) outs(%e2 : tensor<1x4xf32>) -> tensor<1x4xf32>
  %h2 = linalg.matmul ins(%h1, %w2 : tensor<1x4xf32>, tensor<4x4xf32>) outs(%i2 : tensor<1x4xf32>) -> tensor<1x4xf32> loc("fc2")
  %w3 = arith.constant dense<1.0> : tensor<4x3xf32>
  %e3 = tensor.empty() : tensor<1x3xf32>
  %i3 = linalg.fill ins(%z : f32) outs(%e3 : tensor<1x3xf32>) -> tensor<1x3xf32>
  %y = linalg.matmul ins(%h2, %w3 : tensor<1x4xf32>, tensor<4x3xf32>) outs(%i3 : tensor<1x3xf32>) -> tensor<1x3xf32> loc("fc3")
  return %y : tensor<1x3xf32>
}
