//===- CudaRuntime.cpp - mgpu* entry points on a dlopen'ed CUDA driver ----===//
//
// Implements the functions upstream gpu-to-llvm lowering calls, with the
// signatures of MLIR's CudaRuntimeWrappers.cpp, on the CUDA driver API found
// at run time (dlopen "libcuda.so.1"): no CUDA headers or libraries at build
// time. One primary context on the default device (mgpuSetDefaultDevice,
// else SPARQ_GPU_DEVICE, else 0), made current on every call.
//
//===----------------------------------------------------------------------===//

#include "sparq-c/GpuRuntime.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

namespace {

// The few driver types and constants used, as the driver ABI defines them.
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = void *;
using CUmodule = void *;
using CUfunction = void *;
using CUstream = void *;
using CUevent = void *;
constexpr int kJitErrorLogBuffer = 5, kJitErrorLogBufferSize = 6,
              kJitOptimizationLevel = 7;
constexpr int kAttrComputeMajor = 75, kAttrComputeMinor = 76;
// CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT.
constexpr int kAttrPreferredSharedCarveout = 9;

struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleLoadDataEx)(CUmodule *, const void *, unsigned, int *,
                                 void **);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuFuncSetAttribute)(CUfunction, int, int);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, CUstream, void **,
                             void **);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuStreamWaitEvent)(CUstream, CUevent, unsigned);
  CUresult (*cuEventCreate)(CUevent *, unsigned);
  CUresult (*cuEventDestroy)(CUevent);
  CUresult (*cuEventSynchronize)(CUevent);
  CUresult (*cuEventRecord)(CUevent, CUstream);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemAllocManaged)(CUdeviceptr *, size_t, unsigned);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*cuMemsetD32Async)(CUdeviceptr, unsigned, size_t, CUstream);
  CUresult (*cuMemsetD16Async)(CUdeviceptr, unsigned short, size_t, CUstream);
  CUresult (*cuMemHostRegister)(void *, size_t, unsigned);
  CUresult (*cuMemHostUnregister)(void *);
};

struct State {
  std::once_flag once;
  bool ok = false;
  std::string error;
  Driver d{};
  CUcontext ctx = nullptr;
  int device = -1;
  std::string name, arch;
};

State &state() {
  static State s;
  return s;
}

template <typename F>
bool bind(void *lib, F &fn, const char *sym, std::string &error) {
  fn = reinterpret_cast<F>(dlsym(lib, sym));
  if (!fn)
    error = std::string("libcuda.so.1 has no ") + sym;
  return fn != nullptr;
}

std::string describe(CUresult r) {
  const char *text = nullptr;
  if (state().d.cuGetErrorString)
    state().d.cuGetErrorString(r, &text);
  return "CUDA error " + std::to_string(r) +
         (text ? std::string(" (") + text + ")" : std::string());
}

