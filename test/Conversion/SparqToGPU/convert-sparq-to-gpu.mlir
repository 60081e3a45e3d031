// RUN: sparq-opt %s --split-input-file --convert-sparq-to-gpu="activations=f32 remarks=true" --verify-diagnostics | FileCheck %s
// RUN: sparq-opt %s --split-input-file --convert-sparq-to-gpu="activations=f32 nvvm=true remarks=true" --verify-diagnostics | FileCheck %s --check-prefix=NVVM
// RUN: sparq-opt %s --split-input-file --convert-sparq-to-gpu="activations=f32 gemv-warps=2 gemv-features=3 remarks=true" --verify-diagnostics | FileCheck %s --check-prefix=TUNED
// RUN: sparq-opt %s --split-input-file --convert-sparq-to-gpu="activations=int8 nvvm=true remarks=true" --verify-diagnostics | FileCheck %s --check-prefix=A8
// RUN: sparq-opt %s --split-input-file --convert-sparq-to-gpu="activations=int8 nvvm=true gemv-blocks=1 gemv-warps=1 remarks=true" --verify-diagnostics | FileCheck %s --check-prefix=PERSIST
// RUN: not sparq-opt %s --split-input-file --convert-sparq-to-gpu="activations=bf16" 2>&1 | FileCheck %s --check-prefix=BADACT
// BADACT: error: convert-sparq-to-gpu: activations must be 'f32' or 'int8', got 'bf16'
// RUN: not sparq-opt %s --split-input-file --convert-sparq-to-gpu="gemv-warps=33" 2>&1 | FileCheck %s --check-prefix=BADOPT
// BADOPT: error: convert-sparq-to-gpu: gemv-warps must be in [0, 32], gemv-features in [0, 8], gemv-unroll in [0, 4], mma-tile-n 0, 64, 128 or 256, mma-tile-m 0, 64 or 128, mma-prefetch and mma-stages in [0, 2], min-blocks-per-sm in [0, 32], mma-warp-n 0, 32 or 64, gemv-mma-rows 0, 16 or 32 (0: the default), gemv-blocks >= 0, got 33, 0, 0, 0, 0, 0, 0, 0, 0, 0 and 0

