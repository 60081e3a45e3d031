// A channel-shrunk NCHW CNN, written the way the ONNX importer writes one
// (bias adds through expand_shape, max and sum pooling, tensor.pad, a fork
// into two convolutions concatenated along the channels, a flatten into a
// transposed-B Gemm), gives the masked model's outputs.
// sparq-shrink-layers shrinks conv1, conv2a and conv2b one at a time (fc is
// kept: it reaches the result); prune_ref.py shrink-cnn-ref computes the
// masked model in numpy: the same channels (smallest filter L2 norms, each
// layer scored after the ones before it) feeding nothing downstream.
//
// REQUIRES: numpy

// DEFINE: %{ref} = %host_python %S/../Inputs/prune_ref.py
// DEFINE: %{ratio} = 0.5
// DEFINE: %{ir} = HALF
// DEFINE: %{run} = rm -rf %t && %{ref} gen-cnn --out %t --seed 3 && sparq-opt %t/cnn.mlir --sparq-shrink-layers=ratio=%{ratio} -o %t/s.mlir 2>/dev/null && FileCheck %s --check-prefix=%{ir} --input-file %t/s.mlir && sparq-opt %t/s.mlir --sparq-cpu-reference | mlir-runner -e entry -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils > %t/out.txt && %{ref} shrink-cnn-ref %t/out.txt --orig %t/cnn.npz --ratio %{ratio}

// RUN: %{run} | FileCheck %s --check-prefix=EXEC-HALF
// REDEFINE: %{ratio} = 0.3
// REDEFINE: %{ir} = THIRD
// RUN: %{run} | FileCheck %s --check-prefix=EXEC-THIRD

// HALF: linalg.conv_2d_nchw_fchw {{.*}}sparq.kept_channels = 4 : i64, sparq.layer = "conv1"{{.*}} -> tensor<2x4x6x6xf32>
// HALF: linalg.generic {{.*}} ins({{.*}} : tensor<2x4x6x6xf32>, tensor<4x1x1xf32>)
// HALF: linalg.pooling_nchw_max {{.*}} -> tensor<2x4x3x3xf32>
// HALF: } : tensor<2x4x3x3xf32> to tensor<2x4x5x5xf32>
// HALF: linalg.conv_2d_nchw_fchw {{.*}}sparq.kept_channels = 3 : i64, sparq.layer = "conv2a"{{.*}} ins({{.*}} : tensor<2x4x5x5xf32>, tensor<3x4x3x3xf32>)
// HALF: linalg.conv_2d_nchw_fchw {{.*}}sparq.kept_channels = 2 : i64, sparq.layer = "conv2b"{{.*}} ins({{.*}} : tensor<2x4x5x5xf32>, tensor<2x4x3x3xf32>)
// HALF: tensor.concat dim(1) {{.*}} -> tensor<2x5x3x3xf32>
// HALF: linalg.pooling_nchw_sum {{.*}} -> tensor<2x5x2x2xf32>
// HALF: linalg.matmul {{.*}} ins({{.*}} : tensor<2x20xf32>, tensor<5x20xf32>)
// THIRD: sparq.kept_channels = 6 : i64, sparq.layer = "conv1"
// THIRD: sparq.kept_channels = 5 : i64, sparq.layer = "conv2a"
// THIRD: sparq.kept_channels = 3 : i64, sparq.layer = "conv2b"
// THIRD: linalg.matmul {{.*}} ins({{.*}} : tensor<2x32xf32>, tensor<5x32xf32>)

// EXEC-HALF: conv1: removed channels [2, 3, 5, 6]
// EXEC-HALF: conv2a: removed channels [1, 4, 5]
// EXEC-HALF: conv2b: removed channels [1, 3]
// EXEC-HALF: PASS max |y - y_ref|
// EXEC-THIRD: conv1: removed channels [3, 5]
// EXEC-THIRD: PASS max |y - y_ref|
