//===- OpsShape.cpp - ONNX shape, data movement and constant ops ----------===//
//
// Ops on constants fold on the host (so that Shape -> Gather -> Concat ->
// Reshape chains of exported graphs become static shapes); the others become
// tensor ops.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cstring>

using namespace mlir;
using namespace mlir::sparq;
using namespace mlir::sparq::onnx_import;

/// Sets output 0 to input 0 reshaped to `shape` (folding constants).
static LogicalResult setReshaped(NodeContext &nc, ArrayRef<int64_t> shape) {
  Tensor &in = nc.input(0);
  auto type = RankedTensorType::get(shape, in.type.getElementType());
  if (type.getNumElements() != in.type.getNumElements()) {
    nc.error() << "cannot reshape " << in.type << " to " << type;
    return failure();
  }
  if (in.isConstant()) {
    Tensor t = in;
    t.type = type;
    t.value = {};
    nc.setOutput(0, std::move(t));
    return success();
  }
  nc.setOutput(0, buildReshape(nc.b, nc.loc, nc.value(0), shape), in.onnxType);
  return success();
}

static LogicalResult convertIdentity(NodeContext &nc) {
  if (nc.opType() == "Dropout") {
    nc.ignoreAttr("seed");
    if (nc.opset() < 12)
      nc.ignoreAttr("ratio");
    if (nc.opset() < 7)
      nc.ignoreAttr("is_test");
    if (nc.hasInput(2)) {
      Tensor &t = nc.input(2);
      if (!t.isConstant() || readInts(t)[0] != 0) {
        nc.error() << "training_mode must be a constant false";
        return failure();
      }
    }
    if (nc.hasOutput(1)) {
      auto type =
          RankedTensorType::get(nc.shape(0), IntegerType::get(nc.ctx, 1));
      SmallVector<int64_t> ones(type.getNumElements(), 1);
      nc.setOutput(1, makeIntConstant(type, onnx::TensorProto::BOOL, ones));
    }
  }
  nc.setOutput(0, nc.input(0));
  return success();
}

static LogicalResult convertReshape(NodeContext &nc) {
  FailureOr<int64_t> allowZero = nc.getInt("allowzero", 0);
  if (failed(allowZero))
    return failure();
  SmallVector<int64_t> shape;
  if (nc.opset() < 5) {
    FailureOr<SmallVector<int64_t>> s = nc.getInts("shape");
    if (failed(s))
      return failure();
    shape = *s;
  } else {
    FailureOr<SmallVector<int64_t>> s = nc.constInts(1, "shape");
    if (failed(s))
      return failure();
    shape = *s;
  }
  ArrayRef<int64_t> in = nc.shape(0);
  int64_t known = 1, inferred = -1;
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (d == 0 && !*allowZero) {
      if (i >= in.size()) {
        nc.error() << "shape entry " << i << " is 0 but the input has rank "
                   << in.size();
        return failure();
      }
      d = in[i];
    }
    if (d == -1) {
      if (inferred >= 0) {
        nc.error() << "shape has more than one -1";
        return failure();
      }
      inferred = i;
      continue;
    }
    if (d < 0) {
      nc.error() << "invalid shape entry " << d;
      return failure();
    }
    known *= d;
  }
  if (inferred >= 0) {
    int64_t total = nc.type(0).getNumElements();
    if (known == 0 || total % known != 0) {
      nc.error() << "cannot infer the -1 of the shape for " << nc.type(0);
      return failure();
    }
    shape[inferred] = total / known;
  }
  return setReshaped(nc, shape);
}

static LogicalResult convertFlatten(NodeContext &nc) {
  int64_t rank = nc.type(0).getRank();
  FailureOr<int64_t> axisAttr = nc.getInt("axis", 1);
  if (failed(axisAttr))
    return failure();
  int64_t axis = *axisAttr < 0 ? *axisAttr + rank : *axisAttr;
  if (axis < 0 || axis > rank) {
    nc.error() << "axis " << *axisAttr << " is out of range for rank " << rank;
    return failure();
  }
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d)
    (d < axis ? outer : inner) *= nc.shape(0)[d];
  return setReshaped(nc, {outer, inner});
}

