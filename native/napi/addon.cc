// earshot_native: the hot DSP kernels behind a small typed API (src/dsp/native.ts declares it).
#include <napi.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "napi/linalg/als_solver.h"
#include "napi/search/search.h"
#include "napi/cuda/als_cuda.h"
#include "dsp/dsp_kernels.h"
#include "napi/linalg/fold_in.h"
#include "napi/cluster/kmeans.h"
#include "napi/dsp/mel.h"
#include "napi/napi_util.h"
#include "napi/linalg/pca.h"
#include "napi/dsp/resampler.h"

namespace earshot {

// kernels() -> active ISA name; kernels("generic" | "avx2" | "auto") selects, false if unavailable.
static Napi::Value Kernels(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsString()) {
    if (!selectKernels(info[0].As<Napi::String>().Utf8Value().c_str())) return Napi::Boolean::New(info.Env(), false);
  }
  return Napi::String::New(info.Env(), activeKernels().isa);
}

// trimMemory() -> whether memory was returned. glibc keeps freed blocks in its arenas (one per thread
// that ever allocated) and returns only the top of the main heap by itself, so after a thousand
// streams close a server would hold their buffers' pages for ever; malloc_trim(0) gives every
// arena's free pages back. A no-op (false) on other C libraries.
static Napi::Value TrimMemory(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  return Napi::Boolean::New(info.Env(), malloc_trim(0) != 0);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("kernels", Napi::Function::New(env, Kernels));
  exports.Set("trimMemory", Napi::Function::New(env, TrimMemory));
  InitMel(env, exports);
  InitResampler(env, exports);
  InitAls(env, exports);
  InitCudaAls(env, exports);
  InitKmeans(env, exports);
  InitPca(env, exports);
  InitCatalog(env, exports);
  InitFoldIn(env, exports);
  return exports;
}

}  // namespace earshot

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return earshot::Init(env, exports); }

NODE_API_MODULE(earshot_native, InitAddon)
