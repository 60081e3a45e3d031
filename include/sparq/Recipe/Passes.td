//===- Passes.td - Passes used by recipes -------------------*- tablegen -*-===//

#ifndef SPARQ_RECIPE_PASSES_TD
#define SPARQ_RECIPE_PASSES_TD

include "mlir/Pass/PassBase.td"

def SparqDropAnnotations : Pass<"sparq-drop-annotations", "ModuleOp"> {
  let summary = "Remove the remaining sparq.annotate ops, keeping the weights "
                "as they stand";
  let description = [{
    Replaces every `sparq.annotate` by its input. Recipes run it after a step
    whose pass leaves annotations behind: `sparq-prune` with dense storage
    (the pruned weight stays a dense constant with zeros, free for a later
    `quantize` step to annotate) and `sparq-shrink-channels` (layers whose
    channels could not be removed keep their annotation).

    Before:
    ```mlir
    %a = sparq.annotate %w : tensor<64x32xf32> with #sparq.sparsity<2:4, axis = 0>
    %y = linalg.matmul ins(%x, %a : tensor<1x64xf32>, tensor<64x32xf32>) ...
    ```
    After:
    ```mlir
    %y = linalg.matmul ins(%x, %w : tensor<1x64xf32>, tensor<64x32xf32>) ...
    ```
  }];
  let statistics = [
    Statistic<"numDropped", "dropped", "Number of annotations removed">
  ];
  let dependentDialects = ["::mlir::sparq::SparqDialect"];
}

#endif // SPARQ_RECIPE_PASSES_TD
