// A 4096x4096 f32 weight quantized to int4, groups of 128 along the reduction
// axis, symmetric, f32 scales, occupies exactly 8 MiB of packed codes plus
// 4096 * 32 scales * 4 bytes, and the report says so.
// RUN: sparq-opt %s --sparq-annotate="spec='#sparq.quant<i4, per_group(axis = 1, size = 128)>'" \
// RUN:   --sparq-quantize --sparq-report="json=%t.json" -o %t.mlir 2>&1 | FileCheck %s --check-prefix=TABLE
// RUN: FileCheck %s --input-file=%t.json --check-prefix=JSON
// RUN: FileCheck %s --input-file=%t.mlir --check-prefix=IR

// TABLE: big  sparq.matmul  16777216  8912896  4.25

// JSON: "params": 16777216,
// JSON-NEXT: "bytes": 8912896,
// JSON-NEXT: "bits_per_weight": 4.25,

// IR-DAG: arith.constant dense_resource<{{.*}}> : tensor<4096x2048xi8>
// IR-DAG: arith.constant dense_resource<{{.*}}> : tensor<4096x32xf32>
// IR: sparq.assemble {{.*}} -> !sparq.compressed<4096x4096xf32, #sparq.quant<i4, per_group(axis = 1, size = 128)>>

func.func @main(%x: tensor<1x4096xf32>, %init: tensor<1x4096xf32>) -> tensor<1x4096xf32> {
  %w = arith.constant dense<0.5> : tensor<4096x4096xf32>
  %y = linalg.matmul ins(%x, %w : tensor<1x4096xf32>, tensor<4096x4096xf32>)
                     outs(%init : tensor<1x4096xf32>) -> tensor<1x4096xf32> loc("big")
  return %y : tensor<1x4096xf32>
}
