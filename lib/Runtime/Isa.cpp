//===- Isa.cpp - Host CPU features and kernel tuning settings -------------===//

#include "Common.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>

namespace {
std::atomic<int32_t> gemvStreamsValue{0};
} // namespace

void sparq::rt::fatal(const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  std::fprintf(stderr, "sparq runtime: ");
  std::vfprintf(stderr, fmt, args);
  std::fprintf(stderr, "\n");
  va_end(args);
  std::abort();
}

int32_t sparq::rt::gemvStreamsSetting() {
  return gemvStreamsValue.load(std::memory_order_relaxed);
}

extern "C" void sparq_rt_set_gemv_streams(int32_t streams) {
  gemvStreamsValue.store(streams == 2 || streams == 4 ? streams : 0,
                         std::memory_order_relaxed);
}

extern "C" int32_t sparq_rt_get_gemv_streams(void) {
  return sparq::rt::gemvStreamsSetting();
}

bool sparq::rt::hostHasAvx512Vnni() {
#if defined(__x86_64__)
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vnni") &&
           !std::getenv("SPARQ_RT_PORTABLE");
  }();
  return has;
#else
  return false;
#endif
}

bool sparq::rt::hostHasAvx512Vbmi() {
#if defined(__x86_64__)
  // SPARQ_RT_NO_VBMI: run as on a VNNI host without VBMI (Cascade Lake).
  static const bool has = hostHasAvx512Vnni() &&
                          __builtin_cpu_supports("avx512vbmi") &&
                          !std::getenv("SPARQ_RT_NO_VBMI");
  return has;
#else
  return false;
#endif
}

extern "C" const char *sparq_rt_isa(void) {
  return !sparq::rt::hostHasAvx512Vnni()  ? "portable"
         : sparq::rt::hostHasAvx512Vbmi() ? "avx512-vnni-vbmi"
                                          : "avx512-vnni";
}
