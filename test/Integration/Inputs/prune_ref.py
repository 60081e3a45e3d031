#!/usr/bin/env python3
"""Independent numpy checks for Sparq pruning (sparq-prune, sparq-sparsify,
sparq-shrink-channels).

The model is a two-layer MLP y = relu(x @ W1 + b1) @ W2 with W1 [K, H] and
W2 [H, N] annotated as layers "fc1" and "fc2" (specs written on the weights'
own [K, N] layout, as sparq.annotate stores them).

Subcommands:
  gen         write DIR/model.mlir (with an @entry printing y) and DIR/orig.npz
  check-mask  check the weights sparq-prune wrote against the originals: kept
              weights unchanged; every N:M group has <= N nonzeros and keeps
              its N best scores; unstructured and global pruning zero exactly
              floor(r * numel) weights, and no pruned score exceeds a kept one
              (per layer, or across layers with --global); every block is
              all zero or kept whole, the weakest blocks (L2 norm) are zeroed
  check-run   compare the printed y with y_ref computed in numpy from the
              masked weights (quantized by quant_ref.py when the spec says so)
  shrink-ref  y_ref of the channel-masked MLP: the floor(r * H) hidden
              channels with the smallest ||W1[:, j]|| removed
"""

import argparse
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import quant_ref  # noqa: E402

F32, F64 = np.float32, np.float64


def literal(a):
    return quant_ref.literal(a)


def sparsity(spec):
    """(kind, params) of the #sparq.sparsity part of a spec text."""
    m = re.search(r"#sparq\.sparsity<(\d+):(\d+), axis = (\d+)>", spec)
    if m:
        return "nm", tuple(int(v) for v in m.groups())
    m = re.search(r"#sparq\.sparsity<unstructured, ratio = ([0-9.e-]+)>", spec)
    if m:
        return "unstructured", (float(m.group(1)),)
    m = re.search(r"#sparq\.sparsity<block \[(\d+), (\d+)\], ratio = ([0-9.e-]+)>", spec)
    if m:
        return "block", (int(m.group(1)), int(m.group(2)), float(m.group(3)))
    return None, ()


def quant_part(spec):
    m = re.search(r"#sparq\.quant<.*?>(?=,|>$|$)", spec)
    if not m:
        return None
    text = m.group(0)
    while text.count("<") > text.count(">"):
        text += ">"
    return quant_ref.Spec(text)


def cmd_gen(a):
    rng = np.random.default_rng(a.seed)
    K, H, N, M = a.k, a.h, a.n, a.m
    w1 = rng.standard_normal((K, H)).astype(F32)
    w2 = rng.standard_normal((H, N)).astype(F32)
    b1 = rng.uniform(-0.5, 0.5, H).astype(F32)
    x = rng.uniform(-1, 1, (M, K)).astype(F32)
    n1 = rng.uniform(0.1, 4, K).astype(F32) if a.act_norm else None
    n2 = rng.uniform(0.1, 4, H).astype(F32) if a.act_norm else None
    os.makedirs(a.out, exist_ok=True)
    np.savez(os.path.join(a.out, "orig.npz"), w1=w1, w2=w2, b1=b1, x=x,
             n1=n1 if n1 is not None else np.ones(K, F32),
             n2=n2 if n2 is not None else np.ones(H, F32))
    t = lambda *d: "tensor<" + "x".join(str(v) for v in d) + "xf32>"

    def weight(name, shape, spec, layer):
        if spec == "none":
            return f"%{name} = arith.constant dense_resource<{layer}_w> : {t(*shape)}"
        return (f"%{name}_c = arith.constant dense_resource<{layer}_w> : {t(*shape)}\n"
                f"    %{name} = sparq.annotate %{name}_c : {t(*shape)} with {spec} "
                f"{{layer = \"{layer}\"}}")

    def norm(n):
        return "" if n is None else f" {{sparq.act_norm = dense<{literal(n)}> : {t(len(n))}}}"

    mlir = f"""module {{
  func.func @main(%x: {t(M, K)}) -> {t(M, N)} {{
    %zero = arith.constant 0.000000e+00 : f32
    {weight("w1", (K, H), a.spec1, "fc1")}
    {weight("w2", (H, N), a.spec2, "fc2")}
    %b1 = arith.constant dense<{literal(b1)}> : {t(H)}
    %e1 = tensor.empty() : {t(M, H)}
    %i1 = linalg.fill ins(%zero : f32) outs(%e1 : {t(M, H)}) -> {t(M, H)}
    %h = linalg.matmul{norm(n1)} ins(%x, %w1 : {t(M, K)}, {t(K, H)}) outs(%i1 : {t(M, H)}) -> {t(M, H)}
    %e2 = tensor.empty() : {t(M, H)}
    %r = linalg.generic {{indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}} ins(%h, %b1 : {t(M, H)}, {t(H)}) outs(%e2 : {t(M, H)}) {{
    ^bb0(%v: f32, %b: f32, %o: f32):
      %s = arith.addf %v, %b : f32
      %m = arith.maximumf %s, %zero : f32
      linalg.yield %m : f32
    }} -> {t(M, H)}
    %e3 = tensor.empty() : {t(M, N)}
    %i3 = linalg.fill ins(%zero : f32) outs(%e3 : {t(M, N)}) -> {t(M, N)}
    %y = linalg.matmul{norm(n2)} ins(%r, %w2 : {t(M, H)}, {t(H, N)}) outs(%i3 : {t(M, N)}) -> {t(M, N)}
    return %y : {t(M, N)}
  }}
  func.func private @printMemrefF32(memref<*xf32>)
  func.func @entry() {{
    %x = arith.constant dense<{literal(x)}> : {t(M, K)}
    %y = func.call @main(%x) : ({t(M, K)}) -> {t(M, N)}
    %ym = bufferization.to_buffer %y : {t(M, N)} to memref<{M}x{N}xf32>
    %yu = memref.cast %ym : memref<{M}x{N}xf32> to memref<*xf32>
    func.call @printMemrefF32(%yu) : (memref<*xf32>) -> ()
    return
  }}
}}

{{-#
  dialect_resources: {{
    builtin: {{
      fc1_w: "{quant_ref.hex_blob(w1)}",
      fc2_w: "{quant_ref.hex_blob(w2)}"
    }}
  }}
#-}}
"""
    with open(os.path.join(a.out, "model.mlir"), "w") as f:
        f.write(mlir)
    return 0


