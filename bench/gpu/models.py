#!/usr/bin/env python3
"""Whole compiled models on an NVIDIA GPU: the bundled digits models
(examples/digits, float and compressed by the demo's recipes) compiled by
`sparq-compile --target=sm_90` into shared libraries (host code calling the
GPU kernels through libsparq_gpu_runtime, constant weights resident on the
device), run image by image through the model C ABI (sparq-c/Model.h) and
compared with the same models compiled for the CPU, run here: with the
default int8 activations (the GEMVs quantize x per row on both sides) and
with exact f32 activations (`-f32act`).

  models.py prepare --build BUILD --out DIR [--chip sm_90]
      (a machine with the build) compiles the GPU and CPU libraries, runs the
      CPU ones on the test images and writes
      DIR/<model>-<recipe>[-f32act].{so,ref.npy}
  models.py run --runtime libsparq_gpu_runtime.so --dir DIR
      (the GPU machine) runs every DIR/*.so on the test images: per model the
      largest difference from the CPU outputs relative to their magnitude
      (with f32 activations under 1e-4: the same numerics, the f32 sums in
      another order; with int8 activations under 2e-2 and the accuracy within
      half a point: see TOLERANCE_INT8),
      the top-1 accuracy and the time per image (batch 1, host to host).
"""

import argparse
import ctypes
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIGITS = os.path.join(ROOT, "examples", "digits")
MODELS = ["mlp", "cnn"]
RECIPES = [None, "w8-per-channel", "w4-g32-f16", "mxfp4", "2of4-w8"]
# Exact f32 activations: the same numbers up to the f32 summation order.
TOLERANCE = 1e-4
# int8 activations: each GEMV's x codes are rint(x / a); a last-bit
# difference in a layer's output (another summation order) can move one
# element of the next layer's input across a rounding boundary, one code =
# max|x| / 127 (measured: 7e-4 of the largest logit for the MLP, identical
# on the CPU through the host-reference kernels). Such flips must stay
# below 2% of the largest output and leave the accuracy within half a
# point.
TOLERANCE_INT8 = 2e-2
ACCURACY_POINTS_INT8 = 0.5


def log(msg):
    print(f"[bench/gpu/models] {msg}", file=sys.stderr, flush=True)


