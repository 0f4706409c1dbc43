#pragma once
#include <napi.h>

namespace earshot {
// Registers kmeansFitAsync and kmeansAssignAsync on exports (declared in src/native/addon.ts).
void InitKmeans(Napi::Env env, Napi::Object exports);
}  // namespace earshot
