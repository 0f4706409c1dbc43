// The bindings' long native jobs: an AsyncWorker that settles a promise. Compute() runs on libuv's
// pool and may throw; the promise is rejected with the JS error errors.h maps that exception to (a
// bad option keeps its RangeError). Result() builds the value on the JS thread; an exception there
// rejects the promise instead of escaping as an uncaught exception.
#pragma once
#include <napi.h>

#include <cstddef>
#include <exception>
#include <vector>

#include "napi/errors.h"

namespace earshot {

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

  // Keeps a JS typed array alive until the promise settles and returns its data, which Compute() may
  // then read or write off the JS thread (JS must not write to the array meanwhile); nullptr for an
  // empty handle (an optional array that was absent).
  template <class TypedArray>
  auto pin(TypedArray array) -> decltype(array.Data()) {
    if (array.IsEmpty()) return nullptr;
    pins_.push_back(Napi::Persistent(array.template As<Napi::Object>()));
    return array.Data();
  }

 private:
  void Execute() final {
    try {
      Compute();
    } catch (const std::exception& e) {
      errorType_ = currentJsErrorType();
      SetError(e.what());
    }
  }
  void OnOK() final {
    try {
      deferred_.Resolve(Result(Env()));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error& e) final { deferred_.Reject(jsError(Env(), errorType_, e.Message()).Value()); }

  Napi::Promise::Deferred deferred_;
  JsErrorType errorType_ = JsErrorType::Error;
  std::vector<Napi::ObjectReference> pins_;
};

// A worker whose result is one typed array of a length known before the work starts: allocated here,
// on the JS thread, written by Compute() through out(), resolved as is (no copy).
template <class TypedArray>
class ArrayResultWorker : public PromiseWorker {
 protected:
  ArrayResultWorker(Napi::Env env, size_t length)
      : PromiseWorker(env), result_(Napi::Persistent(TypedArray::New(env, length).template As<Napi::Object>())),
        out_(result_.Value().template As<TypedArray>().Data()) {}
  auto* out() const { return out_; }
  Napi::Value Result(Napi::Env) override { return result_.Value(); }

 private:
  Napi::ObjectReference result_;
  decltype(TypedArray().Data()) out_;
};

}  // namespace earshot
