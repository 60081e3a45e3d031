//===- sparq-bench.cpp - CPU GEMV/GEMM benchmark of Sparq's compiled code -===//
//
// One program, two jobs:
//   sparq-bench --emit=sparq|sparq-f32|naive    prints the benchmark's MLIR
//       module (every format x shape x batch as a function taking its weights
//       as arguments), which bench/run compiles: `sparq` and `sparq-f32` with
//       `sparq-opt --sparq-cpu` (int8 / f32 activations), `naive` with
//       upstream MLIR's default linalg lowering (scalar loops);
//   sparq-bench --sparq a.so --sparq-f32 b.so --naive c.so [--markdown F]
//       measures, in one run: the machine's FMA and VNNI peaks and its read
//       bandwidth (1 and 2 threads), then every function with its weights in
//       cache (one copy, reused) and in DRAM (>= 256 MiB of distinct copies,
//       cycled), at 1 and 2 threads; prints time, weight GB/s, GOP/s, the
//       ratio to the measured bandwidth / peak, and speedups over the naive
//       f32 baseline and over Sparq's own f32 kernel, measured in the same run.
//
//===----------------------------------------------------------------------===//

#include "BenchUtils.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <functional>
#include <immintrin.h>
#include <map>
#include <string>
#include <sys/mman.h>
#include <vector>

