// Lloyd iterations (the assignment step is nearest_centroid.h's exact-up-to-ties GEMM search).
#include "cluster/kmeans.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "cluster/nearest_centroid.h"

namespace earshot {

namespace {

// Empty clusters take the rows farthest from their centroids (descending exact distance, ties by
// row index), each from a cluster that keeps at least one row (scikit-learn's relocation). Moving a row
// into its own cluster makes its cost 0, and its old cluster's mean can only fit the rest better, so
// the next inertia stays <= this one. Returns the number of clusters re-seeded.
int relocateEmpty(const float* x, size_t n, int d, int k, std::vector<int32_t>& label, const std::vector<double>& dist2,
                  std::vector<size_t>& count, float* centroids) {
  std::vector<int> empty;
  for (int c = 0; c < k; ++c)
    if (count[c] == 0) empty.push_back(c);
  if (empty.empty()) return 0;
  // The farthest rows first; a few more than needed, as some sit in singleton clusters.
  const size_t want = std::min(n, empty.size() * 2 + 64);
  std::vector<int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  auto farther = [&](int32_t a, int32_t b) { return dist2[a] > dist2[b] || (dist2[a] == dist2[b] && a < b); };
  size_t pos = 0, have = 0;
  for (size_t e = 0; e < empty.size(); ++e) {
    const int c = empty[e];
    for (;;) {
      if (pos == have) {  // sort the next slice of far rows
        have = std::min(n, std::max(have + want, have * 2));
        std::partial_sort(order.begin() + pos, order.begin() + have, order.end(), farther);
      }
      if (pos == n) return static_cast<int>(e);  // nothing left to move (needs n < k)
      const int32_t r = order[pos++];
      const int from = label[r];
      if (count[from] <= 1) continue;
      --count[from];
      count[c] = 1;
      label[r] = c;
      std::copy(x + static_cast<size_t>(r) * d, x + static_cast<size_t>(r + 1) * d, centroids + static_cast<size_t>(c) * d);
      break;
    }
  }
  return static_cast<int>(empty.size());
}

// Centroid = mean of its rows, summed in double in row order (rows grouped by a counting sort), one
// cluster per task: the same sums for any thread count.
void updateMeans(const float* x, size_t n, int d, int k, const std::vector<int32_t>& label, std::vector<size_t>& count,
                 float* centroids, WorkerTeam& team) {
  std::vector<size_t> start(k + 1, 0);
  for (size_t i = 0; i < n; ++i) ++start[label[i] + 1];
  for (int c = 0; c < k; ++c) start[c + 1] += start[c];
  std::vector<int32_t> rows(n);
  std::vector<size_t> fill(start.begin(), start.end() - 1);
  for (size_t i = 0; i < n; ++i) rows[fill[label[i]]++] = static_cast<int32_t>(i);
  team.parallelFor(k, 16, [&](int b, int e, int) {
    std::vector<double> sum(d);
    for (int c = b; c < e; ++c) {
      count[c] = start[c + 1] - start[c];
      if (count[c] == 0) continue;  // keeps its position (relocation runs before the next update)
      std::fill(sum.begin(), sum.end(), 0.0);
      for (size_t j = start[c]; j < start[c + 1]; ++j) {
        const float* xr = x + static_cast<size_t>(rows[j]) * d;
        for (int t = 0; t < d; ++t) sum[t] += xr[t];
      }
      for (int t = 0; t < d; ++t) centroids[static_cast<size_t>(c) * d + t] = static_cast<float>(sum[t] / count[c]);
    }
  });
}

}  // namespace

LloydResult lloyd(const float* x, size_t n, int d, int k, float* centroids, int maxIterations, double tol, WorkerTeam& team) {
  LloydResult res;
  res.labels.assign(n, 0);
  std::vector<double> dist2(n);
  std::vector<size_t> count(k, 0);
  {
    NearestCentroid nc(centroids, k, d);
    res.inertia.push_back(assignAll(nc, x, n, nullptr, res.labels.data(), dist2.data(), nullptr, team));
  }
  for (int it = 0; it < maxIterations; ++it) {
    std::fill(count.begin(), count.end(), 0);
    for (size_t i = 0; i < n; ++i) ++count[res.labels[i]];
    res.relocated += relocateEmpty(x, n, d, k, res.labels, dist2, count, centroids);
    updateMeans(x, n, d, k, res.labels, count, centroids, team);
    ++res.iterations;
    NearestCentroid nc(centroids, k, d);
    size_t changed = 0;
    const double prev = res.inertia.back();
    const double j = assignAll(nc, x, n, res.labels.data(), res.labels.data(), dist2.data(), &changed, team);
    res.inertia.push_back(j);
    if (changed == 0 || (prev > 0.0 && (prev - j) < tol * prev) || prev == 0.0) {
      res.converged = true;
      break;
    }
  }
  return res;
}

}  // namespace earshot
