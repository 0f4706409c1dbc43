// N-API surface of the streaming resampler (native/dsp/resampler.h). The TypeScript shape is declared
// in src/audio/resample.ts. Arguments are checked here, once; the C++ class gets clean values.
#include "napi/dsp/resampler.h"

#include <memory>

#include "dsp/resampler.h"
#include "napi/args.h"
#include "napi/owning_wrap.h"

namespace earshot {
namespace {

// 768 kHz is the highest rate in common interfaces (DXD / 768k DACs); anything above is a unit bug.
constexpr int kMaxRateHz = 768000;

class ResamplerWrap : public OwningWrap<ResamplerWrap, Resampler> {
 public:
  static constexpr const char* kName = "Resampler";
  static Napi::Function Define(Napi::Env env) {
    return defineClass(env, {method<&ResamplerWrap::Process>("process"), method<&ResamplerWrap::ProcessInto>("processInto"), method<&ResamplerWrap::Flush>("flush"),
                             method<&ResamplerWrap::Reset>("reset"), getter<&ResamplerWrap::GetInfo>("info")});
  }
  using OwningWrap::OwningWrap;
  // new Resampler(inRateHz, outRateHz): both finite integers in 1..768000 Hz.
  static std::shared_ptr<Resampler> create(const Napi::CallbackInfo& info) {
    const int inRateHz = intArg(info[0], "inRateHz", 1, kMaxRateHz);
    const int outRateHz = intArg(info[1], "outRateHz", 1, kMaxRateHz);
    return std::make_shared<Resampler>(uint32_t(inRateHz), uint32_t(outRateHz));
  }

 private:
  // process(samples: Float32Array): Float32Array, sized exactly to what this call emits.
  Napi::Value Process(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Resampler& r = live(env);
    const size_t n = arrayArg<float>(info[0], "samples").ElementLength();
    {
      Napi::Float32Array x = info[0].As<Napi::Float32Array>();
      checkFiniteAudio(x.Data(), n);  // before any state changes: a rejected call is a no-op
    }
    Napi::Float32Array y = Napi::Float32Array::New(env, r.maxOutput(n));
    // Re-read the input's data pointer after allocating y, which may run the GC.
    Napi::Float32Array x = info[0].As<Napi::Float32Array>();
    r.process(x.Data(), n, y.Data(), y.ElementLength());
    return y;
  }

  // processInto(samples, out): process() writing into the caller's array from its start, returning how
  // many it wrote: no array per call (a live stream converts ~50 chunks a second). out must hold the
  // ceil(n * out / in) + 1 outputs a call can emit (RangeError otherwise, before any state changes).
  Napi::Value ProcessInto(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Resampler& r = live(env);
    Napi::Float32Array x = arrayArg<float>(info[0], "samples");
    Napi::Float32Array y = arrayArg<float>(info[1], "out");
    const size_t n = x.ElementLength();
    checkFiniteAudio(x.Data(), n);
    const size_t need = r.maxOutput(n);
    if (y.ElementLength() < need) throw std::range_error("out holds " + std::to_string(y.ElementLength()) + " samples; this call emits " + std::to_string(need));
    // The resampler reads the samples while it writes outputs: the two must not share memory.
    if (need > 0 && y.Data() < x.Data() + n && x.Data() < y.Data() + need) throw std::invalid_argument("out overlaps samples");
    return Napi::Number::New(env, static_cast<double>(r.process(x.Data(), n, y.Data(), y.ElementLength())));
  }

  // flush(): Float32Array with the tail; afterwards the stream restarts at time 0.
  Napi::Value Flush(const Napi::CallbackInfo& info) {
    Resampler& r = live(info.Env());
    Napi::Float32Array y = Napi::Float32Array::New(info.Env(), r.flushOutput());
    r.flush(y.Data(), y.ElementLength());
    return y;
  }

  Napi::Value Reset(const Napi::CallbackInfo& info) {
    live(info.Env()).reset();
    return info.Env().Undefined();
  }

  // info: the chosen design, a frozen object built once (so r.info === r.info, even after dispose()).
  Napi::Value GetInfo(const Napi::CallbackInfo& info) {
    if (infoRef_.IsEmpty()) {
      Napi::Env env = info.Env();
      const ResamplerInfo& d = live(env).info();
      Napi::Object o = Napi::Object::New(env);
      o.Set("inRateHz", double(d.inRateHz));
      o.Set("outRateHz", double(d.outRateHz));
      o.Set("upFactor", double(d.upFactor));
      o.Set("downFactor", double(d.downFactor));
      o.Set("taps", double(d.taps));
      o.Set("halfWidth", double(d.halfWidth));
      o.Set("phases", double(d.phases));
      o.Set("interpolated", d.interpolated);
      o.Set("beta", d.beta);
      o.Set("cutoffHz", d.cutoffHz);
      o.Set("passbandEdgeHz", d.passbandEdgeHz);
      o.Set("stopbandEdgeHz", d.stopbandEdgeHz);
      o.Freeze();
      infoRef_ = Napi::Persistent(o);
    }
    return infoRef_.Value();
  }

  Napi::ObjectReference infoRef_;
};

}  // namespace

void InitResampler(Napi::Env env, Napi::Object exports) { exports.Set("Resampler", ResamplerWrap::Define(env)); }

}  // namespace earshot
