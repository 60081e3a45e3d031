//===- Kernels.cpp - Fused dequantize+matmul kernel bodies ----------------===//
//
// Dequantization follows #sparq.quant exactly: w = (q - z) * s in f32, with
// q unpacked from the little-endian bit stream of !sparq.compressed (int4:
// element 2j in the low nibble of byte j, 2j+1 in the high nibble) and z
// read with the storage type's signedness. Products accumulate in f32.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

using namespace mlir;
using namespace mlir::sparq;
using namespace mlir::sparq::gpu_kernels;

int64_t Problem::gemvUnroll() const {
  int64_t most = gemvUnrollOverride       ? gemvUnrollOverride
                 : float8 != Float8::None ? 2
                                          : 4;
  // The persistent GEMV adds nothing for chunks past the row; the others
  // need rows of whole iterations.
  if (gemvPersistent())
    return std::min<int64_t>(
        most, std::max<int64_t>(1, (numChunks() + kWarp - 1) / kWarp));
  for (int64_t u : {4, 2})
    if (u <= most && numChunks() % (kWarp * u) == 0)
      return u;
  return 1;
}

bool Problem::useGemm(int64_t gemmMinRows) const {
  return m >= gemmMinRows && k % kTileK == 0;
}

std::string Problem::formatName() const {
  std::string nm;
  if (nmN) {
    // f32 values, or integer codes: e.g. "nm2of4f32", "nm2of4_i8cf32".
    nm = "nm" + std::to_string(nmN) + "of" + std::to_string(nmM);
    if (!bits)
      return nm + "f32";
    nm += "_";
  }
  std::string s = fp4                        ? "e2m1"
                  : float8 == Float8::E4M3FN ? "f8e4m3"
                  : float8 == Float8::E5M2   ? "f8e5m2"
                  : isSigned                 ? "i" + std::to_string(bits)
                                             : "ui" + std::to_string(bits);
  if (scaleBlockK != k)
    s += "g" + std::to_string(scaleBlockK);
  else
    s += perRowScales ? "c" : "t";
  s += scaleType.isF32()                   ? "f32"
       : scaleType.isF16()                 ? "f16"
       : scaleType.isBF16()                ? "bf16"
       : isa<Float8E8M0FNUType>(scaleType) ? "e8m0"
                                           : "e4m3";
  if (hasZeroPoints)
    s += "a";
  return nm + s;
}

namespace {

Value cIdx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}
Value add(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::AddIOp::create(b, loc, x, y);
}
Value mul(OpBuilder &b, Location loc, Value x, int64_t c) {
  return arith::MulIOp::create(b, loc, x, cIdx(b, loc, c));
}
Value divC(OpBuilder &b, Location loc, Value x, int64_t c) {
  return arith::DivUIOp::create(b, loc, x, cIdx(b, loc, c));
}
Value remC(OpBuilder &b, Location loc, Value x, int64_t c) {
  return arith::RemUIOp::create(b, loc, x, cIdx(b, loc, c));
}
Value minC(OpBuilder &b, Location loc, Value x, int64_t c) {
  return arith::MinUIOp::create(b, loc, x, cIdx(b, loc, c));
}
Value ltC(OpBuilder &b, Location loc, Value x, int64_t c) {
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x,
                               cIdx(b, loc, c));
}

llvm::MaybeAlign align(const EmitOptions &opt) {
  return opt.alignedLoads ? llvm::MaybeAlign(16) : llvm::MaybeAlign();
}

Value vload(OpBuilder &b, Location loc, VectorType t, Value mem, ValueRange idx,
            const EmitOptions &opt) {
  return vector::LoadOp::create(b, loc, t, mem, idx, /*nontemporal=*/false,
                                align(opt));
}

/// An i32 constant.
Value i32Const(OpBuilder &b, Location loc, uint32_t v) {
  return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(int32_t(v)));
}

/// Integer codes in offset binary: signed codes get their sign bits flipped
/// (xor of each code with signFlipMask), which makes a code q the unsigned
/// u = q + codeOffset (8 or 128; 0 for unsigned codes).
uint32_t signFlipMask(const Problem &p) {
  return p.bits == 4 ? 0x88888888u : 0x80808080u;
}
int64_t codeOffset(const Problem &p) {
  return p.isSigned ? (p.bits == 4 ? 8 : 128) : 0;
}

/// The 32 bits of the i32 `word` as a vector of `type` (4 x i8, 2 x f16).
Value wordAs(OpBuilder &b, Location loc, VectorType type, Value word) {
  Value v = vector::BroadcastOp::create(
      b, loc, VectorType::get({1}, b.getI32Type()), word);
  return vector::BitCastOp::create(b, loc, type, v);
}

/// A word of 4-bit codes as two words of offset-binary bytes (signed codes
/// sign-flipped): the low nibbles (the even elements) and the high ones (the
/// odd elements).
std::pair<Value, Value> offsetBinaryNibbles(OpBuilder &b, Location loc,
                                            const Problem &p, Value w) {
  if (p.isSigned)
    w = arith::XOrIOp::create(b, loc, w, i32Const(b, loc, signFlipMask(p)));
  Value mask = i32Const(b, loc, 0x0F0F0F0Fu);
  return {arith::AndIOp::create(b, loc, w, mask),
          arith::AndIOp::create(
              b, loc, arith::ShRUIOp::create(b, loc, w, i32Const(b, loc, 4)),
              mask)};
}

Value decodeFloat8(OpBuilder &b, Location loc, Problem::Float8 format,
                   Value raw);

/// A vector<16xi16> of `v`.
Value splatI16(OpBuilder &b, Location loc, int64_t v) {
  auto i16v = VectorType::get({kChunkBytes}, b.getI16Type());
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(i16v, b.getI16IntegerAttr(v)));
}

/// `bits` (vector<16xi16>) read as f16, widened to f32, times `factor` (a
/// power of two: exact).
Value f16BitsToF32(OpBuilder &b, Location loc, Value bits, float factor) {
  auto f16v = VectorType::get({kChunkBytes}, b.getF16Type());
  auto f32v = VectorType::get({kChunkBytes}, b.getF32Type());
  Value v = arith::ExtFOp::create(
      b, loc, f32v, arith::BitcastOp::create(b, loc, f16v, bits).getResult());
  if (factor == 1.0f)
    return v;
  return arith::MulFOp::create(
      b, loc, v,
      arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(f32v, b.getF32FloatAttr(factor))));
}

/// An 8-bit float scale code (i8) as exact f32: E8M0 is 2^(e - 127) (e = 0
/// the denormal 2^-127, e = 255 NaN); E4M3FN through decodeFloat8.
Value decodeScale8(OpBuilder &b, Location loc, Type scaleType, Value code) {
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  if (isa<Float8E4M3FNType>(scaleType)) {
    auto i8v = VectorType::get({kChunkBytes}, b.getI8Type());
    Value v = decodeFloat8(b, loc, Problem::Float8::E4M3FN,
                           vector::BroadcastOp::create(b, loc, i8v, code));
    return vector::ExtractOp::create(b, loc, v, 0);
  }
  auto c32 = [&](uint32_t v) { return i32Const(b, loc, v); };
  Value e = arith::ExtUIOp::create(b, loc, i32, code);
  Value bits = arith::ShLIOp::create(b, loc, e, c32(23));
  bits = arith::SelectOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, e, c32(0)),
      c32(0x00400000), bits);
  bits = arith::SelectOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, e, c32(255)),
      c32(0x7fc00000), bits);
  return arith::BitcastOp::create(b, loc, f32, bits);
}

/// The 16 FP4 E2M1 codes of `codes` (vector<16xi8>, values 0..15) as exact
/// f32: sign, 2 exponent and 1 mantissa bits moved into an f16 (bias 15
/// instead of 1) read as the value times 2^-14, normal or subnormal.
Value decodeE2M1(OpBuilder &b, Location loc, Value codes) {
  auto i16v = VectorType::get({kChunkBytes}, b.getI16Type());
  Value wide = arith::ExtUIOp::create(b, loc, i16v, codes);
  Value magnitude = arith::ShLIOp::create(
      b, loc, arith::AndIOp::create(b, loc, wide, splatI16(b, loc, 7)),
      splatI16(b, loc, 9));
  Value sign = arith::ShLIOp::create(
      b, loc, arith::AndIOp::create(b, loc, wide, splatI16(b, loc, 8)),
      splatI16(b, loc, 12));
  return f16BitsToF32(b, loc, arith::OrIOp::create(b, loc, sign, magnitude),
                      16384.0f);
}

} // namespace

std::pair<Value, Value> gpu_kernels::emitLoadScale(OpBuilder &b, Location loc,
                                                   const Problem &p,
                                                   const Operands &ops, Value n,
                                                   Value k0) {
  Value row = p.perRowScales ? n : cIdx(b, loc, 0);
  Value col = divC(b, loc, k0, p.scaleBlockK);
  Type f32 = b.getF32Type();
  Value s = memref::LoadOp::create(b, loc, ops.scales, ValueRange{row, col});
  if (isa<Float8E8M0FNUType, Float8E4M3FNType>(p.scaleType))
    s = decodeScale8(b, loc, p.scaleType,
                     arith::BitcastOp::create(b, loc, b.getI8Type(), s));
  else if (!p.scaleType.isF32())
    s = arith::ExtFOp::create(b, loc, f32, s);
  Value z;
  if (p.hasZeroPoints) {
    Value zq =
        memref::LoadOp::create(b, loc, ops.zeroPoints, ValueRange{row, col});
    z = p.isSigned ? Value(arith::SIToFPOp::create(b, loc, f32, zq))
                   : Value(arith::UIToFPOp::create(b, loc, f32, zq));
  }
  return {s, z};
}

namespace {

/// The 16 FP8 values of `raw` (vector<16xi8>) as exact f32: both formats
/// widen to f16 by moving bits (E5M2 is f16's top byte; E4M3FN's exponent
/// and mantissa shifted by 7 read as f16 are the value times 2^-8, normal or
/// subnormal), then f16 -> f32. E4M3FN's NaN codes (S.1111.111) give NaN.
Value decodeFloat8(OpBuilder &b, Location loc, Problem::Float8 format,
                   Value raw) {
  auto i16v = VectorType::get({kChunkBytes}, b.getI16Type());
  auto f32v = VectorType::get({kChunkBytes}, b.getF32Type());
  auto splat = [&](int64_t v) { return splatI16(b, loc, v); };
  Value wide = arith::ExtUIOp::create(b, loc, i16v, raw);
  if (format == Problem::Float8::E5M2)
    return f16BitsToF32(b, loc, arith::ShLIOp::create(b, loc, wide, splat(8)),
                        1.0f);
  Value magnitude = arith::AndIOp::create(b, loc, wide, splat(0x7F));
  Value sign = arith::ShLIOp::create(
      b, loc, arith::AndIOp::create(b, loc, wide, splat(0x80)), splat(8));
  Value bits = arith::OrIOp::create(
      b, loc, sign, arith::ShLIOp::create(b, loc, magnitude, splat(7)));
  Value v = f16BitsToF32(b, loc, bits, 256.0f);
  Value isNaN = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                      magnitude, splat(0x7F));
  Value nan = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(
          f32v, b.getF32FloatAttr(std::numeric_limits<float>::quiet_NaN())));
  return arith::SelectOp::create(b, loc, isNaN, nan, v);
}

/// nvvm.prmt (default mode): result byte k is byte (sel >> 4k) & 7 of the
/// pool {lo bytes 0-3, hi bytes 4-7}, sign-replicated when bit 3 of that
/// nibble is set.
Value permute(OpBuilder &b, Location loc, Value sel, Value lo, Value hi) {
  return NVVM::PermuteOp::create(b, loc, b.getI32Type(), lo, hi, sel,
                                 NVVM::PermuteMode::DEFAULT);
}

/// Byte j of `word` in the mantissa of 2^23 (0x4B0000uu: exactly 2^23 + the
/// byte as f32) with one prmt: byte j of the word, then bytes 0x00, 0x00,
/// 0x4B of the constant (pool bytes 4, 4, 7).
Value mantissaByte(OpBuilder &b, Location loc, Value word, int64_t j) {
  return permute(b, loc, i32Const(b, loc, 0x7440u + uint32_t(j)), word,
                 i32Const(b, loc, 0x4B000000u));
}

/// The four FP4 E2M1 codes in the low 16 bits of `codes` (code j in bits
/// 4j..4j+3) as the bytes 2 * value + 12 (0..24). On NVIDIA three prmt per
/// four codes: table lookups of the magnitude (code & 7) for a positive and
/// for a negative sign (tables {12, 13, 14, 15, 16, 18, 20, 24} and
/// {12, 11, ..., 0}), sign bytes (0xFF where bit 3 is set) in sign-replicate
/// mode, and one xor/and picks. Elsewhere arithmetic per code (|2v| = m for
/// exponent 0, else (2 + m) << (e - 1)).
Value e2m1Bytes(OpBuilder &b, Location loc, const EmitOptions &opt,
                Value codes) {
  auto c32 = [&](uint32_t v) { return i32Const(b, loc, v); };
  if (opt.nvvm) {
    Value mag = arith::AndIOp::create(b, loc, codes, c32(0x7777));
    Value pos = permute(b, loc, mag, c32(0x0F0E0D0Cu), c32(0x18141210u));
    Value neg = permute(b, loc, mag, c32(0x090A0B0Cu), c32(0x00040608u));
    Value sign = permute(b, loc, codes, c32(0x80808080u), c32(0x80808080u));
    // Bytes of pos and neg are < 0x80: the sign bytes' top bit is moot.
    return arith::XOrIOp::create(
        b, loc, pos,
        arith::AndIOp::create(b, loc, arith::XOrIOp::create(b, loc, pos, neg),
                              sign));
  }
  Value out = c32(0);
  for (int64_t j = 0; j < 4; ++j) {
    Value c = arith::AndIOp::create(
        b, loc, arith::ShRUIOp::create(b, loc, codes, c32(4 * j)), c32(15));
    Value m = arith::AndIOp::create(b, loc, c, c32(1));
    Value e = arith::AndIOp::create(
        b, loc, arith::ShRUIOp::create(b, loc, c, c32(1)), c32(3));
    Value eIsZero =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, e, c32(0));
    Value shift = arith::SelectOp::create(
        b, loc, eIsZero, c32(0), arith::SubIOp::create(b, loc, e, c32(1)));
    Value mag2 = arith::SelectOp::create(
        b, loc, eIsZero, m,
        arith::ShLIOp::create(b, loc, arith::AddIOp::create(b, loc, m, c32(2)),
                              shift));
    Value negative =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                              arith::AndIOp::create(b, loc, c, c32(8)), c32(0));
    Value byte = arith::SelectOp::create(
        b, loc, negative, arith::SubIOp::create(b, loc, c32(12), mag2),
        arith::AddIOp::create(b, loc, c32(12), mag2));
    out = arith::OrIOp::create(b, loc, out,
                               arith::ShLIOp::create(b, loc, byte, c32(8 * j)));
  }
  return out;
}

