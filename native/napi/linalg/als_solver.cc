// N-API surface of the ALS row solvers. Arrays are checked for sizes and index bounds here (cheap
// next to a sweep) so that no input can make the kernels read or write out of bounds.
#include "napi/linalg/als_solver.h"

#include <memory>
#include <string>
#include <vector>

#include "linalg/als_solver.h"
#include "napi/napi_util.h"
#include "runtime/thread_pool.h"

namespace earshot {

static Napi::TypedArray requireTyped(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type type, const char* name, const char* typeName) {
  if (info.Length() <= i || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != type) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a " + typeName);
  }
  return info[i].As<Napi::TypedArray>();
}

// Arguments shared by every entry point:
// (indptr Int32Array, indices Int32Array, confidence Float32Array, X Float32Array, Y Float32Array,
//  factors, lambda)
struct AlsArgs {
  Napi::Int32Array indptr, indices;
  Napi::Float32Array conf, X, Y;
  AlsProblem pr{};
};

static AlsArgs readArgs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AlsArgs a;
  a.indptr = requireTyped(info, 0, napi_int32_array, "indptr", "Int32Array").As<Napi::Int32Array>();
  a.indices = requireTyped(info, 1, napi_int32_array, "indices", "Int32Array").As<Napi::Int32Array>();
  a.conf = requireFloat32(info, 2, "confidence");
  a.X = requireFloat32(info, 3, "X");
  a.Y = requireFloat32(info, 4, "Y");
  const int f = requireInt(info, 5, "factors", 1, 1024);
  const double lambda = requireNumber(info, 6, "lambda");
  if (!(lambda >= 0.0) || !std::isfinite(lambda)) throw Napi::RangeError::New(env, "lambda must be a finite number >= 0");
  if (a.indptr.ElementLength() < 1) throw Napi::RangeError::New(env, "indptr must have rows + 1 entries");
  const size_t rows = a.indptr.ElementLength() - 1;
  if (a.X.ElementLength() != rows * f) throw Napi::RangeError::New(env, "X must hold rows x factors = " + std::to_string(rows * f) + " floats, got " + std::to_string(a.X.ElementLength()));
  if (a.Y.ElementLength() % f) throw Napi::RangeError::New(env, "Y length is not a multiple of factors");
  const size_t cols = a.Y.ElementLength() / f;
  const int32_t* ip = a.indptr.Data();
  if (ip[0] != 0 || static_cast<size_t>(ip[rows]) != a.indices.ElementLength() || a.conf.ElementLength() != a.indices.ElementLength()) {
    throw Napi::RangeError::New(env, "indptr must start at 0 and end at indices.length, and confidence must match indices in length");
  }
  for (size_t r = 0; r < rows; ++r)
    if (ip[r + 1] < ip[r]) throw Napi::RangeError::New(env, "indptr must be non-decreasing (row " + std::to_string(r) + ")");
  const int32_t* idx = a.indices.Data();
  for (size_t j = 0; j < a.indices.ElementLength(); ++j)
    if (idx[j] < 0 || static_cast<size_t>(idx[j]) >= cols) throw Napi::RangeError::New(env, "indices[" + std::to_string(j) + "] = " + std::to_string(idx[j]) + " is outside 0.." + std::to_string(cols - 1));
  a.pr = AlsProblem{ip, idx, a.conf.Data(), static_cast<int>(rows), a.Y.Data(), static_cast<int>(cols), f, lambda};
  return a;
}

// One half-iteration on the thread pool: X[r] <- argmin for every row r, Y fixed. The typed arrays
// are pinned by references until the promise settles; JS must not write to X or Y meanwhile.
class SweepWorker : public PromiseWorker {
 public:
  SweepWorker(Napi::Env env, AlsArgs a, bool exact, int steps, int threads)
      : PromiseWorker(env), pr_(a.pr), X_(a.X.Data()),
        exact_(exact), steps_(steps), threads_(threads) {
    for (Napi::Value v : {Napi::Value(a.indptr), Napi::Value(a.indices), Napi::Value(a.conf), Napi::Value(a.X), Napi::Value(a.Y)})
      pins_.push_back(Napi::Persistent(v.As<Napi::Object>()));
  }

 private:
  void Compute() override {
    std::vector<double> G;
    gramMatrix(pr_.Y, pr_.cols, pr_.factors, G);
    std::vector<std::unique_ptr<AlsScratch>> scratch;
    for (int t = 0; t < threads_; ++t) scratch.push_back(std::make_unique<AlsScratch>(pr_.factors));
    parallelFor(threads_, pr_.rows, 256, [&](int b, int e, int t) {
      for (int r = b; r < e; ++r) {
        if (exact_) solveRowExact(pr_, G.data(), r, X_, *scratch[t]);
        else solveRowCg(pr_, G.data(), r, X_, steps_, *scratch[t]);
      }
    });
  }
  AlsProblem pr_;
  float* X_;
  bool exact_;
  int steps_, threads_;
  std::vector<Napi::ObjectReference> pins_;
};

// alsSweepAsync(indptr, indices, confidence, X, Y, factors, lambda, solver 'cg'|'exact', cgSteps, threads)
static Napi::Value AlsSweepAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EARSHOT_NAPI_TRY(env, {
    AlsArgs a = readArgs(info);
    if (info.Length() <= 7 || !info[7].IsString()) throw Napi::TypeError::New(env, "solver must be 'cg' or 'exact'");
    const std::string solver = info[7].As<Napi::String>().Utf8Value();
    if (solver != "cg" && solver != "exact") throw Napi::RangeError::New(env, "solver must be 'cg' or 'exact', got '" + solver + "'");
    const int steps = requireInt(info, 8, "cgSteps", 1, 1024);
    const int threads = requireInt(info, 9, "threads", 1, 1024);
    return PromiseWorker::Start(new SweepWorker(env, a, solver == "exact", steps, threads));
  })
}

// alsLoss(indptr, indices, confidence, X, Y, factors, lambda, threads): the full objective
// sum_{u,i} c_ui (p_ui - x_u.y_i)^2 + lambda (sum |x_u|^2 + sum |y_i|^2), rows of X against Y.
static Napi::Value AlsLoss(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EARSHOT_NAPI_TRY(env, {
    AlsArgs a = readArgs(info);
    const int threads = requireInt(info, 7, "threads", 1, 1024);
    std::vector<double> G;
    gramMatrix(a.pr.Y, a.pr.cols, a.pr.factors, G);
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
    return Napi::Number::New(env, loss + a.pr.lambda * yNorm);
  })
}

void InitAls(Napi::Env env, Napi::Object exports) {
  exports.Set("alsSweepAsync", Napi::Function::New(env, AlsSweepAsync));
  exports.Set("alsLoss", Napi::Function::New(env, AlsLoss));
}

}  // namespace earshot
