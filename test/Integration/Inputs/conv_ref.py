#!/usr/bin/env python3
"""Convolutions for the sparq-conv-to-matmul execution test.

gen: writes model.mlir (random constants) with a padded, strided, dilated
NCHW conv on a dense filter, an NHWC/HWCF conv accumulating into a bias, and
NCHW convs on int8 and int4 per-channel compressed filters.
compare: compares two printMemrefF32 outputs of the module (the reference
lowering and the fast path) within a relative tolerance.
"""
import argparse
import os
import re
import sys

import numpy as np


def lit(a):
    if a.dtype == np.int8:
        return "[" + ", ".join(lit(r) for r in a) + "]" if a.ndim else str(int(a))
    if a.ndim == 0:
        return f"{float(a):.9e}"
    return "[" + ", ".join(lit(r) for r in a) + "]"


def t(shape, ty="f32"):
    return "tensor<" + "x".join(map(str, shape)) + "x" + ty + ">"


def gen(args):
    rng = np.random.default_rng(args.seed)
    f = lambda *s: rng.standard_normal(s).astype(np.float32)
    x1, w1 = f(1, 3, 9, 9), f(4, 3, 3, 3)
    x2, w2, b2 = f(2, 8, 7, 3), f(2, 3, 3, 5), f(5)
    x3, d3, s3 = f(1, 4, 6, 6), rng.integers(-128, 128, (6, 4, 3, 3)).astype(np.int8), (rng.random((6, 1, 1, 1)) * 0.02 + 0.01).astype(np.float32)
    d4, s4 = rng.integers(-128, 128, (3, 4, 2, 1)).astype(np.int8), (rng.random((3, 1, 1, 1)) * 0.1 + 0.05).astype(np.float32)
    q8 = "#sparq.quant<i8, per_channel(axis = 0)>"
    q4 = "#sparq.quant<i4, per_channel(axis = 0)>"
    src = f"""
module {{
  func.func private @printMemrefF32(memref<*xf32>)
  func.func @print4(%y: tensor<?x?x?x?xf32>) {{
    %m = bufferization.to_buffer %y : tensor<?x?x?x?xf32> to memref<?x?x?x?xf32>
    %u = memref.cast %m : memref<?x?x?x?xf32> to memref<*xf32>
    func.call @printMemrefF32(%u) : (memref<*xf32>) -> ()
    return
  }}
  func.func @entry() {{
    %c0 = arith.constant 0.0 : f32
    %x1 = arith.constant dense<{lit(x1)}> : {t(x1.shape)}
    %w1 = arith.constant dense<{lit(w1)}> : {t(w1.shape)}
    %p1 = tensor.pad %x1 low[0, 0, 1, 1] high[0, 0, 1, 1] {{
    ^bb0(%a: index, %b: index, %c: index, %d: index):
      tensor.yield %c0 : f32
    }} : {t(x1.shape)} to tensor<1x3x11x11xf32>
    %e1 = tensor.empty() : tensor<1x4x4x4xf32>
    %z1 = linalg.fill ins(%c0 : f32) outs(%e1 : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
    %y1 = linalg.conv_2d_nchw_fchw {{dilations = dense<2> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}}
      ins(%p1, %w1 : tensor<1x3x11x11xf32>, {t(w1.shape)}) outs(%z1 : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
    %c1 = tensor.cast %y1 : tensor<1x4x4x4xf32> to tensor<?x?x?x?xf32>
    func.call @print4(%c1) : (tensor<?x?x?x?xf32>) -> ()

    %x2 = arith.constant dense<{lit(x2)}> : {t(x2.shape)}
    %w2 = arith.constant dense<{lit(w2)}> : {t(w2.shape)}
    %b2 = arith.constant dense<{lit(b2)}> : tensor<5xf32>
    %p2 = tensor.pad %x2 low[0, 1, 1, 0] high[0, 1, 1, 0] {{
    ^bb0(%a: index, %b: index, %c: index, %d: index):
      tensor.yield %c0 : f32
    }} : {t(x2.shape)} to tensor<2x10x9x3xf32>
    %e2 = tensor.empty() : tensor<2x8x4x5xf32>
    %i2 = linalg.broadcast ins(%b2 : tensor<5xf32>) outs(%e2 : tensor<2x8x4x5xf32>) dimensions = [0, 1, 2]
    %y2 = linalg.conv_2d_nhwc_hwcf {{dilations = dense<[2, 1]> : tensor<2xi64>, strides = dense<[1, 2]> : tensor<2xi64>}}
      ins(%p2, %w2 : tensor<2x10x9x3xf32>, {t(w2.shape)}) outs(%i2 : tensor<2x8x4x5xf32>) -> tensor<2x8x4x5xf32>
    %c2 = tensor.cast %y2 : tensor<2x8x4x5xf32> to tensor<?x?x?x?xf32>
    func.call @print4(%c2) : (tensor<?x?x?x?xf32>) -> ()

    %x3 = arith.constant dense<{lit(x3)}> : {t(x3.shape)}
    %d3 = arith.constant dense<{lit(d3)}> : {t(d3.shape, "i8")}
    %s3 = arith.constant dense<{lit(s3)}> : {t(s3.shape)}
    %q3 = sparq.assemble %d3 : {t(d3.shape, "i8")} scales %s3 : {t(s3.shape)} -> !sparq.compressed<6x4x3x3xf32, {q8}>
    %w3 = sparq.dequantize %q3 : !sparq.compressed<6x4x3x3xf32, {q8}> -> tensor<6x4x3x3xf32>
    %e3 = tensor.empty() : tensor<1x6x2x4xf32>
    %z3 = linalg.fill ins(%c0 : f32) outs(%e3 : tensor<1x6x2x4xf32>) -> tensor<1x6x2x4xf32>
    %y3 = linalg.conv_2d_nchw_fchw {{dilations = dense<[1, 1]> : tensor<2xi64>, strides = dense<[2, 1]> : tensor<2xi64>}}
      ins(%x3, %w3 : {t(x3.shape)}, tensor<6x4x3x3xf32>) outs(%z3 : tensor<1x6x2x4xf32>) -> tensor<1x6x2x4xf32>
    %c3 = tensor.cast %y3 : tensor<1x6x2x4xf32> to tensor<?x?x?x?xf32>
    func.call @print4(%c3) : (tensor<?x?x?x?xf32>) -> ()

    %d4 = arith.constant dense<{lit(d4)}> : {t(d4.shape, "i8")}
    %s4 = arith.constant dense<{lit(s4)}> : {t(s4.shape)}
    %q4 = sparq.assemble %d4 : {t(d4.shape, "i8")} scales %s4 : {t(s4.shape)} -> !sparq.compressed<3x4x2x2xf32, {q4}>
    %w4 = sparq.dequantize %q4 : !sparq.compressed<3x4x2x2xf32, {q4}> -> tensor<3x4x2x2xf32>
    %e4 = tensor.empty() : tensor<1x3x4x5xf32>
    %z4 = linalg.fill ins(%c0 : f32) outs(%e4 : tensor<1x3x4x5xf32>) -> tensor<1x3x4x5xf32>
    %y4 = linalg.conv_2d_nchw_fchw {{dilations = dense<[2, 1]> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}}
      ins(%x3, %w4 : {t(x3.shape)}, tensor<3x4x2x2xf32>) outs(%z4 : tensor<1x3x4x5xf32>) -> tensor<1x3x4x5xf32>
    %c4 = tensor.cast %y4 : tensor<1x3x4x5xf32> to tensor<?x?x?x?xf32>
    func.call @print4(%c4) : (tensor<?x?x?x?xf32>) -> ()
    return
  }}
}}
"""
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "model.mlir"), "w") as fh:
        fh.write(src)


