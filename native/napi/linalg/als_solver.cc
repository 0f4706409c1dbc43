// N-API surface of the ALS row solvers. Arrays are checked for sizes and index bounds here (cheap
// next to a sweep) so that no input can make the kernels read or write out of bounds.
#include "napi/linalg/als_solver.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "linalg/als_cg.h"
#include "linalg/als_solver.h"
#include "napi/args.h"
#include "napi/promise_worker.h"
#include "runtime/thread_pool.h"

namespace earshot {

namespace {

// Arguments shared by every entry point:
// (indptr Int32Array, indices Int32Array, confidence Float32Array, X Float32Array, Y Float32Array,
//  factors, lambda)
struct AlsArgs {
  CsrArgs m;
  Napi::Float32Array X, Y;
  AlsProblem pr{};
};

AlsArgs readArgs(const Napi::CallbackInfo& info) {
  AlsArgs a;
  a.m = csrArgs(info, 0, "", "confidence");
  a.X = arrayArg<float>(info[3], "X");
  a.Y = arrayArg<float>(info[4], "Y");
  const int f = intArg(info[5], "factors", 1, 1024);
  const double lambda = nonNegativeArg(info[6], "lambda");
  requireLength(a.X.ElementLength(), a.m.rows * f, "X", "rows x factors");
  const size_t cols = rowsOf(a.Y.ElementLength(), f, "Y", "factors");
  checkCsr(a.m, cols);
  a.pr = AlsProblem{a.m.indptr.Data(), a.m.indices.Data(), a.m.values.Data(), static_cast<int>(a.m.rows), a.Y.Data(), static_cast<int>(cols), f, lambda};
  return a;
}

// One half-iteration on the thread pool: X[r] <- argmin for every row r, Y fixed. The typed arrays
// are pinned until the promise settles; JS must not write to X or Y meanwhile.
class SweepWorker : public PromiseWorker {
 public:
  SweepWorker(Napi::Env env, const AlsArgs& a, bool exact, int steps, int threads)
      : PromiseWorker(env), pr_(a.pr), X_(pin(a.X)), exact_(exact), steps_(steps), threads_(threads) {
    pin(a.m.indptr);
    pin(a.m.indices);
    pin(a.m.values);
    pin(a.Y);
  }

 private:
  void Compute() override {
    if (!exact_) return alsSweepCg(pr_, X_, steps_, threads_);
    std::vector<double> G;
    gramMatrix(pr_.Y, pr_.cols, pr_.factors, G, threads_);
    std::vector<std::unique_ptr<AlsScratch>> scratch;
    for (int t = 0; t < threads_; ++t) scratch.push_back(std::make_unique<AlsScratch>(pr_.factors));
    parallelFor(threads_, pr_.rows, 256, [&](int b, int e, int t) {
      for (int r = b; r < e; ++r) solveRowExact(pr_, G.data(), r, X_, *scratch[t]);
    });
  }
  AlsProblem pr_;
  float* X_;
  bool exact_;
  int steps_, threads_;
};

// alsSweepAsync(indptr, indices, confidence, X, Y, factors, lambda, solver 'cg'|'exact', cgSteps, threads)
Napi::Value AlsSweepAsync(const Napi::CallbackInfo& info) {
  const AlsArgs a = readArgs(info);
  if (!info[7].IsString()) throw std::invalid_argument("solver must be 'cg' or 'exact'");
  const std::string solver = info[7].As<Napi::String>().Utf8Value();
  if (solver != "cg" && solver != "exact") throw std::range_error("solver must be 'cg' or 'exact', got '" + solver + "'");
  const int steps = intArg(info[8], "cgSteps", 1, 1024);
  const int threads = intArg(info[9], "threads", 1, 1024);
  return PromiseWorker::Start(new SweepWorker(info.Env(), a, solver == "exact", steps, threads));
}

// alsLoss(indptr, indices, confidence, X, Y, factors, lambda, threads): the full objective
// sum_{u,i} c_ui (p_ui - x_u.y_i)^2 + lambda (sum |x_u|^2 + sum |y_i|^2), rows of X against Y.
Napi::Value AlsLoss(const Napi::CallbackInfo& info) {
  const AlsArgs a = readArgs(info);
  const int threads = intArg(info[7], "threads", 1, 1024);
  std::vector<double> G;
  gramMatrix(a.pr.Y, a.pr.cols, a.pr.factors, G, threads);
  // Partial sums per fixed block of rows, added in block order: deterministic for any thread count.
  const int block = 1024;
  std::vector<double> partial((a.pr.rows + block - 1) / block, 0.0);
  parallelFor(threads, static_cast<int>(partial.size()), 1, [&](int b, int e, int) {
    for (int k = b; k < e; ++k) partial[k] = rowsLoss(a.pr, G.data(), a.X.Data(), k * block, std::min(a.pr.rows, (k + 1) * block));
  });
  double loss = 0.0;
  for (double v : partial) loss += v;
  double yNorm = 0.0;
  for (size_t i = 0; i < a.Y.ElementLength(); ++i) yNorm += static_cast<double>(a.Y.Data()[i]) * a.Y.Data()[i];
  return Napi::Number::New(info.Env(), loss + a.pr.lambda * yNorm);
}

}  // namespace

void InitAls(Napi::Env env, Napi::Object exports) {
  exportFunction<AlsSweepAsync>(env, exports, "alsSweepAsync");
  exportFunction<AlsLoss>(env, exports, "alsLoss");
}

}  // namespace earshot