/// The integer codes of `raw` (vector<16xi8>) as exact f32 without integer
/// to float conversions (quarter rate on NVIDIA GPUs): each code u in
/// 0..255 (offset binary: signed codes have their sign bit flipped first)
/// is placed in the mantissa of 2^23, `0x4B000000 | u` read as f32 is
/// exactly 2^23 + u, and subtracting `base` (2^23 + offset + z) leaves
/// q - z. The bit operations are done on vector<4xi32> words. int4 gives
/// {low nibbles, high nibbles} (elements 2t, 2t+1 of byte t), int8 {bytes}.
SmallVector<Value> integerCodes(OpBuilder &b, Location loc, const Problem &p,
                                const EmitOptions &opt, Value raw, Value base) {
  Type i32 = b.getI32Type();
  auto w4 = VectorType::get({4}, i32);
  auto f4 = VectorType::get({4}, b.getF32Type());
  auto splat = [&](uint32_t v) -> Value {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(w4, b.getI32IntegerAttr(int32_t(v))));
  };
  Value w = vector::BitCastOp::create(b, loc, w4, raw);
  if (p.isSigned)
    w = arith::XOrIOp::create(b, loc, w, splat(signFlipMask(p)));
  SmallVector<Value> sources{w};
  if (p.bits == 4)
    sources = {arith::AndIOp::create(b, loc, w, splat(0x0F0F0F0Fu)),
               arith::AndIOp::create(
                   b, loc, arith::ShRUIOp::create(b, loc, w, splat(4)),
                   splat(0x0F0F0F0Fu))};
  SmallVector<Value> out;
  for (Value src : sources) {
    // Slice j holds byte j of each word: lane i is byte 4i + j.
    SmallVector<Value> slices;
    for (int64_t j = 0; j < 4; ++j) {
      Value magic;
      if (opt.nvvm) {
        // One prmt per code: 0x4B0000uu.
        magic = arith::ConstantOp::create(
            b, loc, DenseElementsAttr::get(w4, b.getI32IntegerAttr(0)));
        for (int64_t i = 0; i < 4; ++i)
          magic = vector::InsertOp::create(
              b, loc,
              mantissaByte(b, loc, vector::ExtractOp::create(b, loc, src, i),
                           j),
              magic, i);
      } else {
        Value byte =
            j == 0 ? src : arith::ShRUIOp::create(b, loc, src, splat(8 * j));
        if (j < 3)
          byte = arith::AndIOp::create(b, loc, byte, splat(0xFF));
        magic = arith::OrIOp::create(b, loc, byte, splat(0x4B000000u));
      }
      slices.push_back(arith::BitcastOp::create(b, loc, f4, magic));
    }
    // Back to byte order: byte t = 4i + j is lane i of slice j.
    SmallVector<int64_t> concat, order;
    for (int64_t i = 0; i < 8; ++i)
      concat.push_back(i);
    Value s01 = vector::ShuffleOp::create(b, loc, slices[0], slices[1], concat);
    Value s23 = vector::ShuffleOp::create(b, loc, slices[2], slices[3], concat);
    for (int64_t i = 0; i < 4; ++i)
      for (int64_t j = 0; j < 4; ++j)
        order.push_back(j < 2 ? 4 * j + i : 8 + 4 * (j - 2) + i);
    Value bytes = vector::ShuffleOp::create(b, loc, s01, s23, order);
    out.push_back(arith::SubFOp::create(b, loc, bytes, base));
  }
  return out;
}

/// NVIDIA: the 32 FP4 E2M1 codes of `raw` (vector<16xi8>) as exact f32
/// 2 * value ({elements 2t, elements 2t+1}) with byte permutes instead of
/// bit moves and f16 conversions: e2m1Bytes per four codes (16 bits of a
/// word), then each byte becomes 2^23 + 2v + 12 with one prmt
/// (mantissaByte) and 2^23 + 12 is subtracted.
SmallVector<Value> e2m1TwiceByPermutes(OpBuilder &b, Location loc,
                                       const EmitOptions &opt, Value raw) {
  auto w4 = VectorType::get({4}, b.getI32Type());
  auto f4 = VectorType::get({4}, b.getF32Type());
  Value words = vector::BitCastOp::create(b, loc, w4, raw);
  // slices[4 h + j] lane i: element 8 i + 4 h + j.
  SmallVector<Value> slices(8);
  for (int64_t h = 0; h < 2; ++h) {
    for (int64_t i = 0; i < 4; ++i) {
      Value w = vector::ExtractOp::create(b, loc, words, i);
      Value sel =
          h == 0
              ? w
              : Value(arith::ShRUIOp::create(b, loc, w, i32Const(b, loc, 16)));
      Value r = e2m1Bytes(b, loc, opt, sel);
      for (int64_t j = 0; j < 4; ++j) {
        Value &slice = slices[4 * h + j];
        if (!slice)
          slice = arith::ConstantOp::create(
              b, loc, DenseElementsAttr::get(w4, b.getI32IntegerAttr(0)));
        slice = vector::InsertOp::create(b, loc, mantissaByte(b, loc, r, j),
                                         slice, i);
      }
    }
  }
  // Concatenate: position 4 s + i holds element 8 i + s.
  SmallVector<Value> parts;
  for (Value sl : slices)
    parts.push_back(arith::BitcastOp::create(b, loc, f4, sl));
  while (parts.size() > 1) {
    SmallVector<Value> next;
    for (size_t k = 0; k < parts.size(); k += 2) {
      int64_t width = cast<VectorType>(parts[k].getType()).getNumElements();
      SmallVector<int64_t> idx;
      for (int64_t e = 0; e < 2 * width; ++e)
        idx.push_back(e);
      next.push_back(
          vector::ShuffleOp::create(b, loc, parts[k], parts[k + 1], idx));
    }
    parts = next;
  }
  auto f32v = VectorType::get({kChunkBytes}, b.getF32Type());
  Value base = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(f32v, b.getF32FloatAttr(8388620.0f)));
  SmallVector<Value> out;
  for (int64_t parity = 0; parity < 2; ++parity) {
    SmallVector<int64_t> idx;
    for (int64_t t = 0; t < kChunkBytes; ++t) {
      int64_t e = 2 * t + parity;
      idx.push_back(4 * (e % 8) + e / 8);
    }
    Value v = vector::ShuffleOp::create(b, loc, parts[0], parts[0], idx);
    out.push_back(arith::SubFOp::create(b, loc, v, base));
  }
  return out;
}

/// The codes of one 16-byte chunk `raw` (vector<16xi8>) of row `n` starting
/// at element `k0` as exact f32 q - z (int4/FP4: {elements 2t, elements
/// 2t+1}, else {the 16 elements}), and its scale: `scale` when the chunk
/// lies in one group, else null and `scales` holds lanes 0..7 of the first
/// group's scale and 8..15 of the second's (for every vector of `q`).
struct ChunkCodes {
  SmallVector<Value> q;
  Value scale;  // f32, or null with two groups per chunk
  Value scales; // vector<16xf32>
};

bool twoGroupsPerChunk(const Problem &p) {
  return p.scaleBlockK * 2 == p.chunkElems();
}
} // namespace

int64_t gpu_kernels::chunkLoadValues(const Problem &p) {
  return (1 + (p.hasZeroPoints ? 1 : 0)) * (twoGroupsPerChunk(p) ? 2 : 1) + 1;
}

SmallVector<Value> gpu_kernels::emitLoadChunk(OpBuilder &b, Location loc,
                                              const Problem &p,
                                              const Operands &ops,
                                              const EmitOptions &opt, Value n,
                                              Value k0) {
  auto i8v = VectorType::get({kChunkBytes}, b.getI8Type());
  SmallVector<Value> v{vload(b, loc, i8v, ops.data,
                             {n, divC(b, loc, mul(b, loc, k0, p.bits), 8)},
                             opt)};
  auto [s, z] = emitLoadScale(b, loc, p, ops, n, k0);
  v.push_back(s);
  if (z)
    v.push_back(z);
  if (twoGroupsPerChunk(p)) {
    auto [s2, z2] = emitLoadScale(b, loc, p, ops, n,
                                  add(b, loc, k0, cIdx(b, loc, p.scaleBlockK)));
    v.push_back(s2);
    if (z2)
      v.push_back(z2);
  }
  return v;
}

namespace {
/// Decodes emitLoadChunk's values.
ChunkCodes decodeChunk(OpBuilder &b, Location loc, const Problem &p,
                       const EmitOptions &opt, ValueRange loaded) {
  auto i8v = VectorType::get({kChunkBytes}, b.getI8Type());
  auto f32v = VectorType::get({kChunkBytes}, b.getF32Type());
  Value raw = loaded[0];
  Value s = loaded[1];
  Value z = p.hasZeroPoints ? loaded[2] : Value();
  Value sv = vector::BroadcastOp::create(b, loc, f32v, s);
  Value zv = z ? vector::BroadcastOp::create(b, loc, f32v, z) : Value();
  bool twoGroups = twoGroupsPerChunk(p);
  if (twoGroups) {
    // Two groups per chunk (NVFP4's 16, int8 groups of 8): lane j of every
    // vector below holds element 2j, 2j+1 (4-bit) or j (8-bit), so lanes
    // 0..7 take the first group's scale and lanes 8..15 the second's.
    Value s2 = loaded[p.hasZeroPoints ? 3 : 2];
    Value z2 = p.hasZeroPoints ? loaded[4] : Value();
    SmallVector<bool> first(kChunkBytes, false);
    for (int64_t j = 0; j < kChunkBytes / 2; ++j)
      first[j] = true;
    Value lanes = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(VectorType::get({kChunkBytes}, b.getI1Type()),
                               ArrayRef<bool>(first)));
    sv = arith::SelectOp::create(b, loc, lanes, sv,
                                 vector::BroadcastOp::create(b, loc, f32v, s2));
    if (zv)
      zv = arith::SelectOp::create(
          b, loc, lanes, zv, vector::BroadcastOp::create(b, loc, f32v, z2));
  }
  ChunkCodes out;
  out.scale = twoGroups ? Value() : s;
  out.scales = sv;
  if (!p.fp4 && p.float8 == Problem::Float8::None) {
    // base = 2^23 + offset (+ z): exact in f32.
    Value base = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(
            f32v, b.getF32FloatAttr(8388608.0f + float(codeOffset(p)))));
    if (zv)
      base = arith::AddFOp::create(b, loc, base, zv);
    out.q = integerCodes(b, loc, p, opt, raw, base);
    return out;
  }
  if (p.fp4 && opt.nvvm) {
    // 2 * value, exact integers: halve the scale instead.
    Value half = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.5f));
    if (out.scale)
      out.scale = arith::MulFOp::create(b, loc, out.scale, half);
    out.scales = arith::MulFOp::create(
        b, loc, out.scales, vector::BroadcastOp::create(b, loc, f32v, half));
    out.q = e2m1TwiceByPermutes(b, loc, opt, raw);
    if (zv) {
      Value z2 = arith::AddFOp::create(b, loc, zv, zv);
      for (Value &q : out.q)
        q = arith::SubFOp::create(b, loc, q, z2);
    }
    return out;
  }
  SmallVector<Value> codes{raw};
  if (p.bits == 4) {
    Value four = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(i8v, b.getI8IntegerAttr(4)));
    Value mask = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(i8v, b.getI8IntegerAttr(15)));
    codes = {arith::AndIOp::create(b, loc, raw, mask),
             arith::ShRUIOp::create(b, loc, raw, four)};
  }
  for (Value c : codes) {
    Value f = p.fp4 ? decodeE2M1(b, loc, c) : decodeFloat8(b, loc, p.float8, c);
    if (zv)
      f = arith::SubFOp::create(b, loc, f, zv);
    out.q.push_back(f);
  }
  return out;
}

/// Dequantizes one 16-byte chunk `raw` (vector<16xi8>) of row `n` starting
/// at element `k0`: int4 gives {low nibbles, high nibbles} (elements 2j and
/// 2j+1), int8 gives {the 16 elements}, each vector<16xf32> = (q - z) * s.
SmallVector<Value> dequantChunk(OpBuilder &b, Location loc, const Problem &p,
                                const EmitOptions &opt, ValueRange loaded) {
  ChunkCodes c = decodeChunk(b, loc, p, opt, loaded);
  SmallVector<Value> w;
  for (Value q : c.q)
    w.push_back(arith::MulFOp::create(b, loc, q, c.scales));
  return w;
}

/// The sum of the 16 lanes of `v` as a balanced tree (lanes i and i + 8,
/// then i and i + 4, ...): 4 dependent adds instead of 16.
Value treeSum(OpBuilder &b, Location loc, Value v) {
  for (int64_t width = kChunkBytes / 2; width >= 1; width /= 2) {
    SmallVector<int64_t> lo, hi;
    for (int64_t i = 0; i < width; ++i) {
      lo.push_back(i);
      hi.push_back(width + i);
    }
    Value a = vector::ShuffleOp::create(b, loc, v, v, lo);
    Value c = vector::ShuffleOp::create(b, loc, v, v, hi);
    v = arith::AddFOp::create(b, loc, a, c);
  }
  return vector::ExtractOp::create(b, loc, v, 0);
}

SmallVector<int64_t> strided(int64_t start, int64_t count) {
  SmallVector<int64_t> v;
  for (int64_t i = 0; i < count; ++i)
    v.push_back(start + 2 * i);
  return v;
}

/// The vector.shuffle mask zipping two vectors of `count` elements:
/// a0, b0, a1, b1, ... (the inverse of strided(0 / 1, count)).
SmallVector<int64_t> zipped(int64_t count) {
  SmallVector<int64_t> v;
  for (int64_t i = 0; i < count; ++i) {
    v.push_back(i);
    v.push_back(count + i);
  }
  return v;
}

/// N:M integer codes (Problem::bits 4 or 8, packed as a little-endian bit
/// stream: the low nibble first) of `raw` (vector<B x i8>) as the exact f32
/// values q - z (`z` null: 0), in stored order.
Value decodeNmCodes(OpBuilder &b, Location loc, const Problem &p, Value raw,
                    Value z) {
  auto rawType = cast<VectorType>(raw.getType());
  auto splat = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(rawType, b.getI8IntegerAttr(v)));
  };
  Value q = raw;
  if (p.bits == 4) {
    // Low nibbles (shifted up first when signed) and high nibbles, moved
    // down by arithmetic (signed) or logical shifts, then interleaved.
    auto down = [&](Value v) -> Value {
      return p.isSigned ? Value(arith::ShRSIOp::create(b, loc, v, splat(4)))
                        : Value(arith::ShRUIOp::create(b, loc, v, splat(4)));
    };
    Value lo = p.isSigned
                   ? down(arith::ShLIOp::create(b, loc, raw, splat(4)))
                   : Value(arith::AndIOp::create(b, loc, raw, splat(0x0F)));
    q = vector::ShuffleOp::create(b, loc, lo, down(raw),
                                  zipped(rawType.getNumElements()));
  }
  auto f = VectorType::get({cast<VectorType>(q.getType()).getNumElements()},
                           b.getF32Type());
  Value v = p.isSigned ? Value(arith::SIToFPOp::create(b, loc, f, q))
                       : Value(arith::UIToFPOp::create(b, loc, f, q));
  if (z)
    v = arith::SubFOp::create(b, loc, v,
                              vector::BroadcastOp::create(b, loc, f, z));
  return v;
}

