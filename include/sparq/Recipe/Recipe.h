//===- Recipe.h - Compression recipes (YAML) ---------------------*- C++
//-*-===//
//
// A recipe is an ordered list of compression steps read from YAML. Each step
// selects layers (targets) and maps onto Sparq's passes: `sparq-annotate`
// with a spec, then the pass that applies it. See docs/Recipes.md.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_RECIPE_RECIPE_H
#define SPARQ_RECIPE_RECIPE_H

#include "mlir/Support/LLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir {
class MLIRContext;
class OpPassManager;
} // namespace mlir

namespace mlir::sparq {

/// Which layers a step applies to (all layers when every field is empty).
struct RecipeTargets {
  /// Op names (e.g. `linalg.matmul`).
  std::vector<std::string> ops;
  /// Regular expressions matched against whole layer names; a layer is
  /// selected if it matches any `include` (or `include` is empty) and no
  /// `exclude`.
  std::vector<std::string> include, exclude;
  /// Layers whose weight has fewer elements are skipped.
  int64_t minElements = 0;
};

enum class RecipeStepKind { Quantize, Prune, Shrink };

/// One resolved step: an annotation spec plus how to apply it.
struct RecipeStep {
  RecipeStepKind kind;
  /// The spec in MLIR attribute syntax, for the canonical `[out, in]` weight
  /// layout of `sparq-annotate` (verified when the recipe is read).
  std::string spec;
  RecipeTargets targets;
  /// Layers the spec cannot fit are skipped with a warning instead of failing.
  bool skipIncompatible = false;
  /// Prune: one threshold across layers (`sparq-prune global=true`).
  bool global = false;
  /// Prune: use / require the `sparq.act_norm` calibration statistic.
  bool useActNorm = true, requireActNorm = false;
  /// Prune: store the kept weights sparse (`sparq-sparsify`) instead of as a
  /// dense tensor with zeros.
  bool sparseStorage = false;
  /// Shrink: the fraction of output channels to remove.
  double ratio = 0.0;
  /// 1-based line of the step in the recipe file.
  unsigned line = 0;
};

struct Recipe {
  std::string path, name, description;
  std::vector<RecipeStep> steps;
};

/// Reads and checks a recipe. Errors (unknown keys, wrong types, bad values,
/// specs that do not verify) are printed to `diagOS` as
/// `<file>:<line>:<col>: error: ...` with the offending line; returns failure
/// after the first error.
FailureOr<Recipe> parseRecipe(std::unique_ptr<llvm::MemoryBuffer> buffer,
                              MLIRContext *context,
                              llvm::raw_ostream &diagOS = llvm::errs());

/// Reads the recipe file at `path` (see parseRecipe).
FailureOr<Recipe> parseRecipeFile(StringRef path, MLIRContext *context,
                                  llvm::raw_ostream &diagOS = llvm::errs());

/// Appends the passes of `recipe`, in order, to a module-level `pm`.
void buildRecipePipeline(OpPassManager &pm, const Recipe &recipe);

} // namespace mlir::sparq

#endif // SPARQ_RECIPE_RECIPE_H
