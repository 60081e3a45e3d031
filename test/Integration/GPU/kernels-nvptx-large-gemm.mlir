// The tensor-core GEMM's large-M shapes as sparq-gpu chooses them by default
// (M = 1024, N = 4096: 128 x 128 blocks of four 64 x 64 warps, two shared
// stages of 32-element K steps), and M = 256 (64 x 128 blocks of eight
// warps, one stage of 64), compiled to PTX for sm_80 and sm_90 and assembled
// by ptxas: launch bounds, the two stage pairs of shared tiles, ldmatrix
// fragments and the mma count per K step pair.
//
// REQUIRES: ptxas
// RUN: rm -rf %t && mkdir -p %t
// RUN: sparq-compile %s --quiet --target=sm_80 --emit=ptx -o %t/k80.ptx
// RUN: sparq-compile %s --quiet --target=sm_90 --emit=ptx -o %t/k90.ptx
// RUN: %ptxas -arch=sm_80 %t/k80.ptx -o %t/k80.cubin && %ptxas -arch=sm_90 %t/k90.ptx -o %t/k90.cubin
// RUN: FileCheck %s < %t/k90.ptx
// RUN: FileCheck %s < %t/k80.ptx

// CHECK-LABEL: .entry sparq_mma_i4g128f16_1024x4096x256(
// CHECK: .maxntid 128, 1, 1
// CHECK-DAG: .shared .align 16 .b8 sparq_mma_i4g128f16_1024x4096x256_xs1[10240];
// CHECK-DAG: .shared .align 16 .b8 sparq_mma_i4g128f16_1024x4096x256_ws1[10240];
// CHECK: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-COUNT-64: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK: bar.sync 0;
// CHECK-COUNT-64: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK: bar.sync 0;
// CHECK-LABEL: .entry sparq_mma_i4g128f16_256x4096x256(
// CHECK: .maxntid 256, 1, 1
// CHECK: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-COUNT-32: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK: bar.sync 0;

!w = !sparq.compressed<4096x256xf32, #sparq.quant<i4, per_group(axis = 1, size = 128), scale = f16>>
func.func @main(%x: tensor<1024x256xf32>, %x2: tensor<256x256xf32>)
    -> (tensor<1024x4096xf32>, tensor<256x4096xf32>) {
  %d = arith.constant dense<37> : tensor<4096x128xi8>
  %s = arith.constant dense<0.5> : tensor<4096x2xf16>
  %w = sparq.assemble %d : tensor<4096x128xi8> scales %s : tensor<4096x2xf16> -> !w
  %y = sparq.matmul %x, %w : tensor<1024x256xf32>, !w -> tensor<1024x4096xf32>
  %y2 = sparq.matmul %x2, %w : tensor<256x256xf32>, !w -> tensor<256x4096xf32>
  return %y, %y2 : tensor<1024x4096xf32>, tensor<256x4096xf32>
}