/// max |x| over the vector<4xf32> `v`, as the i32 bits of a non-negative
/// f32 (non-negative floats order as their bit patterns).
Value absBitsMax(OpBuilder &b, Location loc, Value v) {
  auto w4 = VectorType::get({4}, b.getI32Type());
  Value bits = arith::AndIOp::create(
      b, loc, arith::BitcastOp::create(b, loc, w4, v),
      arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(w4, b.getI32IntegerAttr(0x7FFFFFFF))));
  return vector::ReductionOp::create(b, loc, vector::CombiningKind::MAXSI,
                                     bits);
}

} // namespace

//===----------------------------------------------------------------------===//
// GEMV
//===----------------------------------------------------------------------===//

SmallVector<Value> gpu_kernels::emitGemvGroupFeatures(OpBuilder &b,
                                                      Location loc,
                                                      const Problem &p,
                                                      Value group) {
  Value n0 = mul(b, loc, group, p.gemvFeatures());
  SmallVector<Value> ns{n0};
  for (int64_t f = 1; f < p.gemvFeatures(); ++f)
    ns.push_back(add(b, loc, n0, cIdx(b, loc, f)));
  return ns;
}

SmallVector<Value> gpu_kernels::emitGemvLoads(OpBuilder &b, Location loc,
                                              const Problem &p,
                                              const Operands &ops,
                                              const EmitOptions &opt,
                                              ArrayRef<Value> ns, Value chunk) {
  SmallVector<Value> v;
  for (Value n : ns) {
    Value row = minC(b, loc, n, p.n - 1);
    for (int64_t u = 0; u < p.gemvUnroll(); ++u) {
      Value c = minC(b, loc, add(b, loc, chunk, cIdx(b, loc, u * kWarp)),
                     p.numChunks() - 1);
      llvm::append_range(v, emitLoadChunk(b, loc, p, ops, opt, row,
                                          mul(b, loc, c, p.chunkElems())));
    }
  }
  return v;
}

Value gpu_kernels::emitRowScale(OpBuilder &b, Location loc, const XSource &xs,
                                Value row) {
  Value bits = memref::LoadOp::create(b, loc, xs.xmax, ValueRange{row});
  Value amax = arith::BitcastOp::create(b, loc, b.getF32Type(), bits);
  Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
  return arith::SelectOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, bits, zero),
      arith::ConstantOp::create(b, loc, b.getF32FloatAttr(1.0f)),
      arith::DivFOp::create(
          b, loc, amax,
          arith::ConstantOp::create(b, loc, b.getF32FloatAttr(127.0f))));
}

namespace {
/// sum_i a_i * b_i + c over the 4 bytes of the i32 words a and b (signed or
/// zero-extended): nvvm.dot.accumulate.4way (dp4a) on NVIDIA, else widened
/// arith.
Value dot4(OpBuilder &b, Location loc, const EmitOptions &opt, Value a,
           bool aSigned, Value bw, bool bSigned, Value c) {
  auto v4i8 = VectorType::get({4}, b.getI8Type());
  auto v4i32 = VectorType::get({4}, b.getI32Type());
  Value av = wordAs(b, loc, v4i8, a), bv = wordAs(b, loc, v4i8, bw);
  if (opt.nvvm) {
    auto type = [](bool sgn) {
      return sgn ? NVVM::DotAccumulateType::SIGNED
                 : NVVM::DotAccumulateType::UNSIGNED;
    };
    return NVVM::DotAccumulate4WayOp::create(
        b, loc, b.getI32Type(), av, type(aSigned), bv, type(bSigned), c);
  }
  auto widen = [&](Value v, bool sgn) -> Value {
    return sgn ? Value(arith::ExtSIOp::create(b, loc, v4i32, v))
               : Value(arith::ExtUIOp::create(b, loc, v4i32, v));
  };
  Value prod =
      arith::MulIOp::create(b, loc, widen(av, aSigned), widen(bv, bSigned));
  return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, prod,
                                     c);
}

/// The int32 sum over one chunk of (q - z) * xq for the codes of
/// emitLoadChunk values `loaded` (one group per chunk) and the xq words of
/// the chunk (8 for 4-bit codes, 4 for 8-bit).
Value chunkDot(OpBuilder &b, Location loc, const Problem &p,
               const EmitOptions &opt, ValueRange loaded,
               ArrayRef<Value> xWords, Value xSum) {
  Type i32 = b.getI32Type();
  auto w4 = VectorType::get({4}, i32);
  auto c32 = [&](uint32_t v) { return i32Const(b, loc, v); };
  Value words = vector::BitCastOp::create(b, loc, w4, loaded[0]);
  Value acc = c32(0);
  // Offset-binary int4 codes u = q + 8 (and unsigned ones) are read as
  // unsigned bytes; the offset and the zero point come out of the sum as
  // (offset + z) * sum(xq). FP4 codes as the bytes 2v + 12 (offset 12; the
  // caller halves the scale), x codes in element order.
  int64_t offset = p.fp4 ? 12 : p.bits == 4 && p.isSigned ? 8 : 0;
  for (int64_t i = 0; i < 4; ++i) {
    Value w = vector::ExtractOp::create(b, loc, words, i);
    if (p.fp4) {
      Value hi16 = arith::ShRUIOp::create(b, loc, w, c32(16));
      acc = dot4(b, loc, opt, e2m1Bytes(b, loc, opt, w), false, xWords[2 * i],
                 true, acc);
      acc = dot4(b, loc, opt, e2m1Bytes(b, loc, opt, hi16), false,
                 xWords[2 * i + 1], true, acc);
    } else if (p.bits == 4) {
      auto [lo, hi] = offsetBinaryNibbles(b, loc, p, w);
      acc = dot4(b, loc, opt, lo, false, xWords[2 * i], true, acc);
      acc = dot4(b, loc, opt, hi, false, xWords[2 * i + 1], true, acc);
    } else {
      acc = dot4(b, loc, opt, w, p.isSigned, xWords[i], true, acc);
    }
  }
  Value z = p.hasZeroPoints
                ? Value(arith::FPToSIOp::create(b, loc, i32, loaded[2]))
                : Value();
  Value off = c32(uint32_t(offset));
  if (z)
    off = arith::AddIOp::create(b, loc, off, z);
  if (offset || z)
    acc = arith::SubIOp::create(b, loc, acc,
                                arith::MulIOp::create(b, loc, off, xSum));
  return acc;
}

/// The vector<4xf32> quads of x: quad `idx` is row idx / (K / 4), column
/// 4 (idx % (K / 4)); thread `tid` of `threads` owns quads tid,
/// tid + threads, ... (quadIndex(i)).
struct XQuads {
  OpBuilder &b;
  Location loc;
  const Problem &p;
  Value tid;
  int64_t threads;

  int64_t count() const { return p.m * p.k / 4; }
  int64_t perThread() const { return llvm::divideCeilSigned(count(), threads); }
  /// Whether quad i of the thread may lie past the end (needs a guard).
  bool mayOverrun(int64_t i) const { return (i + 1) * threads > count(); }
  Value quadIndex(int64_t i) const {
    return add(b, loc, tid, cIdx(b, loc, i * threads));
  }
  SmallVector<Value, 2> at(Value idx) const {
    return {divC(b, loc, idx, p.k / 4),
            mul(b, loc, remC(b, loc, idx, p.k / 4), 4)};
  }
  /// Leaves `b` inside `if idx < count` when quad i may overrun.
  void guard(int64_t i, Value idx) const {
    if (!mayOverrun(i))
      return;
    auto ifOp = scf::IfOp::create(b, loc, ltC(b, loc, idx, count()));
    b.setInsertionPointToStart(ifOp.thenBlock());
  }
};

/// Runs `body(r, c4)` for each quad (row r, column c4) of x that thread
/// `tid` of `threads` owns.
void forEachQuad(OpBuilder &b, Location loc, const Problem &p, Value tid,
                 int64_t threads, function_ref<void(Value, Value)> body) {
  XQuads q{b, loc, p, tid, threads};
  for (int64_t i = 0; i < q.perThread(); ++i) {
    OpBuilder::InsertionGuard guard(b);
    Value idx = q.quadIndex(i);
    q.guard(i, idx);
    SmallVector<Value, 2> rc = q.at(idx);
    body(rc[0], rc[1]);
  }
}
} // namespace

void gpu_kernels::emitStageX(OpBuilder &b, Location loc, const Problem &p,
                             Value x, Value xs, Value tid, int64_t threads) {
  // Every load issued before the first store (quads past the end reload
  // the last one, not stored).
  XQuads q{b, loc, p, tid, threads};
  auto f4 = VectorType::get({4}, b.getF32Type());
  SmallVector<Value> idxs, vals;
  for (int64_t i = 0; i < q.perThread(); ++i) {
    idxs.push_back(q.quadIndex(i));
    vals.push_back(vector::LoadOp::create(
        b, loc, f4, x, q.at(minC(b, loc, idxs.back(), q.count() - 1)),
        /*nontemporal=*/false, llvm::MaybeAlign(16)));
  }
  for (int64_t i = 0; i < q.perThread(); ++i) {
    OpBuilder::InsertionGuard guard(b);
    q.guard(i, idxs[i]);
    vector::StoreOp::create(b, loc, vals[i], xs, q.at(idxs[i]),
                            /*nontemporal=*/false, llvm::MaybeAlign(16));
  }
}

Value gpu_kernels::emitXqColumn(OpBuilder &b, Location loc, const Problem &p,
                                Value col) {
  if (p.bits != 4)
    return col;
  return add(b, loc, col, mul(b, loc, divC(b, loc, col, 128), 16));
}

void gpu_kernels::emitQuantizeXInit(OpBuilder &b, Location loc,
                                    const Problem &p, const XSource &xs,
                                    Value tid, int64_t threads) {
  Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
  int64_t sums = p.m * p.numChunks();
  for (int64_t i = 0; i * threads < sums + p.m; ++i) {
    OpBuilder::InsertionGuard guard(b);
    Value idx = add(b, loc, tid, cIdx(b, loc, i * threads));
    auto inSums = scf::IfOp::create(b, loc, ltC(b, loc, idx, sums),
                                    /*withElseRegion=*/true);
    b.setInsertionPointToStart(inSums.thenBlock());
    memref::StoreOp::create(b, loc, zero, xs.xsum,
                            ValueRange{divC(b, loc, idx, p.numChunks()),
                                       remC(b, loc, idx, p.numChunks())});
    b.setInsertionPointToStart(inSums.elseBlock());
    Value r = arith::SubIOp::create(b, loc, idx, cIdx(b, loc, sums));
    auto inMax = scf::IfOp::create(b, loc, ltC(b, loc, r, p.m));
    b.setInsertionPointToStart(inMax.thenBlock());
    memref::StoreOp::create(b, loc, zero, xs.xmax, ValueRange{r});
  }
}

void gpu_kernels::emitQuantizeXMax(OpBuilder &b, Location loc, const Problem &p,
                                   const XSource &xs, Value tid,
                                   int64_t threads) {
  auto f4 = VectorType::get({4}, b.getF32Type());
  forEachQuad(b, loc, p, tid, threads, [&](Value r, Value c4) {
    Value v = vector::LoadOp::create(b, loc, f4, xs.x, ValueRange{r, c4});
    memref::AtomicRMWOp::create(b, loc, arith::AtomicRMWKind::maxs,
                                absBitsMax(b, loc, v), xs.xmax, ValueRange{r});
  });
}

namespace {
/// The int8 codes clamp(rint(x / a), -127, 127) (vector<4xi32>) of the
/// vector<4xf32> `v` with the row scale `a` (f32): adding 1.5 * 2^23 rounds
/// |v / a| <= 2^22 to an integer (half to even) in the low mantissa bits.
Value quantizeQuad(OpBuilder &b, Location loc, Value v, Value a) {
  auto f4 = VectorType::get({4}, b.getF32Type());
  auto w4 = VectorType::get({4}, b.getI32Type());
  auto splatI = [&](int32_t c) -> Value {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(w4, b.getI32IntegerAttr(c)));
  };
  Value t = arith::AddFOp::create(
      b, loc,
      arith::DivFOp::create(b, loc, v,
                            vector::BroadcastOp::create(b, loc, f4, a)),
      arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(f4, b.getF32FloatAttr(12582912.0f))));
  Value q = arith::SubIOp::create(
      b, loc, arith::BitcastOp::create(b, loc, w4, t), splatI(0x4B400000));
  return arith::MaxSIOp::create(
      b, loc, arith::MinSIOp::create(b, loc, q, splatI(127)), splatI(-127));
}
} // namespace

void gpu_kernels::emitQuantizeXCodes(OpBuilder &b, Location loc,
                                     const Problem &p, const XSource &xs,
                                     Value tid, int64_t threads) {
  Type i8 = b.getI8Type();
  auto f4 = VectorType::get({4}, b.getF32Type());
  forEachQuad(b, loc, p, tid, threads, [&](Value r, Value c4) {
    Value v = vector::LoadOp::create(b, loc, f4, xs.x, ValueRange{r, c4});
    Value q = quantizeQuad(b, loc, v, emitRowScale(b, loc, xs, r));
    for (int64_t e = 0; e < 4; ++e) {
      // 4-bit codes: element e of a block of 8 at e / 2 (even) or
      // 4 + e / 2 (odd).
      Value col = add(b, loc, c4, cIdx(b, loc, e));
      if (p.bits == 4 && !p.fp4) {
        Value blk = mul(b, loc, divC(b, loc, col, 8), 8);
        Value w = remC(b, loc, col, 8);
        Value pos =
            add(b, loc, divC(b, loc, w, 2), mul(b, loc, remC(b, loc, w, 2), 4));
        col = add(b, loc, blk, pos);
      }
      Value byte = arith::TruncIOp::create(
          b, loc, i8, vector::ExtractOp::create(b, loc, q, e));
      memref::StoreOp::create(b, loc, byte, xs.xq,
                              ValueRange{r, emitXqColumn(b, loc, p, col)});
    }
    Value sum =
        vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, q);
    memref::AtomicRMWOp::create(
        b, loc, arith::AtomicRMWKind::addi, sum, xs.xsum,
        ValueRange{r, divC(b, loc, c4, p.chunkElems())});
  });
}

