// Run-time loading of the CUDA ALS library: like implicit's HAS_CUDA, a missing library, driver or GPU
// is reported with its reason instead of failing the addon. POSIX dlopen only (Linux, macOS).
#include "napi/cuda/als_cuda.h"

#include <memory>
#include <stdexcept>
#include <string>

#include "cuda/als_cuda.h"
#include "napi/args.h"
#include "napi/owning_wrap.h"

#if defined(__unix__) || defined(__APPLE__)
#include <dlfcn.h>
#define EARSHOT_HAVE_DLOPEN 1
#endif

namespace earshot {

namespace {

struct CudaApi {
  decltype(&earshot_cuda_als_create) create = nullptr;
  decltype(&earshot_cuda_als_iterate) iterate = nullptr;
  decltype(&earshot_cuda_als_download) download = nullptr;
  decltype(&earshot_cuda_als_destroy) destroy = nullptr;
  decltype(&earshot_cuda_device_info) info = nullptr;
};

// Loads (once per path) and resolves the C ABI; throws std::runtime_error with the reason.
const CudaApi& loadApi(const std::string& path) {
  static std::string loadedPath;
  static CudaApi api;
#ifdef EARSHOT_HAVE_DLOPEN
  if (api.create && loadedPath == path) return api;
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) throw std::runtime_error(std::string("cannot load the CUDA ALS library: ") + dlerror() + " (build it with `npm run build:cuda`)");
  CudaApi a;
  a.create = reinterpret_cast<decltype(a.create)>(dlsym(h, "earshot_cuda_als_create"));
  a.iterate = reinterpret_cast<decltype(a.iterate)>(dlsym(h, "earshot_cuda_als_iterate"));
  a.download = reinterpret_cast<decltype(a.download)>(dlsym(h, "earshot_cuda_als_download"));
  a.destroy = reinterpret_cast<decltype(a.destroy)>(dlsym(h, "earshot_cuda_als_destroy"));
  a.info = reinterpret_cast<decltype(a.info)>(dlsym(h, "earshot_cuda_device_info"));
  if (!a.create || !a.iterate || !a.download || !a.destroy || !a.info) throw std::runtime_error(path + " is not an earshot CUDA library (symbols missing)");
  api = a;
  loadedPath = path;
  return api;
#else
  throw std::runtime_error("loading the CUDA library is only supported on Linux and macOS");
#endif
}

// cudaDeviceInfo(libPath) -> { name, memoryBytes }; throws with the reason when unusable.
Napi::Value CudaDeviceInfo(const Napi::CallbackInfo& info) {
  const CudaApi& api = loadApi(stringArg(info[0], "libPath"));
  char name[256] = {0}, err[512] = {0};
  double mem = 0;
  if (api.info(name, sizeof name, &mem, err, sizeof err)) throw std::runtime_error(std::string("no usable CUDA GPU: ") + err);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("name", name);
  o.Set("memoryBytes", mem);
  return o;
}

// One factorisation on the GPU: the library's context and the sizes it was made with.
struct CudaAlsSession {
  const CudaApi* api = nullptr;
  EarshotCudaAls* ctx = nullptr;
  int users = 0, items = 0, factors = 0;
  ~CudaAlsSession() {
    if (ctx) api->destroy(ctx);
  }
};

// new CudaAls(libPath, userIndptr, userIndices, userConfidence, itemIndptr, itemIndices, itemConfidence,
//             factors, lambda, cgSteps, X0, Y0). The two matrices are each other's transpose.
class CudaAlsWrap : public OwningWrap<CudaAlsWrap, CudaAlsSession> {
 public:
  static constexpr const char* kName = "CudaAls";
  static Napi::Function Define(Napi::Env env) {
    return defineClass(env, {method<&CudaAlsWrap::Iterate>("iterate"), method<&CudaAlsWrap::Download>("download")});
  }
  using OwningWrap::OwningWrap;
  static std::shared_ptr<CudaAlsSession> create(const Napi::CallbackInfo& info) {
    auto s = std::make_shared<CudaAlsSession>();
    s->api = &loadApi(stringArg(info[0], "libPath"));
    const CsrArgs byUser = csrArgs(info, 1, "user", "confidence");
    const CsrArgs byItem = csrArgs(info, 4, "item", "confidence");
    s->factors = intArg(info[7], "factors", 1, 1024);
    const double lambda = nonNegativeArg(info[8], "lambda");
    const int steps = intArg(info[9], "cgSteps", 1, 1024);
    s->users = static_cast<int>(byUser.rows);
    s->items = static_cast<int>(byItem.rows);
    auto X0 = arrayArg<float>(info[10], "X0", byUser.rows * s->factors, "users x factors");
    auto Y0 = arrayArg<float>(info[11], "Y0", byItem.rows * s->factors, "items x factors");
    checkCsr(byUser, byItem.rows);
    checkCsr(byItem, byUser.rows);
    requireLength(byItem.indices.ElementLength(), byUser.indices.ElementLength(), "itemIndices", "userIndices.length");
    char err[512] = {0};
    s->ctx = s->api->create(byUser.indptr.Data(), byUser.indices.Data(), byUser.values.Data(), s->users, byItem.indptr.Data(),
                            byItem.indices.Data(), byItem.values.Data(), s->items, s->factors, lambda, steps, X0.Data(), Y0.Data(), err,
                            sizeof err);
    if (!s->ctx) throw std::runtime_error(std::string("CUDA ALS setup failed: ") + err);
    return s;
  }

 private:
  Napi::Value Iterate(const Napi::CallbackInfo& info) {
    CudaAlsSession& s = live(info.Env());
    char err[512] = {0};
    if (s.api->iterate(s.ctx, err, sizeof err)) throw std::runtime_error(std::string("CUDA ALS iteration failed: ") + err);
    return info.Env().Undefined();
  }
  Napi::Value Download(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CudaAlsSession& s = live(env);
    Napi::Float32Array X = Napi::Float32Array::New(env, static_cast<size_t>(s.users) * s.factors);
    Napi::Float32Array Y = Napi::Float32Array::New(env, static_cast<size_t>(s.items) * s.factors);
    char err[512] = {0};
    if (s.api->download(s.ctx, X.Data(), Y.Data(), err, sizeof err)) throw std::runtime_error(std::string("CUDA download failed: ") + err);
    Napi::Object o = Napi::Object::New(env);
    o.Set("userFactors", X);
    o.Set("itemFactors", Y);
    return o;
  }
};

}  // namespace

void InitCudaAls(Napi::Env env, Napi::Object exports) {
  exportFunction<CudaDeviceInfo>(env, exports, "cudaDeviceInfo");
  exports.Set("CudaAls", CudaAlsWrap::Define(env));
}

}  // namespace earshot
