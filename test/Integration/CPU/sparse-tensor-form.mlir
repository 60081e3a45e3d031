// Sparse float weights converted to sparse_tensor (convert-sparq-to-sparse-tensor)
// and run through upstream's --sparsifier decode to exactly the dense matrix
// an independent numpy model of Sparq's storage layout built
// (Inputs/sparse_ref.py). Sparq's own reference decode does not handle
// sparse formats yet. The round trip back through
// convert-sparse-tensor-to-sparq must give the same arrays (FileCheck in
// test/Conversion/SparseTensorToSparq).
//
// REQUIRES: numpy
//
// DEFINE: %{ref} = %host_python %S/../Inputs/sparse_ref.py
// DEFINE: %{gen} =
// DEFINE: %{run} = %{ref} gen %{gen} --out %t && sparq-opt %t/model.mlir --convert-sparq-to-sparse-tensor=strict --sparsifier="enable-runtime-library=false" | mlir-runner -e entry -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils > %t/out.txt && %{ref} check %t/out.txt %t/ref.npy

// CSR, 16-bit column indices.
// REDEFINE: %{gen} = --kind csr --rows 7 --cols 12 --seed 1
// RUN: %{run} | FileCheck %s

// 2:4 along the rows (positions packed 2 bits each, unpacked to i8).
// REDEFINE: %{gen} = --kind nm --n 2 --m 4 --rows 3 --cols 16 --seed 2
// RUN: %{run} | FileCheck %s

// 1:8 (3-bit positions that straddle bytes).
// REDEFINE: %{gen} = --kind nm --n 1 --m 8 --rows 2 --cols 24 --seed 3
// RUN: %{run} | FileCheck %s

// CHECK: PASS {{[0-9]+}} values match
