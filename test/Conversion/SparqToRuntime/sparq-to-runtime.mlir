// RUN: sparq-opt %s --split-input-file --convert-sparq-to-runtime="remarks=true" --verify-diagnostics | FileCheck %s
// RUN: not sparq-opt %s --split-input-file --convert-sparq-to-runtime="activations=int4" 2>&1 | FileCheck %s --check-prefix=BADOPT
// RUN: not sparq-opt %s --split-input-file --convert-sparq-to-runtime="pack-weights=false" 2>/dev/null | FileCheck %s --check-prefix=NOPACK
// BADOPT: error: convert-sparq-to-runtime: unknown activations 'int4' (expected 'int8' or 'f32')

// int4 groups with f16 scales and zero points, a rank-3 input: batch dims are
// collapsed into rows, the packed operands go to the runtime as stored.
// CHECK-LABEL: func.func private @sparq_rt_qmatmul_sf16
// CHECK-SAME: memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xi8, strided<[?, ?], offset: ?>>, memref<?x?xf16, strided<[?, ?], offset: ?>>, memref<?x?xi8, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i64, i64)
// CHECK-SAME: attributes {llvm.emit_c_interface}
// CHECK-LABEL: func.func @int4_groups
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x64xf32>, %[[D:.*]]: tensor<8x32xi8>, %[[S:.*]]: tensor<8x2xf16>, %[[Z:.*]]: tensor<8x2xi8>)
// CHECK: %[[X2:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<2x3x64xf32> into tensor<6x64xf32>
// CHECK: bufferization.to_buffer %[[X2]] read_only
// CHECK: bufferization.to_buffer %[[D]] read_only
// CHECK: bufferization.to_buffer %[[S]] read_only
// CHECK: bufferization.to_buffer %[[Z]] read_only
// CHECK: %[[ALLOC:.*]] = memref.alloc() {alignment = 64 : i64} : memref<6x8xf32>
// CHECK-DAG: %[[K:.*]] = arith.constant 64 : i64
// (bits 4 | signed 256 | zero points 512 | int8 activations 1024)
// CHECK-DAG: %[[CFG:.*]] = arith.constant 1796 : i64
// CHECK: call @sparq_rt_qmatmul_sf16({{.*}}, %[[K]], %[[CFG]])
// CHECK: %[[Y:.*]] = bufferization.to_tensor %[[ALLOC]] restrict writable
// CHECK: %[[Y3:.*]] = tensor.expand_shape %[[Y]] {{\[}}[0, 1], [2]] output_shape [2, 3, 8]
// CHECK: return %[[Y3]]
// CHECK-NOT: sparq.
func.func @int4_groups(%x: tensor<2x3x64xf32>, %d: tensor<8x32xi8>,
                       %s: tensor<8x2xf16>, %z: tensor<8x2xi8>) -> tensor<2x3x8xf32> {
  %w = sparq.assemble %d : tensor<8x32xi8> scales %s : tensor<8x2xf16>
         zero_points %z : tensor<8x2xi8>
         -> !sparq.compressed<8x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 32), asymmetric, scale = f16>>
  %y = sparq.matmul %x, %w : tensor<2x3x64xf32>,
         !sparq.compressed<8x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 32), asymmetric, scale = f16>>
         -> tensor<2x3x8xf32>
  return %y : tensor<2x3x8xf32>
}

// -----

