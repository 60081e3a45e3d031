#!/usr/bin/env bash
# Execute examples/mlp/mlp.mlir on test sample N (default 0) with upstream MLIR
# tools only, as a reference for the uncompressed model.
#
#   examples/mlp/run_reference.sh [SAMPLE_INDEX]
#
# Builds a wrapper module (mlp.mlir + an @entry that feeds digits_test_x.npy[N]
# to @main), lowers it to the LLVM dialect with mlir-opt, runs it with
# mlir-runner and prints:
#   1. the logits of @main (printMemrefF32),
#   2. logits - reference_logits.npy[N] (only for N < 16; printed by MLIR too,
#      so the difference is not limited by printMemrefF32's 6 significant digits),
# then a numpy-side comparison line (max abs diff) and the predicted/true label.
#
# Environment overrides: LLVM_BIN (default /usr/lib/llvm-22/bin),
# LLVM_LIB (default /usr/lib/llvm-22/lib), PY (default /usr/bin/python3, needs
# numpy).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LLVM_BIN="${LLVM_BIN:-/usr/lib/llvm-22/bin}"
LLVM_LIB="${LLVM_LIB:-/usr/lib/llvm-22/lib}"
PY="${PY:-/usr/bin/python3}"
IDX="${1:-0}"

# The lowering pipeline (tensor linalg -> loops -> LLVM dialect).
PIPELINE=(
  --one-shot-bufferize="bufferize-function-boundaries"
  --buffer-deallocation-pipeline
  --convert-linalg-to-loops
  --convert-scf-to-cf
  --expand-strided-metadata
  --finalize-memref-to-llvm
  --convert-to-llvm
  --reconcile-unrealized-casts
)

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Wrapper @entry: the input sample and (if available) the reference logits as
# dense literals; float32 values are printed round-trip exactly.
"$PY" - "$HERE" "$IDX" > "$WORK/entry.mlir" <<'EOF'
import sys
import numpy as np
here, idx = sys.argv[1], int(sys.argv[2])
x = np.load(f"{here}/digits_test_x.npy")[idx]
ref = np.load(f"{here}/reference_logits.npy")
def lit(v):
    return "[[" + ", ".join(repr(float(np.float32(a))) for a in v) + "]]"
print("  func.func private @printMemrefF32(memref<*xf32>)")
print("  func.func @entry() {")
print(f"    %x = arith.constant dense<{lit(x)}> : tensor<1x64xf32>")
print("    %y = func.call @main(%x) : (tensor<1x64xf32>) -> tensor<1x10xf32>")
print("    %ym = bufferization.to_buffer %y : tensor<1x10xf32> to memref<1x10xf32>")
print("    %yu = memref.cast %ym : memref<1x10xf32> to memref<*xf32>")
print("    func.call @printMemrefF32(%yu) : (memref<*xf32>) -> ()")
if idx < ref.shape[0]:
    print(f"    %ref = arith.constant dense<{lit(ref[idx])}> : tensor<1x10xf32>")
    print("    %de = tensor.empty() : tensor<1x10xf32>")
    print("    %d = linalg.sub ins(%y, %ref : tensor<1x10xf32>, tensor<1x10xf32>)"
          " outs(%de : tensor<1x10xf32>) -> tensor<1x10xf32>")
    print("    %dm = bufferization.to_buffer %d : tensor<1x10xf32> to memref<1x10xf32>")
    print("    %du = memref.cast %dm : memref<1x10xf32> to memref<*xf32>")
    print("    func.call @printMemrefF32(%du) : (memref<*xf32>) -> ()")
print("    return")
print("  }")
EOF

# Splice @entry into mlp.mlir's module (before the module's closing "}" line,
# i.e. the first line consisting of just "}"; the resources section follows).
awk -v entry="$WORK/entry.mlir" '
  !done && $0 == "}" { while ((getline l < entry) > 0) print l; done = 1 }
  { print }' "$HERE/mlp.mlir" > "$WORK/run.mlir"

"$LLVM_BIN/mlir-opt" "${PIPELINE[@]}" "$WORK/run.mlir" -o "$WORK/run.llvm.mlir"

"$LLVM_BIN/mlir-runner" -e entry -entry-point-result=void \
  -shared-libs="$LLVM_LIB/libmlir_runner_utils.so,$LLVM_LIB/libmlir_c_runner_utils.so" \
  "$WORK/run.llvm.mlir" | tee "$WORK/out.txt"

# numpy-side check of the printed logits (limited by the 6 printed digits).
"$PY" - "$HERE" "$IDX" "$WORK/out.txt" <<'EOF'
import re, sys
import numpy as np
here, idx, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = re.findall(r"^\s*\[\[(.*?)\]\]", open(out).read(), re.M)
got = np.array([float(v) for v in rows[0].split(",")], dtype=np.float64)
label = int(np.load(f"{here}/digits_test_y.npy")[idx])
print(f"sample {idx}: predicted {int(got.argmax())}, label {label}")
ref = np.load(f"{here}/reference_logits.npy")
if idx < ref.shape[0]:
    printed = np.abs(got - ref[idx]).max()
    exact = np.abs(np.array([float(v) for v in rows[1].split(",")])).max()
    print(f"max |mlir - numpy|: {exact:.3e} (computed in MLIR); "
          f"{printed:.3e} (from printed logits)")
EOF
