//===- SparqAttrs.cpp - Sparq compression specs ---------------------------===//

#include "sparq/Dialect/Sparq/IR/SparqAttrs.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cstdio>
#include <cstdlib>

using namespace mlir;
using namespace mlir::sparq;

#include "sparq/Dialect/Sparq/IR/SparqEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "sparq/Dialect/Sparq/IR/SparqAttrs.cpp.inc"

void SparqDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "sparq/Dialect/Sparq/IR/SparqAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Parsing helpers
//===----------------------------------------------------------------------===//

namespace {
/// Parses `<` first (`,` key ...)* `>` where `first` is parsed by `parseFirst`
/// and every later entry starts with a keyword handled by `parseEntry`.
/// Rejects a keyword given twice.
ParseResult
parseSpecBody(AsmParser &p, StringRef attrName,
              function_ref<ParseResult()> parseFirst,
              function_ref<ParseResult(StringRef, SMLoc)> parseEntry) {
  if (p.parseLess())
    return failure();
  if (parseFirst && parseFirst())
    return failure();
  // An empty body (`#sparq.spec<>`) reaches the verifier, which says what is
  // missing.
  if (!parseFirst && succeeded(p.parseOptionalGreater()))
    return success();
  llvm::StringSet<> seen;
  bool first = !parseFirst;
  while (first || succeeded(p.parseOptionalComma())) {
    first = false;
    SMLoc loc = p.getCurrentLocation();
    StringRef key;
    if (p.parseKeyword(&key))
      return failure();
    if (!seen.insert(key).second)
      return p.emitError(loc) << "'" << key << "' given twice in #sparq."
                              << attrName;
    if (parseEntry(key, loc))
      return failure();
  }
  return p.parseGreater();
}

ParseResult parseI64List(AsmParser &p, SmallVectorImpl<int64_t> &values) {
  return p.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&] {
    int64_t v;
    if (p.parseInteger(v))
      return failure();
    values.push_back(v);
    return success();
  });
}

ParseResult parseKeyedInt(AsmParser &p, StringRef key, int64_t &value) {
  return failure(p.parseKeyword(key) || p.parseEqual() ||
                 p.parseInteger(value));
}

ParseResult parseFraction(AsmParser &p, APFloat &value) {
  double d;
  if (p.parseEqual() || p.parseFloat(d))
    return failure();
  value = APFloat(d);
  return success();
}

void printI64List(AsmPrinter &p, ArrayRef<int64_t> values) {
  p << "[";
  llvm::interleaveComma(values, p);
  p << "]";
}

/// Prints a fraction with the shortest decimal that reads back exactly, in a
/// form the MLIR lexer reads as a float: it needs a '.' (`1.0e-05`, not
/// `1e-05`).
void printFraction(AsmPrinter &p, const APFloat &value) {
  double d = value.convertToDouble();
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d)
      break;
  }
  std::string str(buf);
  if (str.find('.') == std::string::npos) {
    size_t e = str.find('e');
    str.insert(e == std::string::npos ? str.size() : e, ".0");
  }
  p << str;
}
} // namespace

//===----------------------------------------------------------------------===//
// QuantSpecAttr
//===----------------------------------------------------------------------===//

static bool isFloatStorageType(Type t) {
  return isa<Float8E4M3FNType, Float8E5M2Type, Float4E2M1FNType>(t);
}

unsigned QuantSpecAttr::getStorageBits() const {
  Type t = getStorageType();
  if (auto intTy = dyn_cast<IntegerType>(t))
    return intTy.getWidth();
  return cast<FloatType>(t).getWidth();
}

bool QuantSpecAttr::isIntegerStorage() const {
  return isa<IntegerType>(getStorageType());
}

bool QuantSpecAttr::isSignedStorage() const {
  auto intTy = dyn_cast<IntegerType>(getStorageType());
  return intTy && !intTy.isUnsigned();
}

int64_t QuantSpecAttr::getQMin() const {
  unsigned bits = getStorageBits();
  if (!isSignedStorage())
    return 0;
  int64_t min = -(int64_t(1) << (bits - 1));
  return getNarrowRange() ? min + 1 : min;
}

int64_t QuantSpecAttr::getQMax() const {
  unsigned bits = getStorageBits();
  if (!isSignedStorage())
    return (int64_t(1) << bits) - 1;
  return (int64_t(1) << (bits - 1)) - 1;
}

