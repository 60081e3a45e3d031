// search = mse: the scale of each block is the first of 20 shrunk ranges
// (ratio 1 - 0.025 i) with the smallest squared error.
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

// Gaussian weights.
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 32), search = mse>
// REDEFINE: %{gen} = --k 128 --n 64 --m 2 --seed 51
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// Outliers 8x to 20x beyond the rest: clipped ranges win and the outliers
// saturate at qmin / qmax.
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 32), search = mse>
// REDEFINE: %{gen} = --k 128 --n 64 --m 2 --seed 52 --special outliers
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// Asymmetric: min and max shrink together, zero points follow.
// REDEFINE: %{spec} = #sparq.quant<ui4, per_group(axis = 0, size = 32), asymmetric, search = mse>
// REDEFINE: %{gen} = --k 128 --n 64 --m 2 --seed 53 --special outliers
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// int3 per output channel with f16 scales.
// REDEFINE: %{spec} = #sparq.quant<i3, per_channel(axis = 1), scale = f16, search = mse>
// REDEFINE: %{gen} = --k 37 --n 24 --m 2 --seed 54 --special outliers
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// fp8 E4M3FN per output channel.
// REDEFINE: %{spec} = #sparq.quant<f8E4M3FN, per_channel(axis = 1), search = mse>
// REDEFINE: %{gen} = --k 64 --n 32 --m 2 --seed 55 --special outliers
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// IR: PASS quantized bytes match
// EXEC: PASS max |y - y_ref|
