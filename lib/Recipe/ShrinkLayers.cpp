//===- ShrinkLayers.cpp - Shrink selected layers one at a time ------------===//
//
// sparq-shrink-channels refuses to shrink a layer whose consumer weight is
// annotated, so shrinking a chain of layers needs one annotate + shrink round
// per layer, in program order: this pass runs those rounds as a dynamic
// pipeline.
//
//===----------------------------------------------------------------------===//

#include "sparq/Recipe/Passes.h"

#include "sparq/Dialect/Sparq/Transforms/Passes.h"
#include "sparq/Dialect/Sparq/Utils/Layers.h"

#include "mlir/IR/Matchers.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/Regex.h"

namespace mlir::sparq {
#define GEN_PASS_DEF_SPARQSHRINKLAYERS
#include "sparq/Recipe/Passes.h.inc"
} // namespace mlir::sparq

using namespace mlir;
using namespace mlir::sparq;

namespace {

struct SparqShrinkLayersPass
    : public sparq::impl::SparqShrinkLayersBase<SparqShrinkLayersPass> {
  using SparqShrinkLayersBase::SparqShrinkLayersBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (!(ratio >= 0.0 && ratio < 1.0)) {
      module.emitError() << "sparq-shrink-layers: ratio must lie in [0, 1), "
                            "got "
                         << ratio;
      return signalPassFailure();
    }
    std::optional<llvm::Regex> includeRe, excludeRe;
    for (auto [pattern, re, option] :
         {std::tuple(&include, &includeRe, "include"),
          std::tuple(&exclude, &excludeRe, "exclude")}) {
      if (pattern->empty())
        continue;
      re->emplace("^(" + *pattern + ")$");
      std::string why;
      if (!(*re)->isValid(why)) {
        module.emitError() << "sparq-shrink-layers: invalid regular "
                              "expression in '"
                           << option << "': " << why;
        return signalPassFailure();
      }
    }

    // The names first: shrinking rewrites the layers' ops.
    SmallVector<std::string> names;
    for (Layer &layer : collectLayers(module)) {
      Operation *op = layer.op;
      if (!ops.empty() &&
          !llvm::is_contained(ops, op->getName().getStringRef().str()))
        continue;
      if ((includeRe && !includeRe->match(layer.name)) ||
          (excludeRe && excludeRe->match(layer.name)))
        continue;
      if (layer.annotation || !matchPattern(layer.source, m_Constant()))
        continue;
      auto type = cast<RankedTensorType>(layer.source.getType());
      if (type.getNumElements() < minElements)
        continue;
      names.push_back(layer.name);
    }

    std::string spec =
        "#sparq.sparsity<channel, axis = 0, ratio = " + std::to_string(ratio) +
        ">";
    for (const std::string &name : names) {
      OpPassManager pm(ModuleOp::getOperationName());
      SparqAnnotateOptions annotate;
      annotate.spec = spec;
      annotate.include = llvm::Regex::escape(name);
      pm.addPass(createSparqAnnotate(annotate));
      pm.addPass(createSparqShrinkChannels());
      pm.addPass(createSparqDropAnnotations());
      if (failed(runPipeline(pm, module)))
        return signalPassFailure();
      ++numTried;
    }
  }
};

} // namespace
