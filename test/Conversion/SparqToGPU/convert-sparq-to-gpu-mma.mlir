// RUN: sparq-opt %s --split-input-file --convert-sparq-to-gpu="mma=true mma-tile-n=64" | FileCheck %s
// RUN: sparq-opt %s --split-input-file --convert-sparq-to-gpu="mma=true mma-tile-n=64 nvvm=true mma-ldmatrix=true" | FileCheck %s --check-prefix=LDM
// RUN: sparq-opt %s --split-input-file --convert-sparq-to-gpu="mma=true" | FileCheck %s --check-prefix=DEF
// RUN: sparq-opt %s --split-input-file --sparq-gpu="chip=gfx90a format=isa" --mlir-print-ir-after=convert-sparq-to-gpu 2>&1 >/dev/null | FileCheck %s --check-prefix=ROCDL
// RUN: sparq-opt %s --split-input-file --sparq-gpu="chip=gfx1100 format=isa" --mlir-print-ir-after=convert-sparq-to-gpu 2>&1 >/dev/null | FileCheck %s --check-prefix=RDNA
// RUN: sparq-opt %s --split-input-file --convert-sparq-to-gpu="mfma=true" | FileCheck %s --check-prefix=MFMA
// RUN: sparq-opt %s --split-input-file --convert-sparq-to-gpu="mma=true mma-int8=true nvvm=true" | FileCheck %s --check-prefix=MMA8
// RUN: sparq-opt %s --split-input-file --convert-sparq-to-gpu="mma=true mma-tile-n=64 nvvm=true mma-bf16=true" | FileCheck %s --check-prefix=BF16
// RUN: not sparq-opt %s --split-input-file --convert-sparq-to-gpu="mma=true mfma=true" 2>&1 | FileCheck %s --check-prefix=BOTH
// RUN: not sparq-opt %s --split-input-file --convert-sparq-to-gpu="nvvm=true mfma=true" 2>&1 | FileCheck %s --check-prefix=BOTH
// BOTH: error: convert-sparq-to-gpu: mfma (AMD) excludes mma and nvvm (NVIDIA)

