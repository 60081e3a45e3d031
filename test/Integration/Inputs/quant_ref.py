#!/usr/bin/env python3
"""Independent numpy reference for Sparq weight quantization (#sparq.quant).

Implements the formulas documented in SparqAttrs.td (#sparq.quant),
SparqTypes.td (!sparq.compressed storage) and Passes.td (sparq-quantize)
directly in numpy (sharing no code with Sparq's C++) and checks Sparq against
them. The formulas are evaluated with float32 numpy operations; narrow float
formats (fp8, fp4, E4M3 scales) are decoded from their bit layouts and
rounded to by searching a table of every representable value (ties to the
even code); f16 rounding is numpy's, bf16 rounding is done on the bits.

Conventions where the docs leave a detail open (bit-exactness needs one):
  * symmetric s = max|x| / qmax (for float storage qmax is the format's max),
    asymmetric s = (max(x, 0) - min(x, 0)) / (qmax - qmin), then / g; an
    all-zero block gets s = 1; s rounded to the scale type to nearest even,
    0 -> the smallest positive value, overflow -> the largest finite value;
    f8E8M0FNU: the smallest power of two >= s (exactly, via frexp);
  * g = max|W| / qmax / (scale type max), 1 for an all-zero tensor;
  * mse: ratios 1 - 0.025 i (i = 0..19) computed in float32, the block range
    (max|x|, or min and max) times the ratio; per block the f64 sum of
    squared errors in row-major order, the first minimum wins;
  * nearest_away is exact (floor(|v| + 1/2) evaluated in float64).

Subcommands (see each function's docstring):
  gen       write a model (W[K,N] annotated with a spec, x @ W, an @entry that
            prints y and max|y - y_ref|) and the expected compressed storage
  check-ir  compare the constants that `sparq-opt --sparq-quantize` wrote
            with the expected ones, bit for bit
  check-run compare mlir-runner's printed max|y - y_ref| with a tolerance
"""

import argparse
import os
import re
import sys

import numpy as np

F32 = np.float32
F64 = np.float64
U = 2.0 ** -24  # unit roundoff of float32

# ---------------------------------------------------------------------------
# Narrow float formats, decoded from their bit layouts.
# ---------------------------------------------------------------------------


def _decode_minifloat(code, ebits, mbits, bias, kind):
    """Value of `code` in a 1-ebits-mbits float format. `kind`: 'ieee' (inf
    and NaN at the top exponent), 'fn' (only all-ones is NaN) or 'finite'."""
    sign = -1.0 if (code >> (ebits + mbits)) & 1 else 1.0
    e = (code >> mbits) & ((1 << ebits) - 1)
    m = code & ((1 << mbits) - 1)
    emax = (1 << ebits) - 1
    if kind == "ieee" and e == emax:
        return sign * np.inf if m == 0 else np.nan
    if kind == "fn" and e == emax and m == (1 << mbits) - 1:
        return np.nan
    if e == 0:
        return sign * (m / (1 << mbits)) * 2.0 ** (1 - bias)
    return sign * (1 + m / (1 << mbits)) * 2.0 ** (e - bias)


# name -> (bits, ebits, mbits, bias, kind)
MINIFLOATS = {
    "f8E4M3FN": (8, 4, 3, 7, "fn"),
    "f8E5M2": (8, 5, 2, 15, "ieee"),
    "f4E2M1FN": (4, 2, 1, 1, "finite"),
}
FLOAT_STORAGE_MAX = {"f8E4M3FN": 448.0, "f8E5M2": 57344.0, "f4E2M1FN": 6.0}


def code_table(name):
    """float64 value of every code of a minifloat format (NaN for NaNs)."""
    bits, eb, mb, bias, kind = MINIFLOATS[name]
    return np.array([_decode_minifloat(c, eb, mb, bias, kind)
                     for c in range(1 << bits)], dtype=F64)


def round_to_minifloat(v, name):
    """Codes of float32 values `v` (|v| <= the format's max) rounded to the
    format with round-to-nearest, ties to the even code."""
    bits = MINIFLOATS[name][0]
    table = code_table(name)
    npos = 1 << (bits - 1)
    pos = table[:npos]
    finite = np.isfinite(pos)
    vals, codes = pos[finite], np.arange(npos)[finite]
    assert np.all(np.diff(vals) > 0)
    v = np.asarray(v, dtype=F32)
    a = np.abs(v).astype(F64)
    assert np.all(a <= vals[-1]), "value beyond the format's range"
    hi = np.clip(np.searchsorted(vals, a, side="left"), 0, len(vals) - 1)
    lo = np.clip(hi - 1, 0, len(vals) - 1)
    # Exact: neighbours differ by at most a factor 2 (or one is 0).
    dlo, dhi = a - vals[lo], vals[hi] - a
    take_hi = (dhi < dlo) | ((dhi == dlo) & (codes[hi] % 2 == 0))
    mag = np.where(take_hi, codes[hi], codes[lo])
    return (mag | (np.signbit(v).astype(np.int64) << (bits - 1))).astype(np.int64)


# ---------------------------------------------------------------------------
# Scale types: rounding (positive finite float32 scales) and encoding.
# ---------------------------------------------------------------------------

BF16_MAX = np.array([0x7F7F0000], dtype=np.uint32).view(F32)[0]
SCALE_TYPE_MAX = {"f16": F32(65504.0), "bf16": BF16_MAX, "f8E4M3FN": F32(448.0),
                  "f8E8M0FNU": F32(2.0 ** 127)}


def _bf16_bits(s):
    u = np.asarray(s, dtype=F32).view(np.uint32).astype(np.uint64)
    r = (u + 0x7FFF + ((u >> 16) & 1)) >> 16  # round to nearest even
    return r.astype(np.uint16)


