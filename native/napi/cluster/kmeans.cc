// N-API surface of k-means (kmeans.h, nearest_centroid.h). Both entry points run on libuv's pool and
// settle a promise; the input arrays are pinned until then and must not be written by JS meanwhile.
// Finiteness of the frames is checked in Compute(), off the event loop (5 M frames x 39 = 0.2 s).
#include "napi/cluster/kmeans.h"

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "cluster/kmeans.h"
#include "cluster/nearest_centroid.h"
#include "napi/args.h"
#include "napi/promise_worker.h"
#include "napi/to_js.h"

namespace earshot {

namespace {

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// kmeansFitAsync's numbers: x is n x d; k clusters.
struct FitOptions {
  size_t n = 0;
  int d = 0, k = 0, iterations = 0;
  double tol = 0;
  uint64_t seed = 0;
  int candidates = 0, threads = 0;
};

class FitWorker : public PromiseWorker {
 public:
  // init: k x d seed centroids, or an empty handle for k-means++.
  FitWorker(Napi::Env env, Napi::Float32Array x, const FitOptions& o, Napi::Float32Array init)
      : PromiseWorker(env), x_(pin(x)), o_(o), centroids_(static_cast<size_t>(o.k) * o.d), seeded_(!init.IsEmpty()) {
    if (seeded_) std::memcpy(centroids_.data(), init.Data(), sizeof(float) * centroids_.size());
  }

 private:
  void Compute() override {
    checkFinite(x_, o_.n * o_.d, "x");
    WorkerTeam team(o_.threads);
    const auto t0 = std::chrono::steady_clock::now();
    if (!seeded_) kmeansPlusPlus(x_, o_.n, o_.d, o_.k, o_.seed, o_.candidates, team, centroids_.data());
    initSeconds_ = secondsSince(t0);
    const auto t1 = std::chrono::steady_clock::now();
    res_ = lloyd(x_, o_.n, o_.d, o_.k, centroids_.data(), o_.iterations, o_.tol, team);
    lloydSeconds_ = secondsSince(t1);
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("centroids", toJsArray(env, centroids_));
    o.Set("inertia", toJsArray(env, res_.inertia));
    o.Set("labels", toJsArray(env, res_.labels));
    o.Set("iterations", Napi::Number::New(env, res_.iterations));
    o.Set("converged", Napi::Boolean::New(env, res_.converged));
    o.Set("relocated", Napi::Number::New(env, res_.relocated));
    o.Set("initSeconds", Napi::Number::New(env, initSeconds_));
    o.Set("lloydSeconds", Napi::Number::New(env, lloydSeconds_));
    return o;
  }
  const float* x_;
  FitOptions o_;
  std::vector<float> centroids_;
  bool seeded_;
  LloydResult res_;
  double initSeconds_ = 0, lloydSeconds_ = 0;
};

// kmeansFitAsync(x Float32Array n*d, n, d, k, iterations, tol, seed, initCandidates, threads, init Float32Array k*d | null)
Napi::Value KmeansFitAsync(const Napi::CallbackInfo& info) {
  auto x = arrayArg<float>(info[0], "x");
  FitOptions o;
  o.n = intArg<size_t>(info[1], "n", 1, kMaxInt32);
  o.d = intArg(info[2], "d", 1, 65536);
  o.k = intArg(info[3], "k", 1, 1 << 20);
  o.iterations = intArg(info[4], "iterations", 0, 1e6);
  o.tol = nonNegativeArg(info[5], "tol");
  o.seed = intArg<uint64_t>(info[6], "seed", 0, 4294967295.0);
  o.candidates = intArg(info[7], "initCandidates", 1, 1024);
  o.threads = intArg(info[8], "threads", 1, 1024);
  requireLength(x.ElementLength(), o.n * o.d, "x", "n x d");
  if (static_cast<size_t>(o.k) > o.n)
    throw std::range_error("k (" + std::to_string(o.k) + ") must not exceed the number of rows (" + std::to_string(o.n) + ")");
  auto init = optionalArrayArg<float>(info[9], "init", static_cast<size_t>(o.k) * o.d, "k x d");
  if (!init.IsEmpty()) checkFinite(init.Data(), init.ElementLength(), "init");
  return PromiseWorker::Start(new FitWorker(info.Env(), x, o, init));
}

// Labels (the result array) and the summed squared distances.
class AssignWorker : public ArrayResultWorker<Napi::Int32Array> {
 public:
  AssignWorker(Napi::Env env, Napi::Float32Array x, size_t n, int d, Napi::Float32Array c, int k, int threads)
      : ArrayResultWorker(env, n), x_(pin(x)), c_(pin(c)), n_(n), d_(d), k_(k), threads_(threads) {}

 private:
  void Compute() override {
    checkFinite(x_, n_ * d_, "x");
    WorkerTeam team(threads_);
    NearestCentroid nc(c_, k_, d_);
    inertia_ = assignAll(nc, x_, n_, nullptr, out(), nullptr, nullptr, team);
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("labels", ArrayResultWorker::Result(env));
    o.Set("inertia", Napi::Number::New(env, inertia_));
    return o;
  }
  const float* x_;
  const float* c_;
  size_t n_;
  int d_, k_, threads_;
  double inertia_ = 0;
};

// kmeansAssignAsync(x Float32Array n*d, n, d, centroids Float32Array k*d, k, threads)
Napi::Value KmeansAssignAsync(const Napi::CallbackInfo& info) {
  auto x = arrayArg<float>(info[0], "x");
  const size_t n = intArg<size_t>(info[1], "n", 0, kMaxInt32);
  const int d = intArg(info[2], "d", 1, 65536);
  auto c = arrayArg<float>(info[3], "centroids");
  const int k = intArg(info[4], "k", 1, 1 << 20);
  const int threads = intArg(info[5], "threads", 1, 1024);
  requireLength(x.ElementLength(), n * d, "x", "n x d");
  requireLength(c.ElementLength(), static_cast<size_t>(k) * d, "centroids", "k x d");
  checkFinite(c.Data(), c.ElementLength(), "centroids");
  return PromiseWorker::Start(new AssignWorker(info.Env(), x, n, d, c, k, threads));
}

}  // namespace

void InitKmeans(Napi::Env env, Napi::Object exports) {
  exportFunction<KmeansFitAsync>(env, exports, "kmeansFitAsync");
  exportFunction<KmeansAssignAsync>(env, exports, "kmeansAssignAsync");
}

}  // namespace earshot
