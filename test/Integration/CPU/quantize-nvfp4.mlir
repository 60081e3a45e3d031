// NVFP4: f4E2M1FN values in groups of 16 with f8E4M3FN scales and one f32
// global scale g = max|W| / 6 / 448; block scales are max|x| / 6 / g.
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

// Gaussian weights.
// REDEFINE: %{spec} = #sparq.quant<f4E2M1FN, per_group(axis = 0, size = 16), scale = f8E4M3FN, global_scale = f32>
// REDEFINE: %{gen} = --k 128 --n 64 --m 2 --seed 81
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// Ties, with g and the block scales exact.
// REDEFINE: %{spec} = #sparq.quant<f4E2M1FN, per_group(axis = 0, size = 16), scale = f8E4M3FN, global_scale = f32>
// REDEFINE: %{gen} = --k 64 --n 32 --m 2 --seed 82 --special ties
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// All-zero groups.
// REDEFINE: %{spec} = #sparq.quant<f4E2M1FN, per_group(axis = 0, size = 16), scale = f8E4M3FN, global_scale = f32>
// REDEFINE: %{gen} = --k 64 --n 32 --m 2 --seed 83 --special zeros
// RUN: %{quantize} | FileCheck %s --check-prefixes=IR,ZERO
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// int4 with f8E4M3FN block scales and a global scale.
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 16), scale = f8E4M3FN, global_scale = f32>
// REDEFINE: %{gen} = --k 64 --n 32 --m 2 --seed 84
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// IR: PASS quantized bytes match
// ZERO: PASS 2 all-zero blocks have scale 1
// EXEC: PASS max |y - y_ref|
