// N-API surface of the PCA linear algebra (cross_product.h, sym_eigen.h, project.h). Every entry point
// runs on libuv's pool and settles a promise; outputs of known size are allocated here, before the
// work starts, and written in place; inputs are pinned until the promise settles. Finiteness of the
// (large) inputs is checked in Compute(), off the event loop.
#include "napi/linalg/pca.h"

#include <cstring>
#include <vector>

#include "napi/array_args.h"
#include "linalg/cross_product.h"
#include "linalg/project.h"
#include "linalg/sym_eigen.h"

namespace earshot {

namespace {

// Up to 16,384 x 16,384 doubles (2 GiB) per symmetric matrix.
constexpr double kMaxOrder = 16384;

const double* optionalMean(const Napi::CallbackInfo& info, size_t i, size_t len, std::vector<Napi::ObjectReference>& pins) {
  if (isAbsent(info, i)) return nullptr;
  auto m = requireArray<Napi::Float64Array>(info, i, napi_float64_array, "mean", "Float64Array");
  requireLength(info.Env(), m.ElementLength(), len, "mean", "one value per column");
  pins.push_back(Napi::Persistent(m.As<Napi::Object>()));
  return m.Data();
}

class CrossWorker : public PromiseWorker {
 public:
  CrossWorker(Napi::Env env, const float* x, size_t rows, int cols, const double* mean, bool gram, int threads,
              std::vector<Napi::ObjectReference> pins)
      : PromiseWorker(env), x_(x), rows_(rows), cols_(cols), mean_(mean), gram_(gram), threads_(threads), pins_(std::move(pins)) {
    const size_t o = gram ? rows : static_cast<size_t>(cols);
    out_ = Napi::Persistent(Napi::Float64Array::New(env, o * o).As<Napi::Object>());
    outData_ = out_.Value().As<Napi::Float64Array>().Data();
  }

 private:
  void Compute() override {
    checkFinite(x_, rows_ * cols_, "x");
    if (mean_) checkFinite(mean_, cols_, "mean");
    WorkerTeam team(threads_);
    crossProduct(x_, rows_, cols_, mean_, gram_, team, outData_);
  }
  Napi::Value Result(Napi::Env) override { return out_.Value(); }
  const float* x_;
  size_t rows_;
  int cols_;
  const double* mean_;
  bool gram_;
  int threads_;
  std::vector<Napi::ObjectReference> pins_;
  Napi::ObjectReference out_;
  double* outData_ = nullptr;
};

// crossProductAsync(x Float32Array rows*cols, rows, cols, mean Float64Array cols | null, gram boolean, threads)
Napi::Value CrossProductAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EARSHOT_NAPI_TRY(env, {
    auto x = requireArray<Napi::Float32Array>(info, 0, napi_float32_array, "x", "Float32Array");
    const size_t rows = static_cast<size_t>(requireWhole(info, 1, "rows", 1, 2147483647.0));
    const int cols = static_cast<int>(requireWhole(info, 2, "cols", 1, 2147483647.0));
    if (info.Length() <= 4 || !info[4].IsBoolean()) throw Napi::TypeError::New(env, "gram must be a boolean");
    const bool gram = info[4].As<Napi::Boolean>().Value();
    const int threads = static_cast<int>(requireWhole(info, 5, "threads", 1, 1024));
    requireLength(env, x.ElementLength(), rows * cols, "x", "rows x cols");
    const double order = gram ? static_cast<double>(rows) : cols;
    if (order > kMaxOrder) throw Napi::RangeError::New(env, std::string(gram ? "rows" : "cols") + " must be at most 16384 for a " + (gram ? "Gram" : "scatter") + " matrix (2 GiB)");
    std::vector<Napi::ObjectReference> pins;
    const double* mean = optionalMean(info, 3, cols, pins);
    pins.push_back(Napi::Persistent(x.As<Napi::Object>()));
    return PromiseWorker::Start(new CrossWorker(env, x.Data(), rows, cols, mean, gram, threads, std::move(pins)));
  })
}

class EigenWorker : public PromiseWorker {
 public:
  EigenWorker(Napi::Env env, Napi::Float64Array a, int n, int maxVectors, double fraction, int threads)
      : PromiseWorker(env), a_(a.Data()), n_(n), maxVectors_(maxVectors), fraction_(fraction), threads_(threads) {
    pin_ = Napi::Persistent(a.As<Napi::Object>());
  }

