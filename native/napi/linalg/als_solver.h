#pragma once
#include <napi.h>

namespace earshot {
// Registers alsSweepAsync and alsLoss on exports (declared in src/native/addon.ts).
void InitAls(Napi::Env env, Napi::Object exports);
}  // namespace earshot
