// RUN: sparq-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// #sparq.quant: parser
//===----------------------------------------------------------------------===//

// expected-error@+1 {{'scale' given twice in #sparq.quant}}
func.func private @f() attributes {s = #sparq.quant<i8, scale = f16, scale = bf16>}

// -----

// expected-error@+1 {{'per_group' conflicts with 'per_channel' given earlier in #sparq.quant}}
func.func private @f() attributes {s = #sparq.quant<i8, per_channel(axis = 0), per_group(axis = 1, size = 32)>}

// -----

// expected-error@+1 {{'asymmetric' conflicts with 'symmetric' given earlier in #sparq.quant}}
func.func private @f() attributes {s = #sparq.quant<ui8, symmetric, asymmetric>}

// -----

// expected-error@+1 {{unknown rounding mode 'up'; expected nearest_even, nearest_away or toward_zero}}
func.func private @f() attributes {s = #sparq.quant<i8, rounding = up>}

// -----

// expected-error@+1 {{unknown scale search 'grid'; expected minmax or mse}}
func.func private @f() attributes {s = #sparq.quant<i8, search = grid>}

// -----

// expected-error@+1 {{unknown #sparq.quant parameter 'per_row'; expected a granularity (per_tensor, per_channel, per_group, per_block), symmetric, asymmetric, scale, global_scale, rounding, narrow_range, no_saturate or search}}
func.func private @f() attributes {s = #sparq.quant<i8, per_row>}

// -----

//===----------------------------------------------------------------------===//
// #sparq.quant: verifier
//===----------------------------------------------------------------------===//

// expected-error@+1 {{integer storage must have 2 to 8 bits, got 'i16'}}
func.func private @f() attributes {s = #sparq.quant<i16>}

// -----

// expected-error@+1 {{integer storage must have 2 to 8 bits, got 'i1'}}
func.func private @f() attributes {s = #sparq.quant<i1>}

// -----

// expected-error@+1 {{storage type must be i2..i8, ui2..ui8, f8E4M3FN, f8E5M2 or f4E2M1FN, got 'f16'}}
func.func private @f() attributes {s = #sparq.quant<f16>}

// -----

// expected-error@+1 {{quantization axis must be non-negative, got -1}}
func.func private @f() attributes {s = #sparq.quant<i8, per_channel(axis = -1)>}

// -----

// expected-error@+1 {{group size must be positive, got 0}}
func.func private @f() attributes {s = #sparq.quant<i4, per_group(axis = 1, size = 0)>}

// -----

// expected-error@+1 {{per_block needs a non-empty block shape}}
func.func private @f() attributes {s = #sparq.quant<i4, per_block(shape = [])>}

// -----

// expected-error@+1 {{block sizes must be positive}}
func.func private @f() attributes {s = #sparq.quant<i4, per_block(shape = [4, 0])>}

// -----

// expected-error@+1 {{asymmetric quantization needs an integer storage type; float formats are symmetric}}
func.func private @f() attributes {s = #sparq.quant<f8E4M3FN, asymmetric>}

// -----

// expected-error@+1 {{narrow_range applies only to symmetric signed integer storage}}
func.func private @f() attributes {s = #sparq.quant<ui8, narrow_range>}

// -----

// expected-error@+1 {{integer storage always saturates; no_saturate applies only to float storage}}
func.func private @f() attributes {s = #sparq.quant<i8, no_saturate>}

// -----

// expected-error@+1 {{f4E2M1FN has no infinity or NaN to overflow to; it always saturates}}
func.func private @f() attributes {s = #sparq.quant<f4E2M1FN, no_saturate>}

// -----

// expected-error@+1 {{scale type must be f32, f16, bf16, f8E4M3FN or f8E8M0FNU, got 'f64'}}
func.func private @f() attributes {s = #sparq.quant<i8, scale = f64>}

// -----

// expected-error@+1 {{power-of-two (f8E8M0FNU) scales need a symmetric scheme}}
func.func private @f() attributes {s = #sparq.quant<ui4, per_group(axis = 1, size = 32), asymmetric, scale = f8E8M0FNU>}

// -----

// expected-error@+1 {{global scale type must be f32, got 'f16'}}
func.func private @f() attributes {s = #sparq.quant<f4E2M1FN, scale = f8E4M3FN, global_scale = f16>}

// -----

// expected-error@+1 {{a global scale needs block scales narrower than f32 (such as f8E4M3FN)}}
func.func private @f() attributes {s = #sparq.quant<f4E2M1FN, global_scale = f32>}

// -----

//===----------------------------------------------------------------------===//
// #sparq.sparsity: parser and verifier
//===----------------------------------------------------------------------===//

// expected-error@+1 {{unknown sparsity kind 'dense'; expected unstructured, N:M (such as 2:4), block [..] or channel}}
func.func private @f() attributes {s = #sparq.sparsity<dense, ratio = 0.5>}

// -----

// expected-error@+1 {{unknown #sparq.sparsity parameter 'size'; expected ratio or axis}}
func.func private @f() attributes {s = #sparq.sparsity<unstructured, ratio = 0.5, size = 4>}

// -----

// expected-error@+1 {{'ratio' given twice in #sparq.sparsity}}
func.func private @f() attributes {s = #sparq.sparsity<unstructured, ratio = 0.5, ratio = 0.6>}

// -----

// expected-error@+1 {{unstructured sparsity needs a ratio}}
func.func private @f() attributes {s = #sparq.sparsity<unstructured>}

// -----

// expected-error@+1 {{2:4 sparsity takes no ratio}}
func.func private @f() attributes {s = #sparq.sparsity<2:4, axis = 1, ratio = 0.5>}

// -----

// expected-error@+1 {{2:4 sparsity needs an axis}}
func.func private @f() attributes {s = #sparq.sparsity<2:4>}

// -----

// expected-error@+1 {{block sparsity takes no axis}}
func.func private @f() attributes {s = #sparq.sparsity<block [1, 16], ratio = 0.5, axis = 1>}

// -----

// expected-error@+1 {{N:M sparsity needs 0 < N < M, got 4:4}}
func.func private @f() attributes {s = #sparq.sparsity<4:4, axis = 1>}

// -----

// expected-error@+1 {{N:M sparsity needs 0 < N < M, got 0:4}}
func.func private @f() attributes {s = #sparq.sparsity<0:4, axis = 1>}

// -----

// expected-error@+1 {{N:M sparsity supports M up to 256, got 512}}
func.func private @f() attributes {s = #sparq.sparsity<2:512, axis = 1>}

// -----

// expected-error@+1 {{sparsity ratio must be in [0, 1), got 1}}
func.func private @f() attributes {s = #sparq.sparsity<unstructured, ratio = 1.0>}

// -----

// expected-error@+1 {{sparsity axis must be non-negative, got -1}}
func.func private @f() attributes {s = #sparq.sparsity<channel, axis = -1, ratio = 0.5>}

// -----

// expected-error@+1 {{block sparsity needs a non-empty block shape}}
func.func private @f() attributes {s = #sparq.sparsity<block [], ratio = 0.5>}

// -----

// expected-error@+1 {{sparsity block sizes must be positive}}
func.func private @f() attributes {s = #sparq.sparsity<block [1, -4], ratio = 0.5>}

// -----

//===----------------------------------------------------------------------===//
// #sparq.low_rank and #sparq.spec
//===----------------------------------------------------------------------===//

// expected-error@+1 {{unknown #sparq.low_rank parameter 'tolerance'; expected rank, energy or axis}}
func.func private @f() attributes {s = #sparq.low_rank<tolerance = 0.1>}

// -----

// expected-error@+1 {{rank must be positive, got -8}}
func.func private @f() attributes {s = #sparq.low_rank<rank = -8>}

// -----

// expected-error@+1 {{low rank needs exactly one of rank or energy}}
func.func private @f() attributes {s = #sparq.low_rank<rank = 8, energy = 0.9>}

// -----

// expected-error@+1 {{low rank needs exactly one of rank or energy}}
func.func private @f() attributes {s = #sparq.low_rank<>}

// -----

// expected-error@+1 {{energy must be in (0, 1], got 1.5}}
func.func private @f() attributes {s = #sparq.low_rank<energy = 1.5>}

// -----

// expected-error@+1 {{'rank' given twice in #sparq.low_rank}}
func.func private @f() attributes {s = #sparq.low_rank<rank = 8, rank = 4>}

// -----

// expected-error@+1 {{unknown #sparq.spec parameter 'prune'; expected quant, sparsity or low_rank}}
func.func private @f() attributes {s = #sparq.spec<prune = #sparq.sparsity<2:4, axis = 1>>}

// -----

// expected-error@+1 {{'quant' given twice in #sparq.spec}}
func.func private @f() attributes {s = #sparq.spec<quant = #sparq.quant<i8>, quant = #sparq.quant<i4>>}

// -----

// expected-error@+1 {{#sparq.spec needs at least one of quant, sparsity or low_rank}}
func.func private @f() attributes {s = #sparq.spec<>}

// -----

// expected-error@+1 {{block sparsity cannot be combined with per_block quantization; use per_group or per_channel scales}}
func.func private @f() attributes {s = #sparq.spec<sparsity = #sparq.sparsity<block [1, 16], ratio = 0.5>, quant = #sparq.quant<i4, per_block(shape = [1, 16])>>}

// -----

//===----------------------------------------------------------------------===//
// Specs against shapes (sparq.annotate)
//===----------------------------------------------------------------------===//

func.func @f(%w: tensor<?x64xf32>) {
  // expected-error@+1 {{'sparq.annotate' op quantization needs a static shape}}
  %0 = sparq.annotate %w : tensor<?x64xf32> with #sparq.quant<i8>
  return
}

// -----

func.func @f(%w: tensor<64xf32>) {
  // expected-error@+1 {{'sparq.annotate' op quantization axis 1 is out of range for a tensor of rank 1}}
  %0 = sparq.annotate %w : tensor<64xf32> with #sparq.quant<i8, per_channel(axis = 1)>
  return
}

// -----

func.func @f(%w: tensor<16x96xf32>) {
  // expected-error@+1 {{'sparq.annotate' op group size 64 does not divide dimension 1 of size 96}}
  %0 = sparq.annotate %w : tensor<16x96xf32> with #sparq.quant<i4, per_group(axis = 1, size = 64)>
  return
}

// -----

func.func @f(%w: tensor<3x3x16x32xf32>) {
  // expected-error@+1 {{'sparq.annotate' op block shape has rank 2 but the tensor has rank 4}}
  %0 = sparq.annotate %w : tensor<3x3x16x32xf32> with #sparq.quant<i4, per_block(shape = [16, 32])>
  return
}

// -----

func.func @f(%w: tensor<16x96xf32>) {
  // expected-error@+1 {{'sparq.annotate' op block size 64 does not divide dimension 1 of size 96}}
  %0 = sparq.annotate %w : tensor<16x96xf32> with #sparq.quant<i4, per_block(shape = [16, 64])>
  return
}

// -----

func.func @f(%w: tensor<16x?xf32>) {
  // expected-error@+1 {{'sparq.annotate' op sparsity needs a static shape}}
  %0 = sparq.annotate %w : tensor<16x?xf32> with #sparq.sparsity<unstructured, ratio = 0.5>
  return
}

// -----

func.func @f(%w: tensor<64xf32>) {
  // expected-error@+1 {{'sparq.annotate' op N:M axis 1 is out of range for a tensor of rank 1}}
  %0 = sparq.annotate %w : tensor<64xf32> with #sparq.sparsity<2:4, axis = 1>
  return
}

// -----

func.func @f(%w: tensor<16x30xf32>) {
  // expected-error@+1 {{'sparq.annotate' op 2:4 sparsity needs dimension 1 (of size 30) to be a multiple of 4}}
  %0 = sparq.annotate %w : tensor<16x30xf32> with #sparq.sparsity<2:4, axis = 1>
  return
}

// -----

func.func @f(%w: tensor<16x32xf32>) {
  // expected-error@+1 {{'sparq.annotate' op sparsity block shape has rank 1 but the tensor has rank 2}}
  %0 = sparq.annotate %w : tensor<16x32xf32> with #sparq.sparsity<block [16], ratio = 0.5>
  return
}

// -----

func.func @f(%w: tensor<16x30xf32>) {
  // expected-error@+1 {{'sparq.annotate' op sparsity block size 4 does not divide dimension 1 of size 30}}
  %0 = sparq.annotate %w : tensor<16x30xf32> with #sparq.sparsity<block [1, 4], ratio = 0.5>
  return
}

// -----

func.func @f(%w: tensor<16x32xf32>) {
  // expected-error@+1 {{'sparq.annotate' op channel axis 2 is out of range for a tensor of rank 2}}
  %0 = sparq.annotate %w : tensor<16x32xf32> with #sparq.sparsity<channel, axis = 2, ratio = 0.5>
  return
}

// -----

func.func @f(%w: tensor<64xf32>) {
  // expected-error@+1 {{'sparq.annotate' op low-rank factorization needs a weight of rank 2 or more, got rank 1}}
  %0 = sparq.annotate %w : tensor<64xf32> with #sparq.low_rank<rank = 4>
  return
}

// -----

func.func @f(%w: tensor<?x64xf32>) {
  // expected-error@+1 {{'sparq.annotate' op low-rank factorization needs a static shape}}
  %0 = sparq.annotate %w : tensor<?x64xf32> with #sparq.low_rank<energy = 0.9>
  return
}

// -----

func.func @f(%w: tensor<16x64xf32>) {
  // expected-error@+1 {{'sparq.annotate' op rank 16 does not make a 16x64 weight smaller; it must be below 16}}
  %0 = sparq.annotate %w : tensor<16x64xf32> with #sparq.low_rank<rank = 16>
  return
}

// -----

// Every part of a composed spec is checked.
func.func @f(%w: tensor<16x64xf32>) {
  // expected-error@+1 {{'sparq.annotate' op group size 48 does not divide dimension 1 of size 64}}
  %0 = sparq.annotate %w : tensor<16x64xf32>
         with #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>,
                          quant = #sparq.quant<i4, per_group(axis = 1, size = 48)>>
  return
}

// -----

//===----------------------------------------------------------------------===//
// !sparq.compressed
//===----------------------------------------------------------------------===//

// expected-error@+1 {{a compressed weight needs rank 1 or more}}
func.func private @f(!sparq.compressed<f32, #sparq.quant<i8>>)

// -----

// expected-error@+1 {{a compressed weight needs a static, non-empty shape}}
func.func private @f(!sparq.compressed<0x64xf32, #sparq.quant<i8>>)

// -----

// expected-error@+1 {{compressed element type must be f32, f16 or bf16, got 'f64'}}
func.func private @f(!sparq.compressed<16x64xf64, #sparq.quant<i8>>)

// -----

// expected-error@+1 {{expected a Sparq spec, got "i8"}}
func.func private @f(!sparq.compressed<16x64xf32, "i8">)

// -----

// expected-error@+1 {{low rank is not a storage format: factoring yields two weights, compress each factor instead}}
func.func private @f(!sparq.compressed<16x64xf32, #sparq.spec<low_rank = #sparq.low_rank<rank = 4>, quant = #sparq.quant<i8>>>)

// -----

// expected-error@+1 {{unstructured sparse storage needs rank 2 or more}}
func.func private @f(!sparq.compressed<64xf32, #sparq.sparsity<unstructured, ratio = 0.5>>)

// -----

// expected-error@+1 {{block sparse storage needs rank 2, got rank 3}}
func.func private @f(!sparq.compressed<4x16x64xf32, #sparq.sparsity<block [1, 4, 4], ratio = 0.5>>)

// -----

// The spec is checked against the type's shape.
// expected-error@+1 {{group size 32 does not divide dimension 1 of size 48}}
func.func private @f(!sparq.compressed<16x48xf32, #sparq.quant<i4, per_group(axis = 1, size = 32)>>)

// -----

//===----------------------------------------------------------------------===//
// sparq.assemble
//===----------------------------------------------------------------------===//

func.func @f(%d: tensor<16x32xi8>) {
  // expected-error@+1 {{'sparq.assemble' op needs 'scales' of type 'tensor<16x2xf32>' for '!sparq.compressed<16x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 32)>>'}}
  %0 = sparq.assemble %d : tensor<16x32xi8>
         -> !sparq.compressed<16x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 32)>>
  return
}

// -----

// int4 packs two values a byte: 64 values take 32 bytes, not 64.
func.func @f(%d: tensor<16x64xi8>, %s: tensor<16x2xf32>) {
  // expected-error@+1 {{'sparq.assemble' op 'data' must have type 'tensor<16x32xi8>' for '!sparq.compressed<16x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 32)>>', got 'tensor<16x64xi8>'}}
  %0 = sparq.assemble %d : tensor<16x64xi8> scales %s : tensor<16x2xf32>
         -> !sparq.compressed<16x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 32)>>
  return
}

// -----

func.func @f(%d: tensor<16x32xi8>, %s: tensor<16x2xf16>) {
  // expected-error@+1 {{'sparq.assemble' op 'scales' must have type 'tensor<16x2xf32>'}}
  %0 = sparq.assemble %d : tensor<16x32xi8> scales %s : tensor<16x2xf16>
         -> !sparq.compressed<16x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 32)>>
  return
}

// -----

func.func @f(%d: tensor<16x32xi8>, %s: tensor<16x2xf32>, %z: tensor<16x2xi8>) {
  // expected-error@+1 {{'sparq.assemble' op takes no 'zero_points' for '!sparq.compressed<16x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 32)>>'}}
  %0 = sparq.assemble %d : tensor<16x32xi8> scales %s : tensor<16x2xf32>
         zero_points %z : tensor<16x2xi8>
         -> !sparq.compressed<16x64xf32, #sparq.quant<i4, per_group(axis = 1, size = 32)>>
  return
}

// -----

func.func @f(%d: tensor<16x32xi8>, %s: tensor<16x1xf16>) {
  // expected-error@+1 {{'sparq.assemble' op needs 'zero_points' of type 'tensor<16x1xi8>'}}
  %0 = sparq.assemble %d : tensor<16x32xi8> scales %s : tensor<16x1xf16>
         -> !sparq.compressed<16x64xf32, #sparq.quant<ui4, per_channel(axis = 0), asymmetric, scale = f16>>
  return
}

// -----

func.func @f(%d: tensor<16x32xi8>, %s: tensor<16x4xf8E4M3FN>) {
  // expected-error@+1 {{'sparq.assemble' op needs 'global_scale' of type 'tensor<f32>'}}
  %0 = sparq.assemble %d : tensor<16x32xi8> scales %s : tensor<16x4xf8E4M3FN>
         -> !sparq.compressed<16x64xf32, #sparq.quant<f4E2M1FN, per_group(axis = 1, size = 16), scale = f8E4M3FN, global_scale = f32>>
  return
}

// -----

func.func @f(%d: tensor<16x32xi8>, %s: tensor<16x1xf32>) {
  // expected-error@+1 {{'sparq.assemble' op needs 'indices' of type 'tensor<16x8xi8>'}}
  %0 = sparq.assemble %d : tensor<16x32xi8> scales %s : tensor<16x1xf32>
         -> !sparq.compressed<16x64xf32, #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>, quant = #sparq.quant<i8, per_channel(axis = 0)>>>
  return
}

// -----

// Dynamic sizes in the layout accept any static size, not a dynamic one.
func.func @f(%d: tensor<?xf32>, %i: tensor<10xi16>, %o: tensor<5xi32>) {
  // expected-error@+1 {{'sparq.assemble' op 'data' must have type 'tensor<?xf32>'}}
  %0 = sparq.assemble %d : tensor<?xf32> indices %i : tensor<10xi16> offsets %o : tensor<5xi32>
         -> !sparq.compressed<4x8xf32, #sparq.sparsity<unstructured, ratio = 0.5>>
  return
}

// -----

func.func @f(%d: tensor<10xf32>, %i: tensor<10xi16>) {
  // expected-error@+1 {{'sparq.assemble' op needs 'offsets' of type 'tensor<5xi32>'}}
  %0 = sparq.assemble %d : tensor<10xf32> indices %i : tensor<10xi16>
         -> !sparq.compressed<4x8xf32, #sparq.sparsity<unstructured, ratio = 0.5>>
  return
}

// -----

func.func @f(%d: tensor<10xf32>, %s: tensor<1x1xf32>, %i: tensor<10xi16>, %o: tensor<5xi32>) {
  // expected-error@+1 {{'sparq.assemble' op takes no 'scales'}}
  %0 = sparq.assemble %d : tensor<10xf32> scales %s : tensor<1x1xf32>
         indices %i : tensor<10xi16> offsets %o : tensor<5xi32>
         -> !sparq.compressed<4x8xf32, #sparq.sparsity<unstructured, ratio = 0.5>>
  return
}

// -----

func.func @f(%d: tensor<9xf32>, %i: tensor<10xi16>, %o: tensor<5xi32>) {
  // expected-error@+1 {{'sparq.assemble' op 'data' must hold 10 values for 10 nonzeros, got 9}}
  %0 = sparq.assemble %d : tensor<9xf32> indices %i : tensor<10xi16> offsets %o : tensor<5xi32>
         -> !sparq.compressed<4x8xf32, #sparq.sparsity<unstructured, ratio = 0.5>>
  return
}

// -----

// 11 int4 nonzeros take 6 bytes.
func.func @f(%d: tensor<5xi8>, %s: tensor<1x1xf32>, %i: tensor<11xi16>, %o: tensor<5xi32>) {
  // expected-error@+1 {{'sparq.assemble' op 'data' must hold 6 bytes for 11 nonzeros, got 5}}
  %0 = sparq.assemble %d : tensor<5xi8> scales %s : tensor<1x1xf32>
         indices %i : tensor<11xi16> offsets %o : tensor<5xi32>
         -> !sparq.compressed<4x8xf32, #sparq.spec<sparsity = #sparq.sparsity<unstructured, ratio = 0.5>, quant = #sparq.quant<i4>>>
  return
}

// -----

func.func @f(%d: tensor<5xf32>, %i: tensor<5xi16>, %o: tensor<3xi32>) {
  // expected-error@+1 {{'sparq.assemble' op 5 nonzeros do not fit in '!sparq.compressed<2x2xf32, #sparq.sparsity<unstructured, ratio = 0.5>>'}}
  %0 = sparq.assemble %d : tensor<5xf32> indices %i : tensor<5xi16> offsets %o : tensor<3xi32>
         -> !sparq.compressed<2x2xf32, #sparq.sparsity<unstructured, ratio = 0.5>>
  return
}

// -----

func.func @f(%d: tensor<7x2x4xf32>, %i: tensor<8xi32>, %o: tensor<5xi32>) {
  // expected-error@+1 {{'sparq.assemble' op 'data' must hold one block per index (8), got 7}}
  %0 = sparq.assemble %d : tensor<7x2x4xf32> indices %i : tensor<8xi32> offsets %o : tensor<5xi32>
         -> !sparq.compressed<8x16xf32, #sparq.sparsity<block [2, 4], ratio = 0.5>>
  return
}

// -----

func.func @f(%d: tensor<9x16xf32>, %i: tensor<9xi32>) {
  // expected-error@+1 {{'sparq.assemble' op 9 kept channels exceed the 8 of axis 0}}
  %0 = sparq.assemble %d : tensor<9x16xf32> indices %i : tensor<9xi32>
         -> !sparq.compressed<8x16xf32, #sparq.sparsity<channel, axis = 0, ratio = 0.5>>
  return
}

// -----

func.func @f(%d: tensor<3x16xf32>, %i: tensor<4xi32>) {
  // expected-error@+1 {{'sparq.assemble' op 'data' dimension 0 must be 4 for 4 kept channels, got 3}}
  %0 = sparq.assemble %d : tensor<3x16xf32> indices %i : tensor<4xi32>
         -> !sparq.compressed<8x16xf32, #sparq.sparsity<channel, axis = 0, ratio = 0.5>>
  return
}

// -----

// A packed (quantized) last axis counts bytes: 6 int4 channels take 3.
func.func @f(%d: tensor<8x6xi8>, %s: tensor<8x1xf32>, %i: tensor<6xi32>) {
  // expected-error@+1 {{'sparq.assemble' op 'data' dimension 1 must be 3 for 6 kept channels, got 6}}
  %0 = sparq.assemble %d : tensor<8x6xi8> scales %s : tensor<8x1xf32> indices %i : tensor<6xi32>
         -> !sparq.compressed<8x16xf32, #sparq.spec<sparsity = #sparq.sparsity<channel, axis = 1, ratio = 0.5>, quant = #sparq.quant<i4, per_channel(axis = 0)>>>
  return
}

// -----

//===----------------------------------------------------------------------===//
// sparq.quantize
//===----------------------------------------------------------------------===//

func.func @f(%x: tensor<16x64xf32>, %s: tensor<16x1xf32>) {
  // expected-error@+1 {{'sparq.quantize' op produces dense quantized formats only, got '!sparq.compressed<16x64xf32, #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>, quant = #sparq.quant<i8, per_channel(axis = 0)>>>'; prune first and build sparse weights with sparq.assemble}}
  %0 = sparq.quantize %x : tensor<16x64xf32> scales %s : tensor<16x1xf32>
         -> !sparq.compressed<16x64xf32, #sparq.spec<sparsity = #sparq.sparsity<2:4, axis = 1>, quant = #sparq.quant<i8, per_channel(axis = 0)>>>
  return
}

// -----

func.func @f(%x: tensor<16x64xf32>, %s: tensor<16x1xf32>) {
  // expected-error@+1 {{'sparq.quantize' op produces dense quantized formats only}}
  %0 = sparq.quantize %x : tensor<16x64xf32> scales %s : tensor<16x1xf32>
         -> !sparq.compressed<16x64xf32, #sparq.sparsity<unstructured, ratio = 0.5>>
  return
}

// -----

func.func @f(%x: tensor<16x64xf16>, %s: tensor<16x1xf32>) {
  // expected-error@+1 {{'sparq.quantize' op input type 'tensor<16x64xf16>' does not match the dense type 'tensor<16x64xf32>' of the result}}
  %0 = sparq.quantize %x : tensor<16x64xf16> scales %s : tensor<16x1xf32>
         -> !sparq.compressed<16x64xf32, #sparq.quant<i8, per_channel(axis = 0)>>
  return
}

// -----

func.func @f(%x: tensor<16x64xf32>, %s: tensor<1x64xf32>) {
  // expected-error@+1 {{'sparq.quantize' op 'scales' must have type 'tensor<16x1xf32>' for '!sparq.compressed<16x64xf32, #sparq.quant<i8, per_channel(axis = 0)>>', got 'tensor<1x64xf32>'}}
  %0 = sparq.quantize %x : tensor<16x64xf32> scales %s : tensor<1x64xf32>
         -> !sparq.compressed<16x64xf32, #sparq.quant<i8, per_channel(axis = 0)>>
  return
}

// -----

func.func @f(%x: tensor<16x64xf32>, %s: tensor<16x1xf32>) {
  // expected-error@+1 {{'sparq.quantize' op needs 'zero_points' of type 'tensor<16x1xi8>'}}
  %0 = sparq.quantize %x : tensor<16x64xf32> scales %s : tensor<16x1xf32>
         -> !sparq.compressed<16x64xf32, #sparq.quant<ui8, per_channel(axis = 0), asymmetric>>
  return
}

// -----

func.func @f(%x: tensor<16x64xf32>, %s: tensor<16x1xf32>, %g: tensor<f32>) {
  // expected-error@+1 {{'sparq.quantize' op takes no 'global_scale'}}
  %0 = sparq.quantize %x : tensor<16x64xf32> scales %s : tensor<16x1xf32>
         global_scale %g : tensor<f32>
         -> !sparq.compressed<16x64xf32, #sparq.quant<i8, per_channel(axis = 0)>>
  return
}

// -----

//===----------------------------------------------------------------------===//
// sparq.dequantize and sparq.matmul
//===----------------------------------------------------------------------===//

func.func @f(%w: !sparq.compressed<16x64xbf16, #sparq.quant<i8>>) {
  // expected-error@+1 {{'sparq.dequantize' op result must be 'tensor<16x64xbf16>', got 'tensor<16x64xf32>'}}
  %0 = sparq.dequantize %w : !sparq.compressed<16x64xbf16, #sparq.quant<i8>> -> tensor<16x64xf32>
  return
}

// -----

func.func @f(%x: tensor<2x64xf32>, %w: !sparq.compressed<4x16x64xf32, #sparq.quant<i8>>) {
  // expected-error@+1 {{'sparq.matmul' op weight must have rank 2 ([N, K]), got rank 3}}
  %0 = sparq.matmul %x, %w : tensor<2x64xf32>, !sparq.compressed<4x16x64xf32, #sparq.quant<i8>> -> tensor<2x16xf32>
  return
}

// -----

func.func @f(%x: tensor<2x16xf32>, %w: !sparq.compressed<16x64xf32, #sparq.quant<i8>>) {
  // expected-error@+1 {{'sparq.matmul' op input's last dimension must be K = 64, got 'tensor<2x16xf32>'}}
  %0 = sparq.matmul %x, %w : tensor<2x16xf32>, !sparq.compressed<16x64xf32, #sparq.quant<i8>> -> tensor<2x16xf32>
  return
}

// -----

func.func @f(%x: tensor<f32>, %w: !sparq.compressed<16x64xf32, #sparq.quant<i8>>) {
  // expected-error@+1 {{'sparq.matmul' op input's last dimension must be K = 64, got 'tensor<f32>'}}
  %0 = sparq.matmul %x, %w : tensor<f32>, !sparq.compressed<16x64xf32, #sparq.quant<i8>> -> tensor<16xf32>
  return
}

// -----

func.func @f(%x: tensor<3x2x64xf32>, %w: !sparq.compressed<16x64xf32, #sparq.quant<i8>>) {
  // expected-error@+1 {{'sparq.matmul' op result must be 'tensor<3x2x16xf32>', got 'tensor<6x16xf32>'}}
  %0 = sparq.matmul %x, %w : tensor<3x2x64xf32>, !sparq.compressed<16x64xf32, #sparq.quant<i8>> -> tensor<6x16xf32>
  return
}

// -----

func.func @f(%x: tensor<2x64xf16>, %w: !sparq.compressed<16x64xf32, #sparq.quant<i8>>) {
  // expected-error@+1 {{'sparq.matmul' op input, weight and result must share the element type 'f32'}}
  %0 = sparq.matmul %x, %w : tensor<2x64xf16>, !sparq.compressed<16x64xf32, #sparq.quant<i8>> -> tensor<2x16xf32>
  return
}

// -----

// The attribute constraint on sparq.annotate rejects a non-spec before the
// op's verifier checks the spec against the shape.
func.func @f(%w: tensor<4x4xf32>) {
  // expected-error@+1 {{'sparq.annotate' op attribute 'spec' failed to satisfy constraint}}
  %0 = "sparq.annotate"(%w) {spec = 8 : i32} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  return
}

// -----

// A low-rank spec is checked against its output axis by the rest: an HWCF
// filter with F = 8 outputs and H * W * C = 36 inputs allows ranks below 8.
func.func @f(%w: tensor<3x3x4x8xf32>) {
  // expected-error@+1 {{'sparq.annotate' op rank 8 does not make a 8x36 weight smaller; it must be below 8}}
  %0 = sparq.annotate %w : tensor<3x3x4x8xf32> with #sparq.low_rank<rank = 8, axis = 3>
  return
}

// -----

func.func @f(%w: tensor<3x3x4x8xf32>) {
  // expected-error@+1 {{'sparq.annotate' op low-rank output axis 4 is out of range for a tensor of rank 4}}
  %0 = sparq.annotate %w : tensor<3x3x4x8xf32> with #sparq.low_rank<rank = 2, axis = 4>
  return
}

// -----

// expected-error@+1 {{low-rank output axis must be non-negative, got -1}}
func.func private @f() attributes {s = #sparq.low_rank<rank = 8, axis = -1>}

// -----

// expected-error @+1 {{'sparq.packed' of argument 0 must be a unit attribute}}
func.func @packed_not_unit(%d: tensor<4x8xi8> {sparq.packed = 1 : i64}) {
  return
}

// -----

// expected-error @+1 {{'sparq.packed' argument 1 must be rank-2 i8 weight data}}
func.func @packed_not_i8(%x: tensor<4xf32>, %d: tensor<4x8xf32> {sparq.packed}) {
  return
}

// -----

// expected-error @+1 {{'sparq.name' of argument 0 must be a string}}
func.func @name_not_string(%x: tensor<4xf32> {sparq.name = 3 : i64}) {
  return
}
