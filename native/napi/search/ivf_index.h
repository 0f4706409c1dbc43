// N-API surface of the inverted-file index (search/ivf_index.h); registered by addon.cc, declared in
// src/native/addon.ts. Synchronous: one IVF query is well under 1 ms.
#pragma once
#include <napi.h>

namespace earshot {

// Adds to exports:
//   new IvfIndex(centroids Float32Array nlist*f, nlist, f, labels Int32Array n, Y Float32Array >= n*f, scale Float32Array >= n)
//     rows 0..n-1 of Y indexed (copied with their scale, e.g. 1/‖y‖)
//     .add(Y, scale, end) -> Int32Array                            lists of rows [rows, end), appended
//     .search(queries, nq, k, nprobe, scaled boolean, centroidScale | null, threads)
//       -> { indices: Int32Array nq*k, scores: Float32Array nq*k }   per query best first
//       (index -1, score -Infinity past the items the visited lists hold)
//     .listSizes() -> Int32Array nlist;  .rows, .lists (read-only)
//     .dispose()                                                   frees the lists now
void InitIvfIndex(Napi::Env env, Napi::Object exports);

}  // namespace earshot
