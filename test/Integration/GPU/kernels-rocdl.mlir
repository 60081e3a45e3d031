// Sparq's GPU kernels compiled for AMD gfx90a (ROCDL, AMDGPU assembly):
// kernel descriptors with the workgroup size, 16-byte global loads, the
// cross-lane butterfly (ds_bpermute / DPP) and LDS tiles for the GEMM.
//
// REQUIRES: numpy
//
// DEFINE: %{ref} = %host_python %S/../Inputs/quant_ref.py
// DEFINE: %{spec} =
// DEFINE: %{gen} =
// DEFINE: %{asm} = %{ref} gen --spec '%{spec}' %{gen} --out %t && sparq-opt %t/model.mlir --sparq-quantize -o %t/q.mlir && sparq-compile %t/q.mlir --quiet --target=gfx90a --pipeline='sparq-gpu{chip=gfx90a format=isa activations=f32}' --emit=ptx -o %t/k.s

// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 64), scale = f16>
// REDEFINE: %{gen} = --k 512 --n 16 --m 2 --seed 4
// RUN: %{asm}
// RUN: FileCheck %s --check-prefix=GEMV < %t/k.s

// REDEFINE: %{spec} = #sparq.quant<i8, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 64 --n 64 --m 64 --seed 5
// RUN: %{asm}
// RUN: FileCheck %s --check-prefix=GEMM < %t/k.s

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