def parse(path):
    """The arrays printed by printMemrefF32, in order."""
    text = open(path).read()
    blocks = re.split(r"Unranked Memref[^\n]*\n", text)[1:]
    return [np.array([float(v) for v in re.findall(r"[-+]?[0-9.]+(?:e[-+]?[0-9]+)?|nan|inf", b)]) for b in blocks]


def compare(args):
    a, b = parse(args.fast), parse(args.ref)
    if len(a) != len(b) or len(a) != args.count:
        sys.exit(f"FAIL: {len(a)} and {len(b)} outputs, expected {args.count}")
    for i, (u, v) in enumerate(zip(a, b)):
        if u.shape != v.shape or u.size == 0:
            sys.exit(f"FAIL: output {i}: sizes {u.size} and {v.size}")
        rel = np.max(np.abs(u - v)) / np.max(np.abs(v))
        print(f"output {i}: {u.size} values, max rel diff {rel:.2e}")
        if not rel <= args.tol:
            sys.exit(f"FAIL: output {i} differs by {rel:.2e} > {args.tol}")
    print("PASS")


p = argparse.ArgumentParser()
sub = p.add_subparsers(dest="cmd", required=True)
g = sub.add_parser("gen")
g.add_argument("--out", required=True)
g.add_argument("--seed", type=int, default=0)
c = sub.add_parser("compare")
c.add_argument("fast")
c.add_argument("ref")
c.add_argument("--count", type=int, required=True)
c.add_argument("--tol", type=float, default=1e-5)
a = p.parse_args()
gen(a) if a.cmd == "gen" else compare(a)
