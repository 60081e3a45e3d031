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

def SparqShrinkLayers : Pass<"sparq-shrink-layers", "ModuleOp"> {
  let summary = "Shrink the output channels of selected layers one layer at "
                "a time, in program order";
  let description = [{
    `sparq-shrink-channels` only shrinks a layer whose consumers are not
    annotated, so annotating every layer at once and shrinking shrinks
    nothing in a chain of layers. This pass selects layers like
    `sparq-annotate` (`ops`, `include`, `exclude`, `min-elements`) and, for
    each in program order, annotates that layer alone with
    `#sparq.sparsity<channel, axis = 0, ratio = r>`, runs
    `sparq-shrink-channels` and drops the annotation: each layer then sees
    its producer already shrunk. Layers that cannot be shrunk keep all their
    channels (with the remark `sparq-shrink-channels` gives).

    Before (`ratio=0.5`, two chained layers):
    ```mlir
    %h = linalg.matmul ins(%x, %w1 : tensor<1x8xf32>, tensor<8x4xf32>) ...  // fc1
    %y = linalg.matmul ins(%h, %w2 : tensor<1x4xf32>, tensor<4x4xf32>) ...  // fc2
    %z = linalg.matmul ins(%y, %w3 : tensor<1x4xf32>, tensor<4x3xf32>) ...  // fc3
    ```
    After: `fc1` keeps 2 channels (`%w1` is `8x2`, `%w2` is `2x4`), then
    `fc2` keeps 2 (`%w2` is `2x2`, `%w3` is `2x3`); `fc3` feeds the result
    and is kept whole.
  }];
  let options = [
    Option<"ratio", "ratio", "double", /*default=*/"0.0",
           "Fraction of output channels to remove from each layer, in [0, 1)">,
    ListOption<"ops", "ops", "std::string",
               "Op names to shrink (e.g. linalg.matmul); all layers if empty">,
    Option<"minElements", "min-elements", "int64_t", /*default=*/"0",
           "Skip weights with fewer elements">,
    Option<"include", "include", "std::string", /*default=*/"",
           "Shrink only layers whose name matches this regex">,
    Option<"exclude", "exclude", "std::string", /*default=*/"",
           "Skip layers whose name matches this regex">
  ];
  let statistics = [
    Statistic<"numTried", "tried", "Number of layers tried">
  ];
  let dependentDialects = ["::mlir::sparq::SparqDialect"];
}

#endif // SPARQ_RECIPE_PASSES_TD
