// The numerics of Sparq's GPU kernels, run on the CPU: convert-sparq-to-gpu
// with host-reference=true emits the same kernel bodies (16-byte chunk
// loads, nibble unpacking, (q - z) * s, the lane-strided partial sums, the
// xor butterfly in the GPU's order; the GEMM's dequantized shared tiles and
// 4x4 micro tiles) in scf.for loops over block and thread ids; the result is
// compared with the independent numpy reference (Inputs/quant_ref.py), whose
// storage is first checked bit for bit. What this does not run: gpu.shuffle,
// gpu.barrier and the thread/block id ops themselves (bench/gpu checks those
// on a GPU). Every matmul must reach a kernel: no remark is allowed.
//
// The tensor-core GEMM (mma=true) runs its tile loads (x and the dequantized
// W rounded to f16) and fragment loads; each nvgpu.mma.sync is replayed from
// the warp's gathered fragments through the inverse of the PTX m16n8k16
// layout, so a fragment load that disagrees with the layout fails. Its
// tolerance covers the f16 rounding of x and w (check-run --f16-inputs).
//
// REQUIRES: numpy
//
// DEFINE: %{ref} = %host_python %S/../Inputs/quant_ref.py
// DEFINE: %{spec} =
// DEFINE: %{gen} =
// DEFINE: %{tol} = 2e-3
// DEFINE: %{mma} =
// DEFINE: %{emulate} =
// activations=f32 unless a case sets activations=int8 (the default) in %{mma}.
// DEFINE: %{run} = %{ref} gen --spec '%{spec}' %{gen} --out %t && sparq-opt %t/model.mlir --sparq-quantize -o %t/q.mlir && %{ref} check-ir %t/q.mlir %t/ref.npz && sparq-opt %t/q.mlir --convert-sparq-to-gpu="host-reference=true remarks=true activations=f32 %{mma}" -o %t/h.mlir 2> %t/remarks.txt && count 0 < %t/remarks.txt && sparq-opt %t/h.mlir %{emulate} --sparq-cpu-reference | mlir-runner -e entry -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils > %t/out.txt && %{ref} check-run %t/out.txt --tol %{tol} --ref %t/ref.npz

// GEMV: int4 groups of 32, f16 scales, K = 288 (9 chunks: lanes 0..8 only;
// x staged in shared memory, two output features per warp, N odd).
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 32), scale = f16>
// REDEFINE: %{gen} = --k 288 --n 33 --m 5 --seed 21
// RUN: %{run} | FileCheck %s

// GEMV: unsigned int4 groups of 128, asymmetric, bf16 scales, N = 1.
// REDEFINE: %{spec} = #sparq.quant<ui4, per_group(axis = 0, size = 128), asymmetric, scale = bf16>
// REDEFINE: %{gen} = --k 256 --n 1 --m 3 --seed 22
// RUN: %{run} | FileCheck %s

// GEMV: int4 groups of 256 with 4 chunks in flight per lane (K = 4096).
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 256)>
// REDEFINE: %{gen} = --k 4096 --n 6 --m 1 --seed 23
// REDEFINE: %{tol} = 2e-2
// RUN: %{run} | FileCheck %s
// REDEFINE: %{tol} = 2e-3

