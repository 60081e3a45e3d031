//===- SparqOps.td - Sparq operations ----------------------*- tablegen -*-===//

#ifndef SPARQ_DIALECT_SPARQ_IR_SPARQOPS_TD
#define SPARQ_DIALECT_SPARQ_IR_SPARQOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "sparq/Dialect/Sparq/IR/SparqBase.td"
include "sparq/Dialect/Sparq/IR/SparqAttrs.td"
include "sparq/Dialect/Sparq/IR/SparqTypes.td"

//===----------------------------------------------------------------------===//
// AnnotateOp
//===----------------------------------------------------------------------===//

def Sparq_AnnotateOp : Sparq_Op<"annotate",
    [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "Attaches a compression spec to a weight (identity)";
  let description = [{
    Returns its input unchanged and records how it should be compressed.
    Compression passes (`sparq-quantize`, `sparq-prune`, ...) look for these
    annotations on the weights of the ops they rewrite; `sparq-annotate`
    places them. The verifier checks the spec against the tensor's shape
    (axes in range, group sizes and N:M dividing their axis, ...).

    `layer`, when present, names the layer in reports and recipes.

    ```mlir
    %w = arith.constant dense<...> : tensor<256x128xf32>
    %a = sparq.annotate %w : tensor<256x128xf32>
           with #sparq.quant<i4, per_group(axis = 0, size = 128)> {layer = "fc1"}
    %y = linalg.matmul ins(%x, %a : tensor<1x256xf32>, tensor<256x128xf32>)
                       outs(%init : tensor<1x128xf32>) -> tensor<1x128xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, Sparq_AnySpecAttr:$spec,
                       OptionalAttr<StrAttr>:$layer);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input `:` type($input) `with` $spec attr-dict";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// AssembleOp
//===----------------------------------------------------------------------===//

def Sparq_AssembleOp : Sparq_Op<"assemble",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "Builds a compressed weight from its storage tensors";
  let description = [{
    Groups the storage tensors of a compressed weight into one value. Which
    tensors are present and what their types must be is fixed by the result
    type (see `!sparq.compressed` for the exact layout and bit order); the
    verifier rejects anything else. The storage bytes of the weight are
    exactly the bytes of these tensors.

    ```mlir
    %w = sparq.assemble %packed : tensor<256x64xi8>
           scales %s : tensor<256x1xf16>
           -> !sparq.compressed<256x128xf32,
                #sparq.quant<i4, per_group(axis = 1, size = 128), scale = f16>>
    ```
  }];
  let arguments = (ins
    AnyRankedTensor:$data,
    Optional<AnyRankedTensor>:$scales,
    Optional<AnyRankedTensor>:$zero_points,
    Optional<AnyRankedTensor>:$global_scale,
    Optional<AnyRankedTensor>:$indices,
    Optional<AnyRankedTensor>:$offsets
  );
  let results = (outs Sparq_CompressedType:$result);
  let assemblyFormat = [{
    $data `:` type($data)
    (`scales` $scales^ `:` type($scales))?
    (`zero_points` $zero_points^ `:` type($zero_points))?
    (`global_scale` $global_scale^ `:` type($global_scale))?
    (`indices` $indices^ `:` type($indices))?
    (`offsets` $offsets^ `:` type($offsets))?
    attr-dict `->` qualified(type($result))
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Total bytes of all storage tensors.
    int64_t getStorageBytes();
  }];
}

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

def Sparq_QuantizeOp : Sparq_Op<"quantize", [Pure, AttrSizedOperandSegments]> {
  let summary = "Quantizes a float tensor with given scales";
  let description = [{
    Quantizes every element of `input` with the scale (and zero point) of
    its block, as the result's `#sparq.quant` spec says:

    `q = clamp(round(x / (s * g)) + z, qmin, qmax)`

    where `s` is the element's scale, `g` the global scale (1 if absent),
    `z` its zero point (0 if symmetric) and `round` the spec's rounding mode
    (round-half-to-even by default). Float storage converts `x / (s * g)` to
    the storage format with round-to-nearest-even and saturates to its
    largest finite value unless the spec says `no_saturate`. The result
    holds the packed values, `scales` and `zero_points` as `sparq.assemble`
    would. Only dense (not sparse) formats can be produced this way.

    ```mlir
    %q = sparq.quantize %x : tensor<4x64xf32> scales %s : tensor<4x2xf32>
           -> !sparq.compressed<4x64xf32, #sparq.quant<i8, per_group(axis = 1, size = 32)>>
    ```
  }];
  let arguments = (ins
    AnyRankedTensor:$input,
    AnyRankedTensor:$scales,
    Optional<AnyRankedTensor>:$zero_points,
    Optional<AnyRankedTensor>:$global_scale
  );
  let results = (outs Sparq_CompressedType:$result);
  let assemblyFormat = [{
    $input `:` type($input)
    `scales` $scales `:` type($scales)
    (`zero_points` $zero_points^ `:` type($zero_points))?
    (`global_scale` $global_scale^ `:` type($global_scale))?
    attr-dict `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// DequantizeOp
//===----------------------------------------------------------------------===//

def Sparq_DequantizeOp : Sparq_Op<"dequantize", [Pure]> {
  let summary = "Reconstructs the dense float tensor of a compressed weight";
  let description = [{
    Returns the dense tensor a compressed weight stands for: every stored
    value becomes `x' = (q - z) * s * g` (scale `s`, zero point `z`, global
    scale `g` of its block; float storage converts exactly) and every
    position that sparsity removed becomes 0. This is the reference decode
    path; `sparq.matmul` computes on the compressed form without it.

    ```mlir
    %d = sparq.dequantize %w : !sparq.compressed<256x128xf32,
           #sparq.quant<i8, per_channel(axis = 0)>> -> tensor<256x128xf32>
    ```
  }];
  let arguments = (ins Sparq_CompressedType:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

def Sparq_MatmulOp : Sparq_Op<"matmul", [Pure]> {
  let summary = "Multiplies activations by a compressed weight";
  let description = [{
    `result[..., n] = sum_k input[..., k] * W[n, k]` where `W` is the dense
    value of the compressed `weight` (shape `[N, K]`: output features by
    input features, the layout of a PyTorch `Linear` and of ONNX `Gemm` with
    `transB`). Leading dimensions of `input` are batch dimensions.

    Lowering computes on the compressed storage (dequantizing in registers
    and skipping pruned weights) and never materializes the dense `W`; the
    result equals `input x transpose(sparq.dequantize(weight))` up to the
    order of float additions.

    ```mlir
    %y = sparq.matmul %x, %w : tensor<1x4096xf32>,
           !sparq.compressed<11008x4096xf32, #sparq.quant<i4, per_group(axis = 1, size = 128)>>
           -> tensor<1x11008xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, Sparq_CompressedType:$weight);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` qualified(type($weight))
    `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // SPARQ_DIALECT_SPARQ_IR_SPARQOPS_TD
