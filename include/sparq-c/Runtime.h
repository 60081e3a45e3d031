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

/// Sets how many weight streams a GEMV reads per thread: 2 or 4 (rows from
/// as many parts of the thread's range, see forEachStreamRow in
/// lib/Runtime), or 0 (the default): automatic. Quantized GEMVs (batch 1-8;
/// batch 1-3 for group layouts that are not interleaved): 4 at batch >= 2
/// when the activations of all rows of x exceed 12 KB; else 2 when the
/// thread's part of the weight is larger than 1 MiB (it streams from DRAM or
/// L3, where two streams per core read fastest on the machines measured),
/// else 4 (four rows share each activation load) when four rows and the
/// activations fit in 24 KB of L1. N:M GEMVs (batch 1): 4. A tuning knob
/// for benchmarks (bench/sparq-gemv-ab); other values mean automatic.
void sparq_rt_set_gemv_streams(int32_t streams);
int32_t sparq_rt_get_gemv_streams(void);

/// The name of the kernel family the host CPU selected: "avx512-vnni-vbmi"
/// (AVX-512 with VNNI and VBMI: every kernel), "avx512-vnni" (without VBMI:
/// activations prepared by scalar code, 2/3/5/6/7-bit weights on the
/// portable kernels) or "portable". The environment variable
/// SPARQ_RT_PORTABLE forces "portable", SPARQ_RT_NO_VBMI "avx512-vnni" (for
/// testing the fallbacks).
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
#define SPARQ_RT_Q_PACKED (1 << 11) /* `data` as written by sparq_rt_qpack */
#define SPARQ_RT_Q_E2M1 (1 << 12)   /* 4-bit OCP FP4 E2M1 codes (bits = 4) */
#define SPARQ_RT_Q_PANELS (1 << 13) /* packed rows in K-panels (qpack) */

/// x: [M, K] f32; y: [M, N] f32; the weight W: [N, K] is stored as in
/// `!sparq.compressed` (see SparqTypes.td): `data` is [N, ceil(K*b/8)] bytes,
/// each row a little-endian bit stream of b-bit codes (element k at bits
/// [k*b, k*b+b) of the row); `scales` [N or 1, K/G or 1] (f32, f16 or bf16
/// bits by variant) and, with SPARQ_RT_Q_HAS_ZP, `zp` of the same shape in
/// int8 (sign-extended for signed codes, zero-extended for unsigned). A size-1
/// dimension of the scales broadcasts; G = K / scales.sizes[1].
///
/// Numerics. With w(n,k) = (q(n,k) - z) * s:
///  * default (exact weights): y(m,n) = sum_k x(m,k) * w(n,k) in f32 (fused
///    multiply-adds in an unspecified order; for 8-bit and narrower codes
///    with one group per row, the scale may multiply the sum instead:
///    s * sum_k x(m,k) * (q(n,k) - z), q - z exact);
///  * SPARQ_RT_Q_ACT_INT8: each row of x is first quantized symmetrically,
///    a = max_k |x(m,k)| / 127, xq(m,k) = clamp(rint(x(m,k) / a), -127, 127)
///    (rint: round half to even), and
///    y(m,n) = a * sum_g s(n,g) * sum_{k in g} (q(n,k) - z(n,g)) * xq(m,k),
///    with the inner sums exact in int32 (AVX-512 VNNI dot products; for
///    per-channel weights packed in K-panels, exact per panel of 4096
///    elements, see sparq_rt_qpack).
///
/// SPARQ_RT_Q_E2M1: the 4-bit codes are OCP FP4 E2M1 (sign in bit 3,
/// magnitudes 0, 0.5, 1, 1.5, 2, 3, 4, 6) and w(n,k) = value(q) * s with no
/// zero point (SIGNED and HAS_ZP are ignored). Every value is half an integer
/// in [-12, 12], so the int8-activation path computes
/// sum_g (s(n,g) / 2) * sum_{k in g} (2 value(q)) * xq(m,k) exactly in int32
/// as for int4. A global (per-tensor) scale is not applied here.
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
/// Block-scaled FP4 (MXFP4: E8M0 scales; NVFP4: E4M3 scales), or any code
/// with 8-bit float scales: `scales` holds the raw 8-bit scale codes.
void _mlir_ciface_sparq_rt_qmatmul_se8m0(
    sparq_memref2d_t *x, sparq_memref2d_t *data, sparq_memref2d_t *scales,
    sparq_memref2d_t *zp, sparq_memref2d_t *y, int64_t k, int64_t config);
void _mlir_ciface_sparq_rt_qmatmul_se4m3(
    sparq_memref2d_t *x, sparq_memref2d_t *data, sparq_memref2d_t *scales,
    sparq_memref2d_t *zp, sparq_memref2d_t *y, int64_t k, int64_t config);

