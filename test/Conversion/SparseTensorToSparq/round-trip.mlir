// sparq -> sparse_tensor -> sparq gives back the same storage arrays (the
// numbers of the sparse_tensor form are checked by running in
// test/Integration/CPU/sparse-tensor-form.mlir).
// RUN: sparq-opt %s --convert-sparq-to-sparse-tensor --convert-sparse-tensor-to-sparq --canonicalize | FileCheck %s

// CHECK-LABEL: func.func @csr
// CHECK-DAG: %[[V:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>
// CHECK-DAG: %[[C:.*]] = arith.constant dense<[1, 3, 0]> : tensor<3xi16>
// CHECK-DAG: %[[P:.*]] = arith.constant dense<[0, 2, 3]> : tensor<3xi32>
// CHECK: sparq.assemble %[[V]] : tensor<3xf32> indices %[[C]] : tensor<3xi16> offsets %[[P]] : tensor<3xi32> -> !sparq.compressed<2x4xf32, #sparq.sparsity<unstructured, ratio = 0.625>>
!csr = !sparq.compressed<2x4xf32, #sparq.sparsity<unstructured, ratio = 0.625>>
func.func @csr() -> tensor<2x4xf32> {
  %v = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %c = arith.constant dense<[1, 3, 0]> : tensor<3xi16>
  %p = arith.constant dense<[0, 2, 3]> : tensor<3xi32>
  %w = sparq.assemble %v : tensor<3xf32> indices %c : tensor<3xi16> offsets %p : tensor<3xi32> -> !csr
  %x = sparq.dequantize %w : !csr -> tensor<2x4xf32>
  return %x : tensor<2x4xf32>
}

// CHECK-LABEL: func.func @two_four
// CHECK-DAG: %[[V:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00], [5.000000e+00, 6.000000e+00, 7.000000e+00, 8.000000e+00]]> : tensor<2x4xf32>
// CHECK-DAG: %[[I:.*]] = arith.constant dense<{{\[}}[-40], [-28]]> : tensor<2x1xi8>
// CHECK: sparq.assemble %[[V]] : tensor<2x4xf32> indices %[[I]] : tensor<2x1xi8> -> !sparq.compressed<2x8xf32, #sparq.sparsity<2:4, axis = 1>>
!nm = !sparq.compressed<2x8xf32, #sparq.sparsity<2:4, axis = 1>>
func.func @two_four() -> tensor<2x8xf32> {
  %v = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]> : tensor<2x4xf32>
  %i = arith.constant dense<[[-40], [-28]]> : tensor<2x1xi8>
  %w = sparq.assemble %v : tensor<2x4xf32> indices %i : tensor<2x1xi8> -> !nm
  %x = sparq.dequantize %w : !nm -> tensor<2x8xf32>
  return %x : tensor<2x8xf32>
}
