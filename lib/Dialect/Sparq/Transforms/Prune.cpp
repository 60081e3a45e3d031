//===- Prune.cpp - Zero the least important weights -----------------------===//
//
// Magnitude (per layer or global), N:M and block pruning of annotated
// constant weights, with Wanda-style activation-aware scores when the layer
// carries calibration statistics.
//
//===----------------------------------------------------------------------===//

#include "sparq/Dialect/Sparq/Transforms/Passes.h"

#include "sparq/Dialect/Sparq/IR/SparqOps.h"
#include "sparq/Dialect/Sparq/Utils/Constants.h"
#include "sparq/Dialect/Sparq/Utils/Layers.h"

#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/Matchers.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace mlir::sparq {
#define GEN_PASS_DEF_SPARQPRUNE
#include "sparq/Dialect/Sparq/Transforms/Passes.h.inc"
} // namespace mlir::sparq

using namespace mlir;
using namespace mlir::sparq;

namespace {

/// The calibration statistic read by activation-aware pruning: per input
/// channel L2 norm of the layer's activations.
constexpr StringLiteral kActNormAttrName = "sparq.act_norm";

/// A layer to prune and its weight on the host.
struct Target {
  Layer layer;
  SparsitySpecAttr spec;
  RankedTensorType type;
  std::vector<float> data;
  std::vector<float> scores;
};

/// Indices `order` sorted so that the first `k` are the lowest (score, index)
/// pairs.
void selectLowest(std::vector<int64_t> &order, int64_t k,
                  function_ref<float(int64_t)> score) {
  if (k <= 0 || k >= int64_t(order.size()))
    return; // none or all of them
  std::nth_element(order.begin(), order.begin() + k, order.end(),
                   [&](int64_t a, int64_t b) {
                     float sa = score(a), sb = score(b);
                     return sa < sb || (sa == sb && a < b);
                   });
}

struct SparqPrunePass : public sparq::impl::SparqPruneBase<SparqPrunePass> {
  using SparqPruneBase::SparqPruneBase;

  /// Reads the weight and computes its scores; returns std::nullopt for
  /// layers this pass does not prune.
  FailureOr<std::optional<Target>> prepare(Layer &layer) {
    if (!layer.annotation)
      return std::optional<Target>();
    SpecParts parts = *getSpecParts(layer.annotation.getSpec());
    if (!parts.sparsity || parts.lowRank ||
        parts.sparsity.getKind() == SparsityKind::Channel)
      return std::optional<Target>();
    Operation *op = layer.op;
    Attribute value;
    if (!matchPattern(layer.source, m_Constant(&value)))
      return std::optional<Target>();
    Target t;
    t.layer = layer;
    t.spec = parts.sparsity;
    t.type = cast<RankedTensorType>(layer.source.getType());
    FailureOr<std::vector<float>> data = readFloatConstant(value, t.type);
    if (failed(data))
      return op->emitError() << "cannot prune layer '" << layer.name
                             << "': its weight must be a dense or "
                                "dense_resource constant of f32, f16 or bf16";
    t.data = std::move(*data);
    t.scores.resize(t.data.size());
    for (auto [i, w] : llvm::enumerate(t.data)) {
      if (!std::isfinite(w))
        return op->emitError() << "cannot prune layer '" << layer.name
                               << "': weight element " << i
                               << " is not finite";
      t.scores[i] = std::fabs(w);
    }

    Attribute norm = useActNorm ? op->getAttr(kActNormAttrName) : Attribute();
    if (!norm) {
      if (requireActNorm)
        return op->emitError()
               << "layer '" << layer.name << "' has no '" << kActNormAttrName
               << "' calibration statistics, which require-act-norm asks for; "
                  "run calibration first";
      return std::optional<Target>(std::move(t));
    }
    ArrayRef<int64_t> shape = t.type.getShape();
    int64_t inAxis = layer.weight.inAxis;
    auto dense = dyn_cast<DenseFPElementsAttr>(norm);
    if (inAxis < 0)
      return op->emitError() << "'" << kActNormAttrName << "' on layer '"
                             << layer.name
                             << "' has no input-channel axis to apply to";
    if (!dense || dense.getType().getRank() != 1 ||
        dense.getNumElements() != shape[inAxis])
      return op->emitError()
             << "'" << kActNormAttrName << "' of layer '" << layer.name
             << "' must be a dense float tensor of " << shape[inAxis]
             << " per-input-channel norms, got " << norm;
    SmallVector<float> norms;
    for (APFloat v : dense.getValues<APFloat>()) {
      double d = v.convertToDouble();
      if (!(d >= 0.0) || !std::isfinite(d))
        return op->emitError() << "'" << kActNormAttrName << "' of layer '"
                               << layer.name
                               << "' must hold finite non-negative norms";
      norms.push_back(float(d));
    }
    SmallVector<int64_t> strides = computeStrides(shape);
    for (int64_t i = 0, e = t.scores.size(); i < e; ++i)
      t.scores[i] *= norms[(i / strides[inAxis]) % shape[inAxis]];
    return std::optional<Target>(std::move(t));
  }

  void pruneUnstructured(Target &t) {
    int64_t n = t.data.size();
    int64_t k = int64_t(std::floor(t.spec.getRatio().convertToDouble() * n));
    std::vector<int64_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    selectLowest(order, k, [&](int64_t i) { return t.scores[i]; });
    for (int64_t j = 0; j < k; ++j)
      t.data[order[j]] = 0.0f;
  }

