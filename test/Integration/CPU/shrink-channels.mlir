// A channel-shrunk MLP gives the masked model's outputs.
// sparq-shrink-channels removes the floor(r * 16) hidden channels with the
// smallest ||W1[:, j]||, their bias entries and the matching rows of W2;
// prune_ref.py shrink-ref computes the masked model (those rows of W2 set to
// zero) in numpy.
//
// REQUIRES: numpy

// DEFINE: %{ref} = %host_python %S/../Inputs/prune_ref.py
// DEFINE: %{ratio} = 0.5
// DEFINE: %{ir} = HALF
// DEFINE: %{run} = rm -rf %t && %{ref} gen --out %t --spec1 '#sparq.sparsity<channel, axis = 1, ratio = %{ratio}>' --seed 7 && sparq-opt %t/model.mlir --sparq-shrink-channels -o %t/s.mlir && FileCheck %s --check-prefix=%{ir} --input-file %t/s.mlir && sparq-opt %t/s.mlir --sparq-cpu-reference | mlir-runner -e entry -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils > %t/out.txt && %{ref} shrink-ref %t/out.txt --orig %t/orig.npz --ratio %{ratio}

// RUN: %{run} | FileCheck %s --check-prefix=EXEC
// REDEFINE: %{ratio} = 0.75
// REDEFINE: %{ir} = QUARTER
// RUN: %{run} | FileCheck %s --check-prefix=EXEC

// HALF: linalg.matmul {sparq.kept_channels = 8 : i64, sparq.layer = "fc1"} {{.*}} -> tensor<2x8xf32>
// HALF: linalg.generic {{.*}} ins({{.*}} : tensor<2x8xf32>, tensor<8xf32>)
// HALF: linalg.matmul ins({{.*}} : tensor<2x8xf32>, tensor<8x8xf32>)
// QUARTER: linalg.matmul {sparq.kept_channels = 4 : i64, sparq.layer = "fc1"} {{.*}} -> tensor<2x4xf32>
// QUARTER: linalg.matmul ins({{.*}} : tensor<2x4xf32>, tensor<4x8xf32>)
// EXEC: PASS max |y - y_ref|
