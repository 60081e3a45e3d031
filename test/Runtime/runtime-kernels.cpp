//===- runtime-kernels.cpp - Runtime ukernels vs an independent reference -===//
//
// Drives every sparq_rt_* matmul entry point on random data over a grid of
// shapes (K not a multiple of the vector width, N = 1, odd M, every group
// size, sym/asym, every scale type, 2..8 bits) and compares with a plain
// reference written from the numerics documented in sparq-c/Runtime.h.
// Exits non-zero and names the case on the first mismatch.
//
//===----------------------------------------------------------------------===//

#include "KernelTestUtils.h"

#include "sparq-c/Runtime.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace sparq::test;

namespace {

std::mt19937 rng(1234);

float fromF16(uint16_t h) {
  uint32_t b = uint32_t(h & 0x8000) << 16 |
               uint32_t(((h >> 10) & 0x1f) - 15 + 127) << 23 |
               uint32_t(h & 0x3ff) << 13;
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
float fromBF16(uint16_t h) {
  uint32_t b = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

int failures = 0;

/// Element i must be within rtol * mag[i], where mag[i] is the sum of the
/// magnitudes of the terms of its dot product (the f32 rounding bound).
bool close(const std::vector<float> &got, const std::vector<double> &want,
           const std::vector<double> &mag, double rtol,
           const std::string &what) {
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::fabs(got[i] - want[i]) <= rtol * mag[i] + 1e-30)) {
      std::printf("FAIL %s: element %zu got %.8g want %.8g (tol %.3g)\n",
                  what.c_str(), i, got[i], want[i], rtol * mag[i]);
      ++failures;
      return false;
    }
  return true;
}

// scaleKind: 0 f32, 1 f16, 2 bf16.
void quantCase(int64_t M, int64_t N, int64_t K, int bits, bool isSigned,
               int64_t G, bool asym, int scaleKind, bool act8, bool perTensor,
               bool packed = false, bool xColumns = false) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> uf(-1.0f, 1.0f);
  int64_t rowBytes = (K * bits + 7) / 8;
  std::vector<uint8_t> data(N * rowBytes);
  for (auto &b : data)
    b = uint8_t(byte(rng));
  int64_t sr = perTensor ? 1 : N, sc = perTensor ? 1 : K / G;
  if (perTensor)
    G = K;
  std::vector<float> sf(sr * sc);
  std::vector<uint16_t> sh(sr * sc);
  std::vector<int8_t> zp(sr * sc, 0);
  for (int64_t i = 0; i < sr * sc; ++i) {
    float s = std::ldexp(1.0f + 0.5f * std::fabs(uf(rng)), -4 - byte(rng) % 3);
    if (scaleKind == 1) {
      sh[i] = toF16(s);
      s = fromF16(sh[i]);
    } else if (scaleKind == 2) {
      sh[i] = toBF16(s);
      s = fromBF16(sh[i]);
    }
    sf[i] = s;
    if (asym) {
      int lo = isSigned ? -(1 << (bits - 1)) : 0;
      zp[i] = int8_t(lo + byte(rng) % (1 << bits));
    }
  }
  std::vector<float> x(M * K), y(M * N, NAN);
  for (auto &v : x)
    v = uf(rng);
  if (M > 1)
    x[K + 1] = 0.0f;

