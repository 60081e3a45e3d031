//===- sparse-kernels.cpp - Sparse ukernels vs an independent reference ---===//
//
// Drives every sparse sparq_rt_* entry point (N:M f32 and quantized, CSR
// with 16/32-bit columns, BSR) on random sparse weights over a grid of
// shapes (K not a multiple of 16 or of the window, N = 1, odd M, M up to
// 130, empty rows, padded N:M groups, strided views). Each case draws a
// dense W, encodes it as sparq-c/Runtime.h documents, and compares y with
// x * W^T computed in double from the dense W. Prints every failing case.
//
//===----------------------------------------------------------------------===//

#include "KernelTestUtils.h"

#include "sparq-c/Runtime.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace sparq::test;

namespace {

std::mt19937 rng(4321);

float uniform(float lo, float hi) {
  return std::uniform_real_distribution<float>(lo, hi)(rng);
}
int64_t randint(int64_t lo, int64_t hi) { // [lo, hi]
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

/// Appends `code`'s low `bits` bits at element i of a little-endian stream.
void putBits(std::vector<uint8_t> &row, int64_t i, int bits, uint32_t code) {
  for (int b = 0; b < bits; ++b)
    if ((code >> b) & 1)
      row[(i * bits + b) / 8] |= uint8_t(1u << ((i * bits + b) % 8));
}

int cases = 0, failures = 0;

/// x [mx, k] (row stride k + pad), y [mx, n] (row stride n + 1).
struct Activations {
  int64_t mx, k, ldx;
  std::vector<float> x;
  std::vector<float> y;
  int64_t ldy;
  Activations(int64_t mx, int64_t n, int64_t k) : mx(mx), k(k) {
    ldx = k + 3;
    ldy = n + 1;
    x.assign(mx * ldx + 1, 0.0f);
    for (int64_t m = 0; m < mx; ++m)
      for (int64_t j = 0; j < k; ++j)
        x[m * ldx + j] = uniform(-1, 1);
    y.assign(mx * ldy + 1, std::nanf(""));
  }
};

/// Compares y with x * w^T (w dense [n, k]).
void check(const char *what, const Activations &a, const std::vector<float> &w,
           int64_t n) {
  ++cases;
  for (int64_t m = 0; m < a.mx; ++m)
    for (int64_t r = 0; r < n; ++r) {
      double ref = 0, mag = 0;
      for (int64_t j = 0; j < a.k; ++j) {
        double t = double(a.x[m * a.ldx + j]) * double(w[r * a.k + j]);
        ref += t;
        mag += std::fabs(t);
      }
      float got = a.y[m * a.ldy + r];
      double tol = 1e-5 * mag + 1e-30;
      if (!(std::fabs(got - ref) <= tol)) {
        std::printf("FAIL %s: y(%ld, %ld) got %.8g want %.8g (tol %.3g)\n",
                    what, long(m), long(r), got, ref, tol);
        ++failures;
        return;
      }
    }
}

/// Random N:M weight [n, k]: every group keeps up to `nn` nonzeros (some
/// fewer, some rows all zero).
std::vector<float> nmWeight(int64_t n, int64_t k, int nn, int mm) {
  std::vector<float> w(n * k, 0.0f);
  for (int64_t r = 0; r < n; ++r) {
    if (randint(0, 9) == 0)
      continue; // An all-zero row.
    for (int64_t g = 0; g < k / mm; ++g) {
      int keep = randint(0, 4) == 0 ? int(randint(0, nn)) : nn;
      std::vector<int> cols(mm);
      for (int i = 0; i < mm; ++i)
        cols[i] = i;
      std::shuffle(cols.begin(), cols.end(), rng);
      for (int i = 0; i < keep; ++i)
        w[r * k + g * mm + cols[i]] = uniform(-1, 1);
    }
  }
  return w;
}

/// Stored slots of an N:M row: the nonzeros, padded with the first zero
/// positions, increasing (as sparq-sparsify stores them).
std::vector<int> nmSlots(const float *group, int nn, int mm) {
  std::vector<int> kept;
  for (int j = 0; j < mm; ++j)
    if (group[j] != 0.0f)
      kept.push_back(j);
  for (int j = 0; int(kept.size()) < nn; ++j)
    if (std::find(kept.begin(), kept.end(), j) == kept.end())
      kept.push_back(j);
  std::sort(kept.begin(), kept.end());
  return kept;
}

int ceilLog2(int v) {
  int b = 0;
  while ((1 << b) < v)
    ++b;
  return b;
}

void testNM(int64_t mx, int64_t n, int64_t k, int nn, int mm) {
  std::vector<float> w = nmWeight(n, k, nn, mm);
  int ib = ceilLog2(mm);
  int64_t kv = k / mm * nn, ib_bytes = (kv * ib + 7) / 8;
  int64_t ldv = kv + 2; // Padded rows: a strided view.
  std::vector<float> vals(n * ldv + 1, 0.0f);
  std::vector<uint8_t> idx(n * ib_bytes + 1, 0);
  for (int64_t r = 0; r < n; ++r) {
    std::vector<uint8_t> row(ib_bytes + 1, 0);
    for (int64_t g = 0; g < k / mm; ++g) {
      std::vector<int> slots = nmSlots(&w[r * k + g * mm], nn, mm);
      for (int t = 0; t < nn; ++t) {
        vals[r * ldv + g * nn + t] = w[r * k + g * mm + slots[t]];
        putBits(row, g * nn + t, ib, uint32_t(slots[t]));
      }
    }
    std::memcpy(&idx[r * ib_bytes], row.data(), ib_bytes);
  }
  Activations a(mx, n, k);
  sparq_memref2d_t xd = desc2(a.x.data(), mx, k, a.ldx),
                   vd = desc2(vals.data(), n, kv, ldv),
                   id = desc2(idx.data(), n, ib_bytes, ib_bytes),
                   yd = desc2(a.y.data(), mx, n, a.ldy);
  _mlir_ciface_sparq_rt_nm_matmul_f32(&xd, &vd, &id, &yd, k,
                                      SPARQ_RT_NM_CONFIG(nn, mm));
  char what[160];
  std::snprintf(what, sizeof what, "nm f32 %d:%d M=%ld N=%ld K=%ld", nn, mm,
                long(mx), long(n), long(k));
  check(what, a, w, n);
}

/// scaleKind: 0 f32, 1 f16, 2 bf16; group 0: one scale per row; -1: one
/// scale for the tensor.
void testNMQuant(int64_t mx, int64_t n, int64_t k, int nn, int mm, int bits,
                 bool isSigned, bool asym, int64_t group, int scaleKind) {
  int64_t sRows = group < 0 ? 1 : n;
  int64_t sCols = group > 0 ? k / group : 1;
  int64_t g = group > 0 ? group : k;
  // Scales exactly representable in every scale type: s = j / 64.
  std::vector<float> s(sRows * sCols);
  std::vector<uint8_t> sBytes(s.size() * 4);
  for (size_t i = 0; i < s.size(); ++i) {
    s[i] = float(randint(1, 16)) / 64.0f;
    if (scaleKind == 0) {
      std::memcpy(&sBytes[i * 4], &s[i], 4);
    } else {
      uint16_t h = scaleKind == 2 ? toBF16(s[i]) : toF16(s[i]);
      std::memcpy(&sBytes[i * 2], &h, 2);
    }
  }
  int32_t qmin = isSigned ? -(1 << (bits - 1)) : 0;
  int32_t qmax = isSigned ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
  std::vector<int8_t> z(s.size(), 0);
  if (asym)
    for (auto &v : z)
      v = int8_t(randint(qmin, qmax));
  // Codes on the N:M pattern of a random weight; dense w from them.
  std::vector<float> pattern = nmWeight(n, k, nn, mm);
  std::vector<float> w(n * k, 0.0f);
  int ib = ceilLog2(mm);
  int64_t kv = k / mm * nn;
  int64_t dBytes = (kv * bits + 7) / 8, iBytes = (kv * ib + 7) / 8;
  std::vector<uint8_t> data(n * dBytes + 1, 0), idx(n * iBytes + 1, 0);
  for (int64_t r = 0; r < n; ++r) {
    std::vector<uint8_t> drow(dBytes + 1, 0), irow(iBytes + 1, 0);
    for (int64_t gr = 0; gr < k / mm; ++gr) {
      std::vector<int> slots = nmSlots(&pattern[r * k + gr * mm], nn, mm);
      for (int t = 0; t < nn; ++t) {
        int64_t col = gr * mm + slots[t];
        int64_t si = (sRows == 1 ? 0 : r) * sCols + col / g;
        bool zero = pattern[r * k + col] == 0.0f;
        int32_t zc = asym ? (isSigned ? int32_t(z[si]) : int32_t(uint8_t(z[si])))
                          : 0;
        int32_t q = zero ? zc : int32_t(randint(qmin, qmax));
        w[r * k + col] = float(q - zc) * s[si];
        putBits(drow, gr * nn + t, bits, uint32_t(q));
        putBits(irow, gr * nn + t, ib, uint32_t(slots[t]));
      }
    }
    std::memcpy(&data[r * dBytes], drow.data(), dBytes);
    std::memcpy(&idx[r * iBytes], irow.data(), iBytes);
  }
  Activations a(mx, n, k);
  sparq_memref2d_t xd = desc2(a.x.data(), mx, k, a.ldx),
                   dd = desc2(data.data(), n, dBytes, dBytes),
                   id = desc2(idx.data(), n, iBytes, iBytes),
                   sd = desc2(sBytes.data(), sRows, sCols, sCols),
                   zd = desc2(z.data(), sRows, sCols, sCols),
                   yd = desc2(a.y.data(), mx, n, a.ldy);
  int64_t config = bits | SPARQ_RT_NM_CONFIG(nn, mm);
  if (isSigned)
    config |= SPARQ_RT_Q_SIGNED;
  if (asym)
    config |= SPARQ_RT_Q_HAS_ZP;
  auto fn = scaleKind == 0   ? _mlir_ciface_sparq_rt_nm_qmatmul_sf32
            : scaleKind == 1 ? _mlir_ciface_sparq_rt_nm_qmatmul_sf16
                             : _mlir_ciface_sparq_rt_nm_qmatmul_sbf16;
  fn(&xd, &dd, &id, &sd, &zd, &yd, k, config);
  char what[200];
  std::snprintf(what, sizeof what,
                "nm q %d:%d M=%ld N=%ld K=%ld bits=%d signed=%d asym=%d "
                "group=%ld scale=%d",
                nn, mm, long(mx), long(n), long(k), bits, isSigned, asym,
                long(group), scaleKind);
  check(what, a, w, n);
}

void testCSR(int64_t mx, int64_t n, int64_t k, double density, bool i16,
             bool shuffled = false) {
  std::vector<float> w(n * k, 0.0f);
  for (int64_t r = 0; r < n; ++r) {
    double d = randint(0, 7) == 0 ? 0.0 : density; // Some empty rows.
    for (int64_t j = 0; j < k; ++j)
      if (uniform(0, 1) < d)
        w[r * k + j] = uniform(-1, 1);
  }
  std::vector<int32_t> offsets{0}, cols32;
  std::vector<uint16_t> cols16;
  std::vector<float> vals;
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t j = 0; j < k; ++j)
      if (w[r * k + j] != 0.0f) {
        cols32.push_back(int32_t(j));
        cols16.push_back(uint16_t(j));
        vals.push_back(w[r * k + j]);
      }
    if (shuffled) { // Out of contract (columns increasing), same result.
      std::vector<size_t> order(vals.size() - size_t(offsets.back()));
      for (size_t i = 0; i < order.size(); ++i)
        order[i] = size_t(offsets.back()) + i;
      std::shuffle(order.begin(), order.end(), rng);
      std::vector<float> v(vals);
      std::vector<int32_t> c32(cols32);
      for (size_t i = 0; i < order.size(); ++i) {
        vals[size_t(offsets.back()) + i] = v[order[i]];
        cols32[size_t(offsets.back()) + i] = c32[order[i]];
        cols16[size_t(offsets.back()) + i] = uint16_t(c32[order[i]]);
      }
    }
    offsets.push_back(int32_t(vals.size()));
  }
  // Values through a stride-2 view (exercises the strided path).
  std::vector<float> vals2(vals.size() * 2 + 1, 0.0f);
  for (size_t i = 0; i < vals.size(); ++i)
    vals2[2 * i] = vals[i];
  bool strided = randint(0, 3) == 0;
  Activations a(mx, n, k);
  sparq_memref2d_t xd = desc2(a.x.data(), mx, k, a.ldx),
                   yd = desc2(a.y.data(), mx, n, a.ldy);
  sparq_memref1d_t od = desc1(offsets.data(), n + 1),
                   cd = i16 ? desc1(cols16.data(), cols16.size())
                            : desc1(cols32.data(), cols32.size()),
                   vd = strided ? desc1(vals2.data(), vals.size(), 2)
                                : desc1(vals.data(), vals.size());
  (i16 ? _mlir_ciface_sparq_rt_csr_matmul_f32_i16
       : _mlir_ciface_sparq_rt_csr_matmul_f32_i32)(&xd, &od, &cd, &vd, &yd, k,
                                                    0);
  char what[160];
  std::snprintf(what, sizeof what, "csr %s M=%ld N=%ld K=%ld density=%.2f%s%s",
                i16 ? "i16" : "i32", long(mx), long(n), long(k), density,
                strided ? " strided" : "", shuffled ? " shuffled" : "");
  check(what, a, w, n);
}

