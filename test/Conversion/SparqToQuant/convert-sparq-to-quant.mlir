// RUN: sparq-opt %s --convert-sparq-to-quant --split-input-file --verify-diagnostics | FileCheck %s

// Per tensor, signed int8 with narrow range: storage bounds <-127:127>.
// CHECK-LABEL: func.func @per_tensor_narrow
// CHECK: %[[Q:.*]] = arith.constant dense<{{\[}}[-127, 5, 127]]> : tensor<1x3xi8>
// CHECK: %[[T:.*]] = quant.scast %[[Q]] : tensor<1x3xi8> to tensor<1x3x!quant.uniform<i8<-127:127>:f32, 2.500000e-01>>
// CHECK: %[[X:.*]] = quant.dcast %[[T]] : {{.*}} to tensor<1x3xf32>
// CHECK: return %[[X]]
// CHECK-NOT: sparq.
func.func @per_tensor_narrow() -> tensor<1x3xf32> {
  %d = arith.constant dense<[[-127, 5, 127]]> : tensor<1x3xi8>
  %s = arith.constant dense<2.500000e-01> : tensor<1x1xf32>
  %w = sparq.assemble %d : tensor<1x3xi8> scales %s : tensor<1x1xf32>
         -> !sparq.compressed<1x3xf32, #sparq.quant<i8, narrow_range>>
  %x = sparq.dequantize %w : !sparq.compressed<1x3xf32, #sparq.quant<i8, narrow_range>> -> tensor<1x3xf32>
  return %x : tensor<1x3xf32>
}

// -----

// Per channel int4: the packed bytes 0x21, 0xFE unpack low nibble first.
// CHECK-LABEL: func.func @per_channel_int4
// CHECK: %[[Q:.*]] = arith.constant dense<{{\[}}[1, 2, -2, -1], [0, -1, -1, 7]]> : tensor<2x4xi4>
// CHECK: quant.scast %[[Q]] : tensor<2x4xi4> to tensor<2x4x!quant.uniform<i4:f32:0, {5.000000e-01,2.500000e-01}>>
func.func @per_channel_int4() -> tensor<2x4xf32> {
  %d = arith.constant dense<[[33, -2], [-16, 127]]> : tensor<2x2xi8>
  %s = arith.constant dense<[[5.000000e-01], [2.500000e-01]]> : tensor<2x1xf32>
  %w = sparq.assemble %d : tensor<2x2xi8> scales %s : tensor<2x1xf32>
         -> !sparq.compressed<2x4xf32, #sparq.quant<i4, per_channel(axis = 0)>>
  %x = sparq.dequantize %w : !sparq.compressed<2x4xf32, #sparq.quant<i4, per_channel(axis = 0)>> -> tensor<2x4xf32>
  return %x : tensor<2x4xf32>
}

// -----

// Per group, unsigned asymmetric with f16 scales: a sub-channel type with a
// block size on every axis; scales become values of the expressed type and
// zero points values of the storage type (15 prints as -1 in i4).
// CHECK-LABEL: func.func @per_group_asymmetric
// CHECK: quant.scast %{{.*}} : tensor<2x8xi4> to tensor<2x8x!quant.uniform<u4:f32:{0:1, 1:4}, {{\{\{}}5.000000e-01:3, 1.000000e+00}, {2.500000e-01:-1, 2.000000e+00:-8}}>>
func.func @per_group_asymmetric() -> tensor<2x8xf32> {
  %d = arith.constant dense<[[33, -2, 5, 0], [-16, 127, 1, 2]]> : tensor<2x4xi8>
  %s = arith.constant dense<[[5.000000e-01, 1.0], [2.500000e-01, 2.0]]> : tensor<2x2xf16>
  %z = arith.constant dense<[[3, 0], [15, 8]]> : tensor<2x2xi8>
  %w = sparq.assemble %d : tensor<2x4xi8> scales %s : tensor<2x2xf16> zero_points %z : tensor<2x2xi8>
         -> !sparq.compressed<2x8xf32, #sparq.quant<ui4, per_group(axis = 1, size = 4), asymmetric, scale = f16>>
  %x = sparq.dequantize %w : !sparq.compressed<2x8xf32, #sparq.quant<ui4, per_group(axis = 1, size = 4), asymmetric, scale = f16>> -> tensor<2x8xf32>
  return %x : tensor<2x8xf32>
}

// -----

// Per block, 2-bit, with power-of-two E8M0 scales (exact in f32).
// CHECK-LABEL: func.func @per_block_e8m0
// CHECK: %[[Q:.*]] = arith.constant dense<{{\[}}[1, -1, 1, 0], [-1, 0, -1, 1]]> : tensor<2x4xi2>
// CHECK: quant.scast %[[Q]] : tensor<2x4xi2> to tensor<2x4x!quant.uniform<i2:f32:{0:2, 1:2}, {{\{\{}}1.000000e+00, 2.000000e+00}}>>
func.func @per_block_e8m0() -> tensor<2x4xf32> {
  %d = arith.constant dense<[[29], [115]]> : tensor<2x1xi8>
  %s = arith.constant dense<[[1.0, 2.0]]> : tensor<1x2xf8E8M0FNU>
  %w = sparq.assemble %d : tensor<2x1xi8> scales %s : tensor<1x2xf8E8M0FNU>
         -> !sparq.compressed<2x4xf32, #sparq.quant<i2, per_block(shape = [2, 2]), scale = f8E8M0FNU>>
  %x = sparq.dequantize %w : !sparq.compressed<2x4xf32, #sparq.quant<i2, per_block(shape = [2, 2]), scale = f8E8M0FNU>> -> tensor<2x4xf32>
  return %x : tensor<2x4xf32>
}

