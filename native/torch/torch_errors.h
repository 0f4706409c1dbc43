// libtorch's exceptions (c10::Error: a message plus a C++ backtrace) -> the addons' error mapping
// (napi/errors.h): torch's own failures become "ERR_TORCH: " + torch's message, without the backtrace,
// which trainer/cnn/torch-addon.ts turns into an EarshotError ERR_TORCH.
#pragma once
#include <c10/util/Exception.h>

#include <stdexcept>
#include <string>

#include "napi/errors.h"

namespace earshot::torchnet {

inline std::runtime_error torchFailure(const c10::Error& e) {
  return std::runtime_error(codedMessage("ERR_TORCH", e.what_without_backtrace()));
}

// Runs f, turning a c10::Error into ERR_TORCH: in a binding (mapped to an Error by errors.h) and in a
// worker's Compute() (PromiseWorker rejects with it).
template <class F>
void runTorch(F&& f) {
  try {
    f();
  } catch (const c10::Error& e) {
    throw torchFailure(e);
  }
}

}  // namespace earshot::torchnet
