#!/usr/bin/python3
"""Generate the bundled Sparq example model: a small digits MLP in linalg form.

Trains a 64 -> 128 -> 64 -> 10 ReLU MLP on scikit-learn's bundled handwritten
digits dataset (8x8 images, 1797 samples, 10 classes) with a hand-written Adam
optimiser in plain numpy, then writes:

  mlp.mlir               func.func @main(tensor<1x64xf32>) -> tensor<1x10xf32>
                         in linalg-on-tensors form, weights as dense_resource
                         blobs in a trailing dialect_resources section
  digits_test_x.npy      float32 [297, 64]  test images, pixels scaled to [0, 1]
  digits_test_y.npy      int64   [297]      test labels
  reference_logits.npy   float32 [16, 10]   numpy logits of the first 16 test
                         samples (same float32 weights as in mlp.mlir)
  README.md              description, accuracy, how to regenerate

Everything is deterministic (fixed seeds; the test set is the last 297 samples
of numpy.random.RandomState(0).permutation(1797), the rest is the training set). Run with Debian's python3 (needs python3-numpy, python3-sklearn):

  /usr/bin/python3 examples/mlp/gen_mlp.py
"""

import os
import sys

import numpy as np
from sklearn.datasets import load_digits

SEED = 0
SPLIT_SEED = 0
N_TEST = 297
LAYERS = [64, 128, 64, 10]
EPOCHS = 60
BATCH = 32
LR = 1e-3
WEIGHT_DECAY = 1e-4
N_REF = 16

OUT_DIR = os.path.dirname(os.path.abspath(__file__))


# ----------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------
def load_data():
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)  # pixels are 0..16
    y = digits.target.astype(np.int64)
    assert x.shape == (1797, 64)
    # Fixed shuffled split. The legacy RandomState stream is guaranteed stable
    # across numpy versions. (The dataset's own tail is written by different
    # people than its head, so an unshuffled split would not be i.i.d.)
    perm = np.random.RandomState(SPLIT_SEED).permutation(len(y))
    train_idx, test_idx = perm[:-N_TEST], perm[-N_TEST:]
    x_train, y_train = x[train_idx], y[train_idx]
    x_test, y_test = x[test_idx], y[test_idx]
    return x_train, y_train, x_test, y_test


# ----------------------------------------------------------------------------
# Model (float64 during training, float32 for export/reference)
# ----------------------------------------------------------------------------
def init_params(rng):
    params = []
    for k, n in zip(LAYERS[:-1], LAYERS[1:]):
        w = rng.standard_normal((k, n)) * np.sqrt(2.0 / k)  # He init, [in, out]
        b = np.zeros(n)
        params.append([w, b])
    return params


def forward(params, x):
    """Returns logits and the list of layer inputs (for backprop)."""
    acts = [x]
    h = x
    for i, (w, b) in enumerate(params):
        z = h @ w + b
        if i + 1 < len(params):
            h = np.maximum(z, 0)
            acts.append(h)
        else:
            h = z
    return h, acts


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def backward(params, acts, logits, y):
    n = logits.shape[0]
    d = softmax(logits)
    d[np.arange(n), y] -= 1.0
    d /= n
    grads = [None] * len(params)
    for i in reversed(range(len(params))):
        w, _ = params[i]
        grads[i] = [acts[i].T @ d + WEIGHT_DECAY * w, d.sum(axis=0)]
        if i > 0:
            d = (d @ w.T) * (acts[i] > 0)
    return grads


def accuracy(params, x, y):
    logits, _ = forward(params, x)
    return float((logits.argmax(axis=1) == y).mean())


def train(x_train, y_train, rng):
    params = init_params(rng)
    m = [[np.zeros_like(p) for p in layer] for layer in params]
    v = [[np.zeros_like(p) for p in layer] for layer in params]
    b1, b2, eps = 0.9, 0.999, 1e-8
    t = 0
    xt = x_train.astype(np.float64)
    n = xt.shape[0]
    for epoch in range(EPOCHS):
        perm = rng.permutation(n)
        for s in range(0, n, BATCH):
            idx = perm[s:s + BATCH]
            logits, acts = forward(params, xt[idx])
            grads = backward(params, acts, logits, y_train[idx])
            t += 1
            for li in range(len(params)):
                for pi in range(2):
                    g = grads[li][pi]
                    m[li][pi] = b1 * m[li][pi] + (1 - b1) * g
                    v[li][pi] = b2 * v[li][pi] + (1 - b2) * g * g
                    mh = m[li][pi] / (1 - b1 ** t)
                    vh = v[li][pi] / (1 - b2 ** t)
                    params[li][pi] -= LR * mh / (np.sqrt(vh) + eps)
    return params


def forward_f32(params32, x):
    """Reference float32 inference, same op order as mlp.mlir."""
    h = x.astype(np.float32)
    for i, (w, b) in enumerate(params32):
        h = (h @ w + b).astype(np.float32)
        if i + 1 < len(params32):
            h = np.maximum(h, np.float32(0))
    return h


