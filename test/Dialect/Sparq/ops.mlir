// RUN: sparq-opt %s | sparq-opt | FileCheck %s

// CHECK-LABEL: func.func @annotate(
// CHECK-SAME: %[[W:.*]]: tensor<16x64xf32>
// CHECK: %[[A:.*]] = sparq.annotate %[[W]] : tensor<16x64xf32> with #sparq.quant<i8, per_channel(axis = 0)> {layer = "fc1"}
// CHECK: return %[[A]]
func.func @annotate(%w: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %0 = sparq.annotate %w : tensor<16x64xf32>
         with #sparq.quant<i8, per_channel(axis = 0)> {layer = "fc1"}
  return %0 : tensor<16x64xf32>
}

// int4 groups of 32 along axis 1: two nibbles a byte, one scale a group.
// CHECK-LABEL: func.func @assemble_group(
// CHECK-SAME: %[[D:.*]]: tensor<16x32xi8>, %[[S:.*]]: tensor<16x2xf32>
// CHECK: sparq.assemble %[[D]] : tensor<16x32xi8> scales %[[S]] : tensor<16x2xf32> -> !sparq.compressed<16x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 32)>>
func.func @assemble_group(%d: tensor<16x32xi8>, %s: tensor<16x2xf32>)
    -> !sparq.compressed<16x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 32)>> {
  %0 = sparq.assemble %d : tensor<16x32xi8> scales %s : tensor<16x2xf32>
         -> !sparq.compressed<16x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 32)>>
  return %0 : !sparq.compressed<16x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 32)>>
}

// CHECK-LABEL: func.func @assemble_asymmetric(
// CHECK-SAME: %[[D:.*]]: tensor<16x32xi8>, %[[S:.*]]: tensor<16x1xf16>, %[[Z:.*]]: tensor<16x1xi8>
// CHECK: sparq.assemble %[[D]] : tensor<16x32xi8> scales %[[S]] : tensor<16x1xf16> zero_points %[[Z]] : tensor<16x1xi8> -> !sparq.compressed<16x64xf16, #sparq.quant<ui4, per_channel(axis = 0), asymmetric, scale = f16>>
func.func @assemble_asymmetric(%d: tensor<16x32xi8>, %s: tensor<16x1xf16>,
                               %z: tensor<16x1xi8>)
    -> !sparq.compressed<16x64xf16, #sparq.quant<ui4, per_channel(axis = 0), asymmetric, scale = f16>> {
  %0 = sparq.assemble %d : tensor<16x32xi8> scales %s : tensor<16x1xf16>
         zero_points %z : tensor<16x1xi8>
         -> !sparq.compressed<16x64xf16, #sparq.quant<ui4, per_channel(axis = 0), asymmetric, scale = f16>>
  return %0 : !sparq.compressed<16x64xf16, #sparq.quant<ui4, per_channel(axis = 0), asymmetric, scale = f16>>
}

// NVFP4: fp4 values, fp8 block scales and one f32 tensor scale.
// CHECK-LABEL: func.func @assemble_global_scale(
// CHECK-SAME: %[[D:.*]]: tensor<16x32xi8>, %[[S:.*]]: tensor<16x4xf8E4M3FN>, %[[G:.*]]: tensor<f32>
// CHECK: sparq.assemble %[[D]] : tensor<16x32xi8> scales %[[S]] : tensor<16x4xf8E4M3FN> global_scale %[[G]] : tensor<f32> -> !sparq.compressed<16x64xbf16, #sparq.quant<f4E2M1FN, per_group(axis = 1, size = 16), scale = f8E4M3FN, global_scale = f32>>
!nvfp4 = !sparq.compressed<16x64xbf16, #sparq.quant<f4E2M1FN, per_group(axis = 1, size = 16), scale = f8E4M3FN, global_scale = f32>>
func.func @assemble_global_scale(%d: tensor<16x32xi8>, %s: tensor<16x4xf8E4M3FN>,
                                 %g: tensor<f32>) -> !nvfp4 {
  %0 = sparq.assemble %d : tensor<16x32xi8> scales %s : tensor<16x4xf8E4M3FN>
         global_scale %g : tensor<f32> -> !nvfp4
  return %0 : !nvfp4
}

