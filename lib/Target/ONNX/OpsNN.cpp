//===- OpsNN.cpp - ONNX convolution, pooling and batch normalization ------===//

#include "Importer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::sparq;
using namespace mlir::sparq::onnx_import;

namespace {
/// Spatial geometry of a convolution or pooling window.
struct Window {
  SmallVector<int64_t> kernel, strides, dilations, padBegin, padEnd, out;
  /// End padding before the ceil-mode extension.
  SmallVector<int64_t> explicitPadEnd;
};
} // namespace

/// Reads kernel_shape / strides / dilations / pads / auto_pad for `spatial`
/// dimensions of `inShape` ([N, C, spatial...]) and computes output sizes.
static FailureOr<Window> readWindow(NodeContext &nc, ArrayRef<int64_t> inShape,
                                    ArrayRef<int64_t> kernel, bool ceilMode) {
  size_t n = kernel.size();
  Window w;
  w.kernel.assign(kernel.begin(), kernel.end());
  FailureOr<SmallVector<int64_t>> strides = nc.getInts("strides");
  FailureOr<SmallVector<int64_t>> dilations = nc.getInts("dilations");
  FailureOr<SmallVector<int64_t>> pads = nc.getInts("pads");
  FailureOr<std::string> autoPad = nc.getString("auto_pad", "NOTSET");
  if (failed(strides) || failed(dilations) || failed(pads) || failed(autoPad))
    return failure();
  w.strides = strides->empty() ? SmallVector<int64_t>(n, 1) : *strides;
  w.dilations = dilations->empty() ? SmallVector<int64_t>(n, 1) : *dilations;
  if (w.strides.size() != n || w.dilations.size() != n ||
      (!pads->empty() && pads->size() != 2 * n)) {
    nc.error() << "strides, dilations and pads must have " << n << ", " << n
               << " and " << 2 * n << " entries";
    return failure();
  }
  for (int64_t v : llvm::concat<int64_t>(w.strides, w.dilations, w.kernel))
    if (v < 1) {
      nc.error() << "kernel sizes, strides and dilations must be positive";
      return failure();
    }
  w.padBegin.assign(n, 0);
  w.padEnd.assign(n, 0);
  bool same = *autoPad == "SAME_UPPER" || *autoPad == "SAME_LOWER";
  if (*autoPad != "NOTSET" && *autoPad != "VALID" && !same) {
    nc.error() << "attribute 'auto_pad' has invalid value '" << *autoPad << "'";
    return failure();
  }
  if (*autoPad == "NOTSET" && !pads->empty())
    for (size_t i = 0; i < n; ++i) {
      w.padBegin[i] = (*pads)[i];
      w.padEnd[i] = (*pads)[n + i];
      if (w.padBegin[i] < 0 || w.padEnd[i] < 0) {
        nc.error() << "negative pads are not supported";
        return failure();
      }
    }
  for (size_t i = 0; i < n; ++i) {
    int64_t in = inShape[2 + i];
    int64_t eff = (w.kernel[i] - 1) * w.dilations[i] + 1;
    if (same) {
      int64_t out = (in + w.strides[i] - 1) / w.strides[i];
      int64_t total = std::max<int64_t>(0, (out - 1) * w.strides[i] + eff - in);
      int64_t small = total / 2;
      w.padBegin[i] = *autoPad == "SAME_UPPER" ? small : total - small;
      w.padEnd[i] = total - w.padBegin[i];
    }
    int64_t span = in + w.padBegin[i] + w.padEnd[i] - eff;
    if (span < 0) {
      nc.error() << "window of " << eff << " exceeds padded input size "
                 << in + w.padBegin[i] + w.padEnd[i];
      return failure();
    }
    int64_t out = (ceilMode ? (span + w.strides[i] - 1) / w.strides[i]
                            : span / w.strides[i]) +
                  1;
    if (ceilMode && (out - 1) * w.strides[i] >= in + w.padBegin[i])
      --out; // The last window must start inside the input or begin padding.
    w.explicitPadEnd.push_back(w.padEnd[i]);
    // Extend the end padding so that the ceil-mode windows fit.
    w.padEnd[i] += std::max<int64_t>(0, (out - 1) * w.strides[i] + eff -
                                            (in + w.padBegin[i] + w.padEnd[i]));
    w.out.push_back(out);
  }
  return w;
}

