#include "linalg/sym_eigen.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "linalg/householder_tridiagonal.h"
#include "linalg/tridiagonal_ql.h"

namespace earshot {

SymEigenResult symEigen(double* a, int n, const std::function<int(const std::vector<double>&)>& chooseCount,
                        WorkerTeam& team) {
  SymEigenResult res;
  Tridiagonal t = tridiagonalize(a, n, team);
  // Eigenvectors of T as rows, accumulated onto the identity.
  std::vector<double> zt(static_cast<size_t>(n) * n, 0.0);
  for (int i = 0; i < n; ++i) zt[static_cast<size_t>(i) * n + i] = 1.0;
  tridiagonalQl(t, zt.data(), team);
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return t.diag[x] > t.diag[y]; });
  res.values.resize(n);
  for (int i = 0; i < n; ++i) res.values[i] = t.diag[order[i]];
  const int count = chooseCount(res.values);
  if (count < 0 || count > n) throw std::range_error("symmetric eigensolver: vector count out of range");
  res.count = count;
  res.vectors.resize(static_cast<size_t>(count) * n);
  for (int i = 0; i < count; ++i)
    std::copy_n(zt.data() + static_cast<size_t>(order[i]) * n, n, res.vectors.data() + static_cast<size_t>(i) * n);
  std::vector<double>().swap(zt);
  backTransform(a, t, res.vectors.data(), count, team);
  for (int i = 0; i < count; ++i) {
    double* v = res.vectors.data() + static_cast<size_t>(i) * n;
    int arg = 0;
    for (int j = 1; j < n; ++j)
      if (std::fabs(v[j]) > std::fabs(v[arg])) arg = j;
    if (v[arg] < 0)
      for (int j = 0; j < n; ++j) v[j] = -v[j];
  }
  return res;
}

int leadingCountForFraction(const std::vector<double>& descending, double fraction, int maxCount) {
  const int n = static_cast<int>(descending.size());
  maxCount = std::min(maxCount, n);
  if (!(fraction > 0.0)) return maxCount;
  double total = 0.0;
  for (double v : descending) total += std::max(v, 0.0);
  if (!(total > 0.0)) return std::min(1, maxCount);  // zero variance: one (arbitrary) direction
  const double target = fraction * total;
  double sum = 0.0;
  for (int i = 0; i < maxCount; ++i) {
    sum += std::max(descending[i], 0.0);
    if (sum >= target) return i + 1;
  }
  return maxCount;
}

}  // namespace earshot