/// Axes from the `axes` attribute (before `inputSince`) or input 1.
static FailureOr<SmallVector<int64_t>> getAxes(NodeContext &nc,
                                               int64_t inputSince) {
  if (nc.opset() < inputSince)
    return nc.getInts("axes");
  if (!nc.hasInput(1))
    return SmallVector<int64_t>();
  return nc.constInts(1, "axes");
}

static LogicalResult convertSqueeze(NodeContext &nc) {
  FailureOr<SmallVector<int64_t>> axes = getAxes(nc, 13);
  if (failed(axes))
    return failure();
  ArrayRef<int64_t> in = nc.shape(0);
  SmallVector<bool> drop(in.size(), false);
  if (axes->empty())
    for (auto [i, d] : llvm::enumerate(in))
      drop[i] = d == 1;
  for (int64_t a : *axes) {
    FailureOr<int64_t> n = nc.normalizeAxis(a, in.size());
    if (failed(n))
      return failure();
    if (in[*n] != 1) {
      nc.error() << "cannot squeeze dimension " << *n << " of size " << in[*n];
      return failure();
    }
    drop[*n] = true;
  }
  SmallVector<int64_t> shape;
  for (auto [i, d] : llvm::enumerate(in))
    if (!drop[i])
      shape.push_back(d);
  return setReshaped(nc, shape);
}

static LogicalResult convertUnsqueeze(NodeContext &nc) {
  FailureOr<SmallVector<int64_t>> axes = getAxes(nc, 13);
  if (failed(axes))
    return failure();
  ArrayRef<int64_t> in = nc.shape(0);
  int64_t rank = in.size() + axes->size();
  SmallVector<bool> inserted(rank, false);
  for (int64_t a : *axes) {
    FailureOr<int64_t> n = nc.normalizeAxis(a, rank);
    if (failed(n))
      return failure();
    if (inserted[*n]) {
      nc.error() << "axis " << a << " is repeated";
      return failure();
    }
    inserted[*n] = true;
  }
  SmallVector<int64_t> shape;
  size_t next = 0;
  for (int64_t d = 0; d < rank; ++d)
    shape.push_back(inserted[d] ? 1 : in[next++]);
  return setReshaped(nc, shape);
}

static LogicalResult convertTranspose(NodeContext &nc) {
  FailureOr<SmallVector<int64_t>> perm = nc.getInts("perm");
  if (failed(perm))
    return failure();
  int64_t rank = nc.type(0).getRank();
  if (!perm->empty() && (int64_t)perm->size() != rank) {
    nc.error() << "attribute 'perm' has " << perm->size()
               << " entries for rank " << rank;
    return failure();
  }
  if (perm->empty())
    for (int64_t d = rank - 1; d >= 0; --d)
      perm->push_back(d);
  SmallVector<int64_t> sorted(*perm);
  llvm::sort(sorted);
  for (int64_t d = 0; d < rank; ++d)
    if ((int64_t)sorted.size() != rank || sorted[d] != d) {
      nc.error() << "attribute 'perm' is not a permutation of " << rank
                 << " dimensions";
      return failure();
    }
  SmallVector<int64_t> shape;
  for (int64_t p : *perm)
    shape.push_back(nc.shape(0)[p]);
  Value x = nc.value(0);
  Value init =
      tensor::EmptyOp::create(nc.b, nc.loc, shape, nc.type(0).getElementType());
  Value y =
      linalg::TransposeOp::create(nc.b, nc.loc, x, init, *perm).getResult()[0];
  nc.setOutput(0, y, nc.input(0).onnxType);
  return success();
}

