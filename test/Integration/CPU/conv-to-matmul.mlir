// Convolutions through --sparq-cpu (sparq-conv-to-matmul, then the runtime's
// dense and int8/int4 ukernels) give the outputs of --sparq-cpu-reference
// (upstream's scalar conv loops and the reference decode) within 1e-5
// relative: a padded, strided (2), dilated (2) NCHW conv on a dense filter,
// a padded NHWC/HWCF conv with strides [1, 2], dilations [2, 1] accumulating
// into a bias, and NCHW convs on int8 and int4 (KW = 2) per-channel
// compressed filters. conv_ref.py writes the model with random constants.
//
// REQUIRES: numpy

// RUN: rm -rf %t && %host_python %S/../Inputs/conv_ref.py gen --out %t --seed 7
// RUN: sparq-opt %t/model.mlir --sparq-cpu-reference | mlir-runner -e entry -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils > %t/ref.txt
// RUN: sparq-opt %t/model.mlir --sparq-cpu="activations=f32" -o %t/fast.mlir
// RUN: FileCheck %s --check-prefix=CALL --input-file %t/fast.mlir
// RUN: mlir-runner %t/fast.mlir -e entry -entry-point-result=void -shared-libs=%sparq_runtime_lib,%mlir_runner_utils,%mlir_c_runner_utils > %t/fast.txt
// RUN: %host_python %S/../Inputs/conv_ref.py compare %t/fast.txt %t/ref.txt --count 4 --tol 1e-5 | FileCheck %s

// CHECK: output 0: 64 values
// CHECK: output 1: 320 values
// CHECK: output 2: 48 values
// CHECK: output 3: 60 values
// CHECK: PASS

// The two dense convs and the two compressed ones reach the ukernels.
// CALL-COUNT-2: llvm.call @sparq_rt_matmul_f32(
// CALL-COUNT-2: llvm.call @sparq_rt_qmatmul_sf32(

// Without the rewrite every conv stays on scalar loops.
// RUN: sparq-opt %t/model.mlir --sparq-cpu="activations=f32 conv-to-matmul=false" | FileCheck %s --check-prefix=OFF
// OFF-NOT: @sparq_rt_
