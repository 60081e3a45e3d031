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
// DEFINE: %{opts} =
// DEFINE: %{check} =
// DEFINE: %{run} = %{prepare} && sparq-opt %t/s.mlir --convert-sparq-to-gpu="host-reference=true remarks=true %{opts}" -o %t/h.mlir 2> %t/remarks.txt && count 0 < %t/remarks.txt && sparq-opt %t/h.mlir --sparq-cpu-reference | mlir-runner -e entry -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils > %t/out.txt && %{ref} check-run %t/out.txt --pruned %t/p.mlir --orig %t/orig.npz %{specs} %{check}

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
// Integer codes (sparq-sparsify composed with quantization, one scale per
// row): int8 codes in the first layer, asymmetric uint4 codes with f16
// scales in the second (low nibble first), q - z in f32, the row's scale on
// the lane's sums.
// REDEFINE: %{spec1} = #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 0>, quant = #sparq.quant<i8, per_channel(axis = 1)>>
// REDEFINE: %{spec2} = #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 0>, quant = #sparq.quant<ui4, per_channel(axis = 1), asymmetric, scale = f16>>
// REDEFINE: %{gen} = --k 512 --h 48 --n 8 --m 3 --seed 3
// RUN: %{run} | FileCheck %s
// Signed int4 codes (sign-extended nibbles) and asymmetric uint8 codes.
// REDEFINE: %{spec1} = #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 0>, quant = #sparq.quant<i4, per_channel(axis = 1)>>
// REDEFINE: %{spec2} = #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 0>, quant = #sparq.quant<ui8, per_channel(axis = 1), asymmetric, scale = bf16>>
// REDEFINE: %{gen} = --k 256 --h 48 --n 8 --m 2 --seed 7
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

// More rows of x (or x beyond 48 KB): the 2:4 sparse tensor-core GEMM
// (mma=true, the sparq-gpu default on NVIDIA). Its host reference replays
// each mma.sp.sync through the PTX m16n8k32 layout (A's stored column c
// times B's row 4 (c / 2) + its position from the lane's metadata); y_ref
// has the sparse layer's input and weight rounded to f16 as the kernel
// does. 70 rows (a second block of 6 rows) x 80 features (a second block
// of 16) x K = 192 (3 steps); 20 rows x 24 features x K = 128 fed by the
// host's f32 layer; 8 rows with K = 1600 (x is 51 KB).
// REDEFINE: %{opts} = mma=true
// REDEFINE: %{check} = --f16-inputs
// REDEFINE: %{spec1} = #sparq.sparsity<2:4, axis = 0>
// REDEFINE: %{spec2} = none
// REDEFINE: %{gen} = --k 192 --h 80 --n 8 --m 70 --seed 3
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec1} = none
// REDEFINE: %{spec2} = #sparq.sparsity<2:4, axis = 0>
// REDEFINE: %{gen} = --k 40 --h 128 --n 24 --m 20 --seed 4
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec1} = #sparq.sparsity<2:4, axis = 0>
// REDEFINE: %{spec2} = none
// REDEFINE: %{gen} = --k 1600 --h 64 --n 8 --m 8 --seed 5
// RUN: %{run} | FileCheck %s
// Integer codes: q - z exact in the f16 value tile, the row's scale in the
// epilogue (y_ref rounds only x to f16).
// REDEFINE: %{spec1} = #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 0>, quant = #sparq.quant<i8, per_channel(axis = 1)>>
// REDEFINE: %{gen} = --k 192 --h 80 --n 8 --m 70 --seed 3
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec1} = none
// REDEFINE: %{spec2} = #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 0>, quant = #sparq.quant<ui4, per_channel(axis = 1), asymmetric, scale = f16>>
// REDEFINE: %{gen} = --k 40 --h 128 --n 24 --m 20 --seed 4
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec2} = #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 0>, quant = #sparq.quant<i4, per_channel(axis = 1)>>
// RUN: %{run} | FileCheck %s
// REDEFINE: %{spec1} = #sparq.sparsity<2:4, axis = 0>
// REDEFINE: %{spec2} = none
// REDEFINE: %{opts} =
// REDEFINE: %{check} =

