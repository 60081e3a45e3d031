# Finds the ONNX protobuf classes (Debian: libonnx-dev) and protobuf
# (libprotobuf-dev) and defines the imported target Sparq::ONNXProto.
#
# Only onnx/onnx-ml.pb.h and libonnx_proto are used: Debian's ONNXConfig.cmake
# also references optional libraries (onnxifi) that are not always installed,
# so the pieces are found directly.

find_package(Protobuf QUIET)
find_path(SPARQ_ONNX_INCLUDE_DIR onnx/onnx-ml.pb.h
  HINTS ${ONNX_ROOT}/include)
find_library(SPARQ_ONNX_PROTO_LIBRARY onnx_proto
  HINTS ${ONNX_ROOT}/lib)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(SparqONNX
  REQUIRED_VARS SPARQ_ONNX_INCLUDE_DIR SPARQ_ONNX_PROTO_LIBRARY
                Protobuf_INCLUDE_DIRS Protobuf_LIBRARIES)

if(SparqONNX_FOUND AND NOT TARGET Sparq::ONNXProto)
  add_library(Sparq::ONNXProto INTERFACE IMPORTED)
  set_target_properties(Sparq::ONNXProto PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${SPARQ_ONNX_INCLUDE_DIR};${Protobuf_INCLUDE_DIRS}"
    INTERFACE_COMPILE_DEFINITIONS "ONNX_ML=1;ONNX_NAMESPACE=onnx"
    INTERFACE_LINK_LIBRARIES "${SPARQ_ONNX_PROTO_LIBRARY};${Protobuf_LIBRARIES}")
endif()