namespace {

using namespace sparq::bench;

const char *sparq_isa_name() {
  return __builtin_cpu_supports("avx512vnni") ? "AVX-512 VNNI" : "no AVX-512 VNNI";
}

//===----------------------------------------------------------------------===//
// What is measured.
//===----------------------------------------------------------------------===//

struct Format {
  std::string name;
  bool dense;
  std::string wtype; // dense: f32/f16/bf16
  int bits;
  bool isSigned;
  int64_t group; // 0: per output channel
  std::string scaleType;
  bool asym;
  bool exactAct; // compiled with activations=f32
  std::string note;
  /// Sparse formats (f32 values): "2:4" (N:M along K), "csr90" (90%
  /// unstructured, CSR with i16 columns), "shrink50" (the dense f32 layer
  /// with half of its output channels, as sparq-shrink-channels leaves it).
  std::string sparse = "";
  /// Quantized formats: the storage type when not an integer ("f4E2M1FN").
  std::string storage = "";
};

const std::vector<Format> &formats() {
  static const std::vector<Format> f = {
      {"f32", true, "f32", 32, true, 0, "", false, false, "dense fp32"},
      {"bf16", true, "bf16", 16, true, 0, "", false, false,
       "dense bf16 weights"},
      {"f16", true, "f16", 16, true, 0, "", false, false, "dense fp16 weights"},
      {"i8-pc", false, "", 8, true, 0, "f32", false, false,
       "int8 per-channel, int8 act (A8W8, VNNI)"},
      {"i4-g32", false, "", 4, true, 32, "f16", false, false,
       "int4 g32 sym, f16 scales, int8 act"},
      {"i4-g64", false, "", 4, true, 64, "f16", false, false,
       "int4 g64 sym, f16 scales, int8 act"},
      {"i4-g128", false, "", 4, true, 128, "f16", false, false,
       "int4 g128 sym, f16 scales, int8 act"},
      {"i3-g128", false, "", 3, true, 128, "f16", false, false,
       "int3 g128 sym, f16 scales, int8 act (codes spread by VBMI)"},
      {"u4-g128-asym", false, "", 4, false, 128, "f16", true, false,
       "uint4 g128 asym (zero points), int8 act"},
      {"i8-pc-f32act", false, "", 8, true, 0, "f32", false, true,
       "int8 per-channel, exact f32 act"},
      {"i4-g128-f32act", false, "", 4, true, 128, "f16", false, true,
       "int4 g128 sym, exact f32 act"},
      {"mxfp4", false, "", 4, true, 32, "f8E8M0FNU", false, false,
       "MXFP4: FP4 E2M1 g32, E8M0 scales, int8 act", "", "f4E2M1FN"},
      {"2:4-f32", false, "f32", 32, true, 0, "", false, false,
       "2:4 sparse fp32 along K (values + 2-bit positions)", "2:4"},
      {"csr90-f32", false, "f32", 32, true, 0, "", false, false,
       "90% unstructured fp32, CSR (f32 values, i16 columns, i32 offsets)",
       "csr90"},
      {"shrink50-f32", true, "f32", 32, true, 0, "", false, false,
       "dense fp32 with 50% of the output channels removed (N/2 x K)",
       "shrink50"},
  };
  return f;
}

struct Shape {
  int64_t n, k;
};
const Shape kShapes[] = {{4096, 4096}, {11008, 4096}, {4096, 11008}};
const int64_t kBatches[] = {1, 8, 32, 128};

std::string fnName(const Format &f, const Shape &s, int64_t m) {
  std::string n = f.name + "_" + std::to_string(s.n) + "x" +
                  std::to_string(s.k) + "_m" + std::to_string(m);
  std::replace(n.begin(), n.end(), '-', '_');
  std::replace(n.begin(), n.end(), ':', '_');
  if (n[0] >= '0' && n[0] <= '9') // "2:4-f32": symbols start with a letter.
    n = "sp" + n;
  return n;
}

/// Stored values per row of the 90% unstructured format.
int64_t csrRowNnz(const Shape &s) { return (s.k + 5) / 10; }

int64_t weightBytes(const Format &f, const Shape &s) {
  if (f.sparse == "2:4")
    return s.n * (s.k / 2) * 4 + s.n * (s.k / 8);
  if (f.sparse == "csr90")
    return s.n * csrRowNnz(s) * 6 + (s.n + 1) * 4;
  if (f.sparse == "shrink50")
    return (s.n / 2) * s.k * 4;
  if (f.dense)
    return s.n * s.k * (f.wtype == "f32" ? 4 : 2);
  int64_t groups = f.group ? s.k / f.group : 1;
  int64_t scaleBytes = f.scaleType == "f32"                             ? 4
                       : f.scaleType[0] == 'f' && f.scaleType[1] == '8' ? 1
                                                                        : 2;
  return s.n * ((s.k * f.bits + 7) / 8) +
         s.n * groups * (scaleBytes + (f.asym ? 1 : 0));
}

//===----------------------------------------------------------------------===//
// --emit
//===----------------------------------------------------------------------===//

std::string tensor(std::initializer_list<int64_t> dims, const std::string &e) {
  std::string t = "tensor<";
  for (int64_t d : dims)
    t += std::to_string(d) + "x";
  return t + e + ">";
}

/// Whether the weight data of `f` is passed packed (sparq_rt_qpack), as
/// sparq-compile does with constant weights: 4- and 8-bit codes with int8
/// activations, and int3 in groups of 128 (they interleave at every shape
/// here).
bool runtimePacked(const Format &f) {
  return !f.dense && f.sparse.empty() && !f.exactAct &&
         (f.bits == 4 || f.bits == 8 || (f.bits == 3 && f.group == 128));
}

void emitFunction(const Format &f, const Shape &s, int64_t m) {
  std::string name = fnName(f, s, m);
  std::string xt = tensor({m, s.k}, "f32"), yt = tensor({m, s.n}, "f32");
  if (f.sparse == "2:4" || f.sparse == "csr90") {
    bool nm = f.sparse == "2:4";
    std::string ct = "!sparq.compressed<" + std::to_string(s.n) + "x" +
                     std::to_string(s.k) + "xf32, #sparq.sparsity<" +
                     (nm ? "2:4, axis = 1" : "unstructured, ratio = 0.9") +
                     ">>";
    int64_t nnz = s.n * csrRowNnz(s);
    std::string vt = nm ? tensor({s.n, s.k / 2}, "f32") : tensor({nnz}, "f32");
    std::string it = nm ? tensor({s.n, s.k / 8}, "i8") : tensor({nnz}, "i16");
    std::string ot = tensor({s.n + 1}, "i32");
    std::printf("  func.func @%s(%%x: %s, %%v: %s, %%i: %s%s) -> %s attributes "
                "{llvm.emit_c_interface} {\n"
                "    %%w = sparq.assemble %%v : %s indices %%i : %s%s -> %s\n"
                "    %%y = sparq.matmul %%x, %%w : %s, %s -> %s\n"
                "    return %%y : %s\n  }\n",
                name.c_str(), xt.c_str(), vt.c_str(), it.c_str(),
                nm ? "" : (", %o: " + ot).c_str(), yt.c_str(), vt.c_str(),
                it.c_str(), nm ? "" : (" offsets %o : " + ot).c_str(),
                ct.c_str(), xt.c_str(), ct.c_str(), yt.c_str(), yt.c_str());
    return;
  }
  if (f.sparse == "shrink50")
    yt = tensor({m, s.n / 2}, "f32");
  if (f.dense) {
    std::string wt =
        tensor({s.k, f.sparse == "shrink50" ? s.n / 2 : s.n}, f.wtype);
    std::printf(
        "  func.func @%s(%%x: %s, %%w: %s) -> %s attributes "
        "{llvm.emit_c_interface} {\n"
        "    %%zero = arith.constant 0.0 : f32\n"
        "    %%e = tensor.empty() : %s\n"
        "    %%f = linalg.fill ins(%%zero : f32) outs(%%e : %s) -> %s\n"
        "    %%y = linalg.matmul ins(%%x, %%w : %s, %s) outs(%%f : %s) -> %s\n"
        "    return %%y : %s\n  }\n",
        name.c_str(), xt.c_str(), wt.c_str(), yt.c_str(), yt.c_str(),
        yt.c_str(), yt.c_str(), xt.c_str(), wt.c_str(), yt.c_str(), yt.c_str(),
        yt.c_str());
    return;
  }
  int64_t groups = f.group ? s.k / f.group : 1;
  std::string storage =
      !f.storage.empty() ? f.storage
                         : (f.isSigned ? "i" : "ui") + std::to_string(f.bits);
  std::string gran = f.group ? "per_group(axis = 1, size = " +
                                   std::to_string(f.group) + ")"
                             : "per_channel(axis = 0)";
  std::string spec = "#sparq.quant<" + storage + ", " + gran +
                     (f.asym ? ", asymmetric" : "") +
                     (f.scaleType != "f32" ? ", scale = " + f.scaleType : "") +
                     ">";
  std::string ct = "!sparq.compressed<" + std::to_string(s.n) + "x" +
                   std::to_string(s.k) + "xf32, " + spec + ">";
  std::string dt = tensor({s.n, (s.k * f.bits + 7) / 8}, "i8");
  // The data arrives in the runtime's packed layout, as sparq-compile makes
  // of constant weights (the bench packs its random bytes the same way).
  std::string dattr = runtimePacked(f) ? " {sparq.packed}" : "";
  std::string st = tensor({s.n, groups}, f.scaleType);
  std::string zt = tensor({s.n, groups}, "i8");
  std::printf("  func.func @%s(%%x: %s, %%d: %s%s, %%s: %s%s) -> %s attributes "
              "{llvm.emit_c_interface} {\n"
              "    %%w = sparq.assemble %%d : %s scales %%s : %s%s -> %s\n"
              "    %%y = sparq.matmul %%x, %%w : %s, %s -> %s\n"
              "    return %%y : %s\n  }\n",
              name.c_str(), xt.c_str(), dt.c_str(), dattr.c_str(), st.c_str(),
              f.asym ? (", %z: " + zt).c_str() : "", yt.c_str(), dt.c_str(),
              st.c_str(), f.asym ? (" zero_points %z : " + zt).c_str() : "",
              ct.c_str(), xt.c_str(), ct.c_str(), yt.c_str(), yt.c_str());
}

int emit(const std::string &which) {
  std::printf("// Generated by sparq-bench --emit=%s.\nmodule {\n",
              which.c_str());
  for (const Shape &s : kShapes)
    for (const Format &f : formats())
      for (int64_t m : kBatches) {
        if (which == "naive") {
          if (f.name == "f32" && m <= 32)
            emitFunction(f, s, m);
        } else if ((which == "sparq-f32") == f.exactAct) {
          emitFunction(f, s, m);
        }
      }
  std::printf("}\n");
  return 0;
}

//===----------------------------------------------------------------------===//
// Calling compiled functions.
//===----------------------------------------------------------------------===//

struct Desc {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
};

struct Desc1 {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t size;
  int64_t stride;
};

Desc desc(void *p, int64_t r, int64_t c) {
  return Desc{p, p, 0, {r, c}, {c, 1}};
}

using Fn2 = void (*)(Desc *, Desc *, Desc *);
using Fn3 = void (*)(Desc *, Desc *, Desc *, Desc *);
using Fn4 = void (*)(Desc *, Desc *, Desc *, Desc *, Desc *);

struct Lib {
  void *handle = nullptr;
  void (*setThreads)(int32_t) = nullptr;
  void (*parallel)(void (*)(void *, int32_t, int32_t), void *,
                   int32_t) = nullptr;
  void *sym(const std::string &name) const {
    return handle ? dlsym(handle, ("_mlir_ciface_" + name).c_str()) : nullptr;
  }
};

Lib openLib(const char *path) {
  Lib lib;
  if (!path)
    return lib;
  lib.handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!lib.handle) {
    std::fprintf(stderr, "sparq-bench: cannot load %s: %s\n", path, dlerror());
    std::exit(1);
  }
  lib.setThreads = reinterpret_cast<void (*)(int32_t)>(
      dlsym(lib.handle, "sparq_rt_set_num_threads"));
  lib.parallel = reinterpret_cast<decltype(lib.parallel)>(
      dlsym(lib.handle, "sparq_rt_parallel"));
  return lib;
}