void initialize() {
  State &s = state();
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *why = dlerror();
    s.error = std::string("cannot load libcuda.so.1 (") +
              (why ? why : "unknown reason") +
              "): no NVIDIA driver on this machine";
    return;
  }
  Driver &d = s.d;
  std::string &e = s.error;
  if (!bind(lib, d.cuInit, "cuInit", e) ||
      !bind(lib, d.cuDeviceGet, "cuDeviceGet", e) ||
      !bind(lib, d.cuDeviceGetName, "cuDeviceGetName", e) ||
      !bind(lib, d.cuDeviceGetAttribute, "cuDeviceGetAttribute", e) ||
      !bind(lib, d.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain", e) ||
      !bind(lib, d.cuCtxSetCurrent, "cuCtxSetCurrent", e) ||
      !bind(lib, d.cuGetErrorString, "cuGetErrorString", e) ||
      !bind(lib, d.cuModuleLoadData, "cuModuleLoadData", e) ||
      !bind(lib, d.cuModuleLoadDataEx, "cuModuleLoadDataEx", e) ||
      !bind(lib, d.cuModuleUnload, "cuModuleUnload", e) ||
      !bind(lib, d.cuModuleGetFunction, "cuModuleGetFunction", e) ||
      !bind(lib, d.cuFuncSetAttribute, "cuFuncSetAttribute", e) ||
      !bind(lib, d.cuLaunchKernel, "cuLaunchKernel", e) ||
      !bind(lib, d.cuStreamCreate, "cuStreamCreate", e) ||
      !bind(lib, d.cuStreamDestroy, "cuStreamDestroy_v2", e) ||
      !bind(lib, d.cuStreamSynchronize, "cuStreamSynchronize", e) ||
      !bind(lib, d.cuStreamWaitEvent, "cuStreamWaitEvent", e) ||
      !bind(lib, d.cuEventCreate, "cuEventCreate", e) ||
      !bind(lib, d.cuEventDestroy, "cuEventDestroy_v2", e) ||
      !bind(lib, d.cuEventSynchronize, "cuEventSynchronize", e) ||
      !bind(lib, d.cuEventRecord, "cuEventRecord", e) ||
      !bind(lib, d.cuMemAlloc, "cuMemAlloc_v2", e) ||
      !bind(lib, d.cuMemAllocManaged, "cuMemAllocManaged", e) ||
      !bind(lib, d.cuMemFree, "cuMemFree_v2", e) ||
      !bind(lib, d.cuMemcpyAsync, "cuMemcpyAsync", e) ||
      !bind(lib, d.cuMemsetD32Async, "cuMemsetD32Async", e) ||
      !bind(lib, d.cuMemsetD16Async, "cuMemsetD16Async", e) ||
      !bind(lib, d.cuMemHostRegister, "cuMemHostRegister_v2", e) ||
      !bind(lib, d.cuMemHostUnregister, "cuMemHostUnregister", e))
    return;
  if (s.device < 0) {
    const char *env = std::getenv("SPARQ_GPU_DEVICE");
    s.device = env ? std::atoi(env) : 0;
  }
  CUdevice dev = 0;
  CUresult r = d.cuInit(0);
  if (r == 0)
    r = d.cuDeviceGet(&dev, s.device);
  if (r == 0)
    r = d.cuDevicePrimaryCtxRetain(&s.ctx, dev);
  if (r != 0) {
    s.error = "cannot open CUDA device " + std::to_string(s.device) + ": " +
              describe(r);
    return;
  }
  char name[256] = {0};
  d.cuDeviceGetName(name, sizeof(name) - 1, dev);
  s.name = name;
  int major = 0, minor = 0;
  d.cuDeviceGetAttribute(&major, kAttrComputeMajor, dev);
  d.cuDeviceGetAttribute(&minor, kAttrComputeMinor, dev);
  s.arch = "sm_" + std::to_string(major) + std::to_string(minor);
  s.ok = true;
}

/// Initializes once and makes the context current; false if unusable.
bool ready() {
  State &s = state();
  std::call_once(s.once, initialize);
  if (s.ok)
    s.d.cuCtxSetCurrent(s.ctx);
  return s.ok;
}

[[noreturn]] void fatal(const char *what, const std::string &why) {
  std::fprintf(stderr, "sparq gpu runtime: %s: %s\n", what, why.c_str());
  std::fflush(stderr);
  std::exit(1);
}

/// The driver, or a clear message and exit(1): the mgpu* functions have no
/// error result.
Driver &driver(const char *what) {
  if (!ready())
    fatal(what, state().error);
  return state().d;
}

void check(CUresult r, const char *what) {
  if (r != 0) {
    state().error = describe(r);
    fatal(what, state().error);
  }
}

} // namespace

