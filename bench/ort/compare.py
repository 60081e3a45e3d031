#!/usr/bin/env python3
"""Sparq's int4 g128 kernels against ONNX Runtime's MatMulNBits, on one CPU.

Runs sparq-bench (--quick, int4 g128 and its f32 baseline) and times
MatMulNBits (com.microsoft, bits=4, block_size=128, symmetric: no zero
points, so codes are read with ORT's default zero point 8, the same function
as Sparq's signed int4) on the same shapes, batches and thread counts, on the
same machine, alternating the two for --rounds rounds and keeping each one's
best time (this VM's speed drifts by +-20% within minutes). Each ORT model's
output is first checked against a float64 numpy dequantize+matmul of its own
weights.

ONNX Runtime comes from its Python wheel where installed (the GPU machines),
else from the npm package onnxruntime-node (--ort-node DIR: a directory with
node_modules/onnxruntime-node; bench/ort/run installs it), through
bench/ort/time.js.

  compare.py --bench sparq-bench --sparq sparq.so --sparq-f32 sparq-f32.so
             [--ort-node DIR] [--rounds N] [--markdown OUT.md]

Sparq's rows are the weights-in-cache ones (ORT's session holds one copy of
the weights, which the L3 holds too). accuracy_level 4 is ORT's
int8-activation path (the one Sparq's i4-g128 format corresponds to:
activations quantized to int8 at run time); level 0 its f32 path (the one
Sparq's i4-g128-f32act format corresponds to: exact f32 activations).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

SHAPES = [(4096, 4096), (11008, 4096), (4096, 11008)]  # (N, K)
BATCHES = [1, 32]
THREADS = [1, 2]
LEVELS = [4, 0]
BLOCK = 128


def log(msg):
    print(f"[bench/ort] {msg}", file=sys.stderr, flush=True)


FORMATS = ["i4-g128", "i4-g128-f32act"]  # int8 / exact f32 activations


def sparq_times(args):
    """{(format, n, k, m, threads): us} of sparq-bench's FORMATS cache rows."""
    cmd = [args.bench, "--sparq", args.sparq, "--sparq-f32", args.sparq_f32,
           "--quick", "--formats=" + ",".join(FORMATS)]
    log("$ " + " ".join(cmd))
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"[bench/ort] error: sparq-bench failed ({r.returncode}):\n{r.stderr}")
    rows = {}
    pat = re.compile(r"^\s*(\S+)\s+(\d+)x(\d+)\s+m=(\d+)\s+t=(\d+)\s+cache\s+([\d.]+) us")
    for line in r.stdout.splitlines():
        mt = pat.match(line)
        if mt and mt.group(1) in FORMATS:
            n, k, m, t = (int(mt.group(i)) for i in range(2, 6))
            rows[(mt.group(1), n, k, m, t)] = float(mt.group(6))
    for f in FORMATS:
        if not any(key[0] == f for key in rows):
            sys.exit(f"[bench/ort] error: no {f} rows in sparq-bench's output")
    return rows


