//===- Importer.h - Internals of the ONNX importer --------------*- C++ -*-===//
//
// The pieces shared by the op converters: the value table (one `Tensor` per
// ONNX value name, with host data for constants so that shape computations
// fold), the per-node context the converters work through, and builders for
// the patterns many ops share (broadcasting elementwise generics, reductions,
// reshapes).
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_LIB_TARGET_ONNX_IMPORTER_H
#define SPARQ_LIB_TARGET_ONNX_IMPORTER_H

#include "sparq/Target/ONNX/ImportONNX.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include "onnx/onnx_pb.h"

#include <functional>
#include <memory>
#include <vector>

namespace mlir::sparq::onnx_import {

/// One ONNX value: its type, the MLIR value once materialized, and for
/// constants the host data in MLIR's raw layout (little endian, i1 as one byte
/// per element).
struct Tensor {
  RankedTensorType type;
  /// The ONNX element type (TensorProto::DataType): tells uint8 from int8.
  int32_t onnxType = 0;
  Value value;
  std::shared_ptr<const std::vector<char>> data;
  /// Name hint for the resource blob of a constant.
  std::string name;

  bool isConstant() const { return data != nullptr; }
  ArrayRef<int64_t> shape() const { return type.getShape(); }
};

/// Maps an ONNX element type to an MLIR one (null if unsupported).
Type convertElementType(MLIRContext *ctx, int32_t onnxType);
/// Bytes per element of an MLIR element type in host data.
int64_t getElementBytes(Type type);
bool isUnsignedONNXType(int32_t onnxType);
/// An ONNX element type for an MLIR one (signless integers as signed).
int32_t getONNXType(Type type);

/// Reads the elements of a constant as int64 / double.
SmallVector<int64_t> readInts(const Tensor &t);
SmallVector<double> readFloats(const Tensor &t);
/// Makes a constant tensor from int64 / double values, stored as `type`.
Tensor makeIntConstant(RankedTensorType type, int32_t onnxType,
                       ArrayRef<int64_t> values);
Tensor makeFloatConstant(RankedTensorType type, ArrayRef<double> values);

class GraphImporter;

/// What a converter sees of the node it converts.
class NodeContext {
public:
  NodeContext(GraphImporter &importer, const onnx::NodeProto &node);

  OpBuilder &b;
  Location loc;
  MLIRContext *ctx;

  StringRef name() const { return nodeName; }
  StringRef opType() const { return node.op_type(); }
  int64_t opset() const;
  const ImportOptions &options() const;
  const onnx::NodeProto &proto() const { return node; }

  /// Emits an error prefixed with the node, its op type and the opset.
  InFlightDiagnostic error();

  unsigned numInputs() const { return node.input_size(); }
  bool hasInput(unsigned i) const {
    return i < (unsigned)node.input_size() && !node.input(i).empty();
  }
  /// The tensor behind input `i` (must exist).
  Tensor &input(unsigned i);
  /// The tensor behind input `i`, or null if it is absent or not defined yet.
  Tensor *lookupInput(unsigned i);
  /// Input `i` as an MLIR value (materializing constants).
  Value value(unsigned i);
  RankedTensorType type(unsigned i) { return input(i).type; }
  ArrayRef<int64_t> shape(unsigned i) { return input(i).type.getShape(); }
  /// Input `i` as host int64s, or an error naming `what` if it is not a
  /// constant.
  FailureOr<SmallVector<int64_t>> constInts(unsigned i, StringRef what);

  unsigned numOutputs() const { return node.output_size(); }
  bool hasOutput(unsigned i) const {
    return i < (unsigned)node.output_size() && !node.output(i).empty();
  }
  void setOutput(unsigned i, Value v, int32_t onnxType = 0);
  void setOutput(unsigned i, Tensor t);

  // Attributes: each accessor marks the attribute as understood; attributes
  // no accessor asked for are reported as unsupported after conversion.
  bool hasAttr(StringRef name) const;
  const onnx::AttributeProto *attr(StringRef name);
  FailureOr<int64_t> getInt(StringRef name, int64_t dflt);
  FailureOr<float> getFloat(StringRef name, float dflt);
  FailureOr<std::string> getString(StringRef name, StringRef dflt);
  /// The ints of `name` (empty if absent).
  FailureOr<SmallVector<int64_t>> getInts(StringRef name);
  /// Marks attributes as accepted whatever their value.
  void ignoreAttr(StringRef name) { used.insert(name); }
  /// The first attribute the converter did not ask for, or null.
  const onnx::AttributeProto *firstUnusedAttr() const;

  /// Normalizes a possibly negative axis against `rank`.
  FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);

  /// The node that is the only consumer of output `i`, if there is exactly
  /// one and the output is not a graph output.
  const onnx::NodeProto *soleConsumer(unsigned i) const;
  /// Marks `node` as converted (its outputs must have been set).
  void markConverted(const onnx::NodeProto &other);
  /// Sets an output of another node (used when fusing nodes).
  void setOutputOf(const onnx::NodeProto &other, unsigned i, Value v);

  /// Names `op` (a matmul or convolution: a Sparq layer) after this node with
  /// the `sparq.layer` attribute (kLayerAttrName in Sparq's Layers.h), so
  /// that the name survives printing without locations.
  void nameLayer(Operation *op);

  /// Materializes a constant as an `arith.constant` at the function's top.
  Value materialize(Tensor &t, Location loc);
  /// Reads a TensorProto held by an attribute of this node.
  FailureOr<Tensor> readTensor(const onnx::TensorProto &proto);

  GraphImporter &importer;

private:
  const onnx::NodeProto &node;
  std::string nodeName;
  llvm::StringSet<> used;
};

/// A converter for one ONNX op type.
using Converter = std::function<LogicalResult(NodeContext &)>;
using ConverterMap = llvm::StringMap<Converter>;

void populateMathConverters(ConverterMap &map);
void populateNNConverters(ConverterMap &map);
void populateShapeConverters(ConverterMap &map);

//===----------------------------------------------------------------------===//
// Builders
//===----------------------------------------------------------------------===//

/// Numpy broadcasting of `shapes`, or failure if they do not broadcast.
FailureOr<SmallVector<int64_t>>
broadcastShapes(ArrayRef<ArrayRef<int64_t>> shapes);

/// Elementwise body: block arguments in, result out.
using ScalarFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// A `linalg.generic` applying `fn` to the (numpy-broadcast) elements of
/// `inputs`, with a result of element type `resultElem`. Fails (with an
/// error on `ctx`) if the shapes do not broadcast.
FailureOr<Value> buildElementwise(NodeContext &ctx, ValueRange inputs,
                                  Type resultElem, ScalarFn fn);

/// A tensor of `shape` filled with `value`.
Value buildFilled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  Type elem, TypedAttr value);

/// A reduction of `x` over `axes` (sorted, unique) into a tensor without
/// those dimensions, starting from `init` and combining with `fn(elem, acc)`.
Value buildReduce(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> axes,
                  TypedAttr init, ScalarFn fn);

/// Reshapes `v` to `shape` (same element count) with collapse / expand ops.
Value buildReshape(OpBuilder &b, Location loc, Value v,
                   ArrayRef<int64_t> shape);

/// A scalar constant of `type` (float or integer).
Value buildScalar(OpBuilder &b, Location loc, Type type, double value);
TypedAttr getScalarAttr(Type type, double value);

/// The lowest (or highest) value of a float or integer type.
TypedAttr getLowestAttr(Type type);
TypedAttr getHighestAttr(Type type);

} // namespace mlir::sparq::onnx_import

#endif // SPARQ_LIB_TARGET_ONNX_IMPORTER_H
