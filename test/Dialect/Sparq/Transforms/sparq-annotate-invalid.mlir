// RUN: split-file --leading-lines %s %t

// Options the pass cannot use: the whole module is rejected.
// RUN: sparq-opt %t/module.mlir --sparq-annotate -verify-diagnostics
// RUN: sparq-opt %t/not-spec.mlir --sparq-annotate="spec='unit'" -verify-diagnostics
// RUN: sparq-opt %t/bad-regex.mlir --sparq-annotate="spec='#sparq.quant<i8>' exclude=fc(" -verify-diagnostics
// RUN: not sparq-opt %t/plain.mlir --sparq-annotate="spec='#sparq.quant<i4, per_group(axis = 1)>'" 2>&1 | FileCheck %s --check-prefix=PARSE
// RUN: not sparq-opt %t/plain.mlir --sparq-annotate="spec='#sparq.quant<i4, per_group(axis = 1, size = 32)> junk'" 2>&1 | FileCheck %s --check-prefix=TRAILING

// Parse errors point into the spec text.
// PARSE:    #sparq.quant<i4, per_group(axis = 1)>:1:36: error: expected ','
// PARSE-NOT: sparq.annotate
// TRAILING: error: found trailing characters: 'junk'
// TRAILING-NOT: sparq.annotate

// Layers the spec does not fit: errors, or warnings with skip-incompatible.
// RUN: sparq-opt %t/layers.mlir --sparq-annotate="spec='#sparq.quant<i4, per_group(axis = 1, size = 32)>'" -verify-diagnostics
// RUN: sparq-opt %t/skip.mlir --sparq-annotate="spec='#sparq.quant<i4, per_group(axis = 1, size = 32)>' skip-incompatible=true" -verify-diagnostics | FileCheck %t/skip.mlir
// RUN: sparq-opt %t/axis.mlir --sparq-annotate="spec='#sparq.quant<i8, per_channel(axis = 2)>'" -verify-diagnostics
// RUN: sparq-opt %t/depthwise.mlir --sparq-annotate="spec='#sparq.sparsity<2:4, axis = 1>'" -verify-diagnostics
// RUN: sparq-opt %t/depthwise-block.mlir --sparq-annotate="spec='#sparq.quant<i8, per_block(shape = [4, 4])>'" -verify-diagnostics
// RUN: sparq-opt %t/block-rank.mlir --sparq-annotate="spec='#sparq.sparsity<block [1, 4, 4], ratio = 0.5>'" -verify-diagnostics

//--- module.mlir
// expected-error@+1 {{sparq-annotate needs a spec, e.g. spec="#sparq.quant<i8, per_channel(axis = 0)>"}}
module {
}

//--- not-spec.mlir
// expected-error@+1 {{sparq-annotate: spec must be a #sparq.quant, #sparq.sparsity, #sparq.low_rank or #sparq.spec attribute, got unit}}
module {
}

//--- bad-regex.mlir
// expected-error@+1 {{sparq-annotate: invalid regular expression in 'exclude': parentheses not balanced}}
module {
}

