// N-API surface of k-means (kmeans.h, nearest_centroid.h). Both entry points run on libuv's pool and
// settle a promise; the input arrays are pinned until then and must not be written by JS meanwhile.
// Finiteness of the frames is checked in Compute(), off the event loop (5 M frames x 39 = 0.2 s).
#include "napi/cluster/kmeans.h"

#include <chrono>
#include <cstring>
#include <vector>

#include "napi/array_args.h"
#include "cluster/kmeans.h"
#include "cluster/nearest_centroid.h"

namespace earshot {

namespace {

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

class FitWorker : public PromiseWorker {
 public:
  FitWorker(Napi::Env env, Napi::Float32Array x, size_t n, int d, int k, int iterations, double tol, uint64_t seed,
            int candidates, int threads, Napi::Value init)
      : PromiseWorker(env), x_(x.Data()), n_(n), d_(d), k_(k), iterations_(iterations), tol_(tol), seed_(seed),
        candidates_(candidates), threads_(threads), centroids_(static_cast<size_t>(k) * d) {
    pins_.push_back(Napi::Persistent(x.As<Napi::Object>()));
    if (init.IsTypedArray()) {
      const float* c = init.As<Napi::Float32Array>().Data();
      std::memcpy(centroids_.data(), c, sizeof(float) * centroids_.size());
      seeded_ = true;
    }
  }

 private:
  void Compute() override {
    checkFinite(x_, n_ * d_, "x");
    WorkerTeam team(threads_);
    const auto t0 = std::chrono::steady_clock::now();
    if (!seeded_) kmeansPlusPlus(x_, n_, d_, k_, seed_, candidates_, team, centroids_.data());
    initSeconds_ = secondsSince(t0);
    const auto t1 = std::chrono::steady_clock::now();
    res_ = lloyd(x_, n_, d_, k_, centroids_.data(), iterations_, tol_, team);
    lloydSeconds_ = secondsSince(t1);
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    auto c = Napi::Float32Array::New(env, centroids_.size());
    std::memcpy(c.Data(), centroids_.data(), sizeof(float) * centroids_.size());
    auto inertia = Napi::Float64Array::New(env, res_.inertia.size());
    std::memcpy(inertia.Data(), res_.inertia.data(), sizeof(double) * res_.inertia.size());
    auto labels = Napi::Int32Array::New(env, res_.labels.size());
    std::memcpy(labels.Data(), res_.labels.data(), sizeof(int32_t) * res_.labels.size());
    o.Set("centroids", c);
    o.Set("inertia", inertia);
    o.Set("labels", labels);
    o.Set("iterations", Napi::Number::New(env, res_.iterations));
    o.Set("converged", Napi::Boolean::New(env, res_.converged));
    o.Set("relocated", Napi::Number::New(env, res_.relocated));
    o.Set("initSeconds", Napi::Number::New(env, initSeconds_));
    o.Set("lloydSeconds", Napi::Number::New(env, lloydSeconds_));
    return o;
  }
  const float* x_;
  size_t n_;
  int d_, k_, iterations_;
  double tol_;
  uint64_t seed_;
  int candidates_, threads_;
  std::vector<float> centroids_;
  bool seeded_ = false;
  LloydResult res_;
  double initSeconds_ = 0, lloydSeconds_ = 0;
  std::vector<Napi::ObjectReference> pins_;
};

// kmeansFitAsync(x Float32Array n*d, n, d, k, iterations, tol, seed, initCandidates, threads, init Float32Array k*d | null)
Napi::Value KmeansFitAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EARSHOT_NAPI_TRY(env, {
    auto x = requireArray<Napi::Float32Array>(info, 0, napi_float32_array, "x", "Float32Array");
    const size_t n = static_cast<size_t>(requireWhole(info, 1, "n", 1, 2147483647.0));
    const int d = static_cast<int>(requireWhole(info, 2, "d", 1, 65536));
    const int k = static_cast<int>(requireWhole(info, 3, "k", 1, 1 << 20));
    const int iterations = static_cast<int>(requireWhole(info, 4, "iterations", 0, 1e6));
    const double tol = requireNumber(info, 5, "tol");
    if (!(tol >= 0.0) || !std::isfinite(tol)) throw Napi::RangeError::New(env, "tol must be a finite number >= 0");
    const uint64_t seed = static_cast<uint64_t>(requireWhole(info, 6, "seed", 0, 4294967295.0));
    const int candidates = static_cast<int>(requireWhole(info, 7, "initCandidates", 1, 1024));
    const int threads = static_cast<int>(requireWhole(info, 8, "threads", 1, 1024));
    requireLength(env, x.ElementLength(), n * d, "x", "n x d");
    if (static_cast<size_t>(k) > n) throw Napi::RangeError::New(env, "k (" + std::to_string(k) + ") must not exceed the number of rows (" + std::to_string(n) + ")");
    Napi::Value init = env.Null();
    if (!isAbsent(info, 9)) {
      auto c = requireArray<Napi::Float32Array>(info, 9, napi_float32_array, "init", "Float32Array");
      requireLength(env, c.ElementLength(), static_cast<size_t>(k) * d, "init", "k x d");
      checkFinite(c.Data(), c.ElementLength(), "init");
      init = c;
    }
    return PromiseWorker::Start(new FitWorker(env, x, n, d, k, iterations, tol, seed, candidates, threads, init));
  })
}

class AssignWorker : public PromiseWorker {
 public:
  AssignWorker(Napi::Env env, Napi::Float32Array x, size_t n, int d, Napi::Float32Array c, int k, int threads)
      : PromiseWorker(env), x_(x.Data()), c_(c.Data()), n_(n), d_(d), k_(k), threads_(threads),
        labels_(Napi::Persistent(Napi::Int32Array::New(env, n).As<Napi::Object>())) {
    for (Napi::Value v : {Napi::Value(x), Napi::Value(c)}) pins_.push_back(Napi::Persistent(v.As<Napi::Object>()));
    out_ = labels_.Value().As<Napi::Int32Array>().Data();
  }

