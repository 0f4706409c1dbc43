#pragma once
#include <napi.h>

namespace earshot {
// Registers alsSweepAsync, alsLoss and gram on exports (declared in src/dsp/native.ts).
void InitAls(Napi::Env env, Napi::Object exports);
}  // namespace earshot
