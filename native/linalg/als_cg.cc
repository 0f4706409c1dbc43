#include "linalg/als_cg.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "linalg/linalg_kernels.h"
#include "runtime/huge_page_array.h"
#include "runtime/thread_pool.h"

namespace earshot {

namespace {

// Below this size (bytes) the fixed side is gathered in place: its pages fit the TLB's reach well
// enough that copying would cost more than it saves.
constexpr size_t kHugePageCopyBytes = size_t(8) << 20;

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

// The kernel prefetches a row's entries 16 ahead of the one it works on, so a row's first entries
// would be bare cache misses: they are requested here, one row early, and arrive while the current
// row is solved (5-10 % less time per sweep on the Last.fm-360K shape, where half the rows have < 50).
constexpr int kNextRowPrefetch = 16;

inline void prefetchRowStart(const AlsProblem& pr, int row, const float* Y, int stride) {
  const int j0 = pr.indptr[row], j1 = std::min(pr.indptr[row + 1], j0 + kNextRowPrefetch);
  for (int j = j0; j < j1; ++j) {
    const float* y = Y + static_cast<size_t>(pr.indices[j]) * stride;
    for (int l = 0; l < stride; l += 16) __builtin_prefetch(y + l, 0, 2);  // 64-byte lines, into L2
  }
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
  // The kernel gathers whole 8-float vectors of Y's rows at random: Y is copied with zero padding when F
  // is not a multiple of 8, and into huge pages when it is large enough for TLB misses to matter.
  std::unique_ptr<HugePageArray<float>> copy;
  const float* Y = pr.Y;
  const size_t yFloats = static_cast<size_t>(pr.cols) * stride;
  if (stride != f || yFloats * sizeof(float) >= kHugePageCopyBytes) {
    copy = std::make_unique<HugePageArray<float>>(yFloats);
    float* dst = copy->data();
    parallelFor(threads, pr.cols, 4096, [&](int b, int e, int) {
      for (int i = b; i < e; ++i) std::memcpy(dst + static_cast<size_t>(i) * stride, pr.Y + static_cast<size_t>(i) * f, sizeof(float) * f);
    });
    Y = dst;
  }
  const std::vector<int> bounds = costChunks(pr, stride, threads);
  parallelFor(threads, static_cast<int>(bounds.size()) - 1, 1, [&](int cb, int ce, int) {
    std::vector<float> xr(stride, 0.0f);  // the row in padded form when stride != f
    for (int r = bounds[cb]; r < bounds[ce]; ++r) {
      float* x = X + static_cast<size_t>(r) * f;
      const int j0 = pr.indptr[r], n = pr.indptr[r + 1] - j0;
      if (r + 1 < pr.rows) prefetchRowStart(pr, r + 1, Y, stride);
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