def matmulnbits_model(n, k, level, blob, scales):
    from onnx import TensorProto, helper, numpy_helper

    node = helper.make_node("MatMulNBits", ["A", "B", "scales"], ["Y"],
                            domain="com.microsoft", K=k, N=n, bits=4,
                            block_size=BLOCK, accuracy_level=level)
    graph = helper.make_graph(
        [node], "mm",
        [helper.make_tensor_value_info("A", TensorProto.FLOAT, ["M", k])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["M", n])],
        [numpy_helper.from_array(blob, "B"), numpy_helper.from_array(scales, "scales")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 9
    return model.SerializeToString()


def identity_model():
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Identity", ["A"], ["Y"])], "id",
        [helper.make_tensor_value_info("A", TensorProto.FLOAT, [1, 1])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [1, 1])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 9
    return model.SerializeToString()


class Case:
    """One MatMulNBits weight (N x K) with its float64 reference."""

    def __init__(self, rng, n, k):
        import numpy as np

        self.n, self.k = n, k
        blocks = k // BLOCK
        q = rng.integers(0, 16, size=(n, k), dtype=np.uint8)  # codes, zero point 8
        self.blob = (q[:, 0::2] | (q[:, 1::2] << 4)).reshape(n, blocks, BLOCK // 2)
        self.scales = rng.uniform(0.5, 1.5, size=(n * blocks,)).astype(np.float32) * 0.01
        self.w = ((q.astype(np.float64) - 8) *
                  np.repeat(self.scales.reshape(n, blocks), BLOCK, axis=1))
        self.a = {m: rng.uniform(-1, 1, size=(m, k)).astype(np.float32) for m in BATCHES}
        self.models = {level: matmulnbits_model(n, k, level, self.blob, self.scales)
                       for level in LEVELS}

    def check(self, level, m, y):
        import numpy as np

        ref = self.a[m].astype(np.float64) @ self.w.T
        rel = np.linalg.norm(y.astype(np.float64) - ref) / np.linalg.norm(ref)
        tol = 2e-2 if level == 4 else 1e-5
        if not rel < tol:
            sys.exit(f"[bench/ort] error: MatMulNBits {self.n}x{self.k} m={m} level {level}: "
                     f"relative error {rel:.3g} > {tol} (model built wrongly?)")
        return rel


def ort_times_python(cases):
    """{(n, k, m, t, level): (us, rel)} through the onnxruntime wheel."""
    import onnxruntime as ort

    def time_session(sess, a, min_seconds=0.3):
        for _ in range(3):
            sess.run(None, {"A": a})
        times, start = [], time.perf_counter()
        while time.perf_counter() - start < min_seconds or len(times) < 5:
            t0 = time.perf_counter()
            sess.run(None, {"A": a})
            times.append(time.perf_counter() - t0)
        return sorted(times)[len(times) // 2]

    out = {}
    for c in cases:
        for level in LEVELS:
            model = c.models[level]
            for t in THREADS:
                so = ort.SessionOptions()
                so.intra_op_num_threads = t
                so.inter_op_num_threads = 1
                so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
                for m in BATCHES:
                    rel = c.check(level, m, sess.run(None, {"A": c.a[m]})[0])
                    out[(c.n, c.k, m, t, level)] = (time_session(sess, c.a[m]) * 1e6, rel)
    return out, f"ONNX Runtime {ort.__version__} (Python)", None


def prepare_node(cases, ort_dir, work):
    """Writes the models, inputs and bench/ort/time.js's job list into `work`
    (once for all rounds); returns the job list's path and ORT's version."""
    jobs = []
    for c in cases:
        for m in BATCHES:
            c.a[m].tofile(os.path.join(work, f"a-{c.n}x{c.k}-{m}.f32"))
        for level in LEVELS:
            path = os.path.join(work, f"mnb-{c.n}x{c.k}-l{level}.onnx")
            with open(path, "wb") as f:
                f.write(c.models[level])
            for t in THREADS:
                for m in BATCHES:
                    jobs.append({"model": path, "m": m, "k": c.k, "n": c.n, "level": level,
                                 "threads": t,
                                 "input": os.path.join(work, f"a-{c.n}x{c.k}-{m}.f32"),
                                 "output": os.path.join(work, f"y-{c.n}x{c.k}-{m}-{level}-{t}.f32")})
    identity = os.path.join(work, "identity.onnx")
    with open(identity, "wb") as f:
        f.write(identity_model())
    spec = os.path.join(work, "jobs.json")
    with open(spec, "w") as f:
        json.dump({"ort": ort_dir, "jobs": jobs, "identity": identity}, f)
    with open(os.path.join(ort_dir, "node_modules", "onnxruntime-node", "package.json")) as f:
        version = json.load(f)["version"]
    return spec, f"ONNX Runtime {version} (onnxruntime-node)"


def ort_times_node(cases, spec, version, work):
    """The same as ort_times_python through onnxruntime-node and
    bench/ort/time.js, over the jobs prepare_node wrote."""
    import numpy as np

    res = os.path.join(work, "results.json")
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "time.js")
    r = subprocess.run(["node", script, spec, res])
    if r.returncode != 0:
        sys.exit(f"[bench/ort] error: {script} failed ({r.returncode})")
    with open(res) as f:
        results = json.load(f)
    by_case = {(c.n, c.k): c for c in cases}
    out = {}
    for j in results["jobs"]:
        c = by_case[(j["n"], j["k"])]
        y = np.fromfile(j["output"], dtype=np.float32).reshape(j["m"], j["n"])
        rel = c.check(j["level"], j["m"], y)
        out[(j["n"], j["k"], j["m"], j["threads"], j["level"])] = (j["us"], rel)
    return out, version, results.get("overhead_us")


def best(acc, new, key=lambda v: v):
    for k, v in new.items():
        if k not in acc or key(v) < key(acc[k]):
            acc[k] = v


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bench", required=True)
    p.add_argument("--sparq", required=True)
    p.add_argument("--sparq-f32", required=True)
    p.add_argument("--ort-node", help="directory with node_modules/onnxruntime-node")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--markdown", help="also write the table to this file")
    args = p.parse_args()

    import numpy as np

    rng = np.random.default_rng(0)
    cases = [Case(rng, n, k) for n, k in SHAPES]
    sparq, ort, version, overhead = {}, {}, "", None
    with tempfile.TemporaryDirectory(prefix="sparq-ort-") as work:
        if args.ort_node:
            spec, node_version = prepare_node(cases, os.path.abspath(args.ort_node), work)
        for r in range(args.rounds):
            log(f"round {r + 1} of {args.rounds}")
            best(sparq, sparq_times(args))
            if args.ort_node:
                times, version, overhead = ort_times_node(cases, spec, node_version, work)
            else:
                times, version, overhead = ort_times_python(cases)
            best(ort, times, key=lambda v: v[0])

    lines = [f"{version} MatMulNBits (int4 g128 sym) vs Sparq i4-g128 with int8 activations "
             f"and with exact f32 activations (i4-g128-f32act), weights in cache, same "
             f"machine, best of {args.rounds} alternating rounds"]
    if overhead is not None:
        lines.append(f"(node binding's cost per run, measured on a 1x1 Identity model and "
                     f"included in ORT's times: {overhead:.1f} us)")
    lines += ["", "| N x K | M | threads | ORT level | ORT us | ORT rel. err | "
              "Sparq int8-act us | speedup | Sparq f32-act us | speedup |",
              "|---|---|---|---|---|---|---|---|---|---|"]

    def cells(f, n, k, m, t, us, level):
        # The exact f32 path only against ORT's f32 path (level 0).
        s_us = sparq.get((f, n, k, m, t)) if level == 0 or f == FORMATS[0] else None
        return (f"{s_us:.1f} | {us / s_us:.2f}x" if s_us else "- | -")

    for level in LEVELS:
        for n, k in SHAPES:
            for m in BATCHES:
                for t in THREADS:
                    us, rel = ort[(n, k, m, t, level)]
                    lines.append(f"| {n}x{k} | {m} | {t} | {level} | {us:.1f} | {rel:.1g} | "
                                 + " | ".join(cells(f, n, k, m, t, us, level)
                                              for f in FORMATS)
                                 + " |")
    summary = []
    # Same numerics: level 4 against int8 activations, level 0 against exact
    # f32 activations (then level 0 against int8 activations, as before).
    for level, f, what in [(4, FORMATS[0], "int8 activations"),
                           (0, FORMATS[1], "exact f32 activations"),
                           (0, FORMATS[0], "int8 activations")]:
        for m in BATCHES:
            for t in THREADS:
                r = [ort[(n, k, m, t, level)][0] / sparq[(f, n, k, m, t)]
                     for n, k in SHAPES if (f, n, k, m, t) in sparq]
                if r and (m == 32 or f == FORMATS[1]):
                    summary.append(f"- batch {m}, {t} thread{'s' if t > 1 else ''}, ORT level "
                                   f"{level}, Sparq with {what}: {min(r):.2f}-{max(r):.2f}x "
                                   "faster")
    text = "\n".join(lines) + "\n\nThe issue's target: int4 weight-only at batch 32 " \
        ">= 2x MatMulNBits at the same shape (level 4: both quantize the activations " \
        "to int8; level 0: both keep them in f32).\n" + "\n".join(summary) + "\n"
    print("\n" + text)
    if args.markdown:
        cpu = "this machine"
        try:
            with open("/proc/cpuinfo") as f:
                cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
        except (OSError, StopIteration):
            pass
        head = ("# Sparq against ONNX Runtime's MatMulNBits (CPU)\n\n"
                "Generated by `bench/ort/run` (bench/ort/compare.py) on " + cpu +
                f", {time.strftime('%Y-%m-%d')}. Both run on the same machine in one "
                "command, alternating; each number is the best of the rounds (this VM's "
                "speed drifts by +-20% within minutes). Sparq's times are sparq-bench's "
                "weights-in-cache rows of the `i4-g128` format (int4, groups of 128 along "
                "K, f16 scales, activations quantized to int8 per row at run time) and of "
                "`i4-g128-f32act` (the same weights, exact f32 activations); ORT's "
                "model is one MatMulNBits node (bits 4, block 128, symmetric) with its "
                "weights as initializers.\n\n")
        tmp = args.markdown + ".tmp"
        with open(tmp, "w") as f:
            f.write(head + text)
        os.replace(tmp, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
