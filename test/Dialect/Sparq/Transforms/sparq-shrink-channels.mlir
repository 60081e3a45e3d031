// RUN: sparq-opt %s --split-input-file --verify-diagnostics --sparq-shrink-channels | FileCheck %s

// A CNN chain: conv -> bias + relu -> conv. The 2 weakest of 4 output
// channels of conv1 (by filter L2 norm: channels 1 and 3) go, with their bias
// entries and the matching input channels of conv2's filter.
// CHECK-LABEL: func.func @cnn
// CHECK: %[[F1:.*]] = arith.constant dense<{{\[\[\[}}[1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]]]> : tensor<1x1x2x2xf32>
// CHECK: %[[C1:.*]] = linalg.conv_2d_nhwc_hwcf {{{.*}}sparq.kept_channels = 2 : i64{{.*}}} ins(%{{.*}}, %[[F1]] : tensor<1x3x3x2xf32>, tensor<1x1x2x2xf32>) {{.*}} -> tensor<1x3x3x2xf32>
// CHECK: %[[B:.*]] = arith.constant dense<[1.000000e-01, 3.000000e-01]> : tensor<2xf32>
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[C1]], %[[B]] : tensor<1x3x3x2xf32>, tensor<2xf32>) outs(%{{.*}} : tensor<1x3x3x2xf32>)
// CHECK: %[[F2:.*]] = arith.constant dense<{{\[\[\[}}[1.000000e+00], [3.000000e+00]]]]> : tensor<1x1x2x1xf32>
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}}ins(%[[R]], %[[F2]] : tensor<1x3x3x2xf32>, tensor<1x1x2x1xf32>)
#nhwc = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#c = affine_map<(d0, d1, d2, d3) -> (d3)>
func.func @cnn(%x: tensor<1x3x3x2xf32>) -> tensor<1x3x3x1xf32> {
  %zero = arith.constant 0.0 : f32
  %f1 = arith.constant dense<[[[[1.0, 0.1, 3.0, 0.2], [2.0, 0.1, 4.0, 0.2]]]]> : tensor<1x1x2x4xf32>
  %a = sparq.annotate %f1 : tensor<1x1x2x4xf32> with #sparq.sparsity<channel, axis = 3, ratio = 0.5>
  %e1 = tensor.empty() : tensor<1x3x3x4xf32>
  %i1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32>
  %c1 = linalg.conv_2d_nhwc_hwcf ins(%x, %a : tensor<1x3x3x2xf32>, tensor<1x1x2x4xf32>) outs(%i1 : tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32>
  %bias = arith.constant dense<[0.1, 0.2, 0.3, 0.4]> : tensor<4xf32>
  %e2 = tensor.empty() : tensor<1x3x3x4xf32>
  %r = linalg.generic {indexing_maps = [#nhwc, #c, #nhwc], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c1, %bias : tensor<1x3x3x4xf32>, tensor<4xf32>) outs(%e2 : tensor<1x3x3x4xf32>) {
  ^bb0(%v: f32, %b: f32, %o: f32):
    %s = arith.addf %v, %b : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x3x3x4xf32>
  %f2 = arith.constant dense<[[[[1.0], [2.0], [3.0], [4.0]]]]> : tensor<1x1x4x1xf32>
  %e3 = tensor.empty() : tensor<1x3x3x1xf32>
  %i3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<1x3x3x1xf32>) -> tensor<1x3x3x1xf32>
  %y = linalg.conv_2d_nhwc_hwcf ins(%r, %f2 : tensor<1x3x3x4xf32>, tensor<1x1x4x1xf32>) outs(%i3 : tensor<1x3x3x1xf32>) -> tensor<1x3x3x1xf32>
  return %y : tensor<1x3x3x1xf32>
}

// -----

// Channels that reach a function result are kept.
// CHECK-LABEL: func.func @to_result
// CHECK: linalg.matmul {{.*}} -> tensor<1x4xf32>
func.func @to_result(%x: tensor<1x2xf32>, %init: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]]> : tensor<2x4xf32>
  %a = sparq.annotate %w : tensor<2x4xf32> with #sparq.sparsity<channel, axis = 1, ratio = 0.5> {layer = "fc"}
  %e = tensor.empty() : tensor<1x4xf32>
  %h = linalg.matmul ins(%x, %a : tensor<1x2xf32>, tensor<2x4xf32>) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-remark @+1 {{keeping all channels of layer 'fc': they reach a function result}}
  return %h : tensor<1x4xf32>
}

// -----

