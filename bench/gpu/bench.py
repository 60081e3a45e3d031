#!/usr/bin/env python3
"""Sparq GPU kernel benchmark (driven by bench/gpu/run).

prepare: compile every case's kernel with sparq-compile --emit=ptx for sm_80
         and sm_90, and record its launch configuration (from the
         sparq.gpu_launch attribute convert-sparq-to-gpu writes). GEMM cases
         name their kernel: "mma" (tensor cores, the sparq-gpu default on
         NVIDIA), "mmab" (the same on bf16, mma-bf16), "mma8" (int8 tensor
         cores, mma-int8) or "simt" (mma=false).
run:     on an NVIDIA GPU (torch): load each PTX through libsparq_gpu_runtime
         (mgpuModuleLoadJIT / mgpuLaunchKernel, the entry points compiled
         models call), check the result against a float64 numpy reference on
         the CPU with a rigorous f32 summation bound (for "mma": on x and w
         rounded to f16, as the kernel does, with 4x the f32 bound since
         tensor cores may truncate while accumulating), then time it with weights
         rotated over >= 512 MiB of distinct copies (L2 never holds them) and
         print GB/s of weight bytes, TFLOP/s, the device's copy bandwidth and
         cuBLAS fp16 (torch.matmul) on the same shape (for "mma8" also cuBLAS
         int8, torch._int_mm). The N:M cases (NM_CASES: random 2:4 storage
         in the sparq-c/Runtime.h layout, checked against the dense W it
         stands for; "nmgemv": the N:M GEMV, "nmmma": more than 8 rows of x,
         the 2:4 sparse tensor-core GEMM on f16-rounded x and W) run last,
         each guarded so that a failure does not stop the report.
"""

import argparse
import ctypes
import json
import os
import re
import subprocess
import sys
import tempfile
import time

# name, storage, group (0: per output channel), scale type, asymmetric, M, N,
# K; the name's first word is the kernel: gemv, mma (tensor-core GEMM), mmab
# (on bf16), mma8 (int8 tensor-core GEMM) or
# simt (SIMT GEMM, mma=false).
CASES = [
    ("gemv-i4g128", "i4", 128, "f16", False, 1, 4096, 4096),
    ("gemv-i4g128", "i4", 128, "f16", False, 1, 11008, 4096),
    ("gemv-i4g128", "i4", 128, "f16", False, 1, 4096, 11008),
    ("gemv-ui4g128a", "ui4", 128, "f16", True, 1, 4096, 4096),
    ("gemv-i8c", "i8", 0, "f32", False, 1, 4096, 4096),
    ("gemv-i8c", "i8", 0, "f32", False, 1, 11008, 4096),
    ("gemv-i4g128", "i4", 128, "f16", False, 1, 14336, 4096),
    ("gemv-i4g128", "i4", 128, "f16", False, 1, 4096, 14336),
    ("gemv-f8e4m3c", "f8E4M3FN", 0, "f32", False, 1, 4096, 4096),
    ("gemv-f8e4m3c", "f8E4M3FN", 0, "f32", False, 1, 11008, 4096),
    ("gemv-mxfp4", "f4E2M1FN", 32, "f8E8M0FNU", False, 1, 4096, 4096),
    ("gemv-i4g128", "i4", 128, "f16", False, 8, 4096, 4096),
    ("simt-i4g128", "i4", 128, "f16", False, 256, 4096, 4096),
    ("simt-i8c", "i8", 0, "f32", False, 256, 4096, 4096),
    ("mma-i4g128", "i4", 128, "f16", False, 256, 4096, 4096),
    ("mma-i8c", "i8", 0, "f32", False, 256, 4096, 4096),
    ("mma-ui4g128a", "ui4", 128, "f16", True, 16, 4096, 4096),
    ("mma-i4g128", "i4", 128, "f16", False, 1024, 4096, 4096),
    ("mma-i4g128", "i4", 128, "f16", False, 2048, 4096, 4096),
    ("mma-i8c", "i8", 0, "f32", False, 2048, 4096, 4096),
    ("mma-mxfp4", "f4E2M1FN", 32, "f8E8M0FNU", False, 256, 4096, 4096),
    # The int8 tensor-core GEMM (mma-int8: x quantized per row in the
    # kernel, m16n8k32 s8), next to cuBLAS int8 (torch._int_mm).
    ("mma8-i8c", "i8", 0, "f32", False, 256, 4096, 4096),
    ("mma8-i8c", "i8", 0, "f32", False, 1024, 4096, 4096),
    ("mma8-i8c", "i8", 0, "f32", False, 2048, 4096, 4096),
    ("mma8-i4c", "i4", 0, "f16", False, 2048, 4096, 4096),
    # The tensor-core GEMM on bf16-rounded x and W (mma-bf16).
    ("mmab-i4g128", "i4", 128, "f16", False, 256, 4096, 4096),
    ("mmab-i4g128", "i4", 128, "f16", False, 2048, 4096, 4096),
    # 128-row blocks of four 64 x 64 warps (the default is 64 rows: with
    # 128, ptxas needs 255 registers and spills).
    ("mma8~t128m128p1w64l", "i8", 0, "f32", False, 1024, 4096, 4096),
    ("mma8~t128m128p1w64l", "i8", 0, "f32", False, 2048, 4096, 4096),
]
_I4 = ("gemv-i4g128", "i4", 128, "f16", False)
_I8 = ("gemv-i8c", "i8", 0, "f32", False)
_F8 = ("gemv-f8e4m3c", "f8E4M3FN", 0, "f32", False)
_MX = ("gemv-mxfp4", "f4E2M1FN", 32, "f8E8M0FNU", False)


