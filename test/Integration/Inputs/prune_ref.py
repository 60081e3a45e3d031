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
  gen-cnn     write DIR/cnn.mlir and DIR/cnn.npz: an NCHW CNN written the way
              the ONNX importer writes one (see cnn_forward)
  shrink-cnn-ref
              y_ref of that CNN with its layers channel-masked one at a time
              in program order (what sparq-shrink-layers does), compared with
              the printed y
  digits-cnn-ref
              the masked examples/digits CNN (conv1 and conv2 shrunk in program
              order), its weights read from the imported model: compares the
              logits sparq-run wrote and prints both accuracies
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


def mlp(x, w1, b1, w2, f16=(None, None)):
    """f16[i]: layer i's input ("x") or input and weight ("xw") rounded to f16
    first (the tensor-core kernels: f32 weights are rounded, integer codes are
    exact), products and sums exact in float64."""
    def mm(a, w, r):
        if r:
            a = a.astype(np.float16)
        if r == "xw":
            w = w.astype(np.float16)
        return a.astype(F64) @ w.astype(F64)
    h = np.maximum(mm(x, w1, f16[0]) + b1, 0)
    if f16[1]:
        h = h.astype(F32)  # the f32 tensor the second kernel reads
    return mm(h, w2, f16[1])


def cmd_check_run(a):
    orig = np.load(a.orig)
    pruned = pruned_weights(a.pruned)
    w1 = pruned.get("fc1", orig["w1"])
    w2 = pruned.get("fc2", orig["w2"])
    def rounded(spec):
        if not a.f16_inputs or spec == "none":
            return None
        return "x" if quant_part(spec) is not None else "xw"
    f16 = (rounded(a.spec1), rounded(a.spec2))
    yref = mlp(orig["x"], dequant(w1, a.spec1), orig["b1"], dequant(w2, a.spec2),
               f16)
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


# The CNN of gen-cnn: conv1 (8 filters 3x3, pad 1) + bias -> ReLU -> max pool
# 2x2 / 2 -> pad 1 -> two branches, conv2a (6 filters) + bias -> ReLU and
# conv2b (4 filters, no bias) -> concatenated along the channels -> sum pool
# 2x2 / 1 -> flatten -> Gemm (transB = 1) + bias.
CNN = dict(n=2, hw=6, c1=8, c2a=6, c2b=4, out=5)


def conv3x3(x, w):
    n, c, h, wd = x.shape
    ho, wo = h - 2, wd - 2
    y = np.zeros((n, w.shape[0], ho, wo))
    for kh in range(3):
        for kw in range(3):
            y += np.einsum("nchw,fc->nfhw", x[:, :, kh:kh + ho, kw:kw + wo], w[:, :, kh, kw])
    return y


def pad1(x):
    return np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))


