// Registers the TorchNet class (the JS face of NetTrainer) on the addon's exports.
#pragma once
#include <napi.h>

namespace earshot::torchnet {

void registerTorchNet(Napi::Env env, Napi::Object exports);

}  // namespace earshot::torchnet
