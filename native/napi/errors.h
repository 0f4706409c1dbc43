// How a C++ failure reaches JS, the same for every binding of both addons (earshot_native and
// earshot_torch): std::invalid_argument -> TypeError, std::range_error -> RangeError, any other
// std::exception -> Error; a Napi::Error passes unchanged. Checks (napi/args.h) and kernels throw
// the std:: types, so the same code works on the JS thread and in a PromiseWorker's Compute().
// A message may start with a code, "ERR_<CODE>: message" (codedMessage): src/native/errors.ts turns
// it into an EarshotError with that code; every other TypeError / RangeError is ERR_INVALID_ARGUMENT.
#pragma once
#include <napi.h>

#include <stdexcept>
#include <string>

namespace earshot {

enum class JsErrorType { Error, TypeError, RangeError };

// The JS type for the exception being handled: call only inside a catch block. (By rethrowing, as
// the addons build without RTTI, so no dynamic_cast.)
inline JsErrorType currentJsErrorType() {
  try {
    throw;
  } catch (const std::range_error&) {
    return JsErrorType::RangeError;
  } catch (const std::invalid_argument&) {
    return JsErrorType::TypeError;
  } catch (...) {
    return JsErrorType::Error;
  }
}

inline Napi::Error jsError(Napi::Env env, JsErrorType type, const std::string& message) {
  switch (type) {
    case JsErrorType::RangeError: return Napi::RangeError::New(env, message);
    case JsErrorType::TypeError: return Napi::TypeError::New(env, message);
    case JsErrorType::Error: break;
  }
  return Napi::Error::New(env, message);
}

// "ERR_<CODE>: message". The codes are EarshotError codes (src/errors.ts); each TypeScript wrapper
// lists the ones it accepts from its addon.
inline std::string codedMessage(const char* code, const std::string& message) { return std::string(code) + ": " + message; }

// Runs the statements, rethrowing C++ exceptions as the JS errors above. Variadic so that the body
// may contain commas outside parentheses. A std::exception must never leave a binding unmapped:
// node-addon-api catches only Napi::Error, anything else terminates the process.
#define EARSHOT_NAPI_TRY(env, ...)                                                       \
  try {                                                                                  \
    __VA_ARGS__                                                                          \
  } catch (const Napi::Error&) {                                                         \
    throw;                                                                               \
  } catch (const std::exception& e) {                                                    \
    throw ::earshot::jsError(env, ::earshot::currentJsErrorType(), e.what());            \
  }

// A binding function with the mapping above around its whole body; registered by exportFunction.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  EARSHOT_NAPI_TRY(info.Env(), { return F(info); })
}

// exports[name] = F, its errors mapped (guarded).
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
void exportFunction(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New<guarded<F>>(env, name));
}

}  // namespace earshot
