// RUN: sparq-opt %s --split-input-file --sparq-quantize --verify-diagnostics

func.func @nan_weight(%x: tensor<1x4xf32>, %init: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %w = arith.constant dense<0x7FC00000> : tensor<4x4xf32>
  %a = sparq.annotate %w : tensor<4x4xf32> with #sparq.quant<i8, per_channel(axis = 1)> {layer = "fc"}
  // expected-error @+1 {{cannot quantize layer 'fc': weight element 0 is NaN; quantization needs finite weights}}
  %y = linalg.matmul ins(%x, %a : tensor<1x4xf32>, tensor<4x4xf32>) outs(%init : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// The error names the element's row-major index (on the diagonal here, where
// the [K, N] weight and its [N, K] transpose agree).
func.func @nan_element(%x: tensor<1x2xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 0x7FC00000]]> : tensor<2x2xf32>
  %a = sparq.annotate %w : tensor<2x2xf32> with #sparq.quant<i8, per_tensor> {layer = "fc"}
  // expected-error @+1 {{weight element 3 is NaN}}
  %y = linalg.matmul ins(%x, %a : tensor<1x2xf32>, tensor<2x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

func.func @infinite_weight(%x: tensor<1x4xf32>, %init: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], [1.0, 0xFF800000, 3.0, 4.0]]> : tensor<4x4xf32>
  %a = sparq.annotate %w : tensor<4x4xf32> with #sparq.quant<i4, per_group(axis = 0, size = 2)> {layer = "fc"}
  // expected-error-re @+1 {{cannot quantize layer 'fc': weight element {{[0-9]+}} is infinite; quantization needs finite weights}}
  %y = linalg.matmul ins(%x, %a : tensor<1x4xf32>, tensor<4x4xf32>) outs(%init : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

func.func @infinite_conv_weight(%x: tensor<1x6x6x4xf32>, %init: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %w = arith.constant dense<0x7F800000> : tensor<3x3x4x8xf32>
  %a = sparq.annotate %w : tensor<3x3x4x8xf32> with #sparq.quant<i8, per_channel(axis = 3)> {layer = "conv"}
  // expected-error @+1 {{cannot quantize layer 'conv': weight element 0 is infinite; quantization needs finite weights}}
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %a : tensor<1x6x6x4xf32>, tensor<3x3x4x8xf32>) outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

func.func @integer_weight(%x: tensor<2x4xi8>, %init: tensor<2x4xi32>) -> tensor<2x4xi32> {
  %w = arith.constant dense<3> : tensor<4x4xi8>
  %a = sparq.annotate %w : tensor<4x4xi8> with #sparq.quant<i4, per_channel(axis = 1)> {layer = "fc"}
  // expected-error @+1 {{cannot quantize layer 'fc': its weight must be a dense or dense_resource constant of f32, f16 or bf16}}
  %y = linalg.matmul ins(%x, %a : tensor<2x4xi8>, tensor<4x4xi8>) outs(%init : tensor<2x4xi32>) -> tensor<2x4xi32>
  return %y : tensor<2x4xi32>
}

// -----

func.func @f64_weight(%x: tensor<1x4xf64>, %init: tensor<1x4xf64>) -> tensor<1x4xf64> {
  %w = arith.constant dense<0.5> : tensor<4x4xf64>
  %a = sparq.annotate %w : tensor<4x4xf64> with #sparq.quant<i8, per_tensor> {layer = "fc"}
  // expected-error @+1 {{its weight must be a dense or dense_resource constant of f32, f16 or bf16}}
  %y = linalg.matmul ins(%x, %a : tensor<1x4xf64>, tensor<4x4xf64>) outs(%init : tensor<1x4xf64>) -> tensor<1x4xf64>
  return %y : tensor<1x4xf64>
}