def _variant(base, word, m, n, k):
    return (base[0].replace("gemv", "gemv~" + word, 1),) + base[1:] + (m, n, k)


# GEMV variants, "gemv~[a8|f32][w<warps>f<features>][u<unroll>]": the
# activations (the default is int8 where the codes allow) and the geometry
# (gemv-warps / gemv-features / gemv-unroll), timed next to the default.
for _base, _m, _n, _k in [(_I4, 1, 4096, 4096), (_I4, 1, 11008, 4096),
                          (_I4, 1, 4096, 11008), (_I8, 1, 4096, 4096),
                          (_MX, 1, 4096, 4096), (_I4, 8, 4096, 4096)]:
    CASES.append(_variant(_base, "f32", _m, _n, _k))
for _word in ["f32w4f8u1", "f32w4f4u2"]:
    for _base, _n, _k in [(_F8, 4096, 4096), (_F8, 11008, 4096)]:
        CASES.append(_variant(_base, _word, 1, _n, _k))
# b<n>: min-blocks-per-sm (ptxas keeps registers low enough for n blocks).
for _word in ["a8w4f4", "a8w8f4u2", "a8b3"]:
    for _base, _n, _k in [(_I4, 4096, 4096), (_I4, 11008, 4096),
                          (_I4, 4096, 11008), (_I8, 4096, 4096)]:
        CASES.append(_variant(_base, _word, 1, _n, _k))
for _word in ["a8w8f2", "a8w8f1", "a8w4f1", "a8w8f2u1", "a8w8f4u1", "a8w8f4u2"]:
    CASES.append(_variant(_I4, _word, 8, 4096, 4096))
# p<n>: the persistent GEMV (gemv-blocks=n; an H100 / H200 has 132 SMs).
for _word in ["a8p132", "a8p264", "a8w8f4u2p264", "a8w8f4u2p396",
              "a8w8f2u2p396", "a8w8f2b2p264", "a8w8f1p528", "a8w8f1u2p792"]:
    for _base, _m, _n, _k in [(_I4, 1, 4096, 4096), (_I4, 1, 11008, 4096),
                              (_I4, 1, 4096, 11008), (_I4, 1, 14336, 4096),
                              (_I4, 1, 4096, 14336), (_I8, 1, 4096, 4096),
                              (_I8, 1, 11008, 4096), (_I4, 8, 4096, 4096)]:
        CASES.append(_variant(_base, _word, _m, _n, _k))
# GEMV on int8 tensor cores (gemv-mma), batch 1, 4 and 8.
for _base, _m, _n, _k in [(_I4, 1, 4096, 4096), (_I4, 1, 11008, 4096),
                          (_I4, 4, 4096, 4096), (_I4, 8, 4096, 4096),
                          (_I8, 1, 4096, 4096), (_I8, 8, 4096, 4096)]:
    CASES.append(_variant(_base, "a8mma", _m, _n, _k))
    CASES.append(_variant(_base, "a8mmar32", _m, _n, _k))
# Tensor-core GEMM variants,
# "mma~t<tile-n>m<tile-m>p<prefetch>[w<warp-n>][s2][b<n>][l][k]": block width
# and height, K steps loaded ahead, columns per warp (w), two shared stages
# (s2), min-blocks-per-sm (b), ldmatrix fragments (l) or 32-bit shared loads.
# k: W kept packed in shared memory (mma-packed-w; dequantized into f16
# tiles otherwise).
for _tile_n, _tile_m, _prefetch, _ldm in [(128, 128, 1, "w64s2lk"), (128, 64, 1, "lk"),
                                          (256, 128, 1, "w64lk"), (128, 128, 1, "w64l"),
                                          (256, 128, 1, "w64l")]:
    for _base in [("mma-i4g128", "i4", 128, "f16", False, 256, 4096, 4096),
                  ("mma-i4g128", "i4", 128, "f16", False, 1024, 4096, 4096),
                  ("mma-i4g128", "i4", 128, "f16", False, 2048, 4096, 4096),
                  ("mma-i8c", "i8", 0, "f32", False, 256, 4096, 4096),
                  ("mma-i8c", "i8", 0, "f32", False, 2048, 4096, 4096)]:
        CASES.append((_base[0].replace(
            "mma", f"mma~t{_tile_n}m{_tile_m}p{_prefetch}{_ldm}", 1),) + _base[1:])
CHIPS = ["sm_80", "sm_90"]
# The N:M sparse GEMV (f32 values): (N, M, batch, rows N_w, K).
# (N, M, rows of x, rows of W, K[, codes]): codes "i8" stores int8 values
# with one f32 scale per row (sparq-sparsify composed with per-channel int8).
NM_CASES = [(2, 4, 1, 4096, 4096), (2, 4, 1, 11008, 4096), (2, 4, 1, 4096, 11008),
            (2, 4, 2, 4096, 4096), (2, 4, 1, 4096, 4096, "i8"),
            (2, 4, 1, 11008, 4096, "i8"),
            # More than 8 rows of x: the 2:4 sparse tensor-core GEMM (mma.sp).
            (2, 4, 256, 4096, 4096), (2, 4, 2048, 4096, 4096),
            (2, 4, 2048, 4096, 4096, "i8")]


def nm_codes(c):
    return c[5] if len(c) > 5 else None


def nm_bits(mm):
    """Bits of one N:M position field: ceil(log2 M)."""
    return max(1, (mm - 1).bit_length())