template <typename Vec> void fillBytes(Vec &v) {
  size_t i = 0;
  for (; i + 8 <= v.size(); i += 8) {
    uint64_t r = next();
    std::memcpy(&v[i], &r, 8);
  }
  for (; i < v.size(); ++i)
    v[i] = uint8_t(next());
}

__attribute__((target("f16c"))) uint16_t f32ToHalfBits(float f, bool bf16) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  if (bf16)
    return uint16_t(b >> 16);
  return _cvtss_sh(f, 0);
}

/// One weight copy of a format, in the layout its function takes.
/// Allocates 2 MiB-aligned and asks for transparent huge pages
/// (MADV_HUGEPAGE) before first touch, as a runtime that maps a model's
/// weights would: with 4 KiB pages every 4 KiB of each weight stream costs a
/// TLB miss. The bandwidth probe's buffer is allocated the same way.
template <typename T> struct HugeAlloc {
  using value_type = T;
  HugeAlloc() = default;
  template <typename U> HugeAlloc(const HugeAlloc<U> &) {}
  T *allocate(size_t n) { return static_cast<T *>(hugeAlloc(n * sizeof(T))); }
  void deallocate(T *p, size_t) { std::free(p); }
  template <typename U> bool operator==(const HugeAlloc<U> &) const {
    return true;
  }
  template <typename U> bool operator!=(const HugeAlloc<U> &) const {
    return false;
  }
};
using Bytes = std::vector<uint8_t, HugeAlloc<uint8_t>>;

struct Weights {
  Bytes data;   // dense: the [K, N] matrix; quant: packed bytes
  Bytes scales; // sparse: indices
  Bytes zp;     // CSR: offsets
};

/// sparq_rt_qpack of the loaded Sparq library.
int64_t (*qpack)(const uint8_t *, uint8_t *, int64_t, int64_t, int64_t,
                 int64_t) = nullptr;

float randomWeight() { return float(int64_t(next() % 2001) - 1000) * 1e-5f; }

