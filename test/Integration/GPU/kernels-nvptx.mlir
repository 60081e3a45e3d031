// Sparq's GPU kernels compiled for NVIDIA (sparq-compile --target=sm_80|sm_90
// --emit=ptx): kernel names, launch bounds, 16-byte global loads of the
// packed weights, the shuffle butterfly (GEMV), the f16 shared tiles and
// tensor-core mma.sync of the default GEMM (MMA) and the f32 shared tiles of
// the SIMT GEMM (mma=false); every PTX assembled by ptxas for its chip.
//
// REQUIRES: numpy, ptxas
//
// DEFINE: %{ref} = %host_python %S/../Inputs/quant_ref.py
// DEFINE: %{spec} =
// DEFINE: %{gen} =
// DEFINE: %{quantize} = %{ref} gen --spec '%{spec}' %{gen} --out %t && sparq-opt %t/model.mlir --sparq-quantize -o %t/q.mlir
// DEFINE: %{ptx} = sparq-compile %t/q.mlir --quiet --emit=ptx
// GEMV cases check the f32-activation kernels (the int8-activation default is
// checked by GEMVA8).
// DEFINE: %{check} = %{quantize} && %{ptx} --target=sm_80 --pipeline='sparq-gpu{chip=sm_80 format=isa activations=f32}' -o %t/k80.ptx && %{ptx} --target=sm_90 --pipeline='sparq-gpu{chip=sm_90 format=isa activations=f32}' -o %t/k90.ptx && %ptxas -arch=sm_80 %t/k80.ptx -o %t/k80.cubin && %ptxas -arch=sm_90 %t/k90.ptx -o %t/k90.cubin

// int4 groups of 128, f16 scales, batch 1 (GEMV, 4 chunks per lane).
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 128), scale = f16>
// REDEFINE: %{gen} = --k 4096 --n 64 --m 1 --seed 1
// RUN: %{check}
// RUN: FileCheck %s --check-prefixes=GEMV,SM80 < %t/k80.ptx
// RUN: FileCheck %s --check-prefixes=GEMV,SM90 < %t/k90.ptx
// RUN: %{ptx} --target=sm_80 --pipeline='sparq-gpu{chip=sm_80 format=isa activations=int8}' -o %t/a80.ptx
// RUN: %{ptx} --target=sm_90 --pipeline='sparq-gpu{chip=sm_90 format=isa activations=int8}' -o %t/a90.ptx
// RUN: %ptxas -arch=sm_80 %t/a80.ptx -o %t/a80.cubin && %ptxas -arch=sm_90 %t/a90.ptx -o %t/a90.cubin
// RUN: FileCheck %s --check-prefixes=GEMVA8 < %t/a90.ptx
// The same GEMV on int8 tensor cores (gemv-mma).
// RUN: %{ptx} --target=sm_80 --pipeline='sparq-gpu{chip=sm_80 format=isa gemv-mma=true}' -o %t/m80.ptx
// RUN: %{ptx} --target=sm_90 --pipeline='sparq-gpu{chip=sm_90 format=isa gemv-mma=true}' -o %t/m90.ptx
// RUN: %ptxas -arch=sm_80 %t/m80.ptx -o %t/m80.cubin && %ptxas -arch=sm_90 %t/m90.ptx -o %t/m90.cubin
// RUN: FileCheck %s --check-prefixes=GEMVMMA < %t/m90.ptx

// uint8 per channel, asymmetric, batch 4 (GEMV; x is 64 KB, more than
// shared memory takes: read from global memory, 4 warps, no barrier).
// REDEFINE: %{spec} = #sparq.quant<ui8, per_channel(axis = 1), asymmetric>
// REDEFINE: %{gen} = --k 4096 --n 20 --m 4 --seed 2
// RUN: %{check}
// RUN: FileCheck %s --check-prefixes=GEMV8 < %t/k90.ptx