SmallVector<Value> gpu_kernels::emitGemvStep(OpBuilder &b, Location loc,
                                             const Problem &p,
                                             const EmitOptions &opt,
                                             Value chunk, Value mBase,
                                             const XSource &xs, ValueRange sums,
                                             ValueRange loaded) {
  int64_t rows = p.gemvRows(), features = p.gemvFeatures();
  int64_t unroll = p.gemvUnroll();
  int64_t per = chunkLoadValues(p);
  Type f32 = b.getF32Type();
  auto xType = VectorType::get({p.chunkElems()}, f32);
  SmallVector<Value> accs(sums);
  // A persistent GEMV whose rows are not whole iterations: chunks past the
  // row (clamped reloads of its last chunk) add nothing.
  bool guard = p.gemvPersistent() && p.numChunks() % (kWarp * unroll) != 0;
  for (int64_t u = 0; u < unroll; ++u) {
    Value c = add(b, loc, chunk, cIdx(b, loc, u * kWarp));
    Value valid;
    if (guard) {
      valid = ltC(b, loc, c, p.numChunks());
      c = minC(b, loc, c, p.numChunks() - 1);
    }
    // acc + v, or acc where the chunk is past the row.
    auto addTo = [&](Value &acc, Value v, arith::FastMathFlags fm) {
      Value sum = arith::AddFOp::create(b, loc, acc, v, fm);
      acc =
          valid ? Value(arith::SelectOp::create(b, loc, valid, sum, acc)) : sum;
    };
    Value k0 = mul(b, loc, c, p.chunkElems());
    if (p.int8Activations) {
      // Exact int32 dot products of each feature's codes with the row's
      // int8 codes, one conversion and multiply-add with the scale.
      int64_t words = p.bits == 4 ? 8 : 4;
      auto xqType = VectorType::get({4 * words}, b.getI8Type());
      auto xwType = VectorType::get({words}, b.getI32Type());
      for (int64_t i = 0; i < rows; ++i) {
        Value row = minC(b, loc, add(b, loc, mBase, cIdx(b, loc, i)), p.m - 1);
        Value xw = vector::BitCastOp::create(
            b, loc, xwType,
            vload(b, loc, xqType, xs.xq, {row, emitXqColumn(b, loc, p, k0)},
                  opt));
        SmallVector<Value> xWords;
        for (int64_t w = 0; w < words; ++w)
          xWords.push_back(vector::ExtractOp::create(b, loc, xw, w));
        Value xSum =
            memref::LoadOp::create(b, loc, xs.xsum, ValueRange{row, c});
        for (int64_t f = 0; f < features; ++f) {
          ValueRange l = loaded.slice((f * unroll + u) * per, per);
          Value dot = chunkDot(b, loc, p, opt, l, xWords, xSum);
          auto contract = arith::FastMathFlags::contract;
          Value scale = l[1];
          if (p.fp4) // The dot products are of 2 * value.
            scale = arith::MulFOp::create(
                b, loc, scale,
                arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.5f)));
          Value scaled = arith::MulFOp::create(
              b, loc, arith::SIToFPOp::create(b, loc, f32, dot), scale,
              contract);
          addTo(accs[f * rows + i], scaled, contract);
        }
      }
      continue;
    }
    SmallVector<ChunkCodes> codes;
    for (int64_t f = 0; f < features; ++f)
      codes.push_back(decodeChunk(b, loc, p, opt,
                                  loaded.slice((f * unroll + u) * per, per)));
    for (int64_t i = 0; i < rows; ++i) {
      Value row = minC(b, loc, add(b, loc, mBase, cIdx(b, loc, i)), p.m - 1);
      // One x load per chunk and row of x, shared by the output features.
      Value xv = vload(b, loc, xType, xs.x, {row, k0}, opt);
      Value xe, xo;
      if (p.bits == 4) {
        xe = vector::ShuffleOp::create(b, loc, xv, xv, strided(0, kChunkBytes));
        xo = vector::ShuffleOp::create(b, loc, xv, xv, strided(1, kChunkBytes));
      }
      for (auto [f, c] : llvm::enumerate(codes)) {
        // Products with the exact codes, one scale multiply per chunk (per
        // group half with two groups per chunk).
        Value prod = p.bits == 4
                         ? Value(vector::FMAOp::create(
                               b, loc, xe, c.q[0],
                               arith::MulFOp::create(b, loc, xo, c.q[1])))
                         : Value(arith::MulFOp::create(b, loc, xv, c.q[0]));
        Value &acc = accs[f * rows + i];
        if (!c.scale) {
          prod = arith::MulFOp::create(b, loc, prod, c.scales);
          addTo(acc, treeSum(b, loc, prod), arith::FastMathFlags::none);
        } else {
          // sum * s + acc, contracted to one fma.
          auto contract = arith::FastMathFlags::contract;
          Value scaled = arith::MulFOp::create(b, loc, treeSum(b, loc, prod),
                                               c.scale, contract);
          addTo(acc, scaled, contract);
        }
      }
    }
  }
  return accs;
}

SmallVector<Value> gpu_kernels::emitGemvRowScales(OpBuilder &b, Location loc,
                                                  const Problem &p,
                                                  const XSource &xs,
                                                  Value mBase,
                                                  ValueRange sums) {
  SmallVector<Value> out(sums);
  if (!p.int8Activations)
    return out;
  int64_t rows = p.gemvRows();
  for (int64_t i = 0; i < rows; ++i) {
    // Times the row's activation scale a.
    Value a = emitRowScale(
        b, loc, xs, minC(b, loc, add(b, loc, mBase, cIdx(b, loc, i)), p.m - 1));
    for (size_t s = i; s < out.size(); s += rows)
      out[s] = arith::MulFOp::create(b, loc, out[s], a);
  }
  return out;
}

SmallVector<Value>
gpu_kernels::emitGemvLanePartials(OpBuilder &b, Location loc, const Problem &p,
                                  const Operands &ops, const EmitOptions &opt,
                                  ArrayRef<Value> ns, Value lane, Value mBase,
                                  const XSource &xs, ValueRange prologue) {
  int64_t numSums = static_cast<int64_t>(ns.size()) * p.gemvRows();
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  SmallVector<Value> init(numSums, zero);
  llvm::append_range(init, prologue);
  int64_t stride = kWarp * p.gemvUnroll();
  auto loop = scf::ForOp::create(b, loc, lane, cIdx(b, loc, p.numChunks()),
                                 cIdx(b, loc, stride), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value iv = loop.getInductionVar();
    ValueRange args = loop.getRegionIterArgs();
    // The next iteration's loads are issued before this iteration's math
    // (clamped: past the row they reload its last chunk, unused).
    SmallVector<Value> next = emitGemvLoads(
        b, loc, p, ops, opt, ns, add(b, loc, iv, cIdx(b, loc, stride)));
    SmallVector<Value> accs =
        emitGemvStep(b, loc, p, opt, iv, mBase, xs, args.take_front(numSums),
                     args.drop_front(numSums));
    llvm::append_range(accs, next);
    scf::YieldOp::create(b, loc, accs);
  }
  return emitGemvRowScales(b, loc, p, xs, mBase,
                           loop.getResults().take_front(numSums));
}

namespace {
/// Persistent GEMV: the feature group of iteration `j` of grid warp `warpG`'s
/// stream (warpG + (j / T) W) and the lane's first chunk in it
/// (lane + (j % T) 32 U).
Value streamGroup(OpBuilder &b, Location loc, const Problem &p, Value warpG,
                  Value j) {
  Value g = p.gemvIters() == 1 ? j : divC(b, loc, j, p.gemvIters());
  return add(b, loc, warpG, mul(b, loc, g, p.gemvBlocks() * p.gemvWarps()));
}
Value streamChunk(OpBuilder &b, Location loc, const Problem &p, Value lane,
                  Value j) {
  if (p.gemvIters() == 1)
    return lane;
  return add(
      b, loc, lane,
      mul(b, loc, remC(b, loc, j, p.gemvIters()), kWarp * p.gemvUnroll()));
}
} // namespace

SmallVector<Value>
gpu_kernels::emitGemvStreamLoads(OpBuilder &b, Location loc, const Problem &p,
                                 const Operands &ops, const EmitOptions &opt,
                                 Value warpG, Value lane, Value j) {
  return emitGemvLoads(
      b, loc, p, ops, opt,
      emitGemvGroupFeatures(b, loc, p, streamGroup(b, loc, p, warpG, j)),
      streamChunk(b, loc, p, lane, j));
}

void gpu_kernels::emitGemvStream(
    OpBuilder &b, Location loc, const Problem &p, const Operands &ops,
    const EmitOptions &opt, Value warpG, Value lane, Value mBase,
    const XSource &xs, ValueRange prologue,
    function_ref<void(ArrayRef<Value>, Value, ValueRange)> finish) {
  int64_t iters = p.gemvIters();
  int64_t gridWarps = p.gemvBlocks() * p.gemvWarps();
  // The warp's groups: ceil((G - warpG) / W), 0 past the last group.
  Value mine =
      divC(b, loc,
           arith::SubIOp::create(
               b, loc, cIdx(b, loc, p.gemvGroups() + gridWarps - 1), warpG),
           gridWarps);
  int64_t numSums = p.gemvFeatures() * p.gemvRows();
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  SmallVector<Value> init(numSums, zero);
  llvm::append_range(init, prologue);
  auto loop = scf::ForOp::create(
      b, loc, cIdx(b, loc, 0), mul(b, loc, mine, iters), cIdx(b, loc, 1), init);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value j = loop.getInductionVar();
  ValueRange args = loop.getRegionIterArgs();
  SmallVector<Value> sums(args.take_front(numSums));
  // The next iteration's loads first (past the warp's last group they
  // reload rows clamped to N - 1, unused).
  SmallVector<Value> next = emitGemvStreamLoads(
      b, loc, p, ops, opt, warpG, lane, add(b, loc, j, cIdx(b, loc, 1)));
  Value chunk = streamChunk(b, loc, p, lane, j);
  // (A partial last iteration of a row: emitGemvStep adds nothing for the
  // chunks past it.)
  sums = emitGemvStep(b, loc, p, opt, chunk, mBase, xs, sums,
                      args.drop_front(numSums));
  // At a group's last iteration (warp-uniform): finish it, restart at 0.
  Value slot = iters == 1 ? j : divC(b, loc, j, iters);
  auto finishGroup = [&] {
    finish(emitGemvGroupFeatures(b, loc, p, streamGroup(b, loc, p, warpG, j)),
           slot, emitGemvRowScales(b, loc, p, xs, mBase, sums));
    return SmallVector<Value>(numSums, zero);
  };
  if (iters == 1) {
    sums = finishGroup();
  } else {
    Value last =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                              remC(b, loc, j, iters), cIdx(b, loc, iters - 1));
    auto ifOp = scf::IfOp::create(b, loc, ValueRange(sums).getTypes(), last,
                                  /*withElseRegion=*/true);
    b.setInsertionPointToStart(ifOp.thenBlock());
    scf::YieldOp::create(b, loc, finishGroup());
    b.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(b, loc, sums);
    b.setInsertionPointAfter(ifOp);
    sums = ifOp.getResults();
  }
  llvm::append_range(sums, next);
  scf::YieldOp::create(b, loc, sums);
}

void gpu_kernels::emitGemvStore(OpBuilder &b, Location loc, const Problem &p,
                                const Operands &ops, ArrayRef<Value> ns,
                                Value mBase, ArrayRef<Value> sums) {
  int64_t rows = static_cast<int64_t>(sums.size() / ns.size());
  for (auto [f, n] : llvm::enumerate(ns))
    for (int64_t i = 0; i < rows; ++i) {
      Value m = add(b, loc, mBase, cIdx(b, loc, i));
      auto ifOp =
          scf::IfOp::create(b, loc,
                            arith::AndIOp::create(b, loc, ltC(b, loc, m, p.m),
                                                  ltC(b, loc, n, p.n)));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      memref::StoreOp::create(b, loc, sums[f * rows + i], ops.y,
                              ValueRange{m, n});
    }
}

//===----------------------------------------------------------------------===//
// GEMM
//===----------------------------------------------------------------------===//

namespace {
/// One 16-byte chunk of a W tile of `rows` rows x kTileK per thread.
struct WeightChunk {
  Value r, c;           // Row in the tile, chunk in the row.
  SmallVector<Value> w; // dequantChunk's f32 vectors.
};

/// Creates `scf.if tid < rows * chunks-per-row`, leaves the builder at the
/// start of its then block, and there loads thread tid's chunk of row
/// n0 + tid / chunks-per-row (clamped to the matrix) at column
/// k0 + chunk * chunkElems and dequantizes it.
WeightChunk loadWeightChunk(OpBuilder &b, Location loc, const Problem &p,
                            const Operands &ops, const EmitOptions &opt,
                            Value tid, Value n0, Value k0, int64_t rows) {
  int64_t perRow = kTileK / p.chunkElems();
  auto ifOp = scf::IfOp::create(b, loc, ltC(b, loc, tid, rows * perRow));
  b.setInsertionPointToStart(ifOp.thenBlock());
  Value r = divC(b, loc, tid, perRow);
  Value c = remC(b, loc, tid, perRow);
  Value n = minC(b, loc, add(b, loc, n0, r), p.n - 1);
  Value kc = add(b, loc, k0, mul(b, loc, c, p.chunkElems()));
  return {
      r, c,
      dequantChunk(b, loc, p, opt, emitLoadChunk(b, loc, p, ops, opt, n, kc))};
}
} // namespace

void gpu_kernels::emitGemmLoadTile(OpBuilder &b, Location loc, const Problem &p,
                                   const Operands &ops, const EmitOptions &opt,
                                   Value tid, Value m0, Value n0, Value k0,
                                   Value xs, Value ws) {
  // W: kTileN rows of kTileK elements, one 16-byte chunk per thread,
  // dequantized and stored transposed (ws[k][n]).
  {
    OpBuilder::InsertionGuard guard(b);
    auto [r, c, w] = loadWeightChunk(b, loc, p, ops, opt, tid, n0, k0, kTileN);
    Value kb = mul(b, loc, c, p.chunkElems());
    for (int64_t j = 0; j < kChunkBytes; ++j)
      for (auto [h, part] : llvm::enumerate(w)) {
        int64_t e = w.size() == 2 ? 2 * j + h : j;
        Value v = vector::ExtractOp::create(b, loc, part, j);
        memref::StoreOp::create(
            b, loc, v, ws, ValueRange{add(b, loc, kb, cIdx(b, loc, e)), r});
      }
  }
  // x: kTileM rows of kTileK f32 as vector<4xf32>, stored transposed
  // (xs[k][m]); consecutive threads take consecutive rows so that the
  // transposed stores hit distinct banks.
  auto f4 = VectorType::get({4}, b.getF32Type());
  for (int64_t i = 0; i < kTileM * kTileK / 4 / kGemmThreads; ++i) {
    Value idx = add(b, loc, tid, cIdx(b, loc, i * kGemmThreads));
    Value r = remC(b, loc, idx, kTileM);
    Value c4 = mul(b, loc, divC(b, loc, idx, kTileM), 4);
    Value row = minC(b, loc, add(b, loc, m0, r), p.m - 1);
    Value xv = vload(b, loc, f4, ops.x, {row, add(b, loc, k0, c4)}, opt);
    for (int64_t e = 0; e < 4; ++e) {
      Value v = vector::ExtractOp::create(b, loc, xv, e);
      memref::StoreOp::create(b, loc, v, xs,
                              ValueRange{add(b, loc, c4, cIdx(b, loc, e)), r});
    }
  }
}

