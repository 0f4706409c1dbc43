// libtorch's exceptions (c10::Error: a message plus a C++ backtrace) -> the addon's error messages.
// The TypeScript side (trainer/cnn/torch-addon.ts) maps a leading "ERR_<CODE>: " to an EarshotError
// with that code; torch's own failures become ERR_TORCH with torch's message, without the backtrace.
#pragma once
#include <c10/util/Exception.h>

#include <stdexcept>
#include <string>

#include "napi/napi_util.h"

namespace earshot::torchnet {

inline std::runtime_error torchFailure(const c10::Error& e) {
  return std::runtime_error(std::string("ERR_TORCH: ") + e.what_without_backtrace());
}

// For a worker's Compute(): runs f, turning a c10::Error into ERR_TORCH (PromiseWorker rejects with it).
template <class F>
void runTorch(F&& f) {
  try {
    f();
  } catch (const c10::Error& e) {
    throw torchFailure(e);
  }
}

}  // namespace earshot::torchnet

// EARSHOT_NAPI_TRY (std::invalid_argument -> TypeError, std::range_error -> RangeError, any other
// std::exception -> Error) with c10::Error turned into ERR_TORCH first.
#define EARSHOT_TORCH_TRY(env, ...)                                                   \
  EARSHOT_NAPI_TRY(env, try { __VA_ARGS__ } catch (const c10::Error& e) {              \
    throw ::earshot::torchnet::torchFailure(e);                                        \
  })