// Unsigned int8 per channel with f32 scales, a dynamic batch, no zero points
// (a 1x1 placeholder is passed and not read).
// CHECK-LABEL: func.func @uint8_dynamic
// CHECK: memref.alloca() : memref<1x1xi8>
// CHECK: %[[M:.*]] = tensor.dim %{{.*}}, %c0
// CHECK: memref.alloc(%[[M]]) {alignment = 64 : i64} : memref<?x16xf32>
// (bits 8 | int8 activations 1024)
// CHECK: %[[CFG:.*]] = arith.constant 1032 : i64
// CHECK: call @sparq_rt_qmatmul_sf32({{.*}}, %[[CFG]])
func.func @uint8_dynamic(%x: tensor<?x32xf32>, %d: tensor<16x32xi8>,
                         %s: tensor<16x1xf32>) -> tensor<?x16xf32> {
  %w = sparq.assemble %d : tensor<16x32xi8> scales %s : tensor<16x1xf32>
         -> !sparq.compressed<16x32xf32, #sparq.quant<ui8, per_channel(axis = 0)>>
  %y = sparq.matmul %x, %w : tensor<?x32xf32>,
         !sparq.compressed<16x32xf32, #sparq.quant<ui8, per_channel(axis = 0)>>
         -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Dense matmuls: a zero-filled accumulator is not read (flag 0); any other
// accumulator is passed and added (flag 1); bf16 weights use their kernel.
// CHECK-LABEL: func.func @dense
// CHECK: %[[F0:.*]] = arith.constant 0 : i64
// CHECK: call @sparq_rt_matmul_f32({{.*}}, %[[F0]])
// CHECK: %[[F1:.*]] = arith.constant 1 : i64
// CHECK: call @sparq_rt_matmul_bf16w({{.*}}, %[[F1]])
// CHECK-NOT: linalg.matmul
func.func @dense(%x: tensor<4x16xf32>, %w: tensor<16x8xf32>,
                 %wb: tensor<8x8xbf16>, %acc: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x16xf32>, tensor<16x8xf32>)
                     outs(%f : tensor<4x8xf32>) -> tensor<4x8xf32>
  %z = linalg.matmul ins(%y, %wb : tensor<4x8xf32>, tensor<8x8xbf16>)
                     outs(%acc : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %z : tensor<4x8xf32>
}

// -----

// A transposed-B matmul (ONNX Gemm transB = 1) passes its [N, K] weight as a
// transposed [K, N] view.
// CHECK-LABEL: func.func @dense_transposed_b
// CHECK-SAME: %{{.*}}: tensor<4x16xf32>, %[[W:[^:]*]]: tensor<8x16xf32>
// CHECK: %[[WB:.*]] = bufferization.to_buffer %[[W]] read_only
// CHECK: %[[WC:.*]] = memref.cast %[[WB]]
// CHECK: %[[WT:.*]] = memref.transpose %[[WC]] (d0, d1) -> (d1, d0)
// CHECK: call @sparq_rt_matmul_f32(%{{.*}}, %[[WT]],
func.func @dense_transposed_b(%x: tensor<4x16xf32>, %w: tensor<8x16xf32>) -> tensor<4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<4x16xf32>, tensor<8x16xf32>) outs(%f : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Formats without a runtime kernel stay for the reference path, with a
// remark that says why.
// CHECK-LABEL: func.func @fallbacks
// CHECK-COUNT-2: sparq.matmul
func.func @fallbacks(%x: tensor<1x64xf32>, %d: tensor<8x64xi8>,
                     %s: tensor<8x2xf8E8M0FNU>, %s2: tensor<2x1xf32>,
                     %d4: tensor<8x32xi8>) -> (tensor<1x8xf32>, tensor<1x8xf32>) {
  %w = sparq.assemble %d : tensor<8x64xi8> scales %s : tensor<8x2xf8E8M0FNU>
         -> !sparq.compressed<8x64xf32, #sparq.quant<f8E4M3FN, per_group(axis = 1, size = 32), scale = f8E8M0FNU>>
  // expected-remark @below {{left to the reference decode path: float storage types other than f4E2M1FN have no runtime kernel}}
  %y = sparq.matmul %x, %w : tensor<1x64xf32>,
         !sparq.compressed<8x64xf32, #sparq.quant<f8E4M3FN, per_group(axis = 1, size = 32), scale = f8E8M0FNU>>
         -> tensor<1x8xf32>
  %w2 = sparq.assemble %d4 : tensor<8x32xi8> scales %s2 : tensor<2x1xf32>
         -> !sparq.compressed<8x64xf32, #sparq.quant<i4, per_block(shape = [4, 64])>>
  // expected-remark @below {{left to the reference decode path: scale blocks span several output rows}}
  %y2 = sparq.matmul %x, %w2 : tensor<1x64xf32>,
         !sparq.compressed<8x64xf32, #sparq.quant<i4, per_block(shape = [4, 64])>>
         -> tensor<1x8xf32>
  return %y, %y2 : tensor<1x8xf32>, tensor<1x8xf32>
}

// -----

// A constant int4 weight is packed at compile time (sparq_rt_qpack): codes
// offset binary (signed nibbles XOR 0x88) and, with two groups of 16, the
// 4-byte words of the row reordered group-interleaved (g0w0 g1w0 g0w1 g1w1).
// CHECK-LABEL: func.func @packed_constant
// CHECK: %[[D:.*]] = arith.constant dense<{{\[\[}}-104, -70, -36, -2, -119, -85, -51, -17, 16, 50, 84, 118, 1, 35, 69, 103]]> : tensor<1x16xi8>
// CHECK: bufferization.to_buffer %[[D]] read_only
// (bits 4 | signed 256 | int8 activations 1024 | packed 2048)
// CHECK: %[[CFG:.*]] = arith.constant 3332 : i64
// CHECK: call @sparq_rt_qmatmul_sf32({{.*}}, %[[CFG]])
// NOPACK-LABEL: func.func @packed_constant
// NOPACK: arith.constant dense<{{\[\[}}16, 50, 84, 118, -104, -70, -36, -2, 1, 35, 69, 103, -119, -85, -51, -17]]> : tensor<1x16xi8>
// NOPACK: arith.constant 1284 : i64
func.func @packed_constant(%x: tensor<1x32xf32>) -> tensor<1x1xf32> {
  %d = arith.constant dense<[[16, 50, 84, 118, -104, -70, -36, -2, 1, 35, 69, 103, -119, -85, -51, -17]]> : tensor<1x16xi8>
  %s = arith.constant dense<[[0.5, 0.25]]> : tensor<1x2xf32>
  %w = sparq.assemble %d : tensor<1x16xi8> scales %s : tensor<1x2xf32>
         -> !sparq.compressed<1x32xf32, #sparq.quant<i4, per_group(axis = 1, size = 16)>>
  %y = sparq.matmul %x, %w : tensor<1x32xf32>,
         !sparq.compressed<1x32xf32, #sparq.quant<i4, per_group(axis = 1, size = 16)>>
         -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// A constant int2 weight with two groups of 16 is packed too: each 4-code
// word (one byte at 2 bits) moved to the interleaved order (g0w0 g1w0 g0w1
// g1w1 ...), codes offset binary (signed 2-bit fields XOR 0b10: bytes XOR
// 0xAA).
// CHECK-LABEL: func.func @packed_constant_int2
// CHECK: %[[D:.*]] = arith.constant dense<{{\[\[}}-70, 50, -104, 16, -2, 118, -36, 84]]> : tensor<1x8xi8>
// CHECK: bufferization.to_buffer %[[D]] read_only
// (bits 2 | signed 256 | int8 activations 1024 | packed 2048)
// CHECK: %[[CFG:.*]] = arith.constant 3330 : i64
// CHECK: call @sparq_rt_qmatmul_sf32({{.*}}, %[[CFG]])
// NOPACK-LABEL: func.func @packed_constant_int2
// NOPACK: arith.constant 1282 : i64
func.func @packed_constant_int2(%x: tensor<1x32xf32>) -> tensor<1x1xf32> {
  %d = arith.constant dense<[[16, 50, 84, 118, -104, -70, -36, -2]]> : tensor<1x8xi8>
  %s = arith.constant dense<[[0.5, 0.25]]> : tensor<1x2xf32>
  %w = sparq.assemble %d : tensor<1x8xi8> scales %s : tensor<1x2xf32>
         -> !sparq.compressed<1x32xf32, #sparq.quant<i2, per_group(axis = 1, size = 16)>>
  %y = sparq.matmul %x, %w : tensor<1x32xf32>,
         !sparq.compressed<1x32xf32, #sparq.quant<i2, per_group(axis = 1, size = 16)>>
         -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// Weight data passed as an argument marked `sparq.packed` is taken as
// already packed by the caller: passed as is, with the packed bit (the
// attribute, consumed, is dropped).
// CHECK-LABEL: func.func @packed_argument
// CHECK-SAME: %[[D:[^:]*]]: tensor<4x64xi8>, %
// CHECK: bufferization.to_buffer %[[D]] read_only
// (bits 8 | signed 256 | int8 activations 1024 | packed 2048)
// CHECK: %[[CFG:.*]] = arith.constant 3336 : i64
// CHECK: call @sparq_rt_qmatmul_sf32({{.*}}, %[[CFG]])
func.func @packed_argument(%x: tensor<2x64xf32>, %d: tensor<4x64xi8> {sparq.packed},
                           %s: tensor<4x1xf32>) -> tensor<2x4xf32> {
  %w = sparq.assemble %d : tensor<4x64xi8> scales %s : tensor<4x1xf32>
         -> !sparq.compressed<4x64xf32, #sparq.quant<i8, per_channel(axis = 0)>>
  %y = sparq.matmul %x, %w : tensor<2x64xf32>,
         !sparq.compressed<4x64xf32, #sparq.quant<i8, per_channel(axis = 0)>>
         -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// A packed int4 g128 argument with K = 8192 (rows of 4 blocks of 16 groups):
// sparq_rt_qpack cuts such rows into K-panels, so the config says so too.
// CHECK-LABEL: func.func @packed_argument_panels
// (bits 4 | signed 256 | int8 activations 1024 | packed 2048 | panels 8192)
// CHECK: %[[CFG:.*]] = arith.constant 11524 : i64
// CHECK: call @sparq_rt_qmatmul_sf16({{.*}}, %[[CFG]])
!i4p = !sparq.compressed<4x8192xf32, #sparq.quant<i4, per_group(axis = 1, size = 128), scale = f16>>
func.func @packed_argument_panels(%x: tensor<1x8192xf32>,
                                  %d: tensor<4x4096xi8> {sparq.packed},
                                  %s: tensor<4x64xf16>) -> tensor<1x4xf32> {
  %w = sparq.assemble %d : tensor<4x4096xi8> scales %s : tensor<4x64xf16> -> !i4p
  %y = sparq.matmul %x, %w : tensor<1x8192xf32>, !i4p -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// A `sparq.packed` weight in a format the runtime does not lower densely
// cannot be decoded by anything else.
!nmp = !sparq.compressed<2x8xf32, #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>, quant = #sparq.quant<i8, per_channel(axis = 0)>>>
func.func @packed_sparse(%x: tensor<1x8xf32>, %d: tensor<2x4xi8> {sparq.packed},
                         %s: tensor<2x1xf32>, %i: tensor<2x1xi8>) -> tensor<1x2xf32> {
  %w = sparq.assemble %d : tensor<2x4xi8> scales %s : tensor<2x1xf32>
         indices %i : tensor<2x1xi8> -> !nmp
  // expected-error @+1 {{convert-sparq-to-runtime: a 'sparq.packed' weight must be a dense quantized format the runtime lowers: the weight is sparse}}
  %y = sparq.matmul %x, %w : tensor<1x8xf32>, !nmp -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// FP4 E2M1 with E8M0 scales (MXFP4) and an f32 global scale: the 8-bit-scale
// entry point, config 4 | E2M1 4096 | int8 activations 1024, and y scaled by
// the global scale after the call.
// CHECK-LABEL: func.func private @sparq_rt_qmatmul_se8m0
// CHECK-SAME: memref<?x?xf8E8M0FNU, strided<[?, ?], offset: ?>>
// CHECK-LABEL: func.func @mxfp4_global
// CHECK-SAME: %[[G:[^:]*]]: tensor<f32>
// CHECK: %[[CFG:.*]] = arith.constant 5124 : i64
// CHECK: call @sparq_rt_qmatmul_se8m0({{.*}}, %[[CFG]])
// CHECK: %[[Y:.*]] = bufferization.to_tensor
// CHECK: linalg.generic {{.*}} ins(%[[G]] : tensor<f32>) outs(%[[Y]] : tensor<2x4xf32>)
// CHECK: arith.mulf
!mx = !sparq.compressed<4x64xf32, #sparq.quant<f4E2M1FN, per_group(axis = 1, size = 32), scale = f8E8M0FNU, global_scale = f32>>
func.func @mxfp4_global(%x: tensor<2x64xf32>, %d: tensor<4x32xi8>,
                        %s: tensor<4x2xf8E8M0FNU>, %g: tensor<f32>) -> tensor<2x4xf32> {
  %w = sparq.assemble %d : tensor<4x32xi8> scales %s : tensor<4x2xf8E8M0FNU>
         global_scale %g : tensor<f32> -> !mx
  %y = sparq.matmul %x, %w : tensor<2x64xf32>, !mx -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// K = 9 < 16 (a 3x3 single-channel convolution after im2col): quantizing
// every activation row to int8 would cost more than the product, so the
// weight is dequantized per call and runs on the dense f32 kernel.
// CHECK-LABEL: func.func @short_k
// CHECK: %[[W:.*]] = sparq.dequantize %{{.*}} : !sparq.compressed<8x9xf32, #sparq.quant<i8, per_channel(axis = 0)>> -> tensor<8x9xf32>
// CHECK: %[[WM:.*]] = bufferization.to_buffer %[[W]] read_only
// CHECK: %[[WC:.*]] = memref.cast %[[WM]]
// CHECK: memref.transpose %[[WC]]
// CHECK: call @sparq_rt_matmul_f32
// CHECK-NOT: sparq_rt_qmatmul
func.func @short_k(%x: tensor<64x9xf32>, %d: tensor<8x9xi8>,
                   %s: tensor<8x1xf32>) -> tensor<64x8xf32> {
  %w = sparq.assemble %d : tensor<8x9xi8> scales %s : tensor<8x1xf32>
         -> !sparq.compressed<8x9xf32, #sparq.quant<i8, per_channel(axis = 0)>>
  // expected-remark @below {{K = 9 < 16: dequantized per call and run on the dense f32 kernel (quantizing activations would cost more)}}
  %y = sparq.matmul %x, %w : tensor<64x9xf32>,
         !sparq.compressed<8x9xf32, #sparq.quant<i8, per_channel(axis = 0)>>
         -> tensor<64x8xf32>
  return %y : tensor<64x8xf32>
}