// 2:4 along axis 1: 32 kept int8 values a row, 2-bit positions packed 4 a byte.
// CHECK-LABEL: func.func @assemble_n_m(
// CHECK-SAME: %[[D:.*]]: tensor<16x32xi8>, %[[S:.*]]: tensor<16x1xf32>, %[[I:.*]]: tensor<16x8xi8>
// CHECK: sparq.assemble %[[D]] : tensor<16x32xi8> scales %[[S]] : tensor<16x1xf32> indices %[[I]] : tensor<16x8xi8> -> !sparq.compressed<16x64xf32, #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>, quant = #sparq.quant<i8, per_channel(axis = 0)>>>
!nm = !sparq.compressed<16x64xf32, #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>, quant = #sparq.quant<i8, per_channel(axis = 0)>>>
func.func @assemble_n_m(%d: tensor<16x32xi8>, %s: tensor<16x1xf32>,
                        %i: tensor<16x8xi8>) -> !nm {
  %0 = sparq.assemble %d : tensor<16x32xi8> scales %s : tensor<16x1xf32>
         indices %i : tensor<16x8xi8> -> !nm
  return %0 : !nm
}

// CSR with 10 int4 nonzeros (5 bytes), 16-bit columns and 4 + 1 row offsets.
// CHECK-LABEL: func.func @assemble_csr(
// CHECK-SAME: %[[D:.*]]: tensor<5xi8>, %[[S:.*]]: tensor<1x1xf32>, %[[I:.*]]: tensor<10xi16>, %[[O:.*]]: tensor<5xi32>
// CHECK: sparq.assemble %[[D]] : tensor<5xi8> scales %[[S]] : tensor<1x1xf32> indices %[[I]] : tensor<10xi16> offsets %[[O]] : tensor<5xi32> -> !sparq.compressed<4x8xf32, #sparq.spec<sparsity = #sparq.sparsity<unstructured, ratio = 0.6>, quant = #sparq.quant<i4>>>
!csr = !sparq.compressed<4x8xf32, #sparq.spec<sparsity = #sparq.sparsity<unstructured, ratio = 0.6>, quant = #sparq.quant<i4>>>
func.func @assemble_csr(%d: tensor<5xi8>, %s: tensor<1x1xf32>, %i: tensor<10xi16>,
                        %o: tensor<5xi32>) -> !csr {
  %0 = sparq.assemble %d : tensor<5xi8> scales %s : tensor<1x1xf32>
         indices %i : tensor<10xi16> offsets %o : tensor<5xi32> -> !csr
  return %0 : !csr
}

// 8 nonzero 2x4 int8 blocks of an 8x16 weight (4 block rows + 1 offsets).
// CHECK-LABEL: func.func @assemble_block(
// CHECK-SAME: %[[D:.*]]: tensor<8x2x4xi8>, %[[S:.*]]: tensor<8x1xf32>, %[[I:.*]]: tensor<8xi32>, %[[O:.*]]: tensor<5xi32>
// CHECK: sparq.assemble %[[D]] : tensor<8x2x4xi8> scales %[[S]] : tensor<8x1xf32> indices %[[I]] : tensor<8xi32> offsets %[[O]] : tensor<5xi32>
!bsr = !sparq.compressed<8x16xf32, #sparq.spec<sparsity = #sparq.sparsity<block [2, 4], ratio = 0.5>, quant = #sparq.quant<i8, per_channel(axis = 0)>>>
func.func @assemble_block(%d: tensor<8x2x4xi8>, %s: tensor<8x1xf32>,
                          %i: tensor<8xi32>, %o: tensor<5xi32>) -> !bsr {
  %0 = sparq.assemble %d : tensor<8x2x4xi8> scales %s : tensor<8x1xf32>
         indices %i : tensor<8xi32> offsets %o : tensor<5xi32> -> !bsr
  return %0 : !bsr
}

