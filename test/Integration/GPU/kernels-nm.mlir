// The N:M sparse GEMV (f32 values along K, sparq-c/Runtime.h's layout):
// an MLP pruned by sparq-prune and stored by sparq-sparsify, lowered by
// convert-sparq-to-gpu. With host-reference=true the kernel's lane loop
// (one vector<4xf32> of stored values and their packed positions per lane
// and step, x gathered from the staged copy) and the xor butterfly run on
// the CPU and prune_ref.py check-run compares y with the masked model in
// numpy; every sparse matmul must reach the kernel (no remark). Then the
// same models' PTX for sm_80 and sm_90, assembled by ptxas where present.
//
// REQUIRES: numpy

// DEFINE: %{ref} = %host_python %S/../Inputs/prune_ref.py
// DEFINE: %{spec1} = none
// DEFINE: %{spec2} = none
// DEFINE: %{gen} =
// DEFINE: %{specs} = --spec1 '%{spec1}' --spec2 '%{spec2}'
// DEFINE: %{prepare} = rm -rf %t && %{ref} gen --out %t %{specs} %{gen} && sparq-opt %t/model.mlir --sparq-prune -o %t/p.mlir && sparq-opt %t/p.mlir --sparq-sparsify -o %t/s.mlir
// DEFINE: %{run} = %{prepare} && sparq-opt %t/s.mlir --convert-sparq-to-gpu="host-reference=true remarks=true" -o %t/h.mlir 2> %t/remarks.txt && count 0 < %t/remarks.txt && sparq-opt %t/h.mlir --sparq-cpu-reference | mlir-runner -e entry -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils > %t/out.txt && %{ref} check-run %t/out.txt --pruned %t/p.mlir --orig %t/orig.npz %{specs}

// 2:4 in both layers, 3 rows of x, K = 512 (64 chunks of 4 values: two
// steps per lane) and K = 48 (12 chunks: lanes 12..31 idle).
// REDEFINE: %{spec1} = #sparq.sparsity<2:4, axis = 0>
// REDEFINE: %{spec2} = #sparq.sparsity<2:4, axis = 0>
// REDEFINE: %{gen} = --k 512 --h 48 --n 8 --m 3 --seed 3
// RUN: %{run} | FileCheck %s
// 1:4 (2-bit positions) and 1:2 (1-bit: half a byte per chunk), batch 1.
// REDEFINE: %{spec1} = #sparq.sparsity<1:4, axis = 0>
// REDEFINE: %{spec2} = #sparq.sparsity<1:2, axis = 0>
// REDEFINE: %{gen} = --k 128 --h 64 --n 8 --m 1 --seed 4
// RUN: %{run} | FileCheck %s
// 4:16 (4-bit positions: two bytes per chunk), batch 2.
// REDEFINE: %{spec1} = #sparq.sparsity<4:16, axis = 0>
// REDEFINE: %{spec2} = none
// REDEFINE: %{gen} = --k 128 --h 48 --n 8 --m 2 --seed 5
// RUN: %{run} | FileCheck %s
// CHECK: PASS max |y - y_ref|

// The kernel: one warp per output feature, x staged in shared memory, the
// loop over chunks of 4 values, the butterfly; 2:4 positions from one byte.
// REDEFINE: %{spec1} = #sparq.sparsity<2:4, axis = 0>
// REDEFINE: %{spec2} = none
// REDEFINE: %{gen} = --k 512 --h 48 --n 8 --m 1 --seed 3
// RUN: %{prepare} && sparq-opt %t/s.mlir --convert-sparq-to-gpu="nvvm=true" | FileCheck %s --check-prefix=IR
// IR: memref.global "private" @sparq_nmgemv_nm2of4f32_1x48x512_x : memref<1x512xf32, #gpu.address_space<workgroup>>
// IR-LABEL: gpu.func @sparq_nmgemv_nm2of4f32_1x48x512
// IR-SAME: known_block_size = array<i32: 256, 1, 1>
// IR: gpu.barrier
// IR: scf.for {{.*}} -> (f32) {
// IR: vector.load {{.*}} : memref<48x256xf32>, vector<4xf32>
// IR: memref.load {{.*}} : memref<48x64xi8>
// IR: gpu.shuffle  xor
// IR: sparq.gpu_launch = {block = array<i64: 256, 1, 1>, grid = array<i64: 6, 1, 1>, kernel = @sparq_kernels::@sparq_nmgemv_nm2of4f32_1x48x512, resident = array<i64: 1, 2>}
// RUN: %if ptxas %{ sparq-compile %t/s.mlir --quiet --emit=ptx --target=sm_80 --pipeline='sparq-gpu{chip=sm_80 format=isa}' -o %t/k80.ptx && %ptxas -arch=sm_80 %t/k80.ptx -o %t/k80.cubin %}
// RUN: %if ptxas %{ sparq-compile %t/s.mlir --quiet --emit=ptx --target=sm_90 --pipeline='sparq-gpu{chip=sm_90 format=isa}' -o %t/k90.ptx && %ptxas -arch=sm_90 %t/k90.ptx -o %t/k90.cubin %}

// N:M shapes the kernel does not cover stay on the host with a remark:
// 2:8 (3-bit positions).
// REDEFINE: %{spec1} = #sparq.sparsity<2:8, axis = 0>
// REDEFINE: %{gen} = --k 128 --h 48 --n 8 --m 1 --seed 6
// RUN: %{prepare} && sparq-opt %t/s.mlir --convert-sparq-to-gpu="remarks=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// REMARK: remark: no GPU kernel, left to the host: N:M with M not 2, 3, 4 or 9..16 has no GPU kernel yet
