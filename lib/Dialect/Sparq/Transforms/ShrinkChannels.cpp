//===- ShrinkChannels.cpp - Structured channel pruning --------------------===//

#include "sparq/Dialect/Sparq/Transforms/Passes.h"

namespace mlir::sparq {
#define GEN_PASS_DEF_SPARQSHRINKCHANNELS
#include "sparq/Dialect/Sparq/Transforms/Passes.h.inc"
} // namespace mlir::sparq

using namespace mlir;
namespace {
struct SparqShrinkChannelsPass
    : public sparq::impl::SparqShrinkChannelsBase<SparqShrinkChannelsPass> {
  void runOnOperation() override {}
};
} // namespace
