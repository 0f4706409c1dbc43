// Index bounds, lengths and finiteness are checked here, on the main thread: a fold-in's history is
// small (its rows are listeners, not the catalogue), so the checks cost microseconds.
#include "napi/linalg/fold_in.h"

#include <memory>
#include <string>
#include <vector>

#include "linalg/als_solver.h"
#include "napi/array_args.h"
#include "runtime/thread_pool.h"

namespace earshot {

namespace {

class SolveWorker : public PromiseWorker {
 public:
  SolveWorker(Napi::Env env, const AlsProblem& pr, const double* gram, int threads, std::vector<Napi::ObjectReference> pins)
      : PromiseWorker(env), pr_(pr), gram_(gram), threads_(threads), pins_(std::move(pins)) {
    out_ = Napi::Persistent(Napi::Float32Array::New(env, static_cast<size_t>(pr.rows) * pr.factors).As<Napi::Object>());
    x_ = out_.Value().As<Napi::Float32Array>().Data();
  }

 private:
  void Compute() override {
    std::vector<std::unique_ptr<AlsScratch>> scratch;
    const int t = std::max(1, std::min(threads_, pr_.rows));
    for (int i = 0; i < t; ++i) scratch.push_back(std::make_unique<AlsScratch>(pr_.factors));
    parallelFor(t, pr_.rows, 64, [&](int b, int e, int tid) {
      for (int r = b; r < e; ++r) solveRowExact(pr_, gram_, r, x_, *scratch[tid]);
    });
  }
  Napi::Value Result(Napi::Env) override { return out_.Value(); }
  AlsProblem pr_;
  const double* gram_;
  int threads_;
  std::vector<Napi::ObjectReference> pins_;
  Napi::ObjectReference out_;
  float* x_ = nullptr;
};

// alsSolveRowsAsync(indptr, indices, confidence, Y, f, lambda, gram, threads)
Napi::Value AlsSolveRowsAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EARSHOT_NAPI_TRY(env, {
    auto indptr = requireArray<Napi::Int32Array>(info, 0, napi_int32_array, "indptr", "Int32Array");
    auto indices = requireArray<Napi::Int32Array>(info, 1, napi_int32_array, "indices", "Int32Array");
    auto conf = requireArray<Napi::Float32Array>(info, 2, napi_float32_array, "confidence", "Float32Array");
    auto y = requireArray<Napi::Float32Array>(info, 3, napi_float32_array, "Y", "Float32Array");
    const int f = static_cast<int>(requireWhole(info, 4, "f", 1, 1024));
    const double lambda = requireNumber(info, 5, "lambda");
    if (!(lambda >= 0.0) || !std::isfinite(lambda)) throw Napi::RangeError::New(env, "lambda must be a finite number >= 0");
    auto gram = requireArray<Napi::Float64Array>(info, 6, napi_float64_array, "gram", "Float64Array");
    requireLength(env, gram.ElementLength(), static_cast<size_t>(f) * f, "gram", "f x f");
    checkFinite(gram.Data(), gram.ElementLength(), "gram");
    const int threads = static_cast<int>(requireWhole(info, 7, "threads", 1, 1024));
    if (y.ElementLength() % f) throw Napi::RangeError::New(env, "Y length is not a multiple of f");
    const size_t cols = y.ElementLength() / f;
    if (indptr.ElementLength() < 1 || indptr.ElementLength() > 2147483647u) throw Napi::RangeError::New(env, "indptr must have rows + 1 entries");
    const size_t rows = indptr.ElementLength() - 1;
    const int32_t* ip = indptr.Data();
    if (ip[0] != 0 || static_cast<size_t>(ip[rows]) != indices.ElementLength() || conf.ElementLength() != indices.ElementLength())
      throw Napi::RangeError::New(env, "indptr must start at 0 and end at indices.length, and confidence must match indices in length");
    for (size_t r = 0; r < rows; ++r)
      if (ip[r + 1] < ip[r]) throw Napi::RangeError::New(env, "indptr must be non-decreasing (row " + std::to_string(r) + ")");
    const int32_t* idx = indices.Data();
    for (size_t j = 0; j < indices.ElementLength(); ++j)
      if (idx[j] < 0 || static_cast<size_t>(idx[j]) >= cols)
        throw Napi::RangeError::New(env, "indices[" + std::to_string(j) + "] = " + std::to_string(idx[j]) + " is outside 0.." + std::to_string(static_cast<long long>(cols) - 1));
    checkFinite(conf.Data(), conf.ElementLength(), "confidence");
    std::vector<Napi::ObjectReference> pins;
    for (Napi::Value v : {Napi::Value(indptr), Napi::Value(indices), Napi::Value(conf), Napi::Value(y), Napi::Value(gram)})
      pins.push_back(Napi::Persistent(v.As<Napi::Object>()));
    const AlsProblem pr{ip, idx, conf.Data(), static_cast<int>(rows), y.Data(), static_cast<int>(cols), f, lambda};
    return PromiseWorker::Start(new SolveWorker(env, pr, gram.Data(), threads, std::move(pins)));
  })
}

}  // namespace

void InitFoldIn(Napi::Env env, Napi::Object exports) {
  exports.Set("alsSolveRowsAsync", Napi::Function::New(env, AlsSolveRowsAsync));
}

}  // namespace earshot
