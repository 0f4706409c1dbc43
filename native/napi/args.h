// Checks of the values JS hands to a binding, one set for every binding of both addons. Each takes a
// Napi::Value (info[i] is undefined past the last argument, so a missing argument reads as one of the
// wrong type) and throws with a message that names the argument: std::invalid_argument for a wrong
// type (TypeError), std::range_error for a wrong size or range (RangeError); see errors.h. Being plain
// C++ exceptions, they work in a PromiseWorker's Compute() too (finiteness of large arrays is checked
// there, off the event loop).
#pragma once
#include <napi.h>

#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "napi/errors.h"

namespace earshot {

// The largest count or index a kernel's int holds.
constexpr double kMaxInt32 = 2147483647.0;

// A number as JS prints it, near enough: 768000, 0.25, 1e-7, NaN, -Infinity (integers below 1e21 in
// full, like JS; others the shortest %g that reads back exactly).
inline std::string formatNumber(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char text[32];
  if (v == std::floor(v) && std::fabs(v) < 1e21) {
    std::snprintf(text, sizeof text, "%.0f", v);
    return text;
  }
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, v);
    if (std::strtod(text, nullptr) == v) break;
  }
  return text;
}

// ---- typed arrays ----

// The JS typed array of element type T: float -> Float32Array, double -> Float64Array, ...
template <class T>
constexpr napi_typedarray_type jsArrayType() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, int32_t> || std::is_same_v<T, uint8_t>);
  if constexpr (std::is_same_v<T, float>) return napi_float32_array;
  else if constexpr (std::is_same_v<T, double>) return napi_float64_array;
  else if constexpr (std::is_same_v<T, int32_t>) return napi_int32_array;
  else return napi_uint8_array;
}
template <class T>
constexpr const char* jsArrayName() {
  if constexpr (std::is_same_v<T, float>) return "a Float32Array";
  else if constexpr (std::is_same_v<T, double>) return "a Float64Array";
  else if constexpr (std::is_same_v<T, int32_t>) return "an Int32Array";
  else return "a Uint8Array";  // a Buffer is one too
}

// A typed array of exactly element type T: arrayArg<float>(info[0], "samples") -> Napi::Float32Array.
template <class T>
Napi::TypedArrayOf<T> arrayArg(const Napi::Value& v, const char* name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != jsArrayType<T>())
    throw std::invalid_argument(std::string(name) + " must be " + jsArrayName<T>());
  return v.As<Napi::TypedArrayOf<T>>();
}

// An optional argument: null or undefined.
inline bool isAbsent(const Napi::Value& v) { return v.IsUndefined() || v.IsNull(); }


// "x must hold n x d = 40 values, got 39": `shape` says where the count comes from.
inline void requireLength(size_t have, size_t want, const char* name, const std::string& shape) {
  if (have != want)
    throw std::range_error(std::string(name) + " must hold " + shape + " = " + std::to_string(want) + " values, got " + std::to_string(have));
}

// A typed array of element type T and exactly `length` values.
template <class T>
Napi::TypedArrayOf<T> arrayArg(const Napi::Value& v, const char* name, size_t length, const std::string& shape) {
  Napi::TypedArrayOf<T> a = arrayArg<T>(v, name);
  requireLength(a.ElementLength(), length, name, shape);
  return a;
}

// An optional typed array: an empty handle (IsEmpty()) when absent, else as arrayArg.
template <class T>
Napi::TypedArrayOf<T> optionalArrayArg(const Napi::Value& v, const char* name) {
  return isAbsent(v) ? Napi::TypedArrayOf<T>() : arrayArg<T>(v, name);
}
template <class T>
Napi::TypedArrayOf<T> optionalArrayArg(const Napi::Value& v, const char* name, size_t length, const std::string& shape) {
  return isAbsent(v) ? Napi::TypedArrayOf<T>() : arrayArg<T>(v, name, length, shape);
}

// At least `want` values (a prefix is used): "Y must hold at least n x f = 40 values, got 39".
inline void requireAtLeast(size_t have, size_t want, const char* name, const std::string& shape = "") {
  if (have < want)
    throw std::range_error(std::string(name) + " must hold at least " + (shape.empty() ? "" : shape + " = ") + std::to_string(want) +
                           " values, got " + std::to_string(have));
}

// Rows of a row-major array `length` values long with `width` values per row (width >= 1).
inline size_t rowsOf(size_t length, size_t width, const char* name, const char* widthName) {
  if (length % width) throw std::range_error(std::string(name) + " length is not a multiple of " + widthName);
  return length / width;
}

// ---- numbers, flags, strings ----

