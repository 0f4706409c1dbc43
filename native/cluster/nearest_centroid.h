// Nearest centroid for many rows at once, exact in double precision up to ties, at the speed of a
// float32 GEMM. Distances are ranked by ‖x−c‖² = ‖x‖² − 2x·c + ‖c‖², i.e. by the score ‖c‖² − 2x·c,
// computed in float32 blocks (linalg_kernels: 6 rows x 16 centroids per register tile) on data and
// centroids both shifted by the centroids' mean (which leaves distances unchanged and keeps the
// cancellation small). A row whose float scores leave more than one centroid within the scores'
// rounding-error bound of the best is decided by exact double distances among those few, so the
// result equals a double-precision brute force (ties -> lowest index).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/worker_team.h"

namespace earshot {

// Σ (x_t − c_t)² in double, in index order without FMA (matches a plain JS loop bit for bit).
double exactDist2(const float* x, const float* c, int d);

class NearestCentroid {
 public:
  // centroids: k x d float32, row-major; copied and packed (k*(d+1) floats).
  NearestCentroid(const float* centroids, int k, int d);

  // For rows [begin, end) of x (n x d): label[i] and exact dist2[i] (either may be null). With
  // `previous` (labels from the last Lloyd step, or null), a row keeps its previous label unless another
  // centroid is strictly closer in exact arithmetic, so that a Lloyd step never increases the inertia.
  // Returns how many labels differ from `previous`. Thread-safe with one Scratch per thread.
  struct Scratch {
    std::vector<float> a, scores;
    std::vector<int> candidates;
  };
  size_t assignRows(const float* x, size_t begin, size_t end, const int32_t* previous, int32_t* label, double* dist2,
                    Scratch& s) const;

  int k() const { return k_; }
  int d() const { return d_; }

 private:
  int k_, d_, kPad_;
  const float* raw_;               // the caller's centroids (exact distances use the unshifted values)
  std::vector<double> shift_;      // mean of the centroids (d)
  std::vector<float> packed_;      // kPad/16 panels x (d+1) x 16: -2 c' and, last, ‖c'‖² (+inf for padding)
  double maxNorm2_ = 0;            // max ‖c'‖², for the error bound
};

// Labels (and optionally exact squared distances) of all n rows, on `team`. Returns the sum of the
// exact squared distances, added in fixed blocks of rows (independent of the thread count).
double assignAll(const NearestCentroid& nc, const float* x, size_t n, const int32_t* previous, int32_t* label,
                 double* dist2, size_t* changed, WorkerTeam& team);

}  // namespace earshot
