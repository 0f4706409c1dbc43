// JS values -> NetSpec, TrainerOptions and batch tensors. trainer/cnn/ validates every argument
// first with messages that name the field; these re-checks (napi/args.h, the addons' one set) only keep
// a bad call from crashing the process (std::invalid_argument -> TypeError, std::range_error -> RangeError).
#pragma once
#include <napi.h>

#include <string>

#include "losses.h"
#include "net_spec.h"
#include "net_trainer.h"

namespace earshot::torchnet {

// A trainer/cnn/net-config.ts NetConfig object.
NetSpec netSpecFromJs(const Napi::Object& config);

// { device, threads, seed, optimizer, lr, weightDecay }, all present (defaults applied in TS).
TrainerOptions trainerOptionsFromJs(const Napi::Object& opts);

Loss lossFromJs(const Napi::Value& v);

// Copies x (a Float32Array of batch x frames x bands, or batch x features) into a CPU tensor of that
// shape; `frames` is ignored for vector inputs.
at::Tensor inputFromJs(const NetSpec& spec, const Napi::Value& x, int64_t batch, int64_t frames);

// Copies a Float32Array that must hold exactly prod(shape) values into a CPU tensor of that shape.
at::Tensor tensorFromJs(const Napi::Value& v, const char* name, at::IntArrayRef shape);

}  // namespace earshot::torchnet
