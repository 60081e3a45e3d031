// int4 weights, groups along the reduction axis, through sparq-quantize.
// sparq-quantize's packed bytes, scales and zero points are compared bit for
// bit with an independent numpy implementation of the documented formulas
// (Inputs/quant_ref.py check-ir); the model then runs through the reference
// decode path (--sparq-cpu-reference) with mlir-runner, which prints
// max |y - y_ref| for y_ref = x @ dequant_ref(W) (check-run).
//
// REQUIRES: numpy
//
// Tolerance 2e-4: the decoded weights equal the reference's bit for bit, so
// y and y_ref differ only in summation (sequential f32 in MLIR, f64 rounded
// to f32 in numpy): at most gamma_K * max sum_k |x_k w_k| + u |y|
// (u = 2^-24), which check-run --ref recomputes and requires to be <= 2e-4.

// DEFINE: %{ref} = %host_python %S/../Inputs/quant_ref.py
// DEFINE: %{spec} =
// DEFINE: %{gen} =
// DEFINE: %{quantize} = %{ref} gen --spec '%{spec}' %{gen} --out %t && sparq-opt %t/model.mlir --sparq-quantize -o %t/q.mlir && %{ref} check-ir %t/q.mlir %t/ref.npz
// DEFINE: %{execute} = sparq-opt %t/q.mlir --sparq-cpu-reference | mlir-runner -e entry -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils > %t/out.txt && %{ref} check-run %t/out.txt --tol 2e-4 --ref %t/ref.npz

// Groups of 32, symmetric.
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 32)>
// REDEFINE: %{gen} = --k 128 --n 64 --m 2 --seed 11
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// Groups of 32, unsigned asymmetric with zero points.
// REDEFINE: %{spec} = #sparq.quant<ui4, per_group(axis = 0, size = 32), asymmetric>
// REDEFINE: %{gen} = --k 128 --n 64 --m 2 --seed 12
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// Groups of 128 with K = 256: two groups per row.
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 128)>
// REDEFINE: %{gen} = --k 256 --n 32 --m 1 --seed 13
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// Per output channel with an odd K (the last byte of a row is half used).
// REDEFINE: %{spec} = #sparq.quant<i4, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 37 --n 16 --m 2 --seed 14
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// IR: PASS quantized bytes match
// EXEC: PASS max |y - y_ref|