  // Reference.
  std::vector<double> want(M * N), mag(M * N);
  for (int64_t m = 0; m < M; ++m) {
    double a = 1.0;
    std::vector<double> xa(K);
    if (act8) {
      float amax = 0;
      for (int64_t k = 0; k < K; ++k)
        amax = std::max(amax, std::fabs(x[m * K + k]));
      float s = amax > 0 ? amax / 127.0f : 1.0f;
      a = s;
      for (int64_t k = 0; k < K; ++k)
        xa[k] = std::max(-127.0, std::min(127.0, double(std::nearbyint(x[m * K + k] / s))));
    } else {
      for (int64_t k = 0; k < K; ++k)
        xa[k] = x[m * K + k];
    }
    for (int64_t n = 0; n < N; ++n) {
      double acc = 0, absAcc = 0;
      for (int64_t k = 0; k < K; ++k) {
        int64_t bit = k * bits;
        uint32_t v = 0;
        for (int b = 0; b < bits; ++b) {
          int64_t bb = bit + b;
          v |= uint32_t((data[n * rowBytes + bb / 8] >> (bb % 8)) & 1) << b;
        }
        int32_t q = int32_t(v);
        if (isSigned && q >= (1 << (bits - 1)))
          q -= 1 << bits;
        int64_t si = (perTensor ? 0 : n * sc + k / G);
        int32_t z = isSigned ? zp[si] : int32_t(uint8_t(zp[si]));
        acc += double(q - z) * sf[si] * xa[k];
        absAcc += std::fabs(double(q - z) * sf[si] * xa[k]);
      }
      want[m * N + n] = a * acc;
      mag[m * N + n] = a * absAcc;
    }
  }

  int64_t config = bits | (isSigned ? SPARQ_RT_Q_SIGNED : 0) |
                   (asym ? SPARQ_RT_Q_HAS_ZP : 0) |
                   (act8 ? SPARQ_RT_Q_ACT_INT8 : 0);
  if (packed) {
    // The kernels read the packed layout; the reference above read `data`.
    std::vector<uint8_t> packedData(data.size());
    int64_t c =
        sparq_rt_qpack(data.data(), packedData.data(), N, K, sc, config);
    // 4 and 8 bits are always packed; other widths when their groups
    // interleave into byte-aligned steps (else a plain copy).
    const bool expectPacked =
        bits == 4 || bits == 8 ||
        (sc >= 2 && (K / sc) % 8 == 0 && bits >= 2 && bits <= 7 &&
         (sc % 2 == 0 || bits % 2 == 0 || K / sc / 4 % 16 == 0));
    // Rows of more than 4096 codes in groups that interleave are cut into
    // K-panels of F = max(1, 4096 / 16G) blocks of 16 groups, if that makes
    // two panels or more (Runtime.h).
    const int64_t G2 = K / sc, L = bits == 4 ? 8 : 4;
    const bool il = expectPacked && sc >= 2 && K % sc == 0 && G2 % L == 0;
    // Per-channel 4- and 8-bit rows of more than 4096 codes: panels of 4096.
    const bool expectPanels =
        (il && K > 4096 && sc / 16 > std::max<int64_t>(1, 4096 / (16 * G2))) ||
        ((bits == 4 || bits == 8) && sc == 1 && K > 4096);
    if (expectPacked != bool(c & SPARQ_RT_Q_PACKED) ||
        expectPanels != bool(c & SPARQ_RT_Q_PANELS) ||
        c != sparq_rt_qpack_config(K, sc, config) ||
        (!(c & SPARQ_RT_Q_PACKED) && packedData != data)) {
      std::printf("FAIL qpack bits=%d K=%ld groups=%ld config %lx\n", bits,
                  long(K), long(sc), long(c));
      ++failures;
    }
    config = c;
    data = packedData;
  }
  auto xd = desc2(x.data(), M, K, K);
  std::vector<float> xt;
  if (xColumns) { // x passed as the transpose of a [K, M] buffer.
    xt.resize(K * M);
    for (int64_t m = 0; m < M; ++m)
      for (int64_t k = 0; k < K; ++k)
        xt[k * M + m] = x[m * K + k];
    xd = desc2(xt.data(), M, K, 1);
    xd.strides[1] = M;
  }
  auto dd = desc2(data.data(), N, rowBytes, rowBytes);
  auto sd = scaleKind == 0 ? desc2(sf.data(), sr, sc, sc)
                           : desc2(sh.data(), sr, sc, sc);
  auto zd = desc2(zp.data(), sr, sc, sc);
  auto yd = desc2(y.data(), M, N, N);
  if (scaleKind == 0)
    _mlir_ciface_sparq_rt_qmatmul_sf32(&xd, &dd, &sd, &zd, &yd, K, config);
  else if (scaleKind == 1)
    _mlir_ciface_sparq_rt_qmatmul_sf16(&xd, &dd, &sd, &zd, &yd, K, config);
  else
    _mlir_ciface_sparq_rt_qmatmul_sbf16(&xd, &dd, &sd, &zd, &yd, K, config);
  char what[256];
  std::snprintf(what, sizeof what,
                "q M=%ld N=%ld K=%ld bits=%d %s G=%ld %s scale=%d act=%s%s%s",
                long(M), long(N), long(K), bits,
                isSigned ? "signed" : "unsigned", long(G),
                asym ? "asym" : "sym", scaleKind, act8 ? "int8" : "f32",
                perTensor ? " per-tensor" : "",
                packed     ? " packed"
                : xColumns ? " x-columns"
                           : "");
  // int8 activations: the integer sums are exact; only f32 summation of the
  // scaled group sums differs (~1e-6 relative). Exact path: f32 dot products.
  close(y, want, mag, 1e-5, what);
}

