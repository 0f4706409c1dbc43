// k-means++ seeding with exact pruning. Each row remembers its nearest centre so far (label) and D²; a
// new centre c can only be closer to a row x if ‖c − c(x)‖² < 4 D²(x) (triangle inequality), so a whole
// cluster is skipped when ‖c − c_j‖² >= 4 max D² over its rows, and the rest row by row. With k = 4,000
// most clusters are skipped at every step, which turns the O(n k d) of the textbook loop into roughly
// O(k² d) centre-to-centre distances plus the few rows near each new centre.
#include <algorithm>
#include <cstring>
#include <vector>

#include "cluster/kmeans.h"

// Distances here only rank and weight rows, they are not compared with a reference: the vectorised
// sum (its order fixed per instruction set) replaces exactDist2's sequential one, which is latency-bound.
#include "runtime/multiversion.h"

namespace earshot {

namespace {

EARSHOT_MULTIVERSION double dist2(const float* x, const float* c, int d) {
  double s = 0.0;
#pragma omp simd reduction(+ : s)
  for (int t = 0; t < d; ++t) {
    const double u = static_cast<double>(x[t]) - static_cast<double>(c[t]);
    s += u * u;
  }
  return s;
}

// splitmix64 (Steele, Lea & Flood 2014): a seeded stream whose output is fully specified, unlike the
// distributions of <random>, so seeds give the same centres on every platform.
struct SplitMix64 {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  size_t below(size_t n) { return static_cast<size_t>(uniform() * static_cast<double>(n)); }
};

class Seeder {
 public:
  Seeder(const float* x, size_t n, int d, int k, float* centres, WorkerTeam& team)
      : x_(x), n_(n), d_(d), centres_(centres), team_(team), d2_(n), label_(n, 0), members_(k), maxD2_(k, 0.0),
        moved_(k), near_(team.size()), gain_(k, 0.0), cc_(k, 0.0), blockSum_((n + kBlock - 1) / kBlock, 0.0), dirty_(blockSum_.size(), 0) {}

  void first(size_t row) {
    std::memcpy(centres_, x_ + row * d_, sizeof(float) * d_);
    const int blocks = static_cast<int>(blockSum_.size());
    team_.parallelFor(blocks, 1, [&](int b, int e, int) {
      for (int j = b; j < e; ++j)
        for (size_t i = j * kBlock; i < std::min(n_, (j + 1) * kBlock); ++i) d2_[i] = dist2(x_ + i * d_, centres_, d_);
    });
    members_[0].resize(n_);
    for (size_t i = 0; i < n_; ++i) members_[0][i] = static_cast<int32_t>(i);
    maxD2_[0] = *std::max_element(d2_.begin(), d2_.end());
    std::fill(dirty_.begin(), dirty_.end(), 1);
    resum();
    count_ = 1;
  }

  // A row drawn with probability D²(x) / Σ D² (uniform when every row already is a centre).
  size_t draw(SplitMix64& rng) {
    if (!(total_ > 0.0)) return rng.below(n_);
    const double target = rng.uniform() * total_;
    double acc = 0.0;
    for (size_t b = 0; b < blockSum_.size(); ++b) {
      if (acc + blockSum_[b] <= target) { acc += blockSum_[b]; continue; }
      for (size_t i = b * kBlock; i < std::min(n_, (b + 1) * kBlock); ++i) {
        acc += d2_[i];
        if (acc > target && d2_[i] > 0.0) return i;
      }
    }
    for (size_t i = n_; i-- > 0;)  // rounding pushed the target past the end: the last eligible row
      if (d2_[i] > 0.0) return i;
    return 0;
  }

  // Σ D² that would remain with row `cand` as the next centre; with `apply`, makes it one.
  double consider(size_t cand, bool apply) {
    const float* c = x_ + cand * d_;
    const int m = count_;
    team_.parallelFor(m, 256, [&](int b, int e, int) {
      for (int j = b; j < e; ++j) cc_[j] = dist2(c, centres_ + static_cast<size_t>(j) * d_, d_);
    });
    team_.parallelFor(m, 8, [&](int b, int e, int t) {
      for (int j = b; j < e; ++j) gain_[j] = scanCluster(j, c, apply, near_[t]);
    });
    double gain = 0.0;
    for (int j = 0; j < m; ++j) gain += gain_[j];
    if (apply) adopt(c);
    return total_ - gain;
  }

