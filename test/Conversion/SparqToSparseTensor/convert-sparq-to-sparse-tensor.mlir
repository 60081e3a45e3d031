// RUN: sparq-opt %s --convert-sparq-to-sparse-tensor --split-input-file --verify-diagnostics | FileCheck %s

// CSR: Sparq's offsets, indices and values are the positions, coordinates
// and values, unchanged; the coordinate width is Sparq's (i16 here).
// CHECK: #[[CSR:.*]] = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 : compressed), posWidth = 32, crdWidth = 16 }>
// CHECK-LABEL: func.func @csr
// CHECK-SAME: (%[[V:.*]]: tensor<3xf32>, %[[C:.*]]: tensor<3xi16>, %[[P:.*]]: tensor<3xi32>)
// CHECK: %[[S:.*]] = sparse_tensor.assemble (%[[P]], %[[C]]), %[[V]] : (tensor<3xi32>, tensor<3xi16>), tensor<3xf32> to tensor<2x4xf32, #[[CSR]]>
// CHECK: %[[X:.*]] = sparse_tensor.convert %[[S]] : tensor<2x4xf32, #[[CSR]]> to tensor<2x4xf32>
// CHECK: return %[[X]]
!csr = !sparq.compressed<2x4xf32, #sparq.sparsity<unstructured, ratio = 0.625>>
func.func @csr(%v: tensor<3xf32>, %c: tensor<3xi16>, %p: tensor<3xi32>) -> tensor<2x4xf32> {
  %w = sparq.assemble %v : tensor<3xf32> indices %c : tensor<3xi16> offsets %p : tensor<3xi32> -> !csr
  %x = sparq.dequantize %w : !csr -> tensor<2x4xf32>
  return %x : tensor<2x4xf32>
}

// -----

// Rows longer than 65536 use 32-bit coordinates.
// CHECK: #[[CSR32:.*]] = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 : compressed), posWidth = 32, crdWidth = 32 }>
// CHECK-LABEL: func.func @csr_wide
// CHECK: sparse_tensor.assemble {{.*}} to tensor<2x70000xf32, #[[CSR32]]>
!csr = !sparq.compressed<2x70000xf32, #sparq.sparsity<unstructured, ratio = 0.5>>
func.func @csr_wide(%v: tensor<3xf32>, %c: tensor<3xi32>, %p: tensor<3xi32>) -> tensor<2x70000xf32> {
  %w = sparq.assemble %v : tensor<3xf32> indices %c : tensor<3xi32> offsets %p : tensor<3xi32> -> !csr
  %x = sparq.dequantize %w : !csr -> tensor<2x70000xf32>
  return %x : tensor<2x70000xf32>
}

// -----

// 2:4: positions packed in 2 bits (0xD8 = [0, 2, 1, 3], 0xE4 = [0, 1, 2, 3])
// are unpacked to one i8 coordinate each; values are flattened row-major.
// CHECK: #[[NM:.*]] = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 floordiv 4 : dense, d1 mod 4 : structured[2, 4]), crdWidth = 8 }>
// CHECK-LABEL: func.func @two_four
// CHECK-SAME: (%[[V:.*]]: tensor<2x4xf32>)
// CHECK-DAG: %[[CRD:.*]] = arith.constant dense<[0, 2, 1, 3, 0, 1, 2, 3]> : tensor<8xi8>
// CHECK-DAG: %[[FLAT:.*]] = tensor.collapse_shape %[[V]] {{\[\[}}0, 1]] : tensor<2x4xf32> into tensor<8xf32>
// CHECK: %[[S:.*]] = sparse_tensor.assemble (%[[CRD]]), %[[FLAT]] : (tensor<8xi8>), tensor<8xf32> to tensor<2x8xf32, #[[NM]]>
// CHECK: sparse_tensor.convert %[[S]]
!nm = !sparq.compressed<2x8xf32, #sparq.sparsity<2:4, axis = 1>>
func.func @two_four(%v: tensor<2x4xf32>) -> tensor<2x8xf32> {
  %i = arith.constant dense<[[-40], [-28]]> : tensor<2x1xi8>
  %w = sparq.assemble %v : tensor<2x4xf32> indices %i : tensor<2x1xi8> -> !nm
  %x = sparq.dequantize %w : !nm -> tensor<2x8xf32>
  return %x : tensor<2x8xf32>
}

