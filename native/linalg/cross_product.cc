#include "linalg/cross_product.h"

#include <algorithm>
#include <vector>

#include "linalg/linalg_kernels.h"

namespace earshot {

void crossProduct(const float* a, size_t rows, int cols, const double* mean, bool gram, WorkerTeam& team, double* out) {
  const size_t O = gram ? rows : static_cast<size_t>(cols);  // output order
  const size_t L = gram ? static_cast<size_t>(cols) : rows;  // contraction length
  const int P = static_cast<int>((O + kDgemmCols - 1) / kDgemmCols);  // panels of 8 output indices
  const size_t KC = 256;
  std::fill(out, out + O * O, 0.0);
  if (O == 0) return;
  // Element (contraction c, output o) of Ã.
  auto element = [&](size_t c, size_t o) -> double {
    if (gram) return static_cast<double>(a[o * cols + c]) - (mean ? mean[c] : 0.0);
    return static_cast<double>(a[c * cols + o]) - (mean ? mean[o] : 0.0);
  };
  std::vector<double> packed(static_cast<size_t>(P) * KC * kDgemmCols);
  const LinalgKernels& K = activeLinalgKernels();
  for (size_t c0 = 0; c0 < L; c0 += KC) {
    const size_t kc = std::min(KC, L - c0);
    // packed[p][c][j] = Ã(c0 + c, 8p + j), zero beyond O.
    team.parallelFor(P, 8, [&](int b, int e, int) {
      for (int p = b; p < e; ++p) {
        double* dst = packed.data() + static_cast<size_t>(p) * KC * kDgemmCols;
        for (int j = 0; j < kDgemmCols; ++j) {
          const size_t o = static_cast<size_t>(p) * kDgemmCols + j;
          for (size_t c = 0; c < kc; ++c) dst[c * kDgemmCols + j] = o < O ? element(c0 + c, o) : 0.0;
        }
      }
    });
    // Lower-triangle panel pairs (pi >= pj), the longest panel rows first.
    team.parallelFor(P, 1, [&](int b, int e, int) {
      double tile[kDgemmRows * kDgemmCols];
      for (int idx = b; idx < e; ++idx) {
        const int pi = P - 1 - idx;
        const double* ai = packed.data() + static_cast<size_t>(pi) * KC * kDgemmCols;
        for (int half = 0; half < kDgemmCols / kDgemmRows; ++half) {
          const size_t i0 = static_cast<size_t>(pi) * kDgemmCols + half * kDgemmRows;
          if (i0 >= O) break;
          for (int pj = 0; pj <= pi; ++pj) {
            const double* bj = packed.data() + static_cast<size_t>(pj) * KC * kDgemmCols;
            K.dgemmTile(ai + half * kDgemmRows, kDgemmCols, bj, static_cast<int>(kc), tile);
            for (int r = 0; r < kDgemmRows && i0 + r < O; ++r) {
              double* orow = out + (i0 + r) * O + static_cast<size_t>(pj) * kDgemmCols;
              for (int j = 0; j < kDgemmCols && static_cast<size_t>(pj) * kDgemmCols + j < O; ++j) orow[j] += tile[r * kDgemmCols + j];
            }
          }
        }
      }
    });
  }
  // Mirror the lower triangle (the diagonal panels' upper halves were computed too, and agree).
  team.parallelFor(static_cast<int>(O), 64, [&](int b, int e, int) {
    for (int i = b; i < e; ++i)
      for (size_t j = i + 1; j < O; ++j) out[static_cast<size_t>(i) * O + j] = out[j * O + i];
  });
}

}  // namespace earshot
