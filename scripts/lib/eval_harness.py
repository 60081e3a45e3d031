#!/usr/bin/python3
"""Wraps a compiled-model module with an @entry that classifies a test set.

Reads MODEL (MLIR text with `func.func @main(%x: tensor<1xFxf32>) ->
tensor<1xCxf32>`), appends an @entry that runs @main on every row of X.npy,
counts how often the argmax equals Y.npy, and prints
  correct <n>
  seconds <wall time of the loop>
through the MLIR C runner utils. Writes the combined module to OUT.
"""
import argparse
import re
import sys

import numpy as np


def literal(array):
    if array.ndim == 1:
        return "[" + ", ".join(repr(float(v)) if array.dtype.kind == "f"
                               else str(int(v)) for v in array) + "]"
    return "[" + ", ".join(literal(row) for row in array) + "]"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model")
    parser.add_argument("x")
    parser.add_argument("y")
    parser.add_argument("out")
    args = parser.parse_args()

    x = np.load(args.x).astype(np.float32)
    y = np.load(args.y).astype(np.int64)
    n, features = x.shape
    text = open(args.model).read()
    match = re.search(r"func\.func @main\(%\w+: tensor<1x(\d+)xf32>\) -> "
                      r"tensor<1x(\d+)xf32>", text)
    if not match or int(match.group(1)) != features:
        sys.exit(f"error: {args.model}: expected func.func @main(tensor<1x"
                 f"{features}xf32>) -> tensor<1xCxf32>")
    classes = int(match.group(2))

    harness = f"""
  func.func private @printI64(i64)
  func.func private @printF64(f64)
  func.func private @printNewline()
  func.func private @rtclock() -> f64
  func.func @entry() {{
    %xs = arith.constant dense<{literal(x)}> : tensor<{n}x{features}xf32>
    %ys = arith.constant dense<{literal(y)}> : tensor<{n}xi64>
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %cn = arith.constant {n} : index
    %cc = arith.constant {classes} : index
    %zero = arith.constant 0 : i64
    %one = arith.constant 1 : i64
    %t0 = call @rtclock() : () -> f64
    %correct = scf.for %i = %c0 to %cn step %c1 iter_args(%acc = %zero) -> (i64) {{
      %x = tensor.extract_slice %xs[%i, 0] [1, {features}] [1, 1]
          : tensor<{n}x{features}xf32> to tensor<1x{features}xf32>
      %logits = func.call @main(%x) : (tensor<1x{features}xf32>) -> tensor<1x{classes}xf32>
      %first = tensor.extract %logits[%c0, %c0] : tensor<1x{classes}xf32>
      %best:2 = scf.for %j = %c1 to %cc step %c1 iter_args(%bv = %first, %bi = %c0)
          -> (f32, index) {{
        %v = tensor.extract %logits[%c0, %j] : tensor<1x{classes}xf32>
        %gt = arith.cmpf ogt, %v, %bv : f32
        %nv = arith.select %gt, %v, %bv : f32
        %ni = arith.select %gt, %j, %bi : index
        scf.yield %nv, %ni : f32, index
      }}
      %label = tensor.extract %ys[%i] : tensor<{n}xi64>
      %pred = arith.index_cast %best#1 : index to i64
      %hit = arith.cmpi eq, %pred, %label : i64
      %inc = arith.select %hit, %one, %zero : i64
      %next = arith.addi %acc, %inc : i64
      scf.yield %next : i64
    }}
    %t1 = call @rtclock() : () -> f64
    %dt = arith.subf %t1, %t0 : f64
    call @printI64(%correct) : (i64) -> ()
    call @printNewline() : () -> ()
    call @printF64(%dt) : (f64) -> ()
    call @printNewline() : () -> ()
    return
  }}
"""
    # Insert the harness at the end of the module body, before any
    # dialect_resources section.
    resources = text.find("{-#")
    body, tail = (text, "") if resources < 0 else (text[:resources], text[resources:])
    body = body.rstrip()
    if re.search(r"^module\b", body, re.M):
        assert body.endswith("}")
        body = body[:-1] + harness + "}\n"
    else:
        body = body + "\n" + harness
    with open(args.out, "w") as f:
        f.write(body + tail)


if __name__ == "__main__":
    main()
