// RUN: sparq-opt %s --sparq-report -o /dev/null 2>&1 | FileCheck %s --check-prefix=TABLE
// RUN: rm -f %t.json
// RUN: sparq-opt %s --sparq-report="json=%t.json table=false" 2>&1 | FileCheck %s --check-prefix=IR
// RUN: %host_python -c "import json, sys; r = json.load(open(sys.argv[1])); fmt = lambda v: format(v, '.6g') if isinstance(v, (int, float)) else str(v); [print(' '.join([l['name'], l['op'], str(l['shape'])] + [k + '=' + fmt(l.get(k)) for k in ('params', 'bytes', 'bits_per_weight', 'sparsity', 'format', 'target')])) for l in r['layers']]; print(' '.join(['total'] + [k + '=' + fmt(v) for k, v in r['total'].items()]))" %t.json | FileCheck %s --check-prefix=JSON
// RUN: rm -rf %t.missing
// RUN: not sparq-opt %s --sparq-report="json=%t.missing/report.json table=false" 2>&1 | FileCheck %s --check-prefix=NOWRITE

// The table goes to stderr (FileCheck folds the padding).
// TABLE: layer op params bytes bits sparsity
// TABLE-NEXT: fc1 linalg.matmul 16 64 32.00 25.0% {{.*}} f32{{$}}
// TABLE-NEXT: fc2 sparq.matmul 1024 608 4.75 0.0% {{.*}} #sparq.quant<ui4, per_group(axis = 1, size = 32), asymmetric, scale = f16>{{$}}
// TABLE-NEXT: matmul_2 sparq.matmul 1024 704 5.50 50.0% {{.*}} #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>, quant = #sparq.quant<i8, per_channel(axis = 0)>>{{$}}
// TABLE-NEXT: head linalg.matmul 2048 8192 32.00 0.0% {{.*}} f32 -> #sparq.quant<i4, per_group(axis = 0, size = 32)>{{$}}
// TABLE-NEXT: conv1 tosa.conv2d 8 32 32.00 75.0% {{.*}} f32{{$}}
// TABLE-NEXT: matmul_5 linalg.matmul 16 64 32.00 ? {{.*}} f32 (computed){{$}}
// TABLE-NEXT: total 4136 9664 18.69{{$}}

// With table=false nothing but the (unchanged) IR is printed.
// IR-NOT:   params
// IR-LABEL: func.func @model
// IR:       sparq.annotate

// Bytes of a compressed weight are those of its storage tensors:
// fc2:      512 packed + 16x2 f16 scales (64) + 16x2 zero points (32) = 608;
// matmul_2: 512 kept int8 + 16 f32 scales (64) + 16x8 2-bit positions (128) = 704.
// JSON:      fc1 linalg.matmul [8, 2] params=16 bytes=64 bits_per_weight=32 sparsity=0.25 format=f32 target=None
// JSON-NEXT: fc2 sparq.matmul [16, 64] params=1024 bytes=608 bits_per_weight=4.75 sparsity=0 format=#sparq.quant<ui4, per_group(axis = 1, size = 32), asymmetric, scale = f16> target=None
// JSON-NEXT: matmul_2 sparq.matmul [16, 64] params=1024 bytes=704 bits_per_weight=5.5 sparsity=0.5 format=#sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>, quant = #sparq.quant<i8, per_channel(axis = 0)>> target=None
// JSON-NEXT: head linalg.matmul [64, 32] params=2048 bytes=8192 bits_per_weight=32 sparsity=0 format=f32 target=#sparq.quant<i4, per_group(axis = 0, size = 32)>
// JSON-NEXT: conv1 tosa.conv2d [4, 1, 1, 2] params=8 bytes=32 bits_per_weight=32 sparsity=0.75 format=f32 target=None
// JSON-NEXT: matmul_5 linalg.matmul [8, 2] params=16 bytes=64 bits_per_weight=32 sparsity=None format=f32 (computed) target=None
// JSON-NEXT: total params=4136 bytes=9664 bits_per_weight=18.6925

