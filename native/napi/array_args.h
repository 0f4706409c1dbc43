// Argument unpacking shared by the k-means and PCA bindings: typed arrays of an exact type and length,
// optional arrays (null/undefined), finiteness of data, integer ranges beyond int32.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "napi/napi_util.h"

namespace earshot {

template <typename T>
T requireArray(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type type, const char* name, const char* typeName) {
  if (info.Length() <= i || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != type)
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a " + typeName);
  return info[i].As<T>();
}

inline bool isAbsent(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() <= i || info[i].IsNull() || info[i].IsUndefined();
}

inline void requireLength(Napi::Env env, size_t have, size_t want, const char* name, const std::string& shape) {
  if (have != want)
    throw Napi::RangeError::New(env, std::string(name) + " must hold " + shape + " = " + std::to_string(want) + " values, got " + std::to_string(have));
}

// Integer argument in [lo, hi] (doubles hold integers exactly up to 2^53).
inline double requireWhole(const Napi::CallbackInfo& info, size_t i, const char* name, double lo, double hi) {
  const double v = requireNumber(info, i, name);
  if (!(v >= lo && v <= hi) || v != std::floor(v))
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be an integer in " + std::to_string(static_cast<long long>(lo)) + ".." +
                                                std::to_string(static_cast<long long>(hi)) + ", got " + std::to_string(v));
  return v;
}

// NaN or ±Inf anywhere would poison every distance or product: refused with the first index. Throws
// std::range_error("ERR_NOT_FINITE: ..."), so it may run inside a PromiseWorker's Compute() (large
// arrays are checked there, off the event loop) as well as in a binding under EARSHOT_NAPI_TRY.
template <typename T>
void checkFinite(const T* x, size_t n, const char* name) {
  T acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};  // x - x is 0 for finite x, NaN otherwise; 8 independent sums
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += x[i + j] - x[i + j];
  T all = 0;
  for (int j = 0; j < 8; ++j) all += acc[j];
  for (; i < n; ++i) all += x[i] - x[i];
  if (all == 0) return;
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i]))
      throw std::range_error(std::string("ERR_NOT_FINITE: ") + name + "[" + std::to_string(i) + "] is " + (std::isnan(x[i]) ? "NaN" : "infinite"));
}

}  // namespace earshot