def round_scale(s, scale_type):
    """Rounds positive float32 scales to `scale_type`; returns (values as
    float32, stored bit patterns)."""
    s = np.asarray(s, dtype=F32)
    if scale_type == "f32":
        return s.copy(), s.view(np.uint32).copy()
    if scale_type == "f16":
        h = s.astype(np.float16)  # IEEE round-to-nearest-even
        h = np.where(h == 0, np.float16(2.0 ** -24), h)  # smallest positive
        h = np.where(np.isinf(h), np.float16(65504.0), h)  # largest
        h = h.astype(np.float16)
        return h.astype(F32), h.view(np.uint16).copy()
    if scale_type == "bf16":
        b = _bf16_bits(s)
        b = np.where(b == 0, np.uint16(1), b)  # smallest positive 2^-133
        b = np.where(b >= 0x7F80, np.uint16(0x7F7F), b).astype(np.uint16)
        return (b.astype(np.uint32) << 16).view(F32), b
    if scale_type == "f8E4M3FN":
        c = round_to_minifloat(np.minimum(s, F32(448.0)), "f8E4M3FN")
        c = np.where(c == 0, 1, c)  # smallest positive 2^-9
        return code_table("f8E4M3FN")[c].astype(F32), c.astype(np.uint8)
    if scale_type == "f8E8M0FNU":
        # 2^ceil(log2 s), computed exactly: the smallest power of two >= s.
        m, e = np.frexp(s.astype(F64))  # s = m * 2^e, m in [0.5, 1)
        exp = np.where(m == 0.5, e - 1, e)
        exp = np.clip(exp, -127, 127)
        return np.ldexp(F64(1.0), exp).astype(F32), (exp + 127).astype(np.uint8)
    raise ValueError("unknown scale type " + scale_type)


def scale_bits_from_values(vals, scale_type):
    """Bit patterns of scale values read back from IR (exactly representable)."""
    vals = np.asarray(vals, dtype=F64)
    if scale_type == "f32":
        return vals.astype(F32).view(np.uint32)
    if scale_type == "f16":
        return vals.astype(np.float16).view(np.uint16)
    if scale_type == "bf16":
        return _bf16_bits(vals.astype(F32))
    if scale_type == "f8E4M3FN":
        return round_to_minifloat(vals.astype(F32), "f8E4M3FN").astype(np.uint8)
    if scale_type == "f8E8M0FNU":
        m, e = np.frexp(vals)
        assert np.all(m == 0.5), "E8M0 scale is not a power of two"
        return (e - 1 + 127).astype(np.uint8)
    raise ValueError(scale_type)


SCALE_BYTES = {"f32": 4, "f16": 2, "bf16": 2, "f8E4M3FN": 1, "f8E8M0FNU": 1}
SCALE_UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32}

# ---------------------------------------------------------------------------
# The spec.
# ---------------------------------------------------------------------------


class Spec:
    def __init__(self, text):
        self.text = text.strip()
        m = re.fullmatch(r"#sparq\.quant<(.*)>", self.text, re.S)
        if not m:
            raise ValueError("not a #sparq.quant spec: " + text)
        parts, depth, cur = [], 0, ""
        for ch in m.group(1):
            if ch in "([<":
                depth += 1
            elif ch in ")]>":
                depth -= 1
            if ch == "," and depth == 0:
                parts.append(cur.strip())
                cur = ""
            else:
                cur += ch
        parts.append(cur.strip())
        self.storage = parts[0]
        self.gran, self.axis, self.group, self.block = "tensor", 0, 0, None
        self.asym, self.scale_type, self.global_scale = False, "f32", False
        self.rounding, self.narrow, self.saturate = "nearest_even", False, True
        self.search = "minmax"
        for p in parts[1:]:
            kv = [t.strip() for t in p.split("=", 1)]
            if p == "per_tensor":
                self.gran = "tensor"
            elif p.startswith("per_channel"):
                self.gran = "channel"
                self.axis = int(re.search(r"axis\s*=\s*(\d+)", p).group(1))
            elif p.startswith("per_group"):
                self.gran = "group"
                self.axis = int(re.search(r"axis\s*=\s*(\d+)", p).group(1))
                self.group = int(re.search(r"size\s*=\s*(\d+)", p).group(1))
            elif p.startswith("per_block"):
                self.gran = "block"
                self.block = [int(v) for v in re.findall(r"\d+", p)]
            elif p == "asymmetric":
                self.asym = True
            elif p == "symmetric":
                self.asym = False
            elif kv[0] == "global_scale":
                assert kv[1] == "f32"
                self.global_scale = True
            elif kv[0] == "scale":
                self.scale_type = kv[1]
            elif kv[0] == "rounding":
                self.rounding = kv[1]
            elif p == "narrow_range":
                self.narrow = True
            elif p == "no_saturate":
                self.saturate = False
            elif kv[0] == "search":
                self.search = kv[1]
            else:
                raise ValueError("unknown spec part: " + p)
        st = self.storage
        im = re.fullmatch(r"(si|ui|i)(\d)", st)
        if im:
            self.is_int, self.bits = True, int(im.group(2))
            signed = im.group(1) != "ui"
            if signed:
                self.qmax = 2 ** (self.bits - 1) - 1
                self.qmin = -self.qmax if self.narrow else -(2 ** (self.bits - 1))
            else:
                self.qmin, self.qmax = 0, 2 ** self.bits - 1
            self.signed = signed
            self.float_max = float(self.qmax)
        else:
            if st not in MINIFLOATS:
                raise ValueError("unknown storage type " + st)
            self.is_int, self.bits, self.signed = False, MINIFLOATS[st][0], True
            self.float_max = FLOAT_STORAGE_MAX[st]
            if not self.saturate:
                raise NotImplementedError("no_saturate is not modelled")

    def block_shape(self, shape):
        """The block of elements sharing one scale, for a rank-2 shape."""
        if self.gran == "tensor":
            return list(shape)
        if self.gran == "channel":
            b = list(shape)
            b[self.axis] = 1
            return b
        if self.gran == "group":
            b = [1] * len(shape)
            b[self.axis] = self.group
            return b
        return list(self.block)

    def transposed_block(self, shape_kn):
        """Block shape on the [N, K] layout for a spec written on [K, N]."""
        b = self.block_shape(shape_kn)
        return [b[1], b[0]]


# ---------------------------------------------------------------------------
# Quantization of a rank-2 tensor with block shape [br, bc].
# ---------------------------------------------------------------------------


