#include "linalg/als_solver.h"

#include <cmath>
#include <stdexcept>
#include <string>

// The hot loops are compiled twice (x86-64: AVX2+FMA and baseline) and chosen by the loader (GCC
// function multiversioning); `omp simd` lets dot products vectorise without -ffast-math (fixed
// summation order per build, so results stay deterministic on a machine).
#include "runtime/multiversion.h"

namespace earshot {

void gramMatrix(const float* Y, int n, int f, std::vector<double>& G) {
  G.assign(static_cast<size_t>(f) * f, 0.0);
  // Accumulate the upper triangle row by row of Y (cache friendly), mirror at the end.
  for (int i = 0; i < n; ++i) {
    const float* y = Y + static_cast<size_t>(i) * f;
    for (int a = 0; a < f; ++a) {
      const double ya = y[a];
      double* g = G.data() + static_cast<size_t>(a) * f;
      for (int b = a; b < f; ++b) g[b] += ya * y[b];
    }
  }
  for (int a = 0; a < f; ++a)
    for (int b = 0; b < a; ++b) G[static_cast<size_t>(a) * f + b] = G[static_cast<size_t>(b) * f + a];
}

// b = sum c_i y_i, and (exact) A = G + lambda I + sum (c_i - 1) y_i y_i^T.
EARSHOT_MULTIVERSION static void buildSystem(const AlsProblem& pr, const double* G, int row, AlsScratch& s, bool withMatrix) {
  const int f = pr.factors;
  if (withMatrix) {
    for (int k = 0; k < f * f; ++k) s.A[k] = G[k];
    for (int a = 0; a < f; ++a) s.A[a * f + a] += pr.lambda;
  }
  for (int a = 0; a < f; ++a) s.b[a] = 0.0;
  for (int j = pr.indptr[row]; j < pr.indptr[row + 1]; ++j) {
    const float* y = pr.Y + static_cast<size_t>(pr.indices[j]) * f;
    const double c = pr.confidence[j];
    for (int a = 0; a < f; ++a) s.b[a] += c * y[a];
    if (!withMatrix) continue;
    for (int a = 0; a < f; ++a) {
      const double w = (c - 1.0) * y[a];
      double* A = s.A.data() + static_cast<size_t>(a) * f;
      for (int b = a; b < f; ++b) A[b] += w * y[b];
    }
  }
  if (withMatrix)
    for (int a = 0; a < f; ++a)
      for (int b = 0; b < a; ++b) s.A[a * f + b] = s.A[b * f + a];
}

void solveRowExact(const AlsProblem& pr, const double* G, int row, float* X, AlsScratch& s) {
  const int f = pr.factors;
  buildSystem(pr, G, row, s, true);
  // In-place Cholesky A = L L^T (lower triangle), then forward and back substitution.
  double* A = s.A.data();
  for (int j = 0; j < f; ++j) {
    double d = A[j * f + j];
    for (int k = 0; k < j; ++k) d -= A[j * f + k] * A[j * f + k];
    if (!(d > 0.0)) throw std::runtime_error("ALS system for row " + std::to_string(row) + " is not positive definite; use lambda > 0");
    const double l = std::sqrt(d);
    A[j * f + j] = l;
    for (int i = j + 1; i < f; ++i) {
      double v = A[i * f + j];
      for (int k = 0; k < j; ++k) v -= A[i * f + k] * A[j * f + k];
      A[i * f + j] = v / l;
    }
  }
  double* z = s.x.data();
  for (int i = 0; i < f; ++i) {
    double v = s.b[i];
    for (int k = 0; k < i; ++k) v -= A[i * f + k] * z[k];
    z[i] = v / A[i * f + i];
  }
  for (int i = f - 1; i >= 0; --i) {
    double v = z[i];
    for (int k = i + 1; k < f; ++k) v -= A[k * f + i] * z[k];
    z[i] = v / A[i * f + i];
  }
  float* out = X + static_cast<size_t>(row) * f;
  for (int a = 0; a < f; ++a) out[a] = static_cast<float>(z[a]);
}

// Ap = (G + lambda I) p + sum (c_i - 1) (y_i . p) y_i, without forming A.
EARSHOT_MULTIVERSION static void applyA(const AlsProblem& pr, const double* G, int row, const double* p, double* Ap) {
  const int f = pr.factors;
  for (int a = 0; a < f; ++a) {
    double v = 0.0;
    const double* g = G + static_cast<size_t>(a) * f;
#pragma omp simd reduction(+ : v)
    for (int b = 0; b < f; ++b) v += g[b] * p[b];
    Ap[a] = v + pr.lambda * p[a];
  }
  for (int j = pr.indptr[row]; j < pr.indptr[row + 1]; ++j) {
    const float* y = pr.Y + static_cast<size_t>(pr.indices[j]) * f;
    double dot = 0.0;
#pragma omp simd reduction(+ : dot)
    for (int a = 0; a < f; ++a) dot += y[a] * p[a];
    const double w = (pr.confidence[j] - 1.0) * dot;
    for (int a = 0; a < f; ++a) Ap[a] += w * y[a];
  }
}

EARSHOT_MULTIVERSION void solveRowCg(const AlsProblem& pr, const double* G, int row, float* X, int steps, AlsScratch& s) {
  const int f = pr.factors;
  float* xr = X + static_cast<size_t>(row) * f;
  double* x = s.x.data();
  for (int a = 0; a < f; ++a) x[a] = xr[a];
  buildSystem(pr, G, row, s, false);
  applyA(pr, G, row, x, s.Ap.data());
  double rs = 0.0;
  for (int a = 0; a < f; ++a) {
    s.r[a] = s.b[a] - s.Ap[a];  // residual of the warm start
    s.p[a] = s.r[a];
    rs += s.r[a] * s.r[a];
  }
  for (int it = 0; it < steps && rs > 1e-20; ++it) {
    applyA(pr, G, row, s.p.data(), s.Ap.data());
    double pAp = 0.0;
    for (int a = 0; a < f; ++a) pAp += s.p[a] * s.Ap[a];
    if (!(pAp > 0.0)) break;
    const double alpha = rs / pAp;
    double rsNew = 0.0;
    for (int a = 0; a < f; ++a) {
      x[a] += alpha * s.p[a];
      s.r[a] -= alpha * s.Ap[a];
      rsNew += s.r[a] * s.r[a];
    }
    const double beta = rsNew / rs;
    for (int a = 0; a < f; ++a) s.p[a] = s.r[a] + beta * s.p[a];
    rs = rsNew;
  }
  for (int a = 0; a < f; ++a) xr[a] = static_cast<float>(x[a]);
}

double rowsLoss(const AlsProblem& pr, const double* G, const float* X, int rowBegin, int rowEnd) {
  const int f = pr.factors;
  double loss = 0.0;
  for (int r = rowBegin; r < rowEnd; ++r) {
    const float* x = X + static_cast<size_t>(r) * f;
    double quad = 0.0, norm = 0.0;
    for (int a = 0; a < f; ++a) {
      double v = 0.0;
      for (int b = 0; b < f; ++b) v += G[static_cast<size_t>(a) * f + b] * x[b];
      quad += x[a] * v;
      norm += static_cast<double>(x[a]) * x[a];
    }
    loss += quad + pr.lambda * norm;
    for (int j = pr.indptr[r]; j < pr.indptr[r + 1]; ++j) {
      const float* y = pr.Y + static_cast<size_t>(pr.indices[j]) * f;
      double sc = 0.0;
      for (int a = 0; a < f; ++a) sc += static_cast<double>(x[a]) * y[a];
      loss += pr.confidence[j] * (1.0 - sc) * (1.0 - sc) - sc * sc;
    }
  }
  return loss;
}

}  // namespace earshot
