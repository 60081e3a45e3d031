//===- Isa.cpp - Host CPU feature detection for the runtime ---------------===//

#include "Common.h"

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
  static const bool has =
      hostHasAvx512Vnni() && __builtin_cpu_supports("avx512vbmi");
  return has;
#else
  return false;
#endif
}

extern "C" const char *sparq_rt_isa(void) {
  return sparq::rt::hostHasAvx512Vnni() ? "avx512-vnni" : "portable";
}
