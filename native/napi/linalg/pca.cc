// N-API surface of the PCA linear algebra (cross_product.h, sym_eigen.h, project.h). Every entry point
// runs on libuv's pool and settles a promise; outputs of known size are allocated before the work
// starts and written in place; inputs are pinned until the promise settles. Finiteness of the (large)
// inputs is checked in Compute(), off the event loop.
#include "napi/linalg/pca.h"

#include <string>
#include <vector>

#include "linalg/cross_product.h"
#include "linalg/project.h"
#include "linalg/sym_eigen.h"
#include "napi/args.h"
#include "napi/promise_worker.h"
#include "napi/to_js.h"
#include "runtime/worker_team.h"

namespace earshot {

namespace {

// Up to 16,384 x 16,384 doubles (2 GiB) per symmetric matrix.
constexpr double kMaxOrder = 16384;

class CrossWorker : public ArrayResultWorker<Napi::Float64Array> {
 public:
  CrossWorker(Napi::Env env, Napi::Float32Array x, size_t rows, int cols, Napi::Float64Array mean, bool gram, int threads)
      : ArrayResultWorker(env, gram ? rows * rows : static_cast<size_t>(cols) * cols),
        x_(pin(x)), rows_(rows), cols_(cols), mean_(pin(mean)), gram_(gram), threads_(threads) {}

 private:
  void Compute() override {
    checkFinite(x_, rows_ * cols_, "x");
    if (mean_) checkFinite(mean_, cols_, "mean");
    WorkerTeam team(threads_);
    crossProduct(x_, rows_, cols_, mean_, gram_, team, out());
  }
  const float* x_;
  size_t rows_;
  int cols_;
  const double* mean_;
  bool gram_;
  int threads_;
};

// crossProductAsync(x Float32Array rows*cols, rows, cols, mean Float64Array cols | null, gram boolean, threads)
Napi::Value CrossProductAsync(const Napi::CallbackInfo& info) {
  auto x = arrayArg<float>(info[0], "x");
  const size_t rows = intArg<size_t>(info[1], "rows", 1, kMaxInt32);
  const int cols = intArg(info[2], "cols", 1, kMaxInt32);
  const bool gram = boolArg(info[4], "gram");
  const int threads = intArg(info[5], "threads", 1, 1024);
  requireLength(x.ElementLength(), rows * cols, "x", "rows x cols");
  const double order = gram ? static_cast<double>(rows) : cols;
  if (order > kMaxOrder)
    throw std::range_error(std::string(gram ? "rows" : "cols") + " must be at most 16384 for a " + (gram ? "Gram" : "scatter") + " matrix (2 GiB)");
  auto mean = optionalArrayArg<double>(info[3], "mean", cols, "one value per column");
  return PromiseWorker::Start(new CrossWorker(info.Env(), x, rows, cols, mean, gram, threads));
}

class EigenWorker : public PromiseWorker {
 public:
  EigenWorker(Napi::Env env, Napi::Float64Array a, int n, int maxVectors, double fraction, int threads)
      : PromiseWorker(env), a_(pin(a)), n_(n), maxVectors_(maxVectors), fraction_(fraction), threads_(threads) {}

 private:
  void Compute() override {
    checkFinite(a_, static_cast<size_t>(n_) * n_, "a");
    std::vector<double> work(a_, a_ + static_cast<size_t>(n_) * n_);  // the solver destroys its input
    WorkerTeam team(threads_);
    res_ = symEigen(work.data(), n_, [&](const std::vector<double>& v) { return leadingCountForFraction(v, fraction_, maxVectors_); }, team);
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("values", toJsArray(env, res_.values));
    o.Set("vectors", toJsArray(env, res_.vectors));
    o.Set("count", Napi::Number::New(env, res_.count));
    return o;
  }
  const double* a_;
  int n_, maxVectors_;
  double fraction_;
  int threads_;
  SymEigenResult res_;
};

// symEigenAsync(a Float64Array n*n, n, maxVectors, varianceFraction (<= 0: exactly maxVectors), threads)
Napi::Value SymEigenAsync(const Napi::CallbackInfo& info) {
  auto a = arrayArg<double>(info[0], "a");
  const int n = intArg(info[1], "n", 1, kMaxOrder);
  const int maxVectors = intArg(info[2], "maxVectors", 0, n);
  const double fraction = numberArg(info[3], "varianceFraction");
  if (!(fraction <= 1.0)) throw std::range_error("varianceFraction must be at most 1");
  const int threads = intArg(info[4], "threads", 1, 1024);
  requireLength(a.ElementLength(), static_cast<size_t>(n) * n, "a", "n x n");
  return PromiseWorker::Start(new EigenWorker(info.Env(), a, n, maxVectors, fraction, threads));
}

class ProjectWorker : public ArrayResultWorker<Napi::Float32Array> {
 public:
  ProjectWorker(Napi::Env env, Napi::Float32Array x, size_t rows, int depth, Napi::Float64Array mean, Napi::Float32Array b, int cols, int threads)
      : ArrayResultWorker(env, rows * cols), x_(pin(x)), rows_(rows), depth_(depth), mean_(pin(mean)), b_(pin(b)), cols_(cols), threads_(threads) {}

 private:
  void Compute() override {
    checkFinite(x_, rows_ * depth_, "x");
    if (mean_) checkFinite(mean_, depth_, "mean");
    checkFinite(b_, static_cast<size_t>(cols_) * depth_, "b");
    WorkerTeam team(threads_);
    projectRows(x_, rows_, depth_, mean_, b_, cols_, team, out());
  }
  const float* x_;
  size_t rows_;
  int depth_;
  const double* mean_;
  const float* b_;
  int cols_, threads_;
};

// projectAsync(x Float32Array rows*depth, rows, depth, mean Float64Array depth | null, b Float32Array cols*depth, cols, threads)
Napi::Value ProjectAsync(const Napi::CallbackInfo& info) {
  auto x = arrayArg<float>(info[0], "x");
  const size_t rows = intArg<size_t>(info[1], "rows", 0, kMaxInt32);
  const int depth = intArg(info[2], "depth", 1, kMaxInt32);
  auto b = arrayArg<float>(info[4], "b");
  const int cols = intArg(info[5], "cols", 0, kMaxInt32);
  const int threads = intArg(info[6], "threads", 1, 1024);
  requireLength(x.ElementLength(), rows * depth, "x", "rows x depth");
  requireLength(b.ElementLength(), static_cast<size_t>(cols) * depth, "b", "cols x depth");
  auto mean = optionalArrayArg<double>(info[3], "mean", depth, "one value per column");
  return PromiseWorker::Start(new ProjectWorker(info.Env(), x, rows, depth, mean, b, cols, threads));
}

}  // namespace

void InitPca(Napi::Env env, Napi::Object exports) {
  exportFunction<CrossProductAsync>(env, exports, "crossProductAsync");
  exportFunction<SymEigenAsync>(env, exports, "symEigenAsync");
  exportFunction<ProjectAsync>(env, exports, "projectAsync");
}

}  // namespace earshot
