// RUN: sparq-opt %s --split-input-file --sparq-gpu-launchers --verify-diagnostics | FileCheck %s

// Inputs copied in, y copied out, one async chain ending in gpu.wait.
// CHECK-LABEL: func.func private @k_launch
// CHECK-SAME: (%[[X:.*]]: memref<1x64xf32>, %[[D:.*]]: memref<8x32xi8>, %[[S:.*]]: memref<8x1xf32>, %[[Y:.*]]: memref<1x8xf32>)
// CHECK-NOT: sparq.gpu_launch
// CHECK: %[[T0:.*]] = gpu.wait async
// CHECK: %[[DX:.*]], %[[T1:.*]] = gpu.alloc async [%[[T0]]] () : memref<1x64xf32>
// CHECK: %[[T2:.*]] = gpu.memcpy async [%[[T1]]] %[[DX]], %[[X]]
// CHECK: %[[DD:.*]], %{{.*}} = gpu.alloc async
// CHECK: gpu.memcpy async [%{{.*}}] %[[DD]], %[[D]]
// CHECK: %[[DS:.*]], %{{.*}} = gpu.alloc async
// CHECK: gpu.memcpy async [%{{.*}}] %[[DS]], %[[S]]
// CHECK: %[[DY:.*]], %[[TY:.*]] = gpu.alloc async
// CHECK-NOT: gpu.memcpy
// CHECK: %[[TL:.*]] = gpu.launch_func async [%[[TY]]] @sparq_kernels::@k blocks in (%c2, %c1{{.*}}, %c1{{.*}}) threads in (%c128, %c1{{.*}}, %c1{{.*}}) args(%[[DX]] : memref<1x64xf32>, %[[DD]] : memref<8x32xi8>, %[[DS]] : memref<8x1xf32>, %[[DY]] : memref<1x8xf32>)
// CHECK: %[[TC:.*]] = gpu.memcpy async [%[[TL]]] %[[Y]], %[[DY]]
// CHECK-COUNT-4: gpu.dealloc async
// CHECK: gpu.wait [%{{.*}}]
// CHECK: return
module attributes {gpu.container_module} {
  gpu.module @sparq_kernels {
    gpu.func @k(%x: memref<1x64xf32>, %d: memref<8x32xi8>, %s: memref<8x1xf32>, %y: memref<1x8xf32>) kernel {
      gpu.return
    }
  }
  func.func private @k_launch(memref<1x64xf32>, memref<8x32xi8>, memref<8x1xf32>, memref<1x8xf32>)
    attributes {sparq.gpu_launch = {kernel = @sparq_kernels::@k, grid = array<i64: 2, 1, 1>, block = array<i64: 128, 1, 1>}}
}

// -----

module attributes {gpu.container_module} {
  // expected-error @below {{sparq.gpu_launch names no gpu.func: @sparq_kernels::@missing}}
  func.func private @k_launch(memref<1x64xf32>)
    attributes {sparq.gpu_launch = {kernel = @sparq_kernels::@missing, grid = array<i64: 1, 1, 1>, block = array<i64: 32, 1, 1>}}
}

// -----

module attributes {gpu.container_module} {
  // expected-error @below {{sparq.gpu_launch needs kernel, grid (3) and block (3)}}
  func.func private @k_launch(memref<1x64xf32>)
    attributes {sparq.gpu_launch = {kernel = @sparq_kernels::@k, grid = array<i64: 1>}}
}

// -----

module attributes {gpu.container_module} {
  gpu.module @sparq_kernels {
    gpu.func @k(%x: memref<1x64xf32>) kernel {
      gpu.return
    }
  }
  // expected-error @below {{launcher arguments must be the kernel's static identity-layout memrefs}}
  func.func private @k_launch(memref<2x64xf32>)
    attributes {sparq.gpu_launch = {kernel = @sparq_kernels::@k, grid = array<i64: 1, 1, 1>, block = array<i64: 32, 1, 1>}}
}
