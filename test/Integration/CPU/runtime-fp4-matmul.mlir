// FP4 E2M1 weights on the fast CPU path (--sparq-cpu): MXFP4 (groups of 32,
// f8E8M0FNU scales), NVFP4 (groups of 16, f8E4M3FN scales and an f32 global
// scale) and E2M1 with f16 scales run on the runtime's int8-activation VNNI
// kernels (codes read as 2 * value through a byte table, packed at compile
// time), compared with an independent numpy reference of the same numerics
// (Inputs/quant_ref.py: sparq-quantize's storage bit for bit, then y_ref =
// int8-quantized x @ dequant_ref(W) in f64). Tolerances are each case's f32
// summation bound rounded up (check-run refuses less).
//
// REQUIRES: numpy

// DEFINE: %{ref} = %host_python %S/../Inputs/quant_ref.py
// DEFINE: %{spec} =
// DEFINE: %{gen} =
// DEFINE: %{tol} = 1e-3
// DEFINE: %{quantize} = %{ref} gen --spec '%{spec}' %{gen} --act int8 --out %t && sparq-opt %t/model.mlir --sparq-quantize -o %t/q.mlir && %{ref} check-ir %t/q.mlir %t/ref.npz
// DEFINE: %{execute} = sparq-opt %t/q.mlir --sparq-cpu | mlir-runner -e entry -entry-point-result=void -shared-libs=%sparq_runtime_lib,%mlir_runner_utils,%mlir_c_runner_utils > %t/out.txt && %{ref} check-run %t/out.txt --tol %{tol} --ref %t/ref.npz
// DEFINE: %{lowered} = sparq-opt %t/q.mlir --sparq-cpu="remarks=true" 2>&1

// MXFP4, K = 640 (20 groups: a block of 16 + 4), M = 1.
// REDEFINE: %{spec} = #sparq.quant<f4E2M1FN, per_group(axis = 0, size = 32), scale = f8E8M0FNU>
// REDEFINE: %{gen} = --k 640 --n 24 --m 1 --seed 81
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC
// RUN: %{lowered} | FileCheck %s --check-prefix=MX

// NVFP4 with a global scale, M = 5 (GEMM tiles + a remainder row).
// REDEFINE: %{spec} = #sparq.quant<f4E2M1FN, per_group(axis = 0, size = 16), scale = f8E4M3FN, global_scale = f32>
// REDEFINE: %{gen} = --k 256 --n 9 --m 5 --seed 82
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC
// RUN: %{lowered} | FileCheck %s --check-prefix=NV

// E2M1 with f16 scales in groups of 128, 18 groups (natural-order tail).
// REDEFINE: %{spec} = #sparq.quant<f4E2M1FN, per_group(axis = 0, size = 128), scale = f16>
// REDEFINE: %{gen} = --k 2304 --n 7 --m 2 --seed 83
// REDEFINE: %{tol} = 1e-2
// RUN: %{quantize} | FileCheck %s --check-prefix=IR
// RUN: %{execute} | FileCheck %s --check-prefix=EXEC

// IR: PASS
// EXEC: PASS max |y - y_ref|

// No remark (nothing left to the reference path), the 8-bit-scale entry
// points, and the global scale applied to the kernel's result.
// MX-NOT: remark
// MX: llvm.call @sparq_rt_qmatmul_se8m0
// NV-NOT: remark
// NV: llvm.call @sparq_rt_qmatmul_se4m3
// NV: llvm.fmul
