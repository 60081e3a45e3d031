// Sparq's GPU kernels compiled for NVIDIA (sparq-compile --target=sm_80|sm_90
// --emit=ptx): kernel names, launch bounds, 16-byte global loads of the
// packed weights, the shuffle butterfly (GEMV) and the shared-memory tiles
// with barriers (GEMM); every PTX assembled by ptxas for its chip.
//
// REQUIRES: numpy, ptxas
//
// DEFINE: %{ref} = %host_python %S/../Inputs/quant_ref.py
// DEFINE: %{spec} =
// DEFINE: %{gen} =
// DEFINE: %{quantize} = %{ref} gen --spec '%{spec}' %{gen} --out %t && sparq-opt %t/model.mlir --sparq-quantize -o %t/q.mlir
// DEFINE: %{ptx} = sparq-compile %t/q.mlir --quiet --emit=ptx
// DEFINE: %{check} = %{quantize} && %{ptx} --target=sm_80 -o %t/k80.ptx && %{ptx} --target=sm_90 -o %t/k90.ptx && %ptxas -arch=sm_80 %t/k80.ptx -o %t/k80.cubin && %ptxas -arch=sm_90 %t/k90.ptx -o %t/k90.cubin

// int4 groups of 128, f16 scales, batch 1 (GEMV, 4 chunks per lane).
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 128), scale = f16>
// REDEFINE: %{gen} = --k 4096 --n 64 --m 1 --seed 1
// RUN: %{check}
// RUN: FileCheck %s --check-prefixes=GEMV,SM80 < %t/k80.ptx
// RUN: FileCheck %s --check-prefixes=GEMV,SM90 < %t/k90.ptx

// uint8 per channel, asymmetric, batch 3 (GEMV).
// REDEFINE: %{spec} = #sparq.quant<ui8, per_channel(axis = 1), asymmetric>
// REDEFINE: %{gen} = --k 256 --n 20 --m 3 --seed 2
// RUN: %{check}
// RUN: FileCheck %s --check-prefixes=GEMV8 < %t/k90.ptx

// int4 groups of 32, asymmetric bf16 scales, batch 40 (tiled GEMM).
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 32), asymmetric, scale = bf16>
// REDEFINE: %{gen} = --k 128 --n 72 --m 40 --seed 3
// RUN: %{check}
// RUN: FileCheck %s --check-prefixes=GEMM,SM80 < %t/k80.ptx
// RUN: FileCheck %s --check-prefixes=GEMM,SM90 < %t/k90.ptx

// SM80: .target sm_80
// SM90: .target sm_90

// GEMV: .entry sparq_gemv_i4g128f16_1x64x4096(
// GEMV: .maxntid 128, 1, 1
// GEMV: ld.global.v4.b32
// GEMV: shfl.sync.bfly.b32 {{.*}}, 16, 31, -1;
// GEMV: shfl.sync.bfly.b32 {{.*}}, 8, 31, -1;
// GEMV: shfl.sync.bfly.b32 {{.*}}, 4, 31, -1;
// GEMV: shfl.sync.bfly.b32 {{.*}}, 2, 31, -1;
// GEMV: shfl.sync.bfly.b32 {{.*}}, 1, 31, -1;
// GEMV-NOT: bar.sync

// GEMV8: .entry sparq_gemv_ui8cf32a_3x20x256(
// GEMV8: .maxntid 128, 1, 1
// GEMV8: ld.global.v4.b32
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