// GEMV (M = 6 < 16): rank-3 input collapsed to [M, K], operands as static
// identity-layout buffers, y allocated on the host, a call of the launcher
// declaration that names the kernel and its launch configuration
// (grid (ceil(N/16), 1), 256 threads: x staged in shared memory).
// CHECK-LABEL: func.func @int4_groups
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x64xf32>, %[[D:.*]]: tensor<8x32xi8>, %[[S:.*]]: tensor<8x2xf16>, %[[Z:.*]]: tensor<8x2xi8>)
// CHECK: %[[X2:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<2x3x64xf32> into tensor<6x64xf32>
// CHECK: %[[XM:.*]] = bufferization.to_buffer %[[X2]] read_only : tensor<6x64xf32> to memref<6x64xf32>
// CHECK: %[[DM:.*]] = bufferization.to_buffer %[[D]] read_only : tensor<8x32xi8> to memref<8x32xi8>
// CHECK: %[[SM:.*]] = bufferization.to_buffer %[[S]] read_only
// CHECK: %[[ZM:.*]] = bufferization.to_buffer %[[Z]] read_only
// CHECK: %[[Y:.*]] = memref.alloc() {alignment = 64 : i64} : memref<6x8xf32>
// CHECK: call @sparq_gemv_i4g32f16a_6x8x64_launch(%[[XM]], %[[DM]], %[[SM]], %[[ZM]], %[[Y]])
// CHECK: %[[YT:.*]] = bufferization.to_tensor %[[Y]] restrict writable
// CHECK: tensor.expand_shape %[[YT]] {{\[}}[0, 1], [2]] output_shape [2, 3, 8]
// CHECK-NOT: sparq.matmul
//
// The kernel (x fits in shared memory: 8 warps, four output features per
// warp for 4-bit codes; 24 sums = 4 features x 6 rows of x): each lane
// first issues its first 16-byte aligned weight loads
// (lane-strided chunks, with scales and zero points), then the block copies
// x into shared memory and synchronizes; the loop carries the next
// iteration's loads. Codes become f32 without conversions (sign bits
// flipped, nibbles masked into the mantissa of 2^23, minus 2^23 + 8 + z),
// x as vector<32xf32> (read once for the four features) split into even/odd
// elements, the chunk's products summed, scaled once (one contracted
// multiply-add), a shuffle xor butterfly; lane 0 stores.
// With `nvvm` (the sparq-gpu pipeline on NVIDIA chips) each code is one
// byte permute: byte j of the word, then 0x00, 0x00, 0x4B (selector 0x744j).
// NVVM-LABEL: gpu.func @sparq_gemv_i4g32f16a_6x8x64
// NVVM: %[[SEL0:.*]] = arith.constant 29760 : i32
// NVVM: %[[MAGIC:.*]] = arith.constant 1258291200 : i32
// NVVM: nvvm.prmt <default> %[[SEL0]], %{{.*}}, %[[MAGIC]] : i32
// NVVM: %[[SEL3:.*]] = arith.constant 29763 : i32
// NVVM: nvvm.prmt <default> %[[SEL3]], %{{.*}}, %{{.*}} : i32
// NVVM-NOT: arith.ori {{.*}} : vector<4xi32>
// NVVM: gpu.return
// activations=int8: the kernel (named _xi8) quantizes x into shared memory
// in three phases between barriers (zero the sums and maxima; atomic max of
// |x| bits per row; codes rint(x / a) and atomic chunk sums), then sums
// exact int32 dot products (dp4a with nvvm: offset-binary nibbles unsigned,
// x codes signed) and converts once per chunk.
// The codes of 4-bit weights' x rows are padded by 16 bytes per 128 (64 + 16).
// A8: memref.global "private" @sparq_gemv_i4g32f16a_xi8_6x8x64_xq : memref<6x80xi8, #gpu.address_space<workgroup>>
// A8: memref.global "private" @sparq_gemv_i4g32f16a_xi8_6x8x64_xsum : memref<6x2xi32, #gpu.address_space<workgroup>>
// A8: memref.global "private" @sparq_gemv_i4g32f16a_xi8_6x8x64_xmax : memref<6xi32, #gpu.address_space<workgroup>>
// A8-LABEL: gpu.func @sparq_gemv_i4g32f16a_xi8_6x8x64
// A8: gpu.barrier
// A8: memref.atomic_rmw maxs
// A8: gpu.barrier
// A8: arith.divf {{.*}} : vector<4xf32>
// A8: memref.atomic_rmw addi
// A8: gpu.barrier
// A8: scf.for
// A8: nvvm.dot.accumulate.4way %{{.*}} <unsigned>, %{{.*}} <signed>, %{{.*}} : vector<4xi8>, vector<4xi8>
// A8: arith.sitofp {{.*}} : i32 to f32
// A8: sparq.gpu_launch = {block = array<i64: 256, 1, 1>, grid = array<i64: 1, 1, 1>, kernel = @sparq_kernels::@sparq_gemv_i4g32f16a_xi8_6x8x64}
// The persistent GEMV (gemv-blocks=1, one warp: both groups of 4 features
// in one stream): after x is quantized, one loop of (2 - warp) / 1 groups x
// 1 iteration carrying the sums and the next iteration's loads (4 chunks of
// codes with their scales and zero points); each iteration ends a group:
// the butterfly and lane 0's stores are inside the loop.
// PERSIST-LABEL: gpu.func @sparq_gemv_i4g32f16a_xi8_6x8x64
// PERSIST: %[[WARP:.*]] = arith.divui %thread_id_x, %c32
// PERSIST: gpu.barrier
// PERSIST: gpu.barrier
// PERSIST: gpu.barrier
// PERSIST: %[[LEFT:.*]] = arith.subi %c2{{.*}}, %{{.*}} : index
// PERSIST: %[[MINE:.*]] = arith.divui %[[LEFT]], %c1{{.*}} : index
// PERSIST: %[[ITERS:.*]] = arith.muli %[[MINE]], %c1{{.*}} : index
// PERSIST: scf.for %[[J:.*]] = %c0{{.*}} to %[[ITERS]] step %c1{{.*}} iter_args({{.*}}) -> ({{(f32, )+}}vector<16xi8>, f32, f32, vector<16xi8>
// PERSIST: arith.addi %[[J]], %c1
// PERSIST: nvvm.dot.accumulate.4way
// PERSIST: gpu.shuffle  xor %{{.*}}, %c16_i32, %c32_i32 : f32
// PERSIST: scf.if
// PERSIST: memref.store %{{.*}}, %arg4[%{{.*}}, %{{.*}}] : memref<6x8xf32>
// PERSIST: scf.yield
// PERSIST: gpu.return
// PERSIST: sparq.gpu_launch = {block = array<i64: 32, 1, 1>, grid = array<i64: 1, 1, 1>, kernel = @sparq_kernels::@sparq_gemv_i4g32f16a_xi8_6x8x64}
// gemv-warps / gemv-features override the geometry: 2 warps of 3 features,
// grid ceil(8 / 6) = 2.
// TUNED: gpu.func @sparq_gemv_i4g32f16a_6x8x64({{.*}}) kernel attributes {known_block_size = array<i32: 64, 1, 1>}
// TUNED: sparq.gpu_launch = {block = array<i64: 64, 1, 1>, grid = array<i64: 2, 1, 1>
// CHECK: gpu.module @sparq_kernels
// CHECK: memref.global "private" @sparq_gemv_i4g32f16a_6x8x64_x : memref<6x64xf32, #gpu.address_space<workgroup>> {alignment = 16 : i64}
// CHECK: gpu.func @sparq_gemv_i4g32f16a_6x8x64(%[[KX:.*]]: memref<6x64xf32>, %[[KD:.*]]: memref<8x32xi8>, %{{.*}}: memref<8x2xf16>, %{{.*}}: memref<8x2xi8>, %[[KY:.*]]: memref<6x8xf32>) kernel attributes {known_block_size = array<i32: 256, 1, 1>}
// CHECK: gpu.thread_id x
// CHECK: vector.load %[[KD]]{{.*}} {alignment = 16 : i64} : memref<8x32xi8>, vector<16xi8>
// CHECK: arith.extf {{.*}} : f16 to f32
// CHECK: arith.sitofp {{.*}} : i8 to f32
// CHECK: vector.load %[[KD]]
// CHECK: %[[XS:.*]] = memref.get_global @sparq_gemv_i4g32f16a_6x8x64_x
// CHECK: %[[XV:.*]] = vector.load %[[KX]]
// CHECK: vector.store %[[XV]], %[[XS]]
// CHECK: gpu.barrier
// CHECK: scf.for {{.*}} -> ({{(f32, )+}}vector<16xi8>, f32, f32, vector<16xi8>, f32, f32, vector<16xi8>, f32, f32, vector<16xi8>, f32, f32)
// CHECK: vector.load %[[KD]]
// CHECK: vector.bitcast {{.*}} : vector<16xi8> to vector<4xi32>
// CHECK: arith.xori
// CHECK: arith.ori {{.*}} : vector<4xi32>
// CHECK: arith.bitcast {{.*}} : vector<4xi32> to vector<4xf32>
// CHECK: arith.subf {{.*}} : vector<16xf32>
// CHECK: vector.load %[[XS]]{{.*}} : memref<6x64xf32, #gpu.address_space<workgroup>>, vector<32xf32>
// CHECK: vector.shuffle {{.*}} [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]
// CHECK: vector.fma
// CHECK: arith.mulf {{.*}} fastmath<contract> : f32
// CHECK: arith.addf {{.*}} fastmath<contract> : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c16_i32, %c32_i32 : f32
// CHECK: gpu.shuffle xor %{{.*}}, %c1_i32, %c32_i32{{.*}} : f32
// CHECK: memref.store %{{.*}}, %[[KY]]
// CHECK: func.func private @sparq_gemv_i4g32f16a_6x8x64_launch(memref<6x64xf32>, memref<8x32xi8>, memref<8x2xf16>, memref<8x2xi8>, memref<6x8xf32>)
// CHECK-SAME: sparq.gpu_launch = {block = array<i64: 256, 1, 1>, grid = array<i64: 1, 1, 1>, kernel = @sparq_kernels::@sparq_gemv_i4g32f16a_6x8x64}
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

