// Householder reduction of a symmetric matrix to tridiagonal form, A = Q T Qᵀ (Golub & Van Loan,
// Algorithm 8.3.1), and the back-transformation of T's eigenvectors to A's: v = Q z.
#pragma once
#include <vector>

#include "runtime/worker_team.h"

namespace earshot {

struct Tridiagonal {
  int n = 0;
  std::vector<double> diag;  // n
  std::vector<double> off;   // n (off[i] couples i and i+1; off[n-1] = 0)
  std::vector<double> tau;   // reflector scales, n (0 where no reflector)
};

// Reduces `a` (n x n row-major, symmetric; only the lower triangle is read) in place: afterwards the
// upper triangle's row k holds reflector k's vector v (v[k+1] = 1, entries k+1..n-1), with
// H_k = I − tau[k] v vᵀ and Q = H_0 H_1 ... H_{n-3}. The lower triangle is scratch.
// Each step's rank-2 update is fused with the next step's matrix-vector product, so the shrinking
// trailing triangle is read and written once per step (the algorithm is memory-bound); rows are split
// over the team in fixed chunks whose partial sums are added in chunk order.
Tridiagonal tridiagonalize(double* a, int n, WorkerTeam& team);

// z (count x n, row-major, rows are T's eigenvectors) <- Q z row by row, in place.
void backTransform(const double* a, const Tridiagonal& t, double* z, int count, WorkerTeam& team);

}  // namespace earshot