static Value pad(NodeContext &nc, Value x, const Window &w, TypedAttr value) {
  if (llvm::all_of(llvm::concat<const int64_t>(w.padBegin, w.padEnd),
                   [](int64_t p) { return p == 0; }))
    return x;
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> lo = {0, 0}, hi = {0, 0};
  lo.append(w.padBegin);
  hi.append(w.padEnd);
  SmallVector<int64_t> shape(type.getShape());
  for (size_t i = 0; i < w.padBegin.size(); ++i)
    shape[2 + i] += w.padBegin[i] + w.padEnd[i];
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  Value padValue = arith::ConstantOp::create(nc.b, nc.loc, value);
  SmallVector<OpFoldResult> low, high;
  for (int64_t v : lo)
    low.push_back(nc.b.getIndexAttr(v));
  for (int64_t v : hi)
    high.push_back(nc.b.getIndexAttr(v));
  return tensor::PadOp::create(nc.b, nc.loc, resultType, x, low, high,
                               padValue);
}

static DenseIntElementsAttr i64Attr(OpBuilder &b, ArrayRef<int64_t> v) {
  return DenseIntElementsAttr::get(
      RankedTensorType::get({(int64_t)v.size()}, b.getI64Type()), v);
}

//===----------------------------------------------------------------------===//
// Conv (+ BatchNormalization folding)
//===----------------------------------------------------------------------===//

namespace {
struct BNParams {
  SmallVector<double> scale, bias, mean, var;
  float epsilon;
};
} // namespace

/// Reads the constant parameters of a BatchNormalization node, if it is an
/// inference-mode node whose parameters are all constants.
static std::optional<BNParams>
getFoldableBN(NodeContext &nc, const onnx::NodeProto &bn, int64_t channels) {
  if (bn.op_type() != "BatchNormalization" || !bn.domain().empty() ||
      bn.input_size() != 5 || bn.output_size() > 1)
    return std::nullopt;
  BNParams p;
  p.epsilon = 1e-5f;
  for (const auto &a : bn.attribute()) {
    if (a.name() == "epsilon" && a.type() == onnx::AttributeProto::FLOAT)
      p.epsilon = a.f();
    else if (a.name() == "momentum" ||
             (a.name() == "training_mode" && a.i() == 0) ||
             (a.name() == "spatial" && a.i() == 1))
      continue;
    else
      return std::nullopt;
  }
  // The conv's output must be the normalized input, not a parameter.
  if (bn.input(0) != nc.proto().output(0))
    return std::nullopt;
  SmallVector<double> *dst[4] = {&p.scale, &p.bias, &p.mean, &p.var};
  NodeContext bnc(nc.importer, bn);
  for (int i = 0; i < 4; ++i) {
    Tensor *param = bnc.lookupInput(i + 1);
    if (!param)
      return std::nullopt;
    Tensor &t = *param;
    if (!t.isConstant() || t.type.getRank() != 1 ||
        t.type.getDimSize(0) != channels ||
        !isa<FloatType>(t.type.getElementType()))
      return std::nullopt;
    *dst[i] = readFloats(t);
  }
  return p;
}

