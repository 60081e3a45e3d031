//===- sparq-gemv-ab.cpp - A/B timing of the GEMV's stream counts ---------===//
//
// Times the runtime's batch-1 GEMV of quantized weights (int8 activations,
// packed weights) or 2:4-sparse f32 weights with each setting of
// sparq_rt_set_gemv_streams, interleaved round by round so that the machine's
// drifting bandwidth affects every setting alike, and prints each setting's
// median time and its ratio to the automatic choice, next to the read bandwidth
// probed in the same rounds.
//
//   sparq-gemv-ab [--format=i4-g128|u4-g128-asym|i8-pc|2:4-f32]
//                 [--shape=NxK]
//                 [--threads=T] [--rounds=R] [--cache]
//
// Weights: >= 256 MiB of distinct copies cycled (DRAM), or with --cache one
// copy reused; transparent huge pages as in sparq-bench. Every setting's
// output is checked against the automatic one (same numbers up to the order
// of the final f32 sums).
//
//===----------------------------------------------------------------------===//

#include "BenchUtils.h"
#include "sparq-c/Runtime.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <immintrin.h>
#include <string>
#include <vector>

namespace {

using namespace sparq::bench;

/// hugeAlloc, touched (or exit when out of memory).
void *touchedAlloc(size_t bytes) {
  void *p = hugeAlloc(bytes);
  if (!p) {
    std::fprintf(stderr, "sparq-gemv-ab: out of memory\n");
    std::exit(1);
  }
  std::memset(p, 1, bytes);
  return p;
}

sparq_memref2d_t memref(void *p, int64_t rows, int64_t cols) {
  return {p, p, 0, {rows, cols}, {cols, 1}};
}

/// Read-bandwidth probe: each thread reads its part as `streams` staggered
/// sequential streams (as sparq-bench's probe does).
struct Probe {
  const uint8_t *buf;
  size_t bytes;
  int streams;
  volatile int64_t sink;
};

__attribute__((target("avx512f"))) void probePart(void *ctx, int32_t index,
                                                  int32_t count) {
  auto *r = static_cast<Probe *>(ctx);
  size_t part = r->bytes / count;
  size_t per = part / r->streams / 128 * 128;
  const uint8_t *base = r->buf + index * part;
  __m512i acc = _mm512_setzero_si512();
  for (size_t o = 0; o < per; o += 128)
    for (int s = 0; s < r->streams; ++s) {
      const uint8_t *q = base + s * per + (o + 64000 * s) % per;
      acc = _mm512_add_epi64(acc, _mm512_load_si512(q));
      acc = _mm512_add_epi64(acc, _mm512_load_si512(q + 64));
    }
  r->sink = _mm512_reduce_add_epi64(acc);
}

double readBandwidth(const uint8_t *buf, size_t bytes, int threads) {
  double best = 0;
  for (int streams : {2, 4}) {
    Probe r{buf, bytes, streams, 0};
    for (int i = 0; i < 2; ++i) {
      double t = now();
      sparq_rt_parallel(probePart, &r, threads);
      best = std::max(best, double(bytes) / (now() - t) / 1e9);
    }
  }
  return best;
}

/// One weight copy: quantized codes, f16 scales and zero points; or 2:4
/// values (f32 in `data`) and their 2-bit positions (in `zp`).
struct Copy {
  uint8_t *data, *zp;
  uint16_t *scales;
};

int usage() {
  std::fprintf(stderr,
               "usage: sparq-gemv-ab [--format=i4-g128|u4-g128-asym|i8-pc|"
               "2:4-f32] [--shape=NxK] [--threads=T] [--rounds=R] [--cache]\n");
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  std::string format = "i4-g128";
  int64_t N = 4096, K = 4096;
  int threads = 1, rounds = 12;
  bool cache = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char *key) -> const char * {
      size_t n = std::strlen(key);
      return a.compare(0, n, key) == 0 ? argv[i] + n : nullptr;
    };
    if (const char *v = value("--format="))
      format = v;
    else if (const char *v = value("--shape=")) {
      if (std::sscanf(v, "%ldx%ld", &N, &K) != 2 || N < 1 || K < 1)
        return usage();
    } else if (const char *v = value("--threads="))
      threads = std::atoi(v);
    else if (const char *v = value("--rounds="))
      rounds = std::atoi(v);
    else if (a == "--cache")
      cache = true;
    else
      return usage();
  }
  if (threads < 1 || rounds < 1 ||
      (format != "i4-g128" && format != "u4-g128-asym" && format != "i8-pc" &&
       format != "2:4-f32"))
    return usage();
  const bool nm = format == "2:4-f32";
  const int bits = format == "i8-pc" ? 8 : 4;
  const bool asym = format == "u4-g128-asym";
  const int64_t G = bits == 4 ? 128 : K;
  if (K % (nm ? 8 : G) != 0) {
    std::fprintf(stderr, "sparq-gemv-ab: K must be a multiple of %ld\n",
                 long(nm ? 8 : G));
    return 2;
  }
  // 2:4: K/2 f32 values and K/8 bytes of positions per row.
  const int64_t groups = K / G, rowBytes = nm ? K / 2 * 4 : K * bits / 8,
                sideBytes = nm ? K / 8 : groups * (2 + (asym ? 1 : 0));
  const size_t bytes = N * (rowBytes + sideBytes);
  const size_t copies =
      cache ? 1
            : std::max<size_t>(2, ((size_t(256) << 20) + bytes - 1) / bytes);

  int64_t config = bits | SPARQ_RT_Q_ACT_INT8 |
                   (asym ? SPARQ_RT_Q_HAS_ZP : SPARQ_RT_Q_SIGNED);
  int64_t packedConfig = config;
  std::vector<uint8_t> raw(nm ? 0 : N * rowBytes);
  std::vector<Copy> w;
  for (size_t c = 0; c < copies; ++c) {
    Copy copy{static_cast<uint8_t *>(touchedAlloc(N * rowBytes)), nullptr,
              nullptr};
    if (nm) {
      // Random values, two increasing positions of four per group.
      static const uint8_t pairs[6] = {0x4, 0x8, 0xc, 0x9, 0xd, 0xe};
      auto *v = reinterpret_cast<float *>(copy.data);
      for (int64_t i = 0; i < N * K / 2; ++i)
        v[i] = float(int64_t(next() % 2001) - 1000) * 1e-5f;
      copy.zp = static_cast<uint8_t *>(touchedAlloc(N * K / 8));
      for (int64_t i = 0; i < N * K / 8; ++i)
        copy.zp[i] = uint8_t(pairs[next() % 6] | pairs[next() % 6] << 4);
    } else {
      for (auto &b : raw)
        b = uint8_t(next());
      copy.zp = static_cast<uint8_t *>(touchedAlloc(N * groups));
      copy.scales = static_cast<uint16_t *>(touchedAlloc(N * groups * 2));
      packedConfig =
          sparq_rt_qpack(raw.data(), copy.data, N, K, groups, config);
      for (int64_t i = 0; i < N * groups; ++i) {
        copy.scales[i] = uint16_t(0x2000 + next() % 256); // f16 ~ 2^-7
        copy.zp[i] = uint8_t(next() % 16);
      }
    }
    w.push_back(copy);
  }
  const size_t probeBytes = size_t(256) << 20;
  auto *probe = static_cast<uint8_t *>(touchedAlloc(probeBytes));
  std::vector<float> x(K), y(N), ref;
  for (float &v : x)
    v = float(int64_t(next() % 2001) - 1000) * 1e-3f;
  auto call = [&](const Copy &c) {
    if (nm) {
      sparq_memref2d_t xm = memref(x.data(), 1, K),
                       vm = memref(c.data, N, K / 2),
                       im = memref(c.zp, N, K / 8), ym = memref(y.data(), 1, N);
      _mlir_ciface_sparq_rt_nm_matmul_f32(&xm, &vm, &im, &ym, K,
                                          SPARQ_RT_NM_CONFIG(2, 4));
      return;
    }
    sparq_memref2d_t xm = memref(x.data(), 1, K),
                     dm = memref(c.data, N, rowBytes),
                     sm = memref(c.scales, N, groups),
                     zm = memref(c.zp, N, groups), ym = memref(y.data(), 1, N);
    _mlir_ciface_sparq_rt_qmatmul_sf16(&xm, &dm, &sm, &zm, &ym, K,
                                       packedConfig);
  };

  const int settings[] = {0, 2, 4};
  const int nSettings = 3;
  sparq_rt_set_num_threads(threads);
  for (int v = 0; v < nSettings; ++v) {
    sparq_rt_set_gemv_streams(settings[v]);
    call(w[0]);
    if (v == 0) {
      ref = y;
      continue;
    }
    double maxd = 0, maxv = 1e-30;
    for (int64_t i = 0; i < N; ++i) {
      maxd = std::max(maxd, double(std::fabs(ref[i] - y[i])));
      maxv = std::max(maxv, double(std::fabs(ref[i])));
    }
    if (maxd > 1e-5 * maxv) {
      std::fprintf(stderr, "sparq-gemv-ab: %d streams differ by %g\n",
                   settings[v], maxd / maxv);
      return 1;
    }
  }

  std::vector<double> us[nSettings], bw;
  for (int r = 0; r < rounds; ++r) {
    bw.push_back(readBandwidth(probe, probeBytes, threads));
    for (int v0 = 0; v0 < nSettings; ++v0) {
      int v = (v0 + r) % nSettings; // Rotate the order every round.
      sparq_rt_set_gemv_streams(settings[v]);
      double best = 1e30;
      for (int pass = 0; pass < (cache ? 20 : 2); ++pass) {
        double t = now();
        for (const Copy &c : w)
          call(c);
        best = std::min(best, (now() - t) / double(w.size()));
      }
      us[v].push_back(best * 1e6);
    }
  }
  sparq_rt_set_gemv_streams(0);
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  double bwMedian = median(bw);
  std::printf("%s %ldx%ld, %d thread%s, %s (%zu cop%s of %.2f MB), %d rounds; "
              "read bandwidth median %.1f GB/s\n",
              format.c_str(), long(N), long(K), threads, threads > 1 ? "s" : "",
              cache ? "cache" : "DRAM", copies, copies > 1 ? "ies" : "y",
              double(bytes) / 1e6, rounds, bwMedian);
  double base = median(us[0]);
  for (int v = 0; v < nSettings; ++v) {
    double m = median(us[v]);
    double gbs = double(bytes) / m / 1e3;
    std::printf("  streams %-4s median %8.1f us  %6.1f GB/s  %4.0f%% of read "
                "bandwidth  auto/this %.3f\n",
                settings[v] ? std::to_string(settings[v]).c_str() : "auto", m,
                gbs, 100 * gbs / bwMedian, base / m);
  }
  return 0;
}