inline double numberArg(const Napi::Value& v, const char* name) {
  if (!v.IsNumber()) throw std::invalid_argument(std::string(name) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

// An integer in [lo, hi], returned as Int (bounds within Int's range and 2^53, where doubles stop
// holding every integer). Range-checked before the cast: NaN or a double beyond Int's range would be
// undefined behaviour.
template <class Int = int>
Int intArg(const Napi::Value& v, const char* name, double lo, double hi) {
  const double d = numberArg(v, name);
  if (!(d >= lo && d <= hi) || d != std::floor(d))
    throw std::range_error(std::string(name) + " must be an integer in " + formatNumber(lo) + ".." + formatNumber(hi) + ", got " + formatNumber(d));
  return static_cast<Int>(d);
}

// A weight or tolerance: finite and >= 0.
inline double nonNegativeArg(const Napi::Value& v, const char* name) {
  const double d = numberArg(v, name);
  if (!(d >= 0.0) || !std::isfinite(d)) throw std::range_error(std::string(name) + " must be a finite number >= 0");
  return d;
}

// A finite number in [lo, hi].
inline double numberInArg(const Napi::Value& v, const char* name, double lo, double hi) {
  const double d = numberArg(v, name);
  if (!(d >= lo && d <= hi) || !std::isfinite(d))
    throw std::range_error(std::string(name) + " must be a finite number in [" + formatNumber(lo) + ", " + formatNumber(hi) + "], got " + formatNumber(d));
  return d;
}

inline bool boolArg(const Napi::Value& v, const char* name) {
  if (!v.IsBoolean()) throw std::invalid_argument(std::string(name) + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

inline std::string stringArg(const Napi::Value& v, const char* name) {
  if (!v.IsString()) throw std::invalid_argument(std::string(name) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

// ---- finiteness ----

// Index of the first NaN or ±Inf, n if none. A fast pass first (x - x is 0 for finite x, NaN
// otherwise; eight independent sums), the search for the index only when it fails.
template <class T>
size_t firstNonFinite(const T* x, size_t n) {
  T acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += x[i + j] - x[i + j];
  T all = 0;
  for (int j = 0; j < 8; ++j) all += acc[j];
  for (; i < n; ++i) all += x[i] - x[i];
  if (all == 0) return n;
  for (i = 0; i < n; ++i)
    if (!std::isfinite(x[i])) return i;
  return n;
}

// NaN or ±Inf anywhere would poison every distance, product or later value: refused with the first
// index, "ERR_NOT_FINITE: x[37] is NaN".
template <class T>
void checkFinite(const T* x, size_t n, const char* name) {
  const size_t i = firstNonFinite(x, n);
  if (i < n)
    throw std::range_error(codedMessage("ERR_NOT_FINITE", std::string(name) + "[" + std::to_string(i) + "] is " + (std::isnan(x[i]) ? "NaN" : "infinite")));
}

// Audio, worded for people feeding it: one NaN would silently poison every later frame's mel energies.
inline void checkFiniteAudio(const float* x, size_t n) {
  const size_t i = firstNonFinite(x, n);
  if (i < n)
    throw std::range_error(codedMessage("ERR_NOT_FINITE", "audio sample " + std::to_string(i) + " is " + (std::isnan(x[i]) ? "NaN" : "infinite") +
                                                              "; audio must be finite everywhere"));
}

// ---- sparse matrices ----

// A sparse matrix in CSR form: row r's entries are [indptr[r], indptr[r + 1]) of indices (their
// columns) and values. Names are kept for the messages.
struct CsrArgs {
  Napi::Int32Array indptr, indices;
  Napi::Float32Array values;
  size_t rows = 0;
  std::string indptrName, indicesName, valuesName;
};

// The three arrays at info[i], info[i + 1], info[i + 2], named by `prefix` ("" -> indptr, indices;
// "user" -> userIndptr, userIndices) and `values` ("confidence" / "Confidence").
inline CsrArgs csrArgs(const Napi::CallbackInfo& info, size_t i, const std::string& prefix, const char* values) {
  auto named = [&](std::string s) {
    if (!prefix.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    return prefix + s;
  };
  CsrArgs m;
  m.indptrName = named("indptr");
  m.indicesName = named("indices");
  m.valuesName = named(values);
  m.indptr = arrayArg<int32_t>(info[i], m.indptrName.c_str());
  m.indices = arrayArg<int32_t>(info[i + 1], m.indicesName.c_str());
  m.values = arrayArg<float>(info[i + 2], m.valuesName.c_str());
  // The kernels count rows in int.
  if (m.indptr.ElementLength() < 1 || static_cast<double>(m.indptr.ElementLength()) > kMaxInt32) throw std::range_error(m.indptrName + " must have rows + 1 entries");
  m.rows = m.indptr.ElementLength() - 1;
  return m;
}

// Offsets from 0 to the entry count, never decreasing; one value per entry; every column in
// 0..cols-1. Together they keep a kernel from reading or writing out of bounds; O(rows + entries),
// cheap next to a solve.
inline void checkCsr(const CsrArgs& m, size_t cols) {
  const int32_t* ip = m.indptr.Data();
  const size_t entries = m.indices.ElementLength();
  if (ip[0] != 0 || static_cast<size_t>(ip[m.rows]) != entries || m.values.ElementLength() != entries)
    throw std::range_error(m.indptrName + " must start at 0 and end at " + m.indicesName + ".length, and " + m.valuesName + " must match " +
                           m.indicesName + " in length");
  for (size_t r = 0; r < m.rows; ++r)
    if (ip[r + 1] < ip[r]) throw std::range_error(m.indptrName + " must be non-decreasing (row " + std::to_string(r) + ")");
  const int32_t* idx = m.indices.Data();
  for (size_t j = 0; j < entries; ++j)
    if (idx[j] < 0 || static_cast<size_t>(idx[j]) >= cols)
      throw std::range_error(m.indicesName + "[" + std::to_string(j) + "] = " + std::to_string(idx[j]) + " is outside 0.." +
                             std::to_string(static_cast<long long>(cols) - 1));
}

}  // namespace earshot
