// RUN: sparq-opt %s | sparq-opt | FileCheck %s

// Every spec attribute form reads back as it prints, with defaults elided.
// Attributes hang off functions (dictionary keys print sorted) and, for the
// shape-checked forms, off sparq.annotate.

// CHECK-LABEL: func.func private @storage_types()
// CHECK-SAME: a2 = #sparq.quant<i2>,
// CHECK-SAME: a3 = #sparq.quant<i3>,
// CHECK-SAME: a4 = #sparq.quant<i4>,
// CHECK-SAME: a5 = #sparq.quant<i5>,
// CHECK-SAME: a6 = #sparq.quant<i6>,
// CHECK-SAME: a7 = #sparq.quant<i7>,
// CHECK-SAME: a8 = #sparq.quant<i8>,
// CHECK-SAME: b2 = #sparq.quant<ui2>,
// CHECK-SAME: b3 = #sparq.quant<ui3>,
// CHECK-SAME: b4 = #sparq.quant<ui4>,
// CHECK-SAME: b5 = #sparq.quant<ui5>,
// CHECK-SAME: b6 = #sparq.quant<ui6>,
// CHECK-SAME: b7 = #sparq.quant<ui7>,
// CHECK-SAME: b8 = #sparq.quant<ui8>,
// CHECK-SAME: c4 = #sparq.quant<si4>,
// CHECK-SAME: d1 = #sparq.quant<f8E4M3FN>,
// CHECK-SAME: d2 = #sparq.quant<f8E5M2>,
// CHECK-SAME: d3 = #sparq.quant<f4E2M1FN>}
func.func private @storage_types() attributes {
  a2 = #sparq.quant<i2>, a3 = #sparq.quant<i3>, a4 = #sparq.quant<i4>,
  a5 = #sparq.quant<i5>, a6 = #sparq.quant<i6>, a7 = #sparq.quant<i7>,
  a8 = #sparq.quant<i8>,
  b2 = #sparq.quant<ui2>, b3 = #sparq.quant<ui3>, b4 = #sparq.quant<ui4>,
  b5 = #sparq.quant<ui5>, b6 = #sparq.quant<ui6>, b7 = #sparq.quant<ui7>,
  b8 = #sparq.quant<ui8>,
  c4 = #sparq.quant<si4>,
  d1 = #sparq.quant<f8E4M3FN>, d2 = #sparq.quant<f8E5M2>,
  d3 = #sparq.quant<f4E2M1FN>
}