// The kernel: 128 threads, the value, metadata and x tiles, 16 mma.sp per
// K step of 64, grid (features / 64, rows / 64); PTX for sm_80 and sm_90.
// REDEFINE: %{gen} = --k 192 --h 80 --n 8 --m 70 --seed 3
// RUN: %{prepare} && sparq-opt %t/s.mlir --convert-sparq-to-gpu="nvvm=true mma=true" | FileCheck %s --check-prefix=SP
// SP: memref.global "private" @sparq_mmasp_nm2of4f32_70x80x192_ws : memref<64x40xf16, #gpu.address_space<workgroup>>
// SP: memref.global "private" @sparq_mmasp_nm2of4f32_70x80x192_wm : memref<64x4xi16, #gpu.address_space<workgroup>>
// SP-LABEL: gpu.func @sparq_mmasp_nm2of4f32_70x80x192
// SP-SAME: known_block_size = array<i32: 128, 1, 1>
// SP: scf.for
// SP: vector.load {{.*}} : memref<80x96xf32>, vector<4xf32>
// SP: vector.load {{.*}} : memref<80x24xi8>, vector<8xi8>
// SP-COUNT-16: nvgpu.mma.sp.sync({{.*}}) metadata({{.*}}) {mmaShape = [16, 8, 32]} : (vector<4x2xf16>, vector<4x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// SP: scf.yield
// SP: sparq.gpu_launch = {block = array<i64: 128, 1, 1>, grid = array<i64: 2, 2, 1>, kernel = @sparq_kernels::@sparq_mmasp_nm2of4f32_70x80x192
// RUN: sparq-compile %t/s.mlir --quiet --emit=ptx --target=sm_80 --pipeline='sparq-gpu{chip=sm_80 format=isa}' -o %t/sp80.ptx && FileCheck %s --check-prefix=PTX < %t/sp80.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_80 %t/sp80.ptx -o %t/sp80.cubin %}
// RUN: %if ptxas %{ sparq-compile %t/s.mlir --quiet --emit=ptx --target=sm_90 --pipeline='sparq-gpu{chip=sm_90 format=isa}' -o %t/sp90.ptx && %ptxas -arch=sm_90 %t/sp90.ptx -o %t/sp90.cubin %}
// PTX-LABEL: .entry sparq_mmasp_nm2of4f32_70x80x192
// PTX: mma.sp.sync.aligned.m16n8k32.row.col.f32.f16.f16.f32
// Integer codes: one 16-byte load of codes per thread, the scale loads after
// the loop; both kernels assemble.
// REDEFINE: %{spec1} = #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 0>, quant = #sparq.quant<i8, per_channel(axis = 1)>>
// REDEFINE: %{spec2} = #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 0>, quant = #sparq.quant<ui4, per_channel(axis = 1), asymmetric, scale = f16>>
// REDEFINE: %{gen} = --k 192 --h 128 --n 8 --m 70 --seed 3
// RUN: %{prepare} && sparq-opt %t/s.mlir --convert-sparq-to-gpu="nvvm=true mma=true" | FileCheck %s --check-prefix=SPQ
// SPQ-LABEL: gpu.func @sparq_mmasp_nm2of4_i8cf32_70x128x192
// SPQ: scf.for
// SPQ: vector.load {{.*}} : memref<128x96xi8>, vector<16xi8>
// SPQ: nvgpu.mma.sp.sync
// SPQ: scf.yield
// SPQ: memref.load {{.*}} : memref<128x1xf32>
// SPQ-LABEL: gpu.func @sparq_mmasp_nm2of4_ui4cf16a_70x8x128
// SPQ: vector.load {{.*}} : memref<8x32xi8>, vector<8xi8>
// RUN: %if ptxas %{ sparq-compile %t/s.mlir --quiet --emit=ptx --target=sm_90 --pipeline='sparq-gpu{chip=sm_90 format=isa}' -o %t/spq90.ptx && %ptxas -arch=sm_90 %t/spq90.ptx -o %t/spq90.cubin %}
// REDEFINE: %{spec1} = #sparq.sparsity<2:4, axis = 0>
// REDEFINE: %{spec2} = none

// N:M shapes the kernels do not cover stay on the host with a remark:
// 2:8 (3-bit positions).
// REDEFINE: %{spec1} = #sparq.sparsity<2:8, axis = 0>
// REDEFINE: %{gen} = --k 128 --h 48 --n 8 --m 1 --seed 6
// RUN: %{prepare} && sparq-opt %t/s.mlir --convert-sparq-to-gpu="remarks=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// REMARK: remark: no GPU kernel, left to the host: N:M with M not 2, 3, 4 or 9..16 has no GPU kernel yet
// More than 8 rows of x without the tensor cores (mma=false, or AMD), with
// K not a multiple of 64, or N:M other than 2:4.
// REDEFINE: %{spec1} = #sparq.sparsity<2:4, axis = 0>
// REDEFINE: %{gen} = --k 128 --h 48 --n 8 --m 20 --seed 6
// RUN: %{prepare} && sparq-opt %t/s.mlir --convert-sparq-to-gpu="remarks=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOMMA
// NOMMA: remark: no GPU kernel, left to the host: N:M GEMM (more than 8 rows of x, or x beyond 48 KB) runs on the GPU only as the 2:4 tensor-core GEMM (mma, NVIDIA)
// REDEFINE: %{gen} = --k 96 --h 48 --n 8 --m 20 --seed 6
// RUN: %{prepare} && sparq-opt %t/s.mlir --convert-sparq-to-gpu="remarks=true nvvm=true mma=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=K64
// K64: remark: no GPU kernel, left to the host: 2:4 GEMM with K not a multiple of 64 has no GPU kernel yet
// REDEFINE: %{spec1} = #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 0>, quant = #sparq.quant<i8, per_group(axis = 0, size = 32)>>
// REDEFINE: %{gen} = --k 128 --h 48 --n 8 --m 2 --seed 6
// RUN: %{prepare} && sparq-opt %t/s.mlir --convert-sparq-to-gpu="remarks=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=GROUPS
// GROUPS: remark: no GPU kernel, left to the host: quantized N:M weights with scale groups along K have no GPU kernel yet
// REDEFINE: %{spec1} = #sparq.sparsity<1:4, axis = 0>
// REDEFINE: %{gen} = --k 128 --h 48 --n 8 --m 20 --seed 6
// RUN: %{prepare} && sparq-opt %t/s.mlir --convert-sparq-to-gpu="remarks=true nvvm=true mma=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=ONE4
// ONE4: remark: no GPU kernel, left to the host: N:M GEMM other than 2:4 (more than 8 rows of x, or x beyond 48 KB) has no GPU kernel yet