// GEMV with int8 activations (activations=int8): each row of x quantized
// as the CPU runtime does (gen --act int8 builds y_ref from the same codes),
// exact int32 dot products per chunk (offset-binary int4 codes and zero
// points corrected with the chunk's code sum), one scale per chunk. Signed
// int4 g32 with N odd, unsigned asymmetric int4 g128 bf16, int8 per
// channel, unsigned asymmetric int8 g64.
// REDEFINE: %{mma} = activations=int8
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 32), scale = f16>
// REDEFINE: %{gen} = --k 256 --n 33 --m 3 --seed 35 --act int8
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<ui4, per_group(axis = 0, size = 128), asymmetric, scale = bf16>
// REDEFINE: %{gen} = --k 512 --n 17 --m 2 --seed 36 --act int8
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<i8, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 208 --n 9 --m 5 --seed 37 --act int8
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<ui8, per_group(axis = 0, size = 64), asymmetric>
// REDEFINE: %{gen} = --k 192 --n 40 --m 1 --seed 38 --act int8
// RUN: %{run} | FileCheck %s
// MXFP4 and FP4 with E4M3 scales and a global scale: codes as the bytes
// 2v + 12 against x codes in element order, the scale halved.
// REDEFINE: %{spec} = #sparq.quant<f4E2M1FN, per_group(axis = 0, size = 32), scale = f8E8M0FNU>
// REDEFINE: %{gen} = --k 256 --n 33 --m 3 --seed 41 --act int8
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<f4E2M1FN, per_group(axis = 0, size = 32), scale = f8E4M3FN, global_scale = f32>
// REDEFINE: %{gen} = --k 128 --n 9 --m 2 --seed 42 --act int8
// RUN: %{run} | FileCheck %s
// The persistent GEMV (gemv-blocks; the host reference runs each lane's
// stream of iterations as the kernel does): one block of 8 warps loops over
// 17 or 9 feature groups (warp w: groups w, w + 8, w + 16), with K = 4096
// int8 two iterations per group; two blocks of 2 warps over 5 groups of 4
// features (N = 17: a partial group). Rows need not be whole iterations:
// K = 1088 int4 (34 chunks, 2 per lane: lanes 2..31 add nothing for their
// second) and K = 4352 (136 chunks, 4 per lane: the second iteration has
// 8 chunks).
// REDEFINE: %{mma} = activations=int8 gemv-blocks=1
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 32), scale = f16>
// REDEFINE: %{gen} = --k 256 --n 33 --m 3 --seed 35 --act int8
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<i8, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 4096 --n 17 --m 1 --seed 39 --act int8
// REDEFINE: %{tol} = 3e-2
// RUN: %{run} | FileCheck %s
// REDEFINE: %{tol} = 2e-3
// REDEFINE: %{mma} = activations=int8 gemv-blocks=2 gemv-warps=2
// REDEFINE: %{spec} = #sparq.quant<ui4, per_group(axis = 0, size = 128), asymmetric, scale = bf16>
// REDEFINE: %{gen} = --k 512 --n 17 --m 2 --seed 36 --act int8
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 32), scale = f16>
// REDEFINE: %{gen} = --k 1088 --n 17 --m 2 --seed 43 --act int8
// REDEFINE: %{tol} = 5e-3
// RUN: %{run} | FileCheck %s
// REDEFINE: %{gen} = --k 4352 --n 9 --m 1 --seed 44 --act int8
// REDEFINE: %{tol} = 3e-2
// RUN: %{run} | FileCheck %s
// REDEFINE: %{tol} = 2e-3
// REDEFINE: %{tol} = 2e-3
// REDEFINE: %{mma} =

// GEMV with x read from global memory (4 x 4096 f32 exceed the 48 KB of
// shared memory the staged GEMV uses): 4 warps of one output feature each,
// rows of x in blocks of 4, signed int8 groups of 64, N odd.
// REDEFINE: %{spec} = #sparq.quant<i8, per_group(axis = 0, size = 64)>
// REDEFINE: %{gen} = --k 4096 --n 7 --m 4 --seed 33
// REDEFINE: %{tol} = 2e-2
// RUN: %{run} | FileCheck %s
// REDEFINE: %{tol} = 2e-3

// GEMV for a batch of 20 (K = 48 is not a multiple of 32, so no GEMM):
// more than 8 rows of x take the unstaged GEMV in blocks of 4 rows.
// REDEFINE: %{spec} = #sparq.quant<i8, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 48 --n 5 --m 20 --seed 40
// RUN: %{run} | FileCheck %s

// GEMV: int8 per channel, K = 208 (13 chunks).
// REDEFINE: %{spec} = #sparq.quant<i8, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 208 --n 17 --m 6 --seed 24
// RUN: %{run} | FileCheck %s

