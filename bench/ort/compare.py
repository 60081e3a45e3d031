#!/usr/bin/env python3
"""Sparq's int4 g128 kernels against ONNX Runtime's MatMulNBits, on one CPU.

ONNX Runtime cannot be installed on the build machines (PyPI is
unreachable), so this runs where it is installed (the GPU machines' Python
has onnxruntime): it runs sparq-bench (--quick, int4 g128 and its f32
baseline) over kernels compiled elsewhere, then times MatMulNBits
(com.microsoft, bits=4, block_size=128, symmetric: no zero points, so codes
are read with ORT's default zero point 8, the same function as Sparq's
signed int4) on the same shapes, batches and thread counts, and prints the
ratios. Each ORT model is first checked against a float64 numpy
dequantize+matmul of its own weights.

  compare.py --bench sparq-bench --sparq sparq.so --sparq-f32 sparq-f32.so

Sparq's rows are the weights-in-cache ones (ORT's session holds one copy of
the weights, which a large L3 may hold too). accuracy_level 4 is ORT's
int8-activation path (the one Sparq's i4-g128 format corresponds to:
activations quantized per row to int8 at run time); level 0 its f32 path.
"""

import argparse
import re
import subprocess
import sys
import time

SHAPES = [(4096, 4096), (11008, 4096), (4096, 11008)]  # (N, K)
BATCHES = [1, 32]
THREADS = [1, 2]
BLOCK = 128


def log(msg):
    print(f"[bench/ort] {msg}", file=sys.stderr, flush=True)


def sparq_times(args):
    """{(n, k, m, threads): us} of sparq-bench's i4-g128 cache rows."""
    cmd = [args.bench, "--sparq", args.sparq, "--sparq-f32", args.sparq_f32,
           "--quick", "--formats=i4-g128"]
    log("$ " + " ".join(cmd))
    r = subprocess.run(cmd, capture_output=True, text=True)
    sys.stdout.write(r.stdout)
    if r.returncode != 0:
        sys.exit(f"[bench/ort] error: sparq-bench failed ({r.returncode}):\n{r.stderr}")
    rows = {}
    pat = re.compile(r"^\s*i4-g128\s+(\d+)x(\d+)\s+m=(\d+)\s+t=(\d+)\s+cache\s+([\d.]+) us")
    for line in r.stdout.splitlines():
        mt = pat.match(line)
        if mt:
            n, k, m, t = (int(mt.group(i)) for i in range(1, 5))
            rows[(n, k, m, t)] = float(mt.group(5))
    if not rows:
        sys.exit("[bench/ort] error: no i4-g128 rows in sparq-bench's output")
    return rows


def matmulnbits_model(n, k, level, blob, scales):
    import onnx
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


def time_session(sess, a, min_seconds=0.3):
    for _ in range(3):
        sess.run(None, {"A": a})
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < min_seconds or len(times) < 5:
        t0 = time.perf_counter()
        sess.run(None, {"A": a})
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bench", required=True)
    p.add_argument("--sparq", required=True)
    p.add_argument("--sparq-f32", required=True)
    args = p.parse_args()

    import numpy as np
    import onnxruntime as ort

    sparq = sparq_times(args)
    rng = np.random.default_rng(0)
    out = []
    for n, k in SHAPES:
        blocks = k // BLOCK
        q = rng.integers(0, 16, size=(n, k), dtype=np.uint8)  # codes, zero point 8
        blob = (q[:, 0::2] | (q[:, 1::2] << 4)).reshape(n, blocks, BLOCK // 2)
        scales = rng.uniform(0.5, 1.5, size=(n * blocks,)).astype(np.float32) * 0.01
        w = ((q.astype(np.float64) - 8) * np.repeat(scales.reshape(n, blocks), BLOCK, axis=1))
        for level in (4, 0):
            model = matmulnbits_model(n, k, level, blob, scales)
            for t in THREADS:
                so = ort.SessionOptions()
                so.intra_op_num_threads = t
                so.inter_op_num_threads = 1
                so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
                for m in BATCHES:
                    a = rng.uniform(-1, 1, size=(m, k)).astype(np.float32)
                    y = sess.run(None, {"A": a})[0].astype(np.float64)
                    ref = a.astype(np.float64) @ w.T
                    rel = np.linalg.norm(y - ref) / np.linalg.norm(ref)
                    tol = 2e-2 if level == 4 else 1e-5
                    if not rel < tol:
                        sys.exit(f"[bench/ort] error: MatMulNBits {n}x{k} m={m} level {level}: "
                                 f"relative error {rel:.3g} > {tol} (model built wrongly?)")
                    us = time_session(sess, a) * 1e6
                    s_us = sparq.get((n, k, m, t))
                    out.append((n, k, m, t, level, us, rel, s_us))
                    log(f"{n}x{k} m={m} t={t} level {level}: ORT {us:.1f} us "
                        f"(rel err {rel:.2g}), Sparq {s_us} us")

    print(f"\nONNX Runtime {ort.__version__} MatMulNBits (int4 g128 sym) vs Sparq i4-g128 "
          "(int8 activations), weights in cache, same machine and run")
    print("| N x K | M | threads | ORT level | ORT us | ORT rel. err | Sparq us | Sparq speedup |")
    print("|---|---|---|---|---|---|---|---|")
    for n, k, m, t, level, us, rel, s_us in out:
        sp = f"{s_us:.1f}" if s_us else "-"
        ratio = f"{us / s_us:.2f}x" if s_us else "-"
        print(f"| {n}x{k} | {m} | {t} | {level} | {us:.1f} | {rel:.1g} | {sp} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