 private:
  void Compute() override {
    checkFinite(x_, n_ * d_, "x");
    WorkerTeam team(threads_);
    NearestCentroid nc(c_, k_, d_);
    inertia_ = assignAll(nc, x_, n_, nullptr, out_, nullptr, nullptr, team);
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("labels", labels_.Value());
    o.Set("inertia", Napi::Number::New(env, inertia_));
    return o;
  }
  const float* x_;
  const float* c_;
  size_t n_;
  int d_, k_, threads_;
  Napi::ObjectReference labels_;  // written by Compute(), handed to JS by Result()
  int32_t* out_ = nullptr;
  double inertia_ = 0;
  std::vector<Napi::ObjectReference> pins_;
};

// kmeansAssignAsync(x Float32Array n*d, n, d, centroids Float32Array k*d, k, threads)
Napi::Value KmeansAssignAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EARSHOT_NAPI_TRY(env, {
    auto x = requireArray<Napi::Float32Array>(info, 0, napi_float32_array, "x", "Float32Array");
    const size_t n = static_cast<size_t>(requireWhole(info, 1, "n", 0, 2147483647.0));
    const int d = static_cast<int>(requireWhole(info, 2, "d", 1, 65536));
    auto c = requireArray<Napi::Float32Array>(info, 3, napi_float32_array, "centroids", "Float32Array");
    const int k = static_cast<int>(requireWhole(info, 4, "k", 1, 1 << 20));
    const int threads = static_cast<int>(requireWhole(info, 5, "threads", 1, 1024));
    requireLength(env, x.ElementLength(), n * d, "x", "n x d");
    requireLength(env, c.ElementLength(), static_cast<size_t>(k) * d, "centroids", "k x d");
    checkFinite(c.Data(), c.ElementLength(), "centroids");
    return PromiseWorker::Start(new AssignWorker(env, x, n, d, c, k, threads));
  })
}

}  // namespace

void InitKmeans(Napi::Env env, Napi::Object exports) {
  exports.Set("kmeansFitAsync", Napi::Function::New(env, KmeansFitAsync));
  exports.Set("kmeansAssignAsync", Napi::Function::New(env, KmeansAssignAsync));
}

}  // namespace earshot