void testBSR(int64_t mx, int64_t n, int64_t k, int64_t b0, int64_t b1,
             double density) {
  std::vector<float> w(n * k, 0.0f);
  std::vector<int32_t> offsets{0}, cols;
  std::vector<float> vals;
  for (int64_t br = 0; br < n / b0; ++br) {
    for (int64_t bc = 0; bc < k / b1; ++bc) {
      if (uniform(0, 1) >= density)
        continue;
      cols.push_back(int32_t(bc));
      for (int64_t i = 0; i < b0; ++i)
        for (int64_t j = 0; j < b1; ++j) {
          float v = randint(0, 5) == 0 ? 0.0f : uniform(-1, 1);
          w[(br * b0 + i) * k + bc * b1 + j] = v;
          vals.push_back(v);
        }
    }
    offsets.push_back(int32_t(cols.size()));
  }
  Activations a(mx, n, k);
  sparq_memref2d_t xd = desc2(a.x.data(), mx, k, a.ldx),
                   yd = desc2(a.y.data(), mx, n, a.ldy);
  sparq_memref1d_t od = desc1(offsets.data(), offsets.size()),
                   cd = desc1(cols.data(), cols.size()),
                   vd = desc1(vals.data(), vals.size());
  _mlir_ciface_sparq_rt_bsr_matmul_f32(&xd, &od, &cd, &vd, &yd, k,
                                       SPARQ_RT_BSR_CONFIG(b0, b1));
  char what[160];
  std::snprintf(what, sizeof what, "bsr [%ld, %ld] M=%ld N=%ld K=%ld",
                long(b0), long(b1), long(mx), long(n), long(k));
  check(what, a, w, n);
}

} // namespace