# ----------------------------------------------------------------------------
# MLIR emission
# ----------------------------------------------------------------------------
def blob_hex(arr):
    """dense_resource blob: 4-byte LE alignment header + LE f32 payload."""
    data = np.ascontiguousarray(arr, dtype="<f4").tobytes()
    return "0x04000000" + data.hex().upper()


def emit_mlir(params32):
    lines = []
    lines.append("// Sparq example model: handwritten-digits MLP 64 -> 128 -> 64 -> 10.")
    lines.append("// Generated by examples/mlp/gen_mlp.py -- do not edit by hand.")
    lines.append("// Weights are [in, out] (KxN); @main returns logits (no softmax).")
    lines.append("#map_id = affine_map<(d0, d1) -> (d0, d1)>")
    lines.append("#map_bias = affine_map<(d0, d1) -> (d1)>")
    lines.append("module {")
    lines.append(f"  func.func @main(%x: tensor<1x{LAYERS[0]}xf32>) -> "
                 f"tensor<1x{LAYERS[-1]}xf32> {{")
    lines.append("    %zero = arith.constant 0.000000e+00 : f32")
    h = "%x"
    nl = len(params32)
    for i, (w, b) in enumerate(params32):
        name = f"fc{i + 1}"
        k, n = w.shape
        out_t = f"tensor<1x{n}xf32>"
        lines.append(f"    // ---- {name}: {k} -> {n}" + (" + ReLU" if i + 1 < nl else ""))
        lines.append(f"    %{name}_w = arith.constant dense_resource<{name}_weight> : "
                     f"tensor<{k}x{n}xf32>")
        lines.append(f"    %{name}_b = arith.constant dense_resource<{name}_bias> : "
                     f"tensor<{n}xf32>")
        lines.append(f"    %{name}_empty = tensor.empty() : {out_t}")
        lines.append(f"    %{name}_init = linalg.fill ins(%zero : f32) "
                     f"outs(%{name}_empty : {out_t}) -> {out_t}")
        lines.append(f"    %{name}_mm = linalg.matmul ins({h}, %{name}_w : "
                     f"tensor<1x{k}xf32>, tensor<{k}x{n}xf32>) "
                     f"outs(%{name}_init : {out_t}) -> {out_t} loc(\"{name}\")")
        relu = i + 1 < nl
        suffix = "bias_relu" if relu else "bias"
        lines.append(f"    %{name}_out_empty = tensor.empty() : {out_t}")
        lines.append(f"    %{name}_out = linalg.generic {{indexing_maps = "
                     f"[#map_id, #map_bias, #map_id], "
                     f"iterator_types = [\"parallel\", \"parallel\"]}} "
                     f"ins(%{name}_mm, %{name}_b : {out_t}, tensor<{n}xf32>) "
                     f"outs(%{name}_out_empty : {out_t}) {{")
        lines.append("    ^bb0(%in: f32, %bias: f32, %out: f32):")
        lines.append("      %sum = arith.addf %in, %bias : f32")
        if relu:
            lines.append("      %c0 = arith.constant 0.000000e+00 : f32")
            lines.append("      %relu = arith.maximumf %sum, %c0 : f32")
            lines.append("      linalg.yield %relu : f32")
        else:
            lines.append("      linalg.yield %sum : f32")
        lines.append(f"    }} -> {out_t} loc(\"{name}.{suffix}\")")
        h = f"%{name}_out"
    lines.append(f"    return {h} : tensor<1x{LAYERS[-1]}xf32>")
    lines.append("  }")
    lines.append("}")
    lines.append("")
    lines.append("{-#")
    lines.append("  dialect_resources: {")
    lines.append("    builtin: {")
    entries = []
    for i, (w, b) in enumerate(params32):
        name = f"fc{i + 1}"
        entries.append(f"      {name}_weight: \"{blob_hex(w)}\"")
        entries.append(f"      {name}_bias: \"{blob_hex(b)}\"")
    lines.append(",\n".join(entries))
    lines.append("    }")
    lines.append("  }")
    lines.append("#-}")
    lines.append("")
    return "\n".join(lines)


