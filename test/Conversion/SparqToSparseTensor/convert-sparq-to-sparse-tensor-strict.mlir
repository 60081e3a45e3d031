// RUN: sparq-opt %s --convert-sparq-to-sparse-tensor=strict --verify-diagnostics -o /dev/null

!nm = !sparq.compressed<4x2xf32, #sparq.sparsity<2:4, axis = 0>>
func.func @nm_axis0(%v: tensor<2x2xf32>, %i: tensor<2x1xi8>) -> tensor<4x2xf32> {
  %w = sparq.assemble %v : tensor<2x2xf32> indices %i : tensor<2x1xi8> -> !nm
  // expected-error @below {{cannot express this weight with sparse_tensor: N:M along axis 0 is not expressible}}
  %x = sparq.dequantize %w : !nm -> tensor<4x2xf32>
  return %x : tensor<4x2xf32>
}
