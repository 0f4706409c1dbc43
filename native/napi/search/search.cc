// Arguments are re-checked here (types, lengths, ranges, finite queries) so that no input can make the
// kernels read out of bounds; the TypeScript Catalog has validated them already with clearer messages.
#include "napi/search/search.h"

#include <memory>
#include <string>
#include <vector>

#include "napi/array_args.h"
#include "search/ivf_index.h"
#include "search/topk.h"

namespace earshot {

namespace {

struct Queries {
  std::vector<float> packed;
  int nq = 0;
};

// queries Float32Array nq*f at info[i], nq at info[i + 1]: finite, packed for the kernel.
Queries readQueries(const Napi::CallbackInfo& info, size_t i, int f) {
  auto q = requireArray<Napi::Float32Array>(info, i, napi_float32_array, "queries", "Float32Array");
  const int nq = static_cast<int>(requireWhole(info, i + 1, "nq", 1, 1 << 20));
  requireLength(info.Env(), q.ElementLength(), static_cast<size_t>(nq) * f, "queries", "nq x f");
  checkFinite(q.Data(), q.ElementLength(), "queries");
  return {packQueries(q.Data(), nq, f), nq};
}

// Optional per-row multiplier covering at least `rows` rows.
const float* optionalScale(const Napi::CallbackInfo& info, size_t i, size_t rows, const char* name) {
  if (isAbsent(info, i)) return nullptr;
  auto s = requireArray<Napi::Float32Array>(info, i, napi_float32_array, name, "Float32Array");
  if (s.ElementLength() < rows) throw Napi::RangeError::New(info.Env(), std::string(name) + " must hold at least " + std::to_string(rows) + " values, got " + std::to_string(s.ElementLength()));
  return s.Data();
}

// Factors (>= rows x f) and per-row scales (>= rows) of the catalogue.
void requireRows(Napi::Env env, const Napi::Float32Array& y, const Napi::Float32Array& scale, size_t rows, int f) {
  if (y.ElementLength() < rows * f) throw Napi::RangeError::New(env, "Y must hold at least " + std::to_string(rows) + " x f = " + std::to_string(rows * f) + " values, got " + std::to_string(y.ElementLength()));
  if (scale.ElementLength() < rows) throw Napi::RangeError::New(env, "scale must hold at least " + std::to_string(rows) + " values, got " + std::to_string(scale.ElementLength()));
}

Napi::Object hitsToJs(Napi::Env env, const std::vector<Hit>& hits) {
  auto indices = Napi::Int32Array::New(env, hits.size());
  auto scores = Napi::Float32Array::New(env, hits.size());
  int32_t* ix = indices.Data();
  float* sc = scores.Data();
  for (size_t t = 0; t < hits.size(); ++t) { ix[t] = hits[t].index; sc[t] = hits[t].score; }
  Napi::Object o = Napi::Object::New(env);
  o.Set("indices", indices);
  o.Set("scores", scores);
  return o;
}

// catalogTopK(Y, n, f, queries, nq, k, scale | null, threads)
Napi::Value CatalogTopK(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EARSHOT_NAPI_TRY(env, {
    auto y = requireArray<Napi::Float32Array>(info, 0, napi_float32_array, "Y", "Float32Array");
    const size_t n = static_cast<size_t>(requireWhole(info, 1, "n", 1, 2147483647.0));
    const int f = static_cast<int>(requireWhole(info, 2, "f", 1, kTopkMaxFactors));
    if (y.ElementLength() < n * f) throw Napi::RangeError::New(env, "Y must hold at least n x f = " + std::to_string(n * f) + " values, got " + std::to_string(y.ElementLength()));
    Queries q = readQueries(info, 3, f);
    const int k = static_cast<int>(requireWhole(info, 5, "k", 1, static_cast<double>(n)));
    const float* scale = optionalScale(info, 6, n, "scale");
    const int threads = static_cast<int>(requireWhole(info, 7, "threads", 1, 1024));
    std::vector<Hit> hits(static_cast<size_t>(q.nq) * k);
    exactTopK(y.Data(), y.ElementLength(), n, f, q.packed.data(), q.nq, k, scale, threads, hits.data());
    return hitsToJs(env, hits);
  })
}

class IvfWrap : public Napi::ObjectWrap<IvfWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "IvfIndex",
                       {
                           InstanceMethod<&IvfWrap::Add>("add"),
                           InstanceMethod<&IvfWrap::Search>("search"),
                           InstanceMethod<&IvfWrap::ListSizes>("listSizes"),
                           InstanceAccessor<&IvfWrap::GetRows>("rows"),
                           InstanceAccessor<&IvfWrap::GetLists>("lists"),
                       });
  }

  // new IvfIndex(centroids Float32Array nlist*f, nlist, f, labels Int32Array n, Y Float32Array >= n*f, scale Float32Array >= n)
  explicit IvfWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<IvfWrap>(info) {
    Napi::Env env = info.Env();
    EARSHOT_NAPI_TRY(env, {
      auto c = requireArray<Napi::Float32Array>(info, 0, napi_float32_array, "centroids", "Float32Array");
      const int nlist = static_cast<int>(requireWhole(info, 1, "nlist", 1, 1 << 22));
      const int f = static_cast<int>(requireWhole(info, 2, "f", 1, kTopkMaxFactors));
      requireLength(env, c.ElementLength(), static_cast<size_t>(nlist) * f, "centroids", "nlist x f");
      checkFinite(c.Data(), c.ElementLength(), "centroids");
      auto labels = requireArray<Napi::Int32Array>(info, 3, napi_int32_array, "labels", "Int32Array");
      const size_t n = labels.ElementLength();
      auto y = requireArray<Napi::Float32Array>(info, 4, napi_float32_array, "Y", "Float32Array");
      auto scale = requireArray<Napi::Float32Array>(info, 5, napi_float32_array, "scale", "Float32Array");
      requireRows(env, y, scale, n, f);
      index_ = std::make_unique<IvfIndex>(c.Data(), nlist, f);
      index_->append(y.Data(), scale.Data(), labels.Data(), n);
    })
  }

 private:
  // add(Y, scale, end) -> Int32Array: the lists of rows [rows, end), which are appended.
  Napi::Value Add(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    EARSHOT_NAPI_TRY(env, {
      requireArray<Napi::Float32Array>(info, 0, napi_float32_array, "Y", "Float32Array");
      requireArray<Napi::Float32Array>(info, 1, napi_float32_array, "scale", "Float32Array");
      const size_t from = index_->rows();
      const size_t end = static_cast<size_t>(requireWhole(info, 2, "end", static_cast<double>(from), 2147483647.0));
      auto labels = Napi::Int32Array::New(env, end - from);
      auto y = info[0].As<Napi::Float32Array>();  // re-read after the allocation above
      auto scale = info[1].As<Napi::Float32Array>();
      requireRows(env, y, scale, end, index_->factors());
      checkFinite(y.Data() + from * index_->factors(), (end - from) * index_->factors(), "Y");
      index_->addRows(y.Data(), scale.Data(), end, labels.Data());
      return labels;
    })
  }

  // search(queries, nq, k, nprobe, scaled, centroidScale | null, threads)
  Napi::Value Search(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    EARSHOT_NAPI_TRY(env, {
      Queries q = readQueries(info, 0, index_->factors());
      const int k = static_cast<int>(requireWhole(info, 2, "k", 1, 1 << 24));
      const int nprobe = static_cast<int>(requireWhole(info, 3, "nprobe", 1, index_->lists()));
      if (info.Length() <= 4 || !info[4].IsBoolean()) throw Napi::TypeError::New(env, "scaled must be a boolean");
      const bool scaled = info[4].As<Napi::Boolean>().Value();
      const float* centroidScale = optionalScale(info, 5, index_->lists(), "centroidScale");
      const int threads = static_cast<int>(requireWhole(info, 6, "threads", 1, 1024));
      std::vector<Hit> hits(static_cast<size_t>(q.nq) * k);
      index_->search(q.packed.data(), q.nq, k, nprobe, scaled, centroidScale, threads, hits.data());
      return hitsToJs(env, hits);
    })
  }

  Napi::Value ListSizes(const Napi::CallbackInfo& info) {
    auto sizes = Napi::Int32Array::New(info.Env(), index_->lists());
    for (int j = 0; j < index_->lists(); ++j) sizes.Data()[j] = static_cast<int32_t>(index_->listSize(j));
    return sizes;
  }
  Napi::Value GetRows(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(index_->rows())); }
  Napi::Value GetLists(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), index_->lists()); }

  std::unique_ptr<IvfIndex> index_;
};

}  // namespace

void InitCatalog(Napi::Env env, Napi::Object exports) {
  exports.Set("catalogTopK", Napi::Function::New(env, CatalogTopK));
  exports.Set("IvfIndex", IvfWrap::Define(env));
}

}  // namespace earshot