void denseCase(int64_t M, int64_t N, int64_t K, int wt, bool accumulate,
               bool storedNK = false) {
  std::uniform_real_distribution<float> uf(-1.0f, 1.0f);
  std::vector<float> x(M * K), w(K * N), init(M * N), y(M * N, NAN);
  std::vector<uint16_t> wh(K * N);
  for (auto &v : x)
    v = uf(rng);
  for (int64_t i = 0; i < K * N; ++i) {
    float v = uf(rng);
    if (wt == 1) {
      v = std::ldexp(std::round(std::ldexp(v, 10)), -10); // exact in f16
      wh[i] = v == 0 ? 0 : toF16(std::fabs(v)) | (v < 0 ? 0x8000 : 0);
    } else if (wt == 2) {
      wh[i] = toBF16(v);
      v = fromBF16(wh[i]);
    }
    w[i] = v;
  }
  for (auto &v : init)
    v = uf(rng);
  std::vector<double> want(M * N), mag(M * N);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double acc = accumulate ? init[m * N + n] : 0.0;
      double absAcc = std::fabs(acc);
      for (int64_t k = 0; k < K; ++k) {
        acc += double(x[m * K + k]) * w[k * N + n];
        absAcc += std::fabs(double(x[m * K + k]) * w[k * N + n]);
      }
      want[m * N + n] = acc;
      mag[m * N + n] = absAcc;
    }
  auto xd = desc2(x.data(), M, K, K);
  auto wd = wt == 0 ? desc2(w.data(), K, N, N) : desc2(wh.data(), K, N, N);
  std::vector<float> wNK;
  std::vector<uint16_t> whNK;
  if (storedNK) { // The same logical [K, N] matrix stored as [N, K].
    wNK.resize(K * N);
    whNK.resize(K * N);
    for (int64_t k = 0; k < K; ++k)
      for (int64_t n = 0; n < N; ++n) {
        wNK[n * K + k] = w[k * N + n];
        whNK[n * K + k] = wh[k * N + n];
      }
    wd = wt == 0 ? desc2(wNK.data(), K, N, N) : desc2(whNK.data(), K, N, N);
    wd.strides[0] = 1;
    wd.strides[1] = K;
  }
  auto id = desc2(init.data(), M, N, N);
  auto yd = desc2(y.data(), M, N, N);
  if (wt == 0)
    _mlir_ciface_sparq_rt_matmul_f32(&xd, &wd, &id, &yd, accumulate);
  else if (wt == 1)
    _mlir_ciface_sparq_rt_matmul_f16w(&xd, &wd, &id, &yd, accumulate);
  else
    _mlir_ciface_sparq_rt_matmul_bf16w(&xd, &wd, &id, &yd, accumulate);
  char what[128];
  std::snprintf(what, sizeof what, "dense M=%ld N=%ld K=%ld w=%d acc=%d%s",
                long(M), long(N), long(K), wt, int(accumulate),
                storedNK ? " [N,K]" : "");
  close(y, want, mag, 1e-5, what);
}

} // namespace

