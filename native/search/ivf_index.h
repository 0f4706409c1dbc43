// Inverted-file (IVF) index over the catalogue's factors, for catalogues too large to scan per query:
// k-means centroids (fitted by the caller with native/cluster/kmeans.h) and, per centroid, the item rows nearest
// to it in squared Euclidean distance (NearestCentroid: exact, ties to the lower centroid). A query scores
// the centroids (q·c, times centroidScale, e.g. 1/‖c‖ for cosine), visits the `nprobe` best lists (more
// while fewer than k items were seen) and scans them with topk.h's kernel, so every score it returns
// equals the exact search's for that item.
//
// Each list keeps its own copy of its rows' factors and scales, contiguous: scanning rows gathered from
// the catalogue by index measured 4-5x slower per row (a DRAM miss per row that prefetching does not
// hide), so the index costs (F + 2) x 4 bytes per item, as much memory as the factors themselves.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "cluster/nearest_centroid.h"
#include "search/topk.h"

namespace earshot {

class IvfIndex {
 public:
  // centroids: nlist x f, copied.
  IvfIndex(const float* centroids, int nlist, int f);

  // Appends rows [rows(), rows() + count) to the given lists (labels in 0..nlist-1, checked). Y and
  // scale are the whole catalogue's (n x f factors, n per-row scales, e.g. 1/‖y‖); only rows() .. are read.
  void append(const float* Y, const float* scale, const int32_t* labels, size_t count);
  // Assigns rows [rows(), end) of Y to their nearest centroid and appends them; writes their labels to
  // `labels` (end - rows() values) when it is not null.
  void addRows(const float* Y, const float* scale, size_t end, int32_t* labels);

  // The k best items of the visited lists for each of nq packed queries (topk.h's packQueries) by
  // q·y, times the row's scale when `scaled`: out[j * k + t], best first; slots past the items seen
  // hold index -1 and score -inf.
  void search(const float* Qpacked, int nq, int k, int nprobe, bool scaled, const float* centroidScale, int threads,
              Hit* out) const;

  size_t rows() const { return rows_; }
  int lists() const { return nlist_; }
  int factors() const { return f_; }
  size_t listSize(int j) const { return lists_[j].ids.size(); }

 private:
  int nlist_, f_;
  std::vector<float> centroids_;
  std::unique_ptr<NearestCentroid> nearest_;  // reads centroids_
  struct List {
    std::vector<int32_t> ids;  // catalogue rows, ascending
    std::vector<float> rows;   // their factors, ids.size() x f
    std::vector<float> scale;  // their scales
  };
  std::vector<List> lists_;
  size_t rows_ = 0;
};

}  // namespace earshot