double QuantSpecAttr::getFloatMax() const {
  Type t = getStorageType();
  if (isa<Float8E4M3FNType>(t))
    return 448.0;
  if (isa<Float8E5M2Type>(t))
    return 57344.0;
  if (isa<Float4E2M1FNType>(t))
    return 6.0;
  return double(getQMax());
}

SmallVector<int64_t>
QuantSpecAttr::getScaleBlock(ArrayRef<int64_t> shape) const {
  SmallVector<int64_t> block(shape.begin(), shape.end());
  switch (getGranularity()) {
  case Granularity::Tensor:
    break;
  case Granularity::Channel:
    block[getAxis()] = 1;
    break;
  case Granularity::Group:
    for (int64_t &b : block)
      b = 1;
    block[getAxis()] = getGroupSize();
    break;
  case Granularity::Block:
    block.assign(getBlockShape().begin(), getBlockShape().end());
    break;
  }
  return block;
}

SmallVector<int64_t>
QuantSpecAttr::getScaleShape(ArrayRef<int64_t> shape) const {
  SmallVector<int64_t> block = getScaleBlock(shape);
  SmallVector<int64_t> result;
  for (auto [d, b] : llvm::zip_equal(shape, block))
    result.push_back(d / b);
  return result;
}

LogicalResult QuantSpecAttr::verifyForShape(
    ArrayRef<int64_t> shape,
    function_ref<InFlightDiagnostic()> emitError) const {
  int64_t rank = shape.size();
  if (ShapedType::isDynamicShape(shape))
    return emitError() << "quantization needs a static shape";
  switch (getGranularity()) {
  case Granularity::Tensor:
    return success();
  case Granularity::Channel:
  case Granularity::Group:
    if (getAxis() >= rank)
      return emitError() << "quantization axis " << getAxis()
                         << " is out of range for a tensor of rank " << rank;
    if (getGranularity() == Granularity::Group &&
        shape[getAxis()] % getGroupSize() != 0)
      return emitError() << "group size " << getGroupSize()
                         << " does not divide dimension " << getAxis()
                         << " of size " << shape[getAxis()];
    return success();
  case Granularity::Block:
    if (int64_t(getBlockShape().size()) != rank)
      return emitError() << "block shape has rank " << getBlockShape().size()
                         << " but the tensor has rank " << rank;
    for (auto [i, d, b] : llvm::enumerate(shape, getBlockShape()))
      if (d % b != 0)
        return emitError() << "block size " << b << " does not divide dimension "
                           << i << " of size " << d;
    return success();
  }
  llvm_unreachable("unknown granularity");
}

QuantSpecAttr QuantSpecAttr::withAxis(int64_t newAxis) const {
  return get(getContext(), getStorageType(), getGranularity(), newAxis,
             getGroupSize(), getBlockShape(), getScheme(), getScaleType(),
             getGlobalScaleType(), getRounding(), getNarrowRange(),
             getSaturate(), getSearch());
}

