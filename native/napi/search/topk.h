// N-API surface of the exact catalogue search (search/topk.h); registered by addon.cc, declared in
// src/native/addon.ts. Synchronous: one exact query over 1 M items x 50 factors is ~5 ms, and it reads
// the caller's (Catalog's) factors in place.
#pragma once
#include <napi.h>

namespace earshot {

// Adds to exports:
//   catalogTopK(Y Float32Array >= n*f, n, f, queries Float32Array nq*f, nq, k 1..n, scale Float32Array >= n | null, threads)
//     -> { indices: Int32Array nq*k, scores: Float32Array nq*k }   per query best first
void InitTopK(Napi::Env env, Napi::Object exports);

}  // namespace earshot
