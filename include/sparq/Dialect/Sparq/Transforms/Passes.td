//===- Passes.td - Sparq transformation passes -------------*- tablegen -*-===//

#ifndef SPARQ_DIALECT_SPARQ_TRANSFORMS_PASSES_TD
#define SPARQ_DIALECT_SPARQ_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def SparqAnnotate : Pass<"sparq-annotate", "ModuleOp"> {
  let summary = "Attach a compression spec to the weights of selected layers";
  let description = [{
    Wraps the weight operand of every selected layer (linalg matmul, batch
    matmul and convolutions; tosa matmul and convolutions) in a
    `sparq.annotate` op carrying `spec` and the layer's name.

    `spec` is any Sparq spec written for the **canonical weight layout
    `[out, in]`**: axis 0 means the output channels / features and axis 1 the
    input channels / features that are reduced over. The pass maps those axes
    onto each weight's real layout (`linalg.matmul`'s `[K, N]`, an HWCF or
    FCHW filter, ...), so one spec fits every layer; a `per_block` or
    sparsity block shape `[bo, bi]` gets block size 1 on the other axes, and
    a `#sparq.low_rank` gets the layer's output axis as its `axis` (its rank
    is then checked against `[out, everything else]`).

    Layers are selected by op name (`ops`), by weight size (`min-elements`)
    and by layer name (`include`, `exclude`: regular expressions matched
    against the whole name). A layer whose weight is not a constant, or is
    already annotated, is left alone. A selected layer whose shape the spec
    cannot fit (a group size that does not divide its input channels, ...)
    is an error, or a warning and skipped with `skip-incompatible`.

    Before:
    ```mlir
    %w = arith.constant dense<...> : tensor<256x128xf32>
    %y = linalg.matmul ins(%x, %w : tensor<1x256xf32>, tensor<256x128xf32>) ...
    ```
    After `--sparq-annotate="spec='#sparq.quant<i4, per_group(axis = 1, size = 64)>'"` (quote the
    spec inside the options: it contains commas):
    ```mlir
    %w = arith.constant dense<...> : tensor<256x128xf32>
    %a = sparq.annotate %w : tensor<256x128xf32>
           with #sparq.quant<i4, per_group(axis = 0, size = 64)> {layer = "matmul_0"}
    %y = linalg.matmul ins(%x, %a : tensor<1x256xf32>, tensor<256x128xf32>) ...
    ```
  }];
  let options = [
    Option<"spec", "spec", "std::string", /*default=*/"",
           "The spec to attach, as MLIR attribute text, in [out, in] layout">,
    ListOption<"ops", "ops", "std::string",
               "Op names to annotate (e.g. linalg.matmul); all layers if empty">,
    Option<"minElements", "min-elements", "int64_t", /*default=*/"0",
           "Skip weights with fewer elements">,
    Option<"include", "include", "std::string", /*default=*/"",
           "Annotate only layers whose name matches this regex">,
    Option<"exclude", "exclude", "std::string", /*default=*/"",
           "Skip layers whose name matches this regex">,
    Option<"skipIncompatible", "skip-incompatible", "bool", /*default=*/"false",
           "Warn about and skip layers the spec cannot fit instead of failing">
  ];
  let statistics = [
    Statistic<"numAnnotated", "annotated", "Number of weights annotated">,
    Statistic<"numSkipped", "skipped", "Number of selected weights skipped">
  ];
  let dependentDialects = ["::mlir::sparq::SparqDialect"];
}