def to_blocks(a, blk):
    """[R, C] -> [nblocks, br*bc], blocks in row-major order of the scale
    grid and elements in row-major order inside each block."""
    R, C = a.shape
    br, bc = blk
    assert R % br == 0 and C % bc == 0
    return (a.reshape(R // br, br, C // bc, bc).transpose(0, 2, 1, 3)
            .reshape((R // br) * (C // bc), br * bc))


def from_blocks(b, shape, blk):
    R, C = shape
    br, bc = blk
    return (b.reshape(R // br, C // bc, br, bc).transpose(0, 2, 1, 3)
            .reshape(R, C))


def round_int(v, mode):
    v = np.asarray(v, dtype=F32)
    if mode == "nearest_even":
        return np.rint(v).astype(F32)
    if mode == "nearest_away":
        # Exact in float64 for float32 inputs: floor(|v| + 0.5) * sign.
        a = np.abs(v.astype(F64))
        return (np.floor(a + 0.5) * np.sign(v.astype(F64))).astype(F32)
    if mode == "toward_zero":
        return np.trunc(v).astype(F32)
    raise ValueError("unknown rounding " + mode)


def choose_params(spec, mn, mx, ratio, g):
    """Per-block scale (rounded, float32), scale bits and zero point."""
    mn, mx = mn.astype(F32), mx.astype(F32)
    ratio, g = F32(ratio), F32(g)
    if spec.asym:
        lo = np.minimum(mn, F32(0)) * ratio
        hi = np.maximum(mx, F32(0)) * ratio
        s = (hi - lo) / F32(spec.qmax - spec.qmin) / g
    else:
        amax = np.maximum(np.abs(mn), np.abs(mx)) * ratio
        s = amax / F32(spec.float_max) / g
    s = s.astype(F32)
    pos = s > 0
    rs, bits = round_scale(np.where(pos, s, F32(1)), spec.scale_type)
    one_s, one_bits = round_scale(np.array([1.0], F32), spec.scale_type)
    rs = np.where(pos, rs, one_s[0]).astype(F32)  # all-zero block: s = 1
    bits = np.where(pos, bits, one_bits[0]).astype(bits.dtype)
    z = np.zeros_like(rs, dtype=F32)
    if spec.asym:
        se = (rs * g).astype(F32)
        z = F32(spec.qmin) - round_int((lo / se).astype(F32), spec.rounding)
        z = np.clip(z, F32(spec.qmin), F32(spec.qmax)).astype(F32)
    return rs, bits, z


def quantize_block_values(spec, xb, se, z):
    """Codes of block-major values xb [nb, bs] with effective scales se [nb]
    and zero points z [nb]."""
    v = (xb / se[:, None]).astype(F32)
    if spec.is_int:
        r = (round_int(v, spec.rounding) + z[:, None]).astype(F32)
        return np.clip(r, F32(spec.qmin), F32(spec.qmax)).astype(np.int64)
    m = F32(spec.float_max)
    v = np.clip(v, -m, m)
    return round_to_minifloat(v, spec.storage)


def dequantize_block_values(spec, codes, se, z):
    if spec.is_int:
        return ((codes.astype(F32) - z[:, None]).astype(F32) * se[:, None]).astype(F32)
    vals = code_table(spec.storage).astype(F32)[codes]
    return (vals * se[:, None]).astype(F32)


def quantize(spec, w, blk):
    """Quantizes w [R, C] (float32) with block shape blk. Returns a dict with
    codes [R, C], scales (float32 and bits) and zero points on the scale grid,
    the global scale and the dequantized tensor."""
    w = np.asarray(w, dtype=F32)
    if not np.all(np.isfinite(w)):
        raise ValueError("non-finite weight")
    R, C = w.shape
    grid = (R // blk[0], C // blk[1])
    xb = to_blocks(w, blk)
    mn, mx = xb.min(axis=1), xb.max(axis=1)
    g = F32(1)
    if spec.global_scale:
        amax_t = np.abs(w).max()
        g = (F32(amax_t) / F32(spec.float_max) / SCALE_TYPE_MAX[spec.scale_type])
        g = F32(g) if g > 0 else F32(1)
    s, sbits, z = choose_params(spec, mn, mx, 1.0, g)
    if spec.search == "mse":
        best = np.full(len(mn), np.inf)
        for i in range(20):
            ratio = F32(1) - F32(0.025) * F32(i)
            cs, cb, cz = choose_params(spec, mn, mx, ratio, g)
            se = (cs * g).astype(F32)
            q = quantize_block_values(spec, xb, se, cz)
            d = xb.astype(F64) - dequantize_block_values(spec, q, se, cz).astype(F64)
            err = np.cumsum(d * d, axis=1)[:, -1]  # sequential, row-major order
            better = err < best  # strict: the first minimum (widest range) wins
            best = np.where(better, err, best)
            s = np.where(better, cs, s)
            sbits = np.where(better, cb, sbits)
            z = np.where(better, cz, z)
    se = (s * g).astype(F32)
    q = quantize_block_values(spec, xb, se, z)
    dq = dequantize_block_values(spec, q, se, z)
    return {
        "codes": from_blocks(q, (R, C), blk),
        "scales": s.reshape(grid).astype(F32),
        "scale_bits": sbits.reshape(grid),
        "zero_points": z.astype(np.int64).reshape(grid),
        "global_scale": F32(g),
        "dequant": from_blocks(dq, (R, C), blk),
    }


def pack_rows(codes, bits):
    """Little-endian bit stream per row: element i in bits [i*b, (i+1)*b)."""
    R, C = codes.shape
    c = (codes.astype(np.int64) & ((1 << bits) - 1)).astype(np.uint32)
    bitarr = ((c[:, :, None] >> np.arange(bits, dtype=np.uint32)) & 1).astype(np.uint8)
    bitarr = bitarr.reshape(R, C * bits)
    nbytes = (C * bits + 7) // 8
    pad = nbytes * 8 - C * bits
    bitarr = np.concatenate([bitarr, np.zeros((R, pad), np.uint8)], axis=1)
    return np.packbits(bitarr, axis=1, bitorder="little")


def panel_major(rows, B, P):
    """The [R, bytes] rows cut into P K-panels of B bytes (the last one with
    the rest of each row), stored panel after panel, as [R, bytes]."""
    parts = [rows[:, q * B:(q + 1) * B] if q < P - 1 else rows[:, q * B:]
             for q in range(P)]
    return np.concatenate([p.reshape(-1) for p in parts]).reshape(rows.shape)


def qpack_rows(codes, bits, signed, groups):
    """The CPU runtime's packed layout (sparq_rt_qpack, as sparq-c/Runtime.h
    documents it), written independently of the C++: offset-binary codes,
    then blocks of 16 groups interleaved one 4-byte word per group and lane,
    then tail blocks of 8/4/2/1 groups spread over 16/R lanes each, then a
    masked block of the groups left (one lane each); long rows cut into
    K-panels stored panel after panel."""
    u = codes.astype(np.int64) + ((1 << (bits - 1)) if signed else 0)
    natural = pack_rows(u, bits)
    R, C = codes.shape
    L = 32 // bits
    G = C // groups
    if bits in (4, 8) and groups == 1 and C > 4096:
        # Per-channel K-panels: every 4096 codes (512 * bits bytes).
        return panel_major(natural, 512 * bits, -(-C // 4096))
    if bits not in (4, 8) or groups < 2 or G % L:
        return natural
    W = G // L
    words = natural.view("<u4").reshape(R, groups, W)  # [row, group, word]
    out = []
    full = groups // 16
    for S in range(full):
        blk = words[:, 16 * S:16 * S + 16, :]  # [row, lane, step]
        out.append(np.ascontiguousarray(blk.transpose(0, 2, 1)).reshape(R, -1))
    g0, left = 16 * full, groups % 16
    for size in (8, 4, 2, 1):
        P = 16 // size
        if left & size and W % P == 0:
            # [row, group, step, lane in group] -> [row, step, group, lane]
            blk = words[:, g0:g0 + size, :].reshape(R, size, W // P, P)
            out.append(np.ascontiguousarray(blk.transpose(0, 2, 1, 3)).reshape(R, -1))
            g0 += size
            left -= size
    if left:
        blk = words[:, g0:g0 + left, :]  # [row, lane, step]
        out.append(np.ascontiguousarray(blk.transpose(0, 2, 1)).reshape(R, -1))
    rows = np.concatenate(out, axis=1).astype("<u4").view(np.uint8).reshape(R, -1)
    # K-panels: rows of more than 4096 codes cut every F blocks of 16 groups
    # (F = max(1, 4096 // 16G)) when that makes two panels or more, the last
    # panel with the rest of the row; panel q of all rows before panel q + 1.
    F = max(1, 4096 // (16 * G))
    if C <= 4096 or full <= F:
        return rows
    # (2 F G b bytes of a row in each panel but the last.)
    return panel_major(rows, 2 * F * G * bits, -(-full // F))


# ---------------------------------------------------------------------------
# gen
# ---------------------------------------------------------------------------


def make_weight(spec, K, N, rng, special):
    """W [K, N] float32. Special inputs are placed on the [N, K] block grid
    that sparq-quantize uses."""
    col = np.exp2(rng.uniform(-2, 1, size=N))  # per-output-channel magnitude
    w = rng.standard_normal((K, N)) * 0.03 * col
    # A quarter of the output channels are all positive (asymmetric ranges).
    shift = rng.random(N) < 0.25
    w[:, shift] = np.abs(w[:, shift]) + 0.01 * col[shift]
    w = w.astype(F32)
    wt = np.ascontiguousarray(w.T)  # [N, K]
    blk = spec.transposed_block((K, N))
    xb = to_blocks(wt, blk)
    nb, bs = xb.shape
    if special == "zeros":
        # The first and the last scale block are all zero.
        xb[0] = 0
        xb[-1] = 0
    elif special == "ties":
        xb = tie_blocks(spec, nb, bs, rng)
    elif special == "outliers":
        # ~2% of the weights, in most blocks, are 8x to 20x larger.
        mask = rng.random(xb.shape) < 0.02
        mask[np.arange(0, nb, 2), rng.integers(0, bs, size=(nb + 1) // 2)] = True
        xb = np.where(mask, xb * rng.uniform(8, 20, size=xb.shape).astype(F32), xb)
    elif special == "pow2edge":
        # Every block's max|x| / float_max is just above a power of two: the
        # case where a power-of-two (E8M0) scale must round up.
        k = rng.integers(-10, -3, size=nb)
        top = (F32(spec.float_max) * np.exp2(k)).astype(F32)
        top = np.nextafter(top, F32(np.inf)).astype(F32)
        xb = np.clip(xb, -top[:, None] * F32(0.9), top[:, None] * F32(0.9))
        xb[np.arange(nb), rng.integers(0, bs, size=nb)] = top * rng.choice([-1, 1], nb)
    elif special:
        raise ValueError("unknown special input " + special)
    wt = from_blocks(xb.astype(F32), wt.shape, blk)
    return np.ascontiguousarray(wt.T).astype(F32)


def tie_blocks(spec, nb, bs, rng):
    """Blocks whose values sit exactly halfway between two codes, with a
    block scale s and global scale g that are exact powers of two (one block
    uses the scale type's max when there is a global scale), so that x / s is
    exact and rounding modes differ. max|x| of a block is at most 2^-1."""
    assert bs >= 2, "ties need blocks of two elements or more"
    top = int(np.ceil(np.log2(spec.float_max)))
    g = 1.0
    if spec.global_scale:
        g = 2.0 ** (-1 - int(np.ceil(np.log2(
            spec.float_max * float(SCALE_TYPE_MAX[spec.scale_type])))))
    out = np.zeros((nb, bs))
    for b in range(nb):
        s = 2.0 ** (int(rng.integers(-4, 0)) - top) / g
        if spec.global_scale:  # a power of two the scale type holds
            s = min(s, 2.0 ** np.floor(np.log2(float(SCALE_TYPE_MAX[spec.scale_type]))))
        if spec.global_scale and b == 0:
            s = float(SCALE_TYPE_MAX[spec.scale_type])
        if spec.is_int and spec.asym:
            span = spec.qmax - spec.qmin
            a = int(rng.integers(1, span))  # min = -a*s, max = (span-a)*s
            t = rng.integers(-a, span - a, size=bs) + 0.5
            t[0], t[1] = -a, span - a
        elif spec.is_int:
            t = rng.integers(-spec.qmax, spec.qmax, size=bs) + 0.5
            t[0] = spec.qmax * rng.choice([-1, 1])
        else:
            vals = code_table(spec.storage)
            vals = np.unique(vals[np.isfinite(vals) & (vals >= 0)])
            mids = (vals[:-1] + vals[1:]) / 2
            t = rng.choice(mids, size=bs) * rng.choice([-1, 1], size=bs)
            t[0] = spec.float_max * rng.choice([-1, 1])
        out[b] = t * s * g
    assert np.all(out.astype(F32).astype(F64) == out), "tie value not exact"
    return out.astype(F32)


def hex_blob(a):
    return "0x04000000" + np.ascontiguousarray(a, dtype="<f4").tobytes().hex().upper()


def literal(a):
    a = np.asarray(a, dtype=F32)
    if a.ndim == 1:
        return "[" + ", ".join(repr(float(v)) for v in a) + "]"
    return "[" + ", ".join(literal(r) for r in a) + "]"


def summation_bound(x, wdq, yref):
    """Rigorous bound on |fl32(sequential x @ w) - fl32(exact)| + rounding of
    y_ref and of the in-MLIR subtraction: gamma_K * sum|x||w| + u|y|."""
    K = x.shape[1]
    gamma = K * U / (1 - K * U)
    S = np.abs(x.astype(F64)) @ np.abs(wdq.astype(F64))
    b = gamma * S + U * np.abs(yref.astype(F64))
    return float(b.max() * (1 + 4 * U))


def f16_input_bound(x, wdq, yref):
    """summation_bound when x and w are first rounded to f16 (the tensor-core
    GEMM): each |fl16(x) fl16(w) - x w| <= (2 u16 + u16^2) |x||w| plus, for
    operands in the f16 subnormal range, 2^-25 (|x| + |w|) + 2^-50; products
    of f16 values are exact in f32, so the f32 sum adds gamma_K times the
    rounded operands' sum, at most (1 + u16)^2 sum|x||w|."""
    K = x.shape[1]
    u16 = 2.0 ** -11
    ax, aw = np.abs(x.astype(F64)), np.abs(wdq.astype(F64))
    S = ax @ aw
    sub = 2.0 ** -25 * (ax.sum(axis=1, keepdims=True) + aw.sum(axis=0)) + K * 2.0 ** -50
    gamma = K * U / (1 - K * U)
    b = ((2 * u16 + u16 * u16) * S + sub
         + gamma * (1 + u16) ** 2 * (S + sub) + U * np.abs(yref.astype(F64)))
    return float(b.max() * (1 + 4 * U))


def bf16_input_bound(x, wdq, yref):
    """summation_bound when x and w are first rounded to bf16 (the bf16
    tensor-core GEMM): each |fl(x) fl(w) - x w| <= (2 u + u^2) |x||w| with
    u = 2^-8 (bf16 keeps the f32 exponent range: no subnormal term at these
    magnitudes); products of bf16 values are exact in f32."""
    K = x.shape[1]
    ub = 2.0 ** -8
    S = np.abs(x.astype(F64)) @ np.abs(wdq.astype(F64))
    gamma = K * U / (1 - K * U)
    b = (2 * ub + ub * ub) * S + gamma * (1 + ub) ** 2 * S + U * np.abs(yref.astype(F64))
    return float(b.max() * (1 + 4 * U))


def cmd_gen(args):
    """Writes DIR/model.mlir: W [K, N] (a dense_resource blob) annotated with
    the spec as layer "fc", y = x @ W in @main, and an @entry that calls it on
    a literal x [M, K], prints y and then max|y - y_ref| computed in MLIR
    against a literal y_ref = f32(x @ dequant_ref(W) in f64). Writes
    DIR/ref.npz: the expected storage of the transposed [N, K] weight (packed
    bytes, scales and their bits, zero points, global scale), the dequantized
    weight, y_ref and the summation error bound used by check-run."""
    spec = Spec(args.spec)
    K, N, M = args.k, args.n, args.m
    rng = np.random.default_rng(args.seed)
    w = make_weight(spec, K, N, rng, args.special)
    x = rng.uniform(-1, 1, size=(M, K)).astype(F32)
    # The activations the kernel multiplies: x itself, or with --act int8 the
    # runtime's dynamic int8 quantization of each row (sparq-c/Runtime.h):
    # a = max|x| / 127, xq = clamp(rint(x / a), -127, 127) (half to even).
    xe = x
    if args.act == "int8":
        amax = np.abs(x).max(axis=1, keepdims=True)
        a = np.where(amax > 0, amax / F32(127), F32(1)).astype(F32)
        xq = np.clip(np.rint(x / a), -127, 127)
        xe = (xq.astype(F64) * a.astype(F64))

    # sparq-quantize works on the transposed [N, K] weight.
    wt = np.ascontiguousarray(w.T)
    blk = spec.transposed_block((K, N))
    r = quantize(spec, wt, blk)
    zero_blocks = np.all(to_blocks(wt, blk) == 0, axis=1).reshape(r["scales"].shape)
    packed = pack_rows(r["codes"], spec.bits)
    wdq = np.ascontiguousarray(r["dequant"].T)  # [K, N]
    yref = (xe.astype(F64) @ wdq.astype(F64)).astype(F32)
    bound = summation_bound(xe, wdq, yref)
    bound_f16 = f16_input_bound(xe, wdq, yref)
    bound_bf16 = bf16_input_bound(xe, wdq, yref)

    os.makedirs(args.out, exist_ok=True)
    nbytes = SCALE_BYTES[spec.scale_type]
    np.savez(os.path.join(args.out, "ref.npz"),
             spec=np.array(spec.text), scale_type=np.array(spec.scale_type),
             shape=np.array([N, K]), data=packed, scales=r["scales"],
             scale_bits=r["scale_bits"].astype(SCALE_UINT[nbytes]),
             zero_points=r["zero_points"].astype(np.int8),
             has_zero_points=np.array(spec.asym),
             global_scale=np.array(r["global_scale"], dtype=F32),
             has_global_scale=np.array(spec.global_scale),
             zero_blocks=zero_blocks, dequant=r["dequant"], y_ref=yref, bound=np.array(bound),
             bound_f16=np.array(bound_f16), bound_bf16=np.array(bound_bf16))

    t = lambda *d: "tensor<" + "x".join(str(v) for v in d) + "xf32>"
    if args.packed_arg:
        write_packed_arg_model(args, spec, r, x, yref, M, N, K)
        return 0
    mlir = f"""// Generated by quant_ref.py gen --spec '{spec.text}' --k {K} --n {N} --m {M} --seed {args.seed}{' --special ' + args.special if args.special else ''}
module {{
  func.func @main(%x: {t(M, K)}) -> {t(M, N)} {{
    %zero = arith.constant 0.000000e+00 : f32
    %w = arith.constant dense_resource<fc_weight> : {t(K, N)}
    %a = sparq.annotate %w : {t(K, N)} with {spec.text} {{layer = "fc"}}
    %empty = tensor.empty() : {t(M, N)}
    %init = linalg.fill ins(%zero : f32) outs(%empty : {t(M, N)}) -> {t(M, N)}
    %y = linalg.matmul ins(%x, %a : {t(M, K)}, {t(K, N)}) outs(%init : {t(M, N)}) -> {t(M, N)}
    return %y : {t(M, N)}
  }}
  func.func private @printMemrefF32(memref<*xf32>)
  func.func @entry() {{
    %x = arith.constant dense<{literal(x)}> : {t(M, K)}
    %y = func.call @main(%x) : ({t(M, K)}) -> {t(M, N)}
{print_y_and_max_diff(yref, M, N)}  }}
}}

{{-#
  dialect_resources: {{
    builtin: {{
      fc_weight: "{hex_blob(w)}"
    }}
  }}
#-}}
"""
    with open(os.path.join(args.out, "model.mlir"), "w") as f:
        f.write(mlir)
    return 0


def print_y_and_max_diff(yref, M, N):
    """The end of @entry: prints %y [M, N], then max|y - y_ref| computed in
    MLIR (so that it is not limited by printing), and returns."""
    t = lambda *d: "tensor<" + "x".join(str(v) for v in d) + "xf32>"
    return f"""    %ym = bufferization.to_buffer %y : {t(M, N)} to memref<{M}x{N}xf32>
    %yu = memref.cast %ym : memref<{M}x{N}xf32> to memref<*xf32>
    func.call @printMemrefF32(%yu) : (memref<*xf32>) -> ()
    %ref = arith.constant dense<{literal(yref)}> : {t(M, N)}
    %zero = arith.constant 0.000000e+00 : f32
    %dempty = tensor.empty() : tensor<f32>
    %dinit = linalg.fill ins(%zero : f32) outs(%dempty : tensor<f32>) -> tensor<f32>
    %d = linalg.generic {{indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>], iterator_types = ["reduction", "reduction"]}} ins(%y, %ref : {t(M, N)}, {t(M, N)}) outs(%dinit : tensor<f32>) {{
    ^bb0(%a: f32, %b: f32, %acc: f32):
      %diff = arith.subf %a, %b : f32
      %neg = arith.negf %diff : f32
      %abs = arith.maximumf %diff, %neg : f32
      %max = arith.maximumf %acc, %abs : f32
      linalg.yield %max : f32
    }} -> tensor<f32>
    %d1 = tensor.expand_shape %d [] output_shape [1] : tensor<f32> into tensor<1xf32>
    %dm = bufferization.to_buffer %d1 : tensor<1xf32> to memref<1xf32>
    %du = memref.cast %dm : memref<1xf32> to memref<*xf32>
    func.call @printMemrefF32(%du) : (memref<*xf32>) -> ()
    return
"""


def write_packed_arg_model(args, spec, r, x, yref, M, N, K):
    """DIR/model.mlir for --packed-arg: @main takes the weight's data as an
    argument marked {sparq.packed}, and @entry passes the bytes qpack_rows
    made of the reference codes (scales and zero points as stored)."""
    if spec.global_scale or not spec.is_int:
        raise ValueError("--packed-arg takes integer formats without a global scale")
    # The compressed [N, K] weight: the spec's axes are those of [K, N].
    ctext = (spec.text.replace("axis = 0", "axis = @").replace("axis = 1", "axis = 0")
             .replace("axis = @", "axis = 1"))
    groups = r["scales"].shape[1]
    data = qpack_rows(r["codes"], spec.bits, spec.signed, groups)
    nbytes = SCALE_BYTES[spec.scale_type]
    sbits = np.ascontiguousarray(r["scale_bits"].astype(SCALE_UINT[nbytes]))
    hexs = lambda a: '"0x' + np.ascontiguousarray(a).tobytes().hex().upper() + '"'
    t = lambda *d: "tensor<" + "x".join(str(v) for v in d) + "xf32>"
    dt = f"tensor<{N}x{data.shape[1]}xi8>"
    st = f"tensor<{N}x{groups}x{spec.scale_type}>"
    zt = f"tensor<{N}x{groups}xi8>"
    ct = f"!sparq.compressed<{N}x{K}xf32, {ctext}>"
    zarg = f", %z: {zt}" if spec.asym else ""
    zuse = f" zero_points %z : {zt}" if spec.asym else ""
    zconst = (f"    %z = arith.constant dense<{hexs(r['zero_points'].astype(np.int8))}> : {zt}\n"
              if spec.asym else "")
    zpass = ", %z" if spec.asym else ""
    ztype = f", {zt}" if spec.asym else ""
    mlir = f"""// Generated by quant_ref.py gen --packed-arg --spec '{spec.text}' --k {K} --n {N} --m {M} --seed {args.seed}
module {{
  func.func @main(%x: {t(M, K)}, %d: {dt} {{sparq.packed}}, %s: {st}{zarg}) -> {t(M, N)} {{
    %w = sparq.assemble %d : {dt} scales %s : {st}{zuse} -> {ct}
    %y = sparq.matmul %x, %w : {t(M, K)}, {ct} -> {t(M, N)}
    return %y : {t(M, N)}
  }}
  func.func private @printMemrefF32(memref<*xf32>)
  func.func @entry() {{
    %x = arith.constant dense<{literal(x)}> : {t(M, K)}
    %data = arith.constant dense<{hexs(data)}> : {dt}
    %s = arith.constant dense<{hexs(sbits)}> : {st}
{zconst}    %y = func.call @main(%x, %data, %s{zpass}) : ({t(M, K)}, {dt}, {st}{ztype}) -> {t(M, N)}
{print_y_and_max_diff(yref, M, N)}  }}
}}
"""
    with open(os.path.join(args.out, "model.mlir"), "w") as f:
        f.write(mlir)


# ---------------------------------------------------------------------------
# check-ir
# ---------------------------------------------------------------------------

INT_TYPES = {"i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64}
FLOAT_BYTES = {"f64": 8, "f32": 4, "f16": 2, "bf16": 2, "f8E4M3FN": 1,
               "f8E5M2": 1, "f8E8M0FNU": 1}


def parse_tensor_type(text):
    parts = text.split("x")
    return [int(p) for p in parts[:-1]], parts[-1]


def literal_to_bytes(body, shape, elt):
    """Raw little-endian bytes of a dense<...> literal."""
    n = int(np.prod(shape)) if shape else 1
    width = (np.dtype(INT_TYPES[elt]).itemsize if elt in INT_TYPES
             else FLOAT_BYTES[elt])
    body = body.strip()
    hm = re.fullmatch(r'"0x([0-9A-Fa-f]*)"', body)
    if hm:
        raw = bytes.fromhex(hm.group(1))
        if len(raw) == width and n != 1:
            raw = raw * n  # splat
        assert len(raw) == n * width, "hex literal size mismatch"
        return raw
    toks = re.findall(r"[-+]?(?:0x[0-9A-Fa-f]+|inf|nan|[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)",
                      body)
    if len(toks) == 1 and n != 1:
        toks = toks * n
    assert len(toks) == n, f"literal has {len(toks)} elements, expected {n}"
    out = bytearray()
    for tok in toks:
        if tok.lower().startswith(("0x", "-0x", "+0x")):
            out += int(tok.lstrip("+-"), 16).to_bytes(width, "little")
        elif elt in INT_TYPES:
            out += int(tok).to_bytes(width, "little", signed=True)
        else:
            v = np.array([float(tok)])
            if elt == "f64":
                out += v.astype("<f8").tobytes()
            elif elt in ("f32", "f16", "bf16", "f8E4M3FN", "f8E8M0FNU"):
                bits = scale_bits_from_values(v, elt)
                out += bits.astype(bits.dtype.newbyteorder("<")).tobytes()
            else:
                out += bytes([int(round_to_minifloat(v.astype(F32), elt)[0])])
    return bytes(out)


def read_constants(text, scope):
    """SSA name -> (shape, element type, raw bytes) of every arith.constant in
    `scope` (one function: SSA names are per function) holding a dense or
    dense_resource tensor; resources are read from the whole `text`."""
    resources = {}
    rm = re.search(r"\{-#(.*)#-\}", text, re.S)
    if rm:
        for key, hexs in re.findall(r'("?[\w.$-]+"?)\s*:\s*"0x([0-9A-Fa-f]*)"', rm.group(1)):
            raw = bytes.fromhex(hexs)
            resources[key.strip('"')] = raw[4:]  # skip the alignment header
    consts = {}
    pat = re.compile(r"(%[\w$.-]+) = arith\.constant (dense_resource<([^>]+)>|dense<(.*?)>)"
                     r" : tensor<([^>]*)>")
    for m in pat.finditer(scope):
        name, key, body, ttype = m.group(1), m.group(3), m.group(4), m.group(5)
        shape, elt = parse_tensor_type(ttype)
        if key is not None:
            raw = resources[key.strip('"')]
        else:
            raw = literal_to_bytes(body, shape, elt)
        consts[name] = (shape, elt, raw)
    return consts


def cmd_check_ir(args):
    """Reads the constants feeding the sparq.assemble of a sparq-quantize
    output (dense_resource blobs after their alignment header, or dense
    literals: decimal lists, splats or "0x" hex) and requires the packed bytes,
    the scale bit patterns, the zero points and the global scale to equal the
    reference's exactly."""
    ref = np.load(args.ref)
    text = open(args.ir).read()
    am = re.search(r"sparq\.assemble (%[\w$.-]+) : tensor<[^>]*>"
                   r"(?: scales (%[\w$.-]+) : tensor<[^>]*>)?"
                   r"(?: zero_points (%[\w$.-]+) : tensor<[^>]*>)?"
                   r"(?: global_scale (%[\w$.-]+) : tensor<[^>]*>)?.*?"
                   r"-> !sparq\.compressed<([0-9x]+)x\w+,", text)
    errors = []
    if not am:
        print("FAIL: no sparq.assemble in " + args.ir)
        return 1
    # The function that holds the assemble.
    start = text.rfind("func.func", 0, am.start())
    end = text.find("func.func", am.end())
    consts = read_constants(text, text[start:end if end >= 0 else len(text)])
    dims = [int(d) for d in am.group(5).split("x")]
    if dims != list(ref["shape"]):
        errors.append(f"compressed shape {dims}, expected {list(ref['shape'])} "
                      "(the transposed [N, K] weight)")

    def const(name, what):
        if name is None or name not in consts:
            errors.append(f"{what}: operand {name} is not a constant")
            return None
        return consts[name]

    # Packed data: identical bytes.
    data = const(am.group(1), "data")
    exp = ref["data"]
    if data is not None:
        shape, elt, raw = data
        got = np.frombuffer(raw, np.uint8)
        if elt != "i8" or list(shape) != list(exp.shape):
            errors.append(f"data is tensor<{shape} x {elt}>, expected {list(exp.shape)} x i8")
        elif not np.array_equal(got.reshape(exp.shape), exp):
            got = got.reshape(exp.shape)
            bad = np.argwhere(got != exp)
            lines = [f"data: {len(bad)} of {exp.size} bytes differ"]
            for r, c in bad[:8]:
                lines.append(f"  [row {r}, byte {c}] got 0x{got[r, c]:02x}, "
                             f"expected 0x{exp[r, c]:02x}")
            errors.append("\n".join(lines))

    # Scales: identical bit patterns in the scale type.
    sc = const(am.group(2), "scales")
    st = str(ref["scale_type"])
    exp_bits = ref["scale_bits"]
    if sc is not None:
        shape, elt, raw = sc
        if elt != st or list(shape) != list(exp_bits.shape):
            errors.append(f"scales are tensor<{shape} x {elt}>, expected "
                          f"{list(exp_bits.shape)} x {st}")
        else:
            got = np.frombuffer(raw, exp_bits.dtype.newbyteorder("<")).reshape(exp_bits.shape)
            if not np.array_equal(got, exp_bits):
                bad = np.argwhere(got != exp_bits)
                lines = [f"scales: {len(bad)} of {exp_bits.size} differ"]
                w = 2 * exp_bits.dtype.itemsize
                for idx in bad[:8]:
                    idx = tuple(idx)
                    lines.append(f"  {list(idx)} got 0x{int(got[idx]):0{w}x}, expected "
                                 f"0x{int(exp_bits[idx]):0{w}x} ({ref['scales'][idx]!r})")
                errors.append("\n".join(lines))

    # Zero points.
    if bool(ref["has_zero_points"]):
        zp = const(am.group(3), "zero_points")
        exp_z = ref["zero_points"]
        if zp is not None:
            shape, elt, raw = zp
            got = np.frombuffer(raw, np.int8)
            if elt != "i8" or got.size != exp_z.size:
                errors.append(f"zero_points are tensor<{shape} x {elt}>, expected "
                              f"{list(exp_z.shape)} x i8")
            elif not np.array_equal(got.reshape(exp_z.shape), exp_z):
                got = got.reshape(exp_z.shape)
                bad = np.argwhere(got != exp_z)
                lines = [f"zero_points: {len(bad)} of {exp_z.size} differ"]
                for idx in bad[:8]:
                    idx = tuple(idx)
                    lines.append(f"  {list(idx)} got {got[idx]}, expected {exp_z[idx]}")
                errors.append("\n".join(lines))
    elif am.group(3):
        errors.append("unexpected zero_points for a symmetric spec")

    # Global scale.
    if bool(ref["has_global_scale"]):
        gs = const(am.group(4), "global_scale")
        if gs is not None:
            got = np.frombuffer(gs[2], "<f4")
            exp_g = ref["global_scale"].reshape(1)
            if got.size != 1 or got.view(np.uint32)[0] != exp_g.view(np.uint32)[0]:
                errors.append(f"global_scale: got {got!r}, expected {exp_g!r}")
    elif am.group(4):
        errors.append("unexpected global_scale")

    # All-zero blocks: the scale is exactly 1 (not 0, not NaN).
    zero_blocks = ref["zero_blocks"]
    if sc is not None and zero_blocks.any() and sc[1] == st:
        got = np.frombuffer(sc[2], exp_bits.dtype.newbyteorder("<"))
        one = round_scale(np.array([1.0], F32), st)[1][0]
        if not np.all(got.reshape(zero_blocks.shape)[zero_blocks] == one):
            errors.append("an all-zero block has a scale other than 1")

    if errors:
        print("FAIL quantized storage differs from the reference for "
              + str(ref["spec"]))
        print("\n".join(errors))
        return 1
    print("PASS quantized bytes match")
    if zero_blocks.any():
        print(f"PASS {int(zero_blocks.sum())} all-zero blocks have scale 1")
    return 0


# ---------------------------------------------------------------------------
# check-run
# ---------------------------------------------------------------------------


def parse_memrefs(text):
    """The data of every memref printed by printMemrefF32, in order."""
    out = []
    for m in re.finditer(r"Unranked Memref base@ = \S+ rank = (\d+) offset = \d+ "
                         r"sizes = \[([0-9, ]*)\] strides = \[[0-9, ]*\] data =\s*\n?"
                         r"(.*?)(?=Unranked Memref|\Z)", text, re.S):
        sizes = [int(s) for s in m.group(2).split(",") if s.strip()]
        vals = re.findall(r"[-+]?(?:inf|nan|[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)",
                          m.group(3))
        out.append(np.array([float(v) for v in vals], dtype=F64).reshape(sizes))
    return out


def cmd_check_run(args):
    """Checks the last memref printed (max|y - y_ref|) against --tol.

    Why a tolerance at all: check-ir proves the stored weights are the
    reference's, and both decode with one f32 multiply, so MLIR's y and y_ref
    differ only in summation: MLIR adds the K products sequentially in f32,
    y_ref is the f64 result rounded to f32. Then |y - y_ref| <=
    gamma_K * sum_k |x_k w_k| + u |y_ref| (u = 2^-24, gamma_K = K u / (1 - K u)),
    plus u |y - y_ref| for the subtraction. With --ref, that bound (computed by
    gen) must not exceed --tol, so a passing tolerance is always justified, and
    the printed y (6 significant digits) is compared with y_ref as well."""
    text = open(args.output).read()
    mems = parse_memrefs(text)
    if len(mems) < 2:
        print("FAIL: expected y and max|y - y_ref| in the output of mlir-runner")
        return 1
    y, diff = mems[-2], mems[-1]
    if diff.size != 1:
        print("FAIL: the last memref is not max|y - y_ref|")
        return 1
    d = float(diff.reshape(-1)[0])
    ok = np.isfinite(d) and d <= args.tol
    msg = []
    if args.ref:
        ref = np.load(args.ref)
        key = ("bound_f16" if args.f16_inputs else
               "bound_bf16" if args.bf16_inputs else "bound")
        bound = float(ref[key])
        if args.tol < bound:
            what = ("f16-input" if args.f16_inputs else
                    "bf16-input" if args.bf16_inputs else "float32 summation")
            print(f"FAIL tolerance {args.tol:g} is below the {what} "
                  f"error bound {bound:.3g} of this data; raise it")
            return 1
        yref = ref["y_ref"].astype(F64)
        # printMemrefF32 prints 6 significant digits.
        if y.shape != yref.shape:
            ok = False
            msg.append(f"y has shape {list(y.shape)}, expected {list(yref.shape)}")
        elif not np.all(np.abs(y - yref) <= 1e-5 * np.abs(yref) + args.tol):
            ok = False
            msg.append("printed y differs from y_ref: max "
                       f"{np.max(np.abs(y - yref)):.3g}")
    if not ok:
        print(f"FAIL max |y - y_ref| = {d:.3g} > {args.tol:g}" if not msg else
              "FAIL " + "; ".join(msg))
        return 1
    print(f"PASS max |y - y_ref| = {d:.3g} <= {args.tol:g}")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen", help="write DIR/model.mlir and DIR/ref.npz")
    g.add_argument("--spec", required=True,
                   help="#sparq.quant for the [K, N] weight of linalg.matmul")
    g.add_argument("--k", type=int, required=True)
    g.add_argument("--n", type=int, required=True)
    g.add_argument("--m", type=int, default=1)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--act", choices=["f32", "int8"], default="f32",
                   help="activations the compiled kernel uses (y_ref follows)")
    g.add_argument("--out", required=True)
    g.add_argument("--special", choices=["zeros", "ties", "outliers", "pow2edge"])
    g.add_argument("--packed-arg", action="store_true",
                   help="pass the weight to @main already in the runtime's "
                        "packed layout, as an argument marked {sparq.packed}")
    c = sub.add_parser("check-ir", help="compare sparq-quantize's constants")
    c.add_argument("ir")
    c.add_argument("ref")
    r = sub.add_parser("check-run", help="check mlir-runner's max|y - y_ref|")
    r.add_argument("output")
    r.add_argument("--tol", type=float, required=True)
    r.add_argument("--f16-inputs", action="store_true",
                   help="the code rounds x and w to f16 before multiplying "
                   "(tensor-core GEMM): check the tolerance against that bound")
    r.add_argument("--bf16-inputs", action="store_true",
                   help="the code rounds x and w to bf16 (mma-bf16): check the "
                   "tolerance against that bound")
    r.add_argument("--ref", help="ref.npz: also check the printed y and that "
                   "the tolerance covers the summation error bound")
    args = p.parse_args()
    if args.cmd == "gen":
        return cmd_gen(args)
    if args.cmd == "check-ir":
        return cmd_check_ir(args)
    return cmd_check_run(args)


if __name__ == "__main__":
    sys.exit(main())
