#include "linalg/als_cg.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "linalg/linalg_kernels.h"
#include "runtime/thread_pool.h"

namespace earshot {

namespace {

// Row costs in units of one observed entry's work per CG pass (a dot product and an update over F):
// the product with G costs about F / 2 of those. Chunks of rows are cut at equal cost so that a run of
// popular items (a Zipf head item is in most users' rows) does not become one thread's tail.
std::vector<int> costChunks(const AlsProblem& pr, int stride, int threads) {
  const double rowCost = stride / 2.0;
  const double total = static_cast<double>(pr.indptr[pr.rows] - pr.indptr[0]) + rowCost * pr.rows;
  const double target = std::max(total / (64.0 * std::max(1, threads)), 4096.0);
  std::vector<int> bounds{0};
  double acc = 0;
  for (int r = 0; r < pr.rows; ++r) {
    acc += (pr.indptr[r + 1] - pr.indptr[r]) + rowCost;
    if (acc >= target) {
      bounds.push_back(r + 1);
      acc = 0;
    }
  }
  if (bounds.back() != pr.rows) bounds.push_back(pr.rows);
  return bounds;
}

}  // namespace

void alsSweepCg(const AlsProblem& pr, float* X, int steps, int threads) {
  const int f = pr.factors;
  const int stride = (f + 7) & ~7;
  const LinalgKernels& kern = activeLinalgKernels();
  // G + lambda I in float, zero padded to stride x stride.
  std::vector<double> Gd;
  gramMatrix(pr.Y, pr.cols, f, Gd, threads);
  std::vector<float> G(static_cast<size_t>(stride) * stride, 0.0f);
  for (int a = 0; a < f; ++a)
    for (int b = 0; b < f; ++b) G[static_cast<size_t>(a) * stride + b] = static_cast<float>(Gd[static_cast<size_t>(a) * f + b] + (a == b ? pr.lambda : 0.0));
  // The kernel reads whole 8-float vectors: when F is not a multiple of 8, Y is copied with zero padding.
  std::vector<float> padded;
  const float* Y = pr.Y;
  if (stride != f) {
    padded.assign(static_cast<size_t>(pr.cols) * stride, 0.0f);
    parallelFor(threads, pr.cols, 4096, [&](int b, int e, int) {
      for (int i = b; i < e; ++i) std::memcpy(&padded[static_cast<size_t>(i) * stride], pr.Y + static_cast<size_t>(i) * f, sizeof(float) * f);
    });
    Y = padded.data();
  }
  const std::vector<int> bounds = costChunks(pr, stride, threads);
  parallelFor(threads, static_cast<int>(bounds.size()) - 1, 1, [&](int cb, int ce, int) {
    std::vector<float> xr(stride, 0.0f);  // the row in padded form when stride != f
    for (int r = bounds[cb]; r < bounds[ce]; ++r) {
      float* x = X + static_cast<size_t>(r) * f;
      const int j0 = pr.indptr[r], n = pr.indptr[r + 1] - j0;
      if (stride == f) {
        kern.alsCgRow(pr.indices + j0, pr.confidence + j0, n, Y, G.data(), stride, steps, x);
      } else {
        std::memcpy(xr.data(), x, sizeof(float) * f);
        kern.alsCgRow(pr.indices + j0, pr.confidence + j0, n, Y, G.data(), stride, steps, xr.data());
        std::memcpy(x, xr.data(), sizeof(float) * f);
      }
    }
  });
}

}  // namespace earshot