LogicalResult QuantSpecAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, Type storageType,
    Granularity granularity, int64_t axis, int64_t groupSize,
    ArrayRef<int64_t> blockShape, QuantScheme scheme, Type scaleType,
    Type globalScaleType, RoundingMode rounding, bool narrowRange,
    bool saturate, ScaleSearch search) {
  bool isInt = false;
  if (auto intTy = dyn_cast_or_null<IntegerType>(storageType)) {
    if (intTy.getWidth() < 2 || intTy.getWidth() > 8)
      return emitError() << "integer storage must have 2 to 8 bits, got "
                         << storageType;
    isInt = true;
  } else if (!storageType || !isFloatStorageType(storageType)) {
    return emitError() << "storage type must be i2..i8, ui2..ui8, f8E4M3FN, "
                          "f8E5M2 or f4E2M1FN, got "
                       << storageType;
  }
  switch (granularity) {
  case Granularity::Tensor:
    break;
  case Granularity::Channel:
  case Granularity::Group:
    if (axis < 0)
      return emitError() << "quantization axis must be non-negative, got "
                         << axis;
    if (granularity == Granularity::Group && groupSize <= 0)
      return emitError() << "group size must be positive, got " << groupSize;
    break;
  case Granularity::Block:
    if (blockShape.empty())
      return emitError() << "per_block needs a non-empty block shape";
    if (llvm::any_of(blockShape, [](int64_t b) { return b <= 0; }))
      return emitError() << "block sizes must be positive";
    break;
  }
  if (scheme == QuantScheme::Asymmetric && !isInt)
    return emitError() << "asymmetric quantization needs an integer storage "
                          "type; float formats are symmetric";
  if (narrowRange && !(isInt && scheme == QuantScheme::Symmetric &&
                       !cast<IntegerType>(storageType).isUnsigned()))
    return emitError()
           << "narrow_range applies only to symmetric signed integer storage";
  if (!saturate && isa_and_nonnull<Float4E2M1FNType>(storageType))
    return emitError() << "f4E2M1FN has no infinity or NaN to overflow to; "
                          "it always saturates";
  if (!saturate && isInt)
    return emitError() << "integer storage always saturates; no_saturate "
                          "applies only to float storage";
  if (!scaleType ||
      !isa<Float32Type, Float16Type, BFloat16Type, Float8E4M3FNType,
           Float8E8M0FNUType>(scaleType))
    return emitError() << "scale type must be f32, f16, bf16, f8E4M3FN or "
                          "f8E8M0FNU, got "
                       << scaleType;
  if (isa<Float8E8M0FNUType>(scaleType) && scheme == QuantScheme::Asymmetric)
    return emitError() << "power-of-two (f8E8M0FNU) scales need a symmetric "
                          "scheme";
  if (globalScaleType) {
    if (!isa<Float32Type>(globalScaleType))
      return emitError() << "global scale type must be f32, got "
                         << globalScaleType;
    if (isa<Float32Type>(scaleType))
      return emitError() << "a global scale needs block scales narrower than "
                            "f32 (such as f8E4M3FN)";
  }
  (void)rounding;
  (void)search;
  return success();
}

Attribute QuantSpecAttr::parse(AsmParser &p, Type) {
  MLIRContext *ctx = p.getContext();
  SMLoc loc = p.getCurrentLocation();
  Type storage;
  Granularity granularity = Granularity::Tensor;
  int64_t axis = 0, groupSize = 0;
  SmallVector<int64_t> blockShape;
  QuantScheme scheme = QuantScheme::Symmetric;
  Type scaleType = Float32Type::get(ctx);
  Type globalScaleType;
  RoundingMode rounding = RoundingMode::NearestEven;
  bool narrowRange = false, saturate = true;
  ScaleSearch search = ScaleSearch::MinMax;

  // Granularities (and schemes) exclude each other: remember the one given.
  StringRef granularityKey, schemeKey;
  auto checkExclusive = [&](StringRef &given, StringRef key,
                            SMLoc keyLoc) -> ParseResult {
    if (!given.empty())
      return p.emitError(keyLoc) << "'" << key << "' conflicts with '" << given
                                 << "' given earlier in #sparq.quant";
    given = key;
    return success();
  };
  auto parseFirst = [&]() -> ParseResult { return p.parseType(storage); };
  auto parseEntry = [&](StringRef key, SMLoc keyLoc) -> ParseResult {
    if (llvm::is_contained({"per_tensor", "per_channel", "per_group",
                            "per_block"},
                           key) &&
        checkExclusive(granularityKey, key, keyLoc))
      return failure();
    if ((key == "symmetric" || key == "asymmetric") &&
        checkExclusive(schemeKey, key, keyLoc))
      return failure();
    if (key == "per_tensor") {
      granularity = Granularity::Tensor;
      return success();
    }
    if (key == "per_channel") {
      granularity = Granularity::Channel;
      return failure(p.parseLParen() || parseKeyedInt(p, "axis", axis) ||
                     p.parseRParen());
    }
    if (key == "per_group") {
      granularity = Granularity::Group;
      return failure(p.parseLParen() || parseKeyedInt(p, "axis", axis) ||
                     p.parseComma() || parseKeyedInt(p, "size", groupSize) ||
                     p.parseRParen());
    }
    if (key == "per_block") {
      granularity = Granularity::Block;
      return failure(p.parseLParen() || p.parseKeyword("shape") ||
                     p.parseEqual() || parseI64List(p, blockShape) ||
                     p.parseRParen());
    }
    if (key == "symmetric" || key == "asymmetric") {
      scheme = *symbolizeQuantScheme(key);
      return success();
    }
    if (key == "scale")
      return failure(p.parseEqual() || p.parseType(scaleType));
    if (key == "global_scale")
      return failure(p.parseEqual() || p.parseType(globalScaleType));
    if (key == "narrow_range") {
      narrowRange = true;
      return success();
    }
    if (key == "no_saturate") {
      saturate = false;
      return success();
    }
    if (key == "rounding" || key == "search") {
      StringRef value;
      SMLoc valueLoc = p.getCurrentLocation();
      if (p.parseEqual() || p.parseKeyword(&value))
        return failure();
      if (key == "rounding") {
        if (auto r = symbolizeRoundingMode(value)) {
          rounding = *r;
          return success();
        }
        return p.emitError(valueLoc)
               << "unknown rounding mode '" << value
               << "'; expected nearest_even, nearest_away or toward_zero";
      }
      if (auto s = symbolizeScaleSearch(value)) {
        search = *s;
        return success();
      }
      return p.emitError(valueLoc) << "unknown scale search '" << value
                                   << "'; expected minmax or mse";
    }
    return p.emitError(keyLoc)
           << "unknown #sparq.quant parameter '" << key
           << "'; expected a granularity (per_tensor, per_channel, per_group, "
              "per_block), symmetric, asymmetric, scale, global_scale, "
              "rounding, narrow_range, no_saturate or search";
  };
  if (parseSpecBody(p, "quant", parseFirst, parseEntry))
    return {};
  return p.getChecked<QuantSpecAttr>(
      loc, ctx, storage, granularity, axis, groupSize, blockShape, scheme,
      scaleType, globalScaleType, rounding, narrowRange, saturate, search);
}