// GEMM (M = 32 >= 16): 64x64 tiles, 256 threads, grid (ceil(N/64),
// ceil(M/64)); 16-byte aligned workgroup tiles, two barriers per K step.
// Two matmuls of the same format and shape share one kernel.
// CHECK-LABEL: func.func @uint8_gemm
// CHECK: call @sparq_gemm_ui8cf32_32x80x64_launch
// CHECK: call @sparq_gemm_ui8cf32_32x80x64_launch
// CHECK: gpu.module @sparq_kernels
// CHECK-DAG: memref.global "private" @sparq_gemm_ui8cf32_32x80x64_xs : memref<32x64xf32, #gpu.address_space<workgroup>> {alignment = 16 : i64}
// CHECK-DAG: memref.global "private" @sparq_gemm_ui8cf32_32x80x64_ws : memref<32x64xf32, #gpu.address_space<workgroup>> {alignment = 16 : i64}
// CHECK: gpu.func @sparq_gemm_ui8cf32_32x80x64({{.*}}) kernel attributes {known_block_size = array<i32: 256, 1, 1>}
// CHECK: scf.for
// CHECK: vector.load {{.*}} {alignment = 16 : i64} : memref<80x64xi8>, vector<16xi8>
// CHECK: vector.bitcast {{.*}} : vector<16xi8> to vector<4xi32>
// CHECK-NOT: arith.xori
// CHECK: arith.subf
// CHECK: gpu.barrier
// CHECK: vector.load {{.*}} {alignment = 16 : i64} : memref<32x64xf32, #gpu.address_space<workgroup>>, vector<4xf32>
// CHECK: vector.fma
// CHECK: gpu.barrier
// CHECK-NOT: gpu.func
// CHECK: func.func private @sparq_gemm_ui8cf32_32x80x64_launch
// CHECK-SAME: block = array<i64: 256, 1, 1>, grid = array<i64: 2, 1, 1>
// CHECK-NOT: func.func private @sparq_gemm
func.func @uint8_gemm(%x: tensor<32x64xf32>, %d: tensor<80x64xi8>,
                      %s: tensor<80x1xf32>) -> (tensor<32x80xf32>, tensor<32x80xf32>) {
  %w = sparq.assemble %d : tensor<80x64xi8> scales %s : tensor<80x1xf32>
         -> !sparq.compressed<80x64xf32, #sparq.quant<ui8, per_channel(axis = 0)>>
  %y = sparq.matmul %x, %w : tensor<32x64xf32>,
         !sparq.compressed<80x64xf32, #sparq.quant<ui8, per_channel(axis = 0)>>
         -> tensor<32x80xf32>
  %y2 = sparq.matmul %x, %w : tensor<32x64xf32>,
         !sparq.compressed<80x64xf32, #sparq.quant<ui8, per_channel(axis = 0)>>
         -> tensor<32x80xf32>
  return %y, %y2 : tensor<32x80xf32>, tensor<32x80xf32>
}

