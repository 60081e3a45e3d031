// RUN: sparq-opt %s --convert-quant-to-sparq=round-scales | FileCheck %s
// RUN: sparq-opt %s --convert-quant-to-sparq=strict --verify-diagnostics -o /dev/null

// round-scales rounds 0.1 to the nearest f32, as lower-quant-ops does.
// CHECK-LABEL: func.func @inexact_scale
// CHECK: arith.constant dense<1.000000e-01> : tensor<1xf32>
// CHECK: sparq.assemble {{.*}} -> !sparq.compressed<2xf32, #sparq.quant<i8>>
func.func @inexact_scale() -> tensor<2xf32> {
  %c = arith.constant dense<[1, 2]> : tensor<2xi8>
  %q = quant.scast %c : tensor<2xi8> to tensor<2x!quant.uniform<i8:f32, 0.1>>
  // expected-error @below {{cannot import this weight into Sparq: scale 1.000000e-01 is not exactly representable in f32}}
  %x = quant.dcast %q : tensor<2x!quant.uniform<i8:f32, 0.1>> to tensor<2xf32>
  return %x : tensor<2xf32>
}