void QuantSpecAttr::print(AsmPrinter &p) const {
  p << "<" << getStorageType();
  switch (getGranularity()) {
  case Granularity::Tensor:
    break;
  case Granularity::Channel:
    p << ", per_channel(axis = " << getAxis() << ")";
    break;
  case Granularity::Group:
    p << ", per_group(axis = " << getAxis() << ", size = " << getGroupSize()
      << ")";
    break;
  case Granularity::Block:
    p << ", per_block(shape = ";
    printI64List(p, getBlockShape());
    p << ")";
    break;
  }
  if (isAsymmetric())
    p << ", asymmetric";
  if (!isa<Float32Type>(getScaleType()))
    p << ", scale = " << getScaleType();
  if (getGlobalScaleType())
    p << ", global_scale = " << getGlobalScaleType();
  if (getRounding() != RoundingMode::NearestEven)
    p << ", rounding = " << stringifyRoundingMode(getRounding());
  if (getNarrowRange())
    p << ", narrow_range";
  if (!getSaturate())
    p << ", no_saturate";
  if (getSearch() != ScaleSearch::MinMax)
    p << ", search = " << stringifyScaleSearch(getSearch());
  p << ">";
}

//===----------------------------------------------------------------------===//
// SparsitySpecAttr
//===----------------------------------------------------------------------===//

double SparsitySpecAttr::getZeroFraction() const {
  if (getKind() == SparsityKind::NM)
    return 1.0 - double(getN()) / double(getM());
  return getRatio().convertToDouble();
}

LogicalResult SparsitySpecAttr::verifyForShape(
    ArrayRef<int64_t> shape,
    function_ref<InFlightDiagnostic()> emitError) const {
  int64_t rank = shape.size();
  if (ShapedType::isDynamicShape(shape))
    return emitError() << "sparsity needs a static shape";
  switch (getKind()) {
  case SparsityKind::Unstructured:
    return success();
  case SparsityKind::NM:
    if (getAxis() >= rank)
      return emitError() << "N:M axis " << getAxis()
                         << " is out of range for a tensor of rank " << rank;
    if (shape[getAxis()] % getM() != 0)
      return emitError() << getN() << ":" << getM()
                         << " sparsity needs dimension " << getAxis()
                         << " (of size " << shape[getAxis()]
                         << ") to be a multiple of " << getM();
    return success();
  case SparsityKind::Block:
    if (int64_t(getBlockShape().size()) != rank)
      return emitError() << "sparsity block shape has rank "
                         << getBlockShape().size()
                         << " but the tensor has rank " << rank;
    for (auto [i, d, b] : llvm::enumerate(shape, getBlockShape()))
      if (d % b != 0)
        return emitError() << "sparsity block size " << b
                           << " does not divide dimension " << i
                           << " of size " << d;
    return success();
  case SparsityKind::Channel:
    if (getAxis() >= rank)
      return emitError() << "channel axis " << getAxis()
                         << " is out of range for a tensor of rank " << rank;
    return success();
  }
  llvm_unreachable("unknown sparsity kind");
}

