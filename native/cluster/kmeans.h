// k-means for the bag-of-words baseline (van den Oord et al. 2013, Sec. 4.1: a 4,000-word dictionary
// of MFCC frames): k-means++ seeding, then Lloyd iterations. Everything is deterministic for a seed and
// independent of the thread count: random draws happen on one thread, and every parallel reduction is
// added in a fixed block order.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/worker_team.h"

namespace earshot {

// k-means++ (Arthur & Vassilvitskii 2007): the first centre is a uniform row, each next one a row drawn
// with probability proportional to D(x)², its squared distance to the nearest centre so far. With
// candidates > 1 ("greedy" k-means++, scikit-learn's default with 2 + ln k), that many rows are drawn per
// step and the one that lowers Σ D² most is kept. Writes k x d floats (copies of rows) to `centroids`.
void kmeansPlusPlus(const float* x, size_t n, int d, int k, uint64_t seed, int candidates, WorkerTeam& team,
                    float* centroids);

struct LloydResult {
  std::vector<double> inertia;  // Σ‖x − c(x)‖² after each assignment step: [0] with the seeds
  std::vector<int32_t> labels;  // of the last assignment step (consistent with the returned centroids)
  int iterations = 0;           // centroid updates made
  bool converged = false;       // stopped because no label changed or the relative inertia change < tol
  int relocated = 0;            // empty clusters re-seeded (total over all iterations)
};

// Lloyd iterations from `centroids` (k x d, updated in place): assign every row to its nearest centroid,
// move each centroid to the mean of its rows, until `maxIterations` updates were made, no label changed,
// or (J_prev − J) / J_prev < tol. A cluster left empty takes the row farthest from its centroid (from a
// cluster that keeps at least one row). The inertia never increases from one step to the next.
LloydResult lloyd(const float* x, size_t n, int d, int k, float* centroids, int maxIterations, double tol,
                  WorkerTeam& team);

}  // namespace earshot