// A residual add whose other side is computed keeps the channels.
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @residual(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<1.0> : tensor<4x4xf32>
  %a = sparq.annotate %w : tensor<4x4xf32> with #sparq.sparsity<channel, axis = 1, ratio = 0.5> {layer = "fc"}
  %e = tensor.empty() : tensor<1x4xf32>
  %i = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
  %h = linalg.matmul ins(%x, %a : tensor<1x4xf32>, tensor<4x4xf32>) outs(%i : tensor<1x4xf32>) -> tensor<1x4xf32>
  %e2 = tensor.empty() : tensor<1x4xf32>
  // expected-remark @+1 {{keeping all channels of layer 'fc': another operand indexed by the channels is computed (e.g. a residual add) and keeps them}}
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%h, %x : tensor<1x4xf32>, tensor<1x4xf32>) outs(%e2 : tensor<1x4xf32>) {
  ^bb0(%v: f32, %u: f32, %o: f32):
    %s = arith.addf %v, %u : f32
    linalg.yield %s : f32
  } -> tensor<1x4xf32>
  return %r : tensor<1x4xf32>
}

// -----

// An op the pass cannot see through keeps the channels.
func.func @opaque(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<1.0> : tensor<4x4xf32>
  %a = sparq.annotate %w : tensor<4x4xf32> with #sparq.sparsity<channel, axis = 1, ratio = 0.5> {layer = "fc"}
  %e = tensor.empty() : tensor<1x4xf32>
  %i = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
  %h = linalg.matmul ins(%x, %a : tensor<1x4xf32>, tensor<4x4xf32>) outs(%i : tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-remark @+1 {{keeping all channels of layer 'fc': they reach 'tensor.extract_slice', which sparq-shrink-channels cannot see through}}
  %s = tensor.extract_slice %h[0, 0] [1, 2] [1, 1] : tensor<1x4xf32> to tensor<1x2xf32>
  return %s : tensor<1x2xf32>
}

// -----

func.func @input_axis(%x: tensor<1x4xf32>, %init: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %w = arith.constant dense<1.0> : tensor<4x4xf32>
  %a = sparq.annotate %w : tensor<4x4xf32> with #sparq.sparsity<channel, axis = 0, ratio = 0.5> {layer = "fc"}
  // expected-error @+1 {{sparq-shrink-channels: layer 'fc' has channel sparsity along weight axis 0, but only its output axis 1 can be removed}}
  %h = linalg.matmul ins(%x, %a : tensor<1x4xf32>, tensor<4x4xf32>) outs(%init : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %h : tensor<1x4xf32>
}

// -----

// Padding the channel dimension would add channels the layer does not make.
func.func @pad_channels(%x: tensor<1x2xf32>) -> tensor<1x5xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<[[1.0, 0.1, 3.0, 0.2], [1.0, 0.1, 3.0, 0.2]]> : tensor<2x4xf32>
  %a = sparq.annotate %w : tensor<2x4xf32> with #sparq.sparsity<channel, axis = 1, ratio = 0.5> {layer = "fc"}
  %e = tensor.empty() : tensor<1x4xf32>
  %h = linalg.matmul ins(%x, %a : tensor<1x2xf32>, tensor<2x4xf32>) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-remark @+1 {{keeping all channels of layer 'fc': the tensor.pad pads the channel dimension}}
  %p = tensor.pad %h low[0, 1] high[0, 0] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<1x4xf32> to tensor<1x5xf32>
  return %p : tensor<1x5xf32>
}

// -----

// The same channels on both sides of a concatenation along them.
func.func @concat_twice(%x: tensor<1x2xf32>) -> tensor<1x1xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<[[1.0, 0.1, 3.0, 0.2], [1.0, 0.1, 3.0, 0.2]]> : tensor<2x4xf32>
  %a = sparq.annotate %w : tensor<2x4xf32> with #sparq.sparsity<channel, axis = 1, ratio = 0.5> {layer = "fc"}
  %e = tensor.empty() : tensor<1x4xf32>
  %h = linalg.matmul ins(%x, %a : tensor<1x2xf32>, tensor<2x4xf32>) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-remark @+1 {{keeping all channels of layer 'fc': more than one operand of a concatenation along the channels carries them}}
  %c = tensor.concat dim(1) %h, %h : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x8xf32>
  %w2 = arith.constant dense<1.0> : tensor<8x1xf32>
  %e2 = tensor.empty() : tensor<1x1xf32>
  %i2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x1xf32>) -> tensor<1x1xf32>
  %y = linalg.matmul ins(%c, %w2 : tensor<1x8xf32>, tensor<8x1xf32>) outs(%i2 : tensor<1x1xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// A reduction over the channels that is not a layer (a sum over them).
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @reduce_channels(%x: tensor<1x2xf32>) -> tensor<1xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<[[1.0, 0.1, 3.0, 0.2], [1.0, 0.1, 3.0, 0.2]]> : tensor<2x4xf32>
  %a = sparq.annotate %w : tensor<2x4xf32> with #sparq.sparsity<channel, axis = 1, ratio = 0.5> {layer = "fc"}
  %e = tensor.empty() : tensor<1x4xf32>
  %h = linalg.matmul ins(%x, %a : tensor<1x2xf32>, tensor<2x4xf32>) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
  %e2 = tensor.empty() : tensor<1xf32>
  %i2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1xf32>) -> tensor<1xf32>
  // expected-remark @+1 {{keeping all channels of layer 'fc': they reach 'linalg.generic', which reduces over them but not as the input channels of a layer}}
  %s = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%h : tensor<1x4xf32>) outs(%i2 : tensor<1xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %r = arith.addf %v, %acc : f32
    linalg.yield %r : f32
  } -> tensor<1xf32>
  return %s : tensor<1xf32>
}