SparsitySpecAttr SparsitySpecAttr::withAxis(int64_t newAxis) const {
  return get(getContext(), getKind(), getRatio(), getN(), getM(), newAxis,
             getBlockShape());
}

LogicalResult SparsitySpecAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, SparsityKind kind,
    APFloat ratio, int64_t n, int64_t m, int64_t axis,
    ArrayRef<int64_t> blockShape) {
  double r = ratio.convertToDouble();
  if (kind == SparsityKind::NM) {
    if (n <= 0 || m <= 0 || n >= m)
      return emitError() << "N:M sparsity needs 0 < N < M, got " << n << ":"
                         << m;
    if (m > 256)
      return emitError() << "N:M sparsity supports M up to 256, got " << m;
  } else if (!(r >= 0.0 && r < 1.0)) {
    return emitError() << "sparsity ratio must be in [0, 1), got " << r;
  }
  if (axis < 0)
    return emitError() << "sparsity axis must be non-negative, got " << axis;
  if (kind == SparsityKind::Block) {
    if (blockShape.empty())
      return emitError() << "block sparsity needs a non-empty block shape";
    if (llvm::any_of(blockShape, [](int64_t b) { return b <= 0; }))
      return emitError() << "sparsity block sizes must be positive";
  }
  return success();
}

Attribute SparsitySpecAttr::parse(AsmParser &p, Type) {
  MLIRContext *ctx = p.getContext();
  SMLoc loc = p.getCurrentLocation();
  SparsityKind kind = SparsityKind::Unstructured;
  APFloat ratio(0.0);
  int64_t n = 0, m = 0, axis = 0;
  SmallVector<int64_t> blockShape;
  bool hasRatio = false, hasAxis = false;

  auto parseFirst = [&]() -> ParseResult {
    int64_t value;
    OptionalParseResult intResult = p.parseOptionalInteger(value);
    if (intResult.has_value()) {
      if (failed(*intResult))
        return failure();
      kind = SparsityKind::NM;
      n = value;
      return failure(p.parseColon() || p.parseInteger(m));
    }
    StringRef key;
    SMLoc keyLoc = p.getCurrentLocation();
    if (p.parseKeyword(&key))
      return failure();
    if (key == "unstructured") {
      kind = SparsityKind::Unstructured;
      return success();
    }
    if (key == "channel") {
      kind = SparsityKind::Channel;
      return success();
    }
    if (key == "block") {
      kind = SparsityKind::Block;
      return parseI64List(p, blockShape);
    }
    return p.emitError(keyLoc)
           << "unknown sparsity kind '" << key
           << "'; expected unstructured, N:M (such as 2:4), block [..] or "
              "channel";
  };
  auto parseEntry = [&](StringRef key, SMLoc keyLoc) -> ParseResult {
    if (key == "ratio") {
      hasRatio = true;
      return parseFraction(p, ratio);
    }
    if (key == "axis") {
      hasAxis = true;
      return failure(p.parseEqual() || p.parseInteger(axis));
    }
    return p.emitError(keyLoc) << "unknown #sparq.sparsity parameter '" << key
                               << "'; expected ratio or axis";
  };
  if (parseSpecBody(p, "sparsity", parseFirst, parseEntry))
    return {};
  // Which parameters each kind takes.
  bool needsRatio = kind != SparsityKind::NM;
  bool needsAxis = kind == SparsityKind::NM || kind == SparsityKind::Channel;
  // Name the kind as it is written (`2:4`, not the enum's `n_m`).
  std::string kindName = kind == SparsityKind::NM
                             ? (Twine(n) + ":" + Twine(m)).str()
                             : stringifySparsityKind(kind).str();
  if (needsRatio != hasRatio) {
    p.emitError(loc) << kindName
                     << (needsRatio ? " sparsity needs a ratio"
                                    : " sparsity takes no ratio");
    return {};
  }
  if (needsAxis != hasAxis) {
    p.emitError(loc) << kindName
                     << (needsAxis ? " sparsity needs an axis"
                                   : " sparsity takes no axis");
    return {};
  }
  return p.getChecked<SparsitySpecAttr>(loc, ctx, kind, ratio, n, m, axis,
                                        blockShape);
}