Weights makeWeights(const Format &f, const Shape &s) {
  Weights w;
  if (f.sparse == "2:4") { // Random values, random 2-of-4 positions.
    w.data.resize(s.n * (s.k / 2) * 4);
    for (int64_t i = 0; i < s.n * (s.k / 2); ++i) {
      float v = randomWeight();
      std::memcpy(&w.data[i * 4], &v, 4);
    }
    static const uint8_t pairs[6] = {0x4, 0x8, 0xc, 0x9, 0xd, 0xe}; // lo | hi<<2
    w.scales.resize(s.n * (s.k / 8));
    for (auto &b : w.scales)
      b = uint8_t(pairs[next() % 6] | pairs[next() % 6] << 4);
    return w;
  }
  if (f.sparse == "csr90") { // csrRowNnz random increasing columns per row.
    int64_t per = csrRowNnz(s), nnz = s.n * per;
    w.data.resize(nnz * 4);
    w.scales.resize(nnz * 2);
    w.zp.resize((s.n + 1) * 4);
    std::vector<uint8_t> used(s.k);
    for (int64_t r = 0; r <= s.n; ++r) {
      int32_t off = int32_t(r * per);
      std::memcpy(&w.zp[r * 4], &off, 4);
    }
    for (int64_t r = 0; r < s.n; ++r) {
      std::fill(used.begin(), used.end(), 0);
      for (int64_t c = 0; c < per;) {
        int64_t j = int64_t(next() % uint64_t(s.k));
        if (!used[j]) {
          used[j] = 1;
          ++c;
        }
      }
      int64_t i = r * per;
      for (int64_t j = 0; j < s.k; ++j)
        if (used[j]) {
          uint16_t c16 = uint16_t(j);
          float v = randomWeight();
          std::memcpy(&w.scales[i * 2], &c16, 2);
          std::memcpy(&w.data[i * 4], &v, 4);
          ++i;
        }
    }
    return w;
  }
  if (f.dense) {
    int64_t e = (f.sparse == "shrink50" ? s.n / 2 : s.n) * s.k;
    w.data.resize(e * (f.wtype == "f32" ? 4 : 2));
    for (int64_t i = 0; i < e; ++i) {
      float v = float(int64_t(next() % 2001) - 1000) * 1e-5f;
      if (f.wtype == "f32")
        std::memcpy(&w.data[i * 4], &v, 4);
      else {
        uint16_t h = f32ToHalfBits(v, f.wtype == "bf16");
        std::memcpy(&w.data[i * 2], &h, 2);
      }
    }
    return w;
  }
  int64_t groups = f.group ? s.k / f.group : 1;
  w.data.resize(s.n * ((s.k * f.bits + 7) / 8));
  fillBytes(w.data);
  if (runtimePacked(f)) {
    Bytes packed(w.data.size());
    // SPARQ_RT_Q_SIGNED (1 << 8), SPARQ_RT_Q_E2M1 (1 << 12).
    qpack(w.data.data(), packed.data(), s.n, s.k, groups,
          f.bits | (f.storage == "f4E2M1FN" ? (1 << 12)
                    : f.isSigned            ? (1 << 8)
                                            : 0));
    w.data.swap(packed);
  }
  int64_t sb = f.scaleType == "f32" ? 4 : f.scaleType == "f8E8M0FNU" ? 1 : 2;
  w.scales.resize(s.n * groups * sb);
  for (int64_t i = 0; i < s.n * groups; ++i) {
    float v = 0.01f + float(next() % 100) * 1e-4f;
    if (sb == 1) // E8M0: 2^(e - 127) around 2^-7.
      w.scales[i] = uint8_t(118 + next() % 4);
    else if (sb == 4)
      std::memcpy(&w.scales[i * 4], &v, 4);
    else {
      uint16_t h = f32ToHalfBits(v, f.scaleType == "bf16");
      std::memcpy(&w.scales[i * 2], &h, 2);
    }
  }
  if (f.asym) {
    w.zp.resize(s.n * groups);
    for (auto &z : w.zp)
      z = uint8_t(next() % 16);
  }
  return w;
}

/// Calls function `fn` of format f on weights w with input x; frees the
/// result. Returns false if the symbol is missing.
struct Caller {
  void *fn = nullptr;
  const Format *f = nullptr;
  Shape s{};
  int64_t m = 0;
  void call(Weights &w, std::vector<float> &x) const {
    Desc y{}, xd = desc(x.data(), m, s.k);
    if (f->sparse == "2:4") {
      Desc vd = desc(w.data.data(), s.n, s.k / 2);
      Desc id = desc(w.scales.data(), s.n, s.k / 8);
      reinterpret_cast<Fn3>(fn)(&y, &xd, &vd, &id);
    } else if (f->sparse == "csr90") {
      int64_t nnz = s.n * csrRowNnz(s);
      Desc1 vd{w.data.data(), w.data.data(), 0, nnz, 1};
      Desc1 id{w.scales.data(), w.scales.data(), 0, nnz, 1};
      Desc1 od{w.zp.data(), w.zp.data(), 0, s.n + 1, 1};
      using FnCsr = void (*)(Desc *, Desc *, Desc1 *, Desc1 *, Desc1 *);
      reinterpret_cast<FnCsr>(fn)(&y, &xd, &vd, &id, &od);
    } else if (f->dense) {
      Desc wd = desc(w.data.data(), s.k,
                     f->sparse == "shrink50" ? s.n / 2 : s.n);
      reinterpret_cast<Fn2>(fn)(&y, &xd, &wd);
    } else {
      int64_t groups = f->group ? s.k / f->group : 1;
      Desc dd = desc(w.data.data(), s.n, (s.k * f->bits + 7) / 8);
      Desc sd = desc(w.scales.data(), s.n, groups);
      if (f->asym) {
        Desc zd = desc(w.zp.data(), s.n, groups);
        reinterpret_cast<Fn4>(fn)(&y, &xd, &dd, &sd, &zd);
      } else {
        reinterpret_cast<Fn3>(fn)(&y, &xd, &dd, &sd);
      }
    }
    lastY.assign(static_cast<float *>(y.aligned),
                 static_cast<float *>(y.aligned) + y.sizes[0] * y.sizes[1]);
    std::free(y.allocated);
  }
  mutable std::vector<float> lastY;
};

