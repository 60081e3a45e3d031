// A 512x512 f32 weight quantized to int4 in groups of 128 along the
// reduction axis, symmetric, with f32 scales, takes exactly
// 512 * 512 / 2 bytes of packed codes + 512 * (512 / 128) * 4 bytes of
// scales = 131072 + 8192 = 139264 bytes (4.25 bits per weight), down from
// 512 * 512 * 4 = 1048576; sparq-report's JSON says so.
//
// RUN: sparq-opt %s --sparq-report="json=%t.before.json table=false" \
// RUN:   --sparq-quantize --sparq-report="json=%t.json table=false" -o %t.mlir
// RUN: FileCheck %s --input-file=%t.before.json --check-prefix=BEFORE
// RUN: FileCheck %s --input-file=%t.json --check-prefix=AFTER
// RUN: FileCheck %s --input-file=%t.mlir --check-prefix=IR

// BEFORE:      "name": "fc",
// BEFORE:      "params": 262144,
// BEFORE-NEXT: "bytes": 1048576,

// AFTER:      "name": "fc",
// AFTER:      "params": 262144,
// AFTER-NEXT: "bytes": 139264,
// AFTER-NEXT: "bits_per_weight": 4.25,
// AFTER:      "total": {
// AFTER-NEXT:   "params": 262144,
// AFTER-NEXT:   "bytes": 139264,

// IR-DAG: arith.constant dense_resource<fc.data> : tensor<512x256xi8>
// IR-DAG: arith.constant dense_resource<fc.scales> : tensor<512x4xf32>
// IR:     sparq.assemble {{.*}} -> !sparq.compressed<512x512xf32, #sparq.quant<i4, per_group(axis = 1, size = 128)>>

func.func @main(%x: tensor<1x512xf32>) -> tensor<1x512xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<512x512xf32>
  %a = sparq.annotate %w : tensor<512x512xf32> with #sparq.quant<i4, per_group(axis = 0, size = 128)> {layer = "fc"}
  %empty = tensor.empty() : tensor<1x512xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<1x512xf32>) -> tensor<1x512xf32>
  %y = linalg.matmul ins(%x, %a : tensor<1x512xf32>, tensor<512x512xf32>) outs(%init : tensor<1x512xf32>) -> tensor<1x512xf32>
  return %y : tensor<1x512xf32>
}