def pruned_weights(path):
    """layer -> pruned weight, read from sparq-prune's output."""
    text = open(path).read()
    consts = quant_ref.read_constants(text, text)
    out = {}
    for m in re.finditer(r"= sparq\.annotate (%[\w$.-]+) : tensor<[^>]*> with .*?"
                         r"layer = \"(\w+)\"", text):
        shape, elt, raw = consts[m.group(1)]
        assert elt == "f32"
        out[m.group(2)] = np.frombuffer(raw, dtype="<f4").reshape(shape)
    return out


def fail(msg):
    print("FAIL " + msg)
    return 1


def cmd_check_mask(a):
    orig = np.load(a.orig)
    pruned = pruned_weights(a.pruned)
    specs = {"fc1": a.spec1, "fc2": a.spec2}
    norms = {"fc1": orig["n1"], "fc2": orig["n2"]}
    pooled_kept, pooled_pruned, budget = [], [], 0
    for layer, w0 in (("fc1", orig["w1"]), ("fc2", orig["w2"])):
        kind, p = sparsity(specs[layer])
        if kind is None:
            continue
        if layer not in pruned:
            return fail(f"{layer}: no pruned weight found")
        w = pruned[layer]
        if not np.all((w == 0) | (w == w0)):
            return fail(f"{layer}: a kept weight changed")
        score = np.abs(w0.astype(F64)) * norms[layer].astype(F64)[:, None]
        zero = w == 0
        if kind == "nm":
            n, m, axis = p
            g = np.moveaxis(zero, axis, -1).reshape(-1, m)
            sg = np.moveaxis(score, axis, -1).reshape(-1, m)
            if np.any((~g).sum(axis=1) > n):
                return fail(f"{layer}: a group of {m} has more than {n} nonzeros")
            if np.any((~g).sum(axis=1) != n):
                return fail(f"{layer}: a group kept fewer than {n} weights")
            kept_min = np.where(~g, sg, np.inf).min(axis=1)
            pruned_max = np.where(g, sg, -np.inf).max(axis=1)
            if np.any(pruned_max > kept_min):
                return fail(f"{layer}: an N:M group pruned a better score")
            print(f"PASS {layer} {n}:{m} groups along axis {axis}: {g.shape[0]} groups, each <= {n} nonzeros")
        elif kind == "unstructured":
            r = p[0]
            k = int(np.floor(r * w.size))
            if a.glob:
                budget += k
                pooled_kept.append(score[~zero])
                pooled_pruned.append(score[zero])
                continue
            if zero.sum() != k:
                return fail(f"{layer}: {zero.sum()} zeros, expected {k}")
            if score[zero].max() > score[~zero].min():
                return fail(f"{layer}: a pruned score exceeds a kept one")
            print(f"PASS {layer} unstructured: {k} zeros, threshold respected")
        elif kind == "block":
            b0, b1, r = p
            R, C = w.shape
            blocks = zero.reshape(R // b0, b0, C // b1, b1).transpose(0, 2, 1, 3).reshape(-1, b0 * b1)
            bnorm = np.sqrt((score.reshape(R // b0, b0, C // b1, b1) ** 2).sum(axis=(1, 3))).reshape(-1)
            allz, none = blocks.all(axis=1), (~blocks).all(axis=1)
            if not np.all(allz | none):
                return fail(f"{layer}: a block is partly zero")
            k = int(np.floor(r * blocks.shape[0]))
            if allz.sum() != k:
                return fail(f"{layer}: {allz.sum()} zero blocks, expected {k}")
            if k and bnorm[allz].max() > bnorm[~allz].min():
                return fail(f"{layer}: a zeroed block has a larger norm than a kept one")
            print(f"PASS {layer} block [{b0}, {b1}]: {k} of {blocks.shape[0]} blocks zero, all whole")
    if a.glob:
        kept = np.concatenate(pooled_kept)
        prn = np.concatenate(pooled_pruned)
        if prn.size != budget:
            return fail(f"global: {prn.size} zeros, expected {budget}")
        if prn.max() > kept.min():
            return fail("global: a pruned score exceeds a kept one in another layer")
        print(f"PASS global threshold: {budget} zeros, max pruned {prn.max():.4g} <= min kept {kept.min():.4g}")
    return 0


def dequant(w, spec):
    """The weight sparq-sparsify stores: the masked weight, quantized on the
    transposed [N, K] layout when the spec has a #sparq.quant part."""
    q = quant_part(spec) if spec != "none" else None
    if q is None:
        return w.astype(F32)
    wt = np.ascontiguousarray(w.T)
    r = quant_ref.quantize(q, wt, q.transposed_block(w.shape))
    return np.ascontiguousarray(r["dequant"].T)


def compare(y, yref, tol):
    if y.shape != yref.shape:
        return fail(f"y has shape {list(y.shape)}, expected {list(yref.shape)}")
    err = np.abs(y - yref)
    if not np.all(err <= tol + 1e-5 * np.abs(yref)):
        return fail(f"max |y - y_ref| = {err.max():.3g}")
    print(f"PASS max |y - y_ref| = {err.max():.3g}")
    return 0


def mlp(x, w1, b1, w2):
    h = np.maximum(x.astype(F64) @ w1.astype(F64) + b1, 0)
    return h @ w2.astype(F64)


def cmd_check_run(a):
    orig = np.load(a.orig)
    pruned = pruned_weights(a.pruned)
    w1 = pruned.get("fc1", orig["w1"])
    w2 = pruned.get("fc2", orig["w2"])
    yref = mlp(orig["x"], dequant(w1, a.spec1), orig["b1"], dequant(w2, a.spec2))
    y = quant_ref.parse_memrefs(open(a.output).read())[-1]
    return compare(y, yref, a.tol)


def cmd_shrink_ref(a):
    orig = np.load(a.orig)
    w1, w2 = orig["w1"], orig["w2"]
    H = w1.shape[1]
    k = int(np.floor(a.ratio * H))
    norm = np.sqrt((w1.astype(F64) ** 2).sum(axis=0))
    removed = np.argsort(norm, kind="stable")[:k]
    w2m = w2.copy()
    w2m[removed, :] = 0  # the masked model: removed channels feed nothing
    yref = mlp(orig["x"], w1, orig["b1"], w2m)
    y = quant_ref.parse_memrefs(open(a.output).read())[-1]
    return compare(y, yref, a.tol)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--out", required=True)
    for n, d in (("k", 32), ("h", 16), ("n", 8), ("m", 2), ("seed", 0)):
        g.add_argument("--" + n, type=int, default=d)
    g.add_argument("--spec1", default="none")
    g.add_argument("--spec2", default="none")
    g.add_argument("--act-norm", action="store_true")
    g.add_argument("--global", dest="glob", action="store_true", help="ignored")
    c = sub.add_parser("check-mask")
    c.add_argument("pruned")
    c.add_argument("--orig", required=True)
    c.add_argument("--spec1", default="none")
    c.add_argument("--spec2", default="none")
    c.add_argument("--global", dest="glob", action="store_true")
    r = sub.add_parser("check-run")
    r.add_argument("output")
    r.add_argument("--pruned", required=True)
    r.add_argument("--orig", required=True)
    r.add_argument("--spec1", default="none")
    r.add_argument("--spec2", default="none")
    r.add_argument("--tol", type=float, default=1e-4)
    r.add_argument("--global", dest="glob", action="store_true", help="ignored")
    s = sub.add_parser("shrink-ref")
    s.add_argument("output")
    s.add_argument("--orig", required=True)
    s.add_argument("--ratio", type=float, required=True)
    s.add_argument("--tol", type=float, default=1e-4)
    a = p.parse_args()
    return {"gen": cmd_gen, "check-mask": cmd_check_mask, "check-run": cmd_check_run,
            "shrink-ref": cmd_shrink_ref}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
