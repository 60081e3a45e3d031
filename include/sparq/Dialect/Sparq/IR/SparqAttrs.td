//===- SparqAttrs.td - Sparq compression specs -------------*- tablegen -*-===//
//
// Specs: attributes that say how a weight is (to be) compressed.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_DIALECT_SPARQ_IR_SPARQATTRS_TD
#define SPARQ_DIALECT_SPARQ_IR_SPARQATTRS_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "sparq/Dialect/Sparq/IR/SparqBase.td"
include "sparq/Dialect/Sparq/IR/SparqEnums.td"

class Sparq_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Sparq_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

//===----------------------------------------------------------------------===//
// QuantSpecAttr
//===----------------------------------------------------------------------===//

def Sparq_QuantSpecAttr : Sparq_Attr<"QuantSpec", "quant"> {
  let summary = "How a tensor is quantized: storage type, scale granularity, "
                "scheme, rounding and saturation";
  let description = [{
    A quantization format. Syntax:

    ```
    #sparq.quant<storage-type [, granularity] [, asymmetric]
                 [, scale = type] [, global_scale = f32]
                 [, rounding = mode] [, narrow_range] [, no_saturate]
                 [, search = minmax|mse]>
    granularity ::= per_tensor | per_channel(axis = A)
                  | per_group(axis = A, size = G) | per_block(shape = [B0, ...])
    ```

    Examples:

    ```mlir
    // int8, one scale per output channel (axis 0), symmetric.
    #sparq.quant<i8, per_channel(axis = 0)>
    // unsigned int4, one f16 scale and zero point per 128 weights along axis 1.
    #sparq.quant<ui4, per_group(axis = 1, size = 128), asymmetric, scale = f16>
    // MXFP4: fp4 E2M1 values, 32-element blocks, power-of-two E8M0 scales.
    #sparq.quant<f4E2M1FN, per_group(axis = 1, size = 32), scale = f8E8M0FNU>
    // NVFP4: 16-element blocks with fp8 E4M3 scales and one f32 tensor scale.
    #sparq.quant<f4E2M1FN, per_group(axis = 1, size = 16), scale = f8E4M3FN,
                 global_scale = f32>
    ```

    **Storage types.** `i2`..`i8` (signless and `si` are signed two's
    complement), `ui2`..`ui8` (unsigned), `f8E4M3FN`, `f8E5M2` (OCP FP8) and
    `f4E2M1FN` (OCP FP4). For a signed `b`-bit integer `qmin = -2^(b-1)` and
    `qmax = 2^(b-1) - 1`; with `narrow_range`, `qmin = -qmax` (e.g. int8 in
    [-127, 127]). For unsigned, `qmin = 0`, `qmax = 2^b - 1`.

    **Granularity.** Every granularity is a *block shape* over the tensor:
    each block of that shape shares one scale (and zero point). For a tensor
    of shape `[D0, ..., Dr-1]`:
    * `per_tensor`: the block is the whole tensor; scales have shape `[1, ..., 1]`.
    * `per_channel(axis = a)`: block size 1 along `a`, `Di` elsewhere;
      scales have shape `Da` along `a` and 1 elsewhere.
    * `per_group(axis = a, size = g)`: block size `g` along `a` and 1
      elsewhere; scales have shape `Da / g` along `a` and `Di` elsewhere.
      `g` must divide `Da`.
    * `per_block(shape = [B0, ..., Br-1])`: explicit block shape; every `Bi`
      must divide `Di`; scales have shape `[D0 / B0, ...]`.
    Scales always have the rank of the tensor.

    **Numerics.** For an element `x` with scale `s` and zero point `z`
    (`z = 0` unless `asymmetric`; `global_scale` multiplies `s`):
    `q = clamp(round(x / s) + z, qmin, qmax)` and `x' = (q - z) * s`.
    `round` is the `rounding` mode: `nearest_even` (the default, IEEE
    round-half-to-even), `nearest_away` (ties away from zero) or
    `toward_zero` (truncation). For float storage, `x / s` is converted to
    the storage format with round-to-nearest-even and, unless
    `no_saturate`, values beyond the largest finite number are clamped to it
    (E4M3FN: 448, E5M2: 57344, E2M1FN: 6; E2M1FN has no NaN or infinity and
    always saturates); NaN inputs are an error.

    **Scale choice** (used by the quantization passes): with `minmax`
    (default) a symmetric block uses `s = max|x| / qmax` and an asymmetric
    one `s = (max - min) / (qmax - qmin)`, `z = qmin - round(min / s)`, with
    the range always widened to include 0. `mse` additionally searches
    shrunk ranges (clipping) for the one with the smallest squared error.
    An all-zero block gets `s = 1`, never 0 or NaN. Scales are rounded to
    `scale` (`f32`, `f16`, `bf16`, `f8E4M3FN`, or `f8E8M0FNU`, whose
    power-of-two scales are rounded up so that no value overflows).
  }];
  let parameters = (ins
    "::mlir::Type":$storageType,
    "::mlir::sparq::Granularity":$granularity,
    "int64_t":$axis,
    "int64_t":$groupSize,
    ArrayRefParameter<"int64_t">:$blockShape,
    "::mlir::sparq::QuantScheme":$scheme,
    "::mlir::Type":$scaleType,
    "::mlir::Type":$globalScaleType,
    "::mlir::sparq::RoundingMode":$rounding,
    "bool":$narrowRange,
    "bool":$saturate,
    "::mlir::sparq::ScaleSearch":$search
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let builders = [
    AttrBuilder<(ins "::mlir::Type":$storageType,
                     "::mlir::sparq::Granularity":$granularity,
                     "int64_t":$axis, "int64_t":$groupSize,
                     CArg<"::mlir::sparq::QuantScheme",
                          "::mlir::sparq::QuantScheme::Symmetric">:$scheme), [{
      return $_get($_ctxt, storageType, granularity, axis, groupSize,
                   ::llvm::ArrayRef<int64_t>{}, scheme,
                   ::mlir::Float32Type::get($_ctxt), ::mlir::Type(),
                   ::mlir::sparq::RoundingMode::NearestEven,
                   /*narrowRange=*/false, /*saturate=*/true,
                   ::mlir::sparq::ScaleSearch::MinMax);
    }]>
  ];
  let extraClassDeclaration = [{
    /// Number of bits of one stored element.
    unsigned getStorageBits() const;
    /// True for integer storage types.
    bool isIntegerStorage() const;
    /// True for signed integer storage (signless integers count as signed).
    bool isSignedStorage() const;
    bool isAsymmetric() const {
      return getScheme() == ::mlir::sparq::QuantScheme::Asymmetric;
    }
    /// Integer range [qmin, qmax] of integer storage.
    int64_t getQMin() const;
    int64_t getQMax() const;
    /// Largest finite magnitude of float storage.
    double getFloatMax() const;
    /// The block of elements that share one scale, for a tensor `shape`.
    ::llvm::SmallVector<int64_t> getScaleBlock(::llvm::ArrayRef<int64_t> shape) const;
    /// The shape of the scale (and zero point) tensor for a tensor `shape`.
    ::llvm::SmallVector<int64_t> getScaleShape(::llvm::ArrayRef<int64_t> shape) const;
    /// Checks that this spec can apply to a tensor of `shape`.
    ::llvm::LogicalResult verifyForShape(
        ::llvm::ArrayRef<int64_t> shape,
        ::llvm::function_ref<::mlir::InFlightDiagnostic()> emitError) const;
    /// Returns a copy with `axis` changed (for per_channel and per_group).
    QuantSpecAttr withAxis(int64_t newAxis) const;
  }];
}

//===----------------------------------------------------------------------===//
// SparsitySpecAttr
//===----------------------------------------------------------------------===//

def Sparq_SparsitySpecAttr : Sparq_Attr<"SparsitySpec", "sparsity"> {
  let summary = "Which weights of a tensor are zero: unstructured, N:M, "
                "blocks or whole channels";
  let description = [{
    A sparsity pattern. Syntax and examples:

    ```mlir
    #sparq.sparsity<unstructured, ratio = 0.9>   // 90% of weights are zero
    #sparq.sparsity<2:4, axis = 1>               // at most 2 nonzeros in every
                                                 // 4 consecutive weights along axis 1
    #sparq.sparsity<block [1, 16], ratio = 0.5>  // half of the 1x16 blocks are zero
    #sparq.sparsity<channel, axis = 0, ratio = 0.3> // 30% of the slices along
                                                    // axis 0 are zero
    ```

    `ratio` is the fraction of zeros (of elements, blocks or channels) and
    lies in [0, 1). For `N:M`, `0 < N < M`, and `M` must divide the size of
    `axis`. Every dimension of a block shape must divide the tensor's.

    When a spec composes sparsity with quantization (`#sparq.spec`), the
    weight is first pruned and the surviving values are quantized; scale
    groups are counted over the dense index space, so a group of 128 along
    the reduction axis covers 128 dense positions, whatever their sparsity.
  }];
  let parameters = (ins
    "::mlir::sparq::SparsityKind":$kind,
    APFloatParameter<"fraction of zeros">:$ratio,
    "int64_t":$n,
    "int64_t":$m,
    "int64_t":$axis,
    ArrayRefParameter<"int64_t">:$blockShape
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The target fraction of zero elements implied by the spec.
    double getZeroFraction() const;
    ::llvm::LogicalResult verifyForShape(
        ::llvm::ArrayRef<int64_t> shape,
        ::llvm::function_ref<::mlir::InFlightDiagnostic()> emitError) const;
    SparsitySpecAttr withAxis(int64_t newAxis) const;
  }];
}

