//===- SparqTypes.td - Sparq types -------------------------*- tablegen -*-===//

#ifndef SPARQ_DIALECT_SPARQ_IR_SPARQTYPES_TD
#define SPARQ_DIALECT_SPARQ_IR_SPARQTYPES_TD

include "mlir/IR/AttrTypeBase.td"
include "sparq/Dialect/Sparq/IR/SparqAttrs.td"

def Sparq_CompressedType : TypeDef<Sparq_Dialect, "Compressed"> {
  let mnemonic = "compressed";
  let summary = "A weight stored in a compressed format";
  let description = [{
    A value of logical shape `shape` and float element type `elementType`
    (what `sparq.dequantize` returns) stored as the compressed format `spec`
    (a `#sparq.quant`, a `#sparq.sparsity`, or a `#sparq.spec` composing
    both; low rank is not a storage format since it yields two weights).

    ```mlir
    !sparq.compressed<4096x4096xf32, #sparq.quant<i4, per_group(axis = 1, size = 128)>>
    ```

    The type fixes the storage layout completely; `sparq.assemble` takes the
    storage tensors in this order, and its verifier checks their types:

    * `data` (`tensor<...xi8>` bytes, or the element type when there is no
      quantization): the stored values. Sub-byte values are **packed along
      the last dimension as a little-endian bit stream**: element `i` of a
      row occupies bits `[i*b, (i+1)*b)` of the row, where bit `j` is bit
      `j mod 8` of byte `j / 8`. For int4 this puts element `2k` in the low
      nibble and `2k+1` in the high nibble of byte `k`; for int2, element `4k+t`
      is in bits `[2t, 2t+2)`. A row of `n` elements takes `ceil(n*b/8)` bytes
      (unused high bits are zero). Float storage stores its bit pattern.
    * `scales` (`tensor<scale-shape x scale-type>`, see `#sparq.quant`).
    * `zero_points` (`tensor<scale-shape x i8>`, asymmetric only; the byte is
      read with the storage type's signedness).
    * `global_scale` (`tensor<f32>`, only with `global_scale = f32`).
    * sparsity metadata, by kind:
      * `N:M` along `axis`: `data` holds the `N` kept values of every group of
        `M` (the dimension `axis` shrinks to `D * N / M`, kept values in
        increasing position order); `indices` (`tensor<...xi8>`, the same
        logical shape as the kept values) holds each kept value's position
        within its group in `ceil(log2 M)` bits, packed along the last dimension
        like `data`.
      * `unstructured` (compressed sparse rows of the tensor viewed as
        `[D0, D1 * ... * Dr-1]`): `data` holds the `nnz` nonzeros in row-major
        order (`[nnz]`, or `[ceil(nnz*b/8)]` bytes when quantized); `indices`
        (`tensor<nnz x i16>` when the row length fits in 16 bits, else `i32`)
        their column; `offsets` (`tensor<D0+1 x i32>`) where each row starts.
      * `block` (rank 2, block shape `[B0, B1]`): compressed sparse rows of
        nonzero blocks: `data` `[nblocks, B0, B1]` (last dim packed when
        quantized), `indices` (`tensor<nblocks x i32>`) each block's column
        (in blocks), `offsets` (`tensor<D0/B0+1 x i32>`).
      * `channel` along `axis`: `data` holds the kept slices (the dimension
        `axis` shrinks to the number kept) and `indices` (`tensor<kept x i32>`)
        their positions in increasing order.
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t">:$shape,
    "::mlir::Type":$elementType,
    "::mlir::Attribute":$spec
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The quantization part of the spec, or null.
    QuantSpecAttr getQuant() const;
    /// The sparsity part of the spec, or null.
    SparsitySpecAttr getSparsity() const;
    int64_t getRank() const { return getShape().size(); }
    int64_t getNumElements() const;
    /// The dense float tensor this value stands for.
    ::mlir::RankedTensorType getDenseType() const;
  }];
}

#endif // SPARQ_DIALECT_SPARQ_IR_SPARQTYPES_TD
