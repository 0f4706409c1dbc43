#include "linalg/householder_tridiagonal.h"

#include <algorithm>
#include <cmath>

// The streaming loops are compiled for AVX2+FMA and for the baseline ISA and chosen at load time (GCC
// function multiversioning); `omp simd` vectorises the dot products.
#include "runtime/multiversion.h"

namespace earshot {

namespace {

constexpr int kRowChunk = 32;  // rows per task and per partial column sum

// Reflector for column k: zeroes a[k+2..n-1][k]; v stored in the upper part of row k (LAPACK dlarfg).
void makeReflector(double* a, int n, int k, Tridiagonal& t) {
  double* v = a + static_cast<size_t>(k) * n;
  const double alpha = a[static_cast<size_t>(k + 1) * n + k];
  double xnorm2 = 0.0;
  for (int i = k + 2; i < n; ++i) {
    const double x = a[static_cast<size_t>(i) * n + k];
    xnorm2 += x * x;
  }
  t.diag[k] = a[static_cast<size_t>(k) * n + k];
  v[k + 1] = 1.0;
  if (xnorm2 == 0.0) {  // already tridiagonal in this column: H = I
    t.tau[k] = 0.0;
    t.off[k] = alpha;
    for (int i = k + 2; i < n; ++i) v[i] = 0.0;
    return;
  }
  const double beta = -std::copysign(std::sqrt(alpha * alpha + xnorm2), alpha);
  t.tau[k] = (beta - alpha) / beta;
  t.off[k] = beta;
  const double scale = 1.0 / (alpha - beta);
  for (int i = k + 2; i < n; ++i) v[i] = a[static_cast<size_t>(i) * n + k] * scale;
}

// Row i of the trailing triangle, columns [lo, i]: a -= v w' + w v' (when `update`), then its share of
// p = A vn: the row's dot product (returned) and the column contributions added to `part`.
EARSHOT_MULTIVERSION double fusedRow(double* row, int lo, int i, const double* v, const double* w, bool update,
                                     const double* vn, double* part) {
  const double vi = v[i], wi = w[i], vni = vn[i];
  double dot = 0.0;
  if (update) {
#pragma omp simd reduction(+ : dot)
    for (int j = lo; j < i; ++j) {
      const double x = row[j] - vi * w[j] - wi * v[j];
      row[j] = x;
      dot += x * vn[j];
      part[j] += x * vni;
    }
  } else {
#pragma omp simd reduction(+ : dot)
    for (int j = lo; j < i; ++j) {
      const double x = row[j];
      dot += x * vn[j];
      part[j] += x * vni;
    }
  }
  if (update) row[i] -= 2.0 * vi * wi;
  return dot + row[i] * vni;
}

EARSHOT_MULTIVERSION double dot(const double* x, const double* y, int lo, int hi) {
  double s = 0.0;
#pragma omp simd reduction(+ : s)
  for (int j = lo; j < hi; ++j) s += x[j] * y[j];
  return s;
}

EARSHOT_MULTIVERSION void axpy(double alpha, const double* x, double* y, int lo, int hi) {
#pragma omp simd
  for (int j = lo; j < hi; ++j) y[j] += alpha * x[j];
}

}  // namespace

Tridiagonal tridiagonalize(double* a, int n, WorkerTeam& team) {
  Tridiagonal t;
  t.n = n;
  t.diag.assign(n, 0.0);
  t.off.assign(n, 0.0);
  t.tau.assign(n, 0.0);
  auto at = [&](int i, int j) -> double& { return a[static_cast<size_t>(i) * n + j]; };
  if (n <= 2) {
    for (int i = 0; i < n; ++i) t.diag[i] = at(i, i);
    if (n == 2) t.off[0] = at(1, 0);
    return t;
  }
  const int chunks = (n + kRowChunk - 1) / kRowChunk;
  std::vector<double> part(static_cast<size_t>(chunks) * n, 0.0);
  std::vector<double> rowDot(n), p(n), w(n, 0.0), zero(n, 0.0);
  // One pass over rows [lo, n) x columns [lo, row]: optional update with (v, w), product with vn.
  auto pass = [&](int lo, const double* v, const double* wv, bool update, const double* vn) {
    const int first = lo / kRowChunk;
    team.parallelFor(chunks - first, 1, [&](int b, int e, int) {
      for (int idx = b; idx < e; ++idx) {
        const int c = chunks - 1 - idx;  // the longest rows first
        double* pc = part.data() + static_cast<size_t>(c) * n;
        const int r0 = std::max(lo, c * kRowChunk), r1 = std::min(n, (c + 1) * kRowChunk);
        std::fill(pc + lo, pc + r1, 0.0);
        for (int i = r0; i < r1; ++i) rowDot[i] = fusedRow(&at(i, 0), lo, i, v, wv, update, vn, pc);
      }
    });
    // p[j] = row j's dot + the column contributions of every later row, chunk by chunk in order.
    for (int j = lo; j < n; ++j) p[j] = rowDot[j];
    for (int c = first; c < chunks; ++c) {
      const double* pc = part.data() + static_cast<size_t>(c) * n;
      const int r1 = std::min(n, (c + 1) * kRowChunk);
      for (int j = lo; j < r1; ++j) p[j] += pc[j];
    }
  };
  makeReflector(a, n, 0, t);
  pass(1, zero.data(), zero.data(), false, a);  // p = A22 v0 (v0 lives in row 0)
  for (int k = 0; k + 2 < n; ++k) {
    const double* v = a + static_cast<size_t>(k) * n;
    const double tk = t.tau[k];
    // w = tau p − (tau² / 2)(pᵀv) v, with p = A22 v from the pass (indices k+1..n-1).
    const double half = 0.5 * tk * tk * dot(p.data(), v, k + 1, n);
    for (int j = k + 1; j < n; ++j) w[j] = tk * p[j] - half * v[j];
    // Column k+1 of the trailing block first: the next reflector is made from it.
    at(k + 1, k + 1) -= 2.0 * v[k + 1] * w[k + 1];
    for (int i = k + 2; i < n; ++i) at(i, k + 1) -= v[i] * w[k + 1] + w[i] * v[k + 1];
    if (k + 3 < n) {
      makeReflector(a, n, k + 1, t);
      pass(k + 2, v, w.data(), true, a + static_cast<size_t>(k + 1) * n);
    } else {  // last step: the 1 x 1 block left
      at(n - 1, n - 1) -= 2.0 * v[n - 1] * w[n - 1];
      t.diag[n - 2] = at(n - 2, n - 2);
      t.off[n - 2] = at(n - 1, n - 2);
      t.diag[n - 1] = at(n - 1, n - 1);
    }
  }
  return t;
}

void backTransform(const double* a, const Tridiagonal& t, double* z, int count, WorkerTeam& team) {
  const int n = t.n;
  if (n <= 2) return;
  // Groups of 8 vectors (8 x n doubles stay in L2) take every reflector in turn, H_{n-3} first.
  const int group = 8;
  const int groups = (count + group - 1) / group;
  team.parallelFor(groups, 1, [&](int b, int e, int) {
    for (int g = b; g < e; ++g) {
      const int z0 = g * group, z1 = std::min(count, z0 + group);
      for (int k = n - 3; k >= 0; --k) {
        if (t.tau[k] == 0.0) continue;
        const double* v = a + static_cast<size_t>(k) * n;
        for (int r = z0; r < z1; ++r) {
          double* zr = z + static_cast<size_t>(r) * n;
          const double s = t.tau[k] * dot(v, zr, k + 1, n);
          axpy(-s, v, zr, k + 1, n);
        }
      }
    }
  });
}

}  // namespace earshot
