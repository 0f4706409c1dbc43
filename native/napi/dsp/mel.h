#pragma once
#include <napi.h>

namespace earshot {
// Registers melBatch, melBatchAsync, melFilterbank, mfcc, delta and class MelStream on exports.
void InitMel(Napi::Env env, Napi::Object exports);
}  // namespace earshot
