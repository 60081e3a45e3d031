// The fast CPU path (--sparq-cpu: convert-sparq-to-runtime + the runtime's
// fused ukernels) on quantized weights, run with mlir-runner and compared
// with an independent numpy reference (Inputs/quant_ref.py): sparq-quantize's
// storage is checked bit for bit (check-ir), then max |y - y_ref| is printed by
// the compiled code and checked (check-run).
//
// REQUIRES: numpy
//
// With activations=int8 the reference quantizes each row of x exactly as
// sparq-c/Runtime.h states (a = max|x|/127, rint half to even), so y and
// y_ref again differ only in f32 summation; check-run refuses a tolerance
// below the rigorous f32 summation bound of the data (1e-3 here; the
// int8 weights make |x||w| sums large).
// Shapes cover K not a multiple of the 64/128-element chunk (scalar tail),
// N = 1, M odd and > 4 (register tiles of 4 rows plus a remainder).

// DEFINE: %{ref} = %host_python %S/../Inputs/quant_ref.py
// DEFINE: %{spec} =
// DEFINE: %{gen} =
// DEFINE: %{act} = int8
// DEFINE: %{quantize} = %{ref} gen --spec '%{spec}' %{gen} --act %{act} --out %t && sparq-opt %t/model.mlir --sparq-quantize -o %t/q.mlir && %{ref} check-ir %t/q.mlir %t/ref.npz
// DEFINE: %{execute} = sparq-opt %t/q.mlir --sparq-cpu="activations=%{act}" | mlir-runner -e entry -entry-point-result=void -shared-libs=%sparq_runtime_lib,%mlir_runner_utils,%mlir_c_runner_utils > %t/out.txt && %{ref} check-run %t/out.txt --tol 1e-3 --ref %t/ref.npz
// DEFINE: %{lowered} = sparq-opt %t/q.mlir --sparq-cpu="activations=%{act}"

// int4 groups of 32, symmetric, f16 scales; K = 288 (two chunks + a tail).
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 32), scale = f16>
// REDEFINE: %{gen} = --k 288 --n 33 --m 5 --seed 21
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC
// RUN: %{lowered} | FileCheck %s --check-prefix=CALL

// int4 groups of 128, unsigned asymmetric, bf16 scales, N = 1.
// REDEFINE: %{spec} = #sparq.quant<ui4, per_group(axis = 0, size = 128), asymmetric, scale = bf16>
// REDEFINE: %{gen} = --k 256 --n 1 --m 3 --seed 22
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// int4 groups of 256 (two chunks per group), M = 1.
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 256)>
// REDEFINE: %{gen} = --k 512 --n 20 --m 1 --seed 23
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// int8 per output channel, symmetric, K = 200 (tail of 8).
// REDEFINE: %{spec} = #sparq.quant<i8, per_channel(axis = 1)>
// REDEFINE: %{gen} = --k 200 --n 17 --m 6 --seed 24
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// uint8 per output channel, asymmetric.
// REDEFINE: %{spec} = #sparq.quant<ui8, per_channel(axis = 1), asymmetric>
// REDEFINE: %{gen} = --k 192 --n 9 --m 2 --seed 25
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// int8 groups of 32 (two groups per 64-byte chunk), asymmetric signed.
// REDEFINE: %{spec} = #sparq.quant<i8, per_group(axis = 0, size = 32), asymmetric>
// REDEFINE: %{gen} = --k 128 --n 12 --m 4 --seed 26
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// int3 per tensor: one group, the codes read from their bit stream (VBMI).
// REDEFINE: %{spec} = #sparq.quant<i3, per_tensor>
// REDEFINE: %{gen} = --k 96 --n 8 --m 2 --seed 27
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// int3 groups of 32, asymmetric, bf16 scales: packed at compile time with
// the groups interleaved (sparq_rt_qpack), 4-row tiles plus 2 rows.
// REDEFINE: %{spec} = #sparq.quant<i3, per_group(axis = 0, size = 32), asymmetric, scale = bf16>
// REDEFINE: %{gen} = --k 256 --n 19 --m 6 --seed 29
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// uint5 groups of 64 (5 groups: a tail block of one past the 4), M = 1.
// REDEFINE: %{spec} = #sparq.quant<ui5, per_group(axis = 0, size = 64), asymmetric>
// REDEFINE: %{gen} = --k 320 --n 9 --m 1 --seed 30
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// Exact f32 activations.
// REDEFINE: %{act} = f32
// REDEFINE: %{spec} = #sparq.quant<i4, per_group(axis = 0, size = 64), asymmetric, scale = f16>
// REDEFINE: %{gen} = --k 320 --n 7 --m 3 --seed 28
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC
// REDEFINE: %{spec} = #sparq.quant<i3, per_group(axis = 0, size = 32)>
// REDEFINE: %{gen} = --k 192 --n 5 --m 7 --seed 31
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// IR: PASS
// EXEC: PASS max |y - y_ref|

// The packed weight reaches the runtime as it is stored; no dense f32 weight
// and no decode loop is left.
// CALL: llvm.func @_mlir_ciface_sparq_rt_qmatmul_sf16
// CALL-LABEL: llvm.func @main
// The constant weight was packed at compile time: bits 4 | signed 256 |
// int8 activations 1024 | packed 2048.
// CALL: llvm.mlir.constant(3332 : i64)
// CALL-NOT: llvm.sitofp
// CALL: llvm.call @sparq_rt_qmatmul_sf16
// CALL-NOT: llvm.sitofp
// CALL: llvm.return
