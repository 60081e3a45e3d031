// RUN: split-file --leading-lines %s %t

// A spec written for the canonical [out, in] layout lands on each weight's
// own out / in axes.
// RUN: sparq-opt %t/layouts.mlir --sparq-annotate="spec='#sparq.quant<i4, per_group(axis = 1, size = 8)>'" | FileCheck %s --check-prefix=IN
// RUN: sparq-opt %t/layouts.mlir --sparq-annotate="spec='#sparq.quant<i8, per_channel(axis = 0)>'" | FileCheck %s --check-prefix=OUT
// RUN: sparq-opt %t/layouts.mlir --sparq-annotate="spec='#sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>, quant = #sparq.quant<i8, per_block(shape = [4, 8])>>'" | FileCheck %s --check-prefix=BLOCK
// RUN: sparq-opt %t/layouts.mlir --sparq-annotate="spec='#sparq.sparsity<channel, axis = 0, ratio = 0.5>'" | FileCheck %s --check-prefix=CHAN
// A low-rank spec gets each weight's output axis: rank 4 fits the HWCF
// filter (a 32x144 matrix), although its axis 0 has only 3 entries.
// RUN: sparq-opt %t/layouts.mlir --sparq-annotate="spec='#sparq.low_rank<rank = 4>'" | FileCheck %s --check-prefix=LOWRANK

// Layer selection.
// RUN: sparq-opt %t/select.mlir --sparq-annotate="spec='#sparq.quant<i8, per_channel(axis = 0)>'" | FileCheck %s --check-prefix=ALL
// RUN: sparq-opt %t/select.mlir --sparq-annotate="spec='#sparq.quant<i8, per_channel(axis = 0)>' ops=linalg.conv_2d_nhwc_hwcf" | FileCheck %s --check-prefix=OPS
// RUN: sparq-opt %t/select.mlir --sparq-annotate="spec='#sparq.quant<i8, per_channel(axis = 0)>' min-elements=2048" | FileCheck %s --check-prefix=MIN
// RUN: sparq-opt %t/select.mlir --sparq-annotate="spec='#sparq.quant<i8, per_channel(axis = 0)>' include=c.*" | FileCheck %s --check-prefix=INC
// RUN: sparq-opt %t/select.mlir --sparq-annotate="spec='#sparq.quant<i8, per_channel(axis = 0)>' exclude=fc1|conv.*" | FileCheck %s --check-prefix=EXC
// RUN: sparq-opt %t/select.mlir --sparq-annotate="spec='#sparq.quant<i8, per_channel(axis = 0)>' include=fc.* exclude=fc2" | FileCheck %s --check-prefix=BOTH

//--- layouts.mlir

// linalg.matmul reads its weight as [K, N]: in -> 0, out -> 1. Unnamed layers
// are named <op-kind>_<index>, counting every layer of the module.
// IN-LABEL:    func.func @matmul
// IN:          %[[W:.*]] = arith.constant
// IN:          %[[A:.*]] = sparq.annotate %[[W]] : tensor<64x32xf32> with #sparq.quant<i4, per_group(axis = 0, size = 8)> {layer = "fc1"}
// IN:          linalg.matmul ins(%{{.*}}, %[[A]] :
// OUT-LABEL:   func.func @matmul
// OUT:         sparq.annotate {{.*}} with #sparq.quant<i8, per_channel(axis = 1)> {layer = "fc1"}
// BLOCK-LABEL: func.func @matmul
// BLOCK:       sparq.annotate {{.*}} with #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 0>, quant = #sparq.quant<i8, per_block(shape = [8, 4])>> {layer = "fc1"}
// CHAN-LABEL:  func.func @matmul
// CHAN:        sparq.annotate {{.*}} with #sparq.sparsity<channel, axis = 1, ratio = 0.5> {layer = "fc1"}
func.func @matmul(%x: tensor<4x64xf32>) -> tensor<4x32xf32> {
  %w = arith.constant dense<1.0> : tensor<64x32xf32>
  %init = tensor.empty() : tensor<4x32xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x32xf32>)
                     outs(%init : tensor<4x32xf32>) -> tensor<4x32xf32> loc("fc1")
  return %y : tensor<4x32xf32>
}

