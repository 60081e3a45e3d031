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

// -----

// Resident operands (constants): the device buffer comes from the runtime,
// declared once per element type with a dynamic shape; no copy, no free.
// CHECK-LABEL: func.func private @r_launch
// CHECK-SAME: (%[[X:.*]]: memref<1x64xf32>, %[[D:.*]]: memref<8x32xi8>, %[[S:.*]]: memref<8x1xf32>, %[[Y:.*]]: memref<1x8xf32>)
// CHECK: %[[DX:.*]], %{{.*}} = gpu.alloc async
// CHECK: gpu.memcpy async [%{{.*}}] %[[DX]], %[[X]]
// CHECK: %[[DC:.*]] = memref.cast %[[D]] : memref<8x32xi8> to memref<?x?xi8>
// CHECK: %[[DR:.*]] = call @sparq_gpu_resident_i8(%[[DC]]) : (memref<?x?xi8>) -> memref<?x?xi8>
// CHECK: %[[DD:.*]] = memref.cast %[[DR]] : memref<?x?xi8> to memref<8x32xi8>
// CHECK: %[[SR:.*]] = call @sparq_gpu_resident_f32
// CHECK: %[[DS:.*]] = memref.cast %[[SR]] : memref<?x?xf32> to memref<8x1xf32>
// CHECK: %[[DY:.*]], %{{.*}} = gpu.alloc async
// CHECK: gpu.launch_func async {{.*}} args(%[[DX]] : memref<1x64xf32>, %[[DD]] : memref<8x32xi8>, %[[DS]] : memref<8x1xf32>, %[[DY]] : memref<1x8xf32>)
// CHECK: gpu.memcpy async
// CHECK-COUNT-2: gpu.dealloc async
// CHECK-NOT: gpu.dealloc
// CHECK: gpu.wait
// CHECK: func.func private @sparq_gpu_resident_i8(memref<?x?xi8>) -> memref<?x?xi8> attributes {llvm.emit_c_interface}
// CHECK: func.func private @sparq_gpu_resident_f32(memref<?x?xf32>) -> memref<?x?xf32> attributes {llvm.emit_c_interface}
module attributes {gpu.container_module} {
  gpu.module @sparq_kernels {
    gpu.func @k(%x: memref<1x64xf32>, %d: memref<8x32xi8>, %s: memref<8x1xf32>, %y: memref<1x8xf32>) kernel {
      gpu.return
    }
  }
  func.func private @r_launch(memref<1x64xf32>, memref<8x32xi8>, memref<8x1xf32>, memref<1x8xf32>)
    attributes {sparq.gpu_launch = {kernel = @sparq_kernels::@k, grid = array<i64: 2, 1, 1>, block = array<i64: 128, 1, 1>, resident = array<i64: 1, 2>}}
}

// -----

module attributes {gpu.container_module} {
  gpu.module @sparq_kernels {
    gpu.func @k(%x: memref<1x64xf32>, %y: memref<1x8xf32>) kernel {
      gpu.return
    }
  }
  // expected-error @below {{sparq.gpu_launch resident operand 1 is not an input (expected 0..0)}}
  func.func private @k_launch(memref<1x64xf32>, memref<1x8xf32>)
    attributes {sparq.gpu_launch = {kernel = @sparq_kernels::@k, grid = array<i64: 1, 1, 1>, block = array<i64: 32, 1, 1>, resident = array<i64: 1>}}
}

// -----

module attributes {gpu.container_module} {
  gpu.module @sparq_kernels {
    gpu.func @k(%x: memref<64xf32>, %y: memref<1x8xf32>) kernel {
      gpu.return
    }
  }
  // expected-error @below {{sparq.gpu_launch resident operand 0 has type 'memref<64xf32>' (expected rank 2 of i8, f16, bf16, f32, f8E8M0FNU or f8E4M3FN)}}
  func.func private @k_launch(memref<64xf32>, memref<1x8xf32>)
    attributes {sparq.gpu_launch = {kernel = @sparq_kernels::@k, grid = array<i64: 1, 1, 1>, block = array<i64: 32, 1, 1>, resident = array<i64: 0>}}
}
