# Installation: headers, libraries, tools and a SparqConfig.cmake so that other
# MLIR projects can find_package(Sparq) and link Sparq's dialect and passes.

include(CMakePackageConfigHelpers)
include(GNUInstallDirs)

set(SPARQ_EXPORTED_LIBS SparqIR SparqUtils SparqTransforms SparqToLinalg
  SparqToQuant QuantToSparq SparqToSparseTensor SparseTensorToSparq
  SparqToRuntime SparqToGPU SparqPipelines SparqRuntime SparqImportONNX SparqRecipe
  SparqTargetCPU)
foreach(lib ${SPARQ_EXPORTED_LIBS})
  target_include_directories(${lib} INTERFACE
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
endforeach()

install(TARGETS ${SPARQ_EXPORTED_LIBS}
  EXPORT SparqTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT sparq
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT sparq)

install(DIRECTORY include/sparq
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT sparq
  FILES_MATCHING PATTERN "*.h" PATTERN "*.td")
install(DIRECTORY include/sparq-c
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT sparq
  FILES_MATCHING PATTERN "*.h")
install(DIRECTORY ${PROJECT_BINARY_DIR}/include/sparq
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT sparq
  FILES_MATCHING PATTERN "*.inc"
  PATTERN "CMakeFiles" EXCLUDE)

set(SPARQ_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/sparq)
install(EXPORT SparqTargets
  FILE SparqTargets.cmake
  NAMESPACE Sparq::
  DESTINATION ${SPARQ_CMAKE_DIR} COMPONENT sparq)
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/SparqConfig.cmake.in
  ${PROJECT_BINARY_DIR}/SparqConfig.cmake
  INSTALL_DESTINATION ${SPARQ_CMAKE_DIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/SparqConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_SOURCE_DIR}/cmake/FindSparqONNX.cmake
  ${PROJECT_BINARY_DIR}/SparqConfig.cmake
  ${PROJECT_BINARY_DIR}/SparqConfigVersion.cmake
  DESTINATION ${SPARQ_CMAKE_DIR} COMPONENT sparq)
