// N-API surface of the streaming resampler (native/dsp/resampler.h). The TypeScript shape is declared
// in src/audio/resample.ts. Arguments are checked here, once; the C++ class gets clean values.
#include "napi/dsp/resampler.h"

#include <memory>

#include "napi/napi_util.h"
#include "dsp/resampler.h"

namespace earshot {
namespace {

// 768 kHz is the highest rate in common interfaces (DXD / 768k DACs); anything above is a unit bug.
constexpr int kMaxRateHz = 768000;

class ResamplerWrap : public Napi::ObjectWrap<ResamplerWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Resampler",
                       {
                           InstanceMethod<&ResamplerWrap::Process>("process"),
                           InstanceMethod<&ResamplerWrap::Flush>("flush"),
                           InstanceMethod<&ResamplerWrap::Reset>("reset"),
                           InstanceMethod<&ResamplerWrap::Dispose>("dispose"),
                           InstanceAccessor<&ResamplerWrap::GetInfo>("info"),
                       });
  }

  // new Resampler(inRateHz, outRateHz): both finite integers in 1..768000 Hz.
  explicit ResamplerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ResamplerWrap>(info) {
    Napi::Env env = info.Env();
    const int inRateHz = requireInt(info, 0, "inRateHz", 1, kMaxRateHz);
    const int outRateHz = requireInt(info, 1, "outRateHz", 1, kMaxRateHz);
    EARSHOT_NAPI_TRY(env, { resampler_ = std::make_unique<Resampler>(uint32_t(inRateHz), uint32_t(outRateHz)); })
  }

 private:
  // process(samples: Float32Array): Float32Array, sized exactly to what this call emits.
  Napi::Value Process(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    live(env);
    const size_t n = requireFloat32(info, 0, "samples").ElementLength();
    {
      Napi::Float32Array x = info[0].As<Napi::Float32Array>();
      requireFinite(env, x.Data(), n);  // before any state changes: a rejected call is a no-op
    }
    Napi::Float32Array y = Napi::Float32Array::New(env, resampler_->maxOutput(n));
    // Re-read the input's data pointer after allocating y, which may run the GC.
    Napi::Float32Array x = info[0].As<Napi::Float32Array>();
    EARSHOT_NAPI_TRY(env, { resampler_->process(x.Data(), n, y.Data(), y.ElementLength()); })
    return y;
  }

  // flush(): Float32Array with the tail; afterwards the stream restarts at time 0.
  Napi::Value Flush(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    live(env);
    Napi::Float32Array y = Napi::Float32Array::New(env, resampler_->flushOutput());
    EARSHOT_NAPI_TRY(env, { resampler_->flush(y.Data(), y.ElementLength()); })
    return y;
  }

  // Frees the filter tables and history now, not at garbage collection (see MelStream.dispose).
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    resampler_.reset();
    return info.Env().Undefined();
  }

  void live(Napi::Env env) const {
    if (!resampler_) throw Napi::Error::New(env, "Resampler was disposed");
  }

  Napi::Value Reset(const Napi::CallbackInfo& info) {
    live(info.Env());
    resampler_->reset();
    return info.Env().Undefined();
  }

  // info: the chosen design, a frozen object built once (so r.info === r.info).
  Napi::Value GetInfo(const Napi::CallbackInfo& info) {
    if (infoRef_.IsEmpty()) {
      Napi::Env env = info.Env();
      live(env);
      const ResamplerInfo& d = resampler_->info();
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

  std::unique_ptr<Resampler> resampler_;
  Napi::ObjectReference infoRef_;
};

}  // namespace

void InitResampler(Napi::Env env, Napi::Object exports) { exports.Set("Resampler", ResamplerWrap::Define(env)); }

}  // namespace earshot