SmallVector<Value> gpu_kernels::emitGemmCompute(OpBuilder &b, Location loc,
                                                const EmitOptions &opt,
                                                Value tid, Value xs, Value ws,
                                                ValueRange accs) {
  auto f4 = VectorType::get({4}, b.getF32Type());
  Value ty4 = mul(b, loc, divC(b, loc, tid, 16), 4);
  Value tx4 = mul(b, loc, remC(b, loc, tid, 16), 4);
  auto loop = scf::ForOp::create(b, loc, cIdx(b, loc, 0), cIdx(b, loc, kTileK),
                                 cIdx(b, loc, 1), accs);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value kk = loop.getInductionVar();
  // The shared tiles are 16-byte aligned workgroup globals on the GPU.
  Value a = vload(b, loc, f4, xs, {kk, ty4}, opt);
  Value bv = vload(b, loc, f4, ws, {kk, tx4}, opt);
  SmallVector<Value> next;
  for (int64_t i = 0; i < 4; ++i) {
    Value ai = vector::BroadcastOp::create(
        b, loc, f4, vector::ExtractOp::create(b, loc, a, i));
    next.push_back(
        vector::FMAOp::create(b, loc, ai, bv, loop.getRegionIterArgs()[i]));
  }
  scf::YieldOp::create(b, loc, next);
  return SmallVector<Value>(loop.getResults());
}

void gpu_kernels::emitGemmStore(OpBuilder &b, Location loc, const Problem &p,
                                const Operands &ops, Value tid, Value m0,
                                Value n0, ValueRange accs) {
  Value ty4 = mul(b, loc, divC(b, loc, tid, 16), 4);
  Value tx4 = mul(b, loc, remC(b, loc, tid, 16), 4);
  for (int64_t i = 0; i < 4; ++i) {
    Value m = add(b, loc, add(b, loc, m0, ty4), cIdx(b, loc, i));
    for (int64_t j = 0; j < 4; ++j) {
      Value n = add(b, loc, add(b, loc, n0, tx4), cIdx(b, loc, j));
      Value ok = arith::AndIOp::create(b, loc, ltC(b, loc, m, p.m),
                                       ltC(b, loc, n, p.n));
      auto ifOp = scf::IfOp::create(b, loc, ok);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      Value v = vector::ExtractOp::create(b, loc, accs[i], j);
      memref::StoreOp::create(b, loc, v, ops.y, ValueRange{m, n});
    }
  }
}

//===----------------------------------------------------------------------===//
// Tensor-core GEMM
//===----------------------------------------------------------------------===//

int64_t Problem::mmaStepK() const {
  if (mma8 || mmaSparse)
    return kMma8StepK;
  // 32 with two stages (shared memory) or 64-column warps (registers: the
  // carried x loads).
  return k % 64 == 0 && mmaStages() == 1 && mmaWarpN() == 32 ? 64 : 32;
}

int64_t Problem::mmaStages() const {
  if (mfma || mma8 || mmaSparse)
    return 1;
  // Two stages of 32-element steps (two [128, 40] f16 tile pairs fit the
  // 48 KB of static shared memory; two of 64 would not). Measured with
  // 128 x 128 blocks of 64-column warps: 14% faster than one stage of 64
  // (H200, M = 1024 and 2048), where the kernel is bound by shared-memory
  // traffic (ncu: L1/TEX throughput 80-95%).
  int64_t stages = mmaStagesOverride   ? mmaStagesOverride
                   : mmaTileM() == 128 ? 2
                                       : 1;
  return stages == 2 && k % 64 == 0 ? 2 : 1;
}

int64_t Problem::mmaWarpN() const {
  if (mfma || mmaSparse)
    return 32;
  if (mmaWarpNOverride)
    return mmaWarpNOverride;
  return mmaTileM() == 128 ? 64 : 32;
}

int64_t Problem::mmaTileN() const {
  // 128 (x read from L2 half as often as with 64) was as fast or faster at
  // every measured shape (H200, M = 256..2048, docs/Benchmarks-GPU.md).
  if (mfma)
    return kMfmaTile;
  if (mmaSparse)
    return kMmaSpTile;
  return mmaTileNOverride ? mmaTileNOverride : 128;
}

int64_t Problem::mmaTileM() const {
  if (mfma)
    return kMfmaTile;
  if (mmaSparse)
    return kMmaSpTile;
  if (mmaTileMOverride)
    return mmaTileMOverride;
  // The int8 GEMM with 128-row blocks (four 64 x 64 warps) needs all 255
  // registers and spills (ptxas, sm_90); 64-row blocks take 94.
  if (mma8)
    return 64;
  // 128 rows halve the dequantization and fragment loads per mma but need
  // enough blocks to fill the GPU (measured: faster from 256 blocks of
  // 128 x 128 on, M = 1024 x N = 4096; slower with 64 blocks, M = 256).
  int64_t blocks =
      llvm::divideCeilSigned(m, 128) * llvm::divideCeilSigned(n, mmaTileN());
  return blocks >= kMmaBigTileBlocks ? 128 : 64;
}

int64_t Problem::mmaPrefetch() const {
  // With two shared stages the loads run one step ahead; with one stage
  // of 128-row blocks two steps ahead paid off (M = 1024, 2048).
  if (mmaStages() == 2 || mfma || mma8 || mmaSparse)
    return 1;
  return mmaPrefetchOverride ? mmaPrefetchOverride : mmaTileM() == 128 ? 2 : 1;
}

bool Problem::mmaPackedW() const {
  return mmaPackedWOption && !nmN && !mfma && !mma8 && !mmaBf16 && !fp4 &&
         float8 == Float8::None && (bits == 4 || bits == 8) &&
         (mmaEndScale() || scaleBlockK % mmaStepK() == 0);
}

namespace {
/// Packed W: whether the tile carries per-row dequantization words (scale
/// groups, or zero points); else the offsets are constants.
bool packedTable(const Problem &p) {
  return !p.mmaEndScale() || p.hasZeroPoints;
}

/// The MMA step's work split: W chunks of the [kMmaTileN, stepK] tile per
/// thread (threads past the tile's chunk count load a clamped chunk and do
/// not store it), x float4s of the [mmaTileM(), stepK] tile per thread.
struct MmaStepSplit {
  int64_t chunksPerRow, chunks, chunksPerThread, quadsPerRow, quadsPerThread;
};
MmaStepSplit mmaStepSplit(const Problem &p) {
  MmaStepSplit sp;
  // (f32 N:M values have no integer chunks: bits = 0.)
  sp.chunksPerRow = p.bits ? p.mmaStepK() / p.chunkElems() : 0;
  sp.chunks = p.mmaTileN() * sp.chunksPerRow;
  sp.chunksPerThread = std::max<int64_t>(1, sp.chunks / p.mmaThreads());
  sp.quadsPerRow = p.mmaStepK() / 4;
  sp.quadsPerThread = p.mmaTileM() * sp.quadsPerRow / p.mmaThreads();
  return sp;
}

/// Runs `body(i, r, c)` for chunk i of thread tid's share of the step's W
/// tile (row r of the tile, chunk c of the row), inside `if` the chunk
/// exists when the tile has fewer chunks than threads.
void forEachStepChunk(OpBuilder &b, Location loc, const Problem &p, Value tid,
                      function_ref<void(int64_t, Value, Value)> body) {
  MmaStepSplit sp = mmaStepSplit(p);
  for (int64_t i = 0; i < sp.chunksPerThread; ++i) {
    OpBuilder::InsertionGuard guard(b);
    Value idx = add(b, loc, tid, cIdx(b, loc, i * p.mmaThreads()));
    if (sp.chunks < p.mmaThreads()) {
      auto ifOp = scf::IfOp::create(b, loc, ltC(b, loc, idx, sp.chunks));
      b.setInsertionPointToStart(ifOp.thenBlock());
    }
    body(i, divC(b, loc, idx, sp.chunksPerRow),
         remC(b, loc, idx, sp.chunksPerRow));
  }
}

/// Runs `body(i, r, c4)` for quad i < perThread of thread tid in a tile of
/// `perRow` quads (4 elements) per row walked by all mmaThreads() threads in
/// turn: quad tid + i * threads at row r, element c4.
void forEachTileQuad(OpBuilder &b, Location loc, const Problem &p, Value tid,
                     int64_t perThread, int64_t perRow,
                     function_ref<void(int64_t, Value, Value)> body) {
  for (int64_t i = 0; i < perThread; ++i) {
    Value idx = add(b, loc, tid, cIdx(b, loc, i * p.mmaThreads()));
    body(i, divC(b, loc, idx, perRow),
         mul(b, loc, remC(b, loc, idx, perRow), 4));
  }
}

/// Thread tid's share (quadsPerThread vector<4xf32>) of the step's x tile
/// [mmaTileM(), stepK] from rows m0 (clamped to M - 1) and K offset k0,
/// appended to `v`: sixteen (stepK 64) or eight consecutive threads read one
/// row's contiguous bytes.
void loadXQuads(OpBuilder &b, Location loc, const Problem &p,
                const Operands &ops, const EmitOptions &opt, Value tid,
                Value m0, Value k0, SmallVectorImpl<Value> &v) {
  MmaStepSplit sp = mmaStepSplit(p);
  auto f4 = VectorType::get({4}, b.getF32Type());
  forEachTileQuad(
      b, loc, p, tid, sp.quadsPerThread, sp.quadsPerRow,
      [&](int64_t, Value r, Value c4) {
        Value row = minC(b, loc, add(b, loc, m0, r), p.m - 1);
        v.push_back(vload(b, loc, f4, ops.x, {row, add(b, loc, k0, c4)}, opt));
      });
}

/// f32 values rounded (to nearest even) to f16, or with mmaBf16 to bf16 and
/// reinterpreted as f16 bits (`type`: the f16 vector type).
Value roundToTile(OpBuilder &b, Location loc, const Problem &p, Value v,
                  VectorType type) {
  if (!p.mmaBf16)
    return arith::TruncFOp::create(b, loc, type, v);
  Value bf = arith::TruncFOp::create(b, loc, type.clone(b.getBF16Type()), v);
  return arith::BitcastOp::create(b, loc, type, bf);
}

/// Stores thread tid's `quads` (forEachTileQuad's order, `perRow` per row)
/// rounded to f16 into `tile`.
void storeTileQuads(OpBuilder &b, Location loc, const Problem &p,
                    const EmitOptions &opt, Value tid, ValueRange quads,
                    int64_t perRow, Value tile) {
  auto h4 = VectorType::get({4}, b.getF16Type());
  forEachTileQuad(
      b, loc, p, tid, quads.size(), perRow, [&](int64_t i, Value r, Value c4) {
        vector::StoreOp::create(b, loc, roundToTile(b, loc, p, quads[i], h4),
                                tile, ValueRange{r, c4}, /*nontemporal=*/false,
                                opt.alignedLoads ? llvm::MaybeAlign(8)
                                                 : llvm::MaybeAlign());
      });
}

/// Stores loadXQuads' values `quads` rounded to f16 into the x tile xs.
void storeXQuads(OpBuilder &b, Location loc, const Problem &p,
                 const EmitOptions &opt, Value tid, ValueRange quads,
                 Value xs) {
  MmaStepSplit sp = mmaStepSplit(p);
  storeTileQuads(b, loc, p, opt, tid, quads.take_front(sp.quadsPerThread),
                 sp.quadsPerRow, xs);
}
} // namespace

SmallVector<Value>
gpu_kernels::emitMmaLoadStep(OpBuilder &b, Location loc, const Problem &p,
                             const Operands &ops, const EmitOptions &opt,
                             Value tid, Value m0, Value n0, Value k0) {
  MmaStepSplit sp = mmaStepSplit(p);
  SmallVector<Value> v;
  auto i8v = VectorType::get({kChunkBytes}, b.getI8Type());
  for (int64_t i = 0; i < sp.chunksPerThread; ++i) {
    Value idx = remC(b, loc, add(b, loc, tid, cIdx(b, loc, i * p.mmaThreads())),
                     sp.chunks);
    Value r = divC(b, loc, idx, sp.chunksPerRow);
    Value c = remC(b, loc, idx, sp.chunksPerRow);
    Value n = minC(b, loc, add(b, loc, n0, r), p.n - 1);
    Value kc = add(b, loc, k0, mul(b, loc, c, p.chunkElems()));
    if (p.mmaPackedW() || p.mma8)
      v.push_back(vload(b, loc, i8v, ops.data,
                        {n, divC(b, loc, mul(b, loc, kc, p.bits), 8)}, opt));
    else
      llvm::append_range(v, emitLoadChunk(b, loc, p, ops, opt, n, kc));
  }
  if (p.mmaPackedW() && packedTable(p)) {
    // The scale (and zero point) of column n0 + tid at this step (threads
    // past the tile load a clamped column and do not store it).
    Value col = minC(b, loc, tid, p.mmaTileN() - 1);
    Value n = minC(b, loc, add(b, loc, n0, col), p.n - 1);
    auto [s, z] = emitLoadScale(b, loc, p, ops, n, k0);
    v.push_back(s);
    v.push_back(z ? z
                  : arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f)));
  }
  loadXQuads(b, loc, p, ops, opt, tid, m0, k0, v);
  return v;
}