// A transposed [N, K] weight is already in the canonical layout.
// IN-LABEL:    func.func @matmul_transpose_b
// IN:          sparq.annotate {{.*}} : tensor<32x64xf32> with #sparq.quant<i4, per_group(axis = 1, size = 8)> {layer = "matmul_1"}
// OUT-LABEL:   func.func @matmul_transpose_b
// OUT:         sparq.annotate {{.*}} with #sparq.quant<i8, per_channel(axis = 0)> {layer = "matmul_1"}
// BLOCK-LABEL: func.func @matmul_transpose_b
// BLOCK:       sparq.annotate {{.*}} with #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>, quant = #sparq.quant<i8, per_block(shape = [4, 8])>>
func.func @matmul_transpose_b(%x: tensor<4x64xf32>) -> tensor<4x32xf32> {
  %w = arith.constant dense<1.0> : tensor<32x64xf32>
  %init = tensor.empty() : tensor<4x32xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                      affine_map<(m, n, k) -> (n, k)>,
                                      affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<4x64xf32>, tensor<32x64xf32>)
         outs(%init : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// [B, K, N]: the batch axis is neither; block shapes get 1 there.
// IN-LABEL:    func.func @batch_matmul
// IN:          sparq.annotate {{.*}} : tensor<2x16x8xf32> with #sparq.quant<i4, per_group(axis = 1, size = 8)> {layer = "batch_matmul_2"}
// OUT-LABEL:   func.func @batch_matmul
// OUT:         sparq.annotate {{.*}} with #sparq.quant<i8, per_channel(axis = 2)>
// BLOCK-LABEL: func.func @batch_matmul
// BLOCK:       sparq.annotate {{.*}} with #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>, quant = #sparq.quant<i8, per_block(shape = [1, 8, 4])>>
func.func @batch_matmul(%x: tensor<2x4x16xf32>) -> tensor<2x4x8xf32> {
  %w = arith.constant dense<1.0> : tensor<2x16x8xf32>
  %init = tensor.empty() : tensor<2x4x8xf32>
  %y = linalg.batch_matmul ins(%x, %w : tensor<2x4x16xf32>, tensor<2x16x8xf32>)
                           outs(%init : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  return %y : tensor<2x4x8xf32>
}

// HWCF filter: out (F) is axis 3, in (C) axis 2.
// IN-LABEL:    func.func @conv_hwcf
// IN:          sparq.annotate {{.*}} : tensor<3x3x16x32xf32> with #sparq.quant<i4, per_group(axis = 2, size = 8)> {layer = "conv_2d_nhwc_hwcf_3"}
// OUT-LABEL:   func.func @conv_hwcf
// OUT:         sparq.annotate {{.*}} with #sparq.quant<i8, per_channel(axis = 3)>
// BLOCK-LABEL: func.func @conv_hwcf
// BLOCK:       sparq.annotate {{.*}} with #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 2>, quant = #sparq.quant<i8, per_block(shape = [1, 1, 8, 4])>>
// CHAN-LABEL:  func.func @conv_hwcf
// CHAN:        sparq.annotate {{.*}} with #sparq.sparsity<channel, axis = 3, ratio = 0.5>
// LOWRANK-LABEL: func.func @conv_hwcf
// LOWRANK:     sparq.annotate {{.*}} : tensor<3x3x16x32xf32> with #sparq.low_rank<rank = 4, axis = 3>
func.func @conv_hwcf(%x: tensor<1x10x10x16xf32>) -> tensor<1x8x8x32xf32> {
  %w = arith.constant dense<1.0> : tensor<3x3x16x32xf32>
  %init = tensor.empty() : tensor<1x8x8x32xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x10x10x16xf32>, tensor<3x3x16x32xf32>)
         outs(%init : tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32>
  return %y : tensor<1x8x8x32xf32>
}

// FCHW filter: out (F) is axis 0, in (C) axis 1.
// IN-LABEL:    func.func @conv_fchw
// IN:          sparq.annotate {{.*}} : tensor<32x16x3x3xf32> with #sparq.quant<i4, per_group(axis = 1, size = 8)> {layer = "conv_2d_nchw_fchw_4"}
// OUT-LABEL:   func.func @conv_fchw
// OUT:         sparq.annotate {{.*}} with #sparq.quant<i8, per_channel(axis = 0)>
// BLOCK-LABEL: func.func @conv_fchw
// BLOCK:       sparq.annotate {{.*}} with #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>, quant = #sparq.quant<i8, per_block(shape = [4, 8, 1, 1])>>
// LOWRANK-LABEL: func.func @conv_fchw
// LOWRANK:     sparq.annotate {{.*}} : tensor<32x16x3x3xf32> with #sparq.low_rank<rank = 4> {layer
func.func @conv_fchw(%x: tensor<1x16x10x10xf32>) -> tensor<1x32x8x8xf32> {
  %w = arith.constant dense<1.0> : tensor<32x16x3x3xf32>
  %init = tensor.empty() : tensor<1x32x8x8xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x16x10x10xf32>, tensor<32x16x3x3xf32>)
         outs(%init : tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
  return %y : tensor<1x32x8x8xf32>
}

// tosa.conv2d: [O, KH, KW, I].
// IN-LABEL:    func.func @tosa_conv2d
// IN:          %[[W:.*]] = "tosa.const"
// IN:          %[[A:.*]] = sparq.annotate %[[W]] : tensor<32x3x3x16xf32> with #sparq.quant<i4, per_group(axis = 3, size = 8)> {layer = "conv2d_5"}
// IN:          tosa.conv2d %{{.*}}, %[[A]],
// OUT-LABEL:   func.func @tosa_conv2d
// OUT:         sparq.annotate {{.*}} with #sparq.quant<i8, per_channel(axis = 0)>
// BLOCK-LABEL: func.func @tosa_conv2d
// BLOCK:       sparq.annotate {{.*}} with #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 3>, quant = #sparq.quant<i8, per_block(shape = [4, 1, 1, 8])>>
func.func @tosa_conv2d(%x: tensor<1x8x8x16xf32>) -> tensor<1x8x8x32xf32> {
  %w = "tosa.const"() {values = dense<1.0> : tensor<32x3x3x16xf32>} : () -> tensor<32x3x3x16xf32>
  %b = "tosa.const"() {values = dense<0.0> : tensor<32xf32>} : () -> tensor<32xf32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %y = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>}
         : (tensor<1x8x8x16xf32>, tensor<32x3x3x16xf32>, tensor<32xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x32xf32>
  return %y : tensor<1x8x8x32xf32>
}

// tosa.matmul: b is [N, C, W], in (C) axis 1, out (W) axis 2.
// IN-LABEL:    func.func @tosa_matmul
// IN:          sparq.annotate {{.*}} : tensor<2x16x8xf32> with #sparq.quant<i4, per_group(axis = 1, size = 8)> {layer = "matmul_6"}
// OUT-LABEL:   func.func @tosa_matmul
// OUT:         sparq.annotate {{.*}} with #sparq.quant<i8, per_channel(axis = 2)>
// CHAN-LABEL:  func.func @tosa_matmul
// CHAN:        sparq.annotate {{.*}} with #sparq.sparsity<channel, axis = 2, ratio = 0.5>
func.func @tosa_matmul(%a: tensor<2x4x16xf32>) -> tensor<2x4x8xf32> {
  %w = "tosa.const"() {values = dense<1.0> : tensor<2x16x8xf32>} : () -> tensor<2x16x8xf32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %y = tosa.matmul %a, %w, %zp, %zp : (tensor<2x4x16xf32>, tensor<2x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x4x8xf32>
  return %y : tensor<2x4x8xf32>
}

//--- select.mlir

// fc1: 2048 weights, fc2: 512, conv1: 4608; head is already annotated and
// the last matmul's weight is an argument: both are always left alone.
// ALL-LABEL:  func.func @model
// ALL-SAME:   %{{.*}}: tensor<4x64xf32>, %{{.*}}: tensor<1x10x10x16xf32>, %[[ARG:.*]]: tensor<64x32xf32>
// ALL:        sparq.annotate {{.*}} {layer = "fc1"}
// ALL:        sparq.annotate {{.*}} {layer = "fc2"}
// ALL:        sparq.annotate {{.*}} {layer = "conv1"}
// ALL:        %[[HEAD:.*]] = sparq.annotate %{{.*}} : tensor<64x32xf32> with #sparq.quant<i8> {layer = "head"}
// ALL:        linalg.matmul ins(%{{.*}}, %[[HEAD]] :
// ALL-NOT:    sparq.annotate
// ALL:        linalg.matmul ins(%{{.*}}, %[[ARG]] :

// OPS-LABEL:  func.func @model
// OPS-NOT:    {layer = "fc
// OPS:        sparq.annotate {{.*}} {layer = "conv1"}
// OPS-NOT:    {layer = "fc

// MIN-LABEL:  func.func @model
// MIN:        {layer = "fc1"}
// MIN-NOT:    {layer = "fc2"}
// MIN:        {layer = "conv1"}

// Patterns match whole names: c.* selects conv1, not fc1 or fc2.
// INC-LABEL:  func.func @model
// INC-NOT:    {layer = "fc
// INC:        {layer = "conv1"}
// INC-NOT:    {layer = "fc

// EXC-LABEL:  func.func @model
// EXC-NOT:    {layer = "fc1"}
// EXC:        {layer = "fc2"}
// EXC-NOT:    {layer = "conv1"}

// BOTH-LABEL: func.func @model
// BOTH:       {layer = "fc1"}
// BOTH-NOT:   {layer = "fc2"}
// BOTH-NOT:   {layer = "conv1"}
// BOTH:       {layer = "head"}
func.func @model(%x: tensor<4x64xf32>, %img: tensor<1x10x10x16xf32>, %wa: tensor<64x32xf32>)
    -> (tensor<4x32xf32>, tensor<4x16xf32>, tensor<1x8x8x32xf32>, tensor<4x32xf32>, tensor<4x32xf32>) {
  %w1 = arith.constant dense<1.0> : tensor<64x32xf32>
  %w2 = arith.constant dense<1.0> : tensor<32x16xf32>
  %wc = arith.constant dense<1.0> : tensor<3x3x16x32xf32>
  %w4 = arith.constant dense<1.0> : tensor<64x32xf32>
  %i1 = tensor.empty() : tensor<4x32xf32>
  %i2 = tensor.empty() : tensor<4x16xf32>
  %ic = tensor.empty() : tensor<1x8x8x32xf32>
  %h = linalg.matmul ins(%x, %w1 : tensor<4x64xf32>, tensor<64x32xf32>)
                     outs(%i1 : tensor<4x32xf32>) -> tensor<4x32xf32> loc("fc1")
  %y = linalg.matmul ins(%h, %w2 : tensor<4x32xf32>, tensor<32x16xf32>)
                     outs(%i2 : tensor<4x16xf32>) -> tensor<4x16xf32> loc("fc2")
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%img, %wc : tensor<1x10x10x16xf32>, tensor<3x3x16x32xf32>)
         outs(%ic : tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32> loc("conv1")
  %a = sparq.annotate %w4 : tensor<64x32xf32> with #sparq.quant<i8> {layer = "head"}
  %z = linalg.matmul ins(%x, %a : tensor<4x64xf32>, tensor<64x32xf32>)
                     outs(%i1 : tensor<4x32xf32>) -> tensor<4x32xf32>
  %r = linalg.matmul ins(%x, %wa : tensor<4x64xf32>, tensor<64x32xf32>)
                     outs(%i1 : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %h, %y, %c, %z, %r : tensor<4x32xf32>, tensor<4x16xf32>, tensor<1x8x8x32xf32>, tensor<4x32xf32>, tensor<4x32xf32>
}
