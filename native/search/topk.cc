#include "search/topk.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

// scoreRows is compiled twice on x86-64 (AVX2+FMA and baseline) and chosen by the loader; the two
// clones round differently (FMA), so scores are deterministic per machine, not across machines.
#include "runtime/multiversion.h"
#include "runtime/simd.h"
#include "runtime/thread_pool.h"

namespace earshot {

void TopK::push(Hit h) {
  // Sift up: a parent must rank after (be worse than) its children.
  heap_.push_back(h);
  size_t i = heap_.size() - 1;
  while (i > 0) {
    const size_t p = (i - 1) / 2;
    if (!ranksBefore(heap_[p], heap_[i])) break;
    std::swap(heap_[p], heap_[i]);
    i = p;
  }
}

void TopK::replaceRoot(Hit h) {
  const size_t n = heap_.size();
  size_t i = 0;
  for (;;) {
    const size_t l = 2 * i + 1, r = l + 1;
    if (l >= n) break;
    size_t worst = l;
    if (r < n && ranksBefore(heap_[l], heap_[r])) worst = r;
    if (!ranksBefore(h, heap_[worst])) break;
    heap_[i] = heap_[worst];
    i = worst;
  }
  heap_[i] = h;
}

void TopK::drainSorted(std::vector<Hit>& out) {
  out.assign(heap_.begin(), heap_.end());
  std::sort(out.begin(), out.end(), ranksBefore);
  heap_.clear();
}

std::vector<float> packQueries(const float* q, int nq, int f) {
  const int fp = paddedFactors(f);
  std::vector<float> packed(static_cast<size_t>(nq) * fp, 0.0f);
  for (int j = 0; j < nq; ++j) std::memcpy(packed.data() + static_cast<size_t>(j) * fp, q + static_cast<size_t>(j) * f, sizeof(float) * f);
  return packed;
}

// Lanes added in a fixed order, the same in both clones' source.
static inline float laneSum(f32x8 v) { return ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7])); }

EARSHOT_MULTIVERSION void scoreRows(const float* Y, size_t avail, int f, size_t first, int count, const float* Qpacked,
                                    int nq, const float* scale, float* out, int ldOut) {
  const int fp = paddedFactors(f);
  float tail[kTopkMaxFactors];
  for (int r = 0; r < count; ++r) {
    const size_t id = first + r;
    const float* y = Y + id * f;
    if (id * f + fp > avail) {  // the array's last rows: no readable floats past them
      std::memcpy(tail, y, sizeof(float) * f);
      std::memset(tail + f, 0, sizeof(float) * (fp - f));
      y = tail;
    }
    const float s = scale ? scale[id] : 1.0f;
    int j = 0;
    // Four queries per pass over the row: one load of the row's chunk feeds four accumulators.
    for (; j + 4 <= nq; j += 4) {
      const float* q0 = Qpacked + static_cast<size_t>(j) * fp;
      const float *q1 = q0 + fp, *q2 = q1 + fp, *q3 = q2 + fp;
      f32x8 a0 = splat8(0), a1 = splat8(0), a2 = splat8(0), a3 = splat8(0);
      for (int c = 0; c < fp; c += kTopkLanes) {
        const f32x8 v = load8(y + c);
        a0 += v * load8(q0 + c);
        a1 += v * load8(q1 + c);
        a2 += v * load8(q2 + c);
        a3 += v * load8(q3 + c);
      }
      out[static_cast<size_t>(j) * ldOut + r] = laneSum(a0) * s;
      out[static_cast<size_t>(j + 1) * ldOut + r] = laneSum(a1) * s;
      out[static_cast<size_t>(j + 2) * ldOut + r] = laneSum(a2) * s;
      out[static_cast<size_t>(j + 3) * ldOut + r] = laneSum(a3) * s;
    }
    for (; j < nq; ++j) {  // the same operations per query as above, so the same rounding
      const float* q0 = Qpacked + static_cast<size_t>(j) * fp;
      f32x8 a0 = splat8(0);
      for (int c = 0; c < fp; c += kTopkLanes) {
        const f32x8 v = load8(y + c);
        a0 += v * load8(q0 + c);
      }
      out[static_cast<size_t>(j) * ldOut + r] = laneSum(a0) * s;
    }
  }
}

void mergeHits(std::vector<Hit>& all, int k, Hit* out) {
  const size_t keep = std::min(all.size(), static_cast<size_t>(k));
  std::partial_sort(all.begin(), all.begin() + keep, all.end(), ranksBefore);
  std::copy(all.begin(), all.begin() + keep, out);
}

void exactTopK(const float* Y, size_t avail, size_t n, int f, const float* Qpacked, int nq, int k, const float* scale,
               int threads, Hit* out) {
  if (f > kTopkMaxFactors) throw std::range_error("at most 4096 factors");
  const size_t blocks = (n + kTopkBlock - 1) / kTopkBlock;
  if (blocks > 2147483647u) throw std::range_error("too many items");
  // Threads only pay off past ~4 M multiply-adds (a thread start costs ~50 µs).
  const double work = static_cast<double>(n) * nq * f;
  const int t = work < 4e6 ? 1 : std::max(1, std::min<int>(threads, static_cast<int>(blocks)));
  struct State {
    std::vector<TopK> sel;
    std::vector<float> scores;
  };
  std::vector<State> state(t);
  for (State& s : state) {
    s.sel.resize(nq);
    for (TopK& h : s.sel) h.reset(k);
    s.scores.resize(static_cast<size_t>(nq) * kTopkBlock);
  }
  // Chunks of 16 blocks (4,096 rows) handed out dynamically.
  parallelFor(t, static_cast<int>(blocks), 16, [&](int b0, int b1, int tid) {
    State& s = state[tid];
    for (int b = b0; b < b1; ++b) {
      const size_t r0 = static_cast<size_t>(b) * kTopkBlock;
      const int count = static_cast<int>(std::min<size_t>(kTopkBlock, n - r0));
      scoreRows(Y, avail, f, r0, count, Qpacked, nq, scale, s.scores.data(), kTopkBlock);
      for (int j = 0; j < nq; ++j) {
        const float* sc = s.scores.data() + static_cast<size_t>(j) * kTopkBlock;
        TopK& h = s.sel[j];
        for (int r = 0; r < count; ++r) h.offer(sc[r], static_cast<int32_t>(r0 + r));
      }
    }
  });
  std::vector<Hit> all;
  for (int j = 0; j < nq; ++j) {
    all.clear();
    for (State& s : state) all.insert(all.end(), s.sel[j].hits().begin(), s.sel[j].hits().end());
    mergeHits(all, k, out + static_cast<size_t>(j) * k);
  }
}

}  // namespace earshot
