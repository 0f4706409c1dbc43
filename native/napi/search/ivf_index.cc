// Arguments are re-checked here (types, lengths, ranges, finite rows and queries) so that no input can
// make the index read out of bounds; the TypeScript Catalog has validated them already with clearer
// messages.
#include "napi/search/ivf_index.h"

#include <memory>
#include <string>
#include <vector>

#include "napi/args.h"
#include "napi/owning_wrap.h"
#include "napi/search/queries.h"
#include "search/ivf_index.h"

namespace earshot {

namespace {

// Factors (>= rows x f) and per-row scales (>= rows) of the catalogue.
void requireRows(const Napi::Float32Array& y, const Napi::Float32Array& scale, size_t rows, int f) {
  requireAtLeast(y.ElementLength(), rows * f, "Y", std::to_string(rows) + " x f");
  requireAtLeast(scale.ElementLength(), rows, "scale");
}

class IvfWrap : public OwningWrap<IvfWrap, IvfIndex> {
 public:
  static constexpr const char* kName = "IvfIndex";
  static Napi::Function Define(Napi::Env env) {
    return defineClass(env, {method<&IvfWrap::Add>("add"), method<&IvfWrap::Search>("search"), method<&IvfWrap::ListSizes>("listSizes"),
                             getter<&IvfWrap::GetRows>("rows"), getter<&IvfWrap::GetLists>("lists")});
  }
  using OwningWrap::OwningWrap;
  // new IvfIndex(centroids Float32Array nlist*f, nlist, f, labels Int32Array n, Y Float32Array >= n*f, scale Float32Array >= n)
  static std::shared_ptr<IvfIndex> create(const Napi::CallbackInfo& info) {
    auto c = arrayArg<float>(info[0], "centroids");
    const int nlist = intArg(info[1], "nlist", 1, 1 << 22);
    const int f = intArg(info[2], "f", 1, kTopkMaxFactors);
    requireLength(c.ElementLength(), static_cast<size_t>(nlist) * f, "centroids", "nlist x f");
    checkFinite(c.Data(), c.ElementLength(), "centroids");
    auto labels = arrayArg<int32_t>(info[3], "labels");
    auto y = arrayArg<float>(info[4], "Y");
    auto scale = arrayArg<float>(info[5], "scale");
    requireRows(y, scale, labels.ElementLength(), f);
    auto index = std::make_shared<IvfIndex>(c.Data(), nlist, f);
    index->append(y.Data(), scale.Data(), labels.Data(), labels.ElementLength());
    return index;
  }

 private:
  // add(Y, scale, end) -> Int32Array: the lists of rows [rows, end), which are appended.
  Napi::Value Add(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    IvfIndex& index = live(env);
    arrayArg<float>(info[0], "Y");
    arrayArg<float>(info[1], "scale");
    const size_t from = index.rows();
    const size_t end = intArg<size_t>(info[2], "end", static_cast<double>(from), kMaxInt32);
    auto labels = Napi::Int32Array::New(env, end - from);
    auto y = info[0].As<Napi::Float32Array>();  // re-read after the allocation above
    auto scale = info[1].As<Napi::Float32Array>();
    requireRows(y, scale, end, index.factors());
    checkFinite(y.Data() + from * index.factors(), (end - from) * index.factors(), "Y");
    index.addRows(y.Data(), scale.Data(), end, labels.Data());
    return labels;
  }

  // search(queries, nq, k, nprobe, scaled, centroidScale | null, threads)
  Napi::Value Search(const Napi::CallbackInfo& info) {
    const IvfIndex& index = live(info.Env());
    Queries q = readQueries(info, 0, index.factors());
    const int k = intArg(info[2], "k", 1, 1 << 24);
    const int nprobe = intArg(info[3], "nprobe", 1, index.lists());
    const bool scaled = boolArg(info[4], "scaled");
    const float* centroidScale = optionalScale(info[5], index.lists(), "centroidScale");
    const int threads = intArg(info[6], "threads", 1, 1024);
    std::vector<Hit> hits(static_cast<size_t>(q.nq) * k);
    index.search(q.packed.data(), q.nq, k, nprobe, scaled, centroidScale, threads, hits.data());
    return hitsToJs(info.Env(), hits);
  }

  Napi::Value ListSizes(const Napi::CallbackInfo& info) {
    const IvfIndex& index = live(info.Env());
    auto sizes = Napi::Int32Array::New(info.Env(), index.lists());
    for (int j = 0; j < index.lists(); ++j) sizes.Data()[j] = static_cast<int32_t>(index.listSize(j));
    return sizes;
  }
  Napi::Value GetRows(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(live(info.Env()).rows())); }
  Napi::Value GetLists(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), live(info.Env()).lists()); }
};

}  // namespace

void InitIvfIndex(Napi::Env env, Napi::Object exports) { exports.Set("IvfIndex", IvfWrap::Define(env)); }

}  // namespace earshot