// -----

// FP8 E4M3FN: the GEMV with the bytes widened to f16 bit patterns
// (sign << 8 | magnitude << 7, times 256 in f32; NaN codes selected to NaN).
// CHECK-LABEL: func.func @fp8_gemv
// CHECK: call @sparq_gemv_f8e4m3cf32_1x8x64_launch(
// CHECK: gpu.func @sparq_gemv_f8e4m3cf32_1x8x64
// CHECK: vector.load {{.*}} : memref<8x64xi8>, vector<16xi8>
// CHECK: arith.extui {{.*}} : vector<16xi8> to vector<16xi16>
// CHECK: arith.bitcast {{.*}} : vector<16xi16> to vector<16xf16>
// CHECK: arith.extf {{.*}} : vector<16xf16> to vector<16xf32>
// CHECK: arith.select
// CHECK: gpu.shuffle
func.func @fp8_gemv(%x: tensor<1x64xf32>, %d: tensor<8x64xi8>,
                    %s: tensor<8x1xf32>) -> tensor<1x8xf32> {
  %w = sparq.assemble %d : tensor<8x64xi8> scales %s : tensor<8x1xf32>
         -> !sparq.compressed<8x64xf32, #sparq.quant<f8E4M3FN, per_channel(axis = 0)>>
  %y = sparq.matmul %x, %w : tensor<1x64xf32>,
         !sparq.compressed<8x64xf32, #sparq.quant<f8E4M3FN, per_channel(axis = 0)>>
         -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}