def SparqQuantize : Pass<"sparq-quantize", "ModuleOp"> {
  let summary = "Quantize annotated constant weights into packed compressed weights";
  let description = [{
    For every layer whose constant weight carries a `sparq.annotate` with a
    `#sparq.quant` spec (alone; sparsity and low rank are applied by their own
    passes), computes scales (and zero points) as the spec says, quantizes
    with the spec's rounding, packs the codes and replaces the weight by a
    `sparq.assemble` of real constants: packed `i8` data, scales, zero points
    and the global scale. Constants of 1 KiB or more become `dense_resource`
    blobs.

    A `linalg.matmul` with a `[K, N]` weight becomes a `sparq.matmul` on the
    weight transposed to `[N, K]` (so groups run along the reduction axis and
    rows are contiguous), plus a `linalg.add` when its accumulator is not a
    zero fill. Other layers (convolutions, batch matmuls, tosa ops) keep their
    op and read the weight through `sparq.dequantize`.

    The weight error of each layer is recorded on its `sparq.assemble` as
    `sparq.sqnr_db` (signal-to-quantization-noise ratio in dB) and
    `sparq.max_abs_error`, which `sparq-report` prints. Non-finite weights
    are an error.

    Before:
    ```mlir
    %w = arith.constant dense_resource<fc1> : tensor<4096x4096xf32>
    %a = sparq.annotate %w : tensor<4096x4096xf32>
           with #sparq.quant<i4, per_group(axis = 0, size = 128)> {layer = "fc1"}
    %y = linalg.matmul ins(%x, %a : tensor<1x4096xf32>, tensor<4096x4096xf32>)
                       outs(%zero : tensor<1x4096xf32>) -> tensor<1x4096xf32>
    ```
    After:
    ```mlir
    %d = arith.constant dense_resource<fc1.data> : tensor<4096x2048xi8>
    %s = arith.constant dense_resource<fc1.scales> : tensor<4096x32xf32>
    %w = sparq.assemble %d : tensor<4096x2048xi8> scales %s : tensor<4096x32xf32>
           -> !sparq.compressed<4096x4096xf32, #sparq.quant<i4, per_group(axis = 1, size = 128)>>
    %y = sparq.matmul %x, %w : tensor<1x4096xf32>, !sparq.compressed<...> -> tensor<1x4096xf32>
    ```
  }];
  let statistics = [
    Statistic<"numQuantized", "quantized", "Number of weights quantized">,
    Statistic<"bytesBefore", "bytes-before", "Weight bytes before">,
    Statistic<"bytesAfter", "bytes-after", "Weight bytes after">
  ];
  let dependentDialects = ["::mlir::sparq::SparqDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def SparqReport : Pass<"sparq-report", "ModuleOp"> {
  let summary = "Print per-layer parameters, bytes, bits, sparsity and formats";
  let description = [{
    Lists every layer (see `sparq-annotate`) with:
    * `params`: the number of weights of the layer (its dense shape);
    * `bytes`: the real storage bytes of the weight as the IR stands: the
      dense constant, or every storage tensor of a compressed weight (packed
      values, scales, zero points, sparsity metadata);
    * `bits`: bits per weight, `8 * bytes / params`;
    * `sparsity`: the fraction of zero weights (counted in a dense constant,
      implied by the storage of a compressed one);
    * `sqnr(dB)` / `sqnr_db` and `max_abs_error`: the weight's error against
      the original, as measured by the pass that compressed it (JSON `null`
      when not measured or when the reconstruction is exact);
    * `format`: the element type of a dense weight or the spec of a
      compressed one; `target`: the spec of the weight's annotation.

    The table goes to stderr (unless `table=false`); with `json=<path>`
    the same data is written as JSON, atomically:
    ```json
    {"layers": [ {"name": "fc1", "op": "linalg.matmul", "shape": [64, 32],
                  "params": 2048, "bytes": 8192, "bits_per_weight": 32.0,
                  "sparsity": 0.0, "format": "f32", "target": "..."} ],
     "total": {"params": 2048, "bytes": 8192, "bits_per_weight": 32.0}}
    ```
    The IR is not changed.
  }];
  let options = [
    Option<"json", "json", "std::string", /*default=*/"",
           "Write the report as JSON to this path">,
    Option<"table", "table", "bool", /*default=*/"true",
           "Print the report as a table to stderr">
  ];
}

#endif // SPARQ_DIALECT_SPARQ_TRANSFORMS_PASSES_TD