static LogicalResult convertConcat(NodeContext &nc) {
  FailureOr<int64_t> axisAttr = nc.getInt("axis", 0);
  if (failed(axisAttr) || !nc.hasInput(0))
    return failure();
  int64_t rank = nc.type(0).getRank();
  FailureOr<int64_t> axis = nc.normalizeAxis(*axisAttr, rank);
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(nc.shape(0));
  shape[*axis] = 0;
  bool allConst = true;
  for (unsigned i = 0; i < nc.numInputs(); ++i) {
    if (!nc.hasInput(i)) {
      nc.error() << "input " << i << " is empty";
      return failure();
    }
    RankedTensorType t = nc.type(i);
    for (int64_t d = 0; d < rank; ++d)
      if (t.getRank() != rank ||
          t.getElementType() != nc.type(0).getElementType() ||
          (d != *axis && t.getDimSize(d) != shape[d])) {
        nc.error() << "input " << i << " " << t
                   << " does not match the other inputs along axis " << *axis;
        return failure();
      }
    shape[*axis] += t.getDimSize(*axis);
    allConst &= nc.input(i).isConstant();
  }
  auto type = RankedTensorType::get(shape, nc.type(0).getElementType());
  if (allConst && type.getNumElements() <= 4096) {
    // Concatenate the bytes: outer blocks of each input in turn.
    int64_t outer = 1, bytes = getElementBytes(type.getElementType());
    for (int64_t d = 0; d < *axis; ++d)
      outer *= shape[d];
    auto data = std::make_shared<std::vector<char>>();
    for (int64_t o = 0; o < outer; ++o)
      for (unsigned i = 0; i < nc.numInputs(); ++i) {
        Tensor &t = nc.input(i);
        int64_t block =
            t.type.getNumElements() / std::max<int64_t>(outer, 1) * bytes;
        if (outer == 0)
          break;
        const char *src = t.data->data() + o * block;
        data->insert(data->end(), src, src + block);
      }
    Tensor t;
    t.type = type;
    t.onnxType = nc.input(0).onnxType;
    t.data = std::move(data);
    nc.setOutput(0, std::move(t));
    return success();
  }
  Value acc =
      tensor::EmptyOp::create(nc.b, nc.loc, shape, type.getElementType());
  int64_t offset = 0;
  for (unsigned i = 0; i < nc.numInputs(); ++i) {
    Value v = nc.value(i);
    SmallVector<OpFoldResult> offsets(rank, nc.b.getIndexAttr(0)), sizes,
        strides(rank, nc.b.getIndexAttr(1));
    offsets[*axis] = nc.b.getIndexAttr(offset);
    for (int64_t d : nc.shape(i))
      sizes.push_back(nc.b.getIndexAttr(d));
    acc = tensor::InsertSliceOp::create(nc.b, nc.loc, v, acc, offsets, sizes,
                                        strides);
    offset += nc.shape(i)[*axis];
  }
  nc.setOutput(0, acc, nc.input(0).onnxType);
  return success();
}

/// Extracts `sizes` at `offsets` with `steps` (folding constants).
static void setSlice(NodeContext &nc, unsigned out, ArrayRef<int64_t> offsets,
                     ArrayRef<int64_t> sizes, ArrayRef<int64_t> steps) {
  Tensor &in = nc.input(0);
  auto type = RankedTensorType::get(sizes, in.type.getElementType());
  if (in.isConstant() && in.type.getRank() == 1 &&
      !isa<FloatType>(in.type.getElementType())) {
    SmallVector<int64_t> vals = readInts(in), res;
    for (int64_t i = 0; i < sizes[0]; ++i)
      res.push_back(vals[offsets[0] + i * steps[0]]);
    nc.setOutput(out, makeIntConstant(type, in.onnxType, res));
    return;
  }
  SmallVector<OpFoldResult> o, s, st;
  for (size_t d = 0; d < sizes.size(); ++d) {
    o.push_back(nc.b.getIndexAttr(offsets[d]));
    s.push_back(nc.b.getIndexAttr(sizes[d]));
    st.push_back(nc.b.getIndexAttr(steps[d]));
  }
  Value x = nc.value(0);
  nc.setOutput(out,
               tensor::ExtractSliceOp::create(nc.b, nc.loc, type, x, o, s, st),
               in.onnxType);
}

