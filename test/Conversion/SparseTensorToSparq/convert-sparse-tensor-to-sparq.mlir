// RUN: sparq-opt %s --convert-sparse-tensor-to-sparq --split-input-file --verify-diagnostics | FileCheck %s

// CSR with Sparq's widths: the arrays become Sparq storage unchanged; the
// ratio is the actual fraction of zeros (1 - 3/8).
#CSR = #sparse_tensor.encoding<{map = (i, j) -> (i : dense, j : compressed), posWidth = 32, crdWidth = 16}>
// CHECK-LABEL: func.func @csr
// CHECK-SAME: (%[[V:.*]]: tensor<3xf32>, %[[C:.*]]: tensor<3xi16>, %[[P:.*]]: tensor<3xi32>)
// CHECK: %[[W:.*]] = sparq.assemble %[[V]] : tensor<3xf32> indices %[[C]] : tensor<3xi16> offsets %[[P]] : tensor<3xi32> -> !sparq.compressed<2x4xf32, #sparq.sparsity<unstructured, ratio = 0.625>>
// CHECK: %[[X:.*]] = sparq.dequantize %[[W]]
// CHECK: return %[[X]]
func.func @csr(%v: tensor<3xf32>, %c: tensor<3xi16>, %p: tensor<3xi32>) -> tensor<2x4xf32> {
  %s = sparse_tensor.assemble (%p, %c), %v : (tensor<3xi32>, tensor<3xi16>), tensor<3xf32> to tensor<2x4xf32, #CSR>
  %x = sparse_tensor.convert %s : tensor<2x4xf32, #CSR> to tensor<2x4xf32>
  return %x : tensor<2x4xf32>
}

// -----

// 1:8 with i8 coordinates: packed into 3-bit positions, low bits first:
// [0, 7, 1] -> 0 | 7 << 3 | 1 << 6 = 120, 0; [4, 1, 3] -> 0xCC (-52), 0.
#NM = #sparse_tensor.encoding<{map = (i, j) -> (i : dense, j floordiv 8 : dense, j mod 8 : structured[1, 8]), crdWidth = 8}>
// CHECK-LABEL: func.func @one_eight
// CHECK-DAG: %[[I:.*]] = arith.constant dense<{{\[}}[120, 0], [-52, 0]]> : tensor<2x2xi8>
// CHECK-DAG: %[[V:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [2, 3] : tensor<6xf32> into tensor<2x3xf32>
// CHECK: sparq.assemble %[[V]] : tensor<2x3xf32> indices %[[I]] : tensor<2x2xi8> -> !sparq.compressed<2x24xf32, #sparq.sparsity<1:8, axis = 1>>
func.func @one_eight(%v: tensor<6xf32>) -> tensor<2x24xf32> {
  %c = arith.constant dense<[0, 7, 1, 4, 1, 3]> : tensor<6xi8>
  %s = sparse_tensor.assemble (%c), %v : (tensor<6xi8>), tensor<6xf32> to tensor<2x24xf32, #NM>
  %x = sparse_tensor.convert %s : tensor<2x24xf32, #NM> to tensor<2x24xf32>
  return %x : tensor<2x24xf32>
}

// -----

// A coordinate width Sparq does not use for this row length.
#CSR8 = #sparse_tensor.encoding<{map = (i, j) -> (i : dense, j : compressed), posWidth = 32, crdWidth = 8}>
func.func @csr_crd8(%v: tensor<3xf32>, %c: tensor<3xi8>, %p: tensor<3xi32>) -> tensor<2x4xf32> {
  %s = sparse_tensor.assemble (%p, %c), %v : (tensor<3xi32>, tensor<3xi8>), tensor<3xf32> to tensor<2x4xf32, #CSR8>
  // expected-remark-re @below {{kept as sparse_tensor: encoding {{.*}}crdWidth = 8 }> is not a Sparq storage format (Sparq stores this pattern as {{.*}}crdWidth = 16 }>)}}
  %x = sparse_tensor.convert %s : tensor<2x4xf32, #CSR8> to tensor<2x4xf32>
  return %x : tensor<2x4xf32>
}

// -----

#COO = #sparse_tensor.encoding<{map = (i, j) -> (i : compressed(nonunique), j : singleton)}>
func.func @coo(%v: tensor<3xf32>, %p: tensor<2xindex>, %c: tensor<3x2xindex>) -> tensor<2x4xf32> {
  %s = sparse_tensor.assemble (%p, %c), %v : (tensor<2xindex>, tensor<3x2xindex>), tensor<3xf32> to tensor<2x4xf32, #COO>
  // expected-remark-re @below {{kept as sparse_tensor: encoding {{.*}} is not a Sparq storage format (Sparq stores this pattern as {{.*}})}}
  %x = sparse_tensor.convert %s : tensor<2x4xf32, #COO> to tensor<2x4xf32>
  return %x : tensor<2x4xf32>
}

// -----

#NM = #sparse_tensor.encoding<{map = (i, j) -> (i : dense, j floordiv 4 : dense, j mod 4 : structured[2, 4]), crdWidth = 8}>
func.func @bad_coordinate(%v: tensor<4xf32>) -> tensor<1x8xf32> {
  %c = arith.constant dense<[0, 4, 1, 2]> : tensor<4xi8>
  %s = sparse_tensor.assemble (%c), %v : (tensor<4xi8>), tensor<4xf32> to tensor<1x8xf32, #NM>
  // expected-remark @below {{kept as sparse_tensor: coordinate 4 lies outside its group of 4}}
  %x = sparse_tensor.convert %s : tensor<1x8xf32, #NM> to tensor<1x8xf32>
  return %x : tensor<1x8xf32>
}

// -----

#CSR = #sparse_tensor.encoding<{map = (i, j) -> (i : dense, j : compressed), posWidth = 32, crdWidth = 16}>
func.func @not_assembled(%s: tensor<2x4xf32, #CSR>) -> tensor<2x4xf32> {
  // expected-remark @below {{kept as sparse_tensor: it is not built by sparse_tensor.assemble}}
  %x = sparse_tensor.convert %s : tensor<2x4xf32, #CSR> to tensor<2x4xf32>
  return %x : tensor<2x4xf32>
}
