#pragma once
#include <napi.h>

namespace earshot {
// Registers cudaDeviceInfo(libPath) and class CudaAls, which load build-cuda/libearshot_cuda.so
// (native/cuda/als_cuda.h) at run time; the addon itself never links CUDA.
void InitCudaAls(Napi::Env env, Napi::Object exports);
}  // namespace earshot
