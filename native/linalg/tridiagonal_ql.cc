#include "linalg/tridiagonal_ql.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "runtime/multiversion.h"

namespace earshot {

namespace {

// Columns per block: 32 doubles = 256 B of each row. Measured at n = 2,000–4,000 (one core): applying
// two sweeps per pass of the rows is ≈ 10 % faster than one, and 4–16-sweep wavefronts with the carries
// in L1 were slower (their bookkeeping costs more than the row traffic they save); 16- and 64-column
// blocks were no better.
constexpr int kBlockCols = 32;
constexpr size_t kMaxRecorded = size_t(1) << 18;  // rotations buffered before they are applied (4 MB)

// The rotations of QL sweeps, in order. Sweep q rotates the row pairs (top, top+1), (top-1, top), ...
// (count pairs, going up); rotation j of the sweep has cosine c[begin + j] and sine s[begin + j].
struct Rotations {
  struct Sweep { int top; int count; size_t begin; };
  std::vector<Sweep> sweeps;
  std::vector<double> c, s;
};

// One sweep's progress over a block of W columns. Rotation i maps (z_i, z_i+1) to
// (c z_i − s z_i+1, s z_i + c z_i+1), and its new z_i is the next rotation's z_i+1: that row is carried
// in registers, so a rotation loads one row and stores one.
struct SweepCursor {
  static constexpr int W = kBlockCols;
  double carry[W];
  int next, done, count;
  const double *c, *s;
  double* base;  // zt + k0
  int n;
  void start(const Rotations& r, const Rotations::Sweep& sw, double* b, int stride) {
    next = sw.top; done = 0; count = sw.count; c = r.c.data() + sw.begin; s = r.s.data() + sw.begin; base = b; n = stride;
    const double* below = base + static_cast<size_t>(next + 1) * n;
#pragma omp simd
    for (int k = 0; k < W; ++k) carry[k] = below[k];
  }
  bool finished() const { return done == count; }
  void step() {
    double* row = base + static_cast<size_t>(next) * n;
    double* below = row + n;
    const double cj = c[done], sj = s[done];
#pragma omp simd
    for (int k = 0; k < W; ++k) {
      const double z = row[k];
      below[k] = sj * z + cj * carry[k];
      carry[k] = cj * z - sj * carry[k];
    }
    --next;
    if (++done == count)
#pragma omp simd
      for (int k = 0; k < W; ++k) row[k] = carry[k];
  }
};

// Applies every recorded sweep to columns [k0, k0 + W) of zt. Sweeps go two at a time: the second
// follows the first two rows behind (it may rotate rows i, i+1 once the first has stored them, i.e.
// is past rotation i−1), so each row is fetched from L2 once per two sweeps.
EARSHOT_MULTIVERSION void rotateBlock(double* zt, int n, const Rotations& r, int k0) {
  SweepCursor a, b;
  const size_t sweeps = r.sweeps.size();
  size_t q = 0;
  for (; q + 1 < sweeps; q += 2) {
    a.start(r, r.sweeps[q], zt + k0, n);
    const int topB = r.sweeps[q + 1].top;
    while (!a.finished() && a.next > topB - 2) a.step();
    b.start(r, r.sweeps[q + 1], zt + k0, n);  // rows topB, topB + 1 are final for sweep q now
    while (!a.finished() && !b.finished()) { a.step(); b.step(); }
    while (!a.finished()) a.step();
    while (!b.finished()) b.step();
  }
  if (q < sweeps) {
    a.start(r, r.sweeps[q], zt + k0, n);
    while (!a.finished()) a.step();
  }
}

// The narrower last block, one sweep at a time (plain loops).
void rotateNarrow(double* zt, int n, const Rotations& r, int k0, int width) {
  double carry[kBlockCols];
  for (const Rotations::Sweep& sw : r.sweeps) {
    const double* cs = r.c.data() + sw.begin;
    const double* sn = r.s.data() + sw.begin;
    double* below = zt + static_cast<size_t>(sw.top + 1) * n + k0;
    for (int k = 0; k < width; ++k) carry[k] = below[k];
    for (int j = 0; j < sw.count; ++j) {
      double* row = below - n;
      for (int k = 0; k < width; ++k) {
        const double z = row[k];
        below[k] = sn[j] * z + cs[j] * carry[k];
        carry[k] = cs[j] * z - sn[j] * carry[k];
      }
      below = row;
    }
    for (int k = 0; k < width; ++k) below[k] = carry[k];
  }
}

void flush(double* zt, int n, Rotations& r, WorkerTeam& team) {
  if (r.sweeps.empty()) return;
  const int blocks = (n + kBlockCols - 1) / kBlockCols;
  team.parallelFor(blocks, 1, [&](int b, int e, int) {
    for (int blk = b; blk < e; ++blk) {
      const int k0 = blk * kBlockCols;
      if (n - k0 >= kBlockCols) rotateBlock(zt, n, r, k0);
      else rotateNarrow(zt, n, r, k0, n - k0);
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
