// RUN: sparq-opt %s --split-input-file --convert-sparq-to-runtime="remarks=true" --verify-diagnostics | FileCheck %s

// 2:4 f32 along the reduction axis, a rank-1 input: values and packed
// positions go to the runtime as stored.
// CHECK-LABEL: func.func private @sparq_rt_nm_matmul_f32
// CHECK-SAME: (memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xi8, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i64, i64)
// CHECK-SAME: attributes {llvm.emit_c_interface}
// CHECK-LABEL: func.func @nm_f32
// CHECK-SAME: (%[[X:.*]]: tensor<16xf32>, %[[V:.*]]: tensor<8x8xf32>, %[[I:.*]]: tensor<8x2xi8>)
// CHECK: %[[X2:.*]] = tensor.expand_shape %[[X]] {{\[}}[0, 1]] output_shape [1, 16]
// CHECK: %[[ALLOC:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x8xf32>
// CHECK: bufferization.to_buffer %[[X2]] read_only
// CHECK: bufferization.to_buffer %[[V]] read_only
// CHECK: bufferization.to_buffer %[[I]] read_only
// CHECK-DAG: %[[K:.*]] = arith.constant 16 : i64
// (N = 2 << 16 | M = 4 << 24)
// CHECK-DAG: %[[CFG:.*]] = arith.constant 67239936 : i64
// CHECK: call @sparq_rt_nm_matmul_f32({{.*}}, %[[K]], %[[CFG]])
// CHECK: %[[Y:.*]] = bufferization.to_tensor %[[ALLOC]] restrict writable
// CHECK: %[[Y1:.*]] = tensor.collapse_shape %[[Y]] {{\[}}[0, 1]]
// CHECK: return %[[Y1]]
!nm = !sparq.compressed<8x16xf32, #sparq.sparsity<2:4, axis = 1>>
func.func @nm_f32(%x: tensor<16xf32>, %v: tensor<8x8xf32>, %i: tensor<8x2xi8>) -> tensor<8xf32> {
  %w = sparq.assemble %v : tensor<8x8xf32> indices %i : tensor<8x2xi8> -> !nm
  %y = sparq.matmul %x, %w : tensor<16xf32>, !nm -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// 2:4 composed with asymmetric ui4 groups and f16 scales; a rank-3 input.
// CHECK-LABEL: func.func private @sparq_rt_nm_qmatmul_sf16
// CHECK-SAME: (memref<?x?xf32, {{.*}}>, memref<?x?xi8, {{.*}}>, memref<?x?xi8, {{.*}}>, memref<?x?xf16, {{.*}}>, memref<?x?xi8, {{.*}}>, memref<?x?xf32, {{.*}}>, i64, i64)
// CHECK-LABEL: func.func @nm_ui4
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x16xf32>, %[[D:.*]]: tensor<8x4xi8>, %[[S:.*]]: tensor<8x2xf16>, %[[Z:.*]]: tensor<8x2xi8>, %[[I:.*]]: tensor<8x2xi8>)
// CHECK: tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<2x3x16xf32> into tensor<6x16xf32>
// CHECK: bufferization.to_buffer %[[D]] read_only
// CHECK: bufferization.to_buffer %[[I]] read_only
// CHECK: bufferization.to_buffer %[[S]] read_only
// CHECK: bufferization.to_buffer %[[Z]] read_only
// (2:4 config | bits 4 | zero points 512; unsigned, activations stay f32)
// CHECK: %[[CFG:.*]] = arith.constant 67240452 : i64
// CHECK: call @sparq_rt_nm_qmatmul_sf16({{.*}}, %[[CFG]])
// CHECK: tensor.expand_shape {{.*}} output_shape [2, 3, 8]
!nmq = !sparq.compressed<8x16xf32, #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>, quant = #sparq.quant<ui4, per_group(axis = 1, size = 8), asymmetric, scale = f16>>>
func.func @nm_ui4(%x: tensor<2x3x16xf32>, %d: tensor<8x4xi8>, %s: tensor<8x2xf16>,
                  %z: tensor<8x2xi8>, %i: tensor<8x2xi8>) -> tensor<2x3x8xf32> {
  %w = sparq.assemble %d : tensor<8x4xi8> scales %s : tensor<8x2xf16>
         zero_points %z : tensor<8x2xi8> indices %i : tensor<8x2xi8> -> !nmq
  %y = sparq.matmul %x, %w : tensor<2x3x16xf32>, !nmq -> tensor<2x3x8xf32>
  return %y : tensor<2x3x8xf32>
}

// -----