// int4 groups of 32, asymmetric bf16 scales, batch 40: the tensor-core GEMM
// (the default for sm_80+), and the SIMT GEMM with mma=false.
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 32), asymmetric, scale = bf16>
// REDEFINE: %{gen} = --k 128 --n 72 --m 40 --seed 3
// RUN: %{check}
// RUN: FileCheck %s --check-prefixes=MMA,SM80 < %t/k80.ptx
// RUN: FileCheck %s --check-prefixes=MMA,SM90 < %t/k90.ptx
// RUN: %{ptx} --target=sm_80 --pipeline='sparq-gpu{chip=sm_80 format=isa mma-bf16=true}' -o %t/b80.ptx
// RUN: %{ptx} --target=sm_90 --pipeline='sparq-gpu{chip=sm_90 format=isa mma-bf16=true}' -o %t/b90.ptx
// RUN: %ptxas -arch=sm_80 %t/b80.ptx -o %t/b80.cubin && %ptxas -arch=sm_90 %t/b90.ptx -o %t/b90.cubin
// RUN: FileCheck %s --check-prefix=BF16 < %t/b90.ptx
// RUN: %{ptx} --target=sm_90 --pipeline='sparq-gpu{chip=sm_90 format=isa mma-ldmatrix=false}' -o %t/l90.ptx
// RUN: %ptxas -arch=sm_90 %t/l90.ptx -o %t/l90.cubin
// RUN: FileCheck %s --check-prefix=NOLDM < %t/l90.ptx
// RUN: %{ptx} --target=sm_80 --pipeline='sparq-gpu{chip=sm_80 format=isa mma=false}' -o %t/g80.ptx
// RUN: %{ptx} --target=sm_90 --pipeline='sparq-gpu{chip=sm_90 format=isa mma=false}' -o %t/g90.ptx
// RUN: %ptxas -arch=sm_80 %t/g80.ptx -o %t/g80.cubin && %ptxas -arch=sm_90 %t/g90.ptx -o %t/g90.cubin
// RUN: FileCheck %s --check-prefixes=GEMM,SM80 < %t/g80.ptx
// RUN: FileCheck %s --check-prefixes=GEMM,SM90 < %t/g90.ptx

// int4 groups of 64, batch 40: the tensor-core GEMM with W packed in shared
// memory (mma-packed-w: integer codes whose scale groups are whole K steps).
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 64), scale = f16>
// REDEFINE: %{gen} = --k 256 --n 72 --m 40 --seed 11
// RUN: %{quantize}
// RUN: %{ptx} --target=sm_80 --pipeline='sparq-gpu{chip=sm_80 format=isa mma-packed-w=true}' -o %t/p80.ptx
// RUN: %{ptx} --target=sm_90 --pipeline='sparq-gpu{chip=sm_90 format=isa mma-packed-w=true}' -o %t/p90.ptx
// RUN: %ptxas -arch=sm_80 %t/p80.ptx -o %t/p80.cubin && %ptxas -arch=sm_90 %t/p90.ptx -o %t/p90.cubin
// RUN: FileCheck %s --check-prefixes=PACKED < %t/p90.ptx

// int8 per channel, batch 16 (the smallest batch of the tensor-core GEMM).
// REDEFINE: %{spec} = #sparq.quant<i8, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 64 --n 24 --m 16 --seed 6
// RUN: %{check}
// RUN: FileCheck %s --check-prefixes=MMA8,SM90 < %t/k90.ptx
// The same on int8 tensor cores (mma-int8: x quantized per row in the
// kernel, m16n8k32 s8 mma, exact int32 sums).
// RUN: %{ptx} --target=sm_80 --pipeline='sparq-gpu{chip=sm_80 format=isa mma-int8=true}' -o %t/i80.ptx
// RUN: %{ptx} --target=sm_90 --pipeline='sparq-gpu{chip=sm_90 format=isa mma-int8=true}' -o %t/i90.ptx
// RUN: %ptxas -arch=sm_80 %t/i80.ptx -o %t/i80.cubin && %ptxas -arch=sm_90 %t/i90.ptx -o %t/i90.cubin
// RUN: FileCheck %s --check-prefixes=TC8 < %t/i90.ptx

// FP8 E4M3FN per channel, batch 2 (GEMV): bytes widened to f16 by shifts,
// then f16 -> f32.
// REDEFINE: %{spec} = #sparq.quant<f8E4M3FN, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 512 --n 16 --m 2 --seed 7
// RUN: %{check}
// RUN: FileCheck %s --check-prefixes=FP8,SM90 < %t/k90.ptx

// MXFP4 (E2M1 codes, E8M0 scales), batch 1 (GEMV) and batch 40 (MMA):
// nibbles widened to f16 by shifts, E8M0 scales by one exponent shift.
// REDEFINE: %{spec} = #sparq.quant<f4E2M1FN, per_group(axis = 0, size = 32), scale = f8E8M0FNU>
// REDEFINE: %{gen} = --k 512 --n 16 --m 1 --seed 8
// RUN: %{check}
// RUN: FileCheck %s --check-prefixes=FP4,SM80 < %t/k80.ptx
// REDEFINE: %{gen} = --k 128 --n 72 --m 40 --seed 9
// RUN: %{check}
// RUN: FileCheck %s --check-prefixes=FP4MMA,SM90 < %t/k90.ptx