// GEMV: uint8 per channel, asymmetric; int4 per tensor.
// REDEFINE: %{spec} = #sparq.quant<ui8, per_channel(axis = 1), asymmetric>
// REDEFINE: %{gen} = --k 192 --n 9 --m 2 --seed 25
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<i4, per_tensor>
// REDEFINE: %{gen} = --k 96 --n 8 --m 2 --seed 27
// RUN: %{run} | FileCheck %s

// GEMM: int4 groups of 64, asymmetric f16; M = 17, N = 70 (partial tiles).
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 64), asymmetric, scale = f16>
// REDEFINE: %{gen} = --k 320 --n 70 --m 17 --seed 28
// RUN: %{run} | FileCheck %s

// GEMM: int8 groups of 16 (two chunks per K step), asymmetric bf16.
// REDEFINE: %{spec} = #sparq.quant<i8, per_group(axis = 0, size = 16), asymmetric, scale = bf16>
// REDEFINE: %{gen} = --k 96 --n 65 --m 33 --seed 29
// RUN: %{run} | FileCheck %s

// GEMM: unsigned int4 groups of 32, M = 130 (three row tiles).
// REDEFINE: %{spec} = #sparq.quant<ui4, per_group(axis = 0, size = 32), asymmetric>
// REDEFINE: %{gen} = --k 64 --n 5 --m 130 --seed 30
// RUN: %{run} | FileCheck %s

// FP8 GEMV: E4M3FN per channel (including ties between fp8 values, so
// subnormal and every exponent's codes occur); E5M2 groups of 16 with f16
// scales.
// REDEFINE: %{spec} = #sparq.quant<f8E4M3FN, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 64 --n 32 --m 2 --seed 63 --special ties
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<f8E5M2, per_group(axis = 0, size = 16), scale = f16>
// REDEFINE: %{gen} = --k 160 --n 9 --m 3 --seed 64
// RUN: %{run} | FileCheck %s
// E4M3FN with K = 2048 (two 16-byte chunks per lane and iteration, the FP8
// default) and N = 37 (4 warps x 4 features: a partial last block).
// REDEFINE: %{spec} = #sparq.quant<f8E4M3FN, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 2048 --n 37 --m 2 --seed 65
// REDEFINE: %{tol} = 1e-2
// RUN: %{run} | FileCheck %s
// REDEFINE: %{tol} = 2e-3

// FP8 E4M3FN through the SIMT GEMM, groups of 32, M = 20.
// REDEFINE: %{spec} = #sparq.quant<f8E4M3FN, per_group(axis = 0, size = 32), scale = f16>
// REDEFINE: %{gen} = --k 96 --n 40 --m 20 --seed 66
// RUN: %{run} | FileCheck %s

// FP4 E2M1: MXFP4 GEMV (groups of 32, E8M0 scales), the SIMT GEMM with
// E4M3FN scales and an f32 global scale (applied to y on the host).
// REDEFINE: %{spec} = #sparq.quant<f4E2M1FN, per_group(axis = 0, size = 32), scale = f8E8M0FNU>
// REDEFINE: %{gen} = --k 128 --n 33 --m 3 --seed 67
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<f4E2M1FN, per_group(axis = 0, size = 32), scale = f8E4M3FN, global_scale = f32>
// REDEFINE: %{gen} = --k 96 --n 40 --m 20 --seed 68
// RUN: %{run} | FileCheck %s

// NVFP4 (groups of 16: two scales per 16-byte load, E4M3FN scales and an
// f32 global scale) through the GEMV and the SIMT GEMM; int4 groups of 16
// with zero points.
// REDEFINE: %{spec} = #sparq.quant<f4E2M1FN, per_group(axis = 0, size = 16), scale = f8E4M3FN, global_scale = f32>
// REDEFINE: %{gen} = --k 128 --n 20 --m 3 --seed 70
// RUN: %{run} | FileCheck %s
// REDEFINE: %{gen} = --k 64 --n 40 --m 20 --seed 71
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<ui4, per_group(axis = 0, size = 16), asymmetric, scale = f16>
// REDEFINE: %{gen} = --k 96 --n 9 --m 2 --seed 72
// RUN: %{run} | FileCheck %s

