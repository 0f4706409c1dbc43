// JS class `Resampler` over earshot::Resampler (native/dsp/resampler.h); registered by addon.cc.
#pragma once

#include <napi.h>

namespace earshot {

// Adds `exports.Resampler`:
//   new Resampler(inRateHz, outRateHz)      rates: integers in 1..768000 (Hz)
//   .process(Float32Array): Float32Array    outputs whose lookahead is available
//   .flush(): Float32Array                  the tail; the stream then starts over at time 0
//   .reset(): undefined                     drop history without emitting
//   .info: {taps, phases, beta, passbandEdgeHz, stopbandEdgeHz, cutoffHz, halfWidth,
//           upFactor, downFactor, interpolated, inRateHz, outRateHz}   (read-only)
void InitResampler(Napi::Env env, Napi::Object exports);

}  // namespace earshot
