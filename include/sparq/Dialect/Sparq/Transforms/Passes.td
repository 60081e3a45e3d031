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

def SparqPrune : Pass<"sparq-prune", "ModuleOp"> {
  let summary = "Zero the least important weights of annotated constant weights "
                "(magnitude, global, N:M, block; activation-aware)";
  let description = [{
    For every layer whose constant weight carries a `sparq.annotate` with a
    `#sparq.sparsity` (alone or in a `#sparq.spec`) of kind `unstructured`,
    `N:M` or `block`, writes a new constant with the pruned weights set to
    zero and points the annotation at it (the spec stays, so
    `sparq-sparsify` can store the result compactly). `channel` specs are
    left to `sparq-shrink-channels`; specs with `low_rank` are skipped.

    **Scores.** A weight's score is `|w|`. When the layer op carries the
    calibration statistic `sparq.act_norm = dense<...> : tensor<Kxf32>`
    (the L2 norm `||X_j||` of input channel `j` over the calibration
    samples, one entry per input channel `K` of the layer, i.e. per index
    of the weight's input axis; written by a calibration pass), the score
    is `|w| * ||X_j||` (Wanda). With `require-act-norm`, a layer without it
    is an error; with `use-act-norm=false` it is ignored.

    **Methods**, by spec kind (ties broken by the lower flat index):
    * `unstructured, ratio = r`: the `floor(r * numel)` lowest scores of the
      layer become zero. With `global=true`, all layers with unstructured
      specs share one threshold: the `sum_l floor(r_l * numel_l)` lowest
      scores over all of them become zero, so every pruned score is `<=`
      every kept score across layers.
    * `N:M, axis = a`: in every group of `M` consecutive weights along `a`
      (the reduction axis for specs written with `sparq-annotate`), the
      `N` highest scores are kept.
    * `block [b0, ...], ratio = r`: blocks are scored by the L2 norm of their
      scores; the `floor(r * numBlocks)` lowest blocks become zero, the others
      are kept whole.

    The achieved fraction of zeros (pre-existing zeros included) is written
    on the annotation as `sparq.achieved_sparsity` (and, for global pruning,
    the largest pruned score as `sparq.prune_threshold`).

    Before:
    ```mlir
    %w = arith.constant dense<[[1.0, -3.0, 0.5, 2.0]]> : tensor<1x4xf32>
    %a = sparq.annotate %w : tensor<1x4xf32> with #sparq.sparsity<2:4, axis = 1>
    ```
    After:
    ```mlir
    %w = arith.constant dense<[[0.0, -3.0, 0.0, 2.0]]> : tensor<1x4xf32>
    %a = sparq.annotate %w : tensor<1x4xf32> with #sparq.sparsity<2:4, axis = 1>
           {sparq.achieved_sparsity = 5.000000e-01 : f64}
    ```
  }];
  let options = [
    Option<"global", "global", "bool", /*default=*/"false",
           "One magnitude threshold across all layers with unstructured specs">,
    Option<"useActNorm", "use-act-norm", "bool", /*default=*/"true",
           "Weight scores by the sparq.act_norm calibration statistic when present">,
    Option<"requireActNorm", "require-act-norm", "bool", /*default=*/"false",
           "Fail on layers without the sparq.act_norm calibration statistic">
  ];
  let statistics = [
    Statistic<"numPruned", "pruned", "Number of weights pruned">,
    Statistic<"numZeroed", "zeroed", "Number of weight elements set to zero">
  ];
  let dependentDialects = ["::mlir::sparq::SparqDialect",
                           "::mlir::arith::ArithDialect"];
}

def SparqSparsify : Pass<"sparq-sparsify", "ModuleOp"> {
  let summary = "Store pruned annotated weights in compressed sparse formats "
                "(N:M, CSR, BSR), quantized when the spec says so";
  let description = [{
    For every layer whose constant weight carries a `sparq.annotate` with a
    `#sparq.sparsity` of kind `N:M`, `unstructured` or `block` (alone or with
    a `#sparq.quant` in a `#sparq.spec`), replaces the weight by a
    `sparq.assemble` of constants laid out exactly as `!sparq.compressed`
    states: N:M kept values plus their packed in-group positions; CSR values,
    narrow (`i16`) column indices and row offsets; BSR blocks, block columns
    and block-row offsets. Only the kept values are stored. Run
    `sparq-prune` first: a weight whose zeros do not follow an N:M spec is an
    error (unstructured and block storage store whatever is nonzero).

    With quantization, scales are chosen over the dense (pruned) tensor, so
    scale groups cover dense positions, and only the codes of the stored
    values are kept. The quantization error against the pruned weight is
    recorded as `sparq.sqnr_db` / `sparq.max_abs_error`.

    As in `sparq-quantize`, a plain `linalg.matmul` becomes `sparq.matmul`
    on the weight transposed to `[N, K]` (axes of the spec swapped); other
    layers read the weight through `sparq.dequantize`. `channel` specs are
    left to `sparq-shrink-channels`.

    Before (after `sparq-prune`):
    ```mlir
    %a = sparq.annotate %w : tensor<64x32xf32> with #sparq.sparsity<2:4, axis = 0>
    %y = linalg.matmul ins(%x, %a : tensor<1x64xf32>, tensor<64x32xf32>) ...
    ```
    After:
    ```mlir
    %c = sparq.assemble %v : tensor<32x32xf32> indices %i : tensor<32x8xi8>
           -> !sparq.compressed<32x64xf32, #sparq.sparsity<2:4, axis = 1>>
    %y = sparq.matmul %x, %c : tensor<1x64xf32>, !sparq.compressed<...> -> tensor<1x32xf32>
    ```
  }];
  let statistics = [
    Statistic<"numSparsified", "sparsified", "Number of weights stored sparse">,
    Statistic<"bytesBefore", "bytes-before", "Weight bytes before">,
    Statistic<"bytesAfter", "bytes-after", "Weight bytes after (values and metadata)">
  ];
  let dependentDialects = ["::mlir::sparq::SparqDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def SparqShrinkChannels : Pass<"sparq-shrink-channels", "ModuleOp"> {
  let summary = "Remove the weakest output channels of annotated layers and "
                "the matching input channels of their consumers";
  let description = [{
    Structured pruning. For every layer whose constant weight is annotated
    with `#sparq.sparsity<channel, axis = A, ratio = r>` where `A` is the
    weight's output axis (axis 0 in the canonical `[out, in]` layout of
    `sparq-annotate`), output channels are scored by the L2 norm of their
    weight slice and the `floor(r * C)` weakest are removed: the weight (and
    the layer's result) gets smaller, and so does every value the channel
    flows through until it is consumed by a reduction over it:
    * any linalg op on tensors with one result for which the channel is a
      parallel loop read plainly (at most once per operand, no
      `linalg.index` in the payload): bias adds, activations, named
      elementwise ops (`linalg.add`, `linalg.max`, ...), pooling
      (`linalg.pooling_nchw_max` / `_sum`, ...), `linalg.transpose`. Other
      operands indexed by the channel are sliced when they are float
      constants, also behind static `tensor.expand_shape` /
      `tensor.collapse_shape` (the importer's bias `[C]` expanded to
      `[C, 1, 1]` and broadcast by constant-0 map results); `tensor.empty`
      (or filled) outputs are rebuilt; a computed operand must carry the
      same channels of the same layer (`x + relu(x)`), else it keeps them;
    * `tensor.pad` that does not pad the channel dimension;
    * `tensor.collapse_shape`: a flatten `[N, C, H, W] -> [N, C*H*W]` turns
      channel `c` into the block of features `c*H*W .. (c+1)*H*W - 1`,
      which the consumer loses whole; `tensor.expand_shape` when the kept
      indices are the kept entries of one result dimension;
    * `tensor.concat`: along the channels the layer's channels are a range
      of the result's and the other operands keep all of theirs; along
      another dimension every operand must carry the same channels;
    * consumers: a layer (matmul in any layout, including ONNX Gemm's
      transposed-B `[N, K]`, batch matmul, convolution in NHWC/HWCF or
      NCHW/FCHW) whose reduction loop is the channel: its constant weight
      loses the matching slices along its input axis (`K`, or `C`: axis 1 of
      an FCHW filter).

    Before (`ratio = 0.5` on a 4-channel layer):
    ```mlir
    %a = sparq.annotate %w1 : tensor<8x4xf32> with #sparq.sparsity<channel, axis = 1, ratio = 0.5>
    %h = linalg.matmul ins(%x, %a : tensor<1x8xf32>, tensor<8x4xf32>) ...
    %r = linalg.generic {...} ins(%h, %bias : tensor<1x4xf32>, tensor<4xf32>) ... // + bias, relu
    %y = linalg.matmul ins(%r, %w2 : tensor<1x4xf32>, tensor<4x3xf32>) ...
    ```
    After:
    ```mlir
    %h = linalg.matmul ins(%x, %w1s : tensor<1x8xf32>, tensor<8x2xf32>) ...
    %r = linalg.generic {...} ins(%h, %bias_s : tensor<1x2xf32>, tensor<2xf32>) ...
    %y = linalg.matmul ins(%r, %w2s : tensor<1x2xf32>, tensor<2x3xf32>) ...
    ```
  }];
  let statistics = [
    Statistic<"numShrunk", "shrunk", "Number of layers shrunk">,
    Statistic<"numRemoved", "removed-channels", "Number of channels removed">
  ];
  let dependentDialects = ["::mlir::sparq::SparqDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def SparqConvToMatmul : Pass<"sparq-conv-to-matmul", "ModuleOp"> {
  let summary = "Rewrite 2-D convolutions as im2col plus a matmul the runtime "
                "ukernels handle";
  let description = [{
    Rewrites `linalg.conv_2d_nchw_fchw` and `linalg.conv_2d_nhwc_hwcf` with
    static shapes (any strides and dilations) into
    * an im2col `linalg.generic` that copies every input window into
      `col[N, OH, OW, C, KH, KW]` (NCHW; `[N, OH, OW, KH, KW, C]` for NHWC),
      collapsed to `[P = N*OH*OW, K]`;
    * a matmul of `col` with the filter flattened to `[F, K]` (FCHW, a
      `linalg.matmul` with transposed-B maps) or `[K, F]` (HWCF, a plain
      `linalg.matmul`), which `convert-sparq-to-runtime` lowers to its dense
      ukernel;
    * the `[P, F]` result expanded to `[N, OH, OW, F]` and, for NCHW,
      transposed to `[N, F, OH, OW]`; the conv's init is added unless it is
      a fill with zero.

    When the FCHW filter is `sparq.dequantize` of a compressed weight built
    by `sparq.assemble`, the matmul is a `sparq.matmul` on the same storage
    seen as a `[F, C*KH*KW]` weight, which needs no repacking only when
    the weight is integer-quantized `per_tensor` or `per_channel(axis = 0)`,
    not sparse or low-rank, and `KW * bits` is a multiple of 8 (the packed
    rows along `KW` then concatenate into the packed rows along `K`).
    Otherwise the conv is left alone (with a remark under `remarks`), as is
    a dequantized HWCF filter (its rows are not output channels).

    Before:
    ```mlir
    %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>,
           strides = dense<1> : tensor<2xi64>}
           ins(%x, %w : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>)
           outs(%zero : tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
    ```
    After:
    ```mlir
    %c6 = linalg.generic ... ins(%x : tensor<1x3x8x8xf32>)
            outs(%e : tensor<1x6x6x3x3x3xf32>)       // im2col
    %col = tensor.collapse_shape %c6 [[0, 1, 2], [3, 4, 5]] : ... into tensor<36x27xf32>
    %w2 = tensor.collapse_shape %w [[0], [1, 2, 3]] : ... into tensor<4x27xf32>
    %mm = linalg.matmul indexing_maps = [(m, n, k) -> (m, k), (m, n, k) -> (n, k),
            (m, n, k) -> (m, n)] ins(%col, %w2 : ...) outs(%z : tensor<36x4xf32>)
    %e4 = tensor.expand_shape %mm [[0, 1, 2], [3]] ... into tensor<1x6x6x4xf32>
    %y = linalg.generic ... ins(%e4) outs(%zero : tensor<1x4x6x6xf32>) // transpose
    ```
  }];
  let options = [
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Remark on every convolution left alone and why">
  ];
  let statistics = [
    Statistic<"numDense", "dense", "Convolutions rewritten with a dense matmul">,
    Statistic<"numCompressed", "compressed",
              "Convolutions rewritten with a sparq.matmul">
  ];
  let dependentDialects = ["::mlir::sparq::SparqDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // SPARQ_DIALECT_SPARQ_TRANSFORMS_PASSES_TD
