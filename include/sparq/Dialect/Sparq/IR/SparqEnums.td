//===- SparqEnums.td - Sparq enumerations ------------------*- tablegen -*-===//

#ifndef SPARQ_DIALECT_SPARQ_IR_SPARQENUMS_TD
#define SPARQ_DIALECT_SPARQ_IR_SPARQENUMS_TD

include "mlir/IR/EnumAttr.td"

def Sparq_Granularity : I32EnumAttr<"Granularity",
    "how many weights share one scale", [
      I32EnumAttrCase<"Tensor", 0, "per_tensor">,
      I32EnumAttrCase<"Channel", 1, "per_channel">,
      I32EnumAttrCase<"Group", 2, "per_group">,
      I32EnumAttrCase<"Block", 3, "per_block">
    ]> {
  let cppNamespace = "::mlir::sparq";
  let genSpecializedAttr = 0;
}

def Sparq_QuantScheme : I32EnumAttr<"QuantScheme",
    "whether a zero point is stored", [
      I32EnumAttrCase<"Symmetric", 0, "symmetric">,
      I32EnumAttrCase<"Asymmetric", 1, "asymmetric">
    ]> {
  let cppNamespace = "::mlir::sparq";
  let genSpecializedAttr = 0;
}

def Sparq_RoundingMode : I32EnumAttr<"RoundingMode",
    "how x / s is rounded to the storage grid", [
      I32EnumAttrCase<"NearestEven", 0, "nearest_even">,
      I32EnumAttrCase<"NearestAway", 1, "nearest_away">,
      I32EnumAttrCase<"TowardZero", 2, "toward_zero">
    ]> {
  let cppNamespace = "::mlir::sparq";
  let genSpecializedAttr = 0;
}

def Sparq_ScaleSearch : I32EnumAttr<"ScaleSearch",
    "how quantization scales are chosen from the data", [
      I32EnumAttrCase<"MinMax", 0, "minmax">,
      I32EnumAttrCase<"Mse", 1, "mse">
    ]> {
  let cppNamespace = "::mlir::sparq";
  let genSpecializedAttr = 0;
}

def Sparq_SparsityKind : I32EnumAttr<"SparsityKind",
    "the pattern of zeros in a sparse weight", [
      I32EnumAttrCase<"Unstructured", 0, "unstructured">,
      I32EnumAttrCase<"NM", 1, "n_m">,
      I32EnumAttrCase<"Block", 2, "block">,
      I32EnumAttrCase<"Channel", 3, "channel">
    ]> {
  let cppNamespace = "::mlir::sparq";
  let genSpecializedAttr = 0;
}

#endif // SPARQ_DIALECT_SPARQ_IR_SPARQENUMS_TD