// -----

// An elementwise op whose payload depends on the channel index.
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @index_payload(%x: tensor<1x2xf32>) -> tensor<1x4xf32> {
  %w = arith.constant dense<[[1.0, 0.1, 3.0, 0.2], [1.0, 0.1, 3.0, 0.2]]> : tensor<2x4xf32>
  %a = sparq.annotate %w : tensor<2x4xf32> with #sparq.sparsity<channel, axis = 1, ratio = 0.5> {layer = "fc"}
  %e = tensor.empty() : tensor<1x4xf32>
  %h = linalg.matmul ins(%x, %a : tensor<1x2xf32>, tensor<2x4xf32>) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
  %e2 = tensor.empty() : tensor<1x4xf32>
  // expected-remark @+1 {{keeping all channels of layer 'fc': 'linalg.generic' reads the loop indices (linalg.index)}}
  %s = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%h : tensor<1x4xf32>) outs(%e2 : tensor<1x4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %i = linalg.index 1 : index
    %ii = arith.index_cast %i : index to i32
    %f = arith.sitofp %ii : i32 to f32
    %r = arith.mulf %v, %f : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  return %s : tensor<1x4xf32>
}

// -----

// Kept channels 0 and 3 of [2, 2] (c = 2 * a + b) are no product of kept
// rows and kept columns.
func.func @expand_mixed(%x: tensor<1x2xf32>) -> tensor<1x2x2xf32> {
  %w = arith.constant dense<[[1.0, 0.1, 0.2, 3.0], [1.0, 0.1, 0.2, 3.0]]> : tensor<2x4xf32>
  %a = sparq.annotate %w : tensor<2x4xf32> with #sparq.sparsity<channel, axis = 1, ratio = 0.5> {layer = "fc"}
  %e = tensor.empty() : tensor<1x4xf32>
  %h = linalg.matmul ins(%x, %a : tensor<1x2xf32>, tensor<2x4xf32>) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-remark @+1 {{keeping all channels of layer 'fc': the channels do not map onto one dimension of the tensor.expand_shape}}
  %hx = tensor.expand_shape %h [[0], [1, 2]] output_shape [1, 2, 2] : tensor<1x4xf32> into tensor<1x2x2xf32>
  return %hx : tensor<1x2x2xf32>
}

// -----

// h + transpose(h) on a square h: the channels meet the rows.
#id = affine_map<(d0, d1) -> (d0, d1)>
#t = affine_map<(d0, d1) -> (d1, d0)>
func.func @self_transposed(%x: tensor<4x2xf32>) -> tensor<4x1xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<[[1.0, 0.1, 3.0, 0.2], [1.0, 0.1, 3.0, 0.2]]> : tensor<2x4xf32>
  %a = sparq.annotate %w : tensor<2x4xf32> with #sparq.sparsity<channel, axis = 1, ratio = 0.5> {layer = "fc"}
  %e = tensor.empty() : tensor<4x4xf32>
  %h = linalg.matmul ins(%x, %a : tensor<4x2xf32>, tensor<2x4xf32>) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e2 = tensor.empty() : tensor<4x4xf32>
  // expected-remark @+1 {{keeping all channels of layer 'fc': 'linalg.generic' reads the channels along different loops of its operands}}
  %s = linalg.generic {indexing_maps = [#id, #t, #id], iterator_types = ["parallel", "parallel"]} ins(%h, %h : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e2 : tensor<4x4xf32>) {
  ^bb0(%u: f32, %v: f32, %o: f32):
    %r = arith.addf %u, %v : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %w2 = arith.constant dense<1.0> : tensor<4x1xf32>
  %e3 = tensor.empty() : tensor<4x1xf32>
  %i3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<4x1xf32>) -> tensor<4x1xf32>
  %y = linalg.matmul ins(%s, %w2 : tensor<4x4xf32>, tensor<4x1xf32>) outs(%i3 : tensor<4x1xf32>) -> tensor<4x1xf32>
  return %y : tensor<4x1xf32>
}