void SparsitySpecAttr::print(AsmPrinter &p) const {
  p << "<";
  switch (getKind()) {
  case SparsityKind::Unstructured:
    p << "unstructured, ratio = ";
    printFraction(p, getRatio());
    break;
  case SparsityKind::NM:
    p << getN() << ":" << getM() << ", axis = " << getAxis();
    break;
  case SparsityKind::Block:
    p << "block ";
    printI64List(p, getBlockShape());
    p << ", ratio = ";
    printFraction(p, getRatio());
    break;
  case SparsityKind::Channel:
    p << "channel, axis = " << getAxis() << ", ratio = ";
    printFraction(p, getRatio());
    break;
  }
  p << ">";
}

//===----------------------------------------------------------------------===//
// LowRankSpecAttr
//===----------------------------------------------------------------------===//

LogicalResult LowRankSpecAttr::verifyForShape(
    ArrayRef<int64_t> shape,
    function_ref<InFlightDiagnostic()> emitError) const {
  int64_t rank = shape.size();
  if (rank < 2)
    return emitError() << "low-rank factorization needs a weight of rank 2 "
                          "or more, got rank "
                       << rank;
  if (ShapedType::isDynamicShape(shape))
    return emitError() << "low-rank factorization needs a static shape";
  if (getAxis() >= rank)
    return emitError() << "low-rank output axis " << getAxis()
                       << " is out of range for a tensor of rank " << rank;
  // The matrix is the output axis by everything else (the reduction axes).
  int64_t rows = shape[getAxis()];
  int64_t cols = ShapedType::getNumElements(shape) / std::max<int64_t>(rows, 1);
  if (hasFixedRank() && getRank() >= std::min(rows, cols))
    return emitError() << "rank " << getRank()
                       << " does not make a " << rows << "x" << cols
                       << " weight smaller; it must be below "
                       << std::min(rows, cols);
  return success();
}

LowRankSpecAttr LowRankSpecAttr::withAxis(int64_t newAxis) const {
  return get(getContext(), getRank(), getEnergy(), newAxis);
}

LogicalResult
LowRankSpecAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        int64_t rank, APFloat energy, int64_t axis) {
  double e = energy.convertToDouble();
  if (rank < 0)
    return emitError() << "rank must be positive, got " << rank;
  if ((rank > 0) == (e != 0.0))
    return emitError() << "low rank needs exactly one of rank or energy";
  if (rank == 0 && !(e > 0.0 && e <= 1.0))
    return emitError() << "energy must be in (0, 1], got " << e;
  if (axis < 0)
    return emitError() << "low-rank output axis must be non-negative, got "
                       << axis;
  return success();
}

Attribute LowRankSpecAttr::parse(AsmParser &p, Type) {
  SMLoc loc = p.getCurrentLocation();
  int64_t rank = 0, axis = 0;
  APFloat energy(0.0);
  auto parseEntry = [&](StringRef key, SMLoc keyLoc) -> ParseResult {
    if (key == "rank")
      return failure(p.parseEqual() || p.parseInteger(rank));
    if (key == "energy")
      return parseFraction(p, energy);
    if (key == "axis")
      return failure(p.parseEqual() || p.parseInteger(axis));
    return p.emitError(keyLoc) << "unknown #sparq.low_rank parameter '" << key
                               << "'; expected rank, energy or axis";
  };
  if (parseSpecBody(p, "low_rank", nullptr, parseEntry))
    return {};
  return p.getChecked<LowRankSpecAttr>(loc, p.getContext(), rank, energy,
                                       axis);
}

void LowRankSpecAttr::print(AsmPrinter &p) const {
  if (hasFixedRank()) {
    p << "<rank = " << getRank();
  } else {
    p << "<energy = ";
    printFraction(p, getEnergy());
  }
  if (getAxis() != 0)
    p << ", axis = " << getAxis();
  p << ">";
}

//===----------------------------------------------------------------------===//
// SpecAttr
//===----------------------------------------------------------------------===//