  int count() const { return count_; }

 private:
  static constexpr size_t kBlock = 64;  // rows per partial sum of D² (the sampling index)
  static constexpr size_t kAhead = 8;   // rows prefetched ahead

  double scanCluster(int j, const float* c, bool apply, std::vector<int32_t>& near) {
    const double bound = cc_[j];
    if (bound >= 4.0 * maxD2_[j]) return 0.0;
    // The rows the triangle inequality cannot rule out, then their distances. Members are scattered
    // over the data, so each row is a cache miss: prefetching a few rows ahead overlaps the misses.
    near.clear();
    for (int32_t i : members_[j])
      if (bound < 4.0 * d2_[i]) near.push_back(i);
    const size_t rowBytes = sizeof(float) * d_;
    double g = 0.0;
    for (size_t q = 0; q < near.size(); ++q) {
      if (q + kAhead < near.size()) {
        const char* p = reinterpret_cast<const char*>(x_ + static_cast<size_t>(near[q + kAhead]) * d_);
        for (size_t b = 0; b < rowBytes; b += 64) __builtin_prefetch(p + b);
      }
      const int32_t i = near[q];
      const double dn = dist2(x_ + static_cast<size_t>(i) * d_, c, d_);
      if (!(dn < d2_[i])) continue;
      g += d2_[i] - dn;
      if (apply) { d2_[i] = dn; label_[i] = count_; moved_[j].push_back(i); }
    }
    if (apply && !moved_[j].empty()) {
      auto& mem = members_[j];
      mem.erase(std::remove_if(mem.begin(), mem.end(), [&](int32_t i) { return label_[i] != j; }), mem.end());
      double mx = 0.0;
      for (int32_t i : mem) mx = std::max(mx, d2_[i]);
      maxD2_[j] = mx;
    }
    return g;
  }

  void adopt(const float* c) {
    const int s = count_++;
    std::memcpy(centres_ + static_cast<size_t>(s) * d_, c, sizeof(float) * d_);
    auto& mem = members_[s];
    double mx = 0.0;
    for (int j = 0; j < s; ++j) {
      for (int32_t i : moved_[j]) {
        mem.push_back(i);
        mx = std::max(mx, d2_[i]);
        dirty_[i / kBlock] = 1;
      }
      moved_[j].clear();
    }
    maxD2_[s] = mx;
    resum();
  }

  // Block sums are recomputed from D² in row order (never updated incrementally), so they are the
  // same whatever happened before: no drift, no dependence on the schedule.
  void resum() {
    total_ = 0.0;
    for (size_t b = 0; b < blockSum_.size(); ++b) {
      if (dirty_[b]) {
        double s = 0.0;
        for (size_t i = b * kBlock; i < std::min(n_, (b + 1) * kBlock); ++i) s += d2_[i];
        blockSum_[b] = s;
        dirty_[b] = 0;
      }
      total_ += blockSum_[b];
    }
  }

  const float* x_;
  size_t n_;
  int d_;
  float* centres_;
  WorkerTeam& team_;
  std::vector<double> d2_;
  std::vector<int32_t> label_;
  std::vector<std::vector<int32_t>> members_;
  std::vector<double> maxD2_;
  std::vector<std::vector<int32_t>> moved_;
  std::vector<std::vector<int32_t>> near_;  // per thread: rows of one cluster left to check
  std::vector<double> gain_, cc_, blockSum_;
  std::vector<char> dirty_;
  double total_ = 0.0;
  int count_ = 0;
};

}  // namespace

void kmeansPlusPlus(const float* x, size_t n, int d, int k, uint64_t seed, int candidates, WorkerTeam& team,
                    float* centroids) {
  SplitMix64 rng{seed};
  Seeder s(x, n, d, k, centroids, team);
  s.first(rng.below(n));
  std::vector<size_t> drawn(std::max(1, candidates));
  while (s.count() < k) {
    for (auto& r : drawn) r = s.draw(rng);
    size_t best = drawn[0];
    if (drawn.size() > 1) {
      double bestPot = s.consider(drawn[0], false);
      for (size_t c = 1; c < drawn.size(); ++c) {
        const double pot = s.consider(drawn[c], false);
        if (pot < bestPot) { bestPot = pot; best = drawn[c]; }
      }
    }
    s.consider(best, true);
  }
}

}  // namespace earshot