// -----

!nm = !sparq.compressed<4x2xf32, #sparq.sparsity<2:4, axis = 0>>
func.func @nm_axis0(%v: tensor<2x2xf32>, %i: tensor<2x1xi8>) -> tensor<4x2xf32> {
  %w = sparq.assemble %v : tensor<2x2xf32> indices %i : tensor<2x1xi8> -> !nm
  // expected-remark @below {{kept as Sparq: N:M along axis 0 is not expressible: a structured[n, m] level must be the innermost, so the groups must run along the last axis}}
  %x = sparq.dequantize %w : !nm -> tensor<4x2xf32>
  return %x : tensor<4x2xf32>
}

// -----

!nm = !sparq.compressed<2x8xf32, #sparq.sparsity<2:4, axis = 1>>
func.func @nm_positions_not_constant(%v: tensor<2x4xf32>, %i: tensor<2x1xi8>) -> tensor<2x8xf32> {
  %w = sparq.assemble %v : tensor<2x4xf32> indices %i : tensor<2x1xi8> -> !nm
  // expected-remark @below {{kept as Sparq: its N:M positions are not a constant (they need unpacking to one byte each)}}
  %x = sparq.dequantize %w : !nm -> tensor<2x8xf32>
  return %x : tensor<2x8xf32>
}

// -----

!q = !sparq.compressed<2x4xf32, #sparq.spec<sparsity = #sparq.sparsity<unstructured, ratio = 0.5>, quant = #sparq.quant<i8>>>
func.func @quantized(%w: !q) -> tensor<2x4xf32> {
  // expected-remark @below {{kept as Sparq: it is not built by sparq.assemble in this function}}
  %x = sparq.dequantize %w : !q -> tensor<2x4xf32>
  return %x : tensor<2x4xf32>
}

// -----

!q = !sparq.compressed<2x4xf32, #sparq.spec<sparsity = #sparq.sparsity<unstructured, ratio = 0.5>, quant = #sparq.quant<i8>>>
func.func @quantized_assembled(%d: tensor<4xi8>, %s: tensor<1x1xf32>, %c: tensor<4xi16>, %p: tensor<3xi32>) -> tensor<2x4xf32> {
  %w = sparq.assemble %d : tensor<4xi8> scales %s : tensor<1x1xf32> indices %c : tensor<4xi16> offsets %p : tensor<3xi32> -> !q
  // expected-remark @below {{kept as Sparq: quantized values are not expressible: sparse_tensor stores plain values, not packed codes with scales}}
  %x = sparq.dequantize %w : !q -> tensor<2x4xf32>
  return %x : tensor<2x4xf32>
}

// -----

!blk = !sparq.compressed<4x4xf32, #sparq.sparsity<block [2, 2], ratio = 0.5>>
func.func @block(%v: tensor<2x2x2xf32>, %c: tensor<2xi32>, %p: tensor<3xi32>) -> tensor<4x4xf32> {
  %w = sparq.assemble %v : tensor<2x2x2xf32> indices %c : tensor<2xi32> offsets %p : tensor<3xi32> -> !blk
  // expected-remark @below {{kept as Sparq: block sparsity is not converted: its sparse_tensor form would need reordered values}}
  %x = sparq.dequantize %w : !blk -> tensor<4x4xf32>
  return %x : tensor<4x4xf32>
}

// -----

!csr3 = !sparq.compressed<2x2x2xf32, #sparq.sparsity<unstructured, ratio = 0.5>>
func.func @rank3(%v: tensor<4xf32>, %c: tensor<4xi16>, %p: tensor<3xi32>) -> tensor<2x2x2xf32> {
  %w = sparq.assemble %v : tensor<4xf32> indices %c : tensor<4xi16> offsets %p : tensor<3xi32> -> !csr3
  // expected-remark @below {{kept as Sparq: only rank-2 weights are converted, got rank 3}}
  %x = sparq.dequantize %w : !csr3 -> tensor<2x2x2xf32>
  return %x : tensor<2x2x2xf32>
}
