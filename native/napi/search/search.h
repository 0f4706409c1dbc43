// N-API surface of the catalogue search (topk.h, ivf_index.h); registered by addon.cc, declared in
// src/dsp/native.ts. Every call is synchronous: one exact query over 1 M items x 50 factors is ~5 ms,
// one IVF query well under 1 ms, and the exact search reads the caller's (Catalog's) factors.
#pragma once
#include <napi.h>

namespace earshot {

// Adds to exports:
//   catalogTopK(Y Float32Array >= n*f, n, f, queries Float32Array nq*f, nq, k 1..n, scale Float32Array >= n | null, threads)
//     -> { indices: Int32Array nq*k, scores: Float32Array nq*k }   per query best first
//   new IvfIndex(centroids Float32Array nlist*f, nlist, f, labels Int32Array n, Y Float32Array >= n*f, scale Float32Array >= n)
//     rows 0..n-1 of Y indexed (copied with their scale, e.g. 1/‖y‖)
//     .add(Y, scale, end) -> Int32Array                            lists of rows [rows, end), appended
//     .search(queries, nq, k, nprobe, scaled boolean, centroidScale | null, threads) -> as catalogTopK
//       (index -1, score -Infinity past the items the visited lists hold)
//     .listSizes() -> Int32Array nlist;  .rows, .lists (read-only)
void InitCatalog(Napi::Env env, Napi::Object exports);

}  // namespace earshot