static LogicalResult convertConv(NodeContext &nc) {
  RankedTensorType xt = nc.type(0), wt = nc.type(1);
  if (failed(nc.getInts("kernel_shape")))
    return failure();
  FailureOr<int64_t> group = nc.getInt("group", 1);
  if (failed(group))
    return failure();
  if (!isa<FloatType>(xt.getElementType()) ||
      xt.getElementType() != wt.getElementType()) {
    nc.error() << "X and W must be float tensors of the same type";
    return failure();
  }
  int64_t rank = xt.getRank();
  if ((rank != 3 && rank != 4) || wt.getRank() != rank) {
    nc.error() << "only 1-D and 2-D convolutions are supported (X " << xt
               << ", W " << wt << ")";
    return failure();
  }
  int64_t c = xt.getDimSize(1), f = wt.getDimSize(0), g = *group;
  if (g < 1 || c % g != 0 || f % g != 0 || wt.getDimSize(1) != c / g) {
    nc.error() << "W " << wt << " does not match X " << xt << " with group "
               << g;
    return failure();
  }
  if (rank == 3 && g != 1) {
    nc.error() << "grouped 1-D convolutions are not supported";
    return failure();
  }
  FailureOr<Window> w =
      readWindow(nc, xt.getShape(), wt.getShape().drop_front(2), false);
  if (failed(w))
    return failure();

  OpBuilder &b = nc.b;
  Type elem = xt.getElementType();
  Tensor &wTensor = nc.input(1);
  std::optional<SmallVector<double>> bias;
  if (nc.hasInput(2)) {
    Tensor &bt = nc.input(2);
    if (bt.type.getRank() != 1 || bt.type.getDimSize(0) != f) {
      nc.error() << "B " << bt.type << " must have " << f << " elements";
      return failure();
    }
    if (bt.isConstant())
      bias = readFloats(bt);
  }

  // Fold a following BatchNormalization into the weights and bias.
  const onnx::NodeProto *bn = nullptr;
  Value weight, biasValue;
  Location loc = nc.loc;
  if (nc.options().foldBatchNorm && wTensor.isConstant() &&
      (!nc.hasInput(2) || bias))
    if (const onnx::NodeProto *next = nc.soleConsumer(0))
      if (std::optional<BNParams> p = getFoldableBN(nc, *next, f)) {
        bn = next;
        SmallVector<double> wv = readFloats(wTensor);
        SmallVector<double> bv(f, 0.0);
        int64_t per = wv.size() / f;
        for (int64_t o = 0; o < f; ++o) {
          double s = p->scale[o] / std::sqrt(p->var[o] + (double)p->epsilon);
          for (int64_t i = 0; i < per; ++i)
            wv[o * per + i] *= s;
          bv[o] = ((bias ? (*bias)[o] : 0.0) - p->mean[o]) * s + p->bias[o];
        }
        Tensor wf = makeFloatConstant(wt, wv);
        wf.name = wTensor.name + ".bn_folded";
        Tensor bf = makeFloatConstant(RankedTensorType::get({f}, elem), bv);
        bf.name = (nc.hasInput(2) ? nc.input(2).name : wTensor.name + ".bias") +
                  ".bn_folded";
        NodeContext bnc(nc.importer, *bn);
        loc = FusedLoc::get(nc.ctx, {nc.loc, bnc.loc});
        weight = nc.materialize(wf, loc);
        biasValue = nc.materialize(bf, loc);
      }
  Value x = nc.value(0);
  if (!weight) {
    weight = nc.value(1);
    if (nc.hasInput(2))
      biasValue = nc.value(2);
  }

  x = pad(nc, x, *w, getScalarAttr(elem, 0.0));
  SmallVector<int64_t> outShape = {xt.getDimSize(0), f};
  outShape.append(w->out);
  Value y;
  if (rank == 3) {
    Value init = buildFilled(b, loc, outShape, elem, getScalarAttr(elem, 0.0));
    Operation *conv = linalg::Conv1DNcwFcwOp::create(
        b, loc, TypeRange{init.getType()}, ValueRange{x, weight},
        ValueRange{init}, i64Attr(b, w->strides), i64Attr(b, w->dilations));
    nc.nameLayer(conv);
    y = conv->getResult(0);
  } else if (g == 1) {
    Value init = buildFilled(b, loc, outShape, elem, getScalarAttr(elem, 0.0));
    Operation *conv = linalg::Conv2DNchwFchwOp::create(
        b, loc, TypeRange{init.getType()}, ValueRange{x, weight},
        ValueRange{init}, i64Attr(b, w->strides), i64Attr(b, w->dilations));
    nc.nameLayer(conv);
    y = conv->getResult(0);
  } else {
    // Grouped: X [N, G, C/G, H, W], W [G, F/G, C/G, KH, KW].
    auto xs = cast<RankedTensorType>(x.getType()).getShape();
    Value xg = buildReshape(b, loc, x, {xs[0], g, c / g, xs[2], xs[3]});
    Value wg = buildReshape(
        b, loc, weight, {g, f / g, c / g, wt.getDimSize(2), wt.getDimSize(3)});
    SmallVector<int64_t> gShape = {xs[0], g, f / g, w->out[0], w->out[1]};
    Value init = buildFilled(b, loc, gShape, elem, getScalarAttr(elem, 0.0));
    Operation *conv = linalg::Conv2DNgchwGfchwOp::create(
        b, loc, TypeRange{init.getType()}, ValueRange{xg, wg}, ValueRange{init},
        i64Attr(b, w->strides), i64Attr(b, w->dilations));
    nc.nameLayer(conv);
    y = conv->getResult(0);
    y = buildReshape(b, loc, y, outShape);
  }
  if (biasValue) {
    SmallVector<int64_t> bshape = {f};
    bshape.append(rank - 2, 1);
    Value bb = buildReshape(b, loc, biasValue, bshape);
    FailureOr<Value> r =
        buildElementwise(nc, {y, bb}, elem,
                         [](OpBuilder &b, Location loc, ValueRange a) -> Value {
                           return arith::AddFOp::create(b, loc, a[0], a[1]);
                         });
    if (failed(r))
      return failure();
    y = *r;
  }
  if (bn) {
    nc.setOutputOf(*bn, 0, y);
    nc.markConverted(*bn);
  }
  nc.setOutput(0, y);
  return success();
}