// Channel pruning: 6 of 16 input channels kept, int4 packed along axis 1.
// CHECK-LABEL: func.func @assemble_channel(
// CHECK-SAME: %[[D:.*]]: tensor<8x3xi8>, %[[S:.*]]: tensor<8x1xf32>, %[[I:.*]]: tensor<6xi32>
// CHECK: sparq.assemble %[[D]] : tensor<8x3xi8> scales %[[S]] : tensor<8x1xf32> indices %[[I]] : tensor<6xi32>
!chan = !sparq.compressed<8x16xf32, #sparq.spec<sparsity = #sparq.sparsity<channel, axis = 1, ratio = 0.5>, quant = #sparq.quant<i4, per_channel(axis = 0)>>>
func.func @assemble_channel(%d: tensor<8x3xi8>, %s: tensor<8x1xf32>,
                            %i: tensor<6xi32>) -> !chan {
  %0 = sparq.assemble %d : tensor<8x3xi8> scales %s : tensor<8x1xf32>
         indices %i : tensor<6xi32> -> !chan
  return %0 : !chan
}

// Sparse without quantization: values keep the element type.
// CHECK-LABEL: func.func @assemble_unquantized(
// CHECK: sparq.assemble %{{.*}} : tensor<10xf16> indices %{{.*}} : tensor<10xi16> offsets %{{.*}} : tensor<5xi32> -> !sparq.compressed<4x8xf16, #sparq.sparsity<unstructured, ratio = 0.6>>
// CHECK: sparq.assemble %{{.*}} : tensor<4x16xf32> indices %{{.*}} : tensor<4xi32> -> !sparq.compressed<8x16xf32, #sparq.sparsity<channel, axis = 0, ratio = 0.5>>
// CHECK: sparq.assemble %{{.*}} : tensor<8x8xf32> indices %{{.*}} : tensor<8x1xi8> -> !sparq.compressed<8x16xf32, #sparq.sparsity<1:2, axis = 1>>
func.func @assemble_unquantized(%d: tensor<10xf16>, %i: tensor<10xi16>, %o: tensor<5xi32>,
                                %cd: tensor<4x16xf32>, %ci: tensor<4xi32>,
                                %nd: tensor<8x8xf32>, %ni: tensor<8x1xi8>) {
  %0 = sparq.assemble %d : tensor<10xf16> indices %i : tensor<10xi16>
         offsets %o : tensor<5xi32>
         -> !sparq.compressed<4x8xf16, #sparq.sparsity<unstructured, ratio = 0.6>>
  %1 = sparq.assemble %cd : tensor<4x16xf32> indices %ci : tensor<4xi32>
         -> !sparq.compressed<8x16xf32, #sparq.sparsity<channel, axis = 0, ratio = 0.5>>
  %2 = sparq.assemble %nd : tensor<8x8xf32> indices %ni : tensor<8x1xi8>
         -> !sparq.compressed<8x16xf32, #sparq.sparsity<1:2, axis = 1>>
  return
}

// CHECK-LABEL: func.func @quantize(
// CHECK-SAME: %[[X:.*]]: tensor<4x64xf32>, %[[S:.*]]: tensor<4x2xf32>, %[[Z:.*]]: tensor<4x2xi8>, %[[F:.*]]: tensor<4x4xf8E4M3FN>, %[[G:.*]]: tensor<f32>
// CHECK: sparq.quantize %[[X]] : tensor<4x64xf32> scales %[[S]] : tensor<4x2xf32> -> !sparq.compressed<4x64xf32, #sparq.quant<i8, per_group(axis = 1, size = 32)>>
// CHECK: sparq.quantize %[[X]] : tensor<4x64xf32> scales %[[S]] : tensor<4x2xf32> zero_points %[[Z]] : tensor<4x2xi8> -> !sparq.compressed<4x64xf32, #sparq.quant<ui4, per_group(axis = 1, size = 32), asymmetric>>
// CHECK: sparq.quantize %[[X]] : tensor<4x64xf32> scales %[[F]] : tensor<4x4xf8E4M3FN> global_scale %[[G]] : tensor<f32> -> !sparq.compressed<4x64xf32, #sparq.quant<f4E2M1FN, per_group(axis = 1, size = 16), scale = f8E4M3FN, global_scale = f32>>
func.func @quantize(%x: tensor<4x64xf32>, %s: tensor<4x2xf32>, %z: tensor<4x2xi8>,
                    %f: tensor<4x4xf8E4M3FN>, %g: tensor<f32>) {
  %0 = sparq.quantize %x : tensor<4x64xf32> scales %s : tensor<4x2xf32>
         -> !sparq.compressed<4x64xf32, #sparq.quant<i8, per_group(axis = 1, size = 32)>>
  %1 = sparq.quantize %x : tensor<4x64xf32> scales %s : tensor<4x2xf32>
         zero_points %z : tensor<4x2xi8>
         -> !sparq.compressed<4x64xf32, #sparq.quant<ui4, per_group(axis = 1, size = 32), asymmetric>>
  %2 = sparq.quantize %x : tensor<4x64xf32> scales %f : tensor<4x4xf8E4M3FN>
         global_scale %g : tensor<f32>
         -> !sparq.compressed<4x64xf32, #sparq.quant<f4E2M1FN, per_group(axis = 1, size = 16), scale = f8E4M3FN, global_scale = f32>>
  return
}

