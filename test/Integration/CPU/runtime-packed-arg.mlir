// Weights passed at run time in the runtime's packed layout: @main takes the
// data as an argument marked {sparq.packed}; the bytes are made by an
// independent numpy implementation of the layout that sparq-c/Runtime.h
// documents for sparq_rt_qpack (Inputs/quant_ref.py qpack_rows), so this
// checks the documented layout, not just the kernel against its own packer.
// y is compared with the numpy reference of the int8-activation numerics,
// within each case's float32 summation bound (check-run refuses less).
//
// REQUIRES: numpy

// DEFINE: %{ref} = %host_python %S/../Inputs/quant_ref.py
// DEFINE: %{spec} =
// DEFINE: %{gen} =
// DEFINE: %{tol} = 1e-3
// DEFINE: %{run} = %{ref} gen --packed-arg --spec '%{spec}' %{gen} --act int8 --out %t && sparq-opt %t/model.mlir --sparq-cpu | mlir-runner -e entry -entry-point-result=void -shared-libs=%sparq_runtime_lib,%mlir_runner_utils,%mlir_c_runner_utils > %t/out.txt && %{ref} check-run %t/out.txt --tol %{tol} --ref %t/ref.npz

// int4 g128, f16 scales: 18 groups = a block of 16 + a tail block of 2.
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 128), scale = f16>
// REDEFINE: %{gen} = --k 2304 --n 9 --m 1 --seed 31
// REDEFINE: %{tol} = 1e-2
// RUN: %{run} | FileCheck %s

// int4 g128: 25 groups = 16 + tail blocks of 8 and 1.
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 128)>
// REDEFINE: %{gen} = --k 3200 --n 5 --m 3 --seed 36
// REDEFINE: %{tol} = 2e-2
// RUN: %{run} | FileCheck %s

// int4 g32: 20 groups = a block of 16 + a tail block of 4 (4 lanes each).
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 32)>
// REDEFINE: %{gen} = --k 640 --n 7 --m 5 --seed 32
// REDEFINE: %{tol} = 1e-3
// RUN: %{run} | FileCheck %s

// uint4 g64 asymmetric, bf16 scales: 3 groups = a tail block of 2 + a masked
// block of 1 (a g64 group fills only 8 lanes per step).
// REDEFINE: %{spec} = #sparq.quant<ui4, per_group(axis = 0, size = 64), asymmetric, scale = bf16>
// REDEFINE: %{gen} = --k 192 --n 6 --m 2 --seed 33
// REDEFINE: %{tol} = 1e-4
// RUN: %{run} | FileCheck %s

// int8 g64 asymmetric: 20 groups = 16 + a tail block of 4.
// REDEFINE: %{spec} = #sparq.quant<i8, per_group(axis = 0, size = 64), asymmetric>
// REDEFINE: %{gen} = --k 1280 --n 5 --m 4 --seed 34
// REDEFINE: %{tol} = 5e-3
// RUN: %{run} | FileCheck %s

// int8 per channel: offset-binary codes, not interleaved.
// REDEFINE: %{spec} = #sparq.quant<i8, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 200 --n 11 --m 3 --seed 35
// REDEFINE: %{tol} = 1e-4
// RUN: %{run} | FileCheck %s

// CHECK: PASS max |y - y_ref|

// K-panels: int4 g128 with K = 6400 (50 groups = 3 blocks of 16 + a tail
// block of 2) in two panels (blocks 0-1; block 2 and the tail); int8 g64
// asymmetric with K = 7168 (7 blocks) in panels of 4 and 3 blocks; GEMV
// (the panels in turn) and GEMM (batch 9: whole rows read across panels).
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 128)>
// REDEFINE: %{gen} = --k 6400 --n 5 --m 2 --seed 37
// REDEFINE: %{tol} = 6e-2
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec} = #sparq.quant<i8, per_group(axis = 0, size = 64), asymmetric>
// REDEFINE: %{gen} = --k 7168 --n 6 --m 9 --seed 38
// REDEFINE: %{tol} = 8e-2
// RUN: %{run} | FileCheck %s
// Per-channel int8 in K-panels of 4096 codes (K = 5000: 4096 + 904, a
// partial last chunk), batch 5.
// REDEFINE: %{spec} = #sparq.quant<i8, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 5000 --n 7 --m 5 --seed 39
// REDEFINE: %{tol} = 5e-2
// RUN: %{run} | FileCheck %s
