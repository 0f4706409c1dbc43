#pragma once
#include <napi.h>

namespace earshot {
// Registers crossProductAsync, symEigenAsync and projectAsync on exports (declared in src/native/addon.ts).
void InitPca(Napi::Env env, Napi::Object exports);
}  // namespace earshot
