// earshot_native: the hot DSP kernels behind a small typed API (src/native/addon.ts declares it).
#include <napi.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "dsp/dsp_kernels.h"
#include "napi/cluster/kmeans.h"
#include "napi/cuda/als_cuda.h"
#include "napi/dsp/mel.h"
#include "napi/dsp/resampler.h"
#include "napi/errors.h"
#include "napi/linalg/als_solver.h"
#include "napi/linalg/fold_in.h"
#include "napi/linalg/pca.h"
#include "napi/search/ivf_index.h"
#include "napi/search/topk.h"

namespace earshot {

namespace {

// kernels() -> active ISA name; kernels("generic" | "avx2" | "auto") selects, false if unavailable.
Napi::Value Kernels(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsString()) {
    if (!selectKernels(info[0].As<Napi::String>().Utf8Value().c_str())) return Napi::Boolean::New(info.Env(), false);
  }
  return Napi::String::New(info.Env(), activeKernels().isa);
}

// trimMemory() -> whether memory was returned. glibc keeps freed blocks in its arenas (one per thread
// that ever allocated) and returns only the top of the main heap by itself, so after a thousand
// streams close a server would hold their buffers' pages for ever; malloc_trim(0) gives every
// arena's free pages back. A no-op (false) on other C libraries.
Napi::Value TrimMemory(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  return Napi::Boolean::New(info.Env(), malloc_trim(0) != 0);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

}  // namespace

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exportFunction<Kernels>(env, exports, "kernels");
  exportFunction<TrimMemory>(env, exports, "trimMemory");
  InitMel(env, exports);
  InitResampler(env, exports);
  InitAls(env, exports);
  InitCudaAls(env, exports);
  InitKmeans(env, exports);
  InitPca(env, exports);
  InitTopK(env, exports);
  InitIvfIndex(env, exports);
  InitFoldIn(env, exports);
  return exports;
}

}  // namespace earshot

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return earshot::Init(env, exports); }

NODE_API_MODULE(earshot_native, InitAddon)
