// RUN: sparq-opt %s --convert-sparq-to-quant=strict --split-input-file --verify-diagnostics

func.func @fp4(%w: !sparq.compressed<1x2xf32, #sparq.quant<f4E2M1FN>>) -> tensor<1x2xf32> {
  // expected-error @below {{cannot express this weight with !quant.uniform: it is not built by sparq.assemble of constants in this function}}
  %x = sparq.dequantize %w : !sparq.compressed<1x2xf32, #sparq.quant<f4E2M1FN>> -> tensor<1x2xf32>
  return %x : tensor<1x2xf32>
}

// -----

func.func @fp4_assembled() -> tensor<1x2xf32> {
  %d = arith.constant dense<[[33]]> : tensor<1x1xi8>
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %w = sparq.assemble %d : tensor<1x1xi8> scales %s : tensor<1x1xf32>
         -> !sparq.compressed<1x2xf32, #sparq.quant<f4E2M1FN>>
  // expected-error @below {{cannot express this weight with !quant.uniform: !quant.uniform has integer storage only; f4E2M1FN storage is not expressible}}
  %x = sparq.dequantize %w : !sparq.compressed<1x2xf32, #sparq.quant<f4E2M1FN>> -> tensor<1x2xf32>
  return %x : tensor<1x2xf32>
}
