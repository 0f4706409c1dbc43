#include "search/ivf_index.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include "runtime/thread_pool.h"

namespace earshot {

IvfIndex::IvfIndex(const float* centroids, int nlist, int f)
    : nlist_(nlist), f_(f), centroids_(centroids, centroids + static_cast<size_t>(nlist) * f), lists_(nlist) {
  if (f > kTopkMaxFactors) throw std::range_error("at most 4096 factors");
  nearest_ = std::make_unique<NearestCentroid>(centroids_.data(), nlist, f);
}

void IvfIndex::append(const float* Y, const float* scale, const int32_t* labels, size_t count) {
  for (size_t i = 0; i < count; ++i)
    if (labels[i] < 0 || labels[i] >= nlist_)
      throw std::range_error("labels[" + std::to_string(i) + "] = " + std::to_string(labels[i]) + " is outside 0.." + std::to_string(nlist_ - 1));
  for (size_t i = 0; i < count; ++i) {
    const size_t row = rows_ + i;
    List& l = lists_[labels[i]];
    l.ids.push_back(static_cast<int32_t>(row));
    l.rows.insert(l.rows.end(), Y + row * f_, Y + (row + 1) * f_);
    l.scale.push_back(scale[row]);
  }
  rows_ += count;
}

void IvfIndex::addRows(const float* Y, const float* scale, size_t end, int32_t* labels) {
  if (end <= rows_) return;
  std::vector<int32_t> own;
  if (!labels) { own.resize(end - rows_); labels = own.data(); }
  // assignRows indexes rows from its x: start x at row rows_ so that labels[0] is that row's.
  NearestCentroid::Scratch scratch;
  nearest_->assignRows(Y + rows_ * f_, 0, end - rows_, nullptr, labels, nullptr, scratch);
  append(Y, scale, labels, end - rows_);
}

void IvfIndex::search(const float* Qpacked, int nq, int k, int nprobe, bool scaled, const float* centroidScale, int threads,
                      Hit* out) const {
  const int fp = paddedFactors(f_);
  // Probe scores of all queries at once (nq x nlist): the centroids are scanned like items.
  std::vector<float> probe(static_cast<size_t>(nq) * nlist_);
  scoreRows(centroids_.data(), centroids_.size(), f_, 0, nlist_, Qpacked, nq, centroidScale, probe.data(), nlist_);
  const int t = std::max(1, std::min(threads, nq));
  struct State {
    std::vector<int32_t> order;
    std::vector<float> scores;
    TopK sel;
    std::vector<Hit> best;
  };
  std::vector<State> state(t);
  parallelFor(t, nq, 1, [&](int q0, int q1, int tid) {
    State& s = state[tid];
    s.order.resize(nlist_);
    s.scores.resize(kTopkBlock);
    for (int j = q0; j < q1; ++j) {
      const float* ps = probe.data() + static_cast<size_t>(j) * nlist_;
      // Lists in probe order (score descending, ties to the lower list), as a Hit order would rank them.
      std::iota(s.order.begin(), s.order.end(), 0);
      const auto before = [ps](int32_t a, int32_t b) { return ranksBefore({ps[a], a}, {ps[b], b}); };
      const int firstCut = std::min(nlist_, std::max(nprobe, 1));
      std::partial_sort(s.order.begin(), s.order.begin() + firstCut, s.order.end(), before);
      s.sel.reset(k);
      size_t seen = 0;
      for (int p = 0; p < nlist_; ++p) {
        if (p >= nprobe && seen >= static_cast<size_t>(k)) break;
        if (p == firstCut) std::sort(s.order.begin() + firstCut, s.order.end(), before);  // rarely: too few items
        const List& l = lists_[s.order[p]];
        const size_t size = l.ids.size();
        for (size_t o = 0; o < size; o += kTopkBlock) {
          const int count = static_cast<int>(std::min<size_t>(kTopkBlock, size - o));
          scoreRows(l.rows.data(), l.rows.size(), f_, o, count, Qpacked + static_cast<size_t>(j) * fp, 1, nullptr,
                    s.scores.data(), kTopkBlock);
          // The same single rounding as scoreRows' own scaling: equal to the exact search's score.
          if (scaled)
            for (int r = 0; r < count; ++r) s.sel.offer(s.scores[r] * l.scale[o + r], l.ids[o + r]);
          else
            for (int r = 0; r < count; ++r) s.sel.offer(s.scores[r], l.ids[o + r]);
        }
        seen += size;
      }
      s.sel.drainSorted(s.best);
      Hit* o = out + static_cast<size_t>(j) * k;
      for (int r = 0; r < k; ++r) o[r] = r < static_cast<int>(s.best.size()) ? s.best[r] : Hit{-std::numeric_limits<float>::infinity(), -1};
    }
  });
}

}  // namespace earshot