class Model:
    """A compiled model library, loaded with ctypes (float32 inputs and
    outputs only: the digits models)."""

    def __init__(self, path):
        self.lib = ctypes.CDLL(path, mode=os.RTLD_LOCAL)
        self.lib.sparq_model_signature.restype = ctypes.c_char_p
        self.lib.sparq_model_run.restype = ctypes.c_int32
        self.lib.sparq_model_run.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        self.sig = json.loads(self.lib.sparq_model_signature().decode())
        for t in self.sig["inputs"] + self.sig["outputs"]:
            if t["dtype"] != "float32":
                sys.exit(f"[bench/gpu/models] error: {path}: {t['name']} is "
                         f"{t['dtype']}, only float32 is handled")

    def run_all(self, x):
        """Outputs of the first output for every row of x, and seconds per
        call (median)."""
        import numpy as np

        shape_in = self.sig["inputs"][0]["shape"]
        shape_out = self.sig["outputs"][0]["shape"]
        out = np.empty((len(x),) + tuple(shape_out), dtype=np.float32)
        times = []
        for i in range(len(x)):
            xi = np.ascontiguousarray(x[i].reshape(shape_in), dtype=np.float32)
            yi = np.empty(shape_out, dtype=np.float32)
            ins = (ctypes.c_void_p * 1)(xi.ctypes.data)
            outs = (ctypes.c_void_p * 1)(yi.ctypes.data)
            t0 = time.perf_counter()
            rc = self.lib.sparq_model_run(ins, outs)
            times.append(time.perf_counter() - t0)
            if rc != 0:
                sys.exit(f"[bench/gpu/models] error: sparq_model_run returned {rc}")
            out[i] = yi
        return out, sorted(times)[len(times) // 2]


def name_of(model, recipe):
    return f"{model}-{recipe or 'float'}"


def cmd_prepare(args):
    import numpy as np

    os.makedirs(args.out, exist_ok=True)
    compiler = os.path.join(args.build, "bin", "sparq-compile")
    x = np.load(os.path.join(DIGITS, "test_x.npy"))
    for model in MODELS:
        for recipe in RECIPES:
            name = name_of(model, recipe)
            src = os.path.join(DIGITS, model + ".onnx")
            extra = ["--recipe", os.path.join(ROOT, "recipes", recipe + ".yaml")] if recipe else []
            # The defaults (int8 activations in the GEMVs on both sides) and
            # exact f32 activations.
            for act, suffix in [("int8", ""), ("f32", "-f32act")]:
                gpu = os.path.join(args.out, f"{name}{suffix}.so")
                cpu = os.path.join(args.out, f"{name}{suffix}.cpu-reference.so")
                gpu_pipeline = f"--pipeline=sparq-gpu{{chip={args.chip} format=isa activations={act}}}"
                for cmd in ([compiler, src, *extra, "--quiet", f"--target={args.chip}",
                             gpu_pipeline, "-o", gpu],
                            [compiler, src, *extra, "--quiet",
                             f"--pipeline=sparq-cpu{{activations={act}}}", "-o", cpu]):
                    r = subprocess.run(cmd, capture_output=True, text=True)
                    if r.returncode != 0:
                        sys.exit(f"[bench/gpu/models] error: {' '.join(cmd)}:\n{r.stderr}")
                ref, _ = Model(cpu).run_all(x)
                os.remove(cpu)
                np.save(os.path.join(args.out, f"{name}{suffix}.ref.npy"), ref)
                log(f"{name}{suffix}: {args.chip} library and CPU reference outputs")
    return 0


def cmd_run(args):
    import numpy as np

    # The models need libsparq_gpu_runtime.so by soname: load it first.
    rt = ctypes.CDLL(args.runtime, mode=os.RTLD_GLOBAL)
    rt.sparq_gpu_available.restype = ctypes.c_int32
    rt.sparq_gpu_error.restype = ctypes.c_char_p
    if not rt.sparq_gpu_available():
        sys.exit("[bench/gpu/models] error: " + rt.sparq_gpu_error().decode())
    x = np.load(os.path.join(DIGITS, "test_x.npy"))
    labels = np.load(os.path.join(DIGITS, "test_y.npy"))
    rows, failures = [], 0
    for model in MODELS:
        for recipe in RECIPES:
            for suffix in ["", "-f32act"]:
                name = name_of(model, recipe) + suffix
                path = os.path.join(args.dir, f"{name}.so")
                if not os.path.exists(path):
                    continue
                ref = np.load(os.path.join(args.dir, f"{name}.ref.npy"))
                y, t = Model(path).run_all(x)
                rel = float(np.max(np.abs(y - ref)) / max(np.max(np.abs(ref)), 1e-30))
                acc = float(np.mean(y.reshape(len(x), -1).argmax(axis=1) == labels))
                acc_ref = float(np.mean(ref.reshape(len(x), -1).argmax(axis=1) == labels))
                if suffix:
                    ok = rel <= TOLERANCE
                else:
                    ok = (rel <= TOLERANCE_INT8 and
                          abs(acc - acc_ref) * 100 <= ACCURACY_POINTS_INT8)
                ok = ok and bool(np.all(np.isfinite(y)))
                failures += 0 if ok else 1
                rows.append((name, ok, rel, 100 * acc, 100 * acc_ref, t * 1e6))
                log(f"{name}: {'ok' if ok else 'WRONG'} (max rel diff {rel:.2g}), "
                    f"accuracy {100 * acc:.2f}% (CPU {100 * acc_ref:.2f}%), {t * 1e6:.1f} us/image")
    print(f"\nDigits models compiled for the GPU vs the CPU (same activations), "
          f"{len(x)} test images, batch 1")
    print("| model | check | max rel diff | accuracy | CPU accuracy | us/image |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {'ok' if r[1] else 'WRONG'} | {r[2]:.2g} | {r[3]:.2f}% | "
              f"{r[4]:.2f}% | {r[5]:.1f} |")
    if not rows:
        sys.exit(f"[bench/gpu/models] error: no models in {args.dir}")
    return 1 if failures else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    pr = sub.add_parser("prepare")
    pr.add_argument("--build", required=True)
    pr.add_argument("--out", required=True)
    pr.add_argument("--chip", default="sm_90")
    r = sub.add_parser("run")
    r.add_argument("--runtime", required=True)
    r.add_argument("--dir", required=True)
    args = p.parse_args()
    return cmd_prepare(args) if args.cmd == "prepare" else cmd_run(args)


if __name__ == "__main__":
    sys.exit(main())
