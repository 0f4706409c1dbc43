// C++ results -> JS values: a typed array holding a copy of native data (results that outlive the
// native object, or whose size is known only after the work; ArrayResultWorker writes in place instead).
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstring>
#include <vector>

namespace earshot {

template <class T>
Napi::TypedArrayOf<T> toJsArray(Napi::Env env, const T* data, size_t n) {
  Napi::TypedArrayOf<T> a = Napi::TypedArrayOf<T>::New(env, n);
  if (n) std::memcpy(a.Data(), data, n * sizeof(T));
  return a;
}

template <class T>
Napi::TypedArrayOf<T> toJsArray(Napi::Env env, const std::vector<T>& v) {
  return toJsArray(env, v.data(), v.size());
}

}  // namespace earshot