 private:
  void Compute() override {
    checkFinite(a_, static_cast<size_t>(n_) * n_, "a");
    std::vector<double> work(a_, a_ + static_cast<size_t>(n_) * n_);  // the solver destroys its input
    WorkerTeam team(threads_);
    res_ = symEigen(work.data(), n_, [&](const std::vector<double>& v) { return leadingCountForFraction(v, fraction_, maxVectors_); }, team);
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    auto values = Napi::Float64Array::New(env, res_.values.size());
    std::memcpy(values.Data(), res_.values.data(), sizeof(double) * res_.values.size());
    auto vectors = Napi::Float64Array::New(env, res_.vectors.size());
    std::memcpy(vectors.Data(), res_.vectors.data(), sizeof(double) * res_.vectors.size());
    o.Set("values", values);
    o.Set("vectors", vectors);
    o.Set("count", Napi::Number::New(env, res_.count));
    return o;
  }
  const double* a_;
  int n_, maxVectors_;
  double fraction_;
  int threads_;
  SymEigenResult res_;
  Napi::ObjectReference pin_;
};

// symEigenAsync(a Float64Array n*n, n, maxVectors, varianceFraction (<= 0: exactly maxVectors), threads)
Napi::Value SymEigenAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EARSHOT_NAPI_TRY(env, {
    auto a = requireArray<Napi::Float64Array>(info, 0, napi_float64_array, "a", "Float64Array");
    const int n = static_cast<int>(requireWhole(info, 1, "n", 1, kMaxOrder));
    const int maxVectors = static_cast<int>(requireWhole(info, 2, "maxVectors", 0, n));
    const double fraction = requireNumber(info, 3, "varianceFraction");
    if (!(fraction <= 1.0) || std::isnan(fraction)) throw Napi::RangeError::New(env, "varianceFraction must be at most 1");
    const int threads = static_cast<int>(requireWhole(info, 4, "threads", 1, 1024));
    requireLength(env, a.ElementLength(), static_cast<size_t>(n) * n, "a", "n x n");
    return PromiseWorker::Start(new EigenWorker(env, a, n, maxVectors, fraction, threads));
  })
}

class ProjectWorker : public PromiseWorker {
 public:
  ProjectWorker(Napi::Env env, const float* x, size_t rows, int depth, const double* mean, const float* b, int cols,
                int threads, std::vector<Napi::ObjectReference> pins)
      : PromiseWorker(env), x_(x), rows_(rows), depth_(depth), mean_(mean), b_(b), cols_(cols), threads_(threads), pins_(std::move(pins)) {
    out_ = Napi::Persistent(Napi::Float32Array::New(env, rows * cols).As<Napi::Object>());
    outData_ = out_.Value().As<Napi::Float32Array>().Data();
  }

 private:
  void Compute() override {
    checkFinite(x_, rows_ * depth_, "x");
    if (mean_) checkFinite(mean_, depth_, "mean");
    checkFinite(b_, static_cast<size_t>(cols_) * depth_, "b");
    WorkerTeam team(threads_);
    projectRows(x_, rows_, depth_, mean_, b_, cols_, team, outData_);
  }
  Napi::Value Result(Napi::Env) override { return out_.Value(); }
  const float* x_;
  size_t rows_;
  int depth_;
  const double* mean_;
  const float* b_;
  int cols_, threads_;
  std::vector<Napi::ObjectReference> pins_;
  Napi::ObjectReference out_;
  float* outData_ = nullptr;
};

// projectAsync(x Float32Array rows*depth, rows, depth, mean Float64Array depth | null, b Float32Array cols*depth, cols, threads)
Napi::Value ProjectAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EARSHOT_NAPI_TRY(env, {
    auto x = requireArray<Napi::Float32Array>(info, 0, napi_float32_array, "x", "Float32Array");
    const size_t rows = static_cast<size_t>(requireWhole(info, 1, "rows", 0, 2147483647.0));
    const int depth = static_cast<int>(requireWhole(info, 2, "depth", 1, 2147483647.0));
    auto b = requireArray<Napi::Float32Array>(info, 4, napi_float32_array, "b", "Float32Array");
    const int cols = static_cast<int>(requireWhole(info, 5, "cols", 0, 2147483647.0));
    const int threads = static_cast<int>(requireWhole(info, 6, "threads", 1, 1024));
    requireLength(env, x.ElementLength(), rows * depth, "x", "rows x depth");
    requireLength(env, b.ElementLength(), static_cast<size_t>(cols) * depth, "b", "cols x depth");
    std::vector<Napi::ObjectReference> pins;
    const double* mean = optionalMean(info, 3, depth, pins);
    pins.push_back(Napi::Persistent(x.As<Napi::Object>()));
    pins.push_back(Napi::Persistent(b.As<Napi::Object>()));
    return PromiseWorker::Start(new ProjectWorker(env, x.Data(), rows, depth, mean, b.Data(), cols, threads, std::move(pins)));
  })
}

}  // namespace

void InitPca(Napi::Env env, Napi::Object exports) {
  exports.Set("crossProductAsync", Napi::Function::New(env, CrossProductAsync));
  exports.Set("symEigenAsync", Napi::Function::New(env, SymEigenAsync));
  exports.Set("projectAsync", Napi::Function::New(env, ProjectAsync));
}

}  // namespace earshot