namespace {
/// Packed W: thread tid's chunks of the step (raw codes, sign bits flipped
/// for signed codes) stored as 4 words per chunk, word t holding what lane
/// t of a fragment row needs: int4 bytes t, t + 4, t + 8, t + 12 of the
/// chunk (codes 2t, 2t + 1, 2t + 8, 2t + 9 of its two k16 steps), int8
/// halfwords t and t + 4 (codes 2t, 2t + 1, 2t + 8, 2t + 9 of its k16
/// step); then the dequantization words of column tid: f16x2 offsets
/// -(1024 + offset + z) (int4's high half -(64 + offset + z), its code
/// arrives times 16) and the scale (1 with one scale per row).
void emitMmaStorePackedW(OpBuilder &b, Location loc, const Problem &p,
                         Value tid, ValueRange loaded, Value ws) {
  MmaStepSplit sp = mmaStepSplit(p);
  Type i32 = b.getI32Type();
  auto c32 = [&](uint32_t v) { return i32Const(b, loc, v); };
  forEachStepChunk(b, loc, p, tid, [&](int64_t i, Value r, Value c) {
    Value words =
        vector::BitCastOp::create(b, loc, VectorType::get({4}, i32), loaded[i]);
    SmallVector<Value> w;
    for (int64_t j = 0; j < 4; ++j) {
      Value word = vector::ExtractOp::create(b, loc, words, j);
      if (p.isSigned)
        word = arith::XOrIOp::create(b, loc, word, c32(signFlipMask(p)));
      w.push_back(word);
    }
    SmallVector<Value> out;
    if (p.bits == 4) {
      // 4x4 byte transpose.
      Value t0 = permute(b, loc, c32(0x5140), w[0], w[1]);
      Value t1 = permute(b, loc, c32(0x7362), w[0], w[1]);
      Value t2 = permute(b, loc, c32(0x5140), w[2], w[3]);
      Value t3 = permute(b, loc, c32(0x7362), w[2], w[3]);
      out = {permute(b, loc, c32(0x5410), t0, t2),
             permute(b, loc, c32(0x7632), t0, t2),
             permute(b, loc, c32(0x5410), t1, t3),
             permute(b, loc, c32(0x7632), t1, t3)};
    } else {
      // Halfwords t and t + 4.
      out = {permute(b, loc, c32(0x5410), w[0], w[2]),
             permute(b, loc, c32(0x7632), w[0], w[2]),
             permute(b, loc, c32(0x5410), w[1], w[3]),
             permute(b, loc, c32(0x7632), w[1], w[3])};
    }
    Value vec =
        vector::FromElementsOp::create(b, loc, VectorType::get({4}, i32), out);
    vector::StoreOp::create(b, loc, vec, ws, ValueRange{r, mul(b, loc, c, 4)});
  });
  if (!packedTable(p))
    return;
  OpBuilder::InsertionGuard guard(b);
  if (p.mmaThreads() > p.mmaTileN()) {
    auto ifOp = scf::IfOp::create(b, loc, ltC(b, loc, tid, p.mmaTileN()));
    b.setInsertionPointToStart(ifOp.thenBlock());
  }
  Type f16 = b.getF16Type();
  int64_t base = sp.chunksPerThread;
  Value s = loaded[base], z = loaded[base + 1];
  auto f32c = [&](double v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  };
  auto pack = [&](Value lo, Value hi) -> Value {
    Value v = vector::FromElementsOp::create(
        b, loc, VectorType::get({2}, f16),
        ValueRange{arith::TruncFOp::create(b, loc, f16, lo),
                   arith::TruncFOp::create(b, loc, f16, hi)});
    return vector::ExtractOp::create(
        b, loc, vector::BitCastOp::create(b, loc, VectorType::get({1}, i32), v),
        0);
  };
  double off = static_cast<double>(codeOffset(p));
  Value lo = arith::SubFOp::create(b, loc, f32c(-1024.0 - off), z);
  Value hi =
      p.bits == 4 ? arith::SubFOp::create(b, loc, f32c(-64.0 - off), z) : lo;
  Value scale = p.mmaEndScale() ? f32c(1.0) : s;
  Value entry = vector::FromElementsOp::create(
      b, loc, VectorType::get({2}, i32),
      ValueRange{pack(lo, hi), pack(scale, scale)});
  Value at = mul(b, loc, tid, 2);
  vector::StoreOp::create(b, loc, entry, ws,
                          ValueRange{add(b, loc, cIdx(b, loc, p.mmaTileN()),
                                         divC(b, loc, at, p.mmaPackedPitch())),
                                     remC(b, loc, at, p.mmaPackedPitch())});
}
} // namespace

Value gpu_kernels::emitMmaElementToF32(OpBuilder &b, Location loc,
                                       const Problem &p, Value v) {
  if (p.mmaBf16)
    v = arith::BitcastOp::create(b, loc, b.getBF16Type(), v);
  return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
}

Value gpu_kernels::emitMmaTile(OpBuilder &b, Location loc, const Problem &p,
                               Value a, Value bFrag, Value acc) {
  if (!p.mmaBf16)
    return nvgpu::MmaSyncOp::create(b, loc, a, bFrag, acc,
                                    ArrayRef<int64_t>{16, 8, 16});
  // The fragments' 16-bit pairs as the 32-bit registers of
  // mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32.
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  auto words = [&](Value frag, int64_t n) {
    SmallVector<Value> out;
    for (int64_t i = 0; i < n; ++i) {
      Value pair = vector::ExtractOp::create(b, loc, frag, i);
      out.push_back(vector::ExtractOp::create(
          b, loc,
          vector::BitCastOp::create(b, loc, VectorType::get({1}, i32), pair),
          0));
    }
    return out;
  };
  SmallVector<Value> c;
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t e = 0; e < 2; ++e)
      c.push_back(
          vector::ExtractOp::create(b, loc, acc, ArrayRef<int64_t>{r, e}));
  Type result =
      LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
  Value d = NVVM::MmaOp::create(
      b, loc, result, words(a, 4), words(bFrag, 2), c,
      ArrayRef<int64_t>{16, 8, 16}, std::nullopt, std::nullopt,
      std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::bf16, NVVM::MMATypes::bf16},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  SmallVector<Value> elems;
  for (int64_t i = 0; i < 4; ++i)
    elems.push_back(LLVM::ExtractValueOp::create(b, loc, d, i));
  return vector::FromElementsOp::create(b, loc, acc.getType(), elems);
}

void gpu_kernels::emitMmaStoreStep(OpBuilder &b, Location loc, const Problem &p,
                                   const EmitOptions &opt, Value tid,
                                   ValueRange loaded, Value xs, Value ws) {
  Type f16 = b.getF16Type();
  MmaStepSplit sp = mmaStepSplit(p);
  int64_t per = p.mmaPackedW() ? 1 : chunkLoadValues(p);
  if (p.mmaPackedW())
    emitMmaStorePackedW(b, loc, p, tid, loaded, ws);
  // W: dequantized ((q - z) * s in f32), rounded to f16 and stored in k
  // order (int4/FP4: the low and high nibbles interleaved back into
  // elements 2j, 2j+1).
  if (!p.mmaPackedW())
    forEachStepChunk(b, loc, p, tid, [&](int64_t i, Value r, Value c) {
      SmallVector<Value> w =
          dequantChunk(b, loc, p, opt, loaded.slice(i * per, per));
      Value wk = w[0];
      if (w.size() == 2)
        wk = vector::ShuffleOp::create(b, loc, w[0], w[1], zipped(kChunkBytes));
      auto hType = VectorType::get({p.chunkElems()}, f16);
      Value wh = roundToTile(b, loc, p, wk, hType);
      vector::StoreOp::create(b, loc, wh, ws,
                              ValueRange{r, mul(b, loc, c, p.chunkElems())},
                              /*nontemporal=*/false, align(opt));
    });
  // x rounded to f16.
  int64_t xBase =
      sp.chunksPerThread * per + (p.mmaPackedW() && packedTable(p) ? 2 : 0);
  storeXQuads(b, loc, p, opt, tid, loaded.drop_front(xBase), xs);
}

void gpu_kernels::emitMmaLoadTile(OpBuilder &b, Location loc, const Problem &p,
                                  const Operands &ops, const EmitOptions &opt,
                                  Value tid, Value m0, Value n0, Value k0,
                                  Value xs, Value ws) {
  SmallVector<Value> loaded =
      emitMmaLoadStep(b, loc, p, ops, opt, tid, m0, n0, k0);
  emitMmaStoreStep(b, loc, p, opt, tid, loaded, xs, ws);
}

namespace {
/// Warp (m, n) offsets in the block tile and the lane's g = lane / 4,
/// t = lane % 4.
struct MmaLane {
  Value wm, wn, g, t;
};
MmaLane mmaLane(OpBuilder &b, Location loc, const Problem &p, Value tid) {
  Value warp = divC(b, loc, tid, kWarp);
  Value lane = remC(b, loc, tid, kWarp);
  int64_t warpsN = p.mmaTileN() / p.mmaWarpN();
  return {mul(b, loc, divC(b, loc, warp, warpsN), p.mmaTilesM() * 16),
          mul(b, loc, remC(b, loc, warp, warpsN), p.mmaWarpN()),
          divC(b, loc, lane, 4), remC(b, loc, lane, 4)};
}
} // namespace

namespace {
/// One 32-bit fragment register from a shared tile: the E consecutive
/// elements (two f16 or four s8) of `mem` at [row, E t + col].
Value loadRegister(OpBuilder &b, Location loc, const EmitOptions &opt,
                   Value mem, Value row, Value t, int64_t col) {
  Type e = cast<MemRefType>(mem.getType()).getElementType();
  int64_t n = 32 / e.getIntOrFloatBitWidth();
  Value c = add(b, loc, mul(b, loc, t, n), cIdx(b, loc, col));
  return vector::LoadOp::create(
      b, loc, VectorType::get({n}, e), mem, ValueRange{row, c},
      /*nontemporal=*/false,
      opt.alignedLoads ? llvm::MaybeAlign(4) : llvm::MaybeAlign());
}

/// The K offset of a fragment's second half of registers in `tile`: 4
/// registers' worth of elements (8 f16, 16 s8).
int64_t halfStep(Value tile) {
  Type e = cast<MemRefType>(tile.getType()).getElementType();
  return 4 * (32 / e.getIntOrFloatBitWidth());
}

/// An mma operand vector<N x E x T> from its N registers (vector<E x T>
/// each: f16 pairs, s8 quadruples).
Value buildFragment(OpBuilder &b, Location loc, ArrayRef<Value> regs) {
  auto reg = cast<VectorType>(regs.front().getType());
  auto type =
      VectorType::get({static_cast<int64_t>(regs.size()), reg.getNumElements()},
                      reg.getElementType());
  Value v = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(type, b.getZeroAttr(reg.getElementType())));
  for (auto [i, r] : llvm::enumerate(regs))
    v = vector::InsertOp::create(b, loc, r, v, static_cast<int64_t>(i));
  return v;
}
} // namespace

namespace {
/// ldmatrix.x4 of four 8x8 f16 matrices: lane group q (lanes 8q..8q+7)
/// gives the row addresses of matrix q, rows `rows[q] + lane % 8` at
/// column `cols[q]`; lane l receives row l / 4, columns 2 (l % 4) and +1
/// of each matrix, in matrix order. On the host (opt.host, the reference
/// kernels) the same addressing is replayed: row i of lane l's result is
/// read at the address lane 8 i + l / 4 would give, plus 2 (l % 4).
Value ldmatrix4(OpBuilder &b, Location loc, const EmitOptions &opt, Value tid,
                Value mem, std::array<Value, 4> rows,
                std::array<int64_t, 4> cols) {
  // The (row, column) address lane `lane` gives: rows[q] + lane % 8 and
  // cols[q] of its matrix q = lane / 8 (uniform per group of 8 lanes).
  auto address = [&](Value lane) -> std::pair<Value, Value> {
    Value q = divC(b, loc, lane, 8), r = remC(b, loc, lane, 8);
    Value row = rows[3], col = cIdx(b, loc, cols[3]);
    for (int i = 2; i >= 0; --i) {
      Value isI = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, q,
                                        cIdx(b, loc, i));
      row = arith::SelectOp::create(b, loc, isI, rows[i], row);
      col = arith::SelectOp::create(b, loc, isI, cIdx(b, loc, cols[i]), col);
    }
    return {add(b, loc, row, r), col};
  };
  Value lane = remC(b, loc, tid, kWarp);
  auto type = VectorType::get({4, 2}, b.getF16Type());
  if (!opt.host) {
    auto [row, col] = address(lane);
    return nvgpu::LdMatrixOp::create(b, loc, type, mem, ValueRange{row, col},
                                     /*transpose=*/false, /*numTiles=*/4);
  }
  Value quad = divC(b, loc, lane, 4),
        pair = mul(b, loc, remC(b, loc, lane, 4), 2);
  SmallVector<Value> pairs;
  for (int64_t i = 0; i < 4; ++i) {
    auto [row, col] = address(add(b, loc, quad, cIdx(b, loc, 8 * i)));
    pairs.push_back(
        vector::LoadOp::create(b, loc, VectorType::get({2}, b.getF16Type()),
                               mem, ValueRange{row, add(b, loc, col, pair)}));
  }
  return buildFragment(b, loc, pairs);
}
} // namespace

Value gpu_kernels::emitMmaFragmentA(OpBuilder &b, Location loc,
                                    const Problem &p, const EmitOptions &opt,
                                    Value tid, Value xs, int64_t kk,
                                    int64_t mi) {
  MmaLane l = mmaLane(b, loc, p, tid);
  if (opt.ldmatrix) {
    // a0a1: rows 0-7, a2a3: rows 8-15 at column kk; a4a5, a6a7 at kk + 8.
    Value base = add(b, loc, l.wm, cIdx(b, loc, mi * 16));
    Value base8 = add(b, loc, base, cIdx(b, loc, 8));
    return ldmatrix4(b, loc, opt, tid, xs, {base, base8, base, base8},
                     {kk, kk, kk + 8, kk + 8});
  }
  Value row = add(b, loc, add(b, loc, l.wm, cIdx(b, loc, mi * 16)), l.g);
  Value row8 = add(b, loc, row, cIdx(b, loc, 8));
  // Registers (g, kk), (g + 8, kk), (g, kk + h), (g + 8, kk + h): h = 8 for
  // f16 (a0a1 .. a6a7 at 2t + ...), 16 for s8 (at 4t + ...).
  int64_t h = halfStep(xs);
  return buildFragment(b, loc,
                       {loadRegister(b, loc, opt, xs, row, l.t, kk),
                        loadRegister(b, loc, opt, xs, row8, l.t, kk),
                        loadRegister(b, loc, opt, xs, row, l.t, kk + h),
                        loadRegister(b, loc, opt, xs, row8, l.t, kk + h)});
}

Value gpu_kernels::emitMmaFragmentB(OpBuilder &b, Location loc,
                                    const Problem &p, const EmitOptions &opt,
                                    Value tid, Value ws, int64_t kk,
                                    int64_t ni) {
  MmaLane l = mmaLane(b, loc, p, tid);
  // (k = kk + E t, n = g), (k = kk + h + E t, n = g); ws is [n][k].
  Value row = add(b, loc, add(b, loc, l.wn, cIdx(b, loc, ni * 8)), l.g);
  return buildFragment(
      b, loc,
      {loadRegister(b, loc, opt, ws, row, l.t, kk),
       loadRegister(b, loc, opt, ws, row, l.t, kk + halfStep(ws))});
}