/// Seconds per call: cache = one copy reused; DRAM = cycling all copies.
double timeCalls(const Caller &c, std::vector<Weights> &copies,
                 std::vector<float> &x, bool dram, double minSeconds) {
  size_t n = dram ? copies.size() : 1;
  c.call(copies[0], x); // warm-up (and page-in)
  if (dram) // Touch every copy once so first-touch is not timed.
    for (size_t i = 1; i < n; ++i)
      c.call(copies[i], x);
  std::vector<double> samples;
  double start = now();
  size_t i = 0;
  // GEMV (bandwidth-bound): at least 3 passes; GEMM: at least one.
  const size_t passes = c.m <= 2 ? 3 : 1;
  do {
    double t0 = now();
    c.call(copies[i % n], x);
    samples.push_back(now() - t0);
    ++i;
  } while ((now() - start < minSeconds || (dram && i < passes * n)) &&
           i < 100000);
  if (dram) {
    // Every call reads from DRAM; the result is the best mean over one whole
    // pass through the copies (the bandwidth probe is likewise its best of
    // five reads of 1 GiB: a pass that another tenant of the machine slowed
    // down says nothing about the kernel).
    double best = 1e30;
    for (size_t p = 0; (p + 1) * n <= samples.size(); ++p) {
      double sum = 0;
      for (size_t j = p * n; j < (p + 1) * n; ++j)
        sum += samples[j];
      best = std::min(best, sum / n);
    }
    return best;
  }
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

//===----------------------------------------------------------------------===//
// Machine peaks.
//===----------------------------------------------------------------------===//

#define BENCH_AVX512                                                           \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,fma")))

struct ReadCtx {
  const uint8_t *buf;
  size_t bytes;
  int streams;
  double sink[64];
};

/// Reads this thread's part of the buffer as `streams` sequential streams,
/// two cache lines per stream per step. Stream s starts 64000 * s bytes into
/// its region (wrapping): streams a large power of two apart contend for the
/// same DRAM banks (about a third of the bandwidth on these machines).
BENCH_AVX512 void readPart(void *ctx, int32_t index, int32_t count) {
  ReadCtx &r = *static_cast<ReadCtx *>(ctx);
  size_t part = r.bytes / count / 4096 * 4096;
  const uint8_t *base = r.buf + part * index;
  size_t per = part / r.streams / 128 * 128;
  __m512i acc[16];
  for (auto &a : acc)
    a = _mm512_setzero_si512();
  for (size_t off = 0; off < per; off += 128)
    for (int s = 0; s < r.streams; ++s) {
      const uint8_t *p = base + s * per + (off + 64000 * size_t(s)) % per;
      acc[2 * s] = _mm512_add_epi64(acc[2 * s], _mm512_load_si512(p));
      acc[2 * s + 1] =
          _mm512_add_epi64(acc[2 * s + 1], _mm512_load_si512(p + 64));
    }
  __m512i t = acc[0];
  for (int i = 1; i < 16; ++i)
    t = _mm512_add_epi64(t, acc[i]);
  r.sink[index] = double(_mm512_reduce_add_epi64(t));
}

double readBandwidth(const Lib &lib, int threads, int streams) {
  // One 1 GiB buffer for every probe of the run.
  size_t bytes = size_t(1) << 30;
  static uint8_t *buf = [&] {
    auto *b = static_cast<uint8_t *>(hugeAlloc(bytes));
    std::memset(b, 1, bytes);
    return b;
  }();
  ReadCtx ctx{buf, bytes, streams, {}};
  lib.setThreads(threads);
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    double t0 = now();
    lib.parallel(readPart, &ctx, threads);
    double t = now() - t0;
    size_t part = bytes / threads / 4096 * 4096;
    size_t read = size_t(threads) * (part / streams / 128 * 128) * streams;
    best = std::max(best, double(read) / t / 1e9);
  }
  return best;
}

/// The read bandwidth at `threads` right now: a DRAM GEMV row is compared
/// with a probe taken just before it, because this machine's bandwidth
/// drifts by 10-40% over a run (other tenants).
double localBandwidth(const Lib &lib, int threads) {
  double bw = 0;
  for (int streams : {2, 4})
    bw = std::max(bw, readBandwidth(lib, threads, streams));
  return bw;
}

/// Best rate (ops/s / 1e9) of `iters` iterations of `body`, over 5 runs (the
/// machine is shared: the best run is the one that had the core).
template <typename Body>
double bestRate(Body body, long iters, double opsPerIter) {
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    double t0 = now();
    body(iters);
    best = std::max(best, double(iters) * opsPerIter / (now() - t0) / 1e9);
  }
  return best;
}

/// fp32 FMA: 12 independent chains of 16-lane FMAs (2 flops each).
BENCH_AVX512 void fmaLoop(long iters) {
  __m512 a[12];
  for (int i = 0; i < 12; ++i)
    a[i] = _mm512_set1_ps(float(i));
  __m512 b = _mm512_set1_ps(0.999f), c = _mm512_set1_ps(0.001f);
  for (long it = 0; it < iters; ++it)
    for (int i = 0; i < 12; ++i)
      a[i] = _mm512_fmadd_ps(a[i], b, c);
  float s = 0;
  for (int i = 0; i < 12; ++i)
    s += _mm512_reduce_add_ps(a[i]);
  volatile float sink = s;
  (void)sink;
}

