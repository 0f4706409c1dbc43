// Implicit-feedback ALS (Hu, Koren & Volinsky 2008): the problem, the exact row solver and the
// objective (the conjugate-gradient sweep is als_cg.h). Given the fixed factors Y of the other
// side, each row's factors minimise  sum_i c_i (p_i - x.y_i)^2 + lambda |x|^2  over ALL items i, where
// p_i = 1 for observed items (c_i = confidence) and p_i = 0, c_i = 1 elsewhere. With the Gram matrix
// G = Y^T Y precomputed once per sweep, a row costs O(nnz_row F^2) (exact) or O(steps nnz_row F) (CG):
//   A x = b,  A = G + lambda I + sum_{i in row} (c_i - 1) y_i y_i^T,  b = sum_{i in row} c_i y_i.
#pragma once
#include <cstdint>
#include <vector>

namespace earshot {

struct AlsProblem {
  // The rows being solved, CSR: row r's observed columns are indices[indptr[r] .. indptr[r+1]).
  const int32_t* indptr;
  const int32_t* indices;
  const float* confidence;  // c for each stored entry (already 1 + alpha log(1 + r/eps), etc.)
  int rows;
  const float* Y;           // fixed side, nCols x factors, row-major
  int cols;
  int factors;
  double lambda;
};

// G = Y^T Y in double (factors x factors). Summed over fixed blocks of rows in block order whatever
// `threads` is: deterministic.
void gramMatrix(const float* Y, int n, int factors, std::vector<double>& G, int threads = 1);

// Per-thread scratch, allocated once per sweep and thread.
struct AlsScratch {
  std::vector<double> A, b, x;
  explicit AlsScratch(int f) : A(f * f), b(f), x(f) {}
};

// Exact: Cholesky solve of A x = b in double. Writes X[row]. Throws std::runtime_error if A is not
// positive definite (only possible with lambda <= 0 and a degenerate Y).
void solveRowExact(const AlsProblem& pr, const double* G, int row, float* X, AlsScratch& s);

// The full objective's contribution of these rows:  sum_r [ x_r^T G x_r + sum_{i in r} (c (1 - s)^2 - s^2) ]
// with s = x_r.y_i (the unobserved pairs' s^2 summed through G), plus lambda |x_r|^2.
double rowsLoss(const AlsProblem& pr, const double* G, const float* X, int rowBegin, int rowEnd);

}  // namespace earshot
