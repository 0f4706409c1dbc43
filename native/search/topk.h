// Exact nearest songs by inner product for the catalogue (src/catalog/catalog.ts): float32 dot
// products of item rows against one or several queries, and a bounded selection per query.
//
// Order: score descending, ties to the lower item index. It is a total order and every item's score is
// computed by the same instructions wherever it is computed (exact scan, IVF list scan, any thread), so
// results do not depend on the thread count or on the order the items are visited, and an approximate
// search returns exactly the exact search's scores for the items it finds.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace earshot {

// Queries are packed zero-padded to a multiple of 8 floats (one AVX2 register per 8 factors).
constexpr int kTopkLanes = 8;
// Items scored per block before selection: 256 rows x 50 factors = 50 KiB of factors.
constexpr int kTopkBlock = 256;
// Longest factor vector (the stack copy of a row that ends the array is this long).
constexpr int kTopkMaxFactors = 4096;

inline int paddedFactors(int f) { return (f + kTopkLanes - 1) / kTopkLanes * kTopkLanes; }

struct Hit {
  float score;
  int32_t index;
};

// a ranks before b.
inline bool ranksBefore(const Hit& a, const Hit& b) { return a.score > b.score || (a.score == b.score && a.index < b.index); }

// The best k hits offered so far: a binary heap whose root is the worst kept hit.
class TopK {
 public:
  void reset(int k) { k_ = k; heap_.clear(); heap_.reserve(k); }
  void offer(float score, int32_t index) {
    if (static_cast<int>(heap_.size()) < k_) { push({score, index}); return; }
    const Hit& w = heap_[0];
    if (score > w.score || (score == w.score && index < w.index)) replaceRoot({score, index});
  }
  // Kept hits, best first (the heap is emptied).
  void drainSorted(std::vector<Hit>& out);
  const std::vector<Hit>& hits() const { return heap_; }

 private:
  void push(Hit h);
  void replaceRoot(Hit h);
  int k_ = 0;
  std::vector<Hit> heap_;
};

// Queries (nq x f, row-major) -> nq x paddedFactors(f), zero-padded.
std::vector<float> packQueries(const float* q, int nq, int f);

// out[j * ldOut + r] = (q_j · y_i) * (scale ? scale[i] : 1) for rows i = first + r, r < count, j < nq.
// Y (row-major, f per row) holds `avail` readable floats. A row is read as paddedFactors(f) floats (the
// queries' zero padding cancels what lies past f: the next row's values, which must be finite); a row
// that would read past `avail` is copied to a zero-padded buffer first. The scale is one float
// multiplication of the finished dot product, so a caller may apply it afterwards with the same result.
void scoreRows(const float* Y, size_t avail, int f, size_t first, int count, const float* Qpacked, int nq,
               const float* scale, float* out, int ldOut);

// The k best of items [0, n) for each of nq packed queries: out[j * k + t], best first (k <= n).
// Threads split the items; each keeps its own selection, merged at the end.
void exactTopK(const float* Y, size_t avail, size_t n, int f, const float* Qpacked, int nq, int k, const float* scale,
               int threads, Hit* out);

// Sorts the union of candidate lists and keeps the best k, best first.
void mergeHits(std::vector<Hit>& all, int k, Hit* out);

}  // namespace earshot