// CHECK-LABEL: func.func @dequantize(
// CHECK-SAME: %[[W:.*]]: !sparq.compressed<16x64xf32, #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>, quant = #sparq.quant<i8, per_channel(axis = 0)>>>
// CHECK: %[[D:.*]] = sparq.dequantize %[[W]] : !sparq.compressed<16x64xf32, #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>, quant = #sparq.quant<i8, per_channel(axis = 0)>>> -> tensor<16x64xf32>
// CHECK: return %[[D]]
func.func @dequantize(%w: !nm) -> tensor<16x64xf32> {
  %0 = sparq.dequantize %w : !nm -> tensor<16x64xf32>
  return %0 : tensor<16x64xf32>
}

// CHECK-LABEL: func.func @matmul(
// CHECK-SAME: %[[X:.*]]: tensor<2x64xf32>, %[[B:.*]]: tensor<3x5x64xf32>, %[[W:.*]]: !sparq.compressed<16x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 32)>>
// CHECK: %[[Y:.*]] = sparq.matmul %[[X]], %[[W]] : tensor<2x64xf32>, !sparq.compressed<16x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 32)>> -> tensor<2x16xf32>
// CHECK: %[[Z:.*]] = sparq.matmul %[[B]], %[[W]] : tensor<3x5x64xf32>, !sparq.compressed<16x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 32)>> -> tensor<3x5x16xf32>
// CHECK: return %[[Y]], %[[Z]]
!w4 = !sparq.compressed<16x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 32)>>
func.func @matmul(%x: tensor<2x64xf32>, %b: tensor<3x5x64xf32>, %w: !w4)
    -> (tensor<2x16xf32>, tensor<3x5x16xf32>) {
  %0 = sparq.matmul %x, %w : tensor<2x64xf32>, !w4 -> tensor<2x16xf32>
  %1 = sparq.matmul %b, %w : tensor<3x5x64xf32>, !w4 -> tensor<3x5x16xf32>
  return %0, %1 : tensor<2x16xf32>, tensor<3x5x16xf32>
}

// The type alone, in signatures, with a 1-D and a 3-D shape.
// CHECK-LABEL: func.func private @types(
// CHECK-SAME: !sparq.compressed<128xf32, #sparq.quant<i8>>
// CHECK-SAME: !sparq.compressed<4x8x32xbf16, #sparq.quant<ui2, per_block(shape = [1, 8, 16]), asymmetric>>
// CHECK-SAME: !sparq.compressed<8x16xf16, #sparq.spec<sparsity = #sparq.sparsity<4:8, axis = 0>, quant = #sparq.quant<f8E5M2, per_channel(axis = 0)>>>
func.func private @types(!sparq.compressed<128xf32, #sparq.quant<i8>>,
    !sparq.compressed<4x8x32xbf16, #sparq.quant<ui2, per_block(shape = [1, 8, 16]), asymmetric>>,
    !sparq.compressed<8x16xf16, #sparq.spec<quant = #sparq.quant<f8E5M2, per_channel(axis = 0)>, sparsity = #sparq.sparsity<4:8, axis = 0>>>)
