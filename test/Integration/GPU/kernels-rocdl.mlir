// Sparq's GPU kernels compiled for AMD gfx90a (ROCDL, AMDGPU assembly):
// kernel descriptors with the workgroup size, 16-byte global loads, the
// cross-lane butterfly (ds_bpermute / DPP) and LDS tiles for the SIMT GEMM
// (mma=false); with the default mma=true the matrix-core GEMM on gfx90a and
// gfx942, whose assembly llvm-mc assembles and ld.lld links into an HSACO
// code object (the AMD toolchain's last steps) that disassembles to MFMA.
//
// REQUIRES: numpy
//
// DEFINE: %{ref} = %host_python %S/../Inputs/quant_ref.py
// DEFINE: %{spec} =
// DEFINE: %{gen} =
// DEFINE: %{chip} = gfx90a
// DEFINE: %{mma} = false
// DEFINE: %{asm} = %{ref} gen --spec '%{spec}' %{gen} --out %t && sparq-opt %t/model.mlir --sparq-quantize -o %t/q.mlir && sparq-compile %t/q.mlir --quiet --target=%{chip} --pipeline='sparq-gpu{chip=%{chip} format=isa activations=f32 mma=%{mma}}' --emit=ptx -o %t/k.s
// DEFINE: %{hsaco} = llvm-mc -triple=amdgcn-amd-amdhsa -mcpu=%{chip} -filetype=obj %t/k.s -o %t/k.o && ld.lld -shared %t/k.o -o %t/k.hsaco && llvm-objdump -d --mcpu=%{chip} %t/k.hsaco

// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 64), scale = f16>
// REDEFINE: %{gen} = --k 512 --n 16 --m 2 --seed 4
// RUN: %{asm}
// RUN: FileCheck %s --check-prefix=GEMV < %t/k.s

// REDEFINE: %{spec} = #sparq.quant<i8, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 64 --n 64 --m 64 --seed 5
// RUN: %{asm}
// RUN: FileCheck %s --check-prefix=GEMM < %t/k.s

// The matrix-core kernel on int4 groups of 64, M = 40 (partial 64 x 64
// blocks).
// REDEFINE: %{mma} = true
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 64), scale = f16>
// REDEFINE: %{gen} = --k 128 --n 64 --m 40 --seed 6
// RUN: %{asm}
// RUN: FileCheck %s --check-prefix=MFMA90 < %t/k.s
// RUN: %{hsaco} | FileCheck %s --check-prefix=OBJ90
// REDEFINE: %{chip} = gfx942
// RUN: %{asm}
// RUN: FileCheck %s --check-prefix=MFMA942 < %t/k.s
// RUN: %{hsaco} | FileCheck %s --check-prefix=OBJ942

// MFMA90: sparq_mfma_i4g64f16_40x64x128:
// MFMA90: ds_write
// MFMA90: s_barrier
// MFMA90: ds_read_b64
// MFMA90: v_mfma_f32_16x16x16f16
// MFMA90: .amdhsa_group_segment_fixed_size 18432
// MFMA90: .max_flat_workgroup_size: 256
// OBJ90: <sparq_mfma_i4g64f16_40x64x128>:
// OBJ90-COUNT-8: v_mfma_f32_16x16x16f16
// MFMA942: .amdgcn_target "amdgcn-amd-amdhsa--gfx942
// MFMA942: v_mfma_f32_16x16x16_f16
// OBJ942: <sparq_mfma_i4g64f16_40x64x128>:
// OBJ942-COUNT-8: v_mfma_f32_16x16x16_f16

// GEMV: .amdgcn_target "amdgcn-amd-amdhsa--gfx90a
// GEMV: sparq_gemv_i4g64f16_2x16x512:
// GEMV: global_load_dwordx4
// GEMV: v_cvt_f32_f16
// GEMV: ds_bpermute_b32
// GEMV: .amdhsa_kernel sparq_gemv_i4g64f16_2x16x512
// GEMV: .max_flat_workgroup_size: 256

// GEMM: sparq_gemm_i8cf32_64x64x64:
// GEMM: global_load_dwordx4
// GEMM: ds_write
// GEMM: s_barrier
// GEMM: ds_read_b128
// GEMM: v_pk_fma_f32
// GEMM: .amdhsa_group_segment_fixed_size 16384
// GEMM: .max_flat_workgroup_size: 256
