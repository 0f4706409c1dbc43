// Arguments are re-checked here (types, lengths, ranges, finite queries) so that no input can make the
// kernel read out of bounds; the TypeScript Catalog has validated them already with clearer messages.
#include "napi/search/topk.h"

#include <vector>

#include "napi/args.h"
#include "napi/search/queries.h"
#include "search/topk.h"

namespace earshot {

namespace {

// catalogTopK(Y, n, f, queries, nq, k, scale | null, threads)
Napi::Value CatalogTopK(const Napi::CallbackInfo& info) {
  auto y = arrayArg<float>(info[0], "Y");
  const size_t n = intArg<size_t>(info[1], "n", 1, kMaxInt32);
  const int f = intArg(info[2], "f", 1, kTopkMaxFactors);
  requireAtLeast(y.ElementLength(), n * f, "Y", "n x f");
  Queries q = readQueries(info, 3, f);
  const int k = intArg(info[5], "k", 1, static_cast<double>(n));
  const float* scale = optionalScale(info[6], n, "scale");
  const int threads = intArg(info[7], "threads", 1, 1024);
  std::vector<Hit> hits(static_cast<size_t>(q.nq) * k);
  exactTopK(y.Data(), y.ElementLength(), n, f, q.packed.data(), q.nq, k, scale, threads, hits.data());
  return hitsToJs(info.Env(), hits);
}

}  // namespace

void InitTopK(Napi::Env env, Napi::Object exports) { exportFunction<CatalogTopK>(env, exports, "catalogTopK"); }

}  // namespace earshot