// Defaults (per_tensor, symmetric, f32 scales, nearest_even, minmax,
// saturating) are elided; explicit non-defaults print in a fixed order.
// CHECK-LABEL: func.func private @quant_options()
// CHECK-SAME: a = #sparq.quant<i8>,
// CHECK-SAME: b = #sparq.quant<i8, per_channel(axis = 0)>,
// CHECK-SAME: c = #sparq.quant<i4, per_group(axis = 1, size = 128)>,
// CHECK-SAME: d = #sparq.quant<i4, per_block(shape = [16, 32])>,
// CHECK-SAME: e = #sparq.quant<ui4, per_group(axis = 1, size = 128), asymmetric, scale = f16>,
// CHECK-SAME: f = #sparq.quant<i8, per_channel(axis = 0), scale = bf16>,
// CHECK-SAME: g = #sparq.quant<f4E2M1FN, per_group(axis = 1, size = 32), scale = f8E8M0FNU>,
// CHECK-SAME: h = #sparq.quant<f4E2M1FN, per_group(axis = 1, size = 16), scale = f8E4M3FN, global_scale = f32>,
// CHECK-SAME: i = #sparq.quant<i8, rounding = nearest_away>,
// CHECK-SAME: j = #sparq.quant<i8, rounding = toward_zero>,
// CHECK-SAME: k = #sparq.quant<i8, per_channel(axis = 0), narrow_range>,
// CHECK-SAME: l = #sparq.quant<f8E4M3FN, no_saturate>,
// CHECK-SAME: m = #sparq.quant<i4, per_group(axis = 1, size = 32), search = mse>,
// CHECK-SAME: n = #sparq.quant<ui8, per_channel(axis = 1), asymmetric, scale = f16, rounding = toward_zero, search = mse>,
// CHECK-SAME: o = #sparq.quant<f8E5M2, per_channel(axis = 0), scale = bf16, rounding = nearest_away, no_saturate>}
func.func private @quant_options() attributes {
  a = #sparq.quant<i8, per_tensor, symmetric, scale = f32,
                   rounding = nearest_even, search = minmax>,
  b = #sparq.quant<i8, per_channel(axis = 0)>,
  c = #sparq.quant<i4, per_group(axis = 1, size = 128)>,
  d = #sparq.quant<i4, per_block(shape = [16, 32])>,
  e = #sparq.quant<ui4, per_group(axis = 1, size = 128), asymmetric, scale = f16>,
  f = #sparq.quant<i8, per_channel(axis = 0), scale = bf16>,
  g = #sparq.quant<f4E2M1FN, per_group(axis = 1, size = 32), scale = f8E8M0FNU>,
  h = #sparq.quant<f4E2M1FN, per_group(axis = 1, size = 16), scale = f8E4M3FN,
                   global_scale = f32>,
  i = #sparq.quant<i8, rounding = nearest_away>,
  j = #sparq.quant<i8, rounding = toward_zero>,
  k = #sparq.quant<i8, per_channel(axis = 0), narrow_range>,
  l = #sparq.quant<f8E4M3FN, no_saturate>,
  m = #sparq.quant<i4, per_group(axis = 1, size = 32), search = mse>,
  // Keys in any order print in the canonical one.
  n = #sparq.quant<ui8, search = mse, rounding = toward_zero, scale = f16,
                   asymmetric, per_channel(axis = 1)>,
  o = #sparq.quant<f8E5M2, no_saturate, rounding = nearest_away,
                   per_channel(axis = 0), scale = bf16>
}

// Fractions print as the shortest decimal that reads back exactly.
// CHECK-LABEL: func.func private @sparsity()
// CHECK-SAME: a = #sparq.sparsity<unstructured, ratio = 0.9>,
// CHECK-SAME: b = #sparq.sparsity<unstructured, ratio = 0.0>,
// CHECK-SAME: c = #sparq.sparsity<unstructured, ratio = 1.0e-05>,
// CHECK-SAME: d = #sparq.sparsity<2:4, axis = 1>,
// CHECK-SAME: e = #sparq.sparsity<1:4, axis = 1>,
// CHECK-SAME: f = #sparq.sparsity<4:8, axis = 0>,
// CHECK-SAME: g = #sparq.sparsity<block [1, 16], ratio = 0.5>,
// CHECK-SAME: h = #sparq.sparsity<block [4, 4], ratio = 0.75>,
// CHECK-SAME: i = #sparq.sparsity<channel, axis = 0, ratio = 0.3>}
func.func private @sparsity() attributes {
  a = #sparq.sparsity<unstructured, ratio = 0.9>,
  b = #sparq.sparsity<unstructured, ratio = 0.0>,
  c = #sparq.sparsity<unstructured, ratio = 1.0e-5>,
  d = #sparq.sparsity<2:4, axis = 1>,
  e = #sparq.sparsity<1:4, axis = 1>,
  f = #sparq.sparsity<4:8, axis = 0>,
  g = #sparq.sparsity<block [1, 16], ratio = 0.5>,
  h = #sparq.sparsity<block [4, 4], ratio = 7.5e-1>,
  i = #sparq.sparsity<channel, ratio = 0.3, axis = 0>
}

// CHECK-LABEL: func.func private @low_rank()
// CHECK-SAME: a = #sparq.low_rank<rank = 64>,
// CHECK-SAME: b = #sparq.low_rank<energy = 0.95>,
// CHECK-SAME: c = #sparq.low_rank<energy = 1.0>}
func.func private @low_rank() attributes {
  a = #sparq.low_rank<rank = 64>,
  b = #sparq.low_rank<energy = 0.95>,
  c = #sparq.low_rank<energy = 1.0>
}

