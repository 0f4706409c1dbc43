// Run-time loading of the CUDA ALS library: like implicit's HAS_CUDA, a missing library, driver or GPU
// is reported with its reason instead of failing the addon. POSIX dlopen only (Linux, macOS).
#include "napi/cuda/als_cuda.h"

#include <string>
#include <vector>

#include "cuda/als_cuda.h"
#include "napi/napi_util.h"

#if defined(__unix__) || defined(__APPLE__)
#include <dlfcn.h>
#define EARSHOT_HAVE_DLOPEN 1
#endif

namespace earshot {

struct CudaApi {
  decltype(&earshot_cuda_als_create) create = nullptr;
  decltype(&earshot_cuda_als_iterate) iterate = nullptr;
  decltype(&earshot_cuda_als_download) download = nullptr;
  decltype(&earshot_cuda_als_destroy) destroy = nullptr;
  decltype(&earshot_cuda_device_info) info = nullptr;
};

// Loads (once per path) and resolves the C ABI; throws std::runtime_error with the reason.
static const CudaApi& loadApi(const std::string& path) {
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

static std::string requireString(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsString()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

// cudaDeviceInfo(libPath) -> { name, memoryBytes }; throws with the reason when unusable.
static Napi::Value CudaDeviceInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EARSHOT_NAPI_TRY(env, {
    const CudaApi& api = loadApi(requireString(info, 0, "libPath"));
    char name[256] = {0}, err[512] = {0};
    double mem = 0;
    if (api.info(name, sizeof name, &mem, err, sizeof err)) throw std::runtime_error(std::string("no usable CUDA GPU: ") + err);
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", name);
    o.Set("memoryBytes", mem);
    return o;
  })
}

static Napi::Int32Array int32Arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be an Int32Array");
  return info[i].As<Napi::Int32Array>();
}

// new CudaAls(libPath, userIndptr, userIndices, userConf, itemIndptr, itemIndices, itemConf,
//             factors, lambda, cgSteps, X0, Y0). Index bounds are checked by the TS layer (checkCsr).
class CudaAlsWrap : public Napi::ObjectWrap<CudaAlsWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "CudaAls", {InstanceMethod("iterate", &CudaAlsWrap::Iterate), InstanceMethod("download", &CudaAlsWrap::Download),
                                        InstanceMethod("dispose", &CudaAlsWrap::Dispose)});
  }
  CudaAlsWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CudaAlsWrap>(info) {
    Napi::Env env = info.Env();
    EARSHOT_NAPI_TRY(env, {
      api_ = &loadApi(requireString(info, 0, "libPath"));
      Napi::Int32Array ui = int32Arg(info, 1, "userIndptr"), ux = int32Arg(info, 2, "userIndices");
      Napi::Float32Array uc = requireFloat32(info, 3, "userConfidence");
      Napi::Int32Array ii = int32Arg(info, 4, "itemIndptr"), ix = int32Arg(info, 5, "itemIndices");
      Napi::Float32Array ic = requireFloat32(info, 6, "itemConfidence");
      factors_ = requireInt(info, 7, "factors", 1, 1024);
      const double lambda = requireNumber(info, 8, "lambda");
      const int steps = requireInt(info, 9, "cgSteps", 1, 1024);
      Napi::Float32Array X0 = requireFloat32(info, 10, "X0"), Y0 = requireFloat32(info, 11, "Y0");
      users_ = static_cast<int>(ui.ElementLength()) - 1;
      items_ = static_cast<int>(ii.ElementLength()) - 1;
      if (users_ < 0 || items_ < 0 || X0.ElementLength() != static_cast<size_t>(users_) * factors_ || Y0.ElementLength() != static_cast<size_t>(items_) * factors_ ||
          static_cast<size_t>(ui.Data()[users_]) != ux.ElementLength() || static_cast<size_t>(ii.Data()[items_]) != ix.ElementLength() ||
          ux.ElementLength() != uc.ElementLength() || ix.ElementLength() != ic.ElementLength() || ux.ElementLength() != ix.ElementLength()) {
        throw Napi::RangeError::New(env, "CudaAls: inconsistent matrix or factor sizes");
      }
      char err[512] = {0};
      ctx_ = api_->create(ui.Data(), ux.Data(), uc.Data(), users_, ii.Data(), ix.Data(), ic.Data(), items_, factors_, lambda, steps,
                          X0.Data(), Y0.Data(), err, sizeof err);
      if (!ctx_) throw std::runtime_error(std::string("CUDA ALS setup failed: ") + err);
    })
  }
  ~CudaAlsWrap() override { if (ctx_) api_->destroy(ctx_); }

 private:
  void live(Napi::Env env) { if (!ctx_) throw Napi::Error::New(env, "CudaAls was disposed"); }
  Napi::Value Iterate(const Napi::CallbackInfo& info) {
    live(info.Env());
    char err[512] = {0};
    if (api_->iterate(ctx_, err, sizeof err)) throw Napi::Error::New(info.Env(), std::string("CUDA ALS iteration failed: ") + err);
    return info.Env().Undefined();
  }
  Napi::Value Download(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    live(env);
    Napi::Float32Array X = Napi::Float32Array::New(env, static_cast<size_t>(users_) * factors_);
    Napi::Float32Array Y = Napi::Float32Array::New(env, static_cast<size_t>(items_) * factors_);
    char err[512] = {0};
    if (api_->download(ctx_, X.Data(), Y.Data(), err, sizeof err)) throw Napi::Error::New(env, std::string("CUDA download failed: ") + err);
    Napi::Object o = Napi::Object::New(env);
    o.Set("userFactors", X);
    o.Set("itemFactors", Y);
    return o;
  }
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    if (ctx_) { api_->destroy(ctx_); ctx_ = nullptr; }
    return info.Env().Undefined();
  }
  const CudaApi* api_ = nullptr;
  EarshotCudaAls* ctx_ = nullptr;
  int users_ = 0, items_ = 0, factors_ = 0;
};

void InitCudaAls(Napi::Env env, Napi::Object exports) {
  exports.Set("cudaDeviceInfo", Napi::Function::New(env, CudaDeviceInfo));
  exports.Set("CudaAls", CudaAlsWrap::Define(env));
}

}  // namespace earshot