// NVFP4 (groups of 16: two E4M3FN scales per 16-byte load, global scale).
// REDEFINE: %{spec} = #sparq.quant<f4E2M1FN, per_group(axis = 0, size = 16), scale = f8E4M3FN, global_scale = f32>
// REDEFINE: %{gen} = --k 256 --n 16 --m 1 --seed 10
// RUN: %{check}
// RUN: FileCheck %s --check-prefixes=NVFP4 < %t/k90.ptx

// SM80: .target sm_80
// SM90: .target sm_90

// x (16 KB) fits in shared memory: 8 warps of two output features each;
// the first weight loads, then x copied (all loads before the stores) and a
// barrier; codes reach f32 through one prmt each.
// GEMV: .entry sparq_gemv_i4g128f16_1x64x4096(
// GEMV: .maxntid 256, 1, 1
// GEMV: .shared .align 16 .b8 sparq_gemv_i4g128f16_1x64x4096_x[16384];
// GEMV: ld.global.v4.b32
// GEMV: ld.global.v4.b32
// GEMV: st.shared.v4.b32
// GEMV: bar.sync 0;
// GEMV: ld.shared.v4.b32
// GEMV: prmt.b32 {{.*}}, 1258291200, 0x7440U;
// GEMV: shfl.sync.bfly.b32 {{.*}}, 16, 31, -1;
// GEMV: shfl.sync.bfly.b32 {{.*}}, 8, 31, -1;
// GEMV: shfl.sync.bfly.b32 {{.*}}, 4, 31, -1;
// GEMV: shfl.sync.bfly.b32 {{.*}}, 2, 31, -1;
// GEMV: shfl.sync.bfly.b32 {{.*}}, 1, 31, -1;
// GEMV-NOT: bar.sync

// With int8 activations: the block quantizes x into shared memory (atomic
// max and add on shared memory, three barriers), then dp4a.
// GEMVA8: .entry sparq_gemv_i4g128f16_xi8_1x64x4096(
// The x codes padded by 16 bytes per 128 (4096 + 512).
// GEMVA8: .shared .align 16 .b8 sparq_gemv_i4g128f16_xi8_1x64x4096_xq[4608];
// GEMVA8: atom.shared.max.s32
// GEMVA8: bar.sync 0;
// GEMVA8: atom.shared.add.u32
// GEMVA8: bar.sync 0;
// GEMVA8: dp4a.u32.s32
// GEMVA8: shfl.sync.bfly.b32

// Quantization phases, then per warp step 4 mma.sync m16n8k32 (int4: 8
// operand words per lane), the 8 warps' partial sums reduced in shared
// memory.
// GEMVMMA: .entry sparq_gemvmma_i4g128f16_xi8_1x64x4096(
// GEMVMMA: .maxntid 256, 1, 1
// GEMVMMA: .shared .align 16 .b8 sparq_gemvmma_i4g128f16_xi8_1x64x4096_red[4096];
// GEMVMMA: bar.sync 0;
// GEMVMMA: ld.global.v4.b32
// GEMVMMA-COUNT-4: mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32
// GEMVMMA: bar.sync 0;

// GEMV8: .entry sparq_gemv_ui8cf32a_4x20x4096(
// GEMV8: .maxntid 128, 1, 1
// GEMV8-NOT: .shared
// GEMV8: ld.global.v4.b32
// GEMV8-NOT: bar.sync
// GEMV8: shfl.sync.bfly.b32

// GEMM: .entry sparq_gemm_i4g32bf16a_40x72x128(
// GEMM: .maxntid 256, 1, 1
// GEMM: .shared .align 16 .b8 sparq_gemm_i4g32bf16a_40x72x128_xs[8192];
// GEMM: .shared .align 16 .b8 sparq_gemm_i4g32bf16a_40x72x128_ws[8192];
// GEMM: ld.global.v4.b32
// GEMM: st.shared
// GEMM: bar.sync 0;
// GEMM: ld.shared.v4.b32
// GEMM: fma.rn.f32
// GEMM: bar.sync 0;

