// RUN: sparq-opt %s --sparq-emulate-nvvm | FileCheck %s
// RUN: sparq-opt %s --sparq-emulate-nvvm --sparq-cpu-reference | mlir-runner -e entry -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s --check-prefix=EXEC

// sparq-emulate-nvvm rewrites prmt (default mode) and dp4a into arith on
// i32; the values below are the PTX ISA's results worked out by hand.
// CHECK-LABEL: func.func @entry
// CHECK-NOT: nvvm.
// EXEC-LABEL: prmt
// Identity and the high word: 0x0F0E0D0C, 0x18141210.
// EXEC-NEXT: 252579084
// EXEC-NEXT: 403968528
// Byte j of a word under 0x4B000000 (selector 0x7441): 0x4B00000D.
// EXEC-NEXT: 1258291213
// Sign replicate: 0x80 bytes with bit 3 set in every nibble: 0xFFFFFFFF (-1);
// without it: 0x80808080 (-2139062144).
// EXEC-NEXT: -1
// EXEC-NEXT: -2139062144
// Mixed: nibbles 8, 0, 9, 1 (selector 0x1908) over a = 0x00FF7F80 (bytes
// 0x80, 0x7F, 0xFF, 0x00) give result bytes 0-3: sign(0x80) = 0xFF, 0x80,
// sign(0x7F) = 0x00, 0x7F: 0x7F0080FF.
// EXEC-NEXT: 2130739455
// EXEC-LABEL: dp4a
// a = bytes (1, -2, 3, -4) = 0xFC03FE01, b = (5, 6, -7, 8) = 0x08F90605:
// signed x signed: 5 - 12 - 21 - 32 = -60; + 100 = 40.
// EXEC-NEXT: 40
// unsigned a (1, 254, 3, 252) x signed b: 5 + 1524 - 21 + 2016 = 3524, + 100.
// EXEC-NEXT: 3624
// unsigned x unsigned: 5 + 1524 + 3 * 249 + 252 * 8 = 4292, + 100.
// EXEC-NEXT: 4392
func.func @entry() {
  %lo = arith.constant 252579084 : i32
  %hi = arith.constant 403968528 : i32
  %magic = arith.constant 1258291200 : i32
  %s3210 = arith.constant 12816 : i32
  %s7654 = arith.constant 30292 : i32
  %s7441 = arith.constant 29761 : i32
  %neg = arith.constant -2139062144 : i32
  %s8888 = arith.constant 34952 : i32
  %s0000 = arith.constant 0 : i32
  %mixed = arith.constant 16744320 : i32
  %s1908 = arith.constant 6408 : i32
  %p0 = nvvm.prmt <default> %s3210, %lo, %hi : i32
  %p1 = nvvm.prmt <default> %s7654, %lo, %hi : i32
  %p2 = nvvm.prmt <default> %s7441, %lo, %magic : i32
  %p3 = nvvm.prmt <default> %s8888, %neg, %neg : i32
  %p4 = nvvm.prmt <default> %s0000, %neg, %neg : i32
  %p5 = nvvm.prmt <default> %s1908, %mixed, %s0000 : i32
  vector.print str "prmt\n"
  vector.print %p0 : i32
  vector.print %p1 : i32
  vector.print %p2 : i32
  vector.print %p3 : i32
  vector.print %p4 : i32
  vector.print %p5 : i32
  %a = arith.constant dense<[1, -2, 3, -4]> : vector<4xi8>
  %b = arith.constant dense<[5, 6, -7, 8]> : vector<4xi8>
  %c = arith.constant 100 : i32
  %d0 = nvvm.dot.accumulate.4way %a <signed>, %b <signed>, %c : vector<4xi8>, vector<4xi8>
  %d1 = nvvm.dot.accumulate.4way %a <unsigned>, %b <signed>, %c : vector<4xi8>, vector<4xi8>
  %d2 = nvvm.dot.accumulate.4way %a <unsigned>, %b <unsigned>, %c : vector<4xi8>, vector<4xi8>
  vector.print str "dp4a\n"
  vector.print %d0 : i32
  vector.print %d1 : i32
  vector.print %d2 : i32
  return
}
