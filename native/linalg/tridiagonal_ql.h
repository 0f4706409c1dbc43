// Eigenvalues and eigenvectors of a symmetric tridiagonal matrix by the implicit QL algorithm with
// Wilkinson-type shifts (EISPACK tql2, as in JAMA). The plane rotations depend on the diagonal and
// off-diagonal only, so they are recorded and applied afterwards to the eigenvector matrix in column
// blocks, each block taking thousands of rotations while it sits in cache; the inline loop of tql2
// would stream the whole n x n matrix through memory once per sweep.
#pragma once
#include <vector>

#include "linalg/householder_tridiagonal.h"
#include "runtime/worker_team.h"

namespace earshot {

// On return t.diag holds the eigenvalues (unsorted) and zt (n x n, row-major) the eigenvectors as ROWS:
// row i belongs to t.diag[i]. zt must hold the identity (or any orthogonal matrix to accumulate onto,
// transposed) on entry. Throws std::runtime_error if an eigenvalue needs more than 60 QL sweeps.
void tridiagonalQl(Tridiagonal& t, double* zt, WorkerTeam& team);

}  // namespace earshot