/// FP4 E2M1 weights (SPARQ_RT_Q_E2M1) with f32 (sk 0), E8M0 (sk 3) or E4M3
/// (sk 4) scales, one per G elements of a row.
void fp4Case(int64_t M, int64_t N, int64_t K, int64_t G, int sk, bool act8,
             bool packed) {
  static const double kValue[16] = {0,    0.5,  1,  1.5,  2,  3,  4,  6,
                                    -0.0, -0.5, -1, -1.5, -2, -3, -4, -6};
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> uf(-1.0f, 1.0f);
  int64_t rowBytes = (K * 4 + 7) / 8, groups = K / G;
  std::vector<uint8_t> data(N * rowBytes);
  for (auto &b : data)
    b = uint8_t(byte(rng));
  std::vector<float> sf(N * groups);
  std::vector<uint8_t> s8(N * groups);
  std::vector<double> sd(N * groups);
  for (int64_t i = 0; i < N * groups; ++i) {
    if (sk == 3) { // E8M0: 2^(e - 127)
      s8[i] = uint8_t(122 + byte(rng) % 8);
      sd[i] = std::ldexp(1.0, int(s8[i]) - 127);
    } else if (sk == 4) { // E4M3FN normal: (1 + m/8) 2^(e - 7)
      int e = 3 + byte(rng) % 6, m = byte(rng) % 8;
      s8[i] = uint8_t(e << 3 | m);
      sd[i] = std::ldexp(1.0 + m / 8.0, e - 7);
    } else {
      sf[i] = std::ldexp(1.0f + 0.5f * std::fabs(uf(rng)), -4);
      sd[i] = sf[i];
    }
  }
  std::vector<float> x(M * K), y(M * N, NAN);
  for (auto &v : x)
    v = uf(rng);
  std::vector<double> want(M * N), mag(M * N);
  for (int64_t m = 0; m < M; ++m) {
    double a = 1.0;
    std::vector<double> xa(K);
    float amax = 0;
    for (int64_t k = 0; k < K; ++k)
      amax = std::max(amax, std::fabs(x[m * K + k]));
    float as = amax > 0 ? amax / 127.0f : 1.0f;
    for (int64_t k = 0; k < K; ++k)
      xa[k] = act8 ? std::max(-127.0, std::min(127.0, double(std::nearbyint(
                                                          x[m * K + k] / as))))
                   : x[m * K + k];
    if (act8)
      a = as;
    for (int64_t n = 0; n < N; ++n) {
      double acc = 0, absAcc = 0;
      for (int64_t k = 0; k < K; ++k) {
        int c = (data[n * rowBytes + k / 2] >> (4 * (k % 2))) & 15;
        double t = kValue[c] * sd[n * groups + k / G] * xa[k];
        acc += t;
        absAcc += std::fabs(t);
      }
      want[m * N + n] = a * acc;
      mag[m * N + n] = a * absAcc;
    }
  }
  int64_t config = 4 | SPARQ_RT_Q_E2M1 | (act8 ? SPARQ_RT_Q_ACT_INT8 : 0);
  if (packed) {
    std::vector<uint8_t> p2(data.size());
    config = sparq_rt_qpack(data.data(), p2.data(), N, K, groups, config);
    data = p2;
  }
  auto xd = desc2(x.data(), M, K, K);
  auto dd = desc2(data.data(), N, rowBytes, rowBytes);
  uint8_t zp0 = 0;
  auto zd = desc2(&zp0, 1, 1, 1);
  auto yd = desc2(y.data(), M, N, N);
  if (sk == 0) {
    auto sdsc = desc2(sf.data(), N, groups, groups);
    _mlir_ciface_sparq_rt_qmatmul_sf32(&xd, &dd, &sdsc, &zd, &yd, K, config);
  } else {
    auto sdsc = desc2(s8.data(), N, groups, groups);
    if (sk == 3)
      _mlir_ciface_sparq_rt_qmatmul_se8m0(&xd, &dd, &sdsc, &zd, &yd, K, config);
    else
      _mlir_ciface_sparq_rt_qmatmul_se4m3(&xd, &dd, &sdsc, &zd, &yd, K, config);
  }
  char what[200];
  std::snprintf(what, sizeof what,
                "fp4 M=%ld N=%ld K=%ld G=%ld scale=%d act=%s%s", long(M),
                long(N), long(K), long(G), sk, act8 ? "int8" : "f32",
                packed ? " packed" : "");
  close(y, want, mag, 1e-5, what);
}