extern "C" {

int32_t sparq_gpu_available(void) { return ready() ? 1 : 0; }
const char *sparq_gpu_error(void) { return state().error.c_str(); }
const char *sparq_gpu_device_name(void) {
  return ready() ? state().name.c_str() : "";
}
const char *sparq_gpu_device_arch(void) {
  return ready() ? state().arch.c_str() : "";
}

void mgpuSetDefaultDevice(int32_t device) { state().device = device; }

// Module loads run from global constructors of compiled models: without a
// driver they return null quietly, so that loading the model (e.g. to read
// its signature) works; launching then fails loudly.
void *mgpuModuleLoad(void *data, size_t /*gpuBlobSize*/) {
  if (!ready())
    return nullptr;
  CUmodule module = nullptr;
  check(state().d.cuModuleLoadData(&module, data), "mgpuModuleLoad");
  return module;
}

void *mgpuModuleLoadJIT(void *data, int optLevel) {
  if (!ready())
    return nullptr;
  char log[8192] = {0};
  int options[] = {kJitErrorLogBuffer, kJitErrorLogBufferSize,
                   kJitOptimizationLevel};
  void *values[] = {log, reinterpret_cast<void *>(sizeof(log) - 1),
                    reinterpret_cast<void *>(static_cast<intptr_t>(optLevel))};
  CUmodule module = nullptr;
  CUresult r = state().d.cuModuleLoadDataEx(&module, data, 3, options, values);
  if (r != 0)
    fatal("mgpuModuleLoadJIT", describe(r) + ": " + log);
  return module;
}

void mgpuModuleUnload(void *module) {
  if (module && ready())
    state().d.cuModuleUnload(module);
}

void *mgpuModuleGetFunction(void *module, const char *name) {
  Driver &d = driver("mgpuModuleGetFunction");
  if (!module)
    fatal("mgpuModuleGetFunction", "the GPU module was not loaded");
  CUfunction f = nullptr;
  CUresult r = d.cuModuleGetFunction(&f, module, name);
  if (r != 0)
    fatal("mgpuModuleGetFunction", std::string(name) + ": " + describe(r));
  // The driver chooses the shared-memory / L1 split (measured on an H200:
  // forcing the largest shared carveout made the GEMV 24% and the
  // tensor-core GEMM 9% slower). SPARQ_GPU_CARVEOUT (percent of the
  // maximum shared memory) sets CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_
  // CARVEOUT for experiments.
  if (const char *env = std::getenv("SPARQ_GPU_CARVEOUT")) {
    int carveout = std::atoi(env);
    if (carveout >= 0 && carveout <= 100)
      d.cuFuncSetAttribute(f, kAttrPreferredSharedCarveout, carveout);
  }
  return f;
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t /*paramsCount*/) {
  Driver &d = driver("mgpuLaunchKernel");
  check(d.cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY, blockZ,
                         smem, stream, params, extra),
        "mgpuLaunchKernel");
}

void *mgpuStreamCreate(void) {
  Driver &d = driver("mgpuStreamCreate");
  CUstream stream = nullptr;
  check(d.cuStreamCreate(&stream, /*CU_STREAM_NON_BLOCKING=*/1),
        "mgpuStreamCreate");
  return stream;
}

void mgpuStreamDestroy(void *stream) {
  check(driver("mgpuStreamDestroy").cuStreamDestroy(stream),
        "mgpuStreamDestroy");
}

void mgpuStreamSynchronize(void *stream) {
  check(driver("mgpuStreamSynchronize").cuStreamSynchronize(stream),
        "mgpuStreamSynchronize (a kernel or copy failed)");
}

void mgpuStreamWaitEvent(void *stream, void *event) {
  check(driver("mgpuStreamWaitEvent").cuStreamWaitEvent(stream, event, 0),
        "mgpuStreamWaitEvent");
}

void *mgpuEventCreate(void) {
  CUevent event = nullptr;
  check(driver("mgpuEventCreate")
            .cuEventCreate(&event, /*CU_EVENT_DISABLE_TIMING=*/2),
        "mgpuEventCreate");
  return event;
}

void mgpuEventDestroy(void *event) {
  check(driver("mgpuEventDestroy").cuEventDestroy(event), "mgpuEventDestroy");
}

void mgpuEventSynchronize(void *event) {
  check(driver("mgpuEventSynchronize").cuEventSynchronize(event),
        "mgpuEventSynchronize");
}

void mgpuEventRecord(void *event, void *stream) {
  check(driver("mgpuEventRecord").cuEventRecord(event, stream),
        "mgpuEventRecord");
}

void *mgpuMemAlloc(uint64_t sizeBytes, void * /*stream*/, bool isHostShared) {
  Driver &d = driver("mgpuMemAlloc");
  CUdeviceptr ptr = 0;
  if (sizeBytes == 0)
    return nullptr;
  if (isHostShared)
    check(d.cuMemAllocManaged(&ptr, sizeBytes, /*CU_MEM_ATTACH_GLOBAL=*/1),
          "mgpuMemAlloc (host shared)");
  else
    check(d.cuMemAlloc(&ptr, sizeBytes), "mgpuMemAlloc");
  return reinterpret_cast<void *>(ptr);
}