int main(int argc, char **argv) {
  if (argc > 1)
    sparq_rt_set_num_threads(std::atoi(argv[1]));
  std::printf("isa %s threads %d\n", sparq_rt_isa(),
              sparq_rt_get_num_threads());
  const int64_t batches[] = {1, 2, 3, 4, 5, 17, 130};
  const int64_t rows[] = {1, 3, 8, 37};
  // N:M f32: fast windows (16, 24, 32, 48, 64 columns) and the generic path
  // (3:4, 1:8, 1:32 and 5:16 do not fit the permute kernel).
  const int nms[][2] = {{2, 4}, {1, 4}, {4, 8}, {1, 2}, {2, 8},  {4, 16},
                        {8, 16}, {1, 3}, {2, 3}, {3, 4}, {1, 8}, {1, 32},
                        {5, 16}, {1, 1}, {16, 16}};
  for (auto &nm : nms)
    for (int64_t groups : {1, 7, 64, 131})
      for (int64_t n : rows) {
        int64_t mx = batches[randint(0, 6)];
        testNM(mx, n, groups * nm[1], nm[0], nm[1]);
        testNM(1, n, groups * nm[1], nm[0], nm[1]);
      }
  for (int64_t mx : batches)
    testNM(mx, 70, 4096 + 64, 2, 4);
  // Batch 1 with both stream counts forced (sparq_rt_set_gemv_streams): odd
  // row counts leave rows after the streams.
  for (int streams : {2, 4}) {
    sparq_rt_set_gemv_streams(streams);
    testNM(1, 37, 2048, 2, 4);
    testNM(1, 70, 640, 4, 8);
    testNMQuant(1, 41, 1024, 2, 4, 8, true, false, 0, 0);
  }
  sparq_rt_set_gemv_streams(0);
  // Batch > 4 on the permute kernel: 4x4 tiles with 2- and 1-row x
  // remainders, weight-row remainders, f32 and 8-bit per-row codes.
  testNM(6, 37, 2048, 2, 4);
  testNM(11, 10, 640, 4, 8);
  testNM(8, 9, 1024, 1, 4);
  testNMQuant(6, 41, 1024, 2, 4, 8, true, false, 0, 0);
  testNMQuant(9, 38, 512, 4, 8, 8, false, true, 0, 1);
  // N:M quantized: every code width, sign, zero points, granularity and
  // scale type; 8-bit per-row codes take the fast kernel.
  for (int bits : {2, 3, 4, 8})
    for (bool isSigned : {true, false})
      for (bool asym : {false, true})
        for (int64_t group : {int64_t(0), int64_t(-1), int64_t(16)})
          for (int sk = 0; sk < 3; ++sk) {
            const int(&nm)[2] = nms[randint(0, 5)];
            int64_t k = nm[1] * 16 * randint(1, 9);
            testNMQuant(batches[randint(0, 6)], rows[randint(0, 3)], k, nm[0],
                        nm[1], bits, isSigned, asym, group, sk);
            testNMQuant(1, 9, k, nm[0], nm[1], bits, isSigned, asym, group, sk);
          }
  // CSR.
  for (bool i16 : {true, false})
    for (double d : {0.0, 0.05, 0.1, 0.5, 1.0})
      for (int64_t k : {1, 15, 16, 33, 100, 1000})
        for (int64_t mx : {1, 2, 3, 17})
          testCSR(mx, rows[randint(0, 3)], k, d, i16);
  for (int64_t mx : batches)
    testCSR(mx, 50, 4100, 0.1, true);
  testCSR(1, 20, 70000, 0.1, false);
  // One row of x in column panels of 4096 over blocks of 32 rows: panel
  // boundaries inside and at the ends of the 32- and 16-entry steps (dense
  // rows put one exactly at an entry multiple of 32), a partial last block.
  testCSR(1, 45, 11008, 0.1, true);
  testCSR(1, 33, 8192 + 77, 1.0, true);
  testCSR(1, 70, 9000, 0.5, false);
  testCSR(3, 40, 4096 * 3, 0.3, true);
  testCSR(1, 37, 9001, 0.4, true, /*shuffled=*/true);
  // BSR.
  const int64_t blocks[][2] = {{4, 1}, {1, 4}, {4, 2}, {2, 16}, {1, 1}, {3, 5}};
  for (auto &b : blocks)
    for (int64_t mx : {1, 2, 5, 33})
      for (double d : {0.0, 0.3, 1.0})
        testBSR(mx, b[0] * randint(1, 9), b[1] * randint(1, 40), b[0], b[1],
                d);
  std::printf("%d cases, %d failures\n", cases, failures);
  return failures ? 1 : 0;
}
