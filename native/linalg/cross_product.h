// The symmetric products PCA needs, in double precision: the scatter matrix Ãᵀ Ã (cols x cols) or the
// Gram matrix Ã Ãᵀ (rows x rows) of a float32 data matrix with a mean subtracted, Ã = A − 1 meanᵀ.
#pragma once
#include <cstddef>

#include "runtime/worker_team.h"

namespace earshot {

// a: rows x cols float32, row-major; mean: cols doubles or null (no centring). gram = false: out is
// cols x cols = Ãᵀ Ã; gram = true: out is rows x rows = Ã Ãᵀ. out is written in full (both triangles).
// Blocked (256 contraction indices at a time, packed as double panels of 8) over linalg_kernels'
// 4 x 8 register tile; each output row belongs to one task, so the sums do not depend on the threads.
void crossProduct(const float* a, size_t rows, int cols, const double* mean, bool gram, WorkerTeam& team, double* out);

}  // namespace earshot