/// `sparq-runtime-test panels-strided`: K-panelled data passed as a view
/// with a row stride other than its row bytes (a contract violation the
/// runtime reports and aborts on; runtime-kernels.test).
int panelsStrided() {
  const int64_t N = 4, K = 8192, groups = 64, rowBytes = K / 2;
  std::vector<uint8_t> data(N * rowBytes, 0x11), packed(2 * N * rowBytes);
  const int64_t config =
      sparq_rt_qpack(data.data(), packed.data(), N, K, groups,
                     4 | SPARQ_RT_Q_SIGNED | SPARQ_RT_Q_ACT_INT8);
  std::vector<float> x(K, 1.0f), s(N * groups, 1.0f), y(N);
  int8_t zp = 0;
  auto xd = desc2(x.data(), 1, K, K);
  auto dd = desc2(packed.data(), N, rowBytes, 2 * rowBytes);
  auto sd = desc2(s.data(), N, groups, groups);
  auto zd = desc2(&zp, 1, 1, 1);
  auto yd = desc2(y.data(), 1, N, N);
  _mlir_ciface_sparq_rt_qmatmul_sf32(&xd, &dd, &sd, &zd, &yd, K, config);
  std::printf("FAIL panelled data with row stride %ld was accepted\n",
              long(2 * rowBytes));
  return 1;
}

