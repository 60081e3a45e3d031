//===- Matmul.h - Rewriting linalg.matmul onto compressed weights -*- C++ -*-===//
//
// Compression passes store the weight of a plain `linalg.matmul` (`[K, N]`)
// transposed to `[N, K]` so that the reduction axis is contiguous, and
// replace the op by `sparq.matmul`. These helpers are shared by every pass
// that does so.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_DIALECT_SPARQ_UTILS_MATMUL_H
#define SPARQ_DIALECT_SPARQ_UTILS_MATMUL_H

#include "sparq/Dialect/Sparq/IR/SparqAttrs.h"
#include "sparq/Dialect/Sparq/Utils/Layers.h"

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"

#include <vector>

namespace mlir::sparq {

/// Int8 activations (activations=int8 on the CPU and GPU pipelines) apply
/// from this many elements of reduction on; shorter products (the first
/// convolution of an image model after im2col) keep exact f32 activations:
/// quantizing each activation row would cost more than the product. One
/// constant so that CPU and GPU builds of a model compute the same.
constexpr int64_t kMinInt8ActivationK = 16;

/// Transposes a row-major [rows, cols] matrix.
std::vector<float> transpose2D(ArrayRef<float> data, int64_t rows,
                               int64_t cols);

/// The spec for the transposed ([N, K]) weight of a rank-2 [K, N] one: axes
/// are swapped, block shapes reversed.
QuantSpecAttr transposeSpec(QuantSpecAttr spec);
SparsitySpecAttr transposeSpec(SparsitySpecAttr spec);

/// True if `op` is a plain `linalg.matmul` (C[M,N] += A[M,K] * B[K,N]) on
/// tensors whose operands share one float element type.
bool isPlainMatmul(Operation *op);

/// The indexing maps of C[M,N] += A[M,K] * B[N,K] over (m, n, k).
SmallVector<AffineMap> getTransposedBMatmulMaps(MLIRContext *ctx);

/// `y` (a rank-2 f32 tensor) times the rank-0 f32 tensor `globalScale`,
/// elementwise (a `linalg.generic`): the two-level scales' second level,
/// applied to the result of a kernel that applies the first.
Value multiplyByGlobalScale(OpBuilder &b, Location loc, Value y,
                            Value globalScale);

/// True if `op` is a `linalg.matmul` with exactly those maps.
bool hasTransposedBMaps(Operation *op);

/// True if `op` is a `linalg.matmul` on tensors whose right-hand side is
/// stored transposed (C[M,N] += A[M,K] * B[N,K], the form ONNX `Gemm` with
/// `transB = 1` and PyTorch `Linear` export), operands of one float type.
bool isTransposedBMatmul(Operation *op);

/// True if `value` is a tensor filled with zeros.
bool isZeroFilled(Value value);

/// Replaces the plain or transposed-B `linalg.matmul` `op` by `sparq.matmul`
/// on `compressed` (its weight as [N, K]), plus a `linalg.add` when the
/// accumulator is not a zero fill, names it `layerName` and erases `op`.
void replaceWithCompressedMatmul(OpBuilder &b, Operation *op, Value compressed,
                                 StringRef layerName);

/// Makes the annotated `layer` read its weight from `compressed`: by
/// `replaceWithCompressedMatmul` when `asMatmul`, else through a
/// `sparq.dequantize` to the dense weight type (at the annotation's
/// location), naming the op after the layer. Then erases the annotation if
/// nothing else uses it.
void replaceLayerWeight(OpBuilder &b, const Layer &layer, Value compressed,
                        bool asMatmul);

} // namespace mlir::sparq

#endif // SPARQ_DIALECT_SPARQ_UTILS_MATMUL_H
