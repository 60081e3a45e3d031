// Compressed weights that are not built by sparq.assemble here (function
// arguments) are counted from their type's storage layout. Sizes that only
// the data fixes (nonzeros, kept channels) come from the spec's ratio, and
// the report says so.
// RUN: sparq-opt %s --sparq-report -o /dev/null 2>&1 | FileCheck %s --check-prefix=TABLE
// RUN: sparq-opt %s --sparq-report="json=%t.json table=false" -o /dev/null
// RUN: %host_python -c "import json, sys; r = json.load(open(sys.argv[1])); [print(l['name'], l['bytes'], l.get('bytes_estimated', False), format(l['sparsity'], '.6g')) for l in r['layers']]; print('total', r['total']['bytes'])" %t.json | FileCheck %s --check-prefix=JSON

// dense:    512 packed + 16x2 f16 scales (64) + 16x2 zero points (32) = 608, exact;
// nm:       512 kept int8 + 16 f32 scales (64) + 16x8 2-bit positions (128) = 704, exact;
// csr:      256 nonzeros: 256 f32 (1024) + 256 i16 columns (512) + 17 i32 offsets (68) = 1604;
// csr_q:    512 nonzeros: 256 packed int4 + 1 f32 scale (4) + 512 i16 (1024) + 68 = 1352;
// channels: 32 kept columns: 16x16 packed int4 (256) + 16 f32 scales (64) + 32 i32 (128) = 448.
// TABLE:      dense sparq.matmul 1024 608 4.75 0.0% {{.*}} #sparq.quant<ui4, per_group(axis = 1, size = 32), asymmetric, scale = f16>{{$}}
// TABLE-NEXT: nm sparq.matmul 1024 704 5.50 50.0%
// TABLE-NEXT: csr sparq.matmul 1024 1604 12.53 75.0% {{.*}} (bytes from the spec's ratio){{$}}
// TABLE-NEXT: csr_q sparq.matmul 1024 1352 10.56 50.0%
// TABLE-NEXT: channels sparq.matmul 1024 448 3.50 50.0%
// TABLE-NEXT: total 5120 4716

// JSON:      dense 608 False 0
// JSON-NEXT: nm 704 False 0.5
// JSON-NEXT: csr 1604 True 0.75
// JSON-NEXT: csr_q 1352 True 0.5
// JSON-NEXT: channels 448 True 0.5
// JSON-NEXT: total 4716

!dense = !sparq.compressed<16x64xf32, #sparq.quant<ui4, per_group(axis = 1, size = 32), asymmetric, scale = f16>>
!nm = !sparq.compressed<16x64xf32, #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>, quant = #sparq.quant<i8, per_channel(axis = 0)>>>
!csr = !sparq.compressed<16x64xf32, #sparq.sparsity<unstructured, ratio = 0.75>>
!csr_q = !sparq.compressed<16x64xf32, #sparq.spec<sparsity = #sparq.sparsity<unstructured, ratio = 0.5>, quant = #sparq.quant<i4>>>
!channels = !sparq.compressed<16x64xf32, #sparq.spec<sparsity = #sparq.sparsity<channel, axis = 1, ratio = 0.5>, quant = #sparq.quant<i4, per_channel(axis = 0)>>>
func.func @model(%x: tensor<1x64xf32>, %a: !dense, %b: !nm, %c: !csr, %d: !csr_q, %e: !channels)
    -> (tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x16xf32>) {
  %ya = sparq.matmul %x, %a : tensor<1x64xf32>, !dense -> tensor<1x16xf32> loc("dense")
  %yb = sparq.matmul %x, %b : tensor<1x64xf32>, !nm -> tensor<1x16xf32> loc("nm")
  %yc = sparq.matmul %x, %c : tensor<1x64xf32>, !csr -> tensor<1x16xf32> loc("csr")
  %yd = sparq.matmul %x, %d : tensor<1x64xf32>, !csr_q -> tensor<1x16xf32> loc("csr_q")
  %ye = sparq.matmul %x, %e : tensor<1x64xf32>, !channels -> tensor<1x16xf32> loc("channels")
  return %ya, %yb, %yc, %yd, %ye : tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x16xf32>
}
