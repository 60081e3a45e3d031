// RUN: sparq-opt %s --split-input-file --verify-diagnostics --sparq-prune=require-act-norm=true

func.func @missing_act_norm(%x: tensor<1x4xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<1.0> : tensor<4x2xf32>
  %a = sparq.annotate %w : tensor<4x2xf32> with #sparq.sparsity<2:4, axis = 0> {layer = "fc"}
  // expected-error @+1 {{layer 'fc' has no 'sparq.act_norm' calibration statistics, which require-act-norm asks for; run calibration first}}
  %y = linalg.matmul ins(%x, %a : tensor<1x4xf32>, tensor<4x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

func.func @act_norm_size(%x: tensor<1x4xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<1.0> : tensor<4x2xf32>
  %a = sparq.annotate %w : tensor<4x2xf32> with #sparq.sparsity<2:4, axis = 0> {layer = "fc"}
  // expected-error @+1 {{'sparq.act_norm' of layer 'fc' must be a dense float tensor of 4 per-input-channel norms}}
  %y = linalg.matmul {sparq.act_norm = dense<1.0> : tensor<2xf32>} ins(%x, %a : tensor<1x4xf32>, tensor<4x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

func.func @nm_does_not_divide(%w: tensor<6x2xf32>) -> tensor<6x2xf32> {
  // expected-error @+1 {{2:4 sparsity needs dimension 0 (of size 6) to be a multiple of 4}}
  %a = sparq.annotate %w : tensor<6x2xf32> with #sparq.sparsity<2:4, axis = 0>
  return %a : tensor<6x2xf32>
}

// -----

func.func @ratio_out_of_range(%w: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{sparsity ratio must be in [0, 1), got 1}}
  %a = sparq.annotate %w : tensor<4x2xf32> with #sparq.sparsity<unstructured, ratio = 1.0>
  return %a : tensor<4x2xf32>
}