//--- plain.mlir
func.func @f(%x: tensor<4x64xf32>) -> tensor<4x32xf32> {
  %w = arith.constant dense<1.0> : tensor<64x32xf32>
  %i = tensor.empty() : tensor<4x32xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x32xf32>)
                     outs(%i : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

//--- layers.mlir
func.func @f(%x: tensor<4x64xf32>, %h: tensor<4x48xf32>) -> (tensor<4x48xf32>, tensor<4x16xf32>) {
  %w1 = arith.constant dense<1.0> : tensor<64x48xf32>
  %w2 = arith.constant dense<1.0> : tensor<48x16xf32>
  %i1 = tensor.empty() : tensor<4x48xf32>
  %i2 = tensor.empty() : tensor<4x16xf32>
  %y1 = linalg.matmul ins(%x, %w1 : tensor<4x64xf32>, tensor<64x48xf32>)
                      outs(%i1 : tensor<4x48xf32>) -> tensor<4x48xf32>
  // expected-error@+1 {{cannot annotate layer 'matmul_1': group size 32 does not divide dimension 0 of size 48}}
  %y2 = linalg.matmul ins(%h, %w2 : tensor<4x48xf32>, tensor<48x16xf32>)
                      outs(%i2 : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y1, %y2 : tensor<4x48xf32>, tensor<4x16xf32>
}

//--- skip.mlir
// CHECK-LABEL: func.func @f
// CHECK:       sparq.annotate {{.*}} {layer = "matmul_0"}
// CHECK-NOT:   sparq.annotate
func.func @f(%x: tensor<4x64xf32>, %h: tensor<4x48xf32>) -> (tensor<4x48xf32>, tensor<4x16xf32>) {
  %w1 = arith.constant dense<1.0> : tensor<64x48xf32>
  %w2 = arith.constant dense<1.0> : tensor<48x16xf32>
  %i1 = tensor.empty() : tensor<4x48xf32>
  %i2 = tensor.empty() : tensor<4x16xf32>
  %y1 = linalg.matmul ins(%x, %w1 : tensor<4x64xf32>, tensor<64x48xf32>)
                      outs(%i1 : tensor<4x48xf32>) -> tensor<4x48xf32>
  // expected-warning@+1 {{cannot annotate layer 'matmul_1': group size 32 does not divide dimension 0 of size 48}}
  %y2 = linalg.matmul ins(%h, %w2 : tensor<4x48xf32>, tensor<48x16xf32>)
                      outs(%i2 : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y1, %y2 : tensor<4x48xf32>, tensor<4x16xf32>
}

//--- axis.mlir
func.func @f(%x: tensor<4x64xf32>) -> tensor<4x32xf32> {
  %w = arith.constant dense<1.0> : tensor<64x32xf32>
  %i = tensor.empty() : tensor<4x32xf32>
  // expected-error@+1 {{cannot annotate layer 'matmul_0': spec axis 2 is not in the canonical [out, in] layout (use 0 for output channels, 1 for input channels)}}
  %y = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x32xf32>)
                     outs(%i : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

//--- depthwise.mlir
// A depthwise filter [KH, KW, C] reduces over no input channels.
func.func @f(%x: tensor<1x10x10x8xf32>) -> tensor<1x8x8x8xf32> {
  %w = arith.constant dense<1.0> : tensor<3x3x8xf32>
  %i = tensor.empty() : tensor<1x8x8x8xf32>
  // expected-error@+1 {{cannot annotate layer 'depthwise_conv_2d_nhwc_hwc_0': this layer's weight has no input-channel axis to map spec axis 1 onto}}
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x10x10x8xf32>, tensor<3x3x8xf32>)
         outs(%i : tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  return %y : tensor<1x8x8x8xf32>
}

//--- depthwise-block.mlir
func.func @f(%x: tensor<1x10x10x8xf32>) -> tensor<1x8x8x8xf32> {
  %w = arith.constant dense<1.0> : tensor<3x3x8xf32>
  %i = tensor.empty() : tensor<1x8x8x8xf32>
  // expected-error@+1 {{cannot annotate layer 'depthwise_conv_2d_nhwc_hwc_0': this layer's weight has no input-channel axis for a block shape}}
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x10x10x8xf32>, tensor<3x3x8xf32>)
         outs(%i : tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  return %y : tensor<1x8x8x8xf32>
}

//--- block-rank.mlir
func.func @f(%x: tensor<4x64xf32>) -> tensor<4x32xf32> {
  %w = arith.constant dense<1.0> : tensor<64x32xf32>
  %i = tensor.empty() : tensor<4x32xf32>
  // expected-error@+1 {{cannot annotate layer 'matmul_0': a block shape in the canonical [out, in] layout needs 2 sizes, got 3}}
  %y = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x32xf32>)
                     outs(%i : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}