// -----

// Formats without a kernel stay for the reference path, with a remark.
// CHECK-LABEL: func.func @unsupported
// CHECK-COUNT-4: sparq.matmul
// CHECK-NOT: gpu.module
func.func @unsupported(%x: tensor<1x48xf32>, %d: tensor<4x24xi8>, %s: tensor<4x1xf32>,
                       %x2: tensor<1x64xf32>, %d2: tensor<4x32xi8>, %s2: tensor<4x8xf32>,
                       %d3: tensor<4x24xi8>, %s3: tensor<4x1xf32>,
                       %d4: tensor<4x64xi8>, %s4: tensor<4x1xf32>, %x4: tensor<?x64xf32>) {
  %w = sparq.assemble %d : tensor<4x24xi8> scales %s : tensor<4x1xf32>
         -> !sparq.compressed<4x48xf32, #sparq.quant<i4, per_channel(axis = 0)>>
  // expected-remark @below {{no GPU kernel, left to the host: packed rows are not a multiple of 16 bytes (K must be a multiple of 32)}}
  %y = sparq.matmul %x, %w : tensor<1x48xf32>,
         !sparq.compressed<4x48xf32, #sparq.quant<i4, per_channel(axis = 0)>>
         -> tensor<1x4xf32>
  %w2 = sparq.assemble %d2 : tensor<4x32xi8> scales %s2 : tensor<4x8xf32>
         -> !sparq.compressed<4x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 8)>>
  // expected-remark @below {{no GPU kernel, left to the host: scale groups smaller than one 16-byte load (32 elements) other than half of one}}
  %y2 = sparq.matmul %x2, %w2 : tensor<1x64xf32>,
         !sparq.compressed<4x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 8)>>
         -> tensor<1x4xf32>
  %w3 = sparq.assemble %d3 : tensor<4x24xi8> scales %s3 : tensor<4x1xf32>
         -> !sparq.compressed<4x64xf32, #sparq.quant<i3, per_channel(axis = 0)>>
  // expected-remark @below {{no GPU kernel, left to the host: only int4, int8, f4E2M1FN, f8E4M3FN and f8E5M2 storage have a GPU kernel}}
  %y3 = sparq.matmul %x2, %w3 : tensor<1x64xf32>,
         !sparq.compressed<4x64xf32, #sparq.quant<i3, per_channel(axis = 0)>>
         -> tensor<1x4xf32>
  %w4 = sparq.assemble %d4 : tensor<4x64xi8> scales %s4 : tensor<4x1xf32>
         -> !sparq.compressed<4x64xf32, #sparq.quant<i8, per_channel(axis = 0)>>
  // expected-remark @below {{no GPU kernel, left to the host: the input is not a static f32 tensor}}
  %y4 = sparq.matmul %x4, %w4 : tensor<?x64xf32>,
         !sparq.compressed<4x64xf32, #sparq.quant<i8, per_channel(axis = 0)>>
         -> tensor<?x4xf32>
  return
}