void mgpuMemFree(void *ptr, void * /*stream*/) {
  if (!ptr)
    return;
  check(driver("mgpuMemFree").cuMemFree(reinterpret_cast<CUdeviceptr>(ptr)),
        "mgpuMemFree");
}

void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, void *stream) {
  check(driver("mgpuMemcpy")
            .cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                           reinterpret_cast<CUdeviceptr>(src), sizeBytes,
                           stream),
        "mgpuMemcpy");
}

void mgpuMemset32(void *dst, unsigned int value, size_t count, void *stream) {
  check(driver("mgpuMemset32")
            .cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                              stream),
        "mgpuMemset32");
}

void mgpuMemset16(void *dst, unsigned short value, size_t count, void *stream) {
  check(driver("mgpuMemset16")
            .cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                              stream),
        "mgpuMemset16");
}

void mgpuMemHostRegister(void *ptr, uint64_t sizeBytes) {
  check(driver("mgpuMemHostRegister")
            .cuMemHostRegister(ptr, sizeBytes, /*PORTABLE=*/1),
        "mgpuMemHostRegister");
}

void mgpuMemHostUnregister(void *ptr) {
  check(driver("mgpuMemHostUnregister").cuMemHostUnregister(ptr),
        "mgpuMemHostUnregister");
}

// Constant weights: one device copy per host address, uploaded by the first
// launch that needs it and kept until the process exits (the host buffers
// are read-only globals of the compiled model, so the address identifies
// the contents).
static void residentCopy(SparqMemRef2D *result, const SparqMemRef2D *host,
                         int64_t elementBytes, const char *name) {
  Driver &d = driver(name);
  if (host->strides[1] != 1 || host->strides[0] != host->sizes[1])
    fatal(name, "the host buffer is not contiguous");
  const char *begin =
      static_cast<const char *>(host->aligned) + host->offset * elementBytes;
  uint64_t bytes = static_cast<uint64_t>(host->sizes[0] * host->sizes[1]) *
                   static_cast<uint64_t>(elementBytes);
  static std::mutex mutex;
  static std::unordered_map<const void *, std::pair<CUdeviceptr, uint64_t>>
      copies;
  CUdeviceptr ptr = 0;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = copies.find(begin);
    if (it != copies.end() && it->second.second == bytes) {
      ptr = it->second.first;
    } else if (it != copies.end()) {
      fatal(name, "a constant buffer changed size at the same address");
    } else if (bytes != 0) {
      check(d.cuMemAlloc(&ptr, bytes), name);
      // On the legacy default stream, finished before the launch that
      // follows on the launcher's stream.
      check(d.cuMemcpyAsync(ptr, reinterpret_cast<CUdeviceptr>(begin), bytes,
                            nullptr),
            name);
      check(d.cuStreamSynchronize(nullptr), name);
      copies.emplace(begin, std::make_pair(ptr, bytes));
    }
  }
  void *p = reinterpret_cast<void *>(ptr);
  *result = {p, p, 0, {host->sizes[0], host->sizes[1]}, {host->sizes[1], 1}};
}

#define SPARQ_GPU_RESIDENT_ENTRY(SUFFIX, BYTES)                                \
  void _mlir_ciface_sparq_gpu_resident_##SUFFIX(SparqMemRef2D *result,         \
                                                SparqMemRef2D *host) {         \
    residentCopy(result, host, BYTES, "sparq_gpu_resident");                   \
  }
SPARQ_GPU_RESIDENT_ENTRY(i8, 1)
SPARQ_GPU_RESIDENT_ENTRY(f16, 2)
SPARQ_GPU_RESIDENT_ENTRY(bf16, 2)
SPARQ_GPU_RESIDENT_ENTRY(f32, 4)
SPARQ_GPU_RESIDENT_ENTRY(f8e8m0, 1)
SPARQ_GPU_RESIDENT_ENTRY(f8e4m3, 1)
#undef SPARQ_GPU_RESIDENT_ENTRY

} // extern "C"