// -----

// Float storage has no !quant.uniform form.
// CHECK-LABEL: func.func @fp8_kept
// CHECK: sparq.dequantize
func.func @fp8_kept() -> tensor<1x2xf32> {
  %d = arith.constant dense<[[1, 2]]> : tensor<1x2xi8>
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %w = sparq.assemble %d : tensor<1x2xi8> scales %s : tensor<1x1xf32>
         -> !sparq.compressed<1x2xf32, #sparq.quant<f8E4M3FN>>
  // expected-remark @below {{kept as Sparq: !quant.uniform has integer storage only; f8E4M3FN storage is not expressible}}
  %x = sparq.dequantize %w : !sparq.compressed<1x2xf32, #sparq.quant<f8E4M3FN>> -> tensor<1x2xf32>
  return %x : tensor<1x2xf32>
}

// -----

!two_level = !sparq.compressed<1x4xf32, #sparq.quant<i4, per_group(axis = 1, size = 2), scale = f8E4M3FN, global_scale = f32>>
func.func @global_scale_kept() -> tensor<1x4xf32> {
  %d = arith.constant dense<[[1, 2]]> : tensor<1x2xi8>
  %s = arith.constant dense<[[1.0, 2.0]]> : tensor<1x2xf8E4M3FN>
  %g = arith.constant dense<0.5> : tensor<f32>
  %w = sparq.assemble %d : tensor<1x2xi8> scales %s : tensor<1x2xf8E4M3FN> global_scale %g : tensor<f32> -> !two_level
  // expected-remark @below {{kept as Sparq: two-level scales (global_scale) are not expressible: !quant.uniform has one level of scales}}
  %x = sparq.dequantize %w : !two_level -> tensor<1x4xf32>
  return %x : tensor<1x4xf32>
}

// -----

!sparse_quant = !sparq.compressed<2x4xf32, #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>, quant = #sparq.quant<i8>>>
func.func @sparse_kept(%w: !sparse_quant) -> tensor<2x4xf32> {
  // expected-remark @below {{kept as Sparq: it is not built by sparq.assemble of constants in this function}}
  %x = sparq.dequantize %w : !sparse_quant -> tensor<2x4xf32>
  return %x : tensor<2x4xf32>
}

// -----

!sparse_quant = !sparq.compressed<1x4xf32, #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>, quant = #sparq.quant<i8>>>
func.func @sparse_assembled_kept() -> tensor<1x4xf32> {
  %d = arith.constant dense<[[1, 2]]> : tensor<1x2xi8>
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %i = arith.constant dense<[[13]]> : tensor<1x1xi8>
  %w = sparq.assemble %d : tensor<1x2xi8> scales %s : tensor<1x1xf32> indices %i : tensor<1x1xi8> -> !sparse_quant
  // expected-remark @below {{kept as Sparq: sparsity is not expressible: !quant.uniform tensors are dense}}
  %x = sparq.dequantize %w : !sparse_quant -> tensor<1x4xf32>
  return %x : tensor<1x4xf32>
}

// -----

!w = !sparq.compressed<1x2xf32, #sparq.quant<i8>>
func.func @scales_not_constant(%s: tensor<1x1xf32>) -> tensor<1x2xf32> {
  %d = arith.constant dense<[[1, 2]]> : tensor<1x2xi8>
  %w = sparq.assemble %d : tensor<1x2xi8> scales %s : tensor<1x1xf32> -> !w
  // expected-remark @below {{kept as Sparq: its storage tensors are not all constants; !quant.uniform holds scales and zero points as attribute literals}}
  %x = sparq.dequantize %w : !w -> tensor<1x2xf32>
  return %x : tensor<1x2xf32>
}

// -----

// An f16 weight needs scales that f16 holds exactly: 1e-8 is below its range.
!w = !sparq.compressed<1x2xf16, #sparq.quant<i8>>
func.func @scale_not_in_expressed_type() -> tensor<1x2xf16> {
  %d = arith.constant dense<[[1, 2]]> : tensor<1x2xi8>
  %s = arith.constant dense<1.0e-08> : tensor<1x1xf32>
  %w = sparq.assemble %d : tensor<1x2xi8> scales %s : tensor<1x1xf32> -> !w
  // expected-remark @below {{kept as Sparq: scale 1.000000e-08 is not exactly representable in the expressed type f16}}
  %x = sparq.dequantize %w : !w -> tensor<1x2xf16>
  return %x : tensor<1x2xf16>
}

// -----

// Weights without quantization are not this pass's business: no remark.
// CHECK-LABEL: func.func @sparse_float_ignored
// CHECK: sparq.dequantize
!csr = !sparq.compressed<2x4xf32, #sparq.sparsity<unstructured, ratio = 0.5>>
func.func @sparse_float_ignored(%w: !csr) -> tensor<2x4xf32> {
  %x = sparq.dequantize %w : !csr -> tensor<2x4xf32>
  return %x : tensor<2x4xf32>
}