static LogicalResult convertSlice(NodeContext &nc) {
  SmallVector<int64_t> starts, ends, axes, steps;
  if (nc.opset() < 10) {
    FailureOr<SmallVector<int64_t>> s = nc.getInts("starts"),
                                    e = nc.getInts("ends"),
                                    a = nc.getInts("axes");
    if (failed(s) || failed(e) || failed(a))
      return failure();
    starts = *s, ends = *e, axes = *a;
  } else {
    FailureOr<SmallVector<int64_t>> s = nc.constInts(1, "starts"),
                                    e = nc.constInts(2, "ends");
    if (failed(s) || failed(e))
      return failure();
    starts = *s, ends = *e;
    if (nc.hasInput(3)) {
      FailureOr<SmallVector<int64_t>> a = nc.constInts(3, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
    if (nc.hasInput(4)) {
      FailureOr<SmallVector<int64_t>> st = nc.constInts(4, "steps");
      if (failed(st))
        return failure();
      steps = *st;
    }
  }
  ArrayRef<int64_t> in = nc.shape(0);
  int64_t rank = in.size();
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size()) {
    nc.error() << "starts, ends, axes and steps must have the same length";
    return failure();
  }
  SmallVector<int64_t> offsets(rank, 0), sizes(in), strides(rank, 1);
  for (size_t i = 0; i < starts.size(); ++i) {
    FailureOr<int64_t> ax = nc.normalizeAxis(axes[i], rank);
    if (failed(ax))
      return failure();
    int64_t dim = in[*ax], step = steps[i];
    if (step <= 0) {
      nc.error() << "only positive slice steps are supported, got " << step;
      return failure();
    }
    auto clampIdx = [&](int64_t v) {
      if (v < 0)
        v += dim;
      return std::clamp<int64_t>(v, 0, dim);
    };
    int64_t s = clampIdx(starts[i]), e = clampIdx(ends[i]);
    offsets[*ax] = s;
    sizes[*ax] = std::max<int64_t>(0, (e - s + step - 1) / step);
    strides[*ax] = step;
  }
  setSlice(nc, 0, offsets, sizes, strides);
  return success();
}

static LogicalResult convertSplit(NodeContext &nc) {
  FailureOr<int64_t> axisAttr = nc.getInt("axis", 0);
  if (failed(axisAttr))
    return failure();
  int64_t rank = nc.type(0).getRank();
  FailureOr<int64_t> axis = nc.normalizeAxis(*axisAttr, rank);
  if (failed(axis))
    return failure();
  SmallVector<int64_t> split;
  if (nc.opset() < 13) {
    FailureOr<SmallVector<int64_t>> s = nc.getInts("split");
    if (failed(s))
      return failure();
    split = *s;
  } else if (nc.hasInput(1)) {
    FailureOr<SmallVector<int64_t>> s = nc.constInts(1, "split");
    if (failed(s))
      return failure();
    split = *s;
  }
  if (nc.opset() >= 18)
    if (failed(nc.getInt("num_outputs", 0)))
      return failure();
  int64_t dim = nc.shape(0)[*axis], n = nc.numOutputs();
  if (split.empty()) {
    int64_t chunk = (dim + n - 1) / n;
    for (int64_t i = 0; i < n; ++i)
      split.push_back(std::max<int64_t>(0, std::min(chunk, dim - i * chunk)));
  }
  int64_t total = 0;
  for (int64_t s : split) {
    if (s < 0) {
      nc.error() << "split sizes must not be negative";
      return failure();
    }
    total += s;
  }
  if ((int64_t)split.size() != n || total != dim) {
    nc.error() << "split sizes do not add up to dimension " << *axis
               << " of size " << dim << " over " << n << " outputs";
    return failure();
  }
  int64_t offset = 0;
  for (int64_t i = 0; i < n; ++i) {
    SmallVector<int64_t> offsets(rank, 0), sizes(nc.shape(0)), steps(rank, 1);
    offsets[*axis] = offset;
    sizes[*axis] = split[i];
    if (nc.hasOutput(i))
      setSlice(nc, i, offsets, sizes, steps);
    offset += split[i];
  }
  return success();
}

static LogicalResult convertGather(NodeContext &nc) {
  FailureOr<int64_t> axisAttr = nc.getInt("axis", 0);
  if (failed(axisAttr))
    return failure();
  RankedTensorType dt = nc.type(0), it = nc.type(1);
  if (isa<FloatType>(it.getElementType())) {
    nc.error() << "indices must be integers";
    return failure();
  }
  int64_t rank = dt.getRank();
  if (rank == 0) {
    nc.error() << "data must have rank >= 1";
    return failure();
  }
  FailureOr<int64_t> axis = nc.normalizeAxis(*axisAttr, rank);
  if (failed(axis))
    return failure();
  int64_t dim = dt.getDimSize(*axis);
  SmallVector<int64_t> shape(dt.getShape().take_front(*axis));
  shape.append(it.getShape().begin(), it.getShape().end());
  shape.append(dt.getShape().begin() + *axis + 1, dt.getShape().end());
  auto type = RankedTensorType::get(shape, dt.getElementType());
  Tensor &data = nc.input(0), &indices = nc.input(1);
  if (indices.isConstant())
    for (int64_t i : readInts(indices))
      if (i < -dim || i >= dim) {
        nc.error() << "index " << i << " is out of range for dimension of size "
                   << dim;
        return failure();
      }
  if (data.isConstant() && indices.isConstant() && rank == 1 &&
      !isa<FloatType>(dt.getElementType())) {
    SmallVector<int64_t> vals = readInts(data), res;
    for (int64_t i : readInts(indices))
      res.push_back(vals[i < 0 ? i + dim : i]);
    nc.setOutput(0, makeIntConstant(type, data.onnxType, res));
    return success();
  }
  // out[pre..., idx..., post...] = data[pre..., indices[idx...], post...]
  Value d = nc.value(0), idx = nc.value(1);
  MLIRContext *ctx = nc.ctx;
  int64_t outRank = shape.size(), ir = it.getRank();
  SmallVector<AffineExpr> idxExprs;
  for (int64_t i = 0; i < ir; ++i)
    idxExprs.push_back(getAffineDimExpr(*axis + i, ctx));
  SmallVector<AffineMap> maps = {
      AffineMap::get(outRank, 0, idxExprs, ctx),
      AffineMap::getMultiDimIdentityMap(outRank, ctx)};
  Value init =
      tensor::EmptyOp::create(nc.b, nc.loc, shape, dt.getElementType());
  SmallVector<utils::IteratorType> iters(outRank,
                                         utils::IteratorType::parallel);
  auto op = linalg::GenericOp::create(
      nc.b, nc.loc, type, idx, init, maps, iters,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value i = args[0];
        if (i.getType().getIntOrFloatBitWidth() < 64)
          i = isUnsignedONNXType(indices.onnxType)
                  ? (Value)arith::ExtUIOp::create(b, loc, b.getI64Type(), i)
                  : (Value)arith::ExtSIOp::create(b, loc, b.getI64Type(), i);
        Value zero = arith::ConstantIntOp::create(b, loc, 0, 64);
        Value neg =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i, zero);
        Value wrapped = arith::AddIOp::create(
            b, loc, i, arith::ConstantIntOp::create(b, loc, dim, 64));
        i = arith::SelectOp::create(b, loc, neg, wrapped, i);
        Value index = arith::IndexCastOp::create(b, loc, b.getIndexType(), i);
        SmallVector<Value> coords;
        for (int64_t k = 0; k < *axis; ++k)
          coords.push_back(linalg::IndexOp::create(b, loc, k));
        coords.push_back(index);
        for (int64_t k = *axis + ir; k < outRank; ++k)
          coords.push_back(linalg::IndexOp::create(b, loc, k));
        linalg::YieldOp::create(
            b, loc, tensor::ExtractOp::create(b, loc, d, coords).getResult());
      });
  nc.setOutput(0, op.getResult(0), data.onnxType);
  return success();
}

