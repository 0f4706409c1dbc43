// Index bounds, lengths and finiteness are checked here, on the main thread: a fold-in's history is
// small (its rows are listeners, not the catalogue), so the checks cost microseconds.
#include "napi/linalg/fold_in.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "linalg/als_solver.h"
#include "napi/args.h"
#include "napi/promise_worker.h"
#include "runtime/thread_pool.h"

namespace earshot {

namespace {

class SolveWorker : public ArrayResultWorker<Napi::Float32Array> {
 public:
  SolveWorker(Napi::Env env, const CsrArgs& m, Napi::Float32Array y, int f, double lambda, Napi::Float64Array gram, int threads)
      : ArrayResultWorker(env, m.rows * f),
        pr_{pin(m.indptr), pin(m.indices), pin(m.values), static_cast<int>(m.rows), pin(y), static_cast<int>(y.ElementLength() / f), f, lambda},
        gram_(pin(gram)), threads_(threads) {}

 private:
  void Compute() override {
    std::vector<std::unique_ptr<AlsScratch>> scratch;
    const int t = std::max(1, std::min(threads_, pr_.rows));
    for (int i = 0; i < t; ++i) scratch.push_back(std::make_unique<AlsScratch>(pr_.factors));
    parallelFor(t, pr_.rows, 64, [&](int b, int e, int tid) {
      for (int r = b; r < e; ++r) solveRowExact(pr_, gram_, r, out(), *scratch[tid]);
    });
  }
  AlsProblem pr_;
  const double* gram_;
  int threads_;
};

// alsSolveRowsAsync(indptr, indices, confidence, Y, f, lambda, gram, threads)
Napi::Value AlsSolveRowsAsync(const Napi::CallbackInfo& info) {
  const CsrArgs m = csrArgs(info, 0, "", "confidence");
  auto y = arrayArg<float>(info[3], "Y");
  const int f = intArg(info[4], "f", 1, 1024);
  const double lambda = nonNegativeArg(info[5], "lambda");
  auto gram = arrayArg<double>(info[6], "gram", static_cast<size_t>(f) * f, "f x f");
  checkFinite(gram.Data(), gram.ElementLength(), "gram");
  const int threads = intArg(info[7], "threads", 1, 1024);
  checkCsr(m, rowsOf(y.ElementLength(), f, "Y", "f"));
  checkFinite(m.values.Data(), m.values.ElementLength(), "confidence");
  return PromiseWorker::Start(new SolveWorker(info.Env(), m, y, f, lambda, gram, threads));
}

}  // namespace

void InitFoldIn(Napi::Env env, Napi::Object exports) { exportFunction<AlsSolveRowsAsync>(env, exports, "alsSolveRowsAsync"); }

}  // namespace earshot