/// int8 VNNI: 12 independent chains of vpdpbusd (64 multiply-adds each).
BENCH_AVX512 void vnniLoop(long iters) {
  __m512i a[12];
  for (int i = 0; i < 12; ++i)
    a[i] = _mm512_set1_epi32(i);
  __m512i b = _mm512_set1_epi8(3), c = _mm512_set1_epi8(-2);
  for (long it = 0; it < iters; ++it)
    for (int i = 0; i < 12; ++i)
      a[i] = _mm512_dpbusd_epi32(a[i], b, c);
  long s = 0;
  for (int i = 0; i < 12; ++i)
    s += _mm512_reduce_add_epi32(a[i]);
  volatile long sink = s;
  (void)sink;
}

double fmaPeak() { return bestRate(fmaLoop, 4000000, 12 * 16 * 2); }
double vnniPeak() { return bestRate(vnniLoop, 4000000, 12 * 64 * 2); }

//===----------------------------------------------------------------------===//
// --run
//===----------------------------------------------------------------------===//

struct Row {
  std::string format, note;
  Shape s;
  int64_t m;
  int threads;
  bool dram;
  double us, gbs, gops, pctBw, pctPeak, vsNaive, vsF32;
};

int run(const char *sparqPath, const char *sparqF32Path, const char *naivePath,
        const char *markdown, bool quick, const std::string &only) {
  Lib sparq = openLib(sparqPath), sparqF32 = openLib(sparqF32Path),
      naive = openLib(naivePath);
  qpack = reinterpret_cast<decltype(qpack)>(
      sparq.handle ? dlsym(sparq.handle, "sparq_rt_qpack") : nullptr);
  if (!sparq.setThreads || !sparq.parallel || !qpack) {
    std::fprintf(stderr, "sparq-bench: %s does not export the Sparq runtime\n",
                 sparqPath);
    return 1;
  }
  double minSeconds = quick ? 0.05 : 0.25;

  std::printf("Measuring machine peaks...\n");
  double fma1 = fmaPeak(), vnni1 = vnniPeak();
  // The best read rate any stream count reaches (on some machines one long
  // stream beats several, on others not): the most demanding denominator.
  double bw[3] = {0, 0, 0}, bw1single = readBandwidth(sparq, 1, 1);
  bw[1] = bw1single;
  for (int streams : {2, 4, 8})
    bw[1] = std::max(bw[1], readBandwidth(sparq, 1, streams));
  for (int streams : {1, 2, 4, 8})
    bw[2] = std::max(bw[2], readBandwidth(sparq, 2, streams));
  std::printf("fp32 FMA peak (1 thread): %.0f GFLOP/s\n", fma1);
  std::printf("int8 VNNI peak (1 thread): %.0f GOP/s\n", vnni1);
  std::printf("read bandwidth (best of 1, 2, 4, 8 streams per thread): 1 "
              "thread %.1f GB/s (one stream %.1f), 2 threads %.1f GB/s\n",
              bw[1], bw1single, bw[2]);

  std::vector<Row> rows;
  // Sparq f32 and naive times, keyed by shape/m/threads/dram.
  std::map<std::string, double> f32Time, naiveTime;
  auto key = [](const Shape &s, int64_t m, int t, bool d) {
    return std::to_string(s.n) + "x" + std::to_string(s.k) + "m" +
           std::to_string(m) + "t" + std::to_string(t) + (d ? "D" : "C");
  };
  std::vector<float> x;
  for (const Shape &s : kShapes) {
    for (const Format &f : formats()) {
      // --formats=a,b: those (and f32, the baseline of the ratios) only.
      if (!only.empty() && f.name != "f32" &&
          ("," + only + ",").find("," + f.name + ",") == std::string::npos)
        continue;
      int64_t bytes = weightBytes(f, s);
      size_t copies = std::max<int64_t>(2, ((int64_t(256) << 20) + bytes - 1) / bytes);
      if (quick)
        copies = std::min<size_t>(copies, 4);
      std::vector<Weights> w;
      for (size_t i = 0; i < copies; ++i)
        w.push_back(makeWeights(f, s));
      for (int64_t m : kBatches) {
        x.resize(m * s.k);
        for (auto &v : x)
          v = float(int64_t(next() % 2001) - 1000) * 1e-3f;
        const Lib &lib = f.exactAct ? sparqF32 : sparq;
        Caller c{lib.sym(fnName(f, s, m)), &f, s, m, {}};
        if (!c.fn) {
          std::fprintf(stderr, "sparq-bench: missing %s\n",
                       fnName(f, s, m).c_str());
          return 1;
        }
        if (f.name == "f32" && naive.handle && m <= 32) {
          Caller nc{naive.sym(fnName(f, s, m)), &f, s, m, {}};
          if (nc.fn) {
            // Check Sparq's f32 kernel against the naive code once.
            nc.call(w[0], x);
            std::vector<float> ref = nc.lastY;
            sparq.setThreads(1);
            c.call(w[0], x);
            double maxd = 0, maxv = 1e-30;
            for (size_t i = 0; i < ref.size(); ++i) {
              maxd = std::max(maxd, double(std::fabs(ref[i] - c.lastY[i])));
              maxv = std::max(maxv, double(std::fabs(ref[i])));
            }
            if (maxd > 1e-4 * maxv * std::sqrt(double(s.k))) {
              std::fprintf(stderr, "sparq-bench: f32 %s differs from naive by %g\n",
                           fnName(f, s, m).c_str(), maxd);
              return 1;
            }
            // The naive code is scalar and single-threaded; its time does not
            // depend on where the weights are (compute-bound).
            double t = timeCalls(nc, w, x, m == 1, m == 1 ? minSeconds : 0.0);
            for (int th : {1, 2})
              for (bool d : {false, true})
                naiveTime[key(s, m, th, d)] = t;
            std::printf("  naive f32 %ldx%ld m=%ld: %.0f us\n", long(s.n),
                        long(s.k), long(m), t * 1e6);
          }
        }
        for (int th : {1, 2}) {
          lib.setThreads(th);
          for (bool d : {false, true}) {
            // GEMV rows from DRAM: the bandwidth right before them.
            double bwRef = bw[th];
            if (d && m == 1)
              bwRef = localBandwidth(sparq, th);
            lib.setThreads(th);
            double t = timeCalls(c, w, x, d, minSeconds);
            Row r;
            r.format = f.name;
            r.note = f.note;
            r.s = s;
            r.m = m;
            r.threads = th;
            r.dram = d;
            r.us = t * 1e6;
            r.gbs = double(bytes) / t / 1e9;
            r.gops = 2.0 * m * s.n * s.k / t / 1e9;
            r.pctBw = 100.0 * r.gbs / bwRef;
            // Sparse and shrunk formats do less work than 2*M*N*K: their
            // GOP/s is dense-equivalent, and a peak ratio would mislead.
            double peak = (f.dense || f.exactAct ? fma1 : vnni1) * th;
            r.pctPeak = f.sparse.empty() ? 100.0 * r.gops / peak : 0.0;
            if (f.name == "f32")
              f32Time[key(s, m, th, d)] = t;
            auto nt = naiveTime.find(key(s, m, th, d));
            r.vsNaive = nt != naiveTime.end() ? nt->second / t : 0;
            auto ft = f32Time.find(key(s, m, th, d));
            r.vsF32 = ft != f32Time.end() ? ft->second / t : 0;
            rows.push_back(r);
            std::printf("  %-15s %5ldx%-5ld m=%-3ld t=%d %-5s %9.1f us %6.1f "
                        "GB/s %7.1f GOP/s %5.0f%% BW %5.0f%% peak  x%.1f naive  "
                        "x%.2f f32\n",
                        f.name.c_str(), long(s.n), long(s.k), long(m), th,
                        d ? "DRAM" : "cache", r.us, r.gbs, r.gops, r.pctBw,
                        r.pctPeak, r.vsNaive, r.vsF32);
            std::fflush(stdout);
          }
        }
      }
    }
  }

  if (markdown) {
    FILE *out = std::fopen(markdown, "w");
    if (!out) {
      std::fprintf(stderr, "sparq-bench: cannot write %s\n", markdown);
      return 1;
    }
    std::fprintf(
        out,
        "# CPU benchmark\n\n"
        "Generated by `bench/run` (do not edit). One run on this "
        "machine (%s); these machines are noisy, so compare ratios "
        "measured in the same run.\n\n"
        "Machine, measured in the same run: fp32 FMA peak %.0f "
        "GFLOP/s and int8 VNNI peak %.0f GOP/s per thread; read "
        "bandwidth %.1f GB/s (1 thread, best of 1/2/4/8 streams; "
        "%.1f with one stream) and %.1f GB/s (2 threads).\n\n"
        "Columns: `time` per call; `GB/s` = weight bytes (packed "
        "data + scales + zero points) / time; `%%BW` = GB/s / read "
        "bandwidth at the same thread count (for batch-1 rows from "
        "DRAM, the best of 2 and 4 streams measured right before the "
        "row: the machine's bandwidth drifts by 10-40%% during a "
        "run); `GOP/s` = 2*M*N*K / "
        "time; `%%peak` = GOP/s / (VNNI peak for integer formats "
        "with int8 activations, FMA peak otherwise) x threads; "
        "`naive` = speedup over upstream MLIR's default lowering of "
        "the fp32 `linalg.matmul` (scalar loops, 1 thread); `f32` = "
        "speedup over Sparq's own fp32 kernel at the same M, threads "
        "and residency. `cache`: one weight copy reused (median call); `DRAM`: "
        ">= 256 MiB of distinct copies cycled (the best mean over one "
        "pass through all copies; at least 3 passes at batch 1). Weights and "
        "the "
        "bandwidth probe's buffer are in transparent huge pages "
        "(MADV_HUGEPAGE; with 4 KiB pages the GEMVs lose 10-20%%). "
        "4- and 8-bit weights (int8 activations) are passed in the "
        "runtime's packed layout (`sparq_rt_qpack`: offset-binary "
        "codes, 16 groups interleaved across the VNNI lanes), which "
        "is what `sparq-compile` makes of constant weights.\n\n",
        sparq_isa_name(), fma1, vnni1, bw[1], bw1single, bw[2]);
    // The targets, read off the rows above.
    auto find = [&](const char *fmt, int64_t n, int64_t k, int64_t m, int th,
                    bool dram) -> const Row * {
      for (const Row &r : rows)
        if (r.format == fmt && r.s.n == n && r.s.k == k && r.m == m &&
            r.threads == th && r.dram == dram)
          return &r;
      return nullptr;
    };
    std::fprintf(out, "## Summary against the targets\n\n"
                      "| what | shape (N x K) | measured | target |\n"
                      "|---|---|---|---|\n");
    for (const Shape &sh : kShapes) {
      for (const char *fmt : {"i4-g128", "i8-pc"})
        for (int th : {1, 2})
          if (const Row *r = find(fmt, sh.n, sh.k, 1, th, true))
            std::fprintf(out,
                         "| %s GEMV, DRAM, %d thread%s: %% of read bandwidth "
                         "| %ldx%ld | %.0f%% (%.1f GB/s, %.0f us) | >= 90%% |\n",
                         fmt, th, th > 1 ? "s" : "", long(sh.n), long(sh.k),
                         r->pctBw, r->gbs, r->us);
      const Row *a = find("i4-g128", sh.n, sh.k, 1, 1, true),
                *b = find("i4-g128", sh.n, sh.k, 1, 2, true);
      if (a && b)
        std::fprintf(out,
                     "| i4-g128 GEMV, DRAM: 2 threads / 1 thread | %ldx%ld | "
                     "%.2fx | >= 1.8x where bandwidth allows (machine: %.2fx) "
                     "|\n",
                     long(sh.n), long(sh.k), a->us / b->us, bw[2] / bw[1]);
      for (int64_t m : {32, 128})
        if (const Row *r = find("i8-pc", sh.n, sh.k, m, 1, true))
          std::fprintf(out,
                       "| A8W8 GEMM M=%ld, 1 thread: %% of VNNI peak | %ldx%ld "
                       "| %.0f%% (%.0f GOP/s) | >= 75%% |\n",
                       long(m), long(sh.n), long(sh.k), r->pctPeak, r->gops);
      if (const Row *r = find("i4-g128", sh.n, sh.k, 32, 1, true))
        std::fprintf(out,
                     "| int4 g128 GEMM M=32, 1 thread | %ldx%ld | %.0f GOP/s, "
                     "%.1fx Sparq f32 | >= 2x ORT MatMulNBits (same "
                     "machine: docs/Benchmarks-ORT.md, bench/ort/run) |\n",
                     long(sh.n), long(sh.k), r->gops, r->vsF32);
      // Weight-only quantization with exact f32 activations: no faster than
      // f32 is the complaint the CPU issue starts from.
      for (const char *fmt : {"i4-g128-f32act", "i8-pc-f32act"})
        for (int64_t m : {1, 32})
          if (const Row *r = find(fmt, sh.n, sh.k, m, 1, true))
            std::fprintf(out,
                         "| %s %s, DRAM, 1 thread: speedup over dense f32 | "
                         "%ldx%ld | %.2fx (%.0f us) | > 1x: faster than "
                         "float |\n",
                         fmt, m == 1 ? "GEMV" : "GEMM M=32", long(sh.n),
                         long(sh.k), r->vsF32, r->us);
      for (const char *fmt : {"2:4-f32", "csr90-f32", "shrink50-f32"})
        if (const Row *r = find(fmt, sh.n, sh.k, 1, 1, true))
          std::fprintf(out,
                       "| %s GEMV, DRAM, 1 thread: speedup over dense f32 | "
                       "%ldx%ld | %.2fx | %s |\n",
                       fmt, long(sh.n), long(sh.k), r->vsF32,
                       std::string(fmt) == "2:4-f32"     ? ">= 1.6x"
                       : std::string(fmt) == "csr90-f32" ? ">= 4x"
                                                         : "~2x");
    }
    std::fprintf(out, "\n## All measurements\n\n");
    std::fprintf(out, "| format | N x K | M | thr | weights | time (us) | "
                      "GB/s | %%BW | GOP/s | %%peak | naive | f32 |\n"
                      "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (const Row &r : rows)
      std::fprintf(out,
                   "| %s | %ldx%ld | %ld | %d | %s | %.1f | %.1f | %.0f | "
                   "%.1f | %s | %s | %s |\n",
                   r.format.c_str(), long(r.s.n), long(r.s.k), long(r.m),
                   r.threads, r.dram ? "DRAM" : "cache", r.us, r.gbs, r.pctBw,
                   r.gops,
                   r.pctPeak > 0 ? std::to_string(int(std::lround(r.pctPeak))).c_str() : "-",
                   r.vsNaive > 0 ? (std::to_string(r.vsNaive).substr(0, 5) + "x").c_str() : "-",
                   r.vsF32 > 0 ? (std::to_string(r.vsF32).substr(0, 4) + "x").c_str() : "-");
    std::fprintf(out, "\nFormats:\n\n");
    for (const Format &f : formats())
      std::fprintf(out, "* `%s`: %s\n", f.name.c_str(), f.note.c_str());
    std::fclose(out);
    std::printf("wrote %s\n", markdown);
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  const char *sparqPath = nullptr, *sparqF32Path = nullptr,
             *naivePath = nullptr, *markdown = nullptr;
  bool quick = false;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char *flag) -> const char * {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "sparq-bench: %s needs a value\n", flag);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a.rfind("--emit=", 0) == 0)
      return emit(a.substr(7));
    if (a == "--sparq")
      sparqPath = value("--sparq");
    else if (a == "--sparq-f32")
      sparqF32Path = value("--sparq-f32");
    else if (a == "--naive")
      naivePath = value("--naive");
    else if (a == "--markdown")
      markdown = value("--markdown");
    else if (a == "--quick")
      quick = true;
    else if (a.rfind("--formats=", 0) == 0)
      only = a.substr(10);
    else {
      std::fprintf(stderr,
                   "usage: sparq-bench --emit=sparq|sparq-f32|naive\n"
                   "       sparq-bench --sparq S.so --sparq-f32 F.so --naive "
                   "N.so [--markdown out.md] [--quick]\n"
                   "                   [--formats=name,name,...]\n");
      return 2;
    }
  }
  if (!sparqPath || !sparqF32Path) {
    std::fprintf(stderr, "sparq-bench: --sparq and --sparq-f32 are required\n");
    return 2;
  }
  return run(sparqPath, sparqF32Path, naivePath, markdown, quick, only);
}
