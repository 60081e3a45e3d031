/*===- sparq-c/GpuRuntime.h - Sparq GPU runtime C API -------------*- C -*-===*\
|*                                                                            *|
|* libsparq_gpu_runtime.so: the `mgpu*` entry points that host code lowered   *|
|* by upstream `gpu-to-llvm` calls (the same names and signatures as MLIR's   *|
|* CudaRuntimeWrappers.cpp), implemented on the CUDA driver API loaded at     *|
|* run time with dlopen("libcuda.so.1"), so building needs no CUDA.           *|
|*                                                                            *|
|* Without a usable driver, module loads (run from the compiled model's       *|
|* global constructors) return null and print nothing; the first call that  *|
|* needs the GPU prints the reason to stderr and exits with status 1, since  *|
|* these entry points cannot return an error. Check sparq_gpu_available()    *|
|* first to avoid that.                                                      *|
\*===----------------------------------------------------------------------===*/

#ifndef SPARQ_C_GPURUNTIME_H
#define SPARQ_C_GPURUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 if the CUDA driver loaded and a device context was created, else 0 with
/// the reason in sparq_gpu_error() (e.g. "cannot load libcuda.so.1: ...").
int32_t sparq_gpu_available(void);
/// The last error of the runtime ("" if none). Owned by the runtime.
const char *sparq_gpu_error(void);
/// The name and compute capability ("sm_90") of the device in use, or "".
const char *sparq_gpu_device_name(void);
const char *sparq_gpu_device_arch(void);

/* Entry points called by code lowered with gpu-to-llvm. */
void *mgpuModuleLoad(void *data, size_t gpuBlobSize);
void *mgpuModuleLoadJIT(void *data, int optLevel);
void mgpuModuleUnload(void *module);
void *mgpuModuleGetFunction(void *module, const char *name);
void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t paramsCount);
void *mgpuStreamCreate(void);
void mgpuStreamDestroy(void *stream);
void mgpuStreamSynchronize(void *stream);
void mgpuStreamWaitEvent(void *stream, void *event);
void *mgpuEventCreate(void);
void mgpuEventDestroy(void *event);
void mgpuEventSynchronize(void *event);
void mgpuEventRecord(void *event, void *stream);
void *mgpuMemAlloc(uint64_t sizeBytes, void *stream, bool isHostShared);
void mgpuMemFree(void *ptr, void *stream);
void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, void *stream);
void mgpuMemset32(void *dst, unsigned int value, size_t count, void *stream);
void mgpuMemset16(void *dst, unsigned short value, size_t count, void *stream);
void mgpuMemHostRegister(void *ptr, uint64_t sizeBytes);
void mgpuMemHostUnregister(void *ptr);
void mgpuSetDefaultDevice(int32_t device);

/// A rank-2 memref descriptor (MLIR's StridedMemRefType<T, 2>).
typedef struct SparqMemRef2D {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
} SparqMemRef2D;

/* Constant weights (called by launchers of sparq-gpu-launchers for
   operands listed in `resident`): `result` gets a contiguous device copy of
   the contiguous host buffer `host`, uploaded the first time its address is
   seen and kept until the process exits, so it must not change afterwards.
   One entry point per element type (i8, f16, bf16, f32). */
void _mlir_ciface_sparq_gpu_resident_i8(SparqMemRef2D *result,
                                        SparqMemRef2D *host);
void _mlir_ciface_sparq_gpu_resident_f16(SparqMemRef2D *result,
                                         SparqMemRef2D *host);
void _mlir_ciface_sparq_gpu_resident_bf16(SparqMemRef2D *result,
                                          SparqMemRef2D *host);
void _mlir_ciface_sparq_gpu_resident_f32(SparqMemRef2D *result,
                                         SparqMemRef2D *host);
/* 8-bit float scales (MXFP4 / NVFP4-style), one byte per element. */
void _mlir_ciface_sparq_gpu_resident_f8e8m0(SparqMemRef2D *result,
                                            SparqMemRef2D *host);
void _mlir_ciface_sparq_gpu_resident_f8e4m3(SparqMemRef2D *result,
                                            SparqMemRef2D *host);

#ifdef __cplusplus
}
#endif

#endif /* SPARQ_C_GPURUNTIME_H */
