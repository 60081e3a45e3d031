//===- Passes.h - Sparq conversion passes -----------------------*- C++ -*-===//

#ifndef SPARQ_CONVERSION_PASSES_H
#define SPARQ_CONVERSION_PASSES_H

#include "sparq/Conversion/QuantToSparq/QuantToSparq.h"
#include "sparq/Conversion/SparqToGPU/SparqToGPU.h"
#include "sparq/Conversion/SparqToLinalg/SparqToLinalg.h"
#include "sparq/Conversion/SparqToQuant/SparqToQuant.h"
#include "sparq/Conversion/SparqToRuntime/SparqToRuntime.h"
#include "sparq/Conversion/SparqToSparseTensor/SparqToSparseTensor.h"
#include "sparq/Conversion/SparseTensorToSparq/SparseTensorToSparq.h"

namespace mlir::sparq {

#define GEN_PASS_REGISTRATION
#include "sparq/Conversion/Passes.h.inc"

} // namespace mlir::sparq

#endif // SPARQ_CONVERSION_PASSES_H