static LogicalResult convertShape(NodeContext &nc) {
  ArrayRef<int64_t> in = nc.shape(0);
  int64_t rank = in.size();
  FailureOr<int64_t> start = nc.getInt("start", 0);
  FailureOr<int64_t> end = nc.getInt("end", rank);
  if (failed(start) || failed(end))
    return failure();
  auto clampIdx = [&](int64_t v) {
    return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank);
  };
  int64_t s = clampIdx(*start), e = std::max(s, clampIdx(*end));
  SmallVector<int64_t> dims(in.begin() + s, in.begin() + e);
  auto type = RankedTensorType::get({(int64_t)dims.size()},
                                    IntegerType::get(nc.ctx, 64));
  nc.setOutput(0, makeIntConstant(type, onnx::TensorProto::INT64, dims));
  return success();
}

static LogicalResult convertSize(NodeContext &nc) {
  auto type = RankedTensorType::get({}, IntegerType::get(nc.ctx, 64));
  nc.setOutput(0, makeIntConstant(type, onnx::TensorProto::INT64,
                                  {nc.type(0).getNumElements()}));
  return success();
}

static LogicalResult convertConstant(NodeContext &nc) {
  if (nc.proto().attribute_size() != 1) {
    nc.error() << "expects exactly one attribute";
    return failure();
  }
  const onnx::AttributeProto &a = nc.proto().attribute(0);
  nc.ignoreAttr(a.name());
  auto f32 = Float32Type::get(nc.ctx);
  auto i64 = IntegerType::get(nc.ctx, 64);
  if (a.name() == "value") {
    FailureOr<Tensor> t = nc.readTensor(a.t());
    if (failed(t))
      return failure();
    nc.setOutput(0, std::move(*t));
  } else if (a.name() == "value_float") {
    nc.setOutput(0, makeFloatConstant(RankedTensorType::get({}, f32), {a.f()}));
  } else if (a.name() == "value_floats") {
    SmallVector<double> v(a.floats().begin(), a.floats().end());
    nc.setOutput(0, makeFloatConstant(
                        RankedTensorType::get({(int64_t)v.size()}, f32), v));
  } else if (a.name() == "value_int") {
    nc.setOutput(0, makeIntConstant(RankedTensorType::get({}, i64),
                                    onnx::TensorProto::INT64, {a.i()}));
  } else if (a.name() == "value_ints") {
    SmallVector<int64_t> v(a.ints().begin(), a.ints().end());
    nc.setOutput(
        0, makeIntConstant(RankedTensorType::get({(int64_t)v.size()}, i64),
                           onnx::TensorProto::INT64, v));
  } else {
    nc.error() << "unsupported attribute '" << a.name() << "'";
    return failure();
  }
  return success();
}

