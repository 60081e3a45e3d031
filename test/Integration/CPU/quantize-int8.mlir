// int8 weights through sparq-quantize.
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

// Per output channel, symmetric.
// REDEFINE: %{spec} = #sparq.quant<i8, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 64 --n 48 --m 2 --seed 1
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// Per tensor, narrow range [-127, 127].
// REDEFINE: %{spec} = #sparq.quant<i8, per_tensor, narrow_range>
// REDEFINE: %{gen} = --k 96 --n 40 --m 3 --seed 2
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// Narrow range with max|x| = 127 s exactly and ties elsewhere.
// REDEFINE: %{spec} = #sparq.quant<i8, per_channel(axis = 1), narrow_range>
// REDEFINE: %{gen} = --k 64 --n 32 --m 2 --seed 3 --special ties
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// Unsigned, asymmetric: zero points above 127 wrap in the i8 tensor.
// REDEFINE: %{spec} = #sparq.quant<ui8, per_channel(axis = 1), asymmetric>
// REDEFINE: %{gen} = --k 64 --n 48 --m 2 --seed 4
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// IR: PASS quantized bytes match
// EXEC: PASS max |y - y_ref|
