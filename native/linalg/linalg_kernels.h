// Dense linear-algebra micro-kernels for the bag-of-words baseline (k-means scores, PCA products)
// and the ALS row solver, one table per instruction set (linalg_kernels.inc compiled twice, as the DSP kernels are).
// Operands are packed by the callers (kmeans.cc, cross_product.cc, project.cc) so that the
// kernels read contiguous memory and never allocate.
#pragma once
#include <cstdint>

namespace earshot {

// Float GEMM register tile: 6 rows of A against 16 columns of B at a time.
constexpr int kSgemmRows = 6;
constexpr int kSgemmCols = 16;
// Double tile for the cross products (AᵀA): 4 x 8.
constexpr int kDgemmRows = 4;
constexpr int kDgemmCols = 8;

struct LinalgKernels {
  const char* isa;
  // C[r][j] = sum_t a[t*6 + r] * b[q*16*depth + t*16 + j%16] for r < 6, j < 16*panels (q = j / 16).
  // `a` holds 6 rows interleaved by depth index; `b` holds `panels` panels of 16 columns. C row r starts
  // at c + r*ldc (overwritten, not accumulated).
  void (*sgemmTile)(const float* a, const float* b, int depth, int panels, float* c, int ldc);
  // Over s[0..n) (n a multiple of 8): *best = the minimum, returns the first index attaining it, and
  // *within = how many entries are <= *best + tau (>= 1).
  int (*argminWithin)(const float* s, int n, float tau, float* best, int* within);
  // tile[r][j] = sum_t a[t*lda + r] * b[t*8 + j] for r < 4, j < 8 (overwritten).
  void (*dgemmTile)(const double* a, int lda, const double* b, int depth, double* tile);
  // Implicit-ALS conjugate gradient on one row, float32 (als_cg.h): `steps` iterations on
  // (G + sum_j (c_j - 1) y_j y_jᵀ) x = sum_j c_j y_j, y_j = Y + cols[j] * stride, warm-started from x
  // (overwritten). stride is a multiple of 8; G (stride x stride, + lambda I) and every row are zero
  // padded past F.
  void (*alsCgRow)(const int32_t* cols, const float* conf, int n, const float* Y, const float* G, int stride, int steps, float* x);
  // G[a * fv + b] += sum_{i < n} Y[i * stride + a] * Y[i * stride + b] for a <= b < f (upper triangle,
  // double), fv = f rounded up to a multiple of 4; f <= 1024.
  void (*gramAccumulate)(const float* Y, int n, int f, int stride, double* G);
};

namespace linalg_generic { extern const LinalgKernels table; }
#ifdef EARSHOT_HAVE_AVX2_KERNELS
namespace linalg_avx2 { extern const LinalgKernels table; }
#endif

// The AVX2+FMA table when the DSP dispatcher runs AVX2 (so EARSHOT_SIMD=generic and kernels('generic')
// switch these too), the baseline table otherwise.
const LinalgKernels& activeLinalgKernels();

}  // namespace earshot
