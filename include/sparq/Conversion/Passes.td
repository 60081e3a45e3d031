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

def ConvertSparqToQuant : Pass<"convert-sparq-to-quant", "ModuleOp"> {
  let summary = "Express constant compressed weights with upstream "
                "`!quant.uniform` types where that is exact";
  let description = [{
    Rewrites `sparq.dequantize(sparq.assemble(constants...))` into unpacked
    integer constants, a `quant.scast` to a tensor of `!quant.uniform`
    element type and a `quant.dcast` back to float, when the weight's
    `#sparq.quant` spec has an upstream equivalent with the same numbers:

    | Sparq | `!quant.uniform` |
    |-------|------------------|
    | `iN` / `ui2`..`ui8` (N = 2..8) | `iN` / `uN` storage (unpacked, one element per value) |
    | `narrow_range` | storage bounds `iN<-qmax:qmax>` |
    | `per_tensor` | one scale and zero point |
    | `per_channel(axis = a)` | per-axis type, quantized dimension `a` |
    | `per_group(axis = a, size = g)`, `per_block(shape = B)` | sub-channel type, block sizes on every axis |
    | scales of any type (f32, f16, bf16, f8E4M3FN, f8E8M0FNU) | scales as values of the expressed type, which must hold them exactly |

    Both sides compute `x' = (q - z) * s`; a `quant.dcast` lowered by
    `lower-quant-ops` gives the same floats as Sparq's reference decode.
    Formats that `!quant.uniform` cannot express are left untouched with a
    remark saying why (an error with `strict`): float storage (fp8, fp4),
    two-level scales (`global_scale`), sparsity, scales not exactly
    representable in the expressed type, and storage tensors that are not
    constants (`!quant.uniform` holds its scales as attribute literals).
    Compressed weights without quantization are ignored.

    ```mlir
    %d = arith.constant dense<[[33, -2]]> : tensor<1x2xi8>
    %s = arith.constant dense<5.000000e-01> : tensor<1x1xf32>
    %w = sparq.assemble %d : tensor<1x2xi8> scales %s : tensor<1x1xf32>
           -> !sparq.compressed<1x4xf32, #sparq.quant<i4, per_channel(axis = 0)>>
    %x = sparq.dequantize %w : !sparq.compressed<...> -> tensor<1x4xf32>
    ```
    becomes
    ```mlir
    %q = arith.constant dense<[[1, 2, -2, -1]]> : tensor<1x4xi4>
    %t = quant.scast %q : tensor<1x4xi4> to tensor<1x4x!quant.uniform<i4:f32:0, {5.000000e-01}>>
    %x = quant.dcast %t : tensor<1x4x!quant.uniform<i4:f32:0, {5.000000e-01}>> to tensor<1x4xf32>
    ```
  }];
  let options = [
    Option<"strict", "strict", "bool", /*default=*/"false",
           "Fail with an error on a quantized weight that cannot be "
           "expressed, instead of a remark">
  ];
  let statistics = [
    Statistic<"numConverted", "converted", "Number of weights converted">,
    Statistic<"numKept", "kept", "Number of quantized weights left as Sparq">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::quant::QuantDialect"];
}

def ConvertQuantToSparq : Pass<"convert-quant-to-sparq", "ModuleOp"> {
  let summary = "Import constant `!quant.uniform` weights as packed Sparq "
                "compressed weights";
  let description = [{
    The inverse of `convert-sparq-to-quant`: rewrites
    `quant.dcast(quant.scast(arith.constant dense<ints>))` on tensors of any
    rank into a `sparq.assemble` of packed storage (the little-endian bit
    stream of `!sparq.compressed`), scales (f32) and zero points, followed by
    `sparq.dequantize`, with the matching `#sparq.quant` spec:

    * storage `iN` / `uN` with N = 2..8 becomes `iN` / `uiN`; storage bounds
      `<-qmax:qmax>` on signed storage become `narrow_range`, other bounds
      are not expressible;
    * a per-tensor type becomes `per_tensor`, a per-axis type `per_channel`,
      a sub-channel type `per_group` (one blocked axis, block size 1
      elsewhere), `per_channel` or `per_block`;
    * zero points that are all 0 give a symmetric spec, otherwise
      `asymmetric` with `zero_points` (they must lie in the storage range);
    * scales must be exactly representable in f32 (the precision Sparq
      computes in) unless `round-scales` is set, which rounds them to f32 as
      `lower-quant-ops` does for an f32 expressed type.

    Anything else is left untouched with a remark (an error with `strict`).
    A weight converted by `convert-sparq-to-quant` comes back with the same
    packed bytes and scales (f32 scales; narrower scale types come back as
    f32, holding the same values).
  }];
  let options = [
    Option<"strict", "strict", "bool", /*default=*/"false",
           "Fail with an error on a weight that cannot be imported, instead "
           "of a remark">,
    Option<"roundScales", "round-scales", "bool", /*default=*/"false",
           "Round scales that f32 cannot hold exactly to the nearest f32">
  ];
  let statistics = [
    Statistic<"numConverted", "converted", "Number of weights imported">,
    Statistic<"numKept", "kept", "Number of quant weights left as they are">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::sparq::SparqDialect"];
}

def ConvertSparqToSparseTensor
    : Pass<"convert-sparq-to-sparse-tensor", "ModuleOp"> {
  let summary = "Express constant sparse float weights with upstream "
                "`#sparse_tensor.encoding` tensors";
  let description = [{
    Rewrites `sparq.dequantize(sparq.assemble(constants...))` of a rank-2
    weight whose spec is sparsity only (float values, no quantization) into a
    `sparse_tensor.assemble` of the same arrays and a `sparse_tensor.convert`
    to the dense tensor:

    * `#sparq.sparsity<unstructured, ...>` (CSR): `offsets` become the
      positions (`posWidth = 32`), `indices` the coordinates (`crdWidth` 16
      or 32, as Sparq chose), `data` the values, in the encoding
      `(i, j) -> (i : dense, j : compressed)`. Nothing is copied or changed.
    * `#sparq.sparsity<N:M, axis = 1>`: the encoding
      `(i, j) -> (i : dense, j floordiv M : dense, j mod M : structured[N, M])`
      with `crdWidth = 8`. Sparq packs each position in `ceil(log2 M)` bits;
      `sparse_tensor` has no sub-byte coordinates, so the positions are
      unpacked to one `i8` each (the only change of representation).

    N:M along axis 0, block and channel sparsity, quantized values and
    non-constant storage are left untouched with a remark (an error with
    `strict`).

    ```mlir
    %w = sparq.assemble %v : tensor<3xf32> indices %c : tensor<3xi16>
           offsets %p : tensor<3xi32>
           -> !sparq.compressed<2x4xf32, #sparq.sparsity<unstructured, ratio = 0.625>>
    %x = sparq.dequantize %w : ... -> tensor<2x4xf32>
    ```
    becomes
    ```mlir
    %s = sparse_tensor.assemble (%p, %c), %v : (tensor<3xi32>, tensor<3xi16>),
           tensor<3xf32> to tensor<2x4xf32, #sparse_tensor.encoding<{
             map = (d0, d1) -> (d0 : dense, d1 : compressed),
             posWidth = 32, crdWidth = 16 }>>
    %x = sparse_tensor.convert %s : tensor<2x4xf32, #...> to tensor<2x4xf32>
    ```
  }];
  let options = [
    Option<"strict", "strict", "bool", /*default=*/"false",
           "Fail with an error on a sparse weight that cannot be expressed, "
           "instead of a remark">
  ];
  let statistics = [
    Statistic<"numConverted", "converted", "Number of weights converted">,
    Statistic<"numKept", "kept", "Number of sparse weights left as Sparq">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::sparse_tensor::SparseTensorDialect",
                           "::mlir::tensor::TensorDialect"];
}

def ConvertSparseTensorToSparq
    : Pass<"convert-sparse-tensor-to-sparq", "ModuleOp"> {
  let summary = "Import constant CSR and N:M `sparse_tensor` weights as Sparq "
                "compressed weights";
  let description = [{
    The inverse of `convert-sparq-to-sparse-tensor`: rewrites
    `sparse_tensor.convert(sparse_tensor.assemble(constants...))` to a dense
    tensor into `sparq.assemble` + `sparq.dequantize` when the encoding is
    one Sparq stores exactly:

    * `(i, j) -> (i : dense, j : compressed)` with `posWidth = 32` and the
      coordinate width Sparq uses for the row length (16 bits up to 65536
      columns, else 32) becomes `#sparq.sparsity<unstructured, ratio = r>`
      with `r` the actual fraction of zeros;
    * `(i, j) -> (i : dense, j floordiv M : dense, j mod M : structured[N, M])`
      with `crdWidth = 8` becomes `#sparq.sparsity<N:M, axis = 1>`, the
      positions packed to `ceil(log2 M)` bits.

    Values must be f32, f16 or bf16. Other encodings, widths and non-constant
    arrays are left untouched with a remark (an error with `strict`).
  }];
  let options = [
    Option<"strict", "strict", "bool", /*default=*/"false",
           "Fail with an error on a sparse weight that cannot be imported, "
           "instead of a remark">
  ];
  let statistics = [
    Statistic<"numConverted", "converted", "Number of weights imported">,
    Statistic<"numKept", "kept", "Number of sparse weights left as they are">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::sparq::SparqDialect",
                           "::mlir::tensor::TensorDialect"];
}

def ConvertSparqToRuntime : Pass<"convert-sparq-to-runtime", "ModuleOp"> {
  let summary = "Lower compressed and dense matmuls onto the Sparq runtime's "
                "fused ukernels (the fast CPU path)";
  let description = [{
    Rewrites, on tensors and before bufferization:

    * `sparq.matmul %x, %w` whose weight is a `sparq.assemble` of an integer
      format (`i2`..`i8`, `ui2`..`ui8`; per-tensor, per-channel along the
      output axis, or per-group along the reduction axis; symmetric or
      asymmetric) or of FP4 `f4E2M1FN` (MXFP4, NVFP4), with `f32`, `f16`,
      `bf16`, `f8E8M0FNU` or `f8E4M3FN` scales, an optional `f32` global
      scale and no sparsity, into a call of
      `sparq_rt_qmatmul_s{f32,f16,bf16,e8m0,e4m3}` on the packed bytes,
      scales and zero points (the global scale multiplies the call's result).
      The dense float weight is never built: the kernel streams the packed
      rows once (see `sparq-c/Runtime.h` for the numerics).
    * `sparq.matmul %x, %w` whose weight is a `sparq.assemble` of a sparse
      format with `f32` values: N:M along the reduction axis into
      `sparq_rt_nm_matmul_f32` (values and packed positions as stored), also
      composed with an integer format as above into
      `sparq_rt_nm_qmatmul_s{f32,f16,bf16}`; unstructured (CSR) into
      `sparq_rt_csr_matmul_f32_{i16,i32}` and blocks (BSR, values flattened
      to rank 1) into `sparq_rt_bsr_matmul_f32`. The rank-1 values, column
      indices and offsets are passed as rank-1 strided memrefs. Sparse
      kernels always keep `f32` activations (`activations` does not apply).
    * `linalg.matmul` with an `f32` input and accumulator and an `f32`, `f16`
      or `bf16` right-hand side (default indexing maps) into a call of
      `sparq_rt_matmul_{f32,f16w,bf16w}`; a zero-filled accumulator is not
      read.

    Operands are passed as rank-2 strided memrefs
    (`bufferization.to_buffer ... read_only`), results are written to a new
    `memref.alloc` that becomes a tensor again with
    `bufferization.to_tensor ... restrict writable`; leading batch dims of
    `sparq.matmul` inputs are collapsed into the row count. The runtime
    functions are declared `llvm.emit_c_interface`, so the LLVM lowering calls
    `_mlir_ciface_sparq_rt_*` with pointers to memref descriptors.

    With `activations=int8` (the default) integer weights compute with each
    row of activations quantized to int8 (symmetric, one scale per row,
    round half to even), on VNNI dot products; `activations=f32` keeps f32
    activations and is exact up to f32 summation order. With int8
    activations a weight whose reduction is shorter than 16 elements (the
    first convolution of an image model after im2col) is instead
    dequantized per call (`sparq.dequantize`, N*K elements) and multiplied on
    the dense f32 kernel with exact activations: quantizing each activation
    row would cost more than the product. Formats the runtime
    does not cover are left for `convert-sparq-to-linalg` (with `remarks`,
    a remark says why).

    With int8 activations, the `data` of a constant 4- or 8-bit weight (and
    of a 2/3/5/6/7-bit one whose groups interleave into whole bytes) is
    rewritten at compile time into the kernels' packed layout
    (`sparq_rt_qpack`: offset-binary codes, groups interleaved 16 at a time
    across the VNNI lanes, rows longer than 4096 codes in K-panels of about
    4096 so that a GEMV's activations stay in L1), and the call passes
    `SPARQ_RT_Q_PACKED` (and `SPARQ_RT_Q_PANELS`); a weight passed as a
    function argument marked `sparq.packed` is taken as already packed by
    the caller (the whole buffer `sparq_rt_qpack` wrote; the config follows
    from the shape, `sparq_rt_qpack_config`). `pack-weights=false` keeps the
    stored layout.

    ```mlir
    %y = sparq.matmul %x, %w : tensor<1x4096xf32>,
        !sparq.compressed<4096x4096xf32,
          #sparq.quant<i4, per_group(axis = 1, size = 128), scale = f16>>
          -> tensor<1x4096xf32>
    ```
    becomes
    ```mlir
    %alloc = memref.alloc() : memref<1x4096xf32>
    func.call @sparq_rt_qmatmul_sf16(%xm, %data, %scales, %zp, %ym, %c4096,
                                     %config) : (...) -> ()
    %y = bufferization.to_tensor %alloc restrict writable : ...
    ```
  }];
  let options = [
    Option<"activations", "activations", "std::string", /*default=*/"\"int8\"",
           "Activation numerics for integer weights: `int8` (dynamic "
           "per-row int8, VNNI) or `f32` (exact)">,
    Option<"denseMatmul", "dense-matmul", "bool", /*default=*/"true",
           "Also lower plain f32/f16/bf16 linalg.matmul onto the dense "
           "ukernels">,
    Option<"packWeights", "pack-weights", "bool", /*default=*/"true",
           "Rewrite constant 4- and 8-bit weights into the kernels' packed "
           "layout (`sparq_rt_qpack`) at compile time (int8 activations)">,
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Emit a remark for every sparq.matmul left to the reference path">
  ];
  let statistics = [
    Statistic<"numQuant", "quantized-matmuls", "Compressed matmuls lowered">,
    Statistic<"numDense", "dense-matmuls", "Dense matmuls lowered">,
    Statistic<"numSparse", "sparse-matmuls", "Sparse (N:M, CSR, BSR) matmuls "
              "lowered">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::tensor::TensorDialect"];
}

def ConvertSparqToGPU : Pass<"convert-sparq-to-gpu", "ModuleOp"> {
  let summary = "Lower compressed matmuls to Sparq's fused dequantize+matmul "
                "GPU kernels (gpu.launch_func of a generated gpu.module)";
  let description = [{
    Rewrites, on tensors and before bufferization, every `sparq.matmul %x, %w`
    whose weight is a `sparq.assemble` of a format with `i4`/`ui4`/`i8`/`ui8`,
    OCP FP8 (`f8E4M3FN`, `f8E5M2`) or FP4 (`f4E2M1FN`) storage, per-tensor,
    per-channel (axis 0 of the `[N, K]` weight) or per-group along K scales
    (`f32`, `f16`, `bf16`, `f8E8M0FNU` or `f8E4M3FN`: MXFP4), symmetric or
    asymmetric, an optional `f32` global scale (multiplied into y on the
    host after the kernel), no sparsity, a static `f32`
    input, packed rows a multiple of 16 bytes (K a multiple of 32 for int4,
    16 for int8 and FP8) and groups of at least one 16-byte load (32 int4 or
    16 int8/FP8 elements) or of exactly half of one (16 4-bit elements, as
    NVFP4's: two scales per load). The packed bytes, scales and zero points are used exactly as
    `!sparq.compressed` stores them; the dense weight is never built.
    Other formats are left for `convert-sparq-to-linalg` (with `remarks`, a
    remark says why).

    The kernels are generated into `gpu.module @sparq_kernels` (the module
    gets `gpu.container_module`), one per format and shape, named
    `sparq_gemv_<format>_<M>x<N>x<K>`, `sparq_gemm_...` or `sparq_mma_...`
    (`<format>` e.g. `i4g128f16`, `ui4g64f16a`, `f8e4m3cf32`: storage,
    `g<size>`/`c` per channel/`t` per tensor, scale type, `a` asymmetric).
    Numerics: `w = (q - z) * s` as `#sparq.quant` defines it; the GEMV sums
    the products of x with the exact codes q - z of a 16-byte chunk in f32
    and multiplies the sum by s (a chunk never straddles a group), the GEMM
    kernels multiply by the dequantized w (f32, or f16 for the tensor
    cores); sums in f32. FP8 bytes are decoded exactly without lookup tables or
    FP8 conversion instructions (so also on sm_80): E5M2 is the top byte of
    an f16; E4M3FN's `sign << 8 | (exponent, mantissa) << 7` read as f16 is
    its value times 2^-8 (normal or subnormal), multiplied back by 256 in
    f32; its NaN codes (`S.1111.111`) give NaN. FP4 E2M1 nibbles the same
    way: `(c & 8) << 12 | (c & 7) << 9` read as f16 is the value times
    2^-14. E8M0 scales are `e << 23` read as f32 (e = 0: 2^-127, 255: NaN).

    Integer codes become f32 without int-to-float conversions (quarter rate
    on NVIDIA GPUs): signed codes get their sign bit flipped (offset
    binary), each code is placed in the mantissa of 2^23 (`0x4B000000 | u`
    read as f32 is exactly 2^23 + u) and 2^23 + offset + z is subtracted,
    which leaves q - z exactly. With `nvvm` (the `sparq-gpu` pipeline on
    NVIDIA chips) each code takes one `nvvm.prmt` byte permute; FP4 codes
    take three table-lookup permutes per four codes (2 * value + 12 for
    either sign, the sign bytes in sign-replicate mode) and the scale is
    halved.

    Launch configuration, from the static shapes only: the kernel is GEMV
    when M < `gemm-min-rows` (default 16) or K is not a multiple of 32, else
    GEMM (MMA with `mma`); grids are the ceilings below. The GEMV geometry
    and the tensor-core block width and prefetch depth can be set with
    `gemv-warps`, `gemv-features`, `gemv-unroll`, `mma-tile-n`,
    `mma-tile-m`, `mma-prefetch` and `mma-ldmatrix` (bench/gpu times
    variants; the defaults are the best measured on an H100 and an H200,
    docs/Benchmarks-GPU.md).

    * **GEMV** (M < `gemm-min-rows`, or K not a multiple of 32). When x
      has at most 8 rows and fits in 48 KB of shared memory (M * K * 4
      bytes, or with int8 activations M * K bytes plus sums) each block
      first issues its lanes'
      first weight loads, then copies x into shared memory (all loads
      before the stores) and synchronizes: 8 warps (256 threads) per block,
      each warp computing 4 (4-bit codes) or 2 (8-bit) output features
      `n` that share every x load, grid `(ceil(N / (8 * features)), 1)`.
      Otherwise x is read from global memory: 4 warps of one feature, rows
      of x in blocks of 4, grid `(ceil(N/4), ceil(M/4))`. Lane `l` streams
      the 16-byte chunks `l, l+32, ...` of its rows (`vector<16xi8>` loads,
      16-byte aligned, a warp reads 512 contiguous bytes per step, 4, 2 or 1
      chunks per lane and iteration as the row length allows), the next
      iteration's loads issued before this iteration's math. Per chunk the
      products of x with the exact codes are summed as a tree and scaled
      once (a chunk never straddles a group; with two groups per chunk each
      half is scaled), then the lanes reduce with a `gpu.shuffle xor`
      butterfly (offsets 16..1) and lane 0 stores.
    * **GEMV with int8 activations** (`activations=int8`, the default, as
      on the CPU; integer or FP4 codes, groups of at least one chunk, at
      most 8 rows of x whose codes fit in shared memory, K >= 16 as the CPU
      requires; else the f32 GEMV): each block quantizes x as the CPU runtime does
      (`sparq-c/Runtime.h`: per row a = max|x| / 127,
      xq = clamp(rint(x / a), -127, 127), rint half to even) in three
      phases between barriers (zero the sums; atomic max of the |x| bits
      per row; codes and atomic per-chunk code sums), storing 4-bit
      weights' x codes as the even then the odd elements of each block of
      8 (the low and high nibbles of a word), in rows padded by 16 bytes
      per 128 codes (each lane reads a 32-byte chunk; the pad puts 8
      consecutive lanes on distinct banks). Per chunk the sum over
      (q - z) * xq is exact in int32: 4-way byte dot products
      (`nvvm.dot.accumulate.4way`, PTX `dp4a`, on NVIDIA) of the
      offset-binary codes (FP4: the bytes 2 * value + 12 from byte-permute
      table lookups against x codes in element order, the scale halved),
      minus (offset + z) times the chunk's code sum;
      one conversion and multiply-add with the scale per chunk, the row's
      a applied at the end. Kernels are named `..._xi8_<M>x<N>x<K>`.
    * **Persistent GEMV** (`gemv-blocks=B > 0`, x in shared memory; opt-in
      until timed on a GPU): grid `(min(B, ceil(N / (warps * features))),
      1)`. A feature group is the `gemv-features` features one warp
      computes; warp `w` of the grid (W warps) takes the groups `w`,
      `w + W`, ... as one stream of iterations, iteration `j` being
      iteration `j % T` of group `w + (j / T) W` (T iterations per row), so
      the loads of a group's first chunks are issued while the previous
      group's last iteration computes, and each block quantizes (or stages)
      x once for all its groups. The unroll is 4 (FP8: 2) whatever the row
      length: chunks past the row are clamped reloads of its last chunk
      whose products are not added. Each group's sums are the same
      operations in the same order as without `gemv-blocks`.
    * **N:M GEMV** (f32 values, or int4 / int8 codes with one scale per row
      (sparq-sparsify composed with per-channel or per-tensor quantization,
      symmetric or with zero points, f32 / f16 / bf16 scales), of an N:M
      sparse weight along K, at most 8 rows of x that fit in 48 KB of shared
      memory, position fields of 1, 2 or 4 bits and a multiple of 4 stored
      values per row; kernel `sparq_nmgemv_nm<N>of<M>f32_...` or
      `sparq_nmgemv_nm<N>of<M>_<codes>_...`, e.g. `nm2of4_i8cf32`; other N:M
      shapes, codes with scale groups along K and larger batches outside the
      2:4 MMA below stay on the host): 8 warps of one output
      feature per block, grid `(ceil(N/8), 1)`, x staged in shared memory.
      Lane l takes the stored values 4c .. 4c + 3 for c = l, l + 32, ...:
      one `vector<4xf32>` load and the 4 fields of their positions (half a
      byte, a byte or two bytes of the little-endian position stream);
      value i multiplies x[(i / N) M + pos(i)] (fused multiply-add in f32),
      then the lanes reduce with the `gpu.shuffle xor` butterfly and lane 0
      stores. Codes: 4 (int8) or 2 (int4, the low nibble first) bytes per
      lane step, each value q - z in f32 (exact), the lane's sums times the
      row's scale before the butterfly. Checked on the CPU by `host-reference` and by ptxas; not yet
      timed on a GPU.
    * **2:4 sparse MMA** (`mma=true`, `mma-sparse` (default), NVIDIA, N:M
      2:4 f32 weights along K with K a multiple of 64 where the N:M GEMV
      does not apply: more than 8 rows of x or x beyond 48 KB; kernel
      `sparq_mmasp_nm2of4f32_...`): W is the sparse operand A of
      `nvgpu.mma.sp.sync` m16n8k32 (PTX
      `mma.sp.sync.aligned.m16n8k32.row.col.f32.f16.f16.f32`, sparsity
      selector 0), the rows of x are the columns of B, so each warp computes
      tiles of y^T. Blocks of 64 output features x 64 rows of x, 128 threads
      (a 2 x 2 grid of warps owning 32 features x 32 rows: 2 x 4 m16n8
      tiles), grid `(ceil(N/64), ceil(M/64))`, K steps of 64 with the next
      step's global loads carried through the loop as in MMA. Per step the
      block stores the step's 32 stored values of each of its 64 features
      rounded to f16 (int4 / int8 codes with one scale per row, as for the
      N:M GEMV: q - z, exact in f16, the row's scale applied to the f32
      result at the store) into a `[64, 40]` f16 tile, their 64 position bits
      (2:4's stored layout is already PTX's metadata: the two 2-bit
      positions of group j in bits 4j and 4j + 2, increasing) into a `[64,
      4]` i16 tile and x rounded to f16 into the MMA kernel's x tile. Lane
      (g, t) of an m16n8k32: A is the dense m16n8k16 A fragment of the
      stored values (rows g, g + 8; stored columns 2t, 2t + 1, 2t + 8, 2t +
      9), B the m16n8k16 B fragments of elements kk and kk + 16 of x row g,
      the metadata the i16 of elements 16 (t % 2) .. + 15 of rows g (low
      half) and g + 8 (high half), the layout of PTX's figure for
      m16n8k32 f16 metadata as MLIR's sparse-mma-2-4-f16 integration test
      and Triton's sparse dot use it. Numerics as MMA (f16-rounded x and
      stored values, f32 accumulation). Checked on the CPU by
      `host-reference` (each mma.sp replayed through that layout: A's
      stored column c multiplies B's row 4 (c / 2) + its position) and
      assembled by ptxas; not yet run on a GPU.
    * **GEMV on int8 tensor cores** (`gemv-mma=true`, NVIDIA, where the
      int8-activation GEMV applies to 4- or 8-bit integer codes whose scale
      groups and K are whole warp steps of 4 chunks; kernel
      `sparq_gemvmma_...`; built and checked on the CPU and by ptxas, not
      yet timed on a GPU): blocks of 8 warps own 16 output features (32
      with `gemv-mma-rows=32`: two groups of 4 warps, one quantization of x
      for twice the features), grid `(ceil(N/16), 1)` (or `N/32`). After
      the same quantization of x, the warps of a group split the K steps
      evenly; per step lane (g, t) loads one 16-byte chunk of
      features g and g + 8 (the next step's chunks are loaded before this
      step's mma) and the x codes of row g at the same elements and issues `mma.sync.m16n8k32` s8 x s8 -> s32 (`nvgpu.mma.sync`) with
      W as the 16-row operand and the (at most 8) rows of x as the columns:
      the reduction slots are permuted alike in both operands (slot 4t + e
      is byte e of word 2j of lane t, slot 16 + 4t + e of word 2j + 1),
      which leaves the sum unchanged. 4-bit codes enter as offset binary
      (q + 8 for signed codes) split into even and odd nibbles, the order
      of the 4-bit x codes in shared memory; unsigned 8-bit codes as q - 128.
      At the end of each run of steps inside one scale group the exact
      int32 sums get the code offset and zero point times the run's x code
      sum, and are scaled in f32; the warps' partial sums meet in shared
      memory and the first warp of each group stores a * sum.
    * **GEMM** (M >= `gemm-min-rows` and K a multiple of 32): shared-memory
      tiled SIMT kernel, 64x64 output tiles, K steps of 32, 256 threads
      (16x16, a 4x4 micro tile each), grid `(ceil(N/64), ceil(M/64))`. Per
      step threads dequantize one 16-byte chunk each into a k-major f32 tile
      of W and copy x, both in 16-byte aligned workgroup globals, then
      accumulate with `vector.fma` between two `gpu.barrier`s. Used when
      `mma` and `mfma` are false (the `sparq-gpu` pipeline: AMD chips
      without matrix cores, or `mma=false`).
    * **MMA** (`mma=true`, same condition as GEMM; kernel `sparq_mma_...`):
      tensor-core GEMM for NVIDIA sm_80+ with `nvgpu.mma.sync` m16n8k16
      (f16 x f16 -> f32, PTX `mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32`).
      Output blocks of `mma-tile-m` x `mma-tile-n`: by default 128 columns
      and, when that still gives at least 256 blocks (M = 1024 and N = 4096
      do), 128 rows, else 64 rows. Warps form a 2 x (columns /
      `mma-warp-n`) grid, each owning (rows / 2) x `mma-warp-n` outputs as
      m16n8 tiles (`vector<2x2xf32>` accumulators); `mma-warp-n` is 64 with
      128-row blocks (4 warps of 64 x 64, 32 accumulators: fewer fragment
      loads per mma) and 32 otherwise (8 warps of 32 x 32). Grid
      `(ceil(N/columns), ceil(M/rows))`. K steps of 64, or 32 when K is not
      a multiple of 64, with 64-column warps, or with `mma-stages=2` (the
      default with 128-row blocks): then two pairs of shared tiles
      alternate and one barrier separates the steps, so that some warps
      store the next step while others run the tensor cores on this one
      (measured 14% faster at M = 1024 and 2048, where the kernel is bound
      by shared-memory traffic). Software pipelined: the loop carries the
      registers of the next `mma-prefetch` steps' (1; 2 with one stage of
      128-row blocks) global loads (W chunks with their scales, x as
      `vector<4xf32>`), so they are in flight during this step's
      tensor-core work. Per step each
      thread dequantizes its carried W chunk(s) in f32 (`(q - z) * s`),
      interleaves int4 nibbles back into K order, rounds to f16 and stores
      into a K-major f16 shared tile; x is rounded to f16 into another. Rows
      of both tiles are padded by 8 halves (144 or 80 bytes) so that the
      fragment loads (on NVIDIA one `nvgpu.ldmatrix` x4 per A fragment and
      per pair of B fragments; with `mma-ldmatrix=false` or without `nvvm`
      `vector<2xf16>` loads) of a warp hit distinct banks. With one stage:
      a barrier, the next step's loads, then 4 (or 2) k16 steps of A and B
      fragments and 8 to 32 `nvgpu.mma.sync` per warp, and a barrier.
      With `mma-packed-w` (NVIDIA, 4- and 8-bit integer codes whose scale
      groups are whole K steps, or one scale per row) the W tile holds the
      raw codes instead: per step each thread flips the sign bits of signed
      codes (offset binary) and byte-transposes its 16-byte chunk with six
      (int4) or four (int8) `prmt` so that lane t of a fragment row finds
      its codes in one 32-bit word (int4: bytes t, t + 4, t + 8, t + 12 of
      the chunk; int8: halfwords t and t + 4), and stores per column an
      offset word `-(1024 + offset + z)` (int4's high half `-(64 + offset +
      z)`) and the scale rounded to f16 (1 with one scale per row). Each
      warp builds its B fragments itself: per pair of codes one `prmt` into
      the mantissa of 1024 (int4: the high nibble times 16), one f16x2 fma
      that leaves `u - offset - z` exactly, and with scale groups one f16x2
      multiply; with one scale per row the f32 accumulators are scaled at
      the store. A quarter (int4) or half (int8) of the W tile's shared
      traffic, but measured slower for int4 on an H200 (registers, see
      docs/Benchmarks-GPU.md): off by default.
      Numerics differ from the other kernels: x and w are
      rounded to f16 (x beyond the f16 range becomes infinite), products
      are exact, accumulation is the tensor cores' f32. With `mma-bf16`
      (not with `mma-packed-w`) they are rounded to bf16 instead (nearest
      even; the f32 exponent range, 8 significant bits), stored as the
      tiles' 16-bit patterns and multiplied by `nvvm.mma.sync` m16n8k16
      bf16 x bf16 -> f32 (PTX `mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32`)
      on the same fragment words. Checked on an H100
      and an H200 by `bench/gpu/run` against an f16-rounded float64
      reference.
    * **Int8 MMA** (`mma=true mma-int8=true`, NVIDIA, for 4- and 8-bit
      integer codes with one scale per row (per channel or per tensor,
      symmetric or with zero points) and K a multiple of 64; kernel
      `sparq_mma8_...`): the MMA block and warp geometry (64-row blocks
      unless `mma-tile-m` says otherwise: with 128 rows ptxas needs all 255
      registers and spills) with s8 shared tiles of 64 codes + 16 bytes
      per row and one K step of 64 in flight.
      The block first finds max|x| of each of its rows of x (warp w takes
      rows w, w + warps, ..., its lanes 16-byte pieces, one shared atomic
      max each), then per step quantizes its x tile exactly as the CPU
      runtime does (`a = max|x| / 127`, `xq = clamp(rint(x / a), -127,
      127)`, rint half to even) adding each 4-code word's sum to the row's
      code sum, stores W's codes as s8 `c = q - off` (off 128 / 8 for
      unsigned 8- / 4-bit codes, int4 nibbles interleaved into k order),
      and runs `nvgpu.mma.sync` m16n8k32 s8 x s8 -> s32 (PTX
      `mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32`) on
      32-bit fragment words. The epilogue is exact up to one rounding:
      `y = f32(acc + (off - z) * sum(xq)) * a * s`. The numerics are the
      CPU's A8W8 kernels'. Checked on the CPU by `host-reference` (each mma
      replayed through the PTX layout in int32) and assembled by ptxas; not
      yet timed on a GPU (opt-in).
    * **MFMA** (`mfma=true`, AMD CDNA: gfx908, gfx90a, gfx94x, gfx950, the
      `sparq-gpu` pipeline's choice there; same condition as GEMM; kernel
      `sparq_mfma_...`): matrix-core GEMM with `amdgpu.mfma` 16x16x16
      (f16 x f16 -> f32, `v_mfma_f32_16x16x16f16`). The MMA kernel's tile
      loads, stores and one-step prefetch with 64 x 64 output blocks of 256
      threads, grid `(ceil(N/64), ceil(M/64))`, K steps of 64 (32 when K is
      not a multiple of 64), f16 shared tiles padded by 8 halves. Four
      64-lane waves in a 2 x 2 grid each own 32 x 32 outputs as 2 x 2
      tiles; per k16 step a wave loads two A and two B operands as
      `vector<4xf16>` (lane l: row l % 16 of its 16 rows of x or of W,
      elements 4 (l / 16) .. 4 (l / 16) + 3) and issues four `amdgpu.mfma`
      into `vector<4xf32>` accumulators (lane l: rows 4 (l / 16) .. + 3,
      column l % 16). Numerics as MMA (f16-rounded x and w, f32
      accumulation). Assembled and linked into an HSACO in the tests and
      checked on the CPU by `host-reference` (each mfma replayed through
      that operand layout); not yet run on an AMD GPU.

    Host code: `bufferization.to_buffer` of x (reshaped to `[M, K]`), data,
    scales and zero points, a `memref.alloc` for y that becomes the result
    (`bufferization.to_tensor restrict writable`), and a call of the private
    launcher `@<kernel>_launch(x, data, scales, [zero points], y)`, declared
    with a `sparq.gpu_launch = {kernel, grid, block}` attribute, plus
    `resident = array<i64: ...>` listing the operands that are
    `arith.constant` (constant weights; the launcher is then named
    `@<kernel>_launch_c<indices>`, e.g. `_c12`);
    `sparq-gpu-launchers` defines it after bufferization (the buffer
    deallocation pipeline rejects gpu.wait and gpu.launch_func).

    With `host-reference`, the same kernel bodies are emitted on the host
    instead: scf.for nests over block and thread ids, the shuffle butterfly
    replayed in the same order on a host buffer, barriers implied by running
    phases in sequence, so CPU tests check the kernels' numerics. For the
    MMA kernel each `nvgpu.mma.sync` is replayed from the warp's fragments
    gathered in a host buffer and read back through the PTX m16n8k16 layout,
    the f16 products summed in f32 in K order: this checks the tiles, the
    fragment loads against the documented layout and the stores, not the
    tensor cores' own summation order or rounding.

    ```mlir
    %y = sparq.matmul %x, %w : tensor<1x4096xf32>,
        !sparq.compressed<4096x4096xf32,
          #sparq.quant<i4, per_group(axis = 1, size = 128), scale = f16>>
          -> tensor<1x4096xf32>
    ```
    becomes
    ```mlir
    %t = gpu.launch_func async [...] @sparq_kernels::@sparq_gemv_i4g128f16_1x4096x4096
           blocks in (%c128, %c1, %c1) threads in (%c256, %c1, %c1)
           args(%dx : memref<1x4096xf32>, %dw : memref<4096x2048xi8>,
                %ds : memref<4096x32xf16>, %dy : memref<1x4096xf32>)
    ```
  }];
  let options = [
    Option<"gemmMinRows", "gemm-min-rows", "int64_t", /*default=*/"16",
           "Rows of x (batch) from which the tiled GEMM kernel is used">,
    Option<"mma", "mma", "bool", /*default=*/"false",
           "Use the tensor-core GEMM (nvgpu.mma.sync, NVIDIA sm_80+) instead "
           "of the SIMT GEMM for M >= gemm-min-rows">,
    Option<"mmaBf16", "mma-bf16", "bool", /*default=*/"false",
           "With mma (NVIDIA): round x and W to bf16 instead of f16 "
           "(mma.sync m16n8k16 bf16; x keeps the f32 exponent range)">,
    Option<"mmaInt8", "mma-int8", "bool", /*default=*/"false",
           "With mma (NVIDIA): int8 tensor-core GEMM for 4- and 8-bit integer "
           "codes with one scale per row and K a multiple of 64 (x quantized "
           "per row to int8 as on the CPU, mma.sync m16n8k32 s8, exact int32 "
           "sums)">,
    Option<"mmaSparse", "mma-sparse", "bool", /*default=*/"true",
           "With mma (NVIDIA): N:M 2:4 weights (f32 values, or int4 / int8 "
           "codes with one scale per row) with more rows of x than the "
           "N:M GEMV takes (or x beyond 48 KB) and K a multiple of 64 run on "
           "the 2:4 sparse tensor cores (mma.sp m16n8k32 f16); else on the "
           "host">,
    Option<"mfma", "mfma", "bool", /*default=*/"false",
           "Use the AMD matrix-core GEMM (amdgpu.mfma 16x16x16 f16, CDNA "
           "gfx908 / gfx90a / gfx94x / gfx950) instead of the SIMT GEMM for "
           "M >= gemm-min-rows (not with mma)">,
    Option<"gemvWarps", "gemv-warps", "int64_t", /*default=*/"0",
           "GEMV warps per block (0: 8 when x is staged in shared memory, "
           "else 4)">,
    Option<"gemvFeatures", "gemv-features", "int64_t", /*default=*/"0",
           "GEMV output features per warp (0: with x staged 4 for 4-bit and "
           "2 for 8-bit codes, else 1)">,
    Option<"activations", "activations", "std::string", /*default=*/"\"int8\"",
           "GEMV activations: int8 (each row of x quantized as the CPU "
           "runtime does, int32 dot products; integer and FP4 codes) or f32 "
           "(exact)">,
    Option<"mmaTileN", "mma-tile-n", "int64_t", /*default=*/"0",
           "Tensor-core GEMM output columns per block, 64, 128 or 256 "
           "(0: 128)">,
    Option<"mmaTileM", "mma-tile-m", "int64_t", /*default=*/"0",
           "Tensor-core GEMM output rows per block, 64 or 128 (0: 128 "
           "when that gives at least 256 blocks, else 64)">,
    Option<"mmaPrefetch", "mma-prefetch", "int64_t", /*default=*/"0",
           "Tensor-core GEMM K steps loaded ahead with one shared stage, 1 "
           "or 2 (0: 2 for 128-row blocks, else 1; two stages always load "
           "one step ahead)">,
    Option<"gemvMma", "gemv-mma", "bool", /*default=*/"false",
           "NVIDIA: GEMVs with int8 activations and 4- or 8-bit integer "
           "codes on int8 tensor cores (mma.sync m16n8k32 s8, W as the "
           "16-row operand; scale groups a multiple of 4 chunks); not yet "
           "timed on a GPU">,
    Option<"gemvMmaRows", "gemv-mma-rows", "int64_t", /*default=*/"0",
           "gemv-mma output features per block, 16 (8 warps split K) or 32 "
           "(2 x 4 warps) (0: 16)">,
    Option<"mmaWarpN", "mma-warp-n", "int64_t", /*default=*/"0",
           "Tensor-core GEMM output columns per warp, 32 or 64 (0: 32; 64 "
           "takes K steps of 32)">,
    Option<"mmaStages", "mma-stages", "int64_t", /*default=*/"0",
           "Tensor-core GEMM shared-memory stages, 1 or 2 (0: 1; 2 needs K "
           "a multiple of 64 and takes K steps of 32)">,
    Option<"mmaLdmatrix", "mma-ldmatrix", "bool", /*default=*/"true",
           "Tensor-core GEMM (with nvvm): load fragments with ldmatrix.x4">,
    Option<"mmaPackedW", "mma-packed-w", "bool", /*default=*/"false",
           "Tensor-core GEMM (with nvvm; 4- and 8-bit integer codes, one "
           "scale per row or scale groups of whole K steps): keep W packed "
           "in shared memory and dequantize each warp's B fragments in "
           "registers (measured slower for int4 on an H200: off by "
           "default)">,
    Option<"minBlocksPerSM", "min-blocks-per-sm", "int64_t", /*default=*/"0",
           "NVIDIA: PTX .minnctapersm of every kernel, so that ptxas keeps "
           "the registers low enough for this many resident blocks per SM "
           "(0: ptxas decides)">,
    Option<"gemvUnroll", "gemv-unroll", "int64_t", /*default=*/"0",
           "GEMV 16-byte chunks per lane and loop iteration, at most (0: 4; "
           "lowered to 2 or 1 where the row's chunks require)">,
    Option<"gemvBlocks", "gemv-blocks", "int64_t", /*default=*/"0",
           "GEMV with x in shared memory: at most this many blocks, each "
           "warp looping over feature groups (persistent; 0: one block per "
           "gemv-warps groups)">,
    Option<"nvvm", "nvvm", "bool", /*default=*/"false",
           "NVIDIA kernels: use NVVM intrinsics in kernel bodies (one "
           "`nvvm.prmt` per integer code instead of shift/mask/or)">,
    Option<"hostReference", "host-reference", "bool", /*default=*/"false",
           "Emit the kernels' math as host loops instead of GPU launches "
           "(for testing numerics on the CPU)">,
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Emit a remark for every sparq.matmul left to the reference path">
  ];
  let statistics = [
    Statistic<"numGemv", "gemv-kernels", "Matmuls lowered to the GEMV kernel">,
    Statistic<"numGemm", "gemm-kernels",
              "Matmuls lowered to the SIMT GEMM kernel">,
    Statistic<"numMma", "mma-kernels",
              "Matmuls lowered to the tensor-core (NVIDIA) or matrix-core (AMD) GEMM kernel">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::amdgpu::AMDGPUDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

def SparqEmulateNVVM : Pass<"sparq-emulate-nvvm", "ModuleOp"> {
  let summary = "Rewrite nvvm.prmt and nvvm.dot.accumulate.4way into arith "
                "(CPU runs of host-reference kernels built with nvvm)";
  let description = [{
    `convert-sparq-to-gpu` with `host-reference=true nvvm=true` emits the
    kernels' math on the host with the NVIDIA-only byte ops the GPU kernels
    use: `nvvm.prmt` (byte permutes: integer codes into the f32 mantissa,
    FP4 table lookups) and `nvvm.dot.accumulate.4way` (`dp4a`, the
    int8-activation GEMV). This pass replaces each with arith on `i32`
    following the PTX ISA: `prmt` (default mode) picks, for result byte k,
    byte `(c >> 4k) & 7` of the pool {a bytes 0-3, b bytes 4-7}, replicating
    its sign bit when bit 3 of the nibble is set; `dp4a` adds to c the four
    products of the bytes of a and b, each sign- or zero-extended as its type
    says. Then `--sparq-cpu-reference` runs them, so the CPU tests check the
    selectors, tables and signedness of the GPU code paths. Other `prmt`
    modes are an error.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
}

def SparqGpuLaunchers : Pass<"sparq-gpu-launchers", "ModuleOp"> {
  let summary = "Define the host launchers of Sparq's GPU kernels (after "
                "bufferization)";
  let description = [{
    Gives a body to every private `func.func` declaration with a
    `sparq.gpu_launch = {kernel = @module::@kernel, grid = array<i64: X, Y,
    Z>, block = array<i64: X, Y, Z>}` attribute (left by
    `convert-sparq-to-gpu`). Its arguments are the kernel's operands as
    static identity-layout memrefs in host memory, the last one the output.
    The body copies every operand but the last into a `gpu.alloc`'ed device
    buffer, launches the kernel, copies the last back and frees the device
    buffers, all on one async token chain ending in `gpu.wait`: the form the
    upstream `gpu-to-llvm` lowering turns into `mgpuMemAlloc`,
    `mgpuMemcpy`, `mgpuLaunchKernel`, ... calls.

    Operands listed in the optional `resident = array<i64: ...>` (inputs
    only; rank 2, element `i8`, `f16`, `bf16` or `f32`) are constants: they
    are neither allocated, copied nor freed; a call of
    `@sparq_gpu_resident_<type>(memref<?x?x...>) -> memref<?x?x...>`
    (declared with `llvm.emit_c_interface`, implemented by
    libsparq_gpu_runtime) returns their device copy, uploaded the first time
    the runtime sees the host address and kept until exit.

    ```mlir
    func.func private @k_launch(memref<1x64xf32>, memref<8x32xi8>,
        memref<8x1xf32>, memref<1x8xf32>)
        attributes {sparq.gpu_launch = {kernel = @sparq_kernels::@k,
                    grid = array<i64: 2, 1, 1>, block = array<i64: 128, 1, 1>}}
    ```
    becomes a definition with `%t = gpu.wait async`, four `gpu.alloc
    async`, three `gpu.memcpy async` in, `gpu.launch_func async`, one
    `gpu.memcpy async` out, four `gpu.dealloc async` and `gpu.wait [%t]`.
    A malformed attribute or arguments that differ from the kernel's are
    errors.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect"];
}

#endif // SPARQ_CONVERSION_PASSES_TD
