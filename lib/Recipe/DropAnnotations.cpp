//===- DropAnnotations.cpp - Remove leftover sparq.annotate ops -----------===//
//
// Recipes apply one spec per step; a step whose pass leaves annotations on
// the weights (dense pruning, blocked channel shrinking) drops them so that a
// later step can annotate the layer again.
//
//===----------------------------------------------------------------------===//

#include "sparq/Recipe/Passes.h"

#include "sparq/Dialect/Sparq/IR/SparqOps.h"

namespace mlir::sparq {
#define GEN_PASS_DEF_SPARQDROPANNOTATIONS
#include "sparq/Recipe/Passes.h.inc"
} // namespace mlir::sparq

using namespace mlir;
using namespace mlir::sparq;

namespace {

struct SparqDropAnnotationsPass
    : public sparq::impl::SparqDropAnnotationsBase<SparqDropAnnotationsPass> {
  using SparqDropAnnotationsBase::SparqDropAnnotationsBase;

  void runOnOperation() override {
    getOperation().walk([&](AnnotateOp op) {
      op.getResult().replaceAllUsesWith(op.getInput());
      op.erase();
      ++numDropped;
    });
  }
};

} // namespace
