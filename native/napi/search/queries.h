// Arguments and results shared by the catalogue searches (napi/search/topk.cc, ivf_index.cc): the
// query block going in, the per-query hits coming out, optional per-row scales.
#pragma once
#include <napi.h>

#include <vector>

#include "napi/args.h"
#include "search/topk.h"

namespace earshot {

struct Queries {
  std::vector<float> packed;  // packQueries' layout
  int nq = 0;
};

// queries Float32Array nq*f at info[i], nq at info[i + 1]: finite, packed for the kernel.
inline Queries readQueries(const Napi::CallbackInfo& info, size_t i, int f) {
  auto q = arrayArg<float>(info[i], "queries");
  const int nq = intArg(info[i + 1], "nq", 1, 1 << 20);
  requireLength(q.ElementLength(), static_cast<size_t>(nq) * f, "queries", "nq x f");
  checkFinite(q.Data(), q.ElementLength(), "queries");
  return {packQueries(q.Data(), nq, f), nq};
}

// Optional per-row multiplier (Float32Array or null) covering at least `rows` rows; nullptr if absent.
inline const float* optionalScale(const Napi::Value& v, size_t rows, const char* name) {
  Napi::Float32Array s = optionalArrayArg<float>(v, name);
  if (s.IsEmpty()) return nullptr;
  requireAtLeast(s.ElementLength(), rows, name);
  return s.Data();
}

// nq x k hits, query-major -> { indices: Int32Array, scores: Float32Array }.
inline Napi::Object hitsToJs(Napi::Env env, const std::vector<Hit>& hits) {
  auto indices = Napi::Int32Array::New(env, hits.size());
  auto scores = Napi::Float32Array::New(env, hits.size());
  for (size_t t = 0; t < hits.size(); ++t) {
    indices.Data()[t] = hits[t].index;
    scores.Data()[t] = hits[t].score;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("indices", indices);
  o.Set("scores", scores);
  return o;
}

}  // namespace earshot