def nm_id(c):
    n, mm, m, rows, k = c[:5]
    kind = "nmgemv" if m <= 8 else "nmmma"
    codes = f"-{nm_codes(c)}c" if nm_codes(c) else ""
    return f"{kind}-{n}of{mm}{codes}-{m}x{rows}x{k}"


def nm_model(c):
    n, mm, m, rows, k = c[:5]
    kv = k // mm * n
    ib = (kv * nm_bits(mm) + 7) // 8
    sparsity = f"#sparq.sparsity<{n}:{mm}, axis = 1>"
    if nm_codes(c):
        spec = (f"#sparq.spec<sparsity = {sparsity}, "
                "quant = #sparq.quant<i8, per_channel(axis = 0)>>")
        vt, sarg = f"tensor<{rows}x{kv}xi8>", f", %s: tensor<{rows}x1xf32>"
        sop = f" scales %s : tensor<{rows}x1xf32>"
    else:
        spec, vt, sarg, sop = sparsity, f"tensor<{rows}x{kv}xf32>", "", ""
    wt = f"!sparq.compressed<{rows}x{k}xf32, {spec}>"
    return f"""func.func @main(%x: tensor<{m}x{k}xf32>, %v: {vt}, %i: tensor<{rows}x{ib}xi8>{sarg}) -> tensor<{m}x{rows}xf32> {{
  %w = sparq.assemble %v : {vt}{sop} indices %i : tensor<{rows}x{ib}xi8> -> {wt}
  %y = sparq.matmul %x, %w : tensor<{m}x{k}xf32>, {wt} -> tensor<{m}x{rows}xf32>
  return %y : tensor<{m}x{rows}xf32>
}}
"""