def write_readme(train_acc, test_acc, test_acc32, n_train, n_test, mlir_size):
    text = f"""# Example model: handwritten-digits MLP

`mlp.mlir` is the bundled example input for Sparq: a small fully connected
classifier in linalg-on-tensors form, generated by `gen_mlp.py`.

## Model

    x: tensor<1x64xf32>            (one flattened 8x8 image, pixels in [0, 1])
    fc1: 64 -> 128, bias, ReLU     linalg.matmul loc("fc1") + linalg.generic loc("fc1.bias_relu")
    fc2: 128 -> 64, bias, ReLU     linalg.matmul loc("fc2") + linalg.generic loc("fc2.bias_relu")
    fc3: 64 -> 10, bias            linalg.matmul loc("fc3") + linalg.generic loc("fc3.bias")
    -> tensor<1x10xf32> logits (no softmax)

* Entry point: `func.func @main(%x: tensor<1x64xf32>) -> tensor<1x10xf32>`.
* Each matmul is `linalg.matmul ins(%h, %W : tensor<1xKxf32>, tensor<KxNxf32>)`
  into a zero-filled `tensor.empty` + `linalg.fill` init; the weight is stored
  `[K, N]` (in x out).
* Weights and biases are `arith.constant dense_resource<fcN_weight>` /
  `dense_resource<fcN_bias>` blobs in the trailing `{{-# dialect_resources #-}}`
  section (hex: 4-byte little-endian alignment header `0x04000000`, then the
  little-endian f32 data).
* {sum(k * n + n for k, n in zip(LAYERS[:-1], LAYERS[1:]))} parameters (float32 denormals flushed to 0);
  `mlp.mlir` is {mlir_size} bytes.

## Dataset

scikit-learn's bundled handwritten digits (`sklearn.datasets.load_digits`,
1797 samples of 8x8 images, 10 classes; a copy of the UCI optical-recognition
test set). Pixels (0..16) are divided by 16. Split is fixed: with
`perm = numpy.random.RandomState({SPLIT_SEED}).permutation(1797)`, samples
`perm[:-{n_test}]` ({n_train}) are the training set and `perm[-{n_test}:]`
({n_test}) the test set, in that order (so `digits_test_x.npy[i]` is
`load_digits().data[perm[{n_train} + i]] / 16`).

## Training

Plain numpy, hand-written Adam (lr {LR}, batch {BATCH}, {EPOCHS} epochs,
L2 weight decay {WEIGHT_DECAY}), He initialisation, seed {SEED}, softmax
cross-entropy. Accuracy printed by the generator:

    train accuracy: {train_acc * 100:.2f}%
    test accuracy:  {test_acc * 100:.2f}%  (float32 exported weights: {test_acc32 * 100:.2f}%)

## Files

| File | Contents |
| --- | --- |
| `gen_mlp.py` | generator (deterministic) |
| `mlp.mlir` | the model |
| `digits_test_x.npy` | float32 `[{n_test}, 64]` test images, scaled to [0, 1] |
| `digits_test_y.npy` | int64 `[{n_test}]` test labels |
| `reference_logits.npy` | float32 `[{N_REF}, 10]` numpy logits of the first {N_REF} test samples, same float32 weights as `mlp.mlir` |
| `run_reference.sh` | `run_reference.sh [N]` (default 0): lowers `mlp.mlir` with upstream `mlir-opt` and runs test sample N with `mlir-runner`, printing the logits and (N < 16) the difference to `reference_logits.npy[N]` |

## Regenerating

Needs Debian's python3 with numpy and scikit-learn
(`apt-get install -y python3-numpy python3-sklearn`):

    /usr/bin/python3 examples/mlp/gen_mlp.py
    /usr/lib/llvm-22/bin/mlir-opt examples/mlp/mlp.mlir > /dev/null   # parses + verifies
    examples/mlp/run_reference.sh                                      # executes sample 0

The output is deterministic: rerunning reproduces the same files.
"""
    with open(os.path.join(OUT_DIR, "README.md"), "w") as f:
        f.write(text)


def main():
    x_train, y_train, x_test, y_test = load_data()
    rng = np.random.default_rng(SEED)
    params = train(x_train, y_train, rng)

    train_acc = accuracy(params, x_train.astype(np.float64), y_train)
    test_acc = accuracy(params, x_test.astype(np.float64), y_test)
    # Export as float32; flush denormals (weight decay drives the weights of
    # always-zero pixels / dead units towards 0) so that backends with
    # flush-to-zero agree bit-for-bit with the numpy reference.
    tiny = np.finfo(np.float32).tiny
    params32 = []
    for w, b in params:
        w32, b32 = w.astype(np.float32), b.astype(np.float32)
        w32[np.abs(w32) < tiny] = 0
        b32[np.abs(b32) < tiny] = 0
        params32.append((w32, b32))
    logits32 = forward_f32(params32, x_test)
    test_acc32 = float((logits32.argmax(axis=1) == y_test).mean())
    print(f"train accuracy: {train_acc * 100:.2f}% ({len(y_train)} samples)")
    print(f"test accuracy:  {test_acc * 100:.2f}% ({len(y_test)} samples)")
    print(f"test accuracy (float32 exported weights): {test_acc32 * 100:.2f}%")
    if test_acc32 < 0.95:
        print("error: test accuracy below 95%", file=sys.stderr)
        return 1

    mlir = emit_mlir(params32)
    mlir_path = os.path.join(OUT_DIR, "mlp.mlir")
    with open(mlir_path, "w") as f:
        f.write(mlir)

    np.save(os.path.join(OUT_DIR, "digits_test_x.npy"), x_test.astype(np.float32))
    np.save(os.path.join(OUT_DIR, "digits_test_y.npy"), y_test.astype(np.int64))
    np.save(os.path.join(OUT_DIR, "reference_logits.npy"),
            logits32[:N_REF].astype(np.float32))
    write_readme(train_acc, test_acc, test_acc32, len(y_train), len(y_test),
                 os.path.getsize(mlir_path))
    print(f"wrote {mlir_path} ({os.path.getsize(mlir_path)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