static LogicalResult convertConstantOfShape(NodeContext &nc) {
  FailureOr<SmallVector<int64_t>> shape = nc.constInts(0, "shape");
  if (failed(shape))
    return failure();
  const onnx::AttributeProto *a = nc.attr("value");
  Tensor value = makeFloatConstant(
      RankedTensorType::get({1}, Float32Type::get(nc.ctx)), {0.0});
  if (a) {
    FailureOr<Tensor> t = nc.readTensor(a->t());
    if (failed(t))
      return failure();
    value = *t;
  }
  if (value.type.getNumElements() != 1) {
    nc.error() << "attribute 'value' must hold one element";
    return failure();
  }
  int64_t n = 1;
  for (int64_t d : *shape) {
    if (d < 0 || (d > 0 && n > (int64_t(1) << 28) / d)) {
      nc.error() << "shape must be non-negative and below 2^28 elements";
      return failure();
    }
    n *= d;
  }
  auto type = RankedTensorType::get(*shape, value.type.getElementType());
  int64_t bytes = value.data->size();
  auto data = std::make_shared<std::vector<char>>(n * bytes);
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(data->data() + i * bytes, value.data->data(), bytes);
  Tensor t;
  t.type = type;
  t.onnxType = value.onnxType;
  t.data = std::move(data);
  nc.setOutput(0, std::move(t));
  return success();
}