// The tensor-core GEMM (M >= 16) with 64-column blocks: f16 shared tiles [64, 72] (K steps of 64
// padded to 144-byte rows), 128 threads (4 warps), grid (ceil(N/64),
// ceil(M/64)). Software pipelined: the loads of step 0 (each thread's W
// chunk with its scale and zero point, and its 8 x vector<4xf32>) are
// issued before the loop, which carries the next step's loads: per step the
// carried W chunk is dequantized in f32, interleaved back into k order,
// rounded to f16 and stored as one row segment, x is rounded to f16, a
// barrier, then the loads of step k + 64 (clamped to the last step) are
// issued before 4 x (2 A + 4 B fragments, 8 nvgpu.mma.sync m16n8k16) and a
// barrier; the 8 vector<2x2xf32> accumulators are stored element-wise where
// in range.
// With mma-ldmatrix (NVIDIA): per k16 step one ldmatrix.x4 per A fragment
// and one per pair of B fragments (4 per step, 16 per K step of 64).
// LDM-LABEL: gpu.func @sparq_mma_i4g32f16a_40x72x128
// LDM-COUNT-16: nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = false} : memref<64x72xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
// LDM-NOT: vector.load {{.*}} : memref<64x72xf16, #gpu.address_space<workgroup>>, vector<2xf16>
// LDM: gpu.return
// CHECK-LABEL: func.func @int4_mma
// CHECK: call @sparq_mma_i4g32f16a_40x72x128_launch
// CHECK: gpu.module @sparq_kernels
// CHECK-DAG: memref.global "private" @sparq_mma_i4g32f16a_40x72x128_xs : memref<64x72xf16, #gpu.address_space<workgroup>> {alignment = 16 : i64}
// CHECK-DAG: memref.global "private" @sparq_mma_i4g32f16a_40x72x128_ws : memref<64x72xf16, #gpu.address_space<workgroup>> {alignment = 16 : i64}
// CHECK: gpu.func @sparq_mma_i4g32f16a_40x72x128({{.*}}) kernel attributes {known_block_size = array<i32: 128, 1, 1>}
// CHECK: vector.load {{.*}} {alignment = 16 : i64} : memref<72x64xi8>, vector<16xi8>
// CHECK: vector.load {{.*}} {alignment = 16 : i64} : memref<40x128xf32>, vector<4xf32>
// CHECK: %[[LOOP:.*]]:19 = scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args({{.*}}) -> (vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<16xi8>, f32, f32, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>)
// CHECK: vector.shuffle {{.*}} [0, 16, 1, 17, 2, 18
// CHECK: arith.truncf {{.*}} : vector<32xf32> to vector<32xf16>
// CHECK: vector.store {{.*}} {alignment = 16 : i64} : memref<64x72xf16, #gpu.address_space<workgroup>>, vector<32xf16>
// CHECK-COUNT-8: arith.truncf {{.*}} : vector<4xf32> to vector<4xf16>
// CHECK: gpu.barrier
// CHECK: %[[NEXT:.*]] = arith.addi %[[K]], %c64
// CHECK: arith.minui %[[NEXT]], %c64
// CHECK: vector.load {{.*}} {alignment = 16 : i64} : memref<72x64xi8>, vector<16xi8>
// CHECK: vector.load {{.*}} : memref<64x72xf16, #gpu.address_space<workgroup>>, vector<2xf16>
// CHECK-COUNT-8: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK-COUNT-24: nvgpu.mma.sync
// CHECK: gpu.barrier
// CHECK: scf.yield
// CHECK: vector.extract %[[LOOP]]#0[0, 0] : f32 from vector<2x2xf32>
// CHECK: func.func private @sparq_mma_i4g32f16a_40x72x128_launch
// CHECK-SAME: block = array<i64: 128, 1, 1>, grid = array<i64: 2, 1, 1>
// sparq-gpu on AMD CDNA chips (gfx90a) takes the matrix-core GEMM, on RDNA
// (gfx1100, no MFMA) the SIMT GEMM.
// ROCDL-LABEL: func.func @int4_mma
// ROCDL: call @sparq_mfma_i4g32f16a_40x72x128_launch
// ROCDL-NOT: nvgpu
// mma-bf16: W and x rounded to bf16 (stored as the f16 tiles' bits), the
// fragments' 32-bit words fed to nvvm.mma.sync m16n8k16 bf16 -> f32.
// BF16-LABEL: gpu.func @sparq_mma_i4g32f16a_40x72x128
// BF16: arith.truncf {{.*}} : vector<32xf32> to vector<32xbf16>
// BF16: arith.bitcast {{.*}} : vector<32xbf16> to vector<32xf16>
// BF16: arith.truncf {{.*}} : vector<4xf32> to vector<4xbf16>
// BF16: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// BF16-NOT: nvgpu.mma.sync
// BF16: gpu.return
// mma-int8 needs one scale per row: groups of 32 keep the f16 kernel.
// MMA8-LABEL: func.func @int4_mma
// MMA8: call @sparq_mma_i4g32f16a_40x72x128_launch
// RDNA-LABEL: func.func @int4_mma
// RDNA: call @sparq_gemm_i4g32f16a_40x72x128_launch
// RDNA-NOT: amdgpu.mfma
// The AMD matrix-core GEMM (mfma=true): the same f16 shared tiles, loads and
// one-step prefetch as the tensor-core GEMM with 64 x 64 blocks of 256
// threads (K steps of 64, grid (ceil(N/64), ceil(M/64))); four 64-lane
// waves of 2 x 2 tiles of 16 x 16: per k16 step two A and two B operands
// (vector<4xf16>: row lane % 16, elements 4 (lane / 16) ..) and four
// amdgpu.mfma 16x16x16, 16 per K step; 4 vector<4xf32> accumulators.
// MFMA-LABEL: gpu.func @sparq_mfma_i4g32f16a_40x72x128
// MFMA-SAME: known_block_size = array<i32: 256, 1, 1>
// MFMA: scf.for {{.*}} -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<16xi8>
// MFMA: gpu.barrier
// MFMA: %[[A0:.*]] = vector.load %{{.*}} {alignment = 8 : i64} : memref<64x72xf16, #gpu.address_space<workgroup>>, vector<4xf16>
// MFMA: %[[B0:.*]] = vector.load %{{.*}} {alignment = 8 : i64} : memref<64x72xf16, #gpu.address_space<workgroup>>, vector<4xf16>
// MFMA: amdgpu.mfma 16x16x16 %[[A0]] * %[[B0]] + %{{.*}} blgp = none : vector<4xf16>, vector<4xf16>, vector<4xf32>
// MFMA-COUNT-15: amdgpu.mfma 16x16x16
// MFMA-NOT: amdgpu.mfma
// MFMA: gpu.barrier
// MFMA: scf.yield
// MFMA: func.func private @sparq_mfma_i4g32f16a_40x72x128_launch
// MFMA-SAME: block = array<i64: 256, 1, 1>, grid = array<i64: 2, 1, 1>
func.func @int4_mma(%x: tensor<40x128xf32>, %d: tensor<72x64xi8>,
                    %s: tensor<72x4xf16>, %z: tensor<72x4xi8>) -> tensor<40x72xf32> {
  %w = sparq.assemble %d : tensor<72x64xi8> scales %s : tensor<72x4xf16>
         zero_points %z : tensor<72x4xi8>
         -> !sparq.compressed<72x128xf32, #sparq.quant<i4, per_group(axis = 1, size = 32), asymmetric, scale = f16>>
  %y = sparq.matmul %x, %w : tensor<40x128xf32>,
         !sparq.compressed<72x128xf32, #sparq.quant<i4, per_group(axis = 1, size = 32), asymmetric, scale = f16>>
         -> tensor<40x72xf32>
  return %y : tensor<40x72xf32>
}

