// RUN: sparq-opt %s --split-input-file --verify-diagnostics --sparq-shrink-channels | FileCheck %s

// NCHW chains as the ONNX importer writes them. In every test conv1's filter
// norms are [1, 0.1, 3, 0.2]: ratio 0.5 removes channels 1 and 3.

// Conv -> bias add (a [C] constant expanded to [C, 1, 1], broadcast by
// constant-0 map results) -> ReLU -> max pooling -> pad -> conv: the bias is
// sliced, every init rebuilt, and conv2 loses input channels (FCHW axis 1).
// CHECK-LABEL: func.func @nchw_chain
// CHECK: %[[F1:.*]] = arith.constant dense<{{.*}}1.000000e+00{{.*}}3.000000e+00{{.*}}> : tensor<2x1x1x1xf32>
// CHECK: %[[C1:.*]] = linalg.conv_2d_nchw_fchw {{.*}}sparq.kept_channels = 2 : i64{{.*}} ins(%{{.*}}, %[[F1]] : tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) outs(%{{.*}} : tensor<1x2x3x3xf32>)
// CHECK: %[[B:.*]] = arith.constant dense<{{.*}}1.000000e-01{{.*}}3.000000e-01{{.*}}> : tensor<2x1x1xf32>
// CHECK: %[[BIAS:.*]] = linalg.generic {{.*}} ins(%[[C1]], %[[B]] : tensor<1x2x3x3xf32>, tensor<2x1x1xf32>) outs(%{{.*}} : tensor<1x2x3x3xf32>)
// CHECK: %[[RELU:.*]] = linalg.generic {{.*}} ins(%[[BIAS]] : tensor<1x2x3x3xf32>) outs(%{{.*}} : tensor<1x2x3x3xf32>)
// CHECK: %[[POOL:.*]] = linalg.pooling_nchw_max {{.*}} ins(%[[RELU]], %{{.*}} : tensor<1x2x3x3xf32>, tensor<2x2xf32>) outs(%{{.*}} : tensor<1x2x2x2xf32>)
// CHECK: %[[PAD:.*]] = tensor.pad %[[POOL]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: } : tensor<1x2x2x2xf32> to tensor<1x2x4x4xf32>
// CHECK: %[[F2:.*]] = arith.constant dense<{{.*}}1.000000e+00{{.*}}3.000000e+00{{.*}}5.000000e+00{{.*}}7.000000e+00{{.*}}> : tensor<2x2x1x1xf32>
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} ins(%[[PAD]], %[[F2]] : tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) outs(%{{.*}} : tensor<1x2x4x4xf32>)
// CHECK-NOT: tensor.expand_shape
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#bc = affine_map<(d0, d1, d2, d3) -> (d1, 0, 0)>
func.func @nchw_chain(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %lowest = arith.constant 0xFF800000 : f32
  %w1 = arith.constant dense<[[[[1.0]]], [[[0.1]]], [[[3.0]]], [[[0.2]]]]> : tensor<4x1x1x1xf32>
  %a1 = sparq.annotate %w1 : tensor<4x1x1x1xf32> with #sparq.sparsity<channel, axis = 0, ratio = 0.5> {layer = "conv1"}
  %e1 = tensor.empty() : tensor<1x4x3x3xf32>
  %i1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  %c1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %a1 : tensor<1x1x3x3xf32>, tensor<4x1x1x1xf32>) outs(%i1 : tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  %b = arith.constant dense<[0.1, 0.2, 0.3, 0.4]> : tensor<4xf32>
  %bx = tensor.expand_shape %b [[0, 1, 2]] output_shape [4, 1, 1] : tensor<4xf32> into tensor<4x1x1xf32>
  %e2 = tensor.empty() : tensor<1x4x3x3xf32>
  %biased = linalg.generic {indexing_maps = [#id, #bc, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c1, %bx : tensor<1x4x3x3xf32>, tensor<4x1x1xf32>) outs(%e2 : tensor<1x4x3x3xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    linalg.yield %s : f32
  } -> tensor<1x4x3x3xf32>
  %e3 = tensor.empty() : tensor<1x4x3x3xf32>
  %relu = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%biased : tensor<1x4x3x3xf32>) outs(%e3 : tensor<1x4x3x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x4x3x3xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %e4 = tensor.empty() : tensor<1x4x2x2xf32>
  %i4 = linalg.fill ins(%lowest : f32) outs(%e4 : tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  %pool = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%relu, %win : tensor<1x4x3x3xf32>, tensor<2x2xf32>) outs(%i4 : tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  %pad = tensor.pad %pool low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x4x2x2xf32> to tensor<1x4x4x4xf32>
  %w2 = arith.constant dense<[[[[1.0]], [[2.0]], [[3.0]], [[4.0]]], [[[5.0]], [[6.0]], [[7.0]], [[8.0]]]]> : tensor<2x4x1x1xf32>
  %e5 = tensor.empty() : tensor<1x2x4x4xf32>
  %i5 = linalg.fill ins(%zero : f32) outs(%e5 : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%pad, %w2 : tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>) outs(%i5 : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// Flatten before a Gemm (transposed-B matmul, weight [N, C*H*W]): channel c
// is the block of features c*4 .. c*4+3, so channels 1 and 3 take features
// 4..7 and 12..15 with them.
// CHECK-LABEL: func.func @flatten
// CHECK: %[[C1:.*]] = linalg.conv_2d_nchw_fchw {{.*}} -> tensor<1x2x2x2xf32>
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[C1]] {{\[\[}}0], [1, 2, 3]] : tensor<1x2x2x2xf32> into tensor<1x8xf32>
// CHECK: %[[W:.*]] = arith.constant dense<{{\[\[}}0.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00, 8.000000e+00, 9.000000e+00, 1.000000e+01, 1.100000e+01]]> : tensor<1x8xf32>
// CHECK: linalg.matmul {{.*}} ins(%[[FLAT]], %[[W]] : tensor<1x8xf32>, tensor<1x8xf32>)
#lhs = affine_map<(d0, d1, d2) -> (d0, d2)>
#rhsT = affine_map<(d0, d1, d2) -> (d1, d2)>
#out = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @flatten(%x: tensor<1x1x2x2xf32>) -> tensor<1x1xf32> {
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant dense<[[[[1.0]]], [[[0.1]]], [[[3.0]]], [[[0.2]]]]> : tensor<4x1x1x1xf32>
  %a1 = sparq.annotate %w1 : tensor<4x1x1x1xf32> with #sparq.sparsity<channel, axis = 0, ratio = 0.5> {layer = "conv1"}
  %e1 = tensor.empty() : tensor<1x4x2x2xf32>
  %i1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  %c1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %a1 : tensor<1x1x2x2xf32>, tensor<4x1x1x1xf32>) outs(%i1 : tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  %flat = tensor.collapse_shape %c1 [[0], [1, 2, 3]] : tensor<1x4x2x2xf32> into tensor<1x16xf32>
  %w = arith.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0]]> : tensor<1x16xf32>
  %e2 = tensor.empty() : tensor<1x1xf32>
  %i2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x1xf32>) -> tensor<1x1xf32>
  %y = linalg.matmul indexing_maps = [#lhs, #rhsT, #out] ins(%flat, %w : tensor<1x16xf32>, tensor<1x16xf32>) outs(%i2 : tensor<1x1xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// Concatenation along the channels with a branch that is not shrunk: conv1's
// channels 0..3 land at 2..5 of the concatenation, so the consumer loses
// input channels 3 and 5.
// CHECK-LABEL: func.func @concat
// CHECK: %[[C1:.*]] = linalg.conv_2d_nchw_fchw {{.*}}sparq.kept_channels = 2{{.*}} -> tensor<1x2x2x2xf32>
// CHECK: %[[CAT:.*]] = tensor.concat dim(1) %{{.*}}, %[[C1]] : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x4x2x2xf32>
// CHECK: %[[W:.*]] = arith.constant dense<{{.*}}1.000000e+00{{.*}}2.000000e+00{{.*}}3.000000e+00{{.*}}5.000000e+00{{.*}}> : tensor<1x4x1x1xf32>
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} ins(%[[CAT]], %[[W]] : tensor<1x4x2x2xf32>, tensor<1x4x1x1xf32>)
func.func @concat(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %zero = arith.constant 0.0 : f32
  %wb = arith.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %eb = tensor.empty() : tensor<1x2x2x2xf32>
  %ib = linalg.fill ins(%zero : f32) outs(%eb : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %cb = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %wb : tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) outs(%ib : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %w1 = arith.constant dense<[[[[1.0]]], [[[0.1]]], [[[3.0]]], [[[0.2]]]]> : tensor<4x1x1x1xf32>
  %a1 = sparq.annotate %w1 : tensor<4x1x1x1xf32> with #sparq.sparsity<channel, axis = 0, ratio = 0.5> {layer = "conv1"}
  %e1 = tensor.empty() : tensor<1x4x2x2xf32>
  %i1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  %c1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %a1 : tensor<1x1x2x2xf32>, tensor<4x1x1x1xf32>) outs(%i1 : tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  %cat = tensor.concat dim(1) %cb, %c1 : (tensor<1x2x2x2xf32>, tensor<1x4x2x2xf32>) -> tensor<1x6x2x2xf32>
  %w2 = arith.constant dense<[[[[1.0]], [[2.0]], [[3.0]], [[4.0]], [[5.0]], [[6.0]]]]> : tensor<1x6x1x1xf32>
  %e2 = tensor.empty() : tensor<1x1x2x2xf32>
  %i2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%cat, %w2 : tensor<1x6x2x2xf32>, tensor<1x6x1x1xf32>) outs(%i2 : tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

// Named elementwise ops: linalg.add of a full-shape constant (sliced along
// dimension 1), linalg.max, and a residual linalg.add whose two sides both
// carry conv1's channels: all shrink together.
// CHECK-LABEL: func.func @named_elementwise
// CHECK: %[[C1:.*]] = linalg.conv_2d_nchw_fchw {{.*}} -> tensor<1x2x1x1xf32>
// CHECK: %[[K:.*]] = arith.constant dense<{{.*}}1.000000e+01{{.*}}3.000000e+01{{.*}}> : tensor<1x2x1x1xf32>
// CHECK: %[[ADD:.*]] = linalg.add ins(%[[C1]], %[[K]] : tensor<1x2x1x1xf32>, tensor<1x2x1x1xf32>) outs(%{{.*}} : tensor<1x2x1x1xf32>)
// CHECK: %[[MAX:.*]] = linalg.max ins(%[[ADD]], %{{.*}} : tensor<1x2x1x1xf32>, tensor<1x2x1x1xf32>)
// CHECK: %[[RES:.*]] = linalg.add ins(%[[ADD]], %[[MAX]] : tensor<1x2x1x1xf32>, tensor<1x2x1x1xf32>)
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} ins(%[[RES]], %{{.*}} : tensor<1x2x1x1xf32>, tensor<1x2x1x1xf32>)
func.func @named_elementwise(%x: tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32> {
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant dense<[[[[1.0]]], [[[0.1]]], [[[3.0]]], [[[0.2]]]]> : tensor<4x1x1x1xf32>
  %a1 = sparq.annotate %w1 : tensor<4x1x1x1xf32> with #sparq.sparsity<channel, axis = 0, ratio = 0.5> {layer = "conv1"}
  %e1 = tensor.empty() : tensor<1x4x1x1xf32>
  %i1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x4x1x1xf32>) -> tensor<1x4x1x1xf32>
  %c1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %a1 : tensor<1x1x1x1xf32>, tensor<4x1x1x1xf32>) outs(%i1 : tensor<1x4x1x1xf32>) -> tensor<1x4x1x1xf32>
  %k = arith.constant dense<[[[[10.0]], [[20.0]], [[30.0]], [[40.0]]]]> : tensor<1x4x1x1xf32>
  %e2 = tensor.empty() : tensor<1x4x1x1xf32>
  %add = linalg.add ins(%c1, %k : tensor<1x4x1x1xf32>, tensor<1x4x1x1xf32>) outs(%e2 : tensor<1x4x1x1xf32>) -> tensor<1x4x1x1xf32>
  %zeros = arith.constant dense<0.0> : tensor<1x4x1x1xf32>
  %e3 = tensor.empty() : tensor<1x4x1x1xf32>
  %max = linalg.max ins(%add, %zeros : tensor<1x4x1x1xf32>, tensor<1x4x1x1xf32>) outs(%e3 : tensor<1x4x1x1xf32>) -> tensor<1x4x1x1xf32>
  %e4 = tensor.empty() : tensor<1x4x1x1xf32>
  %res = linalg.add ins(%add, %max : tensor<1x4x1x1xf32>, tensor<1x4x1x1xf32>) outs(%e4 : tensor<1x4x1x1xf32>) -> tensor<1x4x1x1xf32>
  %w2 = arith.constant dense<[[[[1.0]], [[2.0]], [[3.0]], [[4.0]]]]> : tensor<1x4x1x1xf32>
  %e5 = tensor.empty() : tensor<1x1x1x1xf32>
  %i5 = linalg.fill ins(%zero : f32) outs(%e5 : tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%res, %w2 : tensor<1x4x1x1xf32>, tensor<1x4x1x1xf32>) outs(%i5 : tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  return %y : tensor<1x1x1x1xf32>
}

// -----

// An expand_shape that splits the channels as [2, 2] (c = 2 * a + b): the
// kept channels 0 and 2 are b = 0, so dimension b shrinks to 1 and the
// consumer (reducing over b) keeps its first slice.
// CHECK-LABEL: func.func @expand
// CHECK: %[[X:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [1, 2, 1] : tensor<1x2xf32> into tensor<1x2x1xf32>
// CHECK: %[[W:.*]] = arith.constant dense<5.000000e+00> : tensor<1x1xf32>
// CHECK: linalg.batch_matmul {{.*}}ins(%[[X]], %[[W]] : tensor<1x2x1xf32>, tensor<1x1xf32>)
#bl = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#br = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
#bo = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
func.func @expand(%x: tensor<1x3xf32>) -> tensor<1x2x1xf32> {
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant dense<[[1.0, 0.1, 3.0, 0.2], [1.0, 0.1, 3.0, 0.2], [1.0, 0.1, 3.0, 0.2]]> : tensor<3x4xf32>
  %a1 = sparq.annotate %w1 : tensor<3x4xf32> with #sparq.sparsity<channel, axis = 1, ratio = 0.5> {layer = "fc1"}
  %e1 = tensor.empty() : tensor<1x4xf32>
  %i1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x4xf32>) -> tensor<1x4xf32>
  %h = linalg.matmul ins(%x, %a1 : tensor<1x3xf32>, tensor<3x4xf32>) outs(%i1 : tensor<1x4xf32>) -> tensor<1x4xf32>
  %hx = tensor.expand_shape %h [[0], [1, 2]] output_shape [1, 2, 2] : tensor<1x4xf32> into tensor<1x2x2xf32>
  %w2 = arith.constant dense<[[5.0], [6.0]]> : tensor<2x1xf32>
  %e2 = tensor.empty() : tensor<1x2x1xf32>
  %i2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x2x1xf32>) -> tensor<1x2x1xf32>
  %y = linalg.batch_matmul indexing_maps = [#bl, #br, #bo] ins(%hx, %w2 : tensor<1x2x2xf32>, tensor<2x1xf32>) outs(%i2 : tensor<1x2x1xf32>) -> tensor<1x2x1xf32>
  return %y : tensor<1x2x1xf32>
}
