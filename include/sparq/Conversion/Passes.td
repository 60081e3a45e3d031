//===- Passes.td - Sparq conversion passes -----------------*- tablegen -*-===//

#ifndef SPARQ_CONVERSION_PASSES_TD
#define SPARQ_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertSparqToLinalg : Pass<"convert-sparq-to-linalg", "ModuleOp"> {
  let summary = "Lower compressed weights to plain linalg/tensor/arith (the "
                "reference decode path)";
  let description = [{
    Rewrites `sparq.dequantize` into a `linalg.generic` that decodes every
    element from the packed storage of its `sparq.assemble` (unpacking the
    little-endian bit stream, sign-extending signed codes, looking float
    codes up in a table of the format's values) and computes
    `x' = float(q - z) * (s * g)` in f32, exactly as `#sparq.quant` states;
    and `sparq.matmul` into that decode followed by a `linalg.generic`
    contraction. The result runs on any backend but materializes the dense
    weight: it is the correctness reference, not the fast path.

    Sparse formats decode into a dense tensor too: N:M as one
    `linalg.generic` that selects, for each dense position, the stored slot
    of its group whose index matches it (or zero); CSR and BSR as `scf.for`
    loops over rows (block rows) and their stored values (blocks) that
    insert each dequantized value into a zero-filled tensor. Quantized
    sparse values take the scale of their dense position. Channel-sparse
    storage is not decoded yet (an error says so).

    A compressed value must be built by `sparq.assemble` in the same
    function.

    ```mlir
    %w = sparq.assemble %d : tensor<4x4xi8> scales %s : tensor<4x1xf32>
           -> !sparq.compressed<4x8xf32, #sparq.quant<i4, per_channel(axis = 0)>>
    %x = sparq.dequantize %w : ... -> tensor<4x8xf32>
    ```
    becomes
    ```mlir
    %x = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], ...}
           outs(%e : tensor<4x8xf32>) {
      // byte = %d[d0, d1 * 4 / 8], code = (byte >> (d1 * 4 % 8)) & 15,
      // sign-extended; x = sitofp(code) * %s[d0, 0]
    }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // SPARQ_CONVERSION_PASSES_TD
