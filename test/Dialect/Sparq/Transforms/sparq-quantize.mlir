// RUN: sparq-opt %s --split-input-file --sparq-quantize | FileCheck %s

// A [K, N] matmul weight becomes a compressed [N, K] weight (axis 1 of the
// spec becomes axis 0) read by sparq.matmul. Values chosen so that the codes
// are easy to check: row n of the transposed weight has scale max|w| / 127,
// and 0.5 / (1 / 127) = 63.5 and -2 / (4 / 127) = -63.5 round to even.

// CHECK-LABEL: func.func @matmul
// CHECK-SAME:    (%[[X:.*]]: tensor<3x2xf32>)
// CHECK-NOT:     arith.constant dense<{{.*}}> : tensor<2x2xf32>
// CHECK-DAG:     %[[DATA:.*]] = arith.constant dense<{{\[}}[127, 64], [-64, 127]]> : tensor<2x2xi8>
// CHECK-DAG:     %[[SCALES:.*]] = arith.constant dense<{{\[}}[0.00787401571], [0.0314960629]]> : tensor<2x1xf32>
// CHECK:         %[[W:.*]] = sparq.assemble %[[DATA]] : tensor<2x2xi8> scales %[[SCALES]] : tensor<2x1xf32>
// CHECK-SAME:      sparq.max_abs_error = 0.0157480{{[0-9]*}} : f64
// CHECK-SAME:      sparq.sqnr_db = 49.0657{{[0-9]*}} : f64
// CHECK-SAME:      -> !sparq.compressed<2x2xf32, #sparq.quant<i8, per_channel(axis = 0)>>
// CHECK:         %[[Y:.*]] = sparq.matmul %[[X]], %[[W]] {sparq.layer = "fc"} : tensor<3x2xf32>, !sparq.compressed<2x2xf32, #sparq.quant<i8, per_channel(axis = 0)>> -> tensor<3x2xf32>
// CHECK-NOT:     linalg.matmul
// CHECK-NOT:     linalg.add
// CHECK:         return %[[Y]]
func.func @matmul(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.5, 4.0]]> : tensor<2x2xf32>
  %a = sparq.annotate %w : tensor<2x2xf32> with #sparq.quant<i8, per_channel(axis = 1)> {layer = "fc"}
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<3x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %a : tensor<3x2xf32>, tensor<2x2xf32>) outs(%init : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Groups along the reduction axis K (axis 0 of [K, N]) run along the rows of
// the transposed weight; a weight that quantizes exactly has no error.

// CHECK-LABEL: func.func @matmul_groups_exact
// CHECK:         %[[W:.*]] = sparq.assemble %{{.*}} : tensor<4x4xi8> scales %{{.*}} : tensor<4x2xf32>
// CHECK-SAME:      {sparq.max_abs_error = 0.000000e+00 : f64, sparq.sqnr_db = 0x7FF0000000000000 : f64}
// CHECK-SAME:      -> !sparq.compressed<4x8xf32, #sparq.quant<i4, per_group(axis = 1, size = 4)>>
// CHECK:         sparq.matmul %{{.*}}, %[[W]] {sparq.layer = "fc"}
func.func @matmul_groups_exact(%x: tensor<1x8xf32>) -> tensor<1x4xf32> {
  %w = arith.constant dense<0.875> : tensor<8x4xf32>
  %a = sparq.annotate %w : tensor<8x4xf32> with #sparq.quant<i4, per_group(axis = 0, size = 4)> {layer = "fc"}
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<1x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<1x4xf32>) -> tensor<1x4xf32>
  %y = linalg.matmul ins(%x, %a : tensor<1x8xf32>, tensor<8x4xf32>) outs(%init : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// An accumulator that is not a zero fill is added back with linalg.add.

// CHECK-LABEL: func.func @matmul_accumulate
// CHECK-SAME:    (%[[X:.*]]: tensor<2x8xf32>, %[[ACC:.*]]: tensor<2x4xf32>)
// CHECK:         %[[W:.*]] = sparq.assemble
// CHECK:         %[[MM:.*]] = sparq.matmul %[[X]], %[[W]] {sparq.layer = "fc"}
// CHECK:         %[[SUM:.*]] = linalg.add ins(%[[MM]], %[[ACC]] : tensor<2x4xf32>, tensor<2x4xf32>) outs(%[[ACC]] : tensor<2x4xf32>)
// CHECK:         return %[[SUM]]
func.func @matmul_accumulate(%x: tensor<2x8xf32>, %acc: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<0.5> : tensor<8x4xf32>
  %a = sparq.annotate %w : tensor<8x4xf32> with #sparq.quant<i8, per_channel(axis = 1)> {layer = "fc"}
  %y = linalg.matmul ins(%x, %a : tensor<2x8xf32>, tensor<8x4xf32>) outs(%acc : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// A fill with a nonzero value is an accumulator too.

// CHECK-LABEL: func.func @matmul_nonzero_fill
// CHECK:         %[[FILL:.*]] = linalg.fill
// CHECK:         %[[MM:.*]] = sparq.matmul
// CHECK:         linalg.add ins(%[[MM]], %[[FILL]] : {{.*}}) outs(%[[FILL]] : {{.*}})
func.func @matmul_nonzero_fill(%x: tensor<2x8xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<0.5> : tensor<8x4xf32>
  %a = sparq.annotate %w : tensor<8x4xf32> with #sparq.quant<i8, per_channel(axis = 1)> {layer = "fc"}
  %one = arith.constant 1.0 : f32
  %empty = tensor.empty() : tensor<2x4xf32>
  %init = linalg.fill ins(%one : f32) outs(%empty : tensor<2x4xf32>) -> tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %a : tensor<2x8xf32>, tensor<8x4xf32>) outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// A convolution keeps its op and its filter layout; it reads the weight
// through sparq.dequantize.

// CHECK-LABEL: func.func @conv_2d_nhwc_hwcf
// CHECK-SAME:    (%[[X:.*]]: tensor<1x6x6x4xf32>, %[[INIT:.*]]: tensor<1x4x4x8xf32>)
// CHECK-DAG:     %[[DATA:.*]] = arith.constant dense<127> : tensor<3x3x4x8xi8>
// CHECK-DAG:     %[[SCALES:.*]] = arith.constant dense<0.00196850393> : tensor<1x1x1x8xf32>
// CHECK:         %[[C:.*]] = sparq.assemble %[[DATA]] : tensor<3x3x4x8xi8> scales %[[SCALES]] : tensor<1x1x1x8xf32>
// CHECK-SAME:      sparq.max_abs_error = {{[^,]*}}, sparq.sqnr_db = {{[^}]*}}
// CHECK-SAME:      -> !sparq.compressed<3x3x4x8xf32, #sparq.quant<i8, per_channel(axis = 3)>>
// CHECK:         %[[W:.*]] = sparq.dequantize %[[C]] : !sparq.compressed<3x3x4x8xf32, #sparq.quant<i8, per_channel(axis = 3)>> -> tensor<3x3x4x8xf32>
// CHECK:         %[[Y:.*]] = linalg.conv_2d_nhwc_hwcf
// CHECK-SAME:      sparq.layer = "conv"
// CHECK-SAME:      ins(%[[X]], %[[W]] : tensor<1x6x6x4xf32>, tensor<3x3x4x8xf32>) outs(%[[INIT]] : tensor<1x4x4x8xf32>)
// CHECK:         return %[[Y]]
func.func @conv_2d_nhwc_hwcf(%x: tensor<1x6x6x4xf32>, %init: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %w = arith.constant dense<0.25> : tensor<3x3x4x8xf32>
  %a = sparq.annotate %w : tensor<3x3x4x8xf32> with #sparq.quant<i8, per_channel(axis = 3)> {layer = "conv"}
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %a : tensor<1x6x6x4xf32>, tensor<3x3x4x8xf32>) outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// A batch matmul is not transposed: int4 codes are packed along its last
// dimension N (4 values -> 2 bytes); -0.75 / (0.75 / 7) = -7 is 0x9 per
// nibble, 0x99 = -103 per byte.

// CHECK-LABEL: func.func @batch_matmul
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3x8xf32>, %[[INIT:.*]]: tensor<2x3x4xf32>)
// CHECK-DAG:     %[[DATA:.*]] = arith.constant dense<-103> : tensor<2x8x2xi8>
// CHECK-DAG:     %[[SCALES:.*]] = arith.constant dense<0.107142858> : tensor<2x2x4xf32>
// CHECK:         %[[C:.*]] = sparq.assemble %[[DATA]] : tensor<2x8x2xi8> scales %[[SCALES]] : tensor<2x2x4xf32>
// CHECK-SAME:      -> !sparq.compressed<2x8x4xf32, #sparq.quant<i4, per_group(axis = 1, size = 4)>>
// CHECK:         %[[W:.*]] = sparq.dequantize %[[C]] : {{.*}} -> tensor<2x8x4xf32>
// CHECK:         %[[Y:.*]] = linalg.batch_matmul {sparq.layer = "bmm"} ins(%[[X]], %[[W]] : tensor<2x3x8xf32>, tensor<2x8x4xf32>) outs(%[[INIT]] : tensor<2x3x4xf32>)
// CHECK:         return %[[Y]]
func.func @batch_matmul(%x: tensor<2x3x8xf32>, %init: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %w = arith.constant dense<-0.75> : tensor<2x8x4xf32>
  %a = sparq.annotate %w : tensor<2x8x4xf32> with #sparq.quant<i4, per_group(axis = 1, size = 4)> {layer = "bmm"}
  %y = linalg.batch_matmul ins(%x, %a : tensor<2x3x8xf32>, tensor<2x8x4xf32>) outs(%init : tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

// Storage constants of 1 KiB or more become dense_resource blobs named after
// the layer; smaller ones stay dense: 32x32 i8 codes are 1024 bytes, 33x31
// are 1023.

// CHECK-LABEL: func.func @resource_threshold
// CHECK-DAG:     arith.constant dense_resource<big.data> : tensor<32x32xi8>
// CHECK-DAG:     arith.constant dense<{{.*}}> : tensor<32x1xf32>
// CHECK-DAG:     arith.constant dense<{{.*}}> : tensor<33x31xi8>
// CHECK-DAG:     arith.constant dense<{{.*}}> : tensor<33x1xf32>
// CHECK-NOT:     dense_resource<small
// CHECK:         return
// CHECK:       big.data: "0x
func.func @resource_threshold(%x: tensor<1x32xf32>, %x2: tensor<1x31xf32>) -> (tensor<1x32xf32>, tensor<1x33xf32>) {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<32x32xf32>
  %a = sparq.annotate %w : tensor<32x32xf32> with #sparq.quant<i8, per_channel(axis = 1)> {layer = "big"}
  %e = tensor.empty() : tensor<1x32xf32>
  %i = linalg.fill ins(%zero : f32) outs(%e : tensor<1x32xf32>) -> tensor<1x32xf32>
  %y = linalg.matmul ins(%x, %a : tensor<1x32xf32>, tensor<32x32xf32>) outs(%i : tensor<1x32xf32>) -> tensor<1x32xf32>
  %w2 = arith.constant dense<0.5> : tensor<31x33xf32>
  %a2 = sparq.annotate %w2 : tensor<31x33xf32> with #sparq.quant<i8, per_channel(axis = 1)> {layer = "small"}
  %e2 = tensor.empty() : tensor<1x33xf32>
  %i2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x33xf32>) -> tensor<1x33xf32>
  %y2 = linalg.matmul ins(%x2, %a2 : tensor<1x31xf32>, tensor<31x33xf32>) outs(%i2 : tensor<1x33xf32>) -> tensor<1x33xf32>
  return %y, %y2 : tensor<1x32xf32>, tensor<1x33xf32>
}

// -----

// Layers without an annotation, and annotations with a sparsity spec (not
// this pass's job), are left alone.

// CHECK-LABEL: func.func @unannotated
// CHECK-SAME:    (%[[X:.*]]: tensor<1x8xf32>)
// CHECK:         %[[W1:.*]] = arith.constant dense<2.500000e-01> : tensor<8x4xf32>
// CHECK:         linalg.matmul ins(%[[X]], %[[W1]] : tensor<1x8xf32>, tensor<8x4xf32>)
// CHECK:         %[[W2:.*]] = arith.constant dense<5.000000e-01> : tensor<8x4xf32>
// CHECK:         %[[A2:.*]] = sparq.annotate %[[W2]] : tensor<8x4xf32> with #sparq.sparsity<2:4, axis = 0> {layer = "pruned"}
// CHECK:         linalg.matmul ins(%[[X]], %[[A2]] : tensor<1x8xf32>, tensor<8x4xf32>)
// CHECK-NOT:     sparq.assemble
// CHECK-NOT:     sparq.matmul
func.func @unannotated(%x: tensor<1x8xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4xf32>
  %i = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
  %w1 = arith.constant dense<0.25> : tensor<8x4xf32>
  %y1 = linalg.matmul ins(%x, %w1 : tensor<1x8xf32>, tensor<8x4xf32>) outs(%i : tensor<1x4xf32>) -> tensor<1x4xf32>
  %w2 = arith.constant dense<0.5> : tensor<8x4xf32>
  %a2 = sparq.annotate %w2 : tensor<8x4xf32> with #sparq.sparsity<2:4, axis = 0> {layer = "pruned"}
  %y2 = linalg.matmul ins(%x, %a2 : tensor<1x8xf32>, tensor<8x4xf32>) outs(%i : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y1, %y2 : tensor<1x4xf32>, tensor<1x4xf32>
}

// -----

// Only the annotated one of two layers is quantized.

// CHECK-LABEL: func.func @one_of_two
// CHECK-SAME:    (%[[X:.*]]: tensor<1x8xf32>)
// CHECK-DAG:     %[[PLAIN:.*]] = arith.constant dense<2.500000e-01> : tensor<8x4xf32>
// CHECK-DAG:     %[[C:.*]] = sparq.assemble {{.*}} -> !sparq.compressed<4x8xf32, #sparq.quant<i8, per_channel(axis = 0)>>
// CHECK-DAG:     sparq.matmul %[[X]], %[[C]] {sparq.layer = "q"}
// CHECK-DAG:     linalg.matmul ins(%[[X]], %[[PLAIN]] : tensor<1x8xf32>, tensor<8x4xf32>)
func.func @one_of_two(%x: tensor<1x8xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4xf32>
  %i = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
  %w1 = arith.constant dense<0.25> : tensor<8x4xf32>
  %y1 = linalg.matmul ins(%x, %w1 : tensor<1x8xf32>, tensor<8x4xf32>) outs(%i : tensor<1x4xf32>) -> tensor<1x4xf32>
  %w2 = arith.constant dense<0.5> : tensor<8x4xf32>
  %a2 = sparq.annotate %w2 : tensor<8x4xf32> with #sparq.quant<i8, per_channel(axis = 1)> {layer = "q"}
  %y2 = linalg.matmul ins(%x, %a2 : tensor<1x8xf32>, tensor<8x4xf32>) outs(%i : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y1, %y2 : tensor<1x4xf32>, tensor<1x4xf32>
}

// -----

// A transposed-B matmul (ONNX Gemm transB = 1) already stores its weight as
// [N, K]: it is quantized as it is, without a transpose, and becomes
// sparq.matmul. Row 0 is [1, 2, -4, 0] with scale 4/127.
// CHECK-LABEL: func.func @transposed_b
// CHECK: %[[D:.*]] = arith.constant dense<{{\[}}[32, 64, -127, 0], [127, 0, 0, 0], [0, 0, 0, -127]]> : tensor<3x4xi8>
// CHECK: %[[W:.*]] = sparq.assemble %[[D]] : tensor<3x4xi8> scales %{{.*}} : tensor<3x1xf32> {{.*}}-> !sparq.compressed<3x4xf32, #sparq.quant<i8, per_channel(axis = 0)>>
// CHECK: sparq.matmul %{{.*}}, %[[W]] {sparq.layer = "fc"} : tensor<2x4xf32>, !sparq.compressed<3x4xf32, #sparq.quant<i8, per_channel(axis = 0)>> -> tensor<2x3xf32>
// CHECK-NOT: linalg.matmul
func.func @transposed_b(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<[[1.0, 2.0, -4.0, 0.0], [0.5, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, -3.0]]> : tensor<3x4xf32>
  %a = sparq.annotate %w : tensor<3x4xf32> with #sparq.quant<i8, per_channel(axis = 0)> {layer = "fc"}
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %a : tensor<2x4xf32>, tensor<3x4xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
