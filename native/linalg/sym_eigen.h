// Symmetric eigendecomposition in double precision: Householder tridiagonalisation, implicit QL on the
// tridiagonal matrix, back-transformation of the eigenvectors that are asked for. O(n³): 18–25 s for
// n = 4,000 on the 2-core VM (bench/kmeans.ts measures it).
#pragma once
#include <functional>
#include <vector>

#include "runtime/worker_team.h"

namespace earshot {

struct SymEigenResult {
  std::vector<double> values;   // all n eigenvalues, descending
  std::vector<double> vectors;  // count x n, row i = unit eigenvector of values[i]
  int count = 0;
};

// `a` (n x n row-major symmetric; only the lower triangle is read) is destroyed. chooseCount gets the
// eigenvalues in descending order and returns how many leading eigenvectors to compute (0..n). Each
// eigenvector's sign is fixed so that its largest-magnitude entry (the first of equals) is positive.
SymEigenResult symEigen(double* a, int n, const std::function<int(const std::vector<double>&)>& chooseCount,
                        WorkerTeam& team);

// The fewest leading eigenvalues whose sum reaches `fraction` of the sum of all positive ones
// (negative eigenvalues of a covariance are rounding noise and count as 0), at most `maxCount`; with
// fraction <= 0, exactly maxCount. The PCA variance rule.
int leadingCountForFraction(const std::vector<double>& descending, double fraction, int maxCount);

}  // namespace earshot
