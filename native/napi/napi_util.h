// Small helpers shared by the N-API bindings: argument unpacking and C++ -> JS error mapping
// (std::range_error -> RangeError, std::invalid_argument -> TypeError, anything else -> Error).
#pragma once
#include <napi.h>

#include <cmath>
#include <stdexcept>
#include <string>

namespace earshot {

// Variadic so that the body may contain commas outside parentheses.
#define EARSHOT_NAPI_TRY(env, ...)                                                    \
  try {                                                                               \
    __VA_ARGS__                                                                       \
  } catch (const Napi::Error&) {                                                      \
    throw;                                                                            \
  } catch (const std::range_error& e) {                                               \
    throw Napi::RangeError::New(env, e.what());                                       \
  } catch (const std::invalid_argument& e) {                                          \
    throw Napi::TypeError::New(env, e.what());                                        \
  } catch (const std::exception& e) {                                                 \
    throw Napi::Error::New(env, e.what());                                            \
  }

inline Napi::Float32Array requireFloat32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Float32Array");
  }
  return info[i].As<Napi::Float32Array>();
}

inline double requireNumber(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

inline int requireInt(const Napi::CallbackInfo& info, size_t i, const char* name, int lo, int hi) {
  const double v = requireNumber(info, i, name);
  if (!(v >= lo && v <= hi) || v != std::floor(v)) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be an integer in " + std::to_string(lo) + ".." +
                                                 std::to_string(hi) + ", got " + std::to_string(v));
  }
  return static_cast<int>(v);
}

// Audio must be finite: one NaN would silently poison every later frame's mel energies.
// A fast pass first (x - x is 0 for finite x, NaN otherwise; eight independent sums), the slow
// search for the offending index only when it fails.
inline void requireFinite(Napi::Env env, const float* x, size_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += x[i + j] - x[i + j];
  float all = 0;
  for (int j = 0; j < 8; ++j) all += acc[j];
  for (; i < n; ++i) all += x[i] - x[i];
  if (all == 0.0f) return;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) {
      throw Napi::RangeError::New(env, "ERR_NOT_FINITE: audio sample " + std::to_string(i) + " is " +
                                           (std::isnan(x[i]) ? "NaN" : "infinite") + "; audio must be finite everywhere");
    }
  }
}

// An AsyncWorker that settles a promise, shared by the bindings' long native jobs. Compute() runs on
// libuv's pool and may throw: std::range_error rejects with RangeError (a bad option keeps its type),
// anything else with Error. Result() builds the value on the main thread; an exception there rejects
// the promise instead of escaping as an uncaught exception.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  explicit PromiseWorker(Napi::Env env) : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)) {}
  // Queues the worker (which then owns itself) and returns its promise.
  static Napi::Promise Start(PromiseWorker* w) {
    Napi::Promise p = w->deferred_.Promise();
    w->Queue();
    return p;
  }

 protected:
  virtual void Compute() = 0;
  virtual Napi::Value Result(Napi::Env env) { return env.Undefined(); }

 private:
  void Execute() final {
    try { Compute(); }
    catch (const std::range_error& e) { rangeError_ = true; SetError(e.what()); }
    catch (const std::exception& e) { SetError(e.what()); }
  }
  void OnOK() final {
    try { deferred_.Resolve(Result(Env())); }
    catch (const Napi::Error& e) { deferred_.Reject(e.Value()); }
  }
  void OnError(const Napi::Error& e) final {
    deferred_.Reject(rangeError_ ? Napi::RangeError::New(Env(), e.Message()).Value() : e.Value());
  }
  Napi::Promise::Deferred deferred_;
  bool rangeError_ = false;
};

}  // namespace earshot