/// Rewrites the `data` of a quantized weight ([N, ceil(K*b/8)] bytes in the
/// `!sparq.compressed` layout, `groups` = K / G scale groups per row) into the
/// layout the int8-activation kernels read fastest, and returns the config to
/// call sparq_rt_qmatmul_* with: `config | SPARQ_RT_Q_PACKED`, or `config`
/// unchanged (and `dst` a plain copy) for widths without a packed layout:
/// 1 bit, and 2, 3, 5, 6 or 7 bits unless their groups interleave (below).
/// `src` and `dst` are contiguous (row stride ceil(K*b/8)) and do not
/// overlap. The compiler calls this on constant weights at compile time; a
/// caller passing weights at run time may call it once at load time.
///
/// The packed layout (b = 4 or 8, a 4-byte word holds L = 32/b codes):
///  * codes are offset binary: signed codes are stored as q + 2^(b-1)
///    (unsigned codes unchanged), so the kernel never flips sign bits;
///  * when groups >= 2 and G % L == 0 (W = G / L words per group), each row
///    is a sequence of blocks of 16 groups: word j*16 + i of block S holds
///    the codes of group 16*S + i, elements [j*L, j*L + L) of it (codes
///    within a word in the usual little-endian order). The r = groups % 16
///    groups past them form tail blocks, in this order: for R = 8, 4, 2, 1,
///    when bit R of r is set and W % (16/R) == 0, a block of R groups with
///    P = 16/R words of each group per 16-word step: word j*16 + i*P + e of
///    the block holds word j*P + e of its group i (R = 1: natural order);
///    then the groups left (if any) form one last block of r' groups laid
///    out as a full block with r' words per step (word j*r' + i). One
///    64-byte load feeds 16 lanes of VNNI dot products (r' in the last
///    block), each lane within one group, so each group is scaled once per
///    block instead of once per 64 bytes.
///
/// 2, 3, 5, 6 and 7 bits: the same order with L = 4 codes per word, a word
/// being 4b bits of the row's bit stream (code c of the reordered row at
/// bits [c*b, c*b + b)), offset binary; only when groups >= 2, G % 8 == 0
/// and the last block's 4r' codes fill whole bytes (r' * b even), so that
/// every 16-word step starts on a byte (8b bytes, 64 codes).
///
/// K-panels (the returned config has SPARQ_RT_Q_PANELS): interleaved rows of
/// more than 4096 codes are cut at block boundaries into panels of
/// F = max(1, floor(4096 / (16 G))) blocks of 16 groups (16 F G codes, about
/// 4096), when that makes two panels or more: P = ceil((groups / 16) / F)
/// panels, the last one holding the blocks left (1 to F) and all the tail
/// blocks. Panel q of all n rows is stored before panel q + 1: the part of
/// row r in panel q (bytes [q B, q B + B_q) of the interleaved row above,
/// B = 2 F G b bytes, B_q = B but for the last panel, which has the rest of
/// the row) is at byte q n B + r B_q of `dst`. Per-channel 4- and 8-bit
/// codes (groups = 1, not interleaved) of rows of more than 4096 codes are
/// cut the same way every 4096 codes (B = 512 b bytes). A GEMV then streams
/// the rows one panel at a time with that panel's activations in L1
/// (per-channel weights are read so at every batch; the int32 sums of
/// SPARQ_RT_Q_ACT_INT8 are then exact per panel and added in f32). Such
/// `data` is passed whole (all n rows, row stride ceil(K*b/8)); anything
/// else aborts with a message.
int64_t sparq_rt_qpack(const uint8_t *src, uint8_t *dst, int64_t n, int64_t k,
                       int64_t groups, int64_t config);

/// The config sparq_rt_qpack(src, dst, n, k, groups, config) returns (it
/// does not depend on n or the codes): for callers passing packed weights
/// made elsewhere, e.g. the compiler for arguments marked `sparq.packed`.
int64_t sparq_rt_qpack_config(int64_t k, int64_t groups, int64_t config);

/*===----------------------------------------------------------------------===*\
|* Sparse-weight matmul: y = x * W^T, W stored as !sparq.compressed           *|
\*===----------------------------------------------------------------------===*/

/// A rank-1 strided memref (MLIR's descriptor for memref<?xT, strided<[?],
/// offset: ?>>): element i is at `aligned + offset + i * strides[0]`.
typedef struct sparq_memref1d {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[1];
  int64_t strides[1];
} sparq_memref1d_t;

/// `config` fields of the N:M entry points: N in bits [16, 24), M in bits
/// [24, 32); the quantized variant also uses SPARQ_RT_Q_BITS/SIGNED/HAS_ZP
/// in bits [0, 10) (SPARQ_RT_Q_ACT_INT8 is ignored: activations stay f32).
#define SPARQ_RT_NM_N(c) ((int)(((c) >> 16) & 0xff))
#define SPARQ_RT_NM_M(c) ((int)(((c) >> 24) & 0xff))
#define SPARQ_RT_NM_CONFIG(n, m) (((int64_t)(n) << 16) | ((int64_t)(m) << 24))

