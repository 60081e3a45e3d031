/*===- sparq-c/Model.h - C ABI of models compiled by Sparq --------*- C -*-===*\
|*                                                                            *|
|* A shared library written by `sparq-compile -o model.so` exports the        *|
|* functions below, so that a program can run any compiled model without      *|
|* knowing it in advance (`sparq-run` does exactly that). The library also    *|
|* contains the Sparq runtime (include/sparq-c/Runtime.h), whose              *|
|* sparq_rt_set_num_threads / sparq_rt_get_num_threads it exports.            *|
|*                                                                            *|
|* Declarations only: load the library with dlopen (RTLD_LOCAL; models are    *|
|* linked -Bsymbolic, so several models can be loaded side by side) and look  *|
|* the symbols up with dlsym.                                                 *|
\*===----------------------------------------------------------------------===*/

#ifndef SPARQ_C_MODEL_H
#define SPARQ_C_MODEL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The version of this ABI (currently 1).
int32_t sparq_model_abi_version(void);

/// A static NUL-terminated JSON description of the model:
///
///     {"abi_version": 1, "entry": "main",
///      "inputs":  [{"name": "input0",  "shape": [1, 64], "dtype": "float32"}],
///      "outputs": [{"name": "output0", "shape": [1, 10], "dtype": "float32"}]}
///
/// Names come from the `sparq.name` argument/result attributes of the entry
/// function, else `input<i>` / `output<i>`. Shapes are static. dtypes use
/// numpy's names: float32, float64, float16, int64, int32, int8, and uint8
/// for 8-bit float types (their raw codes, e.g. E8M0 scales).
const char *sparq_model_signature(void);

/// Runs the model once. `inputs[i]` points to input i and `outputs[j]` to a
/// caller-allocated buffer for output j, each a dense row-major (C-order)
/// array of the shape and dtype the signature gives, suitably aligned for its
/// element type. Inputs are only read; outputs are fully written. Returns 0.
/// Safe to call from one thread at a time.
int32_t sparq_model_run(void **inputs, void **outputs);

/* The entry function itself is also exported, with MLIR's C interface
 * (`llvm.emit_c_interface`): `void _mlir_ciface_<entry>(...)` takes and
 * returns memref descriptors (see sparq_memref2d_t in sparq-c/Runtime.h for
 * the rank-2 layout). Results it returns are malloc'ed and owned by the
 * caller; sparq_model_run is the simpler interface. */

#ifdef __cplusplus
}
#endif

#endif /* SPARQ_C_MODEL_H */
