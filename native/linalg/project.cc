#include "linalg/project.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "linalg/linalg_kernels.h"

namespace earshot {

void projectRows(const float* x, size_t rows, int depth, const double* mean, const float* b, int cols, WorkerTeam& team,
                 float* out) {
  // Blocks: 512 depth indices x 256 output columns of B (512 KB), all rows through each block.
  const int KC = 512, NC = 256;
  std::fill(out, out + rows * cols, 0.0f);
  const int tiles = static_cast<int>((rows + kSgemmRows - 1) / kSgemmRows);
  std::vector<float> packed(static_cast<size_t>(NC) * KC);
  struct Scratch { std::vector<float> a, c; };
  std::vector<std::unique_ptr<Scratch>> scratch;
  for (int t = 0; t < team.size(); ++t) {
    scratch.push_back(std::make_unique<Scratch>());
    scratch.back()->a.resize(static_cast<size_t>(KC) * kSgemmRows);
    scratch.back()->c.resize(static_cast<size_t>(kSgemmRows) * NC);
  }
  const LinalgKernels& K = activeLinalgKernels();
  for (int t0 = 0; t0 < depth; t0 += KC) {
    const int kc = std::min(KC, depth - t0);
    for (int j0 = 0; j0 < cols; j0 += NC) {
      const int nc = std::min(NC, cols - j0);
      const int panels = (nc + kSgemmCols - 1) / kSgemmCols;
      // packed[q][t][j] = B(j0 + 16q + j, t0 + t), zero beyond cols.
      for (int q = 0; q < panels; ++q)
        for (int t = 0; t < kc; ++t)
          for (int j = 0; j < kSgemmCols; ++j) {
            const int col = j0 + q * kSgemmCols + j;
            packed[(static_cast<size_t>(q) * kc + t) * kSgemmCols + j] = col < cols ? b[static_cast<size_t>(col) * depth + t0 + t] : 0.0f;
          }
      team.parallelFor(tiles, 16, [&](int tb, int te, int th) {
        Scratch& s = *scratch[th];
        for (int tile = tb; tile < te; ++tile) {
          const size_t r0 = static_cast<size_t>(tile) * kSgemmRows;
          const int nr = static_cast<int>(std::min<size_t>(kSgemmRows, rows - r0));
          for (int r = 0; r < kSgemmRows; ++r)
            for (int t = 0; t < kc; ++t)
              s.a[static_cast<size_t>(t) * kSgemmRows + r] =
                  r < nr ? static_cast<float>(x[(r0 + r) * depth + t0 + t] - (mean ? mean[t0 + t] : 0.0)) : 0.0f;
          K.sgemmTile(s.a.data(), packed.data(), kc, panels, s.c.data(), NC);
          for (int r = 0; r < nr; ++r) {
            float* o = out + (r0 + r) * cols + j0;
            const float* c = s.c.data() + static_cast<size_t>(r) * NC;
            for (int j = 0; j < nc; ++j) o[j] += c[j];
          }
        }
      });
    }
  }
}

}  // namespace earshot