def nm_data(c, rng):
    """Random N:M storage (sparq-c/Runtime.h): values [rows, Kv] f32 and the
    positions (increasing within each group) packed as b-bit fields, and the
    dense W they stand for."""
    import numpy as np

    n, mm, m, rows, k = c[:5]
    groups = k // mm
    b = nm_bits(mm)
    pos = np.sort(np.argsort(rng.random((rows, groups, mm)), axis=2)[:, :, :n], axis=2)
    pos = pos.reshape(rows, groups * n)
    if nm_codes(c):
        # int8 codes and one scale per row: the stored value is q * s.
        codes = rng.integers(-127, 128, size=pos.shape).astype(np.int8)
        scales = rng.uniform(0.001, 0.01, size=(rows, 1)).astype(np.float32)
        vals = (codes.astype(np.float32) * scales).astype(np.float32)
    else:
        vals = rng.uniform(-1, 1, size=pos.shape).astype(np.float32)
    bits = ((pos[:, :, None] >> np.arange(b)) & 1).astype(np.uint8).reshape(rows, -1)
    nbytes = (pos.shape[1] * b + 7) // 8
    bits = np.pad(bits, ((0, 0), (0, nbytes * 8 - bits.shape[1])))
    idx = np.packbits(bits, axis=1, bitorder="little").view(np.int8)
    dense = np.zeros((rows, k), dtype=np.float32)
    cols = (np.arange(groups * n) // n) * mm + pos
    np.put_along_axis(dense, cols, vals, axis=1)
    if nm_codes(c):
        return [codes, idx, scales], dense
    return [vals, idx], dense


def log(msg):
    print(f"[bench/gpu] {msg}", file=sys.stderr, flush=True)


def kernel_kind(c):
    return c[0].split("-")[0].split("~")[0]


def variant_options(c):
    """convert-sparq-to-gpu options of a "gemv~[a8|f32][mma[r<rows>]][w<warps>f<features>]
    [u<unroll>][b<blocks>][p<gemv-blocks>]" or "mma~t<tile-n>m<tile-m>p<prefetch>[w<warp-n>]
    [s<stages>][b<blocks>][l][k]" case."""
    word = c[0].split("-")[0]
    m = re.fullmatch(r"gemv~(a8|f32)?(mma(?:r(\d+))?)?(?:w(\d+)f(\d+))?(?:u(\d+))?(?:b(\d+))?(?:p(\d+))?", word)
    if m:
        act = {"a8": " activations=int8", "f32": " activations=f32"}.get(m.group(1), "")
        act += " gemv-mma=true" if m.group(2) else ""
        act += f" gemv-mma-rows={m.group(3)}" if m.group(3) else ""
        geometry = (f" gemv-warps={m.group(4)} gemv-features={m.group(5)}"
                    if m.group(4) else "")
        unroll = f" gemv-unroll={m.group(6)}" if m.group(6) else ""
        blocks = f" min-blocks-per-sm={m.group(7)}" if m.group(7) else ""
        persistent = f" gemv-blocks={m.group(8)}" if m.group(8) else ""
        return act + geometry + unroll + blocks + persistent
    m = re.fullmatch(r"mma8?~t(\d+)m(\d+)p(\d+)(?:w(\d+))?(?:s(\d))?(?:b(\d+))?(l?)(k?)", word)
    if m:
        return (f" mma-tile-n={m.group(1)} mma-tile-m={m.group(2)} "
                f"mma-prefetch={m.group(3)} mma-warp-n={m.group(4) or 32} "
                f"mma-stages={m.group(5) or 1} "
                f"min-blocks-per-sm={m.group(6) or 0} "
                f"mma-ldmatrix={'true' if m.group(7) else 'false'} "
                f"mma-packed-w={'true' if m.group(8) else 'false'}")
    return ""


def int8_activations(info):
    """Whether the prepared kernel quantizes x to int8 (the GEMV's default
    where the codes allow it, and the int8 tensor-core GEMM): its name, from
    convert-sparq-to-gpu."""
    return "_xi8_" in info["kernel"] or info["kernel"].startswith("sparq_mma8_")


def case_id(c):
    name, _, _, _, _, m, n, k = c
    return f"{name}-{m}x{n}x{k}"


def layout(c):
    """Shapes of the kernel's operands: x, data, scales, [zero points], y."""
    _, st, g, scale, asym, m, n, k = c
    bits = 8 if st.startswith("f8") else 4 if st == "f4E2M1FN" else int(st.lstrip("ui"))
    groups = k // g if g else 1
    shapes = [("x", (m, k), "f32"), ("data", (n, k * bits // 8), "i8"),
              ("scales", (n, groups), scale)]
    if asym:
        shapes.append(("zero_points", (n, groups), "i8"))
    shapes.append(("y", (m, n), "f32"))
    return bits, groups, shapes


def model_mlir(c):
    _, st, g, scale, asym, m, n, k = c
    bits, groups, _ = layout(c)
    gran = f"per_group(axis = 1, size = {g})" if g else "per_channel(axis = 0)"
    spec = f"#sparq.quant<{st}, {gran}{', asymmetric' if asym else ''}, scale = {scale}>"
    wt = f"!sparq.compressed<{n}x{k}xf32, {spec}>"
    kb = k * bits // 8
    zarg = f", %z: tensor<{n}x{groups}xi8>" if asym else ""
    zop = f" zero_points %z : tensor<{n}x{groups}xi8>" if asym else ""
    return f"""func.func @main(%x: tensor<{m}x{k}xf32>, %d: tensor<{n}x{kb}xi8>, %s: tensor<{n}x{groups}x{scale}>{zarg}) -> tensor<{m}x{n}xf32> {{
  %w = sparq.assemble %d : tensor<{n}x{kb}xi8> scales %s : tensor<{n}x{groups}x{scale}>{zop} -> {wt}
  %y = sparq.matmul %x, %w : tensor<{m}x{k}xf32>, {wt} -> tensor<{m}x{n}xf32>
  return %y : tensor<{m}x{n}xf32>
}}
"""


def run_tool(cmd):
    log("$ " + " ".join(cmd))
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"[bench/gpu] error: {cmd[0]} failed ({r.returncode}):\n{r.stderr}")
    return r.stdout


def compile_model(build, cid, model, options, chips, out):
    """Writes out/<cid>.mlir (`model`), out/<chip>/<cid>.ptx (sparq-gpu with
    `options`) and out/<cid>.json (kernel, grid, block, from the
    sparq.gpu_launch attribute convert-sparq-to-gpu writes)."""
    src = os.path.join(out, cid + ".mlir")
    with open(src, "w") as f:
        f.write(model)
    ir = run_tool([os.path.join(build, "bin", "sparq-opt"), src,
                   f"--convert-sparq-to-gpu=nvvm=true{options}"])
    m = re.search(r"sparq\.gpu_launch = \{block = array<i64: (\d+), (\d+), (\d+)>, "
                  r"grid = array<i64: (\d+), (\d+), (\d+)>, "
                  r"kernel = @sparq_kernels::@(\w+)\}", ir)
    if not m:
        sys.exit(f"[bench/gpu] error: {cid}: no kernel launch in the lowered IR "
                 "(the format is not covered by convert-sparq-to-gpu?)")
    info = {"kernel": m.group(7), "block": [int(m.group(i)) for i in (1, 2, 3)],
            "grid": [int(m.group(i)) for i in (4, 5, 6)]}
    with open(os.path.join(out, cid + ".json"), "w") as f:
        json.dump(info, f)
    for chip in chips:
        os.makedirs(os.path.join(out, chip), exist_ok=True)
        run_tool([os.path.join(build, "bin", "sparq-compile"), src, "--quiet",
                  f"--target={chip}", "--emit=ptx",
                  f"--pipeline=sparq-gpu{{chip={chip} format=isa{options}}}", "-o",
                  os.path.join(out, chip, cid + ".ptx")])


def compile_case(build, c, chips, out):
    mma = "true" if kernel_kind(c) in ("mma", "mma8", "mmab") else "false"
    extra = variant_options(c) + {"mma8": " mma-int8=true",
                                  "mmab": " mma-bf16=true"}.get(kernel_kind(c), "")
    compile_model(build, case_id(c), model_mlir(c), f" mma={mma}{extra}", chips, out)


def compile_nm_case(build, c, chips, out):
    compile_model(build, nm_id(c), nm_model(c), " mma=true", chips, out)


def cmd_prepare(args):
    os.makedirs(args.out, exist_ok=True)
    for c in CASES:
        if args.only and not re.search(args.only, case_id(c)):
            continue
        compile_case(args.build, c, CHIPS, args.out)
    for c in NM_CASES:
        if args.only and not re.search(args.only, nm_id(c)):
            continue
        compile_nm_case(args.build, c, CHIPS, args.out)
    log(f"kernels for {', '.join(CHIPS)} in {args.out}")
    return 0


# ---------------------------------------------------------------------------
# run (torch from here on)
# ---------------------------------------------------------------------------


def fp8_e4m3_values():
    """The value of each E4M3FN byte (NaN for S.1111.111), from the OCP
    definition: bias 7, subnormals m * 2^-9."""
    import numpy as np

    v = np.empty(256, dtype=np.float64)
    for b in range(256):
        e, m = (b >> 3) & 15, b & 7
        mag = m * 2.0 ** -9 if e == 0 else (1 + m / 8) * 2.0 ** (e - 7)
        v[b] = np.nan if (b & 127) == 127 else (-mag if b & 128 else mag)
    return v


def reference(c, info, x, data, scales, zp):
    """float64 y = x @ dequant(W)^T, and the f32 summation error bound."""
    import numpy as np

    _, st, g, _, asym, m, n, k = c
    bits, groups, _ = layout(c)
    d = data.view(np.uint8)
    if st == "f8E4M3FN":
        q = fp8_e4m3_values()[d]
    elif st == "f4E2M1FN":
        e2m1 = np.array([0, .5, 1, 1.5, 2, 3, 4, 6, -0., -.5, -1, -1.5, -2, -3, -4, -6])
        q = np.empty((n, k), dtype=np.float64)
        q[:, 0::2] = e2m1[d & 15]
        q[:, 1::2] = e2m1[d >> 4]
    elif bits == 4:
        q = np.empty((n, k), dtype=np.int32)
        q[:, 0::2] = d & 15
        q[:, 1::2] = d >> 4
        if not st.startswith("u"):
            q = np.where(q >= 8, q - 16, q)
    else:
        q = d.astype(np.int32) if st.startswith("u") else d.view(np.int8).astype(np.int32)
    block = k // groups
    if scales.dtype == np.uint8:  # E8M0 codes: 2^(e - 127)
        scales = np.ldexp(1.0, scales.astype(np.int32) - 127).astype(np.float32)
    s = np.repeat(scales.astype(np.float32), block, axis=1)
    w = q.astype(np.float32)
    if asym:
        z = zp.view(np.uint8) if st.startswith("u") else zp.view(np.int8)
        w = w - np.repeat(z.astype(np.float32), block, axis=1)
    w = (w * s).astype(np.float32)  # (q - z) * s rounded to f32, as specified
    ulp = 2.0 ** -24
    if int8_activations(info):
        # Each row of x quantized as the kernel (and the CPU runtime) does:
        # a = max|x| / 127, xq = clamp(rint(x / a), -127, 127), in f32.
        amax = np.abs(x).max(axis=1, keepdims=True)
        a = np.where(amax > 0, amax / np.float32(127), np.float32(1)).astype(np.float32)
        xq = np.clip(np.rint(x / a), -127, 127)
        x = (xq.astype(np.float64) * a.astype(np.float64))
    if kernel_kind(c) == "mma":
        # The kernel rounds x and the f32 w to f16; f16 products are exact.
        x, w = x.astype(np.float16), w.astype(np.float16)
        ulp = 2.0 ** -22
    elif kernel_kind(c) == "mmab":
        # mma-bf16: x and w rounded to bf16 (nearest even), exact products.
        def bf16(a):
            u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
            u = (u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000
            return u.astype(np.uint32).view(np.float32)
        x, w = bf16(x), bf16(w)
        ulp = 2.0 ** -22
    x64 = x.astype(np.float64)
    y = x64 @ w.T.astype(np.float64)
    bound = 1.01 * k * ulp * (np.abs(x64) @ np.abs(w.T).astype(np.float64)) + 1e-6
    return y, bound


class Runtime:
    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        lib = self.lib
        lib.sparq_gpu_available.restype = ctypes.c_int32
        lib.sparq_gpu_error.restype = ctypes.c_char_p
        lib.mgpuModuleLoadJIT.restype = ctypes.c_void_p
        lib.mgpuModuleLoadJIT.argtypes = [ctypes.c_char_p, ctypes.c_int]
        lib.mgpuModuleGetFunction.restype = ctypes.c_void_p
        lib.mgpuModuleGetFunction.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.mgpuLaunchKernel.restype = None
        lib.mgpuLaunchKernel.argtypes = [ctypes.c_void_p] + [ctypes.c_int64] * 6 + [
            ctypes.c_int32, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
            ctypes.c_size_t]
        if not lib.sparq_gpu_available():
            sys.exit("[bench/gpu] error: libsparq_gpu_runtime: " +
                     lib.sparq_gpu_error().decode())

    def function(self, ptx, name):
        module = self.lib.mgpuModuleLoadJIT(ptx + b"\0", 3)
        if not module:
            sys.exit(f"[bench/gpu] error: cannot load the PTX of {name}")
        return self.lib.mgpuModuleGetFunction(module, name.encode())


class Launch:
    """Kernel parameters: each rank-2 memref expands to (allocated, aligned,
    offset, size0, size1, stride0, stride1), as the LLVM lowering passes it."""

    def __init__(self, rt, fn, info, tensors):
        self.rt, self.fn, self.info = rt, fn, info
        self.values = []
        for t in tensors:
            assert t.is_contiguous() and t.dim() == 2
            p = t.data_ptr()
            self.values += [ctypes.c_void_p(p), ctypes.c_void_p(p), ctypes.c_int64(0),
                            ctypes.c_int64(t.shape[0]), ctypes.c_int64(t.shape[1]),
                            ctypes.c_int64(t.shape[1]), ctypes.c_int64(1)]
        self.params = (ctypes.c_void_p * len(self.values))(
            *[ctypes.cast(ctypes.pointer(v), ctypes.c_void_p) for v in self.values])

    def __call__(self):
        g, b = self.info["grid"], self.info["block"]
        # Stream 0: the legacy default stream torch also uses.
        self.rt.lib.mgpuLaunchKernel(self.fn, g[0], g[1], g[2], b[0], b[1], b[2], 0,
                                     None, self.params, None, len(self.values))

    def on(self, cuda, stream):
        """The same launch through cuLaunchKernel on `stream` (a CUstream),
        returning the driver's status instead of exiting: for graph capture."""
        g, b = self.info["grid"], self.info["block"]
        return cuda.cuLaunchKernel(ctypes.c_void_p(self.fn), g[0], g[1], g[2], b[0], b[1],
                                   b[2], 0, ctypes.c_void_p(stream), self.params, None)


def median_event_time(torch, work, runs):
    """Seconds `work()` takes on the GPU (CUDA events around it), the median
    of `runs` runs."""
    times = []
    for _ in range(runs):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        work()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end) / 1e3)
    return sorted(times)[runs // 2]


def time_graph(torch, calls, iters):
    """Seconds per call with the calls back to back on the GPU: `iters`
    calls (cycling `calls`, each a function of the capturing CUstream that
    returns a CUDA status) captured in one CUDA graph, the median of 5
    replays. None if capture fails (the caller then keeps the eager time)."""
    try:
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):  # warm-up outside the capture
            for f in calls[:3]:
                if f(s.cuda_stream) != 0:
                    return None
        torch.cuda.synchronize()
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            stream = torch.cuda.current_stream().cuda_stream
            for i in range(iters):
                if calls[i % len(calls)](stream) != 0:
                    raise RuntimeError("launch failed during capture")
        g.replay()
        torch.cuda.synchronize()
        t = median_event_time(torch, g.replay, 5) / iters
        del g
        return t
    except Exception as e:  # noqa: BLE001 - report and fall back
        log(f"graph timing unavailable ({e}); eager time only")
        torch.cuda.synchronize()
        return None


def time_calls(torch, calls, iters):
    """Median of 3 runs of `iters` calls (cycling `calls`), seconds per call."""
    for f in calls[:3]:
        f()
    torch.cuda.synchronize()

    def work():
        for i in range(iters):
            calls[i % len(calls)]()
    return median_event_time(torch, work, 3) / iters


def rotations(nbytes):
    """Distinct copies of `nbytes` of weights that make >= 512 MiB (L2 never
    holds them)."""
    return max(1, -(-(512 << 20) // nbytes))


def time_launches(torch, cuda, calls, iters):
    """(graph, eager) seconds per call of the Launch objects `calls`; the
    graph time falls back to the eager one when capture fails."""
    eager = time_calls(torch, calls, iters)
    graph = time_graph(torch, [lambda st, c=c: c.on(cuda, st) for c in calls], iters)
    return graph or eager, eager


def time_torch(torch, fns, iters):
    """time_launches for torch calls (`fns`, functions of no argument)."""
    eager = time_calls(torch, fns, iters)
    graph = time_graph(torch, [lambda st, f=f: (f(), 0)[1] for f in fns], iters)
    return graph or eager, eager


def cublas_fp16(torch, dev, x, n, k, iters):
    """(graph, eager) seconds of cuBLAS fp16 (torch.matmul) on x [M, K] (as
    f16) times rotated random W [n, k]^T."""
    w16 = [torch.randn(n, k, dtype=torch.float16, device=dev)
           for _ in range(rotations(2 * n * k))]
    x16 = x.to(torch.float16)
    return time_torch(torch, [lambda w=w: torch.matmul(x16, w.t()) for w in w16], iters)


def result_row(cid, ok, worst, t, e, wbytes, flops, copy_bw, t16, e16, t8=None):
    """A row of the results table (see the header in cmd_run)."""
    return (cid, ok, worst, t * 1e6, wbytes / t / 1e9, 100 * wbytes / t / 1e9 / copy_bw,
            flops / t / 1e12, t16 * 1e6, flops / t16 / 1e12, t16 / t, e * 1e6, e16 * 1e6,
            t8 * 1e6 if t8 else None, t8 / t if t8 else None)


def run_nm_case(torch, np, rt, cuda, dev, chip, kdir, c, copy_bw):
    """One N:M case: correctness against float64 x @ W_dense^T with the f32
    summation bound (the 2:4 tensor-core GEMM: x and W rounded to f16 first),
    then time over rotated weight copies (>= 512 MiB) next to cuBLAS fp16 on
    the dense shape; a row of the results table."""
    cid = nm_id(c)
    m, rows, k = c[2:5]
    with open(os.path.join(kdir, cid + ".json")) as f:
        info = json.load(f)
    with open(os.path.join(kdir, chip, cid + ".ptx"), "rb") as f:
        fn = rt.function(f.read(), info["kernel"])
    rng = np.random.default_rng(1)
    weight, dense = nm_data(c, rng)  # [values or codes, positions, [scales]]
    x = rng.uniform(-1, 1, size=(m, k)).astype(np.float32)
    dx = torch.from_numpy(x).to(dev)
    dw = [torch.from_numpy(np.ascontiguousarray(a)).to(dev) for a in weight]
    y = torch.full((m, rows), float("nan"), dtype=torch.float32, device=dev)
    Launch(rt, fn, info, [dx] + dw + [y])()
    torch.cuda.synchronize()
    xr, wr, ulp = x, dense, 2.0 ** -24
    if info["kernel"].startswith("sparq_mmasp_"):
        # x rounded to f16; f32 values too (integer codes stay exact).
        xr, ulp = x.astype(np.float16), 2.0 ** -22
        wr = dense if nm_codes(c) else dense.astype(np.float16)
    yref = xr.astype(np.float64) @ wr.T.astype(np.float64)
    bound = 1.01 * k * ulp * (np.abs(xr).astype(np.float64) @
                              np.abs(wr.T).astype(np.float64)) + 1e-6
    err = np.abs(y.cpu().numpy().astype(np.float64) - yref)
    ok = bool(np.all(np.isfinite(err)) and np.all(err <= bound))
    worst = float(np.max(err / bound))
    wbytes = sum(t.numel() * t.element_size() for t in dw)
    copies = rotations(wbytes)
    # Distinct copies of the weight's buffers (same contents: the time does
    # not depend on the values).
    weights = [dw] + [[t.clone() for t in dw] for _ in range(copies - 1)]
    calls = [Launch(rt, fn, info, [dx] + w + [y]) for w in weights]
    iters = max(20, min(200, 2 * copies))
    t_sparq, e_sparq = time_launches(torch, cuda, calls, iters)
    del weights, calls
    t_fp16, e_fp16 = cublas_fp16(torch, dev, dx, rows, k, iters)
    return result_row(cid, ok, worst, t_sparq, e_sparq, wbytes, 2.0 * m * rows * k,
                      copy_bw, t_fp16, e_fp16)


def cmd_run(args):
    import numpy as np
    import torch

    dev = torch.device("cuda")
    torch.zeros(1, device=dev)  # create torch's (primary) context first
    props = torch.cuda.get_device_properties(0)
    cap = props.major * 10 + props.minor
    chip = "sm_90" if cap >= 90 else "sm_80"
    if cap < 80:
        sys.exit(f"[bench/gpu] error: {props.name} is sm_{cap}; the kernels target sm_80+")
    rt = Runtime(args.runtime)
    cuda = ctypes.CDLL("libcuda.so.1")
    cuda.cuLaunchKernel.restype = ctypes.c_int
    cuda.cuLaunchKernel.argtypes = [ctypes.c_void_p] + [ctypes.c_uint] * 7 + [
        ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]

    kdir = args.kernels
    if not kdir:
        kdir = tempfile.mkdtemp(prefix="sparq-gpu-bench-")
        log(f"compiling {len(CASES)} kernels for {chip} into {kdir}")
        t0 = time.time()
        for c in CASES:
            compile_case(args.build, c, [chip], kdir)
        for c in NM_CASES:
            compile_nm_case(args.build, c, [chip], kdir)
        log(f"compiled in {time.time() - t0:.1f} s")

    # Device copy bandwidth (read + write of 1 GiB).
    a = torch.empty(1 << 30, dtype=torch.uint8, device=dev)
    b = torch.empty_like(a)
    t = time_calls(torch, [lambda: b.copy_(a)], 10)
    copy_bw = 2 * a.numel() / t / 1e9
    del a, b
    log(f"{props.name}: copy bandwidth {copy_bw:.0f} GB/s (read + write)")

    rng = np.random.default_rng(0)
    rows, failures = [], 0
    for c in CASES:
        cid = case_id(c)
        if args.only and not re.search(args.only, cid):
            continue
        _, st, g, scale, asym, m, n, k = c
        bits, groups, shapes = layout(c)
        with open(os.path.join(kdir, cid + ".json")) as f:
            info = json.load(f)
        with open(os.path.join(kdir, chip, cid + ".ptx"), "rb") as f:
            fn = rt.function(f.read(), info["kernel"])
        sdt = {"f16": np.float16, "f32": np.float32, "f8E8M0FNU": np.uint8}[scale]
        x = rng.uniform(-1, 1, size=(m, k)).astype(np.float32)
        data = rng.integers(0, 256, size=shapes[1][1], dtype=np.uint8)
        if st == "f8E4M3FN":
            data[(data & 127) == 127] -= 1  # no NaN codes
        data = data.view(np.int8)
        if scale == "f8E8M0FNU":  # 2^-8 .. 2^-6
            scales = rng.integers(119, 122, size=(n, groups)).astype(np.uint8)
        else:
            scales = (rng.uniform(0.5, 1.5, size=(n, groups)) * 0.01).astype(sdt)
        zp = None
        if asym:
            lo, hi = (0, (1 << bits) - 1) if st.startswith("u") else (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
            zp = rng.integers(lo, hi + 1, size=(n, groups)).astype(np.int16).astype(np.uint8).view(np.int8)
        tdt = {"f16": torch.float16, "f32": torch.float32, "f8E8M0FNU": torch.uint8}[scale]
        host = [x, data, scales] + ([zp] if asym else [])
        dev_in = [torch.from_numpy(np.ascontiguousarray(h)).to(dev) for h in host]
        dev_in[2] = dev_in[2].to(tdt)
        y = torch.full((m, n), float("nan"), dtype=torch.float32, device=dev)

        # Correctness of copy 0 against the CPU reference.
        Launch(rt, fn, info, dev_in + [y])()
        torch.cuda.synchronize()
        yref, bound = reference(c, info, x, data, scales, zp)
        err = np.abs(y.cpu().numpy().astype(np.float64) - yref)
        ok = bool(np.all(np.isfinite(err)) and np.all(err <= bound))
        worst = float(np.max(err / bound))
        failures += 0 if ok else 1

        # Timing over distinct weight copies (>= 512 MiB in all).
        wbytes = sum(t.numel() * t.element_size() for t in dev_in[1:])
        copies = rotations(wbytes)
        weights = [dev_in[1:]]
        for _ in range(copies - 1):
            cp = [torch.randint(-128, 127, dev_in[1].shape, dtype=torch.int8, device=dev),
                  dev_in[2].clone()] + ([dev_in[3].clone()] if asym else [])
            weights.append(cp)
        calls = [Launch(rt, fn, info, [dev_in[0]] + w + [y]) for w in weights]
        iters = max(20, min(200, 2 * copies))
        t_sparq, e_sparq = time_launches(torch, cuda, calls, iters)
        del weights, calls

        # cuBLAS fp16 on the same shape, also rotated.
        t_fp16, e_fp16 = cublas_fp16(torch, dev, dev_in[0], n, k, iters)

        # cuBLAS int8 (torch._int_mm, int32 results) for the int8 GEMM.
        t_int8 = None
        if kernel_kind(c) == "mma8":
            try:
                w8 = [torch.randint(-128, 127, (n, k), dtype=torch.int8, device=dev)
                      for _ in range(rotations(n * k))]
                x8 = torch.randint(-127, 127, (m, k), dtype=torch.int8, device=dev)
                t_int8, _ = time_torch(
                    torch, [lambda w=w: torch._int_mm(x8, w.t()) for w in w8], iters)
                del w8
            except Exception as e:  # noqa: BLE001 (torch versions differ)
                log(f"{cid}: no cuBLAS int8 baseline ({e})")

        rows.append(result_row(cid, ok, worst, t_sparq, e_sparq, wbytes,
                               2.0 * m * n * k, copy_bw, t_fp16, e_fp16, t_int8))
        log(f"{cid}: {'ok' if ok else 'WRONG'} (max err/bound {worst:.2g}), "
            f"{t_sparq * 1e6:.1f} us (eager {e_sparq * 1e6:.1f}), "
            f"cuBLAS fp16 {t_fp16 * 1e6:.1f} us (eager {e_fp16 * 1e6:.1f})")

    # The N:M sparse GEMV (guarded: a failure here does not lose the rest).
    for c in NM_CASES:
        cid = nm_id(c)
        if args.only and not re.search(args.only, cid):
            continue
        try:
            row = run_nm_case(torch, np, rt, cuda, dev, chip, kdir, c, copy_bw)
            rows.append(row)
            failures += 0 if row[1] else 1
            log(f"{cid}: {'ok' if row[1] else 'WRONG'} (max err/bound {row[2]:.2g}), "
                f"{row[3]:.1f} us, cuBLAS fp16 (dense) {row[7]:.1f} us")
        except Exception as e:  # noqa: BLE001
            failures += 1
            log(f"{cid}: failed to run ({e})")

    print(f"\nSparq GPU kernels on {props.name} (sm_{cap}), PTX for {chip} "
          f"JIT-compiled by the driver; copy bandwidth {copy_bw:.0f} GB/s (read+write of 1 GiB).\n"
          "us: per call with the calls back to back in a CUDA graph (launch "
          "overhead hidden, as in a captured model); eager us: launched one by "
          "one from Python (ctypes / torch), the launch overhead included.")
    hdr = ("case", "check", "err/bound", "us", "weight GB/s", "% copy BW",
           "TFLOP/s", "fp16 us", "fp16 TFLOP/s", "x vs fp16", "eager us", "fp16 eager us",
           "int8 us", "x vs int8")
    print("| " + " | ".join(hdr) + " |")
    print("|" + "---|" * len(hdr))
    for r in rows:
        int8 = (f"{r[12]:.1f} | {r[13]:.2f}" if r[12] is not None else "- | -")
        print(f"| {r[0]} | {'ok' if r[1] else 'WRONG'} | {r[2]:.2g} | {r[3]:.1f} | "
              f"{r[4]:.0f} | {r[5]:.0f}% | {r[6]:.2f} | {r[7]:.1f} | {r[8]:.2f} | {r[9]:.2f} | "
              f"{r[10]:.1f} | {r[11]:.1f} | {int8} |")
    # The fastest variant of each kernel, format and shape next to the
    # default (the variant-free case): what the defaults should be.
    groups = {}
    for r in rows:
        word, rest = r[0].split("-", 1)
        kind, _, variant = word.partition("~")
        groups.setdefault(f"{kind}-{rest}", []).append((variant or "default", r))
    tuned = [(k, v) for k, v in groups.items() if len(v) > 1]
    if tuned:
        print("\nBest variant per kernel and shape (us, % copy BW; only correct runs):")
        print("| kernel and shape | default us | best variant | best us | best % copy BW |")
        print("|---|---|---|---|---|")
        for key, variants in tuned:
            ok_runs = [(name, r) for name, r in variants if r[1]]
            if not ok_runs:
                continue
            default = next((r[3] for name, r in ok_runs if name == "default"), None)
            name, best = min(ok_runs, key=lambda nr: nr[1][3])
            print(f"| {key} | {default:.1f} | {name} | {best[3]:.1f} | {best[5]:.0f}% |"
                  if default is not None else
                  f"| {key} | - | {name} | {best[3]:.1f} | {best[5]:.0f}% |")
    if failures:
        print(f"\n{failures} kernel(s) gave wrong results", file=sys.stderr)
        return 1
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    pr = sub.add_parser("prepare")
    pr.add_argument("--build", required=True)
    pr.add_argument("--out", required=True)
    pr.add_argument("--only", help="prepare the cases whose id matches this regex")
    r = sub.add_parser("run")
    r.add_argument("--build", required=True)
    r.add_argument("--runtime", required=True)
    r.add_argument("--kernels")
    r.add_argument("--only", help="run the cases whose id matches this regex")
    args = p.parse_args()
    return cmd_prepare(args) if args.cmd == "prepare" else cmd_run(args)


if __name__ == "__main__":
    sys.exit(main())