// -----

// int8: two 16-byte chunks per 32-element row segment, no interleave; M < 16
// still gets the GEMV.
// CHECK-LABEL: func.func @int8_mma
// CHECK: call @sparq_mma_i8cf32_16x24x64_launch
// CHECK: call @sparq_gemv_i8cf32_15x24x64_launch
// CHECK: gpu.func @sparq_mma_i8cf32_16x24x64
// CHECK-NOT: vector.shuffle {{.*}} : vector<16xf32>, vector<16xf32>
// CHECK: arith.truncf {{.*}} : vector<16xf32> to vector<16xf16>
// CHECK: vector.store {{.*}} : memref<64x72xf16, #gpu.address_space<workgroup>>, vector<16xf16>
// CHECK: nvgpu.mma.sync
// CHECK: gpu.func @sparq_gemv_i8cf32_15x24x64
// CHECK-NOT: nvgpu.mma.sync
// CHECK: func.func private @sparq_mma_i8cf32_16x24x64_launch
// CHECK-SAME: block = array<i64: 128, 1, 1>, grid = array<i64: 1, 1, 1>
// The int8 tensor-core GEMM (mma-int8, per-channel codes): s8 shared tiles
// of 64 codes + 16 bytes per row, row maxima of |x| (a loop per row of the
// block: lanes strided by 32 quads, one atomic max each) between barriers,
// then per K step of 64 the raw W chunks stored as they are (signed int8),
// x quantized with its row's a (rint via 1.5 * 2^23, clamp to +-127) into
// 4-byte words with atomic row code sums, a barrier, 2 x (A and B operands
// of 32-bit words, 8 mma.sync m16n8k32 s8 -> s32); the epilogue converts
// each exact int32 sum once and multiplies by a and s.
// MMA8-LABEL: func.func @int8_mma
// MMA8: call @sparq_mma8_i8cf32_16x24x64_launch
// MMA8: call @sparq_gemv_i8cf32_15x24x64_launch
// MMA8-DAG: memref.global "private" @sparq_mma8_i8cf32_16x24x64_xs : memref<64x80xi8, #gpu.address_space<workgroup>>
// MMA8-DAG: memref.global "private" @sparq_mma8_i8cf32_16x24x64_ws : memref<128x80xi8, #gpu.address_space<workgroup>>
// MMA8: gpu.func @sparq_mma8_i8cf32_16x24x64
// MMA8: gpu.barrier
// MMA8: scf.for
// MMA8: memref.atomic_rmw maxs
// MMA8: gpu.barrier
// MMA8: scf.for {{.*}} -> (vector<2x2xi32>, {{.*}}vector<16xi8>
// MMA8: vector.store {{.*}} : memref<128x80xi8, #gpu.address_space<workgroup>>, vector<16xi8>
// MMA8: arith.divf {{.*}} : vector<4xf32>
// MMA8: arith.addf {{.*}} : vector<4xf32>
// MMA8: arith.minsi
// MMA8: vector.store {{.*}} : memref<64x80xi8, #gpu.address_space<workgroup>>, vector<4xi8>
// MMA8: memref.atomic_rmw addi
// MMA8: gpu.barrier
// MMA8: vector.load {{.*}} : memref<64x80xi8, #gpu.address_space<workgroup>>, vector<4xi8>
// MMA8-COUNT-8: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 32]} : (vector<4x4xi8>, vector<2x4xi8>, vector<2x2xi32>) -> vector<2x2xi32>
// MMA8: gpu.barrier
// MMA8: scf.yield
// MMA8: arith.sitofp {{.*}} : i32 to f32
// MMA8: gpu.func @sparq_gemv_i8cf32_15x24x64
func.func @int8_mma(%x: tensor<16x64xf32>, %x2: tensor<15x64xf32>, %d: tensor<24x64xi8>,
                    %s: tensor<24x1xf32>) -> (tensor<16x24xf32>, tensor<15x24xf32>) {
  %w = sparq.assemble %d : tensor<24x64xi8> scales %s : tensor<24x1xf32>
         -> !sparq.compressed<24x64xf32, #sparq.quant<i8, per_channel(axis = 0)>>
  %y = sparq.matmul %x, %w : tensor<16x64xf32>,
         !sparq.compressed<24x64xf32, #sparq.quant<i8, per_channel(axis = 0)>>
         -> tensor<16x24xf32>
  %y2 = sparq.matmul %x2, %w : tensor<15x64xf32>,
         !sparq.compressed<24x64xf32, #sparq.quant<i8, per_channel(axis = 0)>>
         -> tensor<15x24xf32>
  return %y, %y2 : tensor<16x24xf32>, tensor<15x24xf32>
}