/// N:M sparsity along K (1 <= N <= M, K % M == 0). x: [M_x, K] f32, y:
/// [M_x, N_w] f32 (N_w = y.sizes[1]). W is stored group by group: each group
/// of M consecutive columns keeps N values, so row n has Kv = K / M * N
/// stored values. `values`: [N_w, Kv] f32, value i of row n is W(n, k) with
/// k = (i / N) * M + pos(n, i). `indices`: [N_w, ceil(Kv * b / 8)] bytes with
/// b = ceil(log2 M); pos(n, i) is the b-bit field at bits [i*b, i*b+b) of
/// row n (little-endian bit stream, as sub-byte codes are packed). Positions
/// within a group are increasing; padding slots of groups with fewer than N
/// nonzeros store the value 0. y(m, n) = sum_i values(n, i) * x(m, k) in f32
/// (fused multiply-add, order unspecified).
void _mlir_ciface_sparq_rt_nm_matmul_f32(sparq_memref2d_t *x,
                                         sparq_memref2d_t *values,
                                         sparq_memref2d_t *indices,
                                         sparq_memref2d_t *y, int64_t k,
                                         int64_t config);

/// N:M composed with integer quantization: `data` holds the stored values as
/// b_q-bit codes (SPARQ_RT_Q_BITS, 2..8), [N_w, ceil(Kv * b_q / 8)] bytes,
/// packed like the positions. Scales and zero points are indexed by the
/// dense position (n, k) exactly as for sparq_rt_qmatmul_*: [N_w or 1,
/// K / G or 1], G = K / scales.sizes[1]. The stored weight is
/// w = (q - z(n, k/G)) * s(n, k/G) and y(m, n) = sum_i w(n, i) * x(m, k) in
/// f32; with one scale per row it may be applied once to the row's sum.
void _mlir_ciface_sparq_rt_nm_qmatmul_sf32(
    sparq_memref2d_t *x, sparq_memref2d_t *data, sparq_memref2d_t *indices,
    sparq_memref2d_t *scales, sparq_memref2d_t *zp, sparq_memref2d_t *y,
    int64_t k, int64_t config);
void _mlir_ciface_sparq_rt_nm_qmatmul_sf16(
    sparq_memref2d_t *x, sparq_memref2d_t *data, sparq_memref2d_t *indices,
    sparq_memref2d_t *scales, sparq_memref2d_t *zp, sparq_memref2d_t *y,
    int64_t k, int64_t config);
void _mlir_ciface_sparq_rt_nm_qmatmul_sbf16(
    sparq_memref2d_t *x, sparq_memref2d_t *data, sparq_memref2d_t *indices,
    sparq_memref2d_t *scales, sparq_memref2d_t *zp, sparq_memref2d_t *y,
    int64_t k, int64_t config);

/// Unstructured sparsity (CSR over rows of W [N_w, K]). `offsets`: [N_w + 1]
/// int32, row n stores entries [offsets[n], offsets[n+1]); `cols`: the column
/// of each entry, unsigned 16-bit (_i16 variant, used when K <= 65536) or
/// int32; `values`: [nnz] f32. Columns within a row are increasing.
/// y(m, n) = sum_j values[j] * x(m, cols[j]) over row n's entries in f32
/// (order unspecified); a row without entries gives 0. `config` is 0.
void _mlir_ciface_sparq_rt_csr_matmul_f32_i16(
    sparq_memref2d_t *x, sparq_memref1d_t *offsets, sparq_memref1d_t *cols,
    sparq_memref1d_t *values, sparq_memref2d_t *y, int64_t k, int64_t config);
void _mlir_ciface_sparq_rt_csr_matmul_f32_i32(
    sparq_memref2d_t *x, sparq_memref1d_t *offsets, sparq_memref1d_t *cols,
    sparq_memref1d_t *values, sparq_memref2d_t *y, int64_t k, int64_t config);

/// `config` of sparq_rt_bsr_matmul_f32: the block shape [B0, B1].
#define SPARQ_RT_BSR_B0(c) ((int64_t)((c) & 0xffff))
#define SPARQ_RT_BSR_B1(c) ((int64_t)(((c) >> 16) & 0xffff))
#define SPARQ_RT_BSR_CONFIG(b0, b1) ((int64_t)(b0) | ((int64_t)(b1) << 16))

/// Block sparsity (BSR): W [N_w, K] in [B0, B1] blocks. `offsets`:
/// [N_w / B0 + 1] int32, block row r stores blocks [offsets[r],
/// offsets[r+1]); `cols`: int32 block column of each block (its first
/// column is cols[j] * B1); `values`: [nblocks * B0 * B1] f32, block j
/// row-major (the !sparq.compressed values [nblocks, B0, B1] flattened).
/// y(m, n) = sum over the blocks of n's block row of
/// sum_c values[(j * B0 + n % B0) * B1 + c] * x(m, cols[j] * B1 + c).
void _mlir_ciface_sparq_rt_bsr_matmul_f32(
    sparq_memref2d_t *x, sparq_memref1d_t *offsets, sparq_memref1d_t *cols,
    sparq_memref1d_t *values, sparq_memref2d_t *y, int64_t k, int64_t config);

/// Metadata of the sparse entry points are trusted: positions < M, columns
/// < K and nondecreasing offsets within the arrays' sizes are preconditions
/// (Sparq's compiler produces them); a bad N:M config or offsets size aborts
/// with a message.

#ifdef __cplusplus
}
#endif

#endif /* SPARQ_C_RUNTIME_H */