Value gpu_kernels::emitMmaPackedFragmentB(OpBuilder &b, Location loc,
                                          const Problem &p,
                                          const EmitOptions &opt, Value tid,
                                          Value ws, int64_t kk, int64_t ni) {
  MmaLane l = mmaLane(b, loc, p, tid);
  Type i32 = b.getI32Type(), f16 = b.getF16Type();
  auto h2 = VectorType::get({2}, f16);
  auto c32 = [&](uint32_t v) { return i32Const(b, loc, v); };
  auto halves = [&](Value word) { return wordAs(b, loc, h2, word); };
  auto h2Const = [&](double lo, double hi) -> Value {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(h2, ArrayRef<Attribute>{b.getF16FloatAttr(lo),
                                                       b.getF16FloatAttr(hi)}));
  };
  // Row of the tile (column of the output) and the lane's code word.
  Value row = add(b, loc, add(b, loc, l.wn, cIdx(b, loc, ni * 8)), l.g);
  int64_t unit = kk / p.chunkElems();
  Value word = memref::LoadOp::create(
      b, loc, ws, ValueRange{row, add(b, loc, cIdx(b, loc, 4 * unit), l.t)});
  double off = static_cast<double>(codeOffset(p));
  Value offsets, scale;
  if (packedTable(p)) {
    Value at = mul(b, loc, row, 2);
    Value entry = vector::LoadOp::create(
        b, loc, VectorType::get({2}, i32), ws,
        ValueRange{add(b, loc, cIdx(b, loc, p.mmaTileN()),
                       divC(b, loc, at, p.mmaPackedPitch())),
                   remC(b, loc, at, p.mmaPackedPitch())},
        /*nontemporal=*/false,
        opt.alignedLoads ? llvm::MaybeAlign(8) : llvm::MaybeAlign());
    offsets = halves(vector::ExtractOp::create(b, loc, entry, 0));
    scale = halves(vector::ExtractOp::create(b, loc, entry, 1));
  } else {
    offsets = h2Const(-1024.0 - off, p.bits == 4 ? -64.0 - off : -1024.0 - off);
  }
  SmallVector<Value> pairs;
  for (int64_t j = 0; j < 2; ++j) {
    Value h;
    if (p.bits == 4) {
      // Byte (kk % 32) / 8 + j of the word in bytes 0 and 2; its low nibble
      // in the mantissa of 1024 and its high nibble times 16 in the other.
      uint32_t byte = static_cast<uint32_t>((kk % 32) / 8 + j);
      Value t = permute(b, loc, c32(byte | 0x40u | byte << 8 | 0x4000u), word,
                        c32(0));
      t = arith::OrIOp::create(
          b, loc, arith::AndIOp::create(b, loc, t, c32(0x00F0000Fu)),
          c32(0x64006400u));
      h = vector::FMAOp::create(b, loc, halves(t), h2Const(1.0, 1.0 / 16),
                                offsets);
    } else {
      // Halfword j: two codes in the mantissas of 1024.
      Value t = permute(b, loc, c32(j == 0 ? 0x4140u : 0x4342u), word,
                        c32(0x64646464u));
      h = arith::AddFOp::create(b, loc, halves(t), offsets);
    }
    if (!p.mmaEndScale())
      h = arith::MulFOp::create(b, loc, h, scale);
    pairs.push_back(h);
  }
  return buildFragment(b, loc, pairs);
}

std::pair<Value, Value>
gpu_kernels::emitMmaFragmentBPair(OpBuilder &b, Location loc, const Problem &p,
                                  const EmitOptions &opt, Value tid, Value ws,
                                  int64_t kk, int64_t ni) {
  if (!opt.ldmatrix)
    return {emitMmaFragmentB(b, loc, p, opt, tid, ws, kk, ni),
            emitMmaFragmentB(b, loc, p, opt, tid, ws, kk, ni + 1)};
  // Matrices: (ni, kk), (ni, kk + 8), (ni + 1, kk), (ni + 1, kk + 8); rows
  // of ws are n, so each gives b0b1 / b2b3 of one n8 tile.
  MmaLane l = mmaLane(b, loc, p, tid);
  Value n0 = add(b, loc, l.wn, cIdx(b, loc, ni * 8));
  Value n1 = add(b, loc, n0, cIdx(b, loc, 8));
  Value v = ldmatrix4(b, loc, opt, tid, ws, {n0, n0, n1, n1},
                      {kk, kk + 8, kk, kk + 8});
  auto row = [&](int64_t i) -> Value {
    return vector::ExtractOp::create(b, loc, v, i);
  };
  return {buildFragment(b, loc, {row(0), row(1)}),
          buildFragment(b, loc, {row(2), row(3)})};
}

void gpu_kernels::emitMmaStore(
    OpBuilder &b, Location loc, const Problem &p, const Operands &ops,
    Value tid, Value m0, Value n0,
    function_ref<Value(int64_t a, int64_t r, int64_t e)> acc) {
  MmaLane l = mmaLane(b, loc, p, tid);
  // The 2:4 GEMM's tiles are of y^T: rows are features, columns rows of x.
  Value rowBase = add(b, loc, add(b, loc, p.mmaSparse ? n0 : m0, l.wm), l.g);
  Value colBase = add(b, loc, add(b, loc, p.mmaSparse ? m0 : n0, l.wn),
                      mul(b, loc, l.t, 2));
  // Packed W with one scale per row, and the 2:4 GEMM's integer codes: the
  // tiles held exact codes, the scale of each output's row of W multiplies
  // it.
  bool endScale =
      (p.mmaPackedW() && p.mmaEndScale()) || (p.mmaSparse && p.bits);
  // One load per row of W the lane stores (clamped to N - 1), keyed by its
  // offset from the lane's first: columns of the tile, or rows with
  // mmaSparse.
  Value featureBase = p.mmaSparse ? rowBase : colBase;
  llvm::SmallDenseMap<int64_t, Value> scales;
  auto scaleOf = [&](int64_t offset) -> Value {
    Value &s = scales[offset];
    if (!s)
      s = emitLoadScale(b, loc, p, ops,
                        minC(b, loc,
                             add(b, loc, featureBase, cIdx(b, loc, offset)),
                             p.n - 1),
                        cIdx(b, loc, 0))
              .first;
    return s;
  };
  for (int64_t mi = 0; mi < p.mmaTilesM(); ++mi)
    for (int64_t ni = 0; ni < p.mmaTilesN(); ++ni)
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t e = 0; e < 2; ++e) {
          Value m = add(b, loc, rowBase, cIdx(b, loc, mi * 16 + r * 8));
          Value n = add(b, loc, colBase, cIdx(b, loc, ni * 8 + e));
          Value scale;
          if (endScale)
            scale = scaleOf(p.mmaSparse ? mi * 16 + r * 8 : ni * 8 + e);
          if (p.mmaSparse)
            std::swap(m, n);
          Value ok = arith::AndIOp::create(b, loc, ltC(b, loc, m, p.m),
                                           ltC(b, loc, n, p.n));
          auto ifOp = scf::IfOp::create(b, loc, ok);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(ifOp.thenBlock());
          Value v = acc(mi * p.mmaTilesN() + ni, r, e);
          if (scale)
            v = arith::MulFOp::create(b, loc, v, scale);
          memref::StoreOp::create(b, loc, v, ops.y, ValueRange{m, n});
        }
}

//===----------------------------------------------------------------------===//
// 2:4 sparse tensor-core GEMM
//===----------------------------------------------------------------------===//

namespace {
/// Stored values per row of the 2:4 GEMM's value tile per K step (K / 2),
/// and the vector<4xf32> of the step per thread.
int64_t mmaSpValues(const Problem &p) { return p.mmaStepK() / 2; }
int64_t mmaSpQuadsPerThread(const Problem &p) {
  return kMmaSpTile * mmaSpValues(p) / 4 / p.mmaThreads();
}
} // namespace

SmallVector<Value>
gpu_kernels::emitMmaSpLoadStep(OpBuilder &b, Location loc, const Problem &p,
                               const Operands &ops, const EmitOptions &opt,
                               Value tid, Value m0, Value n0, Value k0) {
  SmallVector<Value> v;
  auto f4 = VectorType::get({4}, b.getF32Type());
  Value kv0 = divC(b, loc, k0, 2);
  if (p.bits) {
    // Integer codes: thread tid takes 16 stored values (8 or 16 bytes) of
    // row tid / 2, and that row's zero point.
    Value n = minC(b, loc, add(b, loc, n0, divC(b, loc, tid, 2)), p.n - 1);
    Value i = add(b, loc, kv0, mul(b, loc, remC(b, loc, tid, 2), 16));
    v.push_back(vector::LoadOp::create(
        b, loc, VectorType::get({2 * p.bits}, b.getI8Type()), ops.data,
        ValueRange{n, divC(b, loc, mul(b, loc, i, p.bits), 8)},
        /*nontemporal=*/false,
        opt.alignedLoads ? llvm::MaybeAlign(2 * p.bits) : llvm::MaybeAlign()));
    if (p.hasZeroPoints)
      v.push_back(emitLoadScale(b, loc, p, ops, n, cIdx(b, loc, 0)).second);
  }
  // f32 values: eight consecutive threads read a row's 128 bytes.
  if (!p.bits)
    forEachTileQuad(b, loc, p, tid, mmaSpQuadsPerThread(p), mmaSpValues(p) / 4,
                    [&](int64_t, Value r, Value c4) {
                      Value n = minC(b, loc, add(b, loc, n0, r), p.n - 1);
                      v.push_back(vload(b, loc, f4, ops.data,
                                        {n, add(b, loc, kv0, c4)}, opt));
                    });
  // The step's 64 position bits of row tid % kMmaSpTile (8-byte aligned: K
  // is a multiple of 64).
  Value n =
      minC(b, loc, add(b, loc, n0, remC(b, loc, tid, kMmaSpTile)), p.n - 1);
  v.push_back(vector::LoadOp::create(
      b, loc, VectorType::get({8}, b.getI8Type()), ops.indices,
      ValueRange{n, divC(b, loc, k0, 8)}, /*nontemporal=*/false,
      opt.alignedLoads ? llvm::MaybeAlign(8) : llvm::MaybeAlign()));
  loadXQuads(b, loc, p, ops, opt, tid, m0, k0, v);
  return v;
}

void gpu_kernels::emitMmaSpStoreStep(OpBuilder &b, Location loc,
                                     const Problem &p, const EmitOptions &opt,
                                     Value tid, ValueRange loaded, Value xs,
                                     Value ws, Value meta) {
  auto align8 = opt.alignedLoads ? llvm::MaybeAlign(8) : llvm::MaybeAlign();
  // Values loaded per thread before the positions: f32 quads, or codes (and
  // a zero point).
  int64_t quads = p.bits ? (p.hasZeroPoints ? 2 : 1) : mmaSpQuadsPerThread(p);
  if (p.bits) {
    // q - z, exact in f16 (|q - z| <= 255).
    Value w = decodeNmCodes(b, loc, p, loaded[0],
                            p.hasZeroPoints ? loaded[1] : Value());
    vector::StoreOp::create(
        b, loc,
        arith::TruncFOp::create(b, loc, VectorType::get({16}, b.getF16Type()),
                                w),
        ws,
        ValueRange{divC(b, loc, tid, 2), mul(b, loc, remC(b, loc, tid, 2), 16)},
        /*nontemporal=*/false,
        opt.alignedLoads ? llvm::MaybeAlign(16) : llvm::MaybeAlign());
  } else
    storeTileQuads(b, loc, p, opt, tid, loaded.take_front(quads),
                   mmaSpValues(p) / 4, ws);
  {
    OpBuilder::InsertionGuard guard(b);
    auto ifOp = scf::IfOp::create(b, loc, ltC(b, loc, tid, kMmaSpTile));
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value words = vector::BitCastOp::create(
        b, loc, VectorType::get({4}, b.getI16Type()), loaded[quads]);
    vector::StoreOp::create(b, loc, words, meta,
                            ValueRange{tid, cIdx(b, loc, 0)},
                            /*nontemporal=*/false, align8);
  }
  storeXQuads(b, loc, p, opt, tid, loaded.drop_front(quads + 1), xs);
}

Value gpu_kernels::emitMmaSpMetadata(OpBuilder &b, Location loc,
                                     const Problem &p, Value tid, Value meta,
                                     int64_t kk, int64_t mi) {
  MmaLane l = mmaLane(b, loc, p, tid);
  Value row = add(b, loc, add(b, loc, l.wm, cIdx(b, loc, mi * 16)), l.g);
  Value col = add(b, loc, remC(b, loc, l.t, 2), cIdx(b, loc, kk / 16));
  Value lo = memref::LoadOp::create(b, loc, meta, ValueRange{row, col});
  Value hi = memref::LoadOp::create(
      b, loc, meta, ValueRange{add(b, loc, row, cIdx(b, loc, 8)), col});
  return vector::FromElementsOp::create(
      b, loc, VectorType::get({2}, b.getI16Type()), ValueRange{lo, hi});
}

Value gpu_kernels::emitMmaSpFragmentB(OpBuilder &b, Location loc,
                                      const Problem &p, const EmitOptions &opt,
                                      Value tid, Value xs, int64_t kk,
                                      int64_t ni) {
  SmallVector<Value> regs;
  for (int64_t h = 0; h < 2; ++h) {
    Value f = emitMmaFragmentB(b, loc, p, opt, tid, xs, kk + 16 * h, ni);
    for (int64_t i = 0; i < 2; ++i)
      regs.push_back(vector::ExtractOp::create(b, loc, f, i));
  }
  return buildFragment(b, loc, regs);
}

//===----------------------------------------------------------------------===//
// GEMV on int8 tensor cores (gemv-mma)
//===----------------------------------------------------------------------===//

int64_t gpu_kernels::gemvMmaCodeOffset(const Problem &p) {
  return p.bits == 4 ? (p.isSigned ? -8 : 0) : (p.isSigned ? 0 : 128);
}

SmallVector<Value> gpu_kernels::emitGemvMmaCodeWords(OpBuilder &b, Location loc,
                                                     const Problem &p,
                                                     Value raw) {
  auto w4 = VectorType::get({4}, b.getI32Type());
  Value words = vector::BitCastOp::create(b, loc, w4, raw);
  SmallVector<Value> out;
  for (int64_t j = 0; j < 4; ++j) {
    Value w = vector::ExtractOp::create(b, loc, words, j);
    if (p.bits == 4) {
      // Offset binary (q + 8, 0..15): the even elements, then the odd ones.
      auto [lo, hi] = offsetBinaryNibbles(b, loc, p, w);
      out.push_back(lo);
      out.push_back(hi);
    } else {
      // Unsigned bytes to s8 as q - 128.
      if (!p.isSigned)
        w = arith::XOrIOp::create(b, loc, w, i32Const(b, loc, 0x80808080u));
      out.push_back(w);
    }
  }
  return out;
}

SmallVector<Value> gpu_kernels::emitGemvMmaXWords(OpBuilder &b, Location loc,
                                                  const Problem &p, Value xq,
                                                  Value row, Value k0,
                                                  Value valid) {
  int64_t elems = p.chunkElems();
  auto i8v = VectorType::get({elems}, b.getI8Type());
  auto wv = VectorType::get({elems / 4}, b.getI32Type());
  Value r = minC(b, loc, row, p.m - 1);
  Value words = vector::BitCastOp::create(
      b, loc, wv,
      vector::LoadOp::create(b, loc, i8v, xq,
                             ValueRange{r, emitXqColumn(b, loc, p, k0)}));
  Value zero = i32Const(b, loc, 0);
  SmallVector<Value> out;
  for (int64_t j = 0; j < elems / 4; ++j)
    out.push_back(arith::SelectOp::create(
        b, loc, valid, vector::ExtractOp::create(b, loc, words, j), zero));
  return out;
}

Value gpu_kernels::emitGemvMmaFragment(OpBuilder &b, Location loc,
                                       ArrayRef<Value> words) {
  auto type =
      VectorType::get({static_cast<int64_t>(words.size()), 4}, b.getI8Type());
  auto b4 = VectorType::get({4}, b.getI8Type());
  Value v = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, b.getI8IntegerAttr(0)));
  for (auto [i, w] : llvm::enumerate(words))
    v = vector::InsertOp::create(b, loc, wordAs(b, loc, b4, w), v,
                                 static_cast<int64_t>(i));
  return v;
}

