// OCP FP8 storage (E4M3FN, max 448; E5M2, max 57344), per output channel:
// x / s rounded to the format, nearest even, saturating.
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

// E4M3FN.
// REDEFINE: %{spec} = #sparq.quant<f8E4M3FN, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 64 --n 48 --m 2 --seed 61
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// E5M2.
// REDEFINE: %{spec} = #sparq.quant<f8E5M2, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 64 --n 48 --m 2 --seed 62
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// E4M3FN on ties between adjacent fp8 values.
// REDEFINE: %{spec} = #sparq.quant<f8E4M3FN, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 64 --n 32 --m 2 --seed 63 --special ties
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// E5M2 on ties between adjacent fp8 values.
// REDEFINE: %{spec} = #sparq.quant<f8E5M2, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 64 --n 32 --m 2 --seed 64 --special ties
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// E4M3FN per tensor with bf16 scales.
// REDEFINE: %{spec} = #sparq.quant<f8E4M3FN, per_tensor, scale = bf16>
// REDEFINE: %{gen} = --k 64 --n 32 --m 2 --seed 65
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// IR: PASS quantized bytes match
// EXEC: PASS max |y - y_ref|