static LogicalResult convertCast(NodeContext &nc) {
  FailureOr<int64_t> to = nc.getInt("to", 0);
  if (failed(to))
    return failure();
  nc.ignoreAttr("saturate");
  Type dst = convertElementType(nc.ctx, *to);
  if (!dst) {
    nc.error() << "unsupported target type " << *to;
    return failure();
  }
  Tensor &in = nc.input(0);
  Type src = in.type.getElementType();
  auto type = RankedTensorType::get(in.shape(), dst);
  if (in.isConstant() && in.type.getNumElements() <= 4096) {
    if (isa<FloatType>(dst) && isa<FloatType>(src))
      nc.setOutput(0, makeFloatConstant(type, readFloats(in)));
    else if (isa<FloatType>(dst))
      nc.setOutput(0, makeFloatConstant(type, readFloats(in)));
    else
      nc.setOutput(0, makeIntConstant(type, *to, readInts(in)));
    return success();
  }
  bool srcUnsigned = isUnsignedONNXType(in.onnxType);
  bool dstUnsigned = isUnsignedONNXType(*to);
  Value x = nc.value(0);
  FailureOr<Value> r = buildElementwise(
      nc, {x}, dst, [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
        Value v = a[0];
        if (src == dst)
          return v;
        bool sf = isa<FloatType>(src), df = isa<FloatType>(dst);
        unsigned sw = src.getIntOrFloatBitWidth(),
                 dw = dst.getIntOrFloatBitWidth();
        if (dst.isInteger(1)) {
          if (sf)
            return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v,
                                         buildScalar(b, loc, src, 0.0));
          return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v,
                                       buildScalar(b, loc, src, 0.0));
        }
        if (sf && df)
          return sw < dw ? (Value)arith::ExtFOp::create(b, loc, dst, v)
                         : (Value)arith::TruncFOp::create(b, loc, dst, v);
        if (sf)
          return dstUnsigned ? (Value)arith::FPToUIOp::create(b, loc, dst, v)
                             : (Value)arith::FPToSIOp::create(b, loc, dst, v);
        if (df)
          return srcUnsigned || src.isInteger(1)
                     ? (Value)arith::UIToFPOp::create(b, loc, dst, v)
                     : (Value)arith::SIToFPOp::create(b, loc, dst, v);
        if (sw < dw)
          return srcUnsigned || src.isInteger(1)
                     ? (Value)arith::ExtUIOp::create(b, loc, dst, v)
                     : (Value)arith::ExtSIOp::create(b, loc, dst, v);
        if (sw > dw)
          return arith::TruncIOp::create(b, loc, dst, v);
        return v;
      });
  if (failed(r))
    return failure();
  nc.setOutput(0, *r, *to);
  return success();
}

static LogicalResult convertExpand(NodeContext &nc) {
  FailureOr<SmallVector<int64_t>> shape = nc.constInts(1, "shape");
  if (failed(shape))
    return failure();
  Value x = nc.value(0);
  // Broadcast by an elementwise copy against a shape-only operand.
  FailureOr<SmallVector<int64_t>> out =
      broadcastShapes({nc.shape(0), ArrayRef<int64_t>(*shape)});
  if (failed(out)) {
    nc.error() << nc.type(0) << " does not broadcast to the given shape";
    return failure();
  }
  Type elem = nc.type(0).getElementType();
  Value shapeOnly = tensor::EmptyOp::create(nc.b, nc.loc, *out, elem);
  FailureOr<Value> r = buildElementwise(
      nc, {x, shapeOnly}, elem,
      [](OpBuilder &, Location, ValueRange a) -> Value { return a[0]; });
  if (failed(r))
    return failure();
  nc.setOutput(0, *r, nc.input(0).onnxType);
  return success();
}

void onnx_import::populateShapeConverters(ConverterMap &map) {
  map["Identity"] = convertIdentity;
  map["Dropout"] = convertIdentity;
  map["Reshape"] = convertReshape;
  map["Flatten"] = convertFlatten;
  map["Squeeze"] = convertSqueeze;
  map["Unsqueeze"] = convertUnsqueeze;
  map["Transpose"] = convertTranspose;
  map["Concat"] = convertConcat;
  map["Slice"] = convertSlice;
  map["Split"] = convertSplit;
  map["Gather"] = convertGather;
  map["Shape"] = convertShape;
  map["Size"] = convertSize;
  map["Constant"] = convertConstant;
  map["ConstantOfShape"] = convertConstantOfShape;
  map["Cast"] = convertCast;
  map["Expand"] = convertExpand;
}