// Tensor-core GEMM: int4 groups of 64, asymmetric f16; M = 17, N = 70, in
// 64-column blocks (4 warps).
// REDEFINE: %{mma} = mma=true mma-tile-n=64
// REDEFINE: %{tol} = 2e-2 --f16-inputs
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 64), asymmetric, scale = f16>
// REDEFINE: %{gen} = --k 320 --n 70 --m 17 --seed 28
// RUN: %{run} | FileCheck %s

// Tensor-core GEMM: int8 per channel, M = 70, N = 130 (2 x 3 blocks of 64).
// REDEFINE: %{spec} = #sparq.quant<i8, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 64 --n 130 --m 70 --seed 31
// RUN: %{run} | FileCheck %s

// The same with 128-column blocks (8 warps, 2 x 4 warp tiles; the default
// since the H200 runs): N = 130 needs two blocks, the
// second mostly past N; and int4 with 128-column blocks and 32-element K
// steps (K = 96).
// REDEFINE: %{mma} = mma=true mma-tile-n=128
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 32), scale = f16>
// REDEFINE: %{gen} = --k 96 --n 150 --m 20 --seed 34
// RUN: %{run} | FileCheck %s
// 256-column blocks (16 warps, 2 x 8), N = 300: a second block mostly past N.
// REDEFINE: %{mma} = mma=true mma-tile-n=256
// REDEFINE: %{gen} = --k 128 --n 300 --m 70 --seed 39
// RUN: %{run} | FileCheck %s
// 128-row blocks (mma-tile-m=128: each warp 64 x 32, 4 x 4 m16n8 tiles),
// M = 150: a second block mostly past M; with 64 and 128 columns.
// REDEFINE: %{mma} = mma=true mma-tile-m=128
// REDEFINE: %{gen} = --k 128 --n 70 --m 150 --seed 40
// RUN: %{run} | FileCheck %s
// REDEFINE: %{mma} = mma=true mma-tile-m=128 mma-tile-n=128
// REDEFINE: %{gen} = --k 96 --n 150 --m 131 --seed 41
// RUN: %{run} | FileCheck %s
// 64-column warps (mma-warp-n=64: 2 x 8 m16n8 tiles per warp, K steps of
// 32): 64-column blocks (2 warps), 128 x 128 blocks (4 warps), and two
// shared stages (K = 128: two iterations of two steps).
// REDEFINE: %{mma} = mma=true mma-warp-n=64
// REDEFINE: %{gen} = --k 64 --n 70 --m 20 --seed 42
// RUN: %{run} | FileCheck %s
// REDEFINE: %{mma} = mma=true mma-warp-n=64 mma-tile-m=128 mma-tile-n=128 mma-stages=2
// REDEFINE: %{gen} = --k 128 --n 150 --m 131 --seed 43
// RUN: %{run} | FileCheck %s
// Tensor-core GEMM on bf16 (mma-bf16: x and W rounded to bf16 into the
// same tiles, the replay reads their bits as bf16): int4 groups of 64 with
// partial blocks, and 128 x 128 blocks of 64-column warps.
// REDEFINE: %{mma} = mma=true mma-bf16=true mma-tile-n=64
// REDEFINE: %{tol} = 1e-1 --bf16-inputs
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 64), asymmetric, scale = f16>
// REDEFINE: %{gen} = --k 320 --n 70 --m 17 --seed 28
// RUN: %{run} | FileCheck %s
// REDEFINE: %{mma} = mma=true mma-bf16=true mma-warp-n=64 mma-tile-m=128 mma-tile-n=128 mma-stages=2
// REDEFINE: %{spec} = #sparq.quant<i8, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 128 --n 150 --m 131 --seed 43
// REDEFINE: %{tol} = 2e-1 --bf16-inputs
// RUN: %{run} | FileCheck %s

