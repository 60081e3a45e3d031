// RUN: sparq-opt %s --convert-sparq-to-linalg --verify-diagnostics

// The reference decode reads the layout of the `!sparq.compressed` type; a
// weight passed in the CPU runtime's packed layout is refused, not misread.
!w = !sparq.compressed<4x64xf32, #sparq.quant<i8, per_channel(axis = 0)>>
func.func @packed(%x: tensor<2x64xf32>, %d: tensor<4x64xi8> {sparq.packed},
                  %s: tensor<4x1xf32>) -> tensor<2x4xf32> {
  %w = sparq.assemble %d : tensor<4x64xi8> scales %s : tensor<4x1xf32> -> !w
  // expected-error @+1 {{convert-sparq-to-linalg cannot decode a 'sparq.packed' weight (the CPU runtime's layout); lower it with convert-sparq-to-runtime}}
  %y = sparq.matmul %x, %w : tensor<2x64xf32>, !w -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