def cnn_forward(p, x):
    f = lambda k: p[k].astype(F64)
    h = np.maximum(conv3x3(pad1(x.astype(F64)), f("w1")) + f("b1")[None, :, None, None], 0)
    n, c, hh, ww = h.shape
    h = pad1(h.reshape(n, c, hh // 2, 2, ww // 2, 2).max(axis=(3, 5)))
    a = np.maximum(conv3x3(h, f("w2a")) + f("b2a")[None, :, None, None], 0)
    b = conv3x3(h, f("w2b"))
    cat = np.concatenate([a, b], axis=1)
    s = cat[:, :, :-1, :-1] + cat[:, :, 1:, :-1] + cat[:, :, :-1, 1:] + cat[:, :, 1:, 1:]
    return s.reshape(n, -1) @ f("wf").T + f("bf")


def cmd_gen_cnn(a):
    rng = np.random.default_rng(a.seed)
    g = CNN
    p = {"w1": rng.standard_normal((g["c1"], 1, 3, 3)) / 3,
         "b1": rng.uniform(-0.2, 0.2, g["c1"]),
         "w2a": rng.standard_normal((g["c2a"], g["c1"], 3, 3)) / 8,
         "b2a": rng.uniform(-0.2, 0.2, g["c2a"]),
         "w2b": rng.standard_normal((g["c2b"], g["c1"], 3, 3)) / 8,
         "wf": rng.standard_normal((g["out"], (g["c2a"] + g["c2b"]) * 4)) / 6,
         "bf": rng.uniform(-0.2, 0.2, g["out"]),
         "x": rng.uniform(0, 1, (g["n"], 1, g["hw"], g["hw"]))}
    p = {k: v.astype(F32) for k, v in p.items()}
    os.makedirs(a.out, exist_ok=True)
    np.savez(os.path.join(a.out, "cnn.npz"), **p)
    t = lambda *d: "tensor<" + "x".join(str(v) for v in d) + "xf32>"
    N, HW, C1, CA, CB, O = g["n"], g["hw"], g["c1"], g["c2a"], g["c2b"], g["out"]
    P, Q = HW // 2, HW // 2 - 1  # after the max pool; after the sum pool
    CC = CA + CB
    ident = "affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>"
    bcast = "affine_map<(d0, d1, d2, d3) -> (d1, 0, 0)>"
    par4 = '["parallel", "parallel", "parallel", "parallel"]'
    attrs = "{dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}"
    layer_attrs = lambda name: attrs[:-1] + f', sparq.layer = "{name}"}}'

    def filled(name, shape, value="%zero"):
        return (f"%{name}_e = tensor.empty() : {t(*shape)}\n"
                f"    %{name} = linalg.fill ins({value} : f32) outs(%{name}_e : {t(*shape)}) -> {t(*shape)}")

    def pad(name, src, shape):
        n, c, h, w = shape
        return (f"%{name} = tensor.pad %{src} low[0, 0, 1, 1] high[0, 0, 1, 1] {{\n"
                f"    ^bb0(%p0: index, %p1: index, %p2: index, %p3: index):\n"
                f"      tensor.yield %zero : f32\n"
                f"    }} : {t(n, c, h, w)} to {t(n, c, h + 2, w + 2)}")

    def bias_relu(name, src, b, shape, relu=True):
        c = shape[1]
        body = "%s = arith.addf %in, %bias : f32"
        return (f"%{name}_bx = tensor.expand_shape %{b} [[0, 1, 2]] output_shape [{c}, 1, 1] : {t(c)} into {t(c, 1, 1)}\n"
                f"    %{name}_e = tensor.empty() : {t(*shape)}\n"
                f"    %{name}_b = linalg.generic {{indexing_maps = [{ident}, {bcast}, {ident}], iterator_types = {par4}}} ins(%{src}, %{name}_bx : {t(*shape)}, {t(c, 1, 1)}) outs(%{name}_e : {t(*shape)}) {{\n"
                f"    ^bb0(%in: f32, %bias: f32, %out: f32):\n"
                f"      {body}\n"
                f"      linalg.yield %s : f32\n"
                f"    }} -> {t(*shape)}\n"
                f"    %{name}_re = tensor.empty() : {t(*shape)}\n"
                f"    %{name} = linalg.generic {{indexing_maps = [{ident}, {ident}], iterator_types = {par4}}} ins(%{name}_b : {t(*shape)}) outs(%{name}_re : {t(*shape)}) {{\n"
                f"    ^bb0(%in: f32, %out: f32):\n"
                f"      %m = arith.maximumf %in, %zero : f32\n"
                f"      linalg.yield %m : f32\n"
                f"    }} -> {t(*shape)}")

    def res(name, key):
        return f"%{name} = arith.constant dense_resource<{key}> : {t(*p[key].shape)}"

    mlir = f"""module {{
  func.func @main(%x: {t(N, 1, HW, HW)}) -> {t(N, O)} {{
    %zero = arith.constant 0.000000e+00 : f32
    %lowest = arith.constant 0xFF800000 : f32
    {res("w1", "w1")}
    {res("b1", "b1")}
    {res("w2a", "w2a")}
    {res("b2a", "b2a")}
    {res("w2b", "w2b")}
    {res("wf", "wf")}
    {res("bf", "bf")}
    {pad("xp", "x", (N, 1, HW, HW))}
    {filled("i1", (N, C1, HW, HW))}
    %c1 = linalg.conv_2d_nchw_fchw {layer_attrs("conv1")} ins(%xp, %w1 : {t(N, 1, HW + 2, HW + 2)}, {t(C1, 1, 3, 3)}) outs(%i1 : {t(N, C1, HW, HW)}) -> {t(N, C1, HW, HW)}
    {bias_relu("r1", "c1", "b1", (N, C1, HW, HW))}
    %win = tensor.empty() : {t(2, 2)}
    {filled("ip", (N, C1, P, P), "%lowest")}
    %pool = linalg.pooling_nchw_max {{dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}} ins(%r1, %win : {t(N, C1, HW, HW)}, {t(2, 2)}) outs(%ip : {t(N, C1, P, P)}) -> {t(N, C1, P, P)}
    {pad("pp", "pool", (N, C1, P, P))}
    {filled("i2a", (N, CA, P, P))}
    %c2a = linalg.conv_2d_nchw_fchw {layer_attrs("conv2a")} ins(%pp, %w2a : {t(N, C1, P + 2, P + 2)}, {t(CA, C1, 3, 3)}) outs(%i2a : {t(N, CA, P, P)}) -> {t(N, CA, P, P)}
    {bias_relu("r2a", "c2a", "b2a", (N, CA, P, P))}
    {filled("i2b", (N, CB, P, P))}
    %c2b = linalg.conv_2d_nchw_fchw {layer_attrs("conv2b")} ins(%pp, %w2b : {t(N, C1, P + 2, P + 2)}, {t(CB, C1, 3, 3)}) outs(%i2b : {t(N, CB, P, P)}) -> {t(N, CB, P, P)}
    %cat = tensor.concat dim(1) %r2a, %c2b : ({t(N, CA, P, P)}, {t(N, CB, P, P)}) -> {t(N, CC, P, P)}
    {filled("is", (N, CC, Q, Q))}
    %sum = linalg.pooling_nchw_sum {attrs} ins(%cat, %win : {t(N, CC, P, P)}, {t(2, 2)}) outs(%is : {t(N, CC, Q, Q)}) -> {t(N, CC, Q, Q)}
    %flat = tensor.collapse_shape %sum [[0], [1, 2, 3]] : {t(N, CC, Q, Q)} into {t(N, CC * Q * Q)}
    {filled("if", (N, O))}
    %fc = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] {{sparq.layer = "fc"}} ins(%flat, %wf : {t(N, CC * Q * Q)}, {t(O, CC * Q * Q)}) outs(%if : {t(N, O)}) -> {t(N, O)}
    %ye = tensor.empty() : {t(N, O)}
    %y = linalg.generic {{indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}} ins(%fc, %bf : {t(N, O)}, {t(O)}) outs(%ye : {t(N, O)}) {{
    ^bb0(%in: f32, %bias: f32, %out: f32):
      %s = arith.addf %in, %bias : f32
      linalg.yield %s : f32
    }} -> {t(N, O)}
    return %y : {t(N, O)}
  }}
  func.func private @printMemrefF32(memref<*xf32>)
  func.func @entry() {{
    %x = arith.constant dense<{literal(p["x"])}> : {t(N, 1, HW, HW)}
    %y = func.call @main(%x) : ({t(N, 1, HW, HW)}) -> {t(N, O)}
    %ym = bufferization.to_buffer %y : {t(N, O)} to memref<{N}x{O}xf32>
    %yu = memref.cast %ym : memref<{N}x{O}xf32> to memref<*xf32>
    func.call @printMemrefF32(%yu) : (memref<*xf32>) -> ()
    return
  }}
}}

{{-#
  dialect_resources: {{
    builtin: {{
""" + ",\n".join(f'      {k}: "{quant_ref.hex_blob(v)}"' for k, v in p.items() if k != "x") + """
    }
  }
#-}
"""
    with open(os.path.join(a.out, "cnn.mlir"), "w") as f:
        f.write(mlir)
    return 0


def weakest(w, r):
    """The floor(r * F) output channels (axis 0) with the smallest L2 norm,
    ties to the lower index."""
    norm = (w.astype(F64).reshape(w.shape[0], -1) ** 2).sum(axis=1)
    return np.argsort(norm, kind="stable")[: int(np.floor(r * w.shape[0]))]


def cmd_shrink_cnn_ref(a):
    p = dict(np.load(a.orig))
    ca = p["w2a"].shape[0]
    feat = p["wf"].shape[1] // (ca + p["w2b"].shape[0])
    # In program order: each layer is scored on weights already masked by
    # the layers before it; a removed channel feeds nothing downstream.
    removed = {}
    rm = weakest(p["w1"], a.ratio)
    removed["conv1"] = rm
    p["w2a"][:, rm] = 0
    p["w2b"][:, rm] = 0
    wf = p["wf"].reshape(p["wf"].shape[0], -1, feat)
    rm = weakest(p["w2a"], a.ratio)
    removed["conv2a"] = rm
    wf[:, rm, :] = 0
    rm = weakest(p["w2b"], a.ratio)
    removed["conv2b"] = rm
    wf[:, ca + rm, :] = 0
    p["wf"] = wf.reshape(p["wf"].shape)
    for k, v in removed.items():
        print(f"{k}: removed channels {sorted(int(c) for c in v)}")
    yref = cnn_forward(p, p["x"])
    y = quant_ref.parse_memrefs(open(a.output).read())[-1]
    return compare(y, yref, a.tol)


def cmd_digits_cnn_ref(a):
    """examples/digits/cnn.onnx: conv1 (pad 1) + bias -> ReLU -> max pool 2x2
    / 2 -> conv2 (pad 1) + bias -> ReLU -> flatten -> Gemm (transB = 1)."""
    text = open(a.mlir).read()
    consts = quant_ref.read_constants(text, text)
    ws = [np.frombuffer(raw, "<f4").reshape(shape).astype(F64)
          for shape, elt, raw in consts.values() if elt == "f32"]
    by_rank = lambda r: [w for w in ws if w.ndim == r]
    (w1, w2), (b1, b2, bf), (wf,) = by_rank(4), by_rank(1), by_rank(2)
    rm1 = weakest(w1, a.ratio)
    w2 = w2.copy()
    w2[:, rm1] = 0
    rm2 = weakest(w2, a.ratio)
    wf = wf.reshape(wf.shape[0], w2.shape[0], -1).copy()
    wf[:, rm2, :] = 0
    print(f"conv1: removed channels {sorted(int(c) for c in rm1)}")
    print(f"conv2: removed channels {sorted(int(c) for c in rm2)}")
    x = np.load(a.x).astype(F64)
    h = np.maximum(conv3x3(pad1(x), w1) + b1[None, :, None, None], 0)
    n, c, hh, ww = h.shape
    h = h.reshape(n, c, hh // 2, 2, ww // 2, 2).max(axis=(3, 5))
    h = np.maximum(conv3x3(pad1(h), w2) + b2[None, :, None, None], 0)
    yref = h.reshape(n, -1) @ wf.reshape(wf.shape[0], -1).T + bf
    labels = np.load(a.labels)
    y = np.load(a.logits).reshape(yref.shape)
    for name, v in (("masked numpy", yref), ("shrunk", y)):
        right = int((v.argmax(axis=1) == labels).sum())
        print(f"{name} accuracy: {100 * right / len(labels):.2f}% ({right}/{len(labels)})")
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
    r.add_argument("--f16-inputs", action="store_true",
                   help="the sparse layers' inputs and weights rounded to f16 "
                   "(the 2:4 tensor-core GEMM), as in y_ref")
    s = sub.add_parser("shrink-ref")
    s.add_argument("output")
    s.add_argument("--orig", required=True)
    s.add_argument("--ratio", type=float, required=True)
    s.add_argument("--tol", type=float, default=1e-4)
    g = sub.add_parser("gen-cnn")
    g.add_argument("--out", required=True)
    g.add_argument("--seed", type=int, default=0)
    s = sub.add_parser("shrink-cnn-ref")
    s.add_argument("output")
    s.add_argument("--orig", required=True)
    s.add_argument("--ratio", type=float, required=True)
    s.add_argument("--tol", type=float, default=1e-4)
    d = sub.add_parser("digits-cnn-ref")
    d.add_argument("--mlir", required=True, help="the imported model")
    d.add_argument("--x", required=True)
    d.add_argument("--labels", required=True)
    d.add_argument("--logits", required=True, help="the shrunk model's logits")
    d.add_argument("--ratio", type=float, required=True)
    d.add_argument("--tol", type=float, default=1e-4)
    a = p.parse_args()
    return {"gen": cmd_gen, "check-mask": cmd_check_mask, "check-run": cmd_check_run,
            "shrink-ref": cmd_shrink_ref, "gen-cnn": cmd_gen_cnn,
            "shrink-cnn-ref": cmd_shrink_cnn_ref,
            "digits-cnn-ref": cmd_digits_cnn_ref}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
