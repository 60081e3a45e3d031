//===- SparqBase.td - Sparq dialect definition -------------*- tablegen -*-===//
//
// The `sparq` dialect: how model weights are (to be) compressed, and the
// compressed weights themselves.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_DIALECT_SPARQ_IR_SPARQBASE_TD
#define SPARQ_DIALECT_SPARQ_IR_SPARQBASE_TD

include "mlir/IR/OpBase.td"

def Sparq_Dialect : Dialect {
  let name = "sparq";
  let cppNamespace = "::mlir::sparq";
  let summary = "Compression of deep learning model weights: specs, compressed "
                "values and compute on them";
  let description = [{
    The `sparq` dialect describes how the weights of a model are compressed
    and carries the compressed weights through to code generation.

    It has three layers:

    * **Specs** (`#sparq.quant`, `#sparq.sparsity`, `#sparq.low_rank`,
      `#sparq.spec`) say *what* should happen to a weight: its quantization
      format, its sparsity pattern, its low-rank factorization. They are
      verified on their own and against the shape of the weight they annotate.
    * **Annotations** (`sparq.annotate`) attach a spec to a weight without
      changing its value, so that compression passes know what to do.
    * **Compressed values** (`!sparq.compressed`, built by `sparq.assemble`)
      are weights whose storage is in its final, compressed form: packed
      sub-byte integers, scales, zero points and sparsity metadata. The type
      alone fixes the exact storage layout, so lowering needs nothing else.
      `sparq.dequantize` turns such a value back into a dense float tensor
      (the reference decode path) and `sparq.matmul` computes on it directly.

    Numerics are exact and documented on each attribute and op: quantization
    is `q = clamp(round(x / s) + z, qmin, qmax)` with the rounding mode named
    by the spec (round-half-to-even by default) and dequantization is
    `x' = (q - z) * s`.

    Function arguments may carry two `sparq` attributes:

    * `sparq.name = "..."` names the argument in a compiled model's C ABI.
    * `sparq.packed` (unit) says the argument, the `data` of a 2- to 8-bit
      quantized weight, is passed in the CPU runtime's packed layout (written
      by `sparq_rt_qpack`, see `sparq-c/Runtime.h`) instead of the layout its
      `!sparq.compressed` type describes. `convert-sparq-to-runtime` reads it
      as such (constant weights are packed at compile time without it); the
      other lowerings reject it.
  }];
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  let hasRegionArgAttrVerify = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
    void registerTypes();

    /// The function-argument attribute marking packed weight data.
    static constexpr ::llvm::StringLiteral kPackedAttrName = "sparq.packed";
    /// Whether `value` is a function argument marked `sparq.packed`.
    static bool isPackedArgument(::mlir::Value value);
  }];
}

class Sparq_Op<string mnemonic, list<Trait> traits = []>
    : Op<Sparq_Dialect, mnemonic, traits>;

#endif // SPARQ_DIALECT_SPARQ_IR_SPARQBASE_TD
