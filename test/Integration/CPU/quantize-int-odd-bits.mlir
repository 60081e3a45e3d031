// 2- and 3-bit (and 5- to 7-bit) weights: codes that span bytes and rows
// (K = 37) that end in the middle of a byte.
// sparq-quantize's packed bytes, scales and zero points are compared bit for
// bit with an independent numpy implementation of the documented formulas
// (Inputs/quant_ref.py check-ir); the model then runs through the reference
// decode path (--sparq-cpu-reference) with mlir-runner, which prints
// max |y - y_ref| for y_ref = x @ dequant_ref(W) (check-run).
//
// REQUIRES: numpy
//
// Tolerance 1e-4: the decoded weights equal the reference's bit for bit, so
// y and y_ref differ only in summation (sequential f32 in MLIR, f64 rounded
// to f32 in numpy): at most gamma_K * max sum_k |x_k w_k| + u |y|
// (u = 2^-24), which check-run --ref recomputes and requires to be <= 1e-4.

// DEFINE: %{ref} = %host_python %S/../Inputs/quant_ref.py
// DEFINE: %{spec} =
// DEFINE: %{gen} =
// DEFINE: %{quantize} = %{ref} gen --spec '%{spec}' %{gen} --out %t && sparq-opt %t/model.mlir --sparq-quantize -o %t/q.mlir && %{ref} check-ir %t/q.mlir %t/ref.npz
// DEFINE: %{execute} = sparq-opt %t/q.mlir --sparq-cpu-reference | mlir-runner -e entry -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils > %t/out.txt && %{ref} check-run %t/out.txt --tol 1e-4 --ref %t/ref.npz

// int3 per output channel: 37 * 3 = 111 bits, 14 bytes per row.
// REDEFINE: %{spec} = #sparq.quant<i3, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 37 --n 24 --m 3 --seed 21
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// int2 per output channel: 37 * 2 = 74 bits, 10 bytes per row.
// REDEFINE: %{spec} = #sparq.quant<i2, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 37 --n 24 --m 3 --seed 22
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// Unsigned asymmetric int3 per tensor.
// REDEFINE: %{spec} = #sparq.quant<ui3, per_tensor, asymmetric>
// REDEFINE: %{gen} = --k 37 --n 24 --m 2 --seed 23
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// Unsigned asymmetric int2 per output channel.
// REDEFINE: %{spec} = #sparq.quant<ui2, per_channel(axis = 1), asymmetric>
// REDEFINE: %{gen} = --k 37 --n 24 --m 2 --seed 24
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// int3 in groups of 8 (24 bits: groups end on byte boundaries, codes do not).
// REDEFINE: %{spec} = #sparq.quant<i3, per_group(axis = 0, size = 8)>
// REDEFINE: %{gen} = --k 40 --n 16 --m 2 --seed 25
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// int5, int6 and int7 per output channel.
// REDEFINE: %{spec} = #sparq.quant<i5, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 37 --n 16 --m 2 --seed 26
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// REDEFINE: %{spec} = #sparq.quant<ui6, per_channel(axis = 1), asymmetric>
// REDEFINE: %{gen} = --k 37 --n 16 --m 2 --seed 27
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// REDEFINE: %{spec} = #sparq.quant<i7, per_tensor, narrow_range>
// REDEFINE: %{gen} = --k 37 --n 16 --m 2 --seed 28
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// IR: PASS quantized bytes match
// EXEC: PASS max |y - y_ref|