static LogicalResult convertBatchNorm(NodeContext &nc) {
  FailureOr<float> eps = nc.getFloat("epsilon", 1e-5f);
  if (failed(eps))
    return failure();
  nc.ignoreAttr("momentum");
  FailureOr<int64_t> training = nc.getInt("training_mode", 0);
  if (failed(training))
    return failure();
  if (*training != 0 || nc.hasOutput(1) || nc.hasOutput(2)) {
    nc.error() << "training mode is not supported";
    return failure();
  }
  if (nc.opset() < 9) {
    FailureOr<int64_t> spatial = nc.getInt("spatial", 1);
    if (failed(spatial))
      return failure();
    if (*spatial != 1) {
      nc.error() << "attribute 'spatial' = 0 is not supported";
      return failure();
    }
  }
  RankedTensorType xt = nc.type(0);
  if (xt.getRank() < 2 || !isa<FloatType>(xt.getElementType())) {
    nc.error() << "X must be a float tensor of rank >= 2";
    return failure();
  }
  int64_t c = xt.getDimSize(1);
  SmallVector<int64_t> pshape = {c};
  pshape.append(xt.getRank() - 2, 1);
  SmallVector<Value> ins = {nc.value(0)};
  for (unsigned i = 1; i <= 4; ++i) {
    if (nc.type(i).getShape() != ArrayRef<int64_t>{c}) {
      nc.error() << "input " << i << " must have shape [" << c << "], not "
                 << nc.type(i);
      return failure();
    }
    ins.push_back(buildReshape(nc.b, nc.loc, nc.value(i), pshape));
  }
  float e = *eps;
  FailureOr<Value> y = buildElementwise(
      nc, ins, xt.getElementType(),
      [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
        Value d = arith::SubFOp::create(b, loc, a[0], a[3]);
        Value v = arith::AddFOp::create(b, loc, a[4],
                                        buildScalar(b, loc, a[4].getType(), e));
        Value s = arith::DivFOp::create(b, loc, a[1],
                                        math::SqrtOp::create(b, loc, v));
        return arith::AddFOp::create(b, loc,
                                     arith::MulFOp::create(b, loc, d, s), a[2]);
      });
  if (failed(y))
    return failure();
  nc.setOutput(0, *y);
  return success();
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

static LogicalResult checkPoolInput(NodeContext &nc) {
  RankedTensorType xt = nc.type(0);
  if (xt.getRank() != 4 || !isa<FloatType>(xt.getElementType())) {
    nc.error() << "only 2-D pooling of float NCHW tensors is supported, not "
               << xt;
    return failure();
  }
  return success();
}

static LogicalResult convertPool(NodeContext &nc, bool isMax) {
  if (failed(checkPoolInput(nc)))
    return failure();
  FailureOr<SmallVector<int64_t>> kernel = nc.getInts("kernel_shape");
  FailureOr<int64_t> ceilMode = nc.getInt("ceil_mode", 0);
  FailureOr<int64_t> countPad =
      isMax ? FailureOr<int64_t>(0) : nc.getInt("count_include_pad", 0);
  if (failed(kernel) || failed(ceilMode) || failed(countPad))
    return failure();
  if (kernel->size() != 2) {
    nc.error() << "attribute 'kernel_shape' must have 2 entries";
    return failure();
  }
  if (isMax) {
    FailureOr<int64_t> order = nc.getInt("storage_order", 0);
    if (failed(order))
      return failure();
    if (nc.hasOutput(1)) {
      nc.error() << "output Indices is not supported";
      return failure();
    }
  }
  RankedTensorType xt = nc.type(0);
  FailureOr<Window> w = readWindow(nc, xt.getShape(), *kernel, *ceilMode);
  if (failed(w))
    return failure();
  if (!isMax && llvm::any_of(w->dilations, [](int64_t d) { return d != 1; })) {
    nc.error() << "dilated average pooling is not supported";
    return failure();
  }
  OpBuilder &b = nc.b;
  Location loc = nc.loc;
  Type elem = xt.getElementType();
  SmallVector<int64_t> outShape = {xt.getDimSize(0), xt.getDimSize(1),
                                   w->out[0], w->out[1]};
  Value x = pad(nc, nc.value(0), *w,
                isMax ? getLowestAttr(elem) : getScalarAttr(elem, 0.0));
  Value window = tensor::EmptyOp::create(b, loc, *kernel, elem);
  Value y;
  if (isMax) {
    Value init = buildFilled(b, loc, outShape, elem, getLowestAttr(elem));
    y = linalg::PoolingNchwMaxOp::create(
            b, loc, TypeRange{init.getType()}, ValueRange{x, window},
            ValueRange{init}, i64Attr(b, w->strides), i64Attr(b, w->dilations))
            .getResult(0);
    nc.setOutput(0, y);
    return success();
  }
  Value init = buildFilled(b, loc, outShape, elem, getScalarAttr(elem, 0.0));
  y = linalg::PoolingNchwSumOp::create(
          b, loc, TypeRange{init.getType()}, ValueRange{x, window},
          ValueRange{init}, i64Attr(b, w->strides), i64Attr(b, w->dilations))
          .getResult(0);
  // Divisor per output position: the window's elements inside the input
  // (count_include_pad = 0) or inside input + explicit pads (= 1); the
  // ceil-mode extension never counts.
  int64_t h = xt.getDimSize(2), wd = xt.getDimSize(3);
  SmallVector<double> counts;
  for (int64_t oh = 0; oh < w->out[0]; ++oh)
    for (int64_t ow = 0; ow < w->out[1]; ++ow) {
      auto count = [&](int64_t o, int64_t i, int64_t in) {
        int64_t start = o * w->strides[i] - w->padBegin[i];
        int64_t end = start + (*kernel)[i];
        int64_t lo = *countPad ? -w->padBegin[i] : 0;
        int64_t hi = *countPad ? in + w->explicitPadEnd[i] : in;
        return std::max<int64_t>(0, std::min(end, hi) - std::max(start, lo));
      };
      counts.push_back((double)(count(oh, 0, h) * count(ow, 1, wd)));
    }
  Tensor ct = makeFloatConstant(
      RankedTensorType::get({w->out[0], w->out[1]}, elem), counts);
  ct.name = nc.name().str() + ".count";
  Value cv = nc.materialize(ct, loc);
  FailureOr<Value> r = buildElementwise(
      nc, {y, cv}, elem, [](OpBuilder &b, Location loc, ValueRange a) -> Value {
        return arith::DivFOp::create(b, loc, a[0], a[1]);
      });
  if (failed(r))
    return failure();
  nc.setOutput(0, *r);
  return success();
}

static LogicalResult convertGlobalPool(NodeContext &nc, bool isMax) {
  RankedTensorType xt = nc.type(0);
  if (xt.getRank() < 3 || !isa<FloatType>(xt.getElementType())) {
    nc.error() << "X must be a float tensor of rank >= 3, not " << xt;
    return failure();
  }
  SmallVector<int64_t> axes, kept = {xt.getDimSize(0), xt.getDimSize(1)};
  int64_t count = 1;
  for (int64_t d = 2; d < xt.getRank(); ++d) {
    axes.push_back(d);
    kept.push_back(1);
    count *= xt.getDimSize(d);
  }
  Type elem = xt.getElementType();
  Value r =
      buildReduce(nc.b, nc.loc, nc.value(0), axes,
                  isMax ? getLowestAttr(elem) : getScalarAttr(elem, 0.0),
                  [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
                    if (isMax)
                      return arith::MaximumFOp::create(b, loc, a[0], a[1]);
                    return arith::AddFOp::create(b, loc, a[0], a[1]);
                  });
  if (!isMax) {
    FailureOr<Value> m = buildElementwise(
        nc, {r}, elem, [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
          return arith::DivFOp::create(
              b, loc, a[0], buildScalar(b, loc, a[0].getType(), count));
        });
    if (failed(m))
      return failure();
    r = *m;
  }
  nc.setOutput(0, buildReshape(nc.b, nc.loc, r, kept));
  return success();
}

void onnx_import::populateNNConverters(ConverterMap &map) {
  map["Conv"] = convertConv;
  map["BatchNormalization"] = convertBatchNorm;
  map["MaxPool"] = [](NodeContext &nc) { return convertPool(nc, true); };
  map["AveragePool"] = [](NodeContext &nc) { return convertPool(nc, false); };
  map["GlobalAveragePool"] = [](NodeContext &nc) {
    return convertGlobalPool(nc, false);
  };
  map["GlobalMaxPool"] = [](NodeContext &nc) {
    return convertGlobalPool(nc, true);
  };
}
