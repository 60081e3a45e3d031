// Rounding modes on exact ties: every weight is (k + 1/2) * s with s and
// max|x| / qmax exact powers of two, so nearest_even, nearest_away and
// toward_zero give different codes (--special ties).
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

// nearest_even (the default).
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 16)>
// REDEFINE: %{gen} = --k 64 --n 32 --m 2 --seed 41 --special ties
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// nearest_away.
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 16), rounding = nearest_away>
// REDEFINE: %{gen} = --k 64 --n 32 --m 2 --seed 41 --special ties
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// toward_zero.
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 16), rounding = toward_zero>
// REDEFINE: %{gen} = --k 64 --n 32 --m 2 --seed 41 --special ties
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// Asymmetric: the zero point is an integer, x / s + z a tie, both rounded
// with the mode.
// REDEFINE: %{spec} = #sparq.quant<ui4, per_group(axis = 0, size = 16), asymmetric, rounding = nearest_away>
// REDEFINE: %{gen} = --k 64 --n 32 --m 2 --seed 42 --special ties
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// REDEFINE: %{spec} = #sparq.quant<ui4, per_group(axis = 0, size = 16), asymmetric, rounding = toward_zero>
// REDEFINE: %{gen} = --k 64 --n 32 --m 2 --seed 42 --special ties
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// int8 per tensor, toward_zero.
// REDEFINE: %{spec} = #sparq.quant<i8, per_tensor, rounding = toward_zero>
// REDEFINE: %{gen} = --k 48 --n 32 --m 2 --seed 43 --special ties
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// IR: PASS quantized bytes match
// EXEC: PASS max |y - y_ref|
