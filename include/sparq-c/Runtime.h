/*===- sparq-c/Runtime.h - Sparq CPU runtime C API ---------------*- C -*-===*\
|*                                                                            *|
|* The small runtime that code compiled by Sparq's `sparq-cpu` pipeline       *|
|* links against: a thread pool and the fused compressed-weight matmul        *|
|* micro-kernels ("ukernels") that `convert-sparq-to-runtime` calls.          *|
|*                                                                            *|
|* Compiled models and the benchmark link `libSparqRuntime.a`. All entry      *|
|* points are safe to call from one application thread at a time; a second   *|
|* concurrent caller runs its kernel on its own thread only.                  *|
\*===----------------------------------------------------------------------===*/

#ifndef SPARQ_C_RUNTIME_H
#define SPARQ_C_RUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*===----------------------------------------------------------------------===*\
|* Threads                                                                    *|
\*===----------------------------------------------------------------------===*/

/// Sets the number of threads kernels use (>= 1; clamped to 256). The default
/// is the `SPARQ_NUM_THREADS` environment variable if set, else the number of
/// hardware threads. Takes effect at the next kernel call.
void sparq_rt_set_num_threads(int32_t numThreads);
int32_t sparq_rt_get_num_threads(void);

/// Runs `fn(ctx, index, count)` for index in [0, count) on the pool, each
/// index once; returns when all are done. `count` is at most the thread count.
void sparq_rt_parallel(void (*fn)(void *ctx, int32_t index, int32_t count),
                       void *ctx, int32_t count);

/// The name of the kernel family the host CPU selected: "avx512-vnni" or
/// "portable".
const char *sparq_rt_isa(void);

/*===----------------------------------------------------------------------===*\
|* Memref descriptors (the layout MLIR's `llvm.emit_c_interface` uses)        *|
\*===----------------------------------------------------------------------===*/

/// A rank-2 strided memref: element (i, j) is at
/// `aligned + offset + i * strides[0] + j * strides[1]` (in elements).
typedef struct sparq_memref2d {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
} sparq_memref2d_t;

/*===----------------------------------------------------------------------===*\
|* Dense matmul: y = x * w (+ init)                                           *|
\*===----------------------------------------------------------------------===*/

/// x: [M, K] f32, w: [K, N] (f32, or f16/bf16 bits for the _f16w/_bf16w
/// variants, widened exactly to f32), init and y: [M, N] f32. With
/// `flags & 1`, y = init + x * w; otherwise y = x * w and init is not read.
/// Accumulation is in f32 (fused multiply-add, order unspecified).
void _mlir_ciface_sparq_rt_matmul_f32(sparq_memref2d_t *x, sparq_memref2d_t *w,
                                      sparq_memref2d_t *init,
                                      sparq_memref2d_t *y, int64_t flags);
void _mlir_ciface_sparq_rt_matmul_f16w(sparq_memref2d_t *x,
                                       sparq_memref2d_t *w,
                                       sparq_memref2d_t *init,
                                       sparq_memref2d_t *y, int64_t flags);
void _mlir_ciface_sparq_rt_matmul_bf16w(sparq_memref2d_t *x,
                                        sparq_memref2d_t *w,
                                        sparq_memref2d_t *init,
                                        sparq_memref2d_t *y, int64_t flags);

/*===----------------------------------------------------------------------===*\
|* Quantized-weight matmul: y = x * dequant(W)^T                              *|
\*===----------------------------------------------------------------------===*/

/// `config` bit fields for sparq_rt_qmatmul_*.
#define SPARQ_RT_Q_BITS(c) ((int)((c) & 0xff))  /* 2..8 */
#define SPARQ_RT_Q_SIGNED (1 << 8)               /* two's complement codes */
#define SPARQ_RT_Q_HAS_ZP (1 << 9)               /* zero points are read */
#define SPARQ_RT_Q_ACT_INT8 (1 << 10)            /* int8 activations */

/// x: [M, K] f32; y: [M, N] f32; the weight W: [N, K] is stored as in
/// `!sparq.compressed` (see SparqTypes.td): `data` is [N, ceil(K*b/8)] bytes,
/// each row a little-endian bit stream of b-bit codes (element k at bits
/// [k*b, k*b+b) of the row); `scales` [N or 1, K/G or 1] (f32, f16 or bf16
/// bits by variant) and, with SPARQ_RT_Q_HAS_ZP, `zp` of the same shape in
/// int8 (sign-extended for signed codes, zero-extended for unsigned). A size-1
/// dimension of the scales broadcasts; G = K / scales.sizes[1].
///
/// Numerics. With w(n,k) = (q(n,k) - z) * s:
///  * default (exact weights): y(m,n) = sum_k x(m,k) * w(n,k) in f32;
///  * SPARQ_RT_Q_ACT_INT8: each row of x is first quantized symmetrically,
///    a = max_k |x(m,k)| / 127, xq(m,k) = clamp(rint(x(m,k) / a), -127, 127)
///    (rint: round half to even), and
///    y(m,n) = a * sum_g s(n,g) * sum_{k in g} (q(n,k) - z(n,g)) * xq(m,k),
///    with the inner sums exact in int32 (AVX-512 VNNI dot products).
void _mlir_ciface_sparq_rt_qmatmul_sf32(sparq_memref2d_t *x,
                                        sparq_memref2d_t *data,
                                        sparq_memref2d_t *scales,
                                        sparq_memref2d_t *zp,
                                        sparq_memref2d_t *y, int64_t k,
                                        int64_t config);
void _mlir_ciface_sparq_rt_qmatmul_sf16(sparq_memref2d_t *x,
                                        sparq_memref2d_t *data,
                                        sparq_memref2d_t *scales,
                                        sparq_memref2d_t *zp,
                                        sparq_memref2d_t *y, int64_t k,
                                        int64_t config);
void _mlir_ciface_sparq_rt_qmatmul_sbf16(sparq_memref2d_t *x,
                                         sparq_memref2d_t *data,
                                         sparq_memref2d_t *scales,
                                         sparq_memref2d_t *zp,
                                         sparq_memref2d_t *y, int64_t k,
                                         int64_t config);

#ifdef __cplusplus
}
#endif

#endif /* SPARQ_C_RUNTIME_H */