// -----

// Default block shapes: 128 columns; 128 rows once that still gives 256
// blocks, M = 1024 and N = 4096 (8 x 32 blocks), with 64-column warps (4
// warps of 64 x 64: 4 x 8 m16n8 tiles, 32 accumulators) and two shared
// stages of 32-element K steps (K = 64: one iteration of two steps, 2 x 2
// k16 steps of 32 nvgpu.mma.sync, a barrier after each step); M = 256 (2 x
// 32 such blocks) keeps 64 x 128 blocks of 8 warps (4 x 32).
// DEF-LABEL: func.func @default_tiles
// DEF-DAG: memref.global "private" @sparq_mma_i8cf32_1024x4096x64_xs1 : memref<128x40xf16, #gpu.address_space<workgroup>>
// DEF-DAG: memref.global "private" @sparq_mma_i8cf32_1024x4096x64_ws1 : memref<128x40xf16, #gpu.address_space<workgroup>>
// DEF: gpu.func @sparq_mma_i8cf32_1024x4096x64
// DEF: scf.for {{.*}} -> (vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<16xi8>,
// DEF-COUNT-64: nvgpu.mma.sync
// DEF: gpu.barrier
// DEF-COUNT-64: nvgpu.mma.sync
// DEF: gpu.barrier
// DEF: scf.yield
// DEF: func.func private @sparq_mma_i8cf32_1024x4096x64_launch
// DEF-SAME: block = array<i64: 128, 1, 1>, grid = array<i64: 32, 8, 1>
// DEF: func.func private @sparq_mma_i8cf32_256x4096x64_launch
// DEF-SAME: block = array<i64: 256, 1, 1>, grid = array<i64: 32, 4, 1>
func.func @default_tiles(%x: tensor<1024x64xf32>, %x2: tensor<256x64xf32>,
                         %d: tensor<4096x64xi8>, %s: tensor<4096x1xf32>)
    -> (tensor<1024x4096xf32>, tensor<256x4096xf32>) {
  %w = sparq.assemble %d : tensor<4096x64xi8> scales %s : tensor<4096x1xf32>
         -> !sparq.compressed<4096x64xf32, #sparq.quant<i8, per_channel(axis = 0)>>
  %y = sparq.matmul %x, %w : tensor<1024x64xf32>,
         !sparq.compressed<4096x64xf32, #sparq.quant<i8, per_channel(axis = 0)>>
         -> tensor<1024x4096xf32>
  %y2 = sparq.matmul %x2, %w : tensor<256x64xf32>,
         !sparq.compressed<4096x64xf32, #sparq.quant<i8, per_channel(axis = 0)>>
         -> tensor<256x4096xf32>
  return %y, %y2 : tensor<1024x4096xf32>, tensor<256x4096xf32>
}