  void pruneNM(Target &t) {
    ArrayRef<int64_t> shape = t.type.getShape();
    int64_t axis = t.spec.getAxis(), n = t.spec.getN(), m = t.spec.getM();
    int64_t stride = computeStrides(shape)[axis];
    SmallVector<int64_t> group(m);
    for (int64_t i = 0, e = t.data.size(); i < e; ++i) {
      if ((i / stride) % shape[axis] % m != 0)
        continue;
      for (int64_t j = 0; j < m; ++j)
        group[j] = i + j * stride;
      // Highest scores first; ties keep the lower index.
      llvm::sort(group, [&](int64_t a, int64_t b) {
        return t.scores[a] > t.scores[b] ||
               (t.scores[a] == t.scores[b] && a < b);
      });
      for (int64_t j = n; j < m; ++j)
        t.data[group[j]] = 0.0f;
    }
  }

  void pruneBlocks(Target &t) {
    ArrayRef<int64_t> shape = t.type.getShape();
    ArrayRef<int64_t> block = t.spec.getBlockShape();
    int64_t rank = shape.size();
    SmallVector<int64_t> grid(rank);
    for (int64_t d = 0; d < rank; ++d)
      grid[d] = shape[d] / block[d];
    SmallVector<int64_t> strides = computeStrides(shape);
    SmallVector<int64_t> gridStrides = computeStrides(grid);
    auto blockOf = [&](int64_t i) {
      int64_t id = 0;
      for (int64_t d = 0; d < rank; ++d)
        id += ((i / strides[d]) % shape[d] / block[d]) * gridStrides[d];
      return id;
    };
    int64_t numBlocks = ShapedType::getNumElements(grid);
    std::vector<double> norm2(numBlocks, 0.0);
    for (int64_t i = 0, e = t.data.size(); i < e; ++i)
      norm2[blockOf(i)] += double(t.scores[i]) * t.scores[i];
    int64_t k =
        int64_t(std::floor(t.spec.getRatio().convertToDouble() * numBlocks));
    std::vector<int64_t> order(numBlocks);
    std::iota(order.begin(), order.end(), 0);
    selectLowest(order, k, [&](int64_t b) { return float(norm2[b]); });
    std::vector<bool> zeroed(numBlocks, false);
    for (int64_t j = 0; j < k; ++j)
      zeroed[order[j]] = true;
    for (int64_t i = 0, e = t.data.size(); i < e; ++i)
      if (zeroed[blockOf(i)])
        t.data[i] = 0.0f;
  }

  /// One threshold over all unstructured targets.
  float pruneGlobal(MutableArrayRef<Target *> targets) {
    std::vector<std::pair<int64_t, int64_t>> all; // (target, index)
    int64_t k = 0;
    for (auto [ti, t] : llvm::enumerate(targets)) {
      int64_t n = t->data.size();
      k += int64_t(std::floor(t->spec.getRatio().convertToDouble() * n));
      for (int64_t i = 0; i < n; ++i)
        all.emplace_back(ti, i);
    }
    auto score = [&](int64_t j) {
      return targets[all[j].first]->scores[all[j].second];
    };
    std::vector<int64_t> order(all.size());
    std::iota(order.begin(), order.end(), 0);
    selectLowest(order, k, score);
    float threshold = 0.0f;
    for (int64_t j = 0; j < k; ++j) {
      auto [ti, i] = all[order[j]];
      threshold = std::max(threshold, score(order[j]));
      targets[ti]->data[i] = 0.0f;
    }
    return threshold;
  }

  /// Writes the pruned weight back and records the achieved sparsity.
  void commit(Target &t) {
    AnnotateOp inner = t.layer.annotation;
    while (auto next = inner.getInput().getDefiningOp<AnnotateOp>())
      inner = next;
    OpBuilder b(inner);
    Value old = inner.getInput();
    std::vector<char> bytes = encodeFloats(t.data, t.type.getElementType());
    Value pruned = createConstant(b, old.getLoc(), t.type, bytes,
                                  t.layer.name + ".pruned");
    inner.getInputMutable().assign(pruned);
    if (old.use_empty())
      old.getDefiningOp()->erase();
    int64_t zeros = llvm::count(t.data, 0.0f);
    numZeroed += zeros;
    ++numPruned;
    t.layer.annotation->setAttr(
        "sparq.achieved_sparsity",
        b.getF64FloatAttr(double(zeros) / double(t.data.size())));
  }

  void runOnOperation() override {
    std::vector<Target> targets;
    bool failedAny = false;
    for (Layer &layer : collectLayers(getOperation())) {
      FailureOr<std::optional<Target>> t = prepare(layer);
      if (failed(t)) {
        failedAny = true;
        continue;
      }
      if (*t)
        targets.push_back(std::move(**t));
    }
    if (failedAny)
      return signalPassFailure();

    SmallVector<Target *> globalTargets;
    for (Target &t : targets) {
      switch (t.spec.getKind()) {
      case SparsityKind::Unstructured:
        if (global)
          globalTargets.push_back(&t);
        else
          pruneUnstructured(t);
        break;
      case SparsityKind::NM:
        pruneNM(t);
        break;
      case SparsityKind::Block:
        pruneBlocks(t);
        break;
      case SparsityKind::Channel:
        break;
      }
    }
    if (!globalTargets.empty()) {
      float threshold = pruneGlobal(globalTargets);
      for (Target *t : globalTargets)
        t->layer.annotation->setAttr(
            "sparq.prune_threshold",
            FloatAttr::get(Float32Type::get(&getContext()), threshold));
    }
    for (Target &t : targets)
      commit(t);
  }
};

} // namespace
