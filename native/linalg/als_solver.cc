#include "linalg/als_solver.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "linalg/linalg_kernels.h"
// The exact solver's loops are compiled twice (x86-64: AVX2+FMA and baseline) and chosen by the loader
// (GCC function multiversioning); the Gram matrix uses linalg_kernels' gramAccumulate.
#include "runtime/multiversion.h"
#include "runtime/thread_pool.h"

namespace earshot {

void gramMatrix(const float* Y, int n, int f, std::vector<double>& G, int threads) {
  // Upper triangles of fixed blocks of rows (at most 64 blocks, chosen by n only), added in block order.
  const int fv = (f + 3) & ~3;
  const int block = std::max(4096, (n + 63) / 64);
  const int blocks = (n + block - 1) / block;
  std::vector<double> partial(static_cast<size_t>(std::max(blocks, 1)) * f * fv, 0.0);
  const LinalgKernels& kern = activeLinalgKernels();
  parallelFor(threads, blocks, 1, [&](int b, int e, int) {
    for (int k = b; k < e; ++k) {
      const int r0 = k * block, m = std::min(n, r0 + block) - r0;
      kern.gramAccumulate(Y + static_cast<size_t>(r0) * f, m, f, f, &partial[static_cast<size_t>(k) * f * fv]);
    }
  });
  G.assign(static_cast<size_t>(f) * f, 0.0);
  for (int k = 0; k < blocks; ++k) {
    const double* p = &partial[static_cast<size_t>(k) * f * fv];
    for (int a = 0; a < f; ++a)
      for (int b = a; b < f; ++b) G[static_cast<size_t>(a) * f + b] += p[static_cast<size_t>(a) * fv + b];
  }
  for (int a = 0; a < f; ++a)
    for (int b = 0; b < a; ++b) G[static_cast<size_t>(a) * f + b] = G[static_cast<size_t>(b) * f + a];
}

// b = sum c_i y_i and A = G + lambda I + sum (c_i - 1) y_i y_i^T.
EARSHOT_MULTIVERSION static void buildSystem(const AlsProblem& pr, const double* G, int row, AlsScratch& s) {
  const int f = pr.factors;
  for (int k = 0; k < f * f; ++k) s.A[k] = G[k];
  for (int a = 0; a < f; ++a) s.A[a * f + a] += pr.lambda;
  for (int a = 0; a < f; ++a) s.b[a] = 0.0;
  for (int j = pr.indptr[row]; j < pr.indptr[row + 1]; ++j) {
    const float* y = pr.Y + static_cast<size_t>(pr.indices[j]) * f;
    const double c = pr.confidence[j];
    for (int a = 0; a < f; ++a) s.b[a] += c * y[a];
    for (int a = 0; a < f; ++a) {
      const double w = (c - 1.0) * y[a];
      double* A = s.A.data() + static_cast<size_t>(a) * f;
      for (int b = a; b < f; ++b) A[b] += w * y[b];
    }
  }
  for (int a = 0; a < f; ++a)
    for (int b = 0; b < a; ++b) s.A[a * f + b] = s.A[b * f + a];
}

void solveRowExact(const AlsProblem& pr, const double* G, int row, float* X, AlsScratch& s) {
  const int f = pr.factors;
  buildSystem(pr, G, row, s);
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
