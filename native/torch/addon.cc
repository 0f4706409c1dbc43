// earshot_torch.node: the libtorch training backend. Exports status() and the TorchNet class
// (torch_net_binding.cc); its TypeScript face is trainer/cnn/torch-net.ts.
#include <napi.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <string>

#include "net_trainer.h"
#include "torch_net_binding.h"

namespace {

// { version, cuda, cudaDevices, cudaReason? }: what this build of libtorch can do on this machine.
Napi::Value Status(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("version", TORCH_VERSION);
  std::string why;
  const bool cuda = earshot::torchnet::cudaUsable(&why);
  out.Set("cuda", cuda);
  out.Set("cudaDevices", static_cast<double>(torch::cuda::device_count()));
  if (!cuda) out.Set("cudaReason", why);
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("status", Napi::Function::New<Status>(env, "status"));
  earshot::torchnet::registerTorchNet(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(earshot_torch, Init)