//===----------------------------------------------------------------------===//
// AMD matrix-core GEMM (mfma)
//===----------------------------------------------------------------------===//

gpu_kernels::MfmaLane gpu_kernels::emitMfmaLane(OpBuilder &b, Location loc,
                                                Value tid) {
  Value wave = divC(b, loc, tid, kMfmaWave);
  MfmaLane l;
  l.lane = remC(b, loc, tid, kMfmaWave);
  l.wm = mul(b, loc, divC(b, loc, wave, 2), kMfmaTile / 2);
  l.wn = mul(b, loc, remC(b, loc, wave, 2), kMfmaTile / 2);
  return l;
}

Value gpu_kernels::emitMfmaFragment(OpBuilder &b, Location loc,
                                    const EmitOptions &opt, Value tile,
                                    Value rowBase, Value lane, int64_t kk) {
  // Row rowBase + lane % 16, elements kk + 4 (lane / 16) .. + 3.
  Value row = add(b, loc, rowBase, remC(b, loc, lane, 16));
  Value col =
      add(b, loc, cIdx(b, loc, kk), mul(b, loc, divC(b, loc, lane, 16), 4));
  return vector::LoadOp::create(
      b, loc, VectorType::get({4}, b.getF16Type()), tile, ValueRange{row, col},
      /*nontemporal=*/false,
      opt.alignedLoads ? llvm::MaybeAlign(8) : llvm::MaybeAlign());
}

void gpu_kernels::emitMfmaStore(
    OpBuilder &b, Location loc, const Problem &p, const Operands &ops,
    const MfmaLane &l, Value m0, Value n0,
    function_ref<Value(int64_t tile, int64_t e)> acc) {
  // Element e of tile (mi, ni): row 4 (lane / 16) + e, column lane % 16.
  Value rowBase = add(b, loc, add(b, loc, m0, l.wm),
                      mul(b, loc, divC(b, loc, l.lane, 16), 4));
  Value colBase = add(b, loc, add(b, loc, n0, l.wn), remC(b, loc, l.lane, 16));
  for (int64_t mi = 0; mi < 2; ++mi)
    for (int64_t ni = 0; ni < 2; ++ni)
      for (int64_t e = 0; e < 4; ++e) {
        Value m = add(b, loc, rowBase, cIdx(b, loc, mi * 16 + e));
        Value n = add(b, loc, colBase, cIdx(b, loc, ni * 16));
        Value ok = arith::AndIOp::create(b, loc, ltC(b, loc, m, p.m),
                                         ltC(b, loc, n, p.n));
        auto ifOp = scf::IfOp::create(b, loc, ok);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        memref::StoreOp::create(b, loc, acc(mi * 2 + ni, e), ops.y,
                                ValueRange{m, n});
      }
}

//===----------------------------------------------------------------------===//
// Int8 tensor-core GEMM (mma8)
//===----------------------------------------------------------------------===//

namespace {
/// off of the s8 codes c = q - off.
int64_t mma8Offset(const Problem &p) {
  return p.isSigned ? 0 : (p.bits == 8 ? 128 : 8);
}
} // namespace

void gpu_kernels::emitMma8RowMax(OpBuilder &b, Location loc, const Problem &p,
                                 const Operands &ops, Value tid,
                                 int64_t threads, Value m0, Value xmax) {
  int64_t warps = threads / kWarp;
  Value warp = divC(b, loc, tid, kWarp), lane = remC(b, loc, tid, kWarp);
  auto f4 = VectorType::get({4}, b.getF32Type());
  Value zero = i32Const(b, loc, 0);
  for (int64_t i = 0; i * warps < p.mmaTileM(); ++i) {
    OpBuilder::InsertionGuard guard(b);
    Value r = add(b, loc, warp, cIdx(b, loc, i * warps));
    if ((i + 1) * warps > p.mmaTileM()) {
      auto ifOp = scf::IfOp::create(b, loc, ltC(b, loc, r, p.mmaTileM()));
      b.setInsertionPointToStart(ifOp.thenBlock());
    }
    Value row = minC(b, loc, add(b, loc, m0, r), p.m - 1);
    auto loop = scf::ForOp::create(b, loc, lane, cIdx(b, loc, p.k / 4),
                                   cIdx(b, loc, kWarp), ValueRange{zero});
    {
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(loop.getBody());
      Value v = vector::LoadOp::create(
          b, loc, f4, ops.x,
          ValueRange{row, mul(b, loc, loop.getInductionVar(), 4)});
      scf::YieldOp::create(
          b, loc,
          ValueRange{arith::MaxSIOp::create(b, loc, absBitsMax(b, loc, v),
                                            loop.getRegionIterArgs()[0])});
    }
    memref::AtomicRMWOp::create(b, loc, arith::AtomicRMWKind::maxs,
                                loop.getResult(0), xmax, ValueRange{r});
  }
}

void gpu_kernels::emitMma8StoreStep(OpBuilder &b, Location loc,
                                    const Problem &p, const EmitOptions &opt,
                                    Value tid, ValueRange loaded, Value xs,
                                    Value ws, Value xmax, Value xsum) {
  MmaStepSplit sp = mmaStepSplit(p);
  Type i8 = b.getI8Type();
  auto i8v = [&](int64_t n) { return VectorType::get({n}, i8); };
  auto splat8 = [&](int64_t n, int64_t v) -> Value {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(i8v(n), b.getI8IntegerAttr(v)));
  };
  // W: the chunk's codes as s8 in k order (c = q - off).
  forEachStepChunk(b, loc, p, tid, [&](int64_t i, Value r, Value c) {
    Value raw = loaded[i];
    Value codes;
    if (p.bits == 8) {
      codes = p.isSigned ? raw
                         : arith::XOrIOp::create(b, loc, raw,
                                                 splat8(kChunkBytes, -128));
    } else {
      // Nibbles (element 2j low, 2j + 1 high) as offset binary u = q + 8
      // (signed: sign bit flipped; unsigned: as stored minus 8 below), then
      // c = u - 8 interleaved into k order.
      Value lo = arith::AndIOp::create(b, loc, raw, splat8(kChunkBytes, 0x0F));
      Value hi = arith::AndIOp::create(
          b, loc, arith::ShRUIOp::create(b, loc, raw, splat8(kChunkBytes, 4)),
          splat8(kChunkBytes, 0x0F));
      if (p.isSigned) {
        lo = arith::XOrIOp::create(b, loc, lo, splat8(kChunkBytes, 8));
        hi = arith::XOrIOp::create(b, loc, hi, splat8(kChunkBytes, 8));
      }
      codes = arith::SubIOp::create(
          b, loc,
          vector::ShuffleOp::create(b, loc, lo, hi, zipped(kChunkBytes)),
          splat8(2 * kChunkBytes, 8));
    }
    vector::StoreOp::create(b, loc, codes, ws,
                            ValueRange{r, mul(b, loc, c, p.chunkElems())},
                            /*nontemporal=*/false, align(opt));
  });
  // x: xq = clamp(rint(x / a), -127, 127) of the row's a, stored as 4
  // bytes; the quad's code sum into xsum.
  XSource rows{Value(), Value(), Value(), xmax};
  int64_t xBase = sp.chunksPerThread;
  for (int64_t i = 0; i < sp.quadsPerThread; ++i) {
    Value idx = add(b, loc, tid, cIdx(b, loc, i * p.mmaThreads()));
    Value r = divC(b, loc, idx, sp.quadsPerRow);
    Value c4 = mul(b, loc, remC(b, loc, idx, sp.quadsPerRow), 4);
    Value q =
        quantizeQuad(b, loc, loaded[xBase + i], emitRowScale(b, loc, rows, r));
    vector::StoreOp::create(b, loc, arith::TruncIOp::create(b, loc, i8v(4), q),
                            xs, ValueRange{r, c4}, /*nontemporal=*/false,
                            opt.alignedLoads ? llvm::MaybeAlign(4)
                                             : llvm::MaybeAlign());
    memref::AtomicRMWOp::create(
        b, loc, arith::AtomicRMWKind::addi,
        vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, q),
        xsum, ValueRange{r});
  }
}

void gpu_kernels::emitMma8Store(
    OpBuilder &b, Location loc, const Problem &p, const Operands &ops,
    Value tid, Value m0, Value n0, Value xmax, Value xsum,
    function_ref<Value(int64_t a, int64_t r, int64_t e)> acc) {
  MmaLane l = mmaLane(b, loc, p, tid);
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  Value rowBase = add(b, loc, l.wm, l.g); // In the block.
  Value colBase = add(b, loc, add(b, loc, n0, l.wn), mul(b, loc, l.t, 2));
  XSource rows{Value(), Value(), Value(), xmax};
  // Per column of the lane: s and off - z.
  SmallVector<Value> colScale, colCorr;
  for (int64_t ni = 0; ni < p.mmaTilesN(); ++ni)
    for (int64_t e = 0; e < 2; ++e) {
      Value n =
          minC(b, loc, add(b, loc, colBase, cIdx(b, loc, ni * 8 + e)), p.n - 1);
      auto [s, z] = emitLoadScale(b, loc, p, ops, n, cIdx(b, loc, 0));
      colScale.push_back(s);
      Value corr = i32Const(b, loc, uint32_t(mma8Offset(p)));
      if (z)
        corr = arith::SubIOp::create(b, loc, corr,
                                     arith::FPToSIOp::create(b, loc, i32, z));
      colCorr.push_back(corr);
    }
  // Per row of the lane (clamped to the block): the code sum and a.
  SmallVector<Value> rowSum, rowScale;
  for (int64_t mi = 0; mi < p.mmaTilesM(); ++mi)
    for (int64_t r = 0; r < 2; ++r) {
      Value local =
          minC(b, loc, add(b, loc, rowBase, cIdx(b, loc, mi * 16 + r * 8)),
               p.mmaTileM() - 1);
      rowSum.push_back(memref::LoadOp::create(b, loc, xsum, ValueRange{local}));
      rowScale.push_back(emitRowScale(b, loc, rows, local));
    }
  emitMmaStore(b, loc, p, ops, tid, m0, n0,
               [&](int64_t a, int64_t r, int64_t e) -> Value {
                 int64_t mi = a / p.mmaTilesN(), ni = a % p.mmaTilesN();
                 // Exact in int32, then one conversion and two multiplies.
                 Value total = arith::AddIOp::create(
                     b, loc, acc(a, r, e),
                     arith::MulIOp::create(b, loc, colCorr[ni * 2 + e],
                                           rowSum[mi * 2 + r]));
                 return arith::MulFOp::create(
                     b, loc,
                     arith::MulFOp::create(
                         b, loc, arith::SIToFPOp::create(b, loc, f32, total),
                         rowScale[mi * 2 + r]),
                     colScale[ni * 2 + e]);
               });
}

//===----------------------------------------------------------------------===//
// N:M GEMV
//===----------------------------------------------------------------------===//

SmallVector<Value>
gpu_kernels::emitNmLanePartials(OpBuilder &b, Location loc, const Problem &p,
                                const Operands &ops, const EmitOptions &opt,
                                Value n, Value lane, Value xs) {
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  auto f4 = VectorType::get({4}, f32);
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  SmallVector<Value> init(p.m, zero);
  // Integer codes: the row's scale (applied to the sums) and zero point.
  Value scale, zp;
  if (p.bits)
    std::tie(scale, zp) = emitLoadScale(b, loc, p, ops, n, cIdx(b, loc, 0));
  auto loop = scf::ForOp::create(b, loc, lane, cIdx(b, loc, p.nmKv() / 4),
                                 cIdx(b, loc, kWarp), init);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value c = loop.getInductionVar();
  SmallVector<Value> sums(loop.getRegionIterArgs());
  // Stored values 4c .. 4c + 3: f32, or 4 / 2 bytes of 8- / 4-bit codes as
  // q - z.
  Value v =
      p.bits ? decodeNmCodes(
                   b, loc, p,
                   vector::LoadOp::create(
                       b, loc, VectorType::get({p.bits / 2}, b.getI8Type()),
                       ops.data, ValueRange{n, mul(b, loc, c, p.bits / 2)}),
                   zp)
             : Value(vector::LoadOp::create(b, loc, f4, ops.data,
                                            ValueRange{n, mul(b, loc, c, 4)},
                                            /*nontemporal=*/false, align(opt)));
  // The 4 * nmBits() position bits of values 4c .. 4c + 3: one byte (nmBits
  // 2), half a byte (1) or two bytes (4), little-endian.
  auto byteAt = [&](Value idx) -> Value {
    Value raw = memref::LoadOp::create(b, loc, ops.indices, ValueRange{n, idx});
    return arith::ExtUIOp::create(b, loc, i32, raw);
  };
  Value bits;
  if (p.nmBits() == 4) {
    Value lo = byteAt(mul(b, loc, c, 2));
    Value hi = byteAt(add(b, loc, mul(b, loc, c, 2), cIdx(b, loc, 1)));
    bits = arith::OrIOp::create(
        b, loc, lo, arith::ShLIOp::create(b, loc, hi, i32Const(b, loc, 8)));
  } else if (p.nmBits() == 2) {
    bits = byteAt(c);
  } else {
    Value shift = arith::IndexCastOp::create(
        b, loc, i32, mul(b, loc, remC(b, loc, c, 2), 4));
    bits = arith::ShRUIOp::create(b, loc, byteAt(divC(b, loc, c, 2)), shift);
  }
  for (int64_t j = 0; j < 4; ++j) {
    Value field = arith::AndIOp::create(
        b, loc,
        arith::ShRUIOp::create(b, loc, bits,
                               i32Const(b, loc, uint32_t(j * p.nmBits()))),
        i32Const(b, loc, (1u << p.nmBits()) - 1));
    // k = (i / N) * M + pos(i) for the stored value i = 4c + j.
    Value i = add(b, loc, mul(b, loc, c, 4), cIdx(b, loc, j));
    Value k = add(b, loc, mul(b, loc, divC(b, loc, i, p.nmN), p.nmM),
                  arith::IndexCastOp::create(b, loc, b.getIndexType(), field));
    Value w = vector::ExtractOp::create(b, loc, v, j);
    for (int64_t r = 0; r < p.m; ++r) {
      Value xv =
          memref::LoadOp::create(b, loc, xs, ValueRange{cIdx(b, loc, r), k});
      // w * x + sum, contracted to one fma.
      auto contract = arith::FastMathFlags::contract;
      sums[r] = arith::AddFOp::create(
          b, loc, sums[r], arith::MulFOp::create(b, loc, w, xv, contract),
          contract);
    }
  }
  scf::YieldOp::create(b, loc, sums);
  b.setInsertionPointAfter(loop);
  SmallVector<Value> out(loop.getResults());
  if (scale)
    for (Value &o : out)
      o = arith::MulFOp::create(b, loc, o, scale);
  return out;
}