// Parts print in application order (low_rank, sparsity, quant) whatever the
// order they were written in.
// CHECK-LABEL: func.func private @spec()
// CHECK-SAME: a = #sparq.spec<quant = #sparq.quant<i8, per_channel(axis = 0)>>,
// CHECK-SAME: b = #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>, quant = #sparq.quant<i8, per_channel(axis = 0)>>,
// CHECK-SAME: c = #sparq.spec<low_rank = #sparq.low_rank<rank = 8>, sparsity = #sparq.sparsity<unstructured, ratio = 0.5>, quant = #sparq.quant<i4, per_group(axis = 1, size = 32), scale = f16>>,
// CHECK-SAME: d = #sparq.spec<low_rank = #sparq.low_rank<energy = 0.9>>,
// CHECK-SAME: e = #sparq.spec<sparsity = #sparq.sparsity<block [1, 16], ratio = 0.5>, quant = #sparq.quant<i4, per_group(axis = 1, size = 32)>>}
func.func private @spec() attributes {
  a = #sparq.spec<quant = #sparq.quant<i8, per_channel(axis = 0)>>,
  b = #sparq.spec<quant = #sparq.quant<i8, per_channel(axis = 0)>,
                  sparsity = #sparq.sparsity<2:4, axis = 1>>,
  c = #sparq.spec<quant = #sparq.quant<i4, per_group(axis = 1, size = 32), scale = f16>,
                  low_rank = #sparq.low_rank<rank = 8>,
                  sparsity = #sparq.sparsity<unstructured, ratio = 0.5>>,
  d = #sparq.spec<low_rank = #sparq.low_rank<energy = 0.9>>,
  e = #sparq.spec<sparsity = #sparq.sparsity<block [1, 16], ratio = 0.5>,
                  quant = #sparq.quant<i4, per_group(axis = 1, size = 32)>>
}

// Specs checked against the shape they annotate.
// CHECK-LABEL: func.func @annotated(
// CHECK-SAME: %[[W:.*]]: tensor<64x128xf32>
// CHECK: %[[A:.*]] = sparq.annotate %[[W]] : tensor<64x128xf32> with #sparq.quant<i4, per_group(axis = 1, size = 32), scale = f16> {layer = "fc1"}
// CHECK: %[[B:.*]] = sparq.annotate %[[A]] : tensor<64x128xf32> with #sparq.sparsity<2:4, axis = 1>
// CHECK: %[[C:.*]] = sparq.annotate %[[B]] : tensor<64x128xf32> with #sparq.quant<i8, per_block(shape = [16, 32]), narrow_range>
// CHECK: %[[D:.*]] = sparq.annotate %[[C]] : tensor<64x128xf32> with #sparq.spec<low_rank = #sparq.low_rank<rank = 32>, quant = #sparq.quant<f8E4M3FN, per_channel(axis = 0)>>
// CHECK: return %[[D]]
func.func @annotated(%w: tensor<64x128xf32>) -> tensor<64x128xf32> {
  %0 = sparq.annotate %w : tensor<64x128xf32>
         with #sparq.quant<i4, per_group(axis = 1, size = 32), scale = f16> {layer = "fc1"}
  %1 = sparq.annotate %0 : tensor<64x128xf32> with #sparq.sparsity<2:4, axis = 1>
  %2 = sparq.annotate %1 : tensor<64x128xf32>
         with #sparq.quant<i8, per_block(shape = [16, 32]), narrow_range>
  %3 = sparq.annotate %2 : tensor<64x128xf32>
         with #sparq.spec<low_rank = #sparq.low_rank<rank = 32>,
                          quant = #sparq.quant<f8E4M3FN, per_channel(axis = 0)>>
  return %3 : tensor<64x128xf32>
}
