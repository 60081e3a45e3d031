// Pruned and compressed MLPs equal the masked model.
// prune_ref.py gen writes y = relu(x @ W1 + b1) @ W2 with annotated
// weights; sparq-prune zeroes weights and prune_ref.py check-mask checks the
// masks against the original weights in numpy (N:M groups, thresholds, whole
// blocks); sparq-sparsify stores them compressed (N:M, CSR, BSR, quantized or
// not) and the reference decode path runs them; check-run compares y with
// the masked model computed in numpy (quantized by quant_ref.py's independent
// implementation when the spec quantizes).
//
// REQUIRES: numpy

// DEFINE: %{ref} = %host_python %S/../Inputs/prune_ref.py
// DEFINE: %{spec1} = none
// DEFINE: %{spec2} = none
// DEFINE: %{gen} =
// DEFINE: %{prune} =
// DEFINE: %{specs} = --spec1 '%{spec1}' --spec2 '%{spec2}'
// DEFINE: %{run} = rm -rf %t && %{ref} gen --out %t %{specs} %{gen} && sparq-opt %t/model.mlir --sparq-prune%{prune} -o %t/p.mlir && %{ref} check-mask %t/p.mlir --orig %t/orig.npz %{specs} > %t/mask.txt && sparq-opt %t/p.mlir --sparq-sparsify --sparq-cpu-reference | mlir-runner -e entry -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils > %t/out.txt && %{ref} check-run %t/out.txt --pruned %t/p.mlir --orig %t/orig.npz %{specs} >> %t/mask.txt && cat %t/mask.txt

// 2:4 fp32 along the reduction axis; 50% unstructured (CSR) + int4.
// REDEFINE: %{spec1} = #sparq.sparsity<2:4, axis = 0>
// REDEFINE: %{spec2} = #sparq.spec<sparsity = #sparq.sparsity<unstructured, ratio = 0.5>, quant = #sparq.quant<i4, per_channel(axis = 1)>>
// RUN: %{run} | FileCheck %s --check-prefixes=NM,UNS,EXEC

// 2:4 + int8; 1:4 fp32.
// REDEFINE: %{spec1} = #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 0>, quant = #sparq.quant<i8, per_channel(axis = 1)>>
// REDEFINE: %{spec2} = #sparq.sparsity<1:4, axis = 0>
// REDEFINE: %{gen} = --seed 1
// RUN: %{run} | FileCheck %s --check-prefixes=NM,EXEC

// 4:8 + asymmetric ui4 groups; 90% unstructured fp32.
// REDEFINE: %{spec1} = #sparq.spec<sparsity = #sparq.sparsity<4:8, axis = 0>, quant = #sparq.quant<ui4, per_group(axis = 0, size = 16), asymmetric>>
// REDEFINE: %{spec2} = #sparq.sparsity<unstructured, ratio = 0.9>
// REDEFINE: %{gen} = --seed 2
// RUN: %{run} | FileCheck %s --check-prefixes=NM,UNS,EXEC

// Blocks (BSR): 1x4 along the reduction axis fp32; 4x2 + int8.
// REDEFINE: %{spec1} = #sparq.sparsity<block [4, 1], ratio = 0.5>
// REDEFINE: %{spec2} = #sparq.spec<sparsity = #sparq.sparsity<block [4, 2], ratio = 0.75>, quant = #sparq.quant<i8, per_channel(axis = 1)>>
// REDEFINE: %{gen} = --seed 3
// RUN: %{run} | FileCheck %s --check-prefixes=BLOCK,EXEC

// Global magnitude: one threshold across both layers.
// REDEFINE: %{spec1} = #sparq.sparsity<unstructured, ratio = 0.7>
// REDEFINE: %{spec2} = #sparq.sparsity<unstructured, ratio = 0.3>
// REDEFINE: %{gen} = --seed 4
// REDEFINE: %{prune} = =global=true
// REDEFINE: %{specs} = --spec1 '%{spec1}' --spec2 '%{spec2}' --global
// RUN: %{run} | FileCheck %s --check-prefixes=GLOBAL,EXEC

// Activation-aware (Wanda) scores |W| x ||X_j|| from sparq.act_norm.
// REDEFINE: %{spec1} = #sparq.sparsity<2:4, axis = 0>
// REDEFINE: %{spec2} = #sparq.sparsity<unstructured, ratio = 0.6>
// REDEFINE: %{gen} = --seed 5 --act-norm
// REDEFINE: %{prune} = =require-act-norm=true
// REDEFINE: %{specs} = --spec1 '%{spec1}' --spec2 '%{spec2}'
// RUN: %{run} | FileCheck %s --check-prefixes=NM,UNS,EXEC

// NM: PASS fc1 {{[0-9]+}}:{{[48]}} groups along axis 0
// UNS: PASS fc2 unstructured
// BLOCK: PASS fc1 block [4, 1]: 64 of 128 blocks zero, all whole
// BLOCK: PASS fc2 block [4, 2]: 12 of 16 blocks zero, all whole
// GLOBAL: PASS global threshold: 396 zeros
// EXEC: PASS max |y - y_ref|
