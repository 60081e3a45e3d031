// Calls the GPU runtime on a machine without an NVIDIA driver.
#include "sparq-c/GpuRuntime.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  printf("available %d\n", sparq_gpu_available());
  printf("error: %s\n", sparq_gpu_error());
  // Module loads (global constructors of compiled models) return null.
  static const char ptx[] = ".version 8.0\n";
  printf("module %p\n", mgpuModuleLoadJIT((void *)ptx, 2));
  fflush(stdout);
  if (argc > 1 && strcmp(argv[1], "launch") == 0) {
    // Anything that needs the GPU reports and exits with status 1.
    void *stream = mgpuStreamCreate();
    printf("unreachable %p\n", stream);
  }
  if (argc > 1 && strcmp(argv[1], "resident") == 0) {
    // The upload of a constant weight too.
    static signed char weights[2][16];
    SparqMemRef2D host = {weights, weights, 0, {2, 16}, {16, 1}}, device;
    _mlir_ciface_sparq_gpu_resident_i8(&device, &host);
    printf("unreachable %p\n", device.aligned);
  }
  return 0;
}