int main(int argc, char **argv) {
  if (argc > 1 && std::string(argv[1]) == "panels-strided")
    return panelsStrided();
  if (argc > 1)
    sparq_rt_set_num_threads(std::atoi(argv[1]));
  std::printf("isa %s threads %d\n", sparq_rt_isa(), sparq_rt_get_num_threads());
  int cases = 0;
  const int64_t Ms[] = {1, 3, 7, 9}; // 9: GEMM panels, 4 + 4 + 1 rows
  for (int64_t M : Ms)
    for (int64_t N : {1, 5, 67})
      for (int64_t K : {64, 256, 384, 200, 37}) {
        for (int bits : {4, 8, 2, 3, 5, 6, 7})
          for (bool isSigned : {true, false})
            for (int64_t G : {int64_t(8), int64_t(32), int64_t(64), int64_t(128), K}) {
              if (K % G)
                continue;
              for (bool asym : {false, true})
                for (int sk : {0, 1, 2})
                  for (bool act8 : {true, false})
                    for (bool packed : {false, true}) {
                      // The exact path decodes packed codes one by one.
                      if (packed && !act8 && sk != 0)
                        continue;
                      quantCase(M, N, K, bits, isSigned, G, asym, sk, act8,
                                false, packed);
                      ++cases;
                    }
            }
        quantCase(M, N, K, 4, true, K, false, 0, true, true);
        quantCase(M, N, K, 8, false, K, true, 1, true, true);
        for (int wt : {0, 1, 2})
          for (bool acc : {false, true})
            for (bool nk : {false, true}) {
              denseCase(M, N, K, wt, acc, nk);
              ++cases;
            }
        cases += 2;
      }
  // Larger shapes cross thread and strip boundaries.
  quantCase(1, 1024, 4096, 4, true, 128, false, 1, true, false);
  quantCase(5, 300, 1024, 8, true, 1024, true, 0, true, false);
  quantCase(33, 96, 512, 4, false, 32, true, 2, true, false);
  // Packed: full and partial blocks of 16 groups, GEMV and GEMM tiles.
  quantCase(1, 1024, 4096, 4, true, 128, false, 1, true, false, true);
  quantCase(2, 260, 11008, 4, true, 128, false, 0, true, false, true);
  quantCase(6, 70, 2432, 4, false, 64, true, 2, true, false, true);
  quantCase(5, 300, 1024, 8, true, 1024, true, 0, true, false, true);
  quantCase(9, 37, 4096, 8, true, 4096, false, 0, true, false, true);
  quantCase(3, 33, 1280, 8, true, 32, false, 1, true, false, true);
  // GEMM tiles (12 rows of x: three 4-row m-tiles) with the blocks' scales
  // and zero points converted once per weight rows, and with more blocks
  // (34 of g32, asymmetric) than that buffer holds: converted per tile.
  quantCase(12, 9, 2304, 4, false, 128, true, 1, true, false, true);
  quantCase(12, 7, 17408, 4, false, 32, true, 2, true, false, true);
  cases += 2;
  // Tail blocks after the full blocks: 8/4/2/1 groups over 16/R lanes each
  // (int8 g64: 4; int4 g128: 2, then 4 + 2 in GEMM tiles, then 8 + 1 at
  // batch 5), and a masked block of the groups left (int4 g32, 23 groups:
  // 16 + 4 + masked 3; GEMV and GEMM).
  quantCase(5, 19, 1280, 8, true, 64, true, 0, true, false, true);
  quantCase(1, 40, 2304, 4, false, 128, true, 1, true, false, true);
  quantCase(4, 9, 2304, 4, true, 128, false, 2, false, false, true);
  quantCase(12, 9, 11008, 4, true, 128, false, 1, true, false, true);
  quantCase(5, 11, 3200, 4, false, 128, true, 2, true, false, true);
  quantCase(1, 13, 736, 4, true, 32, true, 1, true, false, true);
  quantCase(12, 9, 736, 4, false, 32, false, 0, true, false, true);
  cases += 4;
  // Exact f32 activations on the fused kernels: blocks of 4 weight rows by
  // 4-row tiles of x plus 1-3 rows (batch 13, 6, 9), split over the
  // threads; the 4-weight-stream GEMV with groups of one and of four
  // 32-element steps (batch 1, 2); one group per row with a partial last
  // step (K = 4100, 1057); x passed with a column stride (arranged element
  // by element).
  quantCase(13, 70, 2304, 4, true, 128, true, 1, false, false);
  quantCase(6, 37, 1024, 4, false, 32, false, 2, false, false);
  quantCase(1, 131, 4096, 4, true, 128, false, 1, false, false);
  quantCase(2, 67, 2048, 4, false, 32, true, 0, false, false);
  quantCase(5, 9, 4100, 4, true, 4100, false, 0, false, false);
  quantCase(3, 41, 1057, 8, false, 1057, true, 1, false, false);
  quantCase(9, 70, 1024, 8, true, 64, true, 2, false, false);
  quantCase(5, 19, 640, 4, true, 64, true, 1, false, false, false, true);
  quantCase(1, 19, 77, 8, true, 77, false, 0, false, false, false, true);
  // int4 in groups of 16: each 32-element step spans two groups (scales and
  // zero points per half), a last step of 16 elements (K = 48, 1040).
  for (int64_t M : {1, 5, 7, 13}) {
    quantCase(M, 19, 48, 4, true, 16, true, 1, false, false);
    quantCase(M, 37, 1040, 4, false, 16, true, 2, false, false);
    quantCase(M, 9, 2048, 4, true, 16, false, 0, false, false);
    cases += 3;
  }
  // Batch 5: one pass of 3 weight streams (N = 70: 69 rows + 1).
  quantCase(5, 70, 1280, 4, false, 128, true, 1, false, false);
  quantCase(5, 70, 640, 8, true, 640, true, 2, false, false);
  cases += 11;
  // Sub-byte codes (2, 3, 5, 6, 7 bits) on the int8-activation kernels:
  // GEMV streams and GEMM tiles over 2 threads, per-channel with a partial
  // last chunk (K = 1100, 4100: 12 and 4 codes in it), groups of 32 (8 per
  // chunk's lanes) and 128, zero points.
  quantCase(1, 131, 1100, 3, true, 1100, false, 0, true, false);
  quantCase(33, 96, 1024, 3, false, 128, true, 1, true, false);
  quantCase(2, 70, 2304, 2, true, 32, true, 2, true, false);
  quantCase(12, 37, 4100, 5, true, 4100, true, 0, true, false);
  quantCase(5, 67, 1280, 6, false, 64, false, 1, true, false);
  quantCase(9, 19, 896, 7, true, 128, true, 2, true, false);
  cases += 6;
  // K-panels (rows of more than 4096 codes, see sparq_rt_qpack): int4 g128
  // in 2 panels without tail blocks and in 3 with tails of 4 + 2 (asym);
  // int8 g128, 50 groups: panels of 2 blocks and of 1 block + a tail of 2;
  // g32 in panels of 8 blocks (GEMM at batch 13: whole rows across panels,
  // the last row of x panel by panel); int3 and uint5 (sub-byte) codes;
  // g512 in panels of one block; exact f32 activations on panelled data;
  // batch 1-3 (GEMV), 6 (4-row tile + 2 rows), 9, 13 (GEMM).
  quantCase(1, 37, 8192, 4, true, 128, false, 1, true, false, true);
  quantCase(3, 41, 11008, 4, false, 128, true, 2, true, false, true);
  quantCase(6, 19, 6400, 8, true, 128, true, 0, true, false, true);
  quantCase(13, 21, 12288, 4, true, 32, false, 1, true, false, true);
  quantCase(2, 29, 8192, 3, true, 128, true, 1, true, false, true);
  quantCase(9, 17, 9216, 5, false, 64, false, 2, true, false, true);
  quantCase(1, 9, 16384, 4, true, 512, true, 0, true, false, true);
  quantCase(2, 13, 8192, 4, true, 128, false, 1, false, false, true);
  quantCase(13, 23, 6400, 4, false, 128, true, 0, true, false, true);
  quantCase(2, 21, 6144, 4, true, 128, false, 1, true, false, true);
  quantCase(3, 17, 4608, 4, false, 32, true, 0, true, false, true);
  cases += 11;
  // Per-channel K-panels of 4096 codes (every batch panel by panel, the
  // offsets removed by the first panel): int8 with a last panel of 8 codes
  // (a partial chunk) and of one chunk; uint4 asym with a partial chunk at
  // batch 13 (GEMM); batch 6; per-tensor scales; exact f32 activations on
  // panelled data.
  quantCase(1, 37, 8200, 8, true, 8200, false, 0, true, false, true);
  quantCase(2, 11, 4160, 8, false, 4160, false, 0, true, false, true);
  quantCase(13, 19, 9000, 4, false, 9000, true, 1, true, false, true);
  quantCase(6, 23, 5000, 8, true, 5000, true, 2, true, false, true);
  quantCase(3, 9, 6000, 8, true, 6000, false, 0, true, true, true);
  quantCase(2, 7, 5000, 8, true, 5000, false, 1, false, false, true);
  cases += 6;
  // GEMV rows longer than the four-stream budget: two streams, odd N.
  quantCase(1, 71, 6016, 8, true, 6016, false, 0, true, false);
  quantCase(3, 70, 6016, 8, true, 6016, true, 1, true, false, true);
  cases += 11;
  // Both GEMV stream counts forced (sparq_rt_set_gemv_streams; automatic
  // picks 4 for these small parts): interleaved and per-channel tiles, odd N
  // (rows left after the streams), zero points, batch 1..3.
  for (int streams : {2, 4}) {
    sparq_rt_set_gemv_streams(streams);
    if (sparq_rt_get_gemv_streams() != streams) {
      std::printf("FAIL gemv streams %d not set\n", streams);
      ++failures;
    }
    quantCase(1, 67, 2304, 4, true, 128, false, 1, true, false, true);
    quantCase(3, 70, 1280, 4, false, 64, true, 2, true, false, true);
    quantCase(1, 37, 1024, 8, true, 1024, false, 0, true, false, true);
    quantCase(2, 33, 512, 8, false, 512, true, 0, true, false, true);
    quantCase(1, 45, 640, 4, true, 32, false, 1, true, false);
    // Batch 4-8 streams (interleaved and per-channel; 4x4 tiles plus 1-3
    // remaining rows of x).
    quantCase(5, 70, 1280, 4, false, 128, true, 1, true, false, true);
    quantCase(8, 37, 2304, 4, true, 128, false, 0, true, false, true);
    quantCase(6, 33, 1024, 8, true, 1024, false, 2, true, false, true);
    quantCase(4, 41, 512, 4, false, 512, true, 0, true, false, true);
    cases += 9;
  }
  sparq_rt_set_gemv_streams(3); // Not a setting: back to automatic.
  if (sparq_rt_get_gemv_streams() != 0) {
    std::printf("FAIL gemv streams 3 accepted\n");
    ++failures;
  }
  denseCase(1, 4100, 300, 0, true);
  // Batch 2 GEMV (both rows per load of w), K split over threads.
  for (int wt : {0, 1, 2})
    denseCase(2, 77, 301, wt, wt == 1);
  cases += 3;
  denseCase(13, 70, 600, 0, false);
  cases += 5;
  // Batch 9-16 on one thread: GEMV passes of at most 8 rows of x (5 + 4,
  // 8 + 8), each with its rows of init and y.
  denseCase(9, 100, 600, 0, true);
  denseCase(16, 77, 301, 2, true);
  denseCase(16, 33, 64, 1, false);
  cases += 3;
  // Batch 3-6 on the GEMV path; batch 8 on panels (next-panel prefetch
  // across three k blocks and a partial last panel).
  for (int64_t M : {4, 5, 6})
    for (int wt : {0, 2}) {
      denseCase(M, 77, 301, wt, M == 5);
      ++cases;
    }
  denseCase(8, 100, 600, 0, true);
  denseCase(8, 100, 600, 1, false);
  cases += 2;
  // FP4 E2M1 (MXFP4: g32 E8M0; NVFP4: g16 E4M3), stored and packed.
  for (int64_t M : {1, 3, 6, 10})
    for (int64_t N : {1, 19})
      for (int64_t K : {64, 96, 640, 2304})
        for (auto [G, sk] :
             {std::pair<int64_t, int>{32, 3}, {16, 4}, {128, 0}, {K, 3}})
          for (bool act8 : {true, false})
            for (bool packed : {false, true}) {
              if (K % G || (packed && !act8))
                continue;
              fp4Case(M, N, K, G, sk, act8, packed);
              ++cases;
            }
  // MXFP4 rows in K-panels (K = 8192 g32: 16 blocks in panels of 8), GEMV
  // and GEMM.
  fp4Case(1, 13, 8192, 32, 3, true, true);
  fp4Case(10, 7, 8192, 32, 3, true, true);
  cases += 2;
  std::printf("%d cases, %d failures\n", cases, failures);
  return failures ? 1 : 0;
}