// CSR with 16-bit columns and a dynamic batch: rank-1 operands.
// CHECK-LABEL: func.func private @sparq_rt_csr_matmul_f32_i16
// CHECK-SAME: (memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?xi32, strided<[?], offset: ?>>, memref<?xi16, strided<[?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i64, i64)
// CHECK-LABEL: func.func @csr
// CHECK-SAME: (%[[X:.*]]: tensor<?x32xf32>, %[[V:.*]]: tensor<40xf32>, %[[C:.*]]: tensor<40xi16>, %[[O:.*]]: tensor<5xi32>)
// CHECK: %[[M:.*]] = tensor.dim %[[X]], %c0
// CHECK: memref.alloc(%[[M]]) {alignment = 64 : i64} : memref<?x4xf32>
// CHECK: %[[OB:.*]] = bufferization.to_buffer %[[O]] read_only : tensor<5xi32> to memref<5xi32, strided<[?], offset: ?>>
// CHECK: %[[OM:.*]] = memref.cast %[[OB]] : memref<5xi32, strided<[?], offset: ?>> to memref<?xi32, strided<[?], offset: ?>>
// CHECK: bufferization.to_buffer %[[C]] read_only
// CHECK: bufferization.to_buffer %[[V]] read_only
// CHECK: %[[CFG:.*]] = arith.constant 0 : i64
// CHECK: call @sparq_rt_csr_matmul_f32_i16(%{{.*}}, %[[OM]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[CFG]])
!csr = !sparq.compressed<4x32xf32, #sparq.sparsity<unstructured, ratio = 0.5>>
func.func @csr(%x: tensor<?x32xf32>, %v: tensor<40xf32>, %c: tensor<40xi16>,
               %o: tensor<5xi32>) -> tensor<?x4xf32> {
  %w = sparq.assemble %v : tensor<40xf32> indices %c : tensor<40xi16> offsets %o : tensor<5xi32> -> !csr
  %y = sparq.matmul %x, %w : tensor<?x32xf32>, !csr -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

// BSR: the [blocks, 4, 2] values are flattened to rank 1.
// CHECK-LABEL: func.func @bsr
// CHECK-SAME: (%[[X:.*]]: tensor<3x16xf32>, %[[V:.*]]: tensor<6x4x2xf32>
// CHECK: %[[VF:.*]] = tensor.collapse_shape %[[V]] {{\[}}[0, 1, 2]] : tensor<6x4x2xf32> into tensor<48xf32>
// CHECK: bufferization.to_buffer %[[VF]] read_only
// (B0 = 4 | B1 = 2 << 16)
// CHECK: %[[CFG:.*]] = arith.constant 131076 : i64
// CHECK: call @sparq_rt_bsr_matmul_f32({{.*}}, %[[CFG]])
!bsr = !sparq.compressed<8x16xf32, #sparq.sparsity<block [4, 2], ratio = 0.5>>
func.func @bsr(%x: tensor<3x16xf32>, %v: tensor<6x4x2xf32>, %c: tensor<6xi32>,
               %o: tensor<3xi32>) -> tensor<3x8xf32> {
  %w = sparq.assemble %v : tensor<6x4x2xf32> indices %c : tensor<6xi32> offsets %o : tensor<3xi32> -> !bsr
  %y = sparq.matmul %x, %w : tensor<3x16xf32>, !bsr -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// -----

// Formats without a sparse kernel stay on the reference path with a remark.
// CHECK-LABEL: func.func @unsupported
// CHECK-NOT: call
// CHECK: sparq.matmul
// CHECK: sparq.matmul
!nm0 = !sparq.compressed<8x16xf32, #sparq.sparsity<2:4, axis = 0>>
!qcsr = !sparq.compressed<4x32xf32, #sparq.spec<sparsity = #sparq.sparsity<unstructured, ratio = 0.5>, quant = #sparq.quant<i4, per_channel(axis = 0)>>>
func.func @unsupported(%x: tensor<1x16xf32>, %v: tensor<4x16xf32>, %i: tensor<4x4xi8>,
                       %x2: tensor<1x32xf32>, %d: tensor<20xi8>, %s: tensor<4x1xf32>,
                       %c: tensor<40xi16>, %o: tensor<5xi32>) -> (tensor<1x8xf32>, tensor<1x4xf32>) {
  %w = sparq.assemble %v : tensor<4x16xf32> indices %i : tensor<4x4xi8> -> !nm0
  // expected-remark @below {{left to the reference decode path: N:M groups do not run along the reduction axis}}
  %y = sparq.matmul %x, %w : tensor<1x16xf32>, !nm0 -> tensor<1x8xf32>
  %w2 = sparq.assemble %d : tensor<20xi8> scales %s : tensor<4x1xf32> indices %c : tensor<40xi16> offsets %o : tensor<5xi32> -> !qcsr
  // expected-remark @below {{left to the reference decode path: quantized CSR/BSR weights have no runtime kernel yet}}
  %y2 = sparq.matmul %x2, %w2 : tensor<1x32xf32>, !qcsr -> tensor<1x4xf32>
  return %y, %y2 : tensor<1x8xf32>, tensor<1x4xf32>
}
