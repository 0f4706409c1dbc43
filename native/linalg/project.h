// Row projections for PCA: out = (X − 1 meanᵀ) Bᵀ in float32 (X: rows x depth, B: cols x depth), on
// linalg_kernels' 6 x 16 register tile, blocked so that a slice of B stays in L2 while all rows pass.
#pragma once
#include <cstddef>

#include "runtime/worker_team.h"

namespace earshot {

// mean: depth doubles or null. out: rows x cols float32, row-major. Deterministic for any thread count.
void projectRows(const float* x, size_t rows, int depth, const double* mean, const float* b, int cols, WorkerTeam& team,
                 float* out);

}  // namespace earshot
