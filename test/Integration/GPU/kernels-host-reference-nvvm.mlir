// Sparq's GPU kernels as built for NVIDIA (nvvm=true: prmt byte permutes,
// dp4a) run on the CPU through the host-reference lowering, their NVVM ops
// rewritten into arith from the PTX definitions by sparq-emulate-nvvm, and
// checked against the numpy reference as kernels-host-reference.mlir does.
//
// REQUIRES: numpy
// DEFINE: %{ref} = %host_python %S/../Inputs/quant_ref.py
// DEFINE: %{spec} =
// DEFINE: %{gen} =
// DEFINE: %{tol} = 2e-3
// DEFINE: %{mma} =
// DEFINE: %{emulate} =
// activations=f32 unless a case sets activations=int8 (the default) in %{mma}.
// DEFINE: %{run} = %{ref} gen --spec '%{spec}' %{gen} --out %t && sparq-opt %t/model.mlir --sparq-quantize -o %t/q.mlir && %{ref} check-ir %t/q.mlir %t/ref.npz && sparq-opt %t/q.mlir --convert-sparq-to-gpu="host-reference=true remarks=true activations=f32 %{mma}" -o %t/h.mlir 2> %t/remarks.txt && count 0 < %t/remarks.txt && sparq-opt %t/h.mlir %{emulate} --sparq-cpu-reference | mlir-runner -e entry -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils > %t/out.txt && %{ref} check-run %t/out.txt --tol %{tol} --ref %t/ref.npz

// int4 and asymmetric uint8 GEMV, MXFP4 GEMV, the int8-activation GEMV on
// MXFP4 and int4, and the tensor-core GEMM on MXFP4.
// REDEFINE: %{emulate} = --sparq-emulate-nvvm
// REDEFINE: %{mma} = nvvm=true
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 32), scale = f16>
// REDEFINE: %{gen} = --k 256 --n 33 --m 3 --seed 43
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<ui8, per_group(axis = 0, size = 64), asymmetric>
// REDEFINE: %{gen} = --k 192 --n 9 --m 2 --seed 44
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<f4E2M1FN, per_group(axis = 0, size = 32), scale = f8E8M0FNU>
// REDEFINE: %{gen} = --k 256 --n 9 --m 2 --seed 45
// RUN: %{run} | FileCheck %s
// REDEFINE: %{mma} = nvvm=true activations=int8
// REDEFINE: %{gen} = --k 256 --n 9 --m 2 --seed 46 --act int8
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 32), scale = f16>
// REDEFINE: %{gen} = --k 256 --n 33 --m 3 --seed 47 --act int8
// RUN: %{run} | FileCheck %s
// REDEFINE: %{mma} = nvvm=true mma=true mma-ldmatrix=false
// REDEFINE: %{spec} = #sparq.quant<f4E2M1FN, per_group(axis = 0, size = 32), scale = f8E8M0FNU>
// REDEFINE: %{gen} = --k 64 --n 24 --m 18 --seed 48
// REDEFINE: %{tol} = 2e-2 --f16-inputs
// RUN: %{run} | FileCheck %s
// ldmatrix fragment loads (mma-ldmatrix), their lane addressing replayed on
// the host: 64- and 128-column blocks.
// REDEFINE: %{mma} = nvvm=true mma=true mma-ldmatrix=true
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 64), asymmetric, scale = f16>
// REDEFINE: %{gen} = --k 320 --n 70 --m 17 --seed 49
// RUN: %{run} | FileCheck %s
// REDEFINE: %{mma} = nvvm=true mma=true mma-ldmatrix=true mma-tile-n=128
// REDEFINE: %{spec} = #sparq.quant<i8, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 64 --n 130 --m 70 --seed 50
// RUN: %{run} | FileCheck %s
// REDEFINE: %{mma} = nvvm=true mma=true mma-ldmatrix=true mma-tile-n=128 mma-tile-m=128
// REDEFINE: %{gen} = --k 64 --n 130 --m 140 --seed 51
// RUN: %{run} | FileCheck %s
// REDEFINE: %{mma} = nvvm=true mma=true mma-warp-n=64 mma-tile-n=128 mma-tile-m=128
// REDEFINE: %{gen} = --k 64 --n 130 --m 140 --seed 52
// RUN: %{run} | FileCheck %s
// W packed in shared memory (mma-packed-w): byte-transposed code words,
// per-row offset and scale words, B fragments dequantized by prmt and f16x2
// arithmetic. int4 groups of 64 with zero points (K = 320: steps of 64);
// int8 per channel (the scale applied to the accumulators, no table);
// asymmetric uint8 per channel (zero points in the table, K = 96: steps of
// 32); int4 groups of 128 with f32 scales over two stages of 128-row
// blocks; asymmetric uint4 groups of 32 with bf16 scales.
// REDEFINE: %{mma} = nvvm=true mma=true mma-packed-w=true
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 64), asymmetric, scale = f16>
// REDEFINE: %{gen} = --k 320 --n 70 --m 17 --seed 49
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<i8, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 64 --n 130 --m 70 --seed 50
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<ui8, per_channel(axis = 1), asymmetric>
// REDEFINE: %{gen} = --k 96 --n 40 --m 20 --seed 58
// RUN: %{run} | FileCheck %s
// REDEFINE: %{mma} = nvvm=true mma=true mma-packed-w=true mma-tile-m=128 mma-stages=2 mma-warp-n=64
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 128)>
// REDEFINE: %{gen} = --k 256 --n 130 --m 140 --seed 59
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<ui4, per_group(axis = 0, size = 32), asymmetric, scale = bf16>
// REDEFINE: %{gen} = --k 128 --n 72 --m 130 --seed 60
// RUN: %{run} | FileCheck %s
// The GEMV on int8 tensor cores (gemv-mma): mma.sync m16n8k32 replayed on
// the host through the PTX fragment layout from the 32 lanes' words. int4
// groups of 128 (K = 384: 3 warp steps over 8 warps, N = 40: a partial
// block of 16 features, M = 3); asymmetric uint4 (zero points); int8 per
// channel with 8 rows of x (K = 192); asymmetric uint8 groups of 64.
// REDEFINE: %{tol} = 2e-3
// REDEFINE: %{mma} = nvvm=true activations=int8 gemv-mma=true
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 128), scale = f16>
// REDEFINE: %{gen} = --k 384 --n 40 --m 3 --seed 53 --act int8
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<ui4, per_group(axis = 0, size = 128), asymmetric, scale = bf16>
// REDEFINE: %{gen} = --k 256 --n 17 --m 2 --seed 54 --act int8
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<i8, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 192 --n 20 --m 8 --seed 55 --act int8
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<ui8, per_group(axis = 0, size = 64), asymmetric>
// REDEFINE: %{gen} = --k 128 --n 16 --m 1 --seed 56 --act int8
// RUN: %{run} | FileCheck %s
// 32 features per block (gemv-mma-rows=32: two groups of 4 warps), N = 40:
// the second block's second group entirely past N.
// REDEFINE: %{mma} = nvvm=true activations=int8 gemv-mma=true gemv-mma-rows=32
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 128), scale = f16>
// REDEFINE: %{gen} = --k 512 --n 40 --m 5 --seed 57 --act int8
// RUN: %{run} | FileCheck %s
// REDEFINE: %{tol} = 2e-3
// REDEFINE: %{mma} =
// REDEFINE: %{emulate} =

// CHECK: PASS max |y - y_ref|