// Int8 tensor-core GEMM (mma-int8; each mma.sync m16n8k32 s8 replayed
// through the PTX operand layout in exact int32): x quantized per row in
// the kernel as the CPU does (gen --act int8 builds y_ref from the same
// codes), W codes as s8. Signed int4 per channel with M = 17, N = 70;
// unsigned asymmetric int8 with 2 x 2 blocks; unsigned asymmetric int4 with
// 128 x 128 blocks (four 64 x 64 warps) and M = 131; int8 per tensor.
// REDEFINE: %{mma} = mma=true mma-int8=true
// REDEFINE: %{tol} = 2e-3
// REDEFINE: %{spec} = #sparq.quant<i4, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 192 --n 70 --m 17 --seed 6 --act int8
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<ui8, per_channel(axis = 1), asymmetric>
// REDEFINE: %{gen} = --k 128 --n 130 --m 70 --seed 7 --act int8
// RUN: %{run} | FileCheck %s
// REDEFINE: %{mma} = mma=true mma-int8=true mma-tile-m=128 mma-tile-n=128
// REDEFINE: %{spec} = #sparq.quant<ui4, per_channel(axis = 1), asymmetric, scale = f16>
// REDEFINE: %{gen} = --k 64 --n 150 --m 131 --seed 8 --act int8
// RUN: %{run} | FileCheck %s
// REDEFINE: %{mma} = mma=true mma-int8=true
// REDEFINE: %{spec} = #sparq.quant<i8, per_tensor>
// REDEFINE: %{gen} = --k 256 --n 33 --m 16 --seed 9 --act int8
// RUN: %{run} | FileCheck %s
// REDEFINE: %{tol} = 2e-2 --f16-inputs

// AMD matrix-core GEMM (mfma=true; each amdgpu.mfma 16x16x16 replayed
// through the v_mfma_f32_16x16x16f16 operand layout): int4 groups of 64
// asymmetric f16 with M = 17, N = 70 (partial 64 x 64 blocks, K = 320: five
// steps of 64), int8 per channel with 2 x 3 blocks, unsigned int4 bf16 with
// K = 96 (steps of 32), MXFP4.
// REDEFINE: %{mma} = mfma=true
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 64), asymmetric, scale = f16>
// REDEFINE: %{gen} = --k 320 --n 70 --m 17 --seed 28
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<i8, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 64 --n 130 --m 70 --seed 31
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<ui4, per_group(axis = 0, size = 32), asymmetric, scale = bf16>
// REDEFINE: %{gen} = --k 96 --n 9 --m 16 --seed 32
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<f4E2M1FN, per_group(axis = 0, size = 32), scale = f8E8M0FNU>
// REDEFINE: %{gen} = --k 64 --n 24 --m 18 --seed 69
// RUN: %{run} | FileCheck %s
// REDEFINE: %{mma} = mma=true

// Tensor-core GEMM: unsigned int4 groups of 32, asymmetric bf16, M = 16.
// REDEFINE: %{spec} = #sparq.quant<ui4, per_group(axis = 0, size = 32), asymmetric, scale = bf16>
// REDEFINE: %{gen} = --k 96 --n 9 --m 16 --seed 32
// RUN: %{run} | FileCheck %s

// Tensor-core GEMM on NVFP4 weights (two scales per 16-byte load).
// REDEFINE: %{spec} = #sparq.quant<f4E2M1FN, per_group(axis = 0, size = 16), scale = f8E4M3FN, global_scale = f32>
// REDEFINE: %{gen} = --k 64 --n 24 --m 18 --seed 73
// RUN: %{run} | FileCheck %s

// Tensor-core GEMM on MXFP4 weights.
// REDEFINE: %{spec} = #sparq.quant<f4E2M1FN, per_group(axis = 0, size = 32), scale = f8E8M0FNU>
// REDEFINE: %{gen} = --k 64 --n 24 --m 18 --seed 69
// RUN: %{run} | FileCheck %s

// Tensor-core GEMM on FP8 E4M3FN weights (exact in f16).
// REDEFINE: %{spec} = #sparq.quant<f8E4M3FN, per_group(axis = 0, size = 32), scale = f16>
// REDEFINE: %{gen} = --k 96 --n 40 --m 20 --seed 66
// RUN: %{run} | FileCheck %s

// CHECK: PASS max |y - y_ref|