//===----------------------------------------------------------------------===//
// LowRankSpecAttr
//===----------------------------------------------------------------------===//

def Sparq_LowRankSpecAttr : Sparq_Attr<"LowRankSpec", "low_rank"> {
  let summary = "Factorization of a weight into two thinner matrices";
  let description = [{
    A low-rank factorization `W ~= U * V` of a weight viewed as a matrix
    `[rows, cols]`: its output axis `axis` (default 0) by all the other axes
    (those reduced over, for a layer). Either a fixed `rank`, or the smallest
    rank whose singular values keep an `energy` fraction of
    `sum(sigma_i^2)`:

    ```mlir
    #sparq.low_rank<rank = 64>
    #sparq.low_rank<energy = 0.95>
    // An HWCF convolution filter: the output channels are axis 3, the
    // matrix is [F, H * W * C].
    #sparq.low_rank<rank = 8, axis = 3>
    ```

    The rank must be smaller than both matrix dimensions (otherwise the
    factors are not smaller than the weight); `energy` lies in (0, 1].
    `sparq-annotate` sets `axis` to each layer's output axis, as it maps the
    axes of the other specs.
  }];
  let parameters = (ins
    "int64_t":$rank,
    APFloatParameter<"fraction of spectral energy kept">:$energy,
    DefaultValuedParameter<"int64_t", "0", "the output (row) axis">:$axis
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let builders = [
    AttrBuilder<(ins "int64_t":$rank, "::llvm::APFloat":$energy), [{
      return $_get($_ctxt, rank, energy, /*axis=*/0);
    }]>
  ];
  let extraClassDeclaration = [{
    bool hasFixedRank() const { return getRank() > 0; }
    /// Returns a copy with the output axis `newAxis`.
    LowRankSpecAttr withAxis(int64_t newAxis) const;
    ::llvm::LogicalResult verifyForShape(
        ::llvm::ArrayRef<int64_t> shape,
        ::llvm::function_ref<::mlir::InFlightDiagnostic()> emitError) const;
  }];
}

//===----------------------------------------------------------------------===//
// SpecAttr
//===----------------------------------------------------------------------===//

def Sparq_SpecAttr : Sparq_Attr<"Spec", "spec"> {
  let summary = "Low rank, sparsity and quantization composed on one weight";
  let description = [{
    Composes up to three specs on one weight. They apply in a fixed order:
    the weight is factored (`low_rank`), then pruned (`sparsity`), then the
    remaining values are quantized (`quant`). At least one must be present.

    ```mlir
    #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>,
                quant = #sparq.quant<i8, per_channel(axis = 0)>>
    ```
  }];
  let parameters = (ins
    OptionalParameter<"::mlir::sparq::QuantSpecAttr">:$quant,
    OptionalParameter<"::mlir::sparq::SparsitySpecAttr">:$sparsity,
    OptionalParameter<"::mlir::sparq::LowRankSpecAttr">:$lowRank
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    ::llvm::LogicalResult verifyForShape(
        ::llvm::ArrayRef<int64_t> shape,
        ::llvm::function_ref<::mlir::InFlightDiagnostic()> emitError) const;
  }];
}

def Sparq_AnySpecAttr : AnyAttrOf<[Sparq_QuantSpecAttr, Sparq_SparsitySpecAttr,
                                   Sparq_LowRankSpecAttr, Sparq_SpecAttr]>;

#endif // SPARQ_DIALECT_SPARQ_IR_SPARQATTRS_TD
