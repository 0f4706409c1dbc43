#include "tridiagonal_ql.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define EARSHOT_MULTIVERSION __attribute__((target_clones("arch=haswell", "default")))
#else
#define EARSHOT_MULTIVERSION
#endif

namespace earshot {

namespace {

// Columns per block: 64 doubles = 512 B of each row.
constexpr int kBlockCols = 64;
// Sweeps applied together as a wavefront: with G sweeps marching up the rows two rows apart, the rows
// in flight (2G x 512 B) stay in L1 and each row comes from L2/memory once per G sweeps, not per sweep.
constexpr int kWave = 8;
constexpr size_t kMaxRecorded = size_t(1) << 18;  // rotations buffered before they are applied (4 MB)

// The rotations of QL sweeps, in order. Sweep q rotates the row pairs (top, top+1), (top-1, top), ...
// (count pairs, going up); rotation j of the sweep has cosine c[begin + j] and sine s[begin + j].
struct Rotations {
  struct Sweep { int top; int count; size_t begin; };
  std::vector<Sweep> sweeps;
  std::vector<double> c, s;
};

// Applies every recorded sweep to columns [k0, k0 + width) of zt, width <= W. Rotation i of a sweep maps
// (z_i, z_i+1) to (c z_i − s z_i+1, s z_i + c z_i+1), and its new z_i is the sweep's next rotation's
// z_i+1: that row is carried (in L1), so a rotation loads one row and stores one. Sweep g+1 may rotate
// rows (i, i+1) once sweep g has stored them, i.e. once sweep g is past rotation i−1 (or done).
template <int W>
EARSHOT_MULTIVERSION void rotateBlock(double* zt, int n, const Rotations& r, int k0, int width) {
  alignas(64) double carry[kWave][W];
  int next[kWave], done[kWave];
  const size_t sweeps = r.sweeps.size();
  for (size_t g0 = 0; g0 < sweeps; g0 += kWave) {
    const int g = static_cast<int>(std::min<size_t>(kWave, sweeps - g0));
    const Rotations::Sweep* sw = r.sweeps.data() + g0;
    for (int q = 0; q < g; ++q) { next[q] = sw[q].top; done[q] = 0; }
    int active = g;
    while (active > 0) {
      for (int q = 0; q < g; ++q) {
        const Rotations::Sweep& w = sw[q];
        if (done[q] == w.count) continue;
        const int i = next[q];
        if (q > 0 && done[q - 1] < sw[q - 1].count && next[q - 1] > i - 2) continue;  // rows not stored yet
        double* row = zt + static_cast<size_t>(i) * n + k0;
        double* below = row + n;
        double* cq = carry[q];
        if (done[q] == 0)
          for (int k = 0; k < width; ++k) cq[k] = below[k];
        const double c = r.c[w.begin + done[q]], s = r.s[w.begin + done[q]];
        if (width == W) {
#pragma omp simd
          for (int k = 0; k < W; ++k) {
            const double z = row[k];
            below[k] = s * z + c * cq[k];
            cq[k] = c * z - s * cq[k];
          }
        } else {
          for (int k = 0; k < width; ++k) {
            const double z = row[k];
            below[k] = s * z + c * cq[k];
            cq[k] = c * z - s * cq[k];
          }
        }
        --next[q];
        if (++done[q] == w.count) {  // the sweep's last row leaves the carry
          for (int k = 0; k < width; ++k) row[k] = cq[k];
          --active;
        }
      }
    }
  }
}

void flush(double* zt, int n, Rotations& r, WorkerTeam& team) {
  if (r.sweeps.empty()) return;
  const int blocks = (n + kBlockCols - 1) / kBlockCols;
  team.parallelFor(blocks, 1, [&](int b, int e, int) {
    for (int blk = b; blk < e; ++blk) {
      const int k0 = blk * kBlockCols;
      rotateBlock<kBlockCols>(zt, n, r, k0, std::min(kBlockCols, n - k0));
    }
  });
  r.sweeps.clear();
  r.c.clear();
  r.s.clear();
}

}  // namespace

void tridiagonalQl(Tridiagonal& t, double* zt, WorkerTeam& team) {
  const int n = t.n;
  std::vector<double>& d = t.diag;
  std::vector<double>& e = t.off;
  if (n > 0) e[n - 1] = 0.0;
  Rotations rot;
  rot.c.reserve(kMaxRecorded);
  rot.s.reserve(kMaxRecorded);
  const double eps = std::numeric_limits<double>::epsilon();
  double f = 0.0, tst1 = 0.0;
  for (int l = 0; l < n; ++l) {
    // Find a negligible off-diagonal element (relative to the largest |d| + |e| seen so far).
    tst1 = std::max(tst1, std::fabs(d[l]) + std::fabs(e[l]));
    int m = l;
    while (m < n - 1 && std::fabs(e[m]) > eps * tst1) ++m;
    if (m > l) {
      int iter = 0;
      do {
        if (++iter > 60) throw std::runtime_error("symmetric eigensolver: QL did not converge (60 sweeps for one eigenvalue)");
        // Implicit shift from the leading 2 x 2 block.
        double g = d[l];
        double p = (d[l + 1] - g) / (2.0 * e[l]);
        double r = std::hypot(p, 1.0);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const double dl1 = d[l + 1];
        double h = g - d[l];
        for (int i = l + 2; i < n; ++i) d[i] -= h;
        f += h;
        // One QL sweep from m-1 up to l; each plane rotation is recorded for the eigenvectors.
        p = d[m];
        double c = 1.0, c2 = 1.0, c3 = 1.0, s = 0.0, s2 = 0.0;
        const double el1 = e[l + 1];
        if (rot.c.size() + static_cast<size_t>(m - l) > kMaxRecorded) flush(zt, n, rot, team);
        rot.sweeps.push_back({m - 1, m - l, rot.c.size()});
        for (int i = m - 1; i >= l; --i) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = std::hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          rot.c.push_back(c);
          rot.s.push_back(s);
        }
        p = -s * s2 * c3 * el1 * e[l] / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (std::fabs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0.0;
  }
  flush(zt, n, rot, team);
}

}  // namespace earshot