// MMA: .entry sparq_mma_i4g32bf16a_40x72x128(
// MMA: .maxntid 256, 1, 1
// MMA: .shared .align 16 .b8 sparq_mma_i4g32bf16a_40x72x128_xs[9216];
// MMA: .shared .align 16 .b8 sparq_mma_i4g32bf16a_40x72x128_ws[18432];
// Step 0's loads before the loop; in the loop the carried W chunk
// dequantized and stored as f16 (4 x 16 bytes), x rounded to f16 (8 bytes
// per thread and row), a barrier, the next step's loads issued before the
// 4 x 8 tensor-core instructions of this step (fragments by ldmatrix.x4),
// a barrier.
// MMA: ld.global.v4.b32
// MMA: $L__BB
// MMA-COUNT-4: st.shared.v4.b32
// MMA: cvt.rn.f16x2.f32
// MMA: st.shared.v2.b32
// MMA: bar.sync 0;
// MMA: ld.global.v4.b32
// MMA: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// MMA-COUNT-32: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// MMA: bar.sync 0;

// With mma-ldmatrix=false the fragments are 32-bit shared loads.
// NOLDM: .entry sparq_mma_i4g32bf16a_40x72x128(
// NOLDM-NOT: ldmatrix
// NOLDM: ld.shared.b32
// NOLDM-NOT: ldmatrix
// NOLDM: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// NOLDM-NOT: ldmatrix

// Per step: the 16-byte chunk of codes, sign bits flipped (xor 0x88888888)
// and byte-transposed by 6 prmt, stored as is (32 bytes per 64 codes, no
// f16 W tile); the row's offset and scale words; after the barrier each
// lane reads one code word per n8 tile and builds each f16x2 pair with a
// prmt, and/or (0x00F0000F, 0x64006400), one fma.rn.f16x2 and one
// mul.rn.f16x2 by the scale.
// PACKED: .entry sparq_mma_i4g64f16_40x72x256(
// PACKED: .shared .align 16 .b8 sparq_mma_i4g64f16_40x72x256_ws[5120];
// PACKED: bar.sync 0;
// PACKED: ld.shared.b32
// PACKED: ld.shared.v2.b32
// PACKED: prmt.b32 {{.*}}, 0x4040U;
// PACKED: and.b32 {{.*}}, 15728655;
// PACKED: or.b32 {{.*}}, 1677747200;
// PACKED: fma.rn.f16x2
// PACKED: mul.rn.f16x2
// PACKED: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// PACKED: bar.sync 0;
// PACKED: xor.b32 {{.*}}, -2004318072;
// PACKED-COUNT-6: prmt.b32
// PACKED: st.shared.v4.b32

// BF16: .entry sparq_mma_i4g32bf16a_40x72x128(
// BF16: cvt.rn.bf16x2.f32
// BF16: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// BF16: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// BF16-NOT: .f16.f16
// TC8: .entry sparq_mma8_i8cf32_16x24x64(
// TC8: .maxntid 256, 1, 1
// TC8-DAG: .shared .align 16 .b8 sparq_mma8_i8cf32_16x24x64_ws[10240];
// TC8-DAG: .shared .align 16 .b8 sparq_mma8_i8cf32_16x24x64_xs[5120];
// TC8: atom.shared.max.s32
// TC8: bar.sync 0;
// TC8: atom.shared.add.u32
// TC8: bar.sync 0;
// TC8: mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32
// TC8: cvt.rn.f32.s32
// MMA8: .entry sparq_mma_i8cf32_16x24x64(
// MMA8: .maxntid 256, 1, 1
// MMA8: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32

// FP8: .entry sparq_gemv_f8e4m3cf32_2x16x512(
// FP8: ld.global.v4.b32
// FP8: cvt.f32.f16
// FP8: shfl.sync.bfly.b32

// FP4 codes through byte permutes: table lookups of 2v + 12 for both signs
// (0x0F0E0D0C / 0x18141210 and 0x090A0B0C / 0x00040608), the sign bytes in
// sign-replicate mode, no f16 conversion.
// FP4: .entry sparq_gemv_e2m1g32e8m0_1x16x512(
// FP4: ld.global.v4.b32
// FP4-DAG: prmt.b32 {{.*}}, 252579084, 403968528, %r{{[0-9]+}};
// FP4-DAG: prmt.b32 {{.*}}, 151653132, 263688, %r{{[0-9]+}};
// FP4-DAG: prmt.b32 {{.*}}, -2139062144, -2139062144, %r{{[0-9]+}};
// FP4-NOT: cvt.f32.f16
// FP4: shfl.sync.bfly.b32

// FP4MMA: .entry sparq_mma_e2m1g32e8m0_40x72x128(
// FP4MMA: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32

// NVFP4: .entry sparq_gemv_e2m1g16e4m3_1x16x256(
// NVFP4: ld.global.v4.b32
// NVFP4: shfl.sync.bfly.b32
