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
    auto includeRe =
        compileLayerRegex(include, "include", "sparq-shrink-layers", module);
    if (failed(includeRe))
      return signalPassFailure();
    auto excludeRe =
        compileLayerRegex(exclude, "exclude", "sparq-shrink-layers", module);
    if (failed(excludeRe))
      return signalPassFailure();

    // The names first: shrinking rewrites the layers' ops.
    SmallVector<std::string> names;
    for (Layer &layer : collectLayers(module))
      if (isSelectedLayer(layer, ops, *includeRe, *excludeRe, minElements))
        names.push_back(layer.name);

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
