// N-API surface of the listener fold-in with a cached Gram matrix (src/catalog/fold-in.ts); registered
// by addon.cc, declared in src/native/addon.ts.
#pragma once
#include <napi.h>

namespace earshot {

// Adds to exports:
//   alsSolveRowsAsync(indptr Int32Array rows+1, indices Int32Array, confidence Float32Array, Y Float32Array cols*f,
//                     f, lambda, gram Float64Array f*f, threads) -> Promise<Float32Array rows*f>
// Each row is the exact ALS solve (als_solver.h's solveRowExact) against fixed Y, with gram = YᵀY given
// by the caller instead of recomputed: alsSweepAsync rebuilds it on every call, O(cols f²).
void InitFoldIn(Napi::Env env, Napi::Object exports);

}  // namespace earshot
