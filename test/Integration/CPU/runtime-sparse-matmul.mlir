// The fast CPU path on sparse weights: an MLP pruned by sparq-prune and
// stored by sparq-sparsify (N:M, CSR, BSR, N:M + int codes) compiled with
// --sparq-cpu, so its matmuls call the runtime's sparse ukernels, run under
// mlir-runner and compared by prune_ref.py check-run with the masked (and,
// where the spec quantizes, independently quantized) model in numpy.
// Shapes: K = 96 and 48 (whole 16-value chunks plus, for 1:4, a scalar
// tail), batch 1 (the GEMV kernels) and 5 / 3 (the x-transposed kernel).
//
// REQUIRES: numpy

// DEFINE: %{ref} = %host_python %S/../Inputs/prune_ref.py
// DEFINE: %{spec1} = none
// DEFINE: %{spec2} = none
// DEFINE: %{gen} =
// DEFINE: %{specs} = --spec1 '%{spec1}' --spec2 '%{spec2}'
// DEFINE: %{compile} = rm -rf %t && %{ref} gen --out %t %{specs} --k 96 --h 48 --n 8 %{gen} && sparq-opt %t/model.mlir --sparq-prune -o %t/p.mlir && sparq-opt %t/p.mlir --sparq-sparsify --sparq-cpu -o %t/l.mlir
// DEFINE: %{run} = %{compile} && mlir-runner %t/l.mlir -e entry -entry-point-result=void -shared-libs=%sparq_runtime_lib,%mlir_runner_utils,%mlir_c_runner_utils > %t/out.txt && %{ref} check-run %t/out.txt --pruned %t/p.mlir --orig %t/orig.npz %{specs} > %t/result.txt && grep -o 'call @sparq_rt_[a-z0-9_]*' %t/l.mlir >> %t/result.txt && cat %t/result.txt

// 2:4 fp32 and 90% unstructured fp32 (CSR, i16 columns), GEMV.
// REDEFINE: %{spec1} = #sparq.sparsity<2:4, axis = 0>
// REDEFINE: %{spec2} = #sparq.sparsity<unstructured, ratio = 0.9>
// REDEFINE: %{gen} = --m 1
// RUN: %{run} | FileCheck %s --check-prefix=NM-CSR
// NM-CSR: PASS max |y - y_ref|
// NM-CSR-NEXT: call @sparq_rt_nm_matmul_f32
// NM-CSR-NEXT: call @sparq_rt_csr_matmul_f32_i16

// The same formats at batch 5.
// REDEFINE: %{gen} = --m 5 --seed 1
// RUN: %{run} | FileCheck %s --check-prefix=NM-CSR

// 2:4 + int8 per channel (fast int8 GEMV); 1:4 fp32 (64-column windows).
// REDEFINE: %{spec1} = #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 0>, quant = #sparq.quant<i8, per_channel(axis = 1)>>
// REDEFINE: %{spec2} = #sparq.sparsity<1:4, axis = 0>
// REDEFINE: %{gen} = --m 1 --seed 2
// RUN: %{run} | FileCheck %s --check-prefix=NMQ
// NMQ: PASS max |y - y_ref|
// NMQ-NEXT: call @sparq_rt_nm_qmatmul_sf32
// NMQ-NEXT: call @sparq_rt_nm_matmul_f32

// 4:8 + asymmetric ui4 groups of 16 (generic code path); BSR [4, 1] blocks.
// REDEFINE: %{spec1} = #sparq.spec<sparsity = #sparq.sparsity<4:8, axis = 0>, quant = #sparq.quant<ui4, per_group(axis = 0, size = 16), asymmetric>>
// REDEFINE: %{spec2} = #sparq.sparsity<block [4, 1], ratio = 0.5>
// REDEFINE: %{gen} = --m 3 --seed 3
// RUN: %{run} | FileCheck %s --check-prefix=NMQ4-BSR
// NMQ4-BSR: PASS max |y - y_ref|
// NMQ4-BSR-NEXT: call @sparq_rt_nm_qmatmul_sf32
// NMQ4-BSR-NEXT: call @sparq_rt_bsr_matmul_f32

// Quantized CSR has no runtime kernel: it stays on the reference decode path
// (no call) and still computes the right result.
// REDEFINE: %{spec1} = none
// REDEFINE: %{spec2} = #sparq.spec<sparsity = #sparq.sparsity<unstructured, ratio = 0.5>, quant = #sparq.quant<i4, per_channel(axis = 1)>>
// REDEFINE: %{gen} = --m 2 --seed 4
// RUN: %{run} | FileCheck %s --check-prefix=QCSR
// QCSR: PASS max |y - y_ref|
// QCSR-NEXT: call @sparq_rt_matmul_f32
// QCSR-NOT: call
