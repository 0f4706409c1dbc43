// The conjugate-gradient ALS sweep: every row of X re-solved against the fixed Y, in float32 (the
// approach and precision of the `implicit` library, Takács et al. 2011): per row
//   A x = b,  A = G + lambda I + sum_{i in row} (c_i - 1) y_i y_iᵀ,  b = sum_{i in row} c_i y_i,
// `steps` CG iterations warm-started from the row's current value, A never formed: each iteration is
// one product with G (F x F, precomputed per sweep) and one pass over the row's observed entries.
// The row kernel is linalg_kernels' alsCgRow (AVX2+FMA or baseline); rows are independent, so the
// result does not depend on the thread count or the schedule (bit for bit, per machine and ISA).
#pragma once
#include "linalg/als_solver.h"

namespace earshot {

// X[r] <- `steps` CG iterations for every row r of pr (X is pr.rows x pr.factors, row-major).
void alsSweepCg(const AlsProblem& pr, float* X, int steps, int threads);

}  // namespace earshot