LogicalResult SpecAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               QuantSpecAttr quant, SparsitySpecAttr sparsity,
                               LowRankSpecAttr lowRank) {
  if (!quant && !sparsity && !lowRank)
    return emitError() << "#sparq.spec needs at least one of quant, sparsity "
                          "or low_rank";
  if (quant && sparsity && sparsity.getKind() == SparsityKind::Block &&
      quant.getGranularity() == Granularity::Block)
    return emitError() << "block sparsity cannot be combined with per_block "
                          "quantization; use per_group or per_channel scales";
  return success();
}

LogicalResult
SpecAttr::verifyForShape(ArrayRef<int64_t> shape,
                         function_ref<InFlightDiagnostic()> emitError) const {
  if (getLowRank() && failed(getLowRank().verifyForShape(shape, emitError)))
    return failure();
  if (getSparsity() && failed(getSparsity().verifyForShape(shape, emitError)))
    return failure();
  if (getQuant() && failed(getQuant().verifyForShape(shape, emitError)))
    return failure();
  return success();
}

Attribute SpecAttr::parse(AsmParser &p, Type) {
  SMLoc loc = p.getCurrentLocation();
  QuantSpecAttr quant;
  SparsitySpecAttr sparsity;
  LowRankSpecAttr lowRank;
  auto parseEntry = [&](StringRef key, SMLoc keyLoc) -> ParseResult {
    if (key == "quant")
      return failure(p.parseEqual() || p.parseAttribute(quant));
    if (key == "sparsity")
      return failure(p.parseEqual() || p.parseAttribute(sparsity));
    if (key == "low_rank")
      return failure(p.parseEqual() || p.parseAttribute(lowRank));
    return p.emitError(keyLoc) << "unknown #sparq.spec parameter '" << key
                               << "'; expected quant, sparsity or low_rank";
  };
  if (parseSpecBody(p, "spec", nullptr, parseEntry))
    return {};
  return p.getChecked<SpecAttr>(loc, p.getContext(), quant, sparsity, lowRank);
}

void SpecAttr::print(AsmPrinter &p) const {
  p << "<";
  StringRef sep = "";
  if (getLowRank()) {
    p << sep << "low_rank = " << getLowRank();
    sep = ", ";
  }
  if (getSparsity()) {
    p << sep << "sparsity = " << getSparsity();
    sep = ", ";
  }
  if (getQuant())
    p << sep << "quant = " << getQuant();
  p << ">";
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

std::optional<SpecParts> mlir::sparq::getSpecParts(Attribute spec) {
  SpecParts parts;
  if (auto q = dyn_cast_or_null<QuantSpecAttr>(spec))
    parts.quant = q;
  else if (auto s = dyn_cast_or_null<SparsitySpecAttr>(spec))
    parts.sparsity = s;
  else if (auto l = dyn_cast_or_null<LowRankSpecAttr>(spec))
    parts.lowRank = l;
  else if (auto c = dyn_cast_or_null<SpecAttr>(spec))
    parts = {c.getQuant(), c.getSparsity(), c.getLowRank()};
  else
    return std::nullopt;
  return parts;
}

LogicalResult
mlir::sparq::verifySpecForShape(Attribute spec, ArrayRef<int64_t> shape,
                                function_ref<InFlightDiagnostic()> emitError) {
  // Every caller has a spec already: ODS constrains `sparq.annotate`'s
  // attribute, `!sparq.compressed` and `sparq-annotate` check getSpecParts
  // first, with their own diagnostics.
  std::optional<SpecParts> parts = getSpecParts(spec);
  assert(parts && "verifySpecForShape needs a Sparq spec attribute");
  return SpecAttr::get(spec.getContext(), parts->quant, parts->sparsity,
                       parts->lowRank)
      .verifyForShape(shape, emitError);
}

Attribute mlir::sparq::buildSpec(MLIRContext *ctx, const SpecParts &parts) {
  int count = bool(parts.quant) + bool(parts.sparsity) + bool(parts.lowRank);
  if (count == 1) {
    if (parts.quant)
      return parts.quant;
    if (parts.sparsity)
      return parts.sparsity;
    return parts.lowRank;
  }
  return SpecAttr::get(ctx, parts.quant, parts.sparsity, parts.lowRank);
}