// NOWRITE: error: sparq-report: cannot write the JSON report: '{{.*}}.missing/report.json': {{.+}}

!w4 = !sparq.compressed<16x64xf32, #sparq.quant<ui4, per_group(axis = 1, size = 32), asymmetric, scale = f16>>
!nm = !sparq.compressed<16x64xf32, #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>, quant = #sparq.quant<i8, per_channel(axis = 0)>>>
func.func @model(%x: tensor<4x8xf32>, %x64: tensor<4x64xf32>, %img: tensor<1x4x4x2xf32>,
                 %wa: tensor<8x2xf32>)
    -> (tensor<4x2xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x32xf32>,
        tensor<1x4x4x4xf32>, tensor<4x2xf32>) {
  // 4 of 16 weights are zero (-0.0 counts).
  %w = arith.constant dense<[[1.0, 0.0], [2.0, 3.0], [0.0, 4.0], [5.0, 6.0],
                             [7.0, 8.0], [-0.0, 9.0], [1.0, 0.0], [3.0, 4.0]]> : tensor<8x2xf32>
  %i = tensor.empty() : tensor<4x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>)
                     outs(%i : tensor<4x2xf32>) -> tensor<4x2xf32> loc("fc1")

  %d = arith.constant dense<1> : tensor<16x32xi8>
  %s = arith.constant dense<1.0> : tensor<16x2xf16>
  %z = arith.constant dense<8> : tensor<16x2xi8>
  %c = sparq.assemble %d : tensor<16x32xi8> scales %s : tensor<16x2xf16>
         zero_points %z : tensor<16x2xi8> -> !w4
  %y2 = sparq.matmul %x64, %c : tensor<4x64xf32>, !w4 -> tensor<4x16xf32> loc("fc2")

  %nd = arith.constant dense<1> : tensor<16x32xi8>
  %ns = arith.constant dense<1.0> : tensor<16x1xf32>
  %ni = arith.constant dense<4> : tensor<16x8xi8>
  %n = sparq.assemble %nd : tensor<16x32xi8> scales %ns : tensor<16x1xf32>
         indices %ni : tensor<16x8xi8> -> !nm
  %y3 = sparq.matmul %x64, %n : tensor<4x64xf32>, !nm -> tensor<4x16xf32>

  %w4 = arith.constant dense<1.0> : tensor<64x32xf32>
  %a = sparq.annotate %w4 : tensor<64x32xf32>
         with #sparq.quant<i4, per_group(axis = 0, size = 32)> {layer = "head"}
  %i4 = tensor.empty() : tensor<4x32xf32>
  %y4 = linalg.matmul ins(%x64, %a : tensor<4x64xf32>, tensor<64x32xf32>)
                      outs(%i4 : tensor<4x32xf32>) -> tensor<4x32xf32>

  // A tosa.const weight is a constant too: 6 of 8 zeros.
  %wc = "tosa.const"() {values = dense<[[[[1.0, 0.0]]], [[[0.0, 0.0]]], [[[0.0, 2.0]]], [[[0.0, 0.0]]]]> : tensor<4x1x1x2xf32>} : () -> tensor<4x1x1x2xf32>
  %b = "tosa.const"() {values = dense<0.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %y5 = tosa.conv2d %img, %wc, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>}
          : (tensor<1x4x4x2xf32>, tensor<4x1x1x2xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x4xf32> loc("conv1")

  // A weight computed at run time: its sparsity is unknown.
  %y6 = linalg.matmul ins(%x, %wa : tensor<4x8xf32>, tensor<8x2xf32>)
                      outs(%i : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y, %y2, %y3, %y4, %y5, %y6 : tensor<4x2xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x32xf32>, tensor<1x4x4x4xf32>, tensor<4x2xf32>
}
