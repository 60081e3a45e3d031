// RUN: sparq-opt %s --split-input-file --verify-diagnostics --sparq-sparsify

func.func @not_pruned(%x: tensor<1x4xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [0.0, 0.0]]> : tensor<4x2xf32>
  %a = sparq.annotate %w : tensor<4x2xf32> with #sparq.sparsity<2:4, axis = 0> {layer = "fc"}
  // expected-error @+1 {{cannot sparsify layer 'fc': the group of 4 weights along axis 0 starting at element 0 has more than 2 nonzeros; run sparq-prune first}}
  %y = linalg.matmul ins(%x, %a : tensor<1x4xf32>, tensor<4x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
