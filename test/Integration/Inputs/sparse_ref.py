#!/usr/bin/env python3
"""Independent numpy reference for Sparq's sparse storage (#sparq.sparsity).

Builds a random sparse weight in numpy, writes it as Sparq storage following
the layout documented in SparqTypes.td (!sparq.compressed) -- CSR: values,
i16 column indices, i32 row offsets; N:M along the last axis: the kept values
and each one's position in its group packed in ceil(log2 M) bits, little-endian
along the row -- and checks the dense tensor mlir-runner prints against the
numpy matrix. Values are multiples of 1/4 so that they print exactly.

Subcommands:
  gen    --kind csr|nm --rows R --cols C [--n N --m M] --seed S --out DIR
         writes DIR/model.mlir (an @entry that prints the dense weight) and
         DIR/ref.npy
  check  OUTPUT DIR/ref.npy: compares the printed tensor exactly
"""

import argparse
import math
import os
import re
import sys

import numpy as np


def dense_literal(array, fmt):
    if array.ndim == 1:
        return "[" + ", ".join(fmt(v) for v in array) + "]"
    return "[" + ", ".join(dense_literal(row, fmt) for row in array) + "]"


def pack_bits(codes, bits):
    """Packs each row of `codes` as a little-endian bit stream."""
    rows, n = codes.shape
    nbytes = (n * bits + 7) // 8
    out = np.zeros((rows, nbytes), dtype=np.uint8)
    for r in range(rows):
        for i, c in enumerate(codes[r]):
            for b in range(bits):
                if (int(c) >> b) & 1:
                    bit = i * bits + b
                    out[r, bit // 8] |= 1 << (bit % 8)
    return out.view(np.int8)


def gen(args):
    rng = np.random.default_rng(args.seed)
    rows, cols = args.rows, args.cols
    values = rng.integers(-32, 33, size=(rows, cols)).astype(np.float32) / 4
    values[values == 0] = 0.25
    f = lambda v: repr(float(v))
    i = lambda v: str(int(v))
    if args.kind == "csr":
        mask = rng.random((rows, cols)) < 0.3
        dense = np.where(mask, values, np.float32(0))
        nnz = int(mask.sum())
        rows_idx, cols_idx = np.nonzero(dense)
        offsets = np.searchsorted(rows_idx, np.arange(rows + 1)).astype(np.int32)
        ratio = 1 - nnz / (rows * cols)
        spec = "#sparq.sparsity<unstructured, ratio = %r>" % ratio
        storage = (
            "  %%v = arith.constant dense<%s> : tensor<%dxf32>\n"
            "  %%c = arith.constant dense<%s> : tensor<%dxi16>\n"
            "  %%p = arith.constant dense<%s> : tensor<%dxi32>\n"
            "  %%w = sparq.assemble %%v : tensor<%dxf32> indices %%c : "
            "tensor<%dxi16> offsets %%p : tensor<%dxi32> -> !w\n"
            % (dense_literal(dense[rows_idx, cols_idx], f), nnz,
               dense_literal(cols_idx, i), nnz,
               dense_literal(offsets, i), rows + 1, nnz, nnz, rows + 1))
    else:
        n, m = args.n, args.m
        groups = cols // m
        positions = np.stack([
            np.sort(rng.choice(m, size=n, replace=False))
            for _ in range(rows * groups)]).reshape(rows, groups * n)
        kept = values[:, : groups * n]
        dense = np.zeros((rows, cols), dtype=np.float32)
        for r in range(rows):
            for k in range(groups * n):
                dense[r, (k // n) * m + positions[r, k]] = kept[r, k]
        bits = max(1, math.ceil(math.log2(m)))
        packed = pack_bits(positions, bits)
        spec = "#sparq.sparsity<%d:%d, axis = 1>" % (n, m)
        storage = (
            "  %%v = arith.constant dense<%s> : tensor<%dx%dxf32>\n"
            "  %%i = arith.constant dense<%s> : tensor<%dx%dxi8>\n"
            "  %%w = sparq.assemble %%v : tensor<%dx%dxf32> indices %%i : "
            "tensor<%dx%dxi8> -> !w\n"
            % (dense_literal(kept, f), rows, groups * n,
               dense_literal(packed, i), rows, packed.shape[1],
               rows, groups * n, rows, packed.shape[1]))
    os.makedirs(args.out, exist_ok=True)
    np.save(os.path.join(args.out, "ref.npy"), dense)
    with open(os.path.join(args.out, "model.mlir"), "w") as out:
        out.write(
            "!w = !sparq.compressed<%dx%dxf32, %s>\n"
            "func.func private @printMemrefF32(tensor<*xf32>) "
            "attributes {llvm.emit_c_interface}\n"
            "func.func @entry() {\n%s"
            "  %%x = sparq.dequantize %%w : !w -> tensor<%dx%dxf32>\n"
            "  %%u = tensor.cast %%x : tensor<%dx%dxf32> to tensor<*xf32>\n"
            "  call @printMemrefF32(%%u) : (tensor<*xf32>) -> ()\n"
            "  return\n}\n"
            % (rows, cols, spec, storage, rows, cols, rows, cols))


def check(args):
    ref = np.load(args.ref)
    text = open(args.output).read()
    if "data =" not in text:
        sys.exit("FAIL: no printed tensor in %s" % args.output)
    body = text.split("data =", 1)[1]
    got = np.array([float(t) for t in
                    re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", body)],
                   dtype=np.float32)
    if got.size != ref.size:
        sys.exit("FAIL: printed %d values, expected %d" % (got.size, ref.size))
    bad = np.nonzero(got != ref.reshape(-1))[0]
    if bad.size:
        sys.exit("FAIL: element %d is %r, expected %r" %
                 (bad[0], got[bad[0]], ref.reshape(-1)[bad[0]]))
    print("PASS %d values match, %d nonzero" % (ref.size,
                                                 np.count_nonzero(ref)))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--kind", choices=["csr", "nm"], required=True)
    g.add_argument("--rows", type=int, required=True)
    g.add_argument("--cols", type=int, required=True)
    g.add_argument("--n", type=int, default=2)
    g.add_argument("--m", type=int, default=4)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--out", required=True)
    c = sub.add_parser("check")
    c.add_argument("output")
    c.add_argument("ref")
    args = parser.parse_args()
    gen(args) if args.cmd == "gen" else check(args)


if __name__ == "__main__":
    main()
