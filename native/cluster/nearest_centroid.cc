#include "cluster/nearest_centroid.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "linalg/linalg_kernels.h"

namespace earshot {

double exactDist2(const float* x, const float* c, int d) {
  double s = 0.0;
  for (int t = 0; t < d; ++t) {
    const double u = static_cast<double>(x[t]) - static_cast<double>(c[t]);
    s += u * u;
  }
  return s;
}

NearestCentroid::NearestCentroid(const float* centroids, int k, int d)
    : k_(k), d_(d), kPad_((k + kSgemmCols - 1) / kSgemmCols * kSgemmCols), raw_(centroids), shift_(d, 0.0) {
  for (int c = 0; c < k; ++c)
    for (int t = 0; t < d; ++t) shift_[t] += centroids[static_cast<size_t>(c) * d + t];
  for (int t = 0; t < d; ++t) shift_[t] /= k;
  const int depth = d + 1;
  packed_.assign(static_cast<size_t>(kPad_) * depth, 0.0f);
  for (int c = 0; c < kPad_; ++c) {
    float* panel = packed_.data() + static_cast<size_t>(c / kSgemmCols) * kSgemmCols * depth;
    const int j = c % kSgemmCols;
    if (c >= k) {  // padding: score +inf, never chosen
      panel[static_cast<size_t>(d) * kSgemmCols + j] = std::numeric_limits<float>::infinity();
      continue;
    }
    double norm = 0.0;
    for (int t = 0; t < d; ++t) {
      const float v = static_cast<float>(centroids[static_cast<size_t>(c) * d + t] - shift_[t]);
      norm += static_cast<double>(v) * v;
      panel[static_cast<size_t>(t) * kSgemmCols + j] = -2.0f * v;  // exact: a power-of-two scale
    }
    panel[static_cast<size_t>(d) * kSgemmCols + j] = static_cast<float>(norm);
    maxNorm2_ = std::max(maxNorm2_, norm);
  }
}

size_t NearestCentroid::assignRows(const float* x, size_t begin, size_t end, const int32_t* previous, int32_t* label,
                                   double* dist2, Scratch& s) const {
  const LinalgKernels& K = activeLinalgKernels();
  const int d = d_, depth = d + 1;
  s.a.resize(static_cast<size_t>(depth) * kSgemmRows);
  s.scores.resize(static_cast<size_t>(kSgemmRows) * kPad_);
  // Rounding-error bound of a score: the float32 dot product of depth terms (γ = depth·u), the rounding
  // of ‖c'‖² and of the shifted coordinates (4u), times Σ|terms| <= ‖x'‖² + 2‖c'‖²; then x2 because two
  // scores are compared, and x2 for safety.
  const double u = std::ldexp(1.0, -24);
  const double gamma = (depth * u) / (1.0 - depth * u) + 4.0 * u;
  size_t changed = 0;
  for (size_t r0 = begin; r0 < end; r0 += kSgemmRows) {
    const int rows = static_cast<int>(std::min<size_t>(kSgemmRows, end - r0));
    double xnorm[kSgemmRows] = {0, 0, 0, 0, 0, 0};
    for (int r = 0; r < kSgemmRows; ++r) {
      const float* xr = x + (r0 + r) * d;
      for (int t = 0; t < d; ++t) {
        const float v = r < rows ? static_cast<float>(xr[t] - shift_[t]) : 0.0f;
        s.a[static_cast<size_t>(t) * kSgemmRows + r] = v;
        xnorm[r] += static_cast<double>(v) * v;
      }
      s.a[static_cast<size_t>(d) * kSgemmRows + r] = 1.0f;
    }
    K.sgemmTile(s.a.data(), packed_.data(), depth, kPad_ / kSgemmCols, s.scores.data(), kPad_);
    for (int r = 0; r < rows; ++r) {
      const size_t i = r0 + r;
      const float* xi = x + i * d;
      const float* sc = s.scores.data() + static_cast<size_t>(r) * kPad_;
      const float tau = static_cast<float>(4.0 * gamma * (xnorm[r] + 2.0 * maxNorm2_));
      float best;
      int within;
      int c = K.argminWithin(sc, kPad_, tau, &best, &within);
      double dc;
      if (within > 1) {  // near-tie in float32: decide among the candidates exactly
        const float thr = best + tau;
        dc = std::numeric_limits<double>::infinity();
        for (int j = 0; j < k_; ++j) {
          if (!(sc[j] <= thr)) continue;
          const double dj = exactDist2(xi, raw_ + static_cast<size_t>(j) * d, d);
          if (dj < dc) { dc = dj; c = j; }
        }
      } else {
        dc = exactDist2(xi, raw_ + static_cast<size_t>(c) * d, d);
      }
      if (previous) {
        const int p = previous[i];
        if (p != c) {
          const double dp = exactDist2(xi, raw_ + static_cast<size_t>(p) * d, d);
          if (dc < dp) ++changed;
          else { c = p; dc = dp; }
        }
      }
      if (label) label[i] = c;
      if (dist2) dist2[i] = dc;
    }
  }
  return changed;
}

double assignAll(const NearestCentroid& nc, const float* x, size_t n, const int32_t* previous, int32_t* label,
                 double* dist2, size_t* changed, WorkerTeam& team) {
  // Fixed blocks of 1,536 rows (256 register tiles): each block's distances are summed in row order
  // and the block sums in block order, whatever thread ran which block.
  const size_t block = 256 * kSgemmRows;
  const int blocks = static_cast<int>((n + block - 1) / block);
  std::vector<double> partial(blocks, 0.0);
  std::vector<size_t> moved(blocks, 0);
  std::vector<std::unique_ptr<NearestCentroid::Scratch>> scratch;
  for (int t = 0; t < team.size(); ++t) scratch.push_back(std::make_unique<NearestCentroid::Scratch>());
  std::vector<double> own;
  double* dist = dist2;
  if (!dist) { own.resize(n); dist = own.data(); }
  team.parallelFor(blocks, 1, [&](int b, int e, int t) {
    for (int j = b; j < e; ++j) {
      const size_t r0 = static_cast<size_t>(j) * block, r1 = std::min(n, r0 + block);
      moved[j] = nc.assignRows(x, r0, r1, previous, label, dist, *scratch[t]);
      double sum = 0.0;
      for (size_t i = r0; i < r1; ++i) sum += dist[i];
      partial[j] = sum;
    }
  });
  double total = 0.0;
  size_t m = 0;
  for (int j = 0; j < blocks; ++j) { total += partial[j]; m += moved[j]; }
  if (changed) *changed = m;
  return total;
}

}  // namespace earshot
