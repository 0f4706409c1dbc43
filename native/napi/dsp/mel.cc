// N-API surface of the mel front end. Shapes are declared for TypeScript in src/dsp/native.ts.
#include "napi/dsp/mel.h"

#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dsp/mel_batch.h"
#include "dsp/mel_stream.h"
#include "dsp/mfcc.h"
#include "napi/napi_util.h"

namespace earshot {

static MelConfig readConfig(const Napi::Value& v) {
  MelConfig c;
  if (!v.IsObject()) throw Napi::TypeError::New(v.Env(), "mel options must be an object");
  Napi::Object o = v.As<Napi::Object>();
  auto num = [&](const char* k, double& dst) {
    Napi::Value x = o.Get(k);
    if (x.IsNumber()) dst = x.As<Napi::Number>().DoubleValue();
    else if (!x.IsUndefined() && !x.IsNull()) throw Napi::TypeError::New(v.Env(), std::string(k) + " must be a number");
  };
  // Range-check before the cast: converting NaN or a double beyond int's range to int is undefined.
  auto integer = [&](const char* k, int& dst) {
    double d = dst;
    num(k, d);
    if (!(d >= -2147483648.0 && d <= 2147483647.0) || d != std::floor(d)) throw Napi::RangeError::New(v.Env(), std::string(k) + " must be an integer");
    dst = static_cast<int>(d);
  };
  auto flag = [&](const char* k, bool& dst) {
    Napi::Value x = o.Get(k);
    if (x.IsBoolean()) dst = x.As<Napi::Boolean>().Value();
    else if (!x.IsUndefined() && !x.IsNull()) throw Napi::TypeError::New(v.Env(), std::string(k) + " must be a boolean");  // not silently the default
  };
  num("sampleRateHz", c.sampleRateHz);
  integer("nFft", c.nFft);
  integer("hopSamples", c.hopSamples);
  integer("nMels", c.nMels);
  num("fminHz", c.fminHz);
  num("fmaxHz", c.fmaxHz);
  flag("htk", c.htk);
  flag("slaneyNorm", c.slaneyNorm);
  flag("center", c.center);
  num("aminPower", c.aminPower);
  num("refPower", c.refPower);
  num("topDb", c.topDb);
  num("log1pScale", c.log1pScale);
  Napi::Value log = o.Get("log");
  if (log.IsString()) {
    const std::string s = log.As<Napi::String>().Utf8Value();
    if (s == "db") c.log = LogMode::Db;
    else if (s == "log1p") c.log = LogMode::Log1p;
    else if (s == "power") c.log = LogMode::Power;
    else throw Napi::RangeError::New(v.Env(), "log must be 'db', 'log1p' or 'power', got '" + s + "'");
  }
  c.validate();
  return c;
}

// One batch result is capped at 2^28 values (1 GiB; transiently 2 GiB while it is copied into JS).
// Far below the Float32Array limit (2^32 - 1) on purpose: running out of memory inside V8 kills the
// process, which no caller can catch. An hour of audio at the defaults is 2e7 values; anything near the
// cap is a configuration mistake or a job for MelStream. Checked before computing anything.
static void requireOutputFits(const MelConfig& c, size_t nSamples) {
  constexpr double kMaxFloats = 268435456.0;
  const double floats = static_cast<double>(batchFrameCount(c, nSamples)) * c.nMels;
  if (floats > kMaxFloats) {
    throw std::range_error("the spectrogram would hold " + std::to_string(batchFrameCount(c, nSamples)) + " frames x " +
                           std::to_string(c.nMels) + " bands, more than one batch result may hold (2^28 values, 1 GiB; a Float32Array could hold 2^32 - 1 "
                           "but not in memory); raise hopSamples, lower nMels, or use MelStream / split the audio");
  }
}

static Napi::Value ToFloat32(Napi::Env env, const std::vector<float>& v) {
  Napi::Float32Array a = Napi::Float32Array::New(env, v.size());
  if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(float));
  return a;
}

static Napi::Value MelBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EARSHOT_NAPI_TRY(env, {
    // Reading the options runs JS (getters, proxies) that could detach the samples' buffer, and a
    // Float32Array handle caches its data pointer: take the handle only after them (else use-after-free).
    requireFloat32(info, 0, "samples");  // type check only, so a missing first argument is named first
    const MelConfig c = readConfig(info[1]);
    Napi::Float32Array x = requireFloat32(info, 0, "samples");
    requireFinite(env, x.Data(), x.ElementLength());
    requireOutputFits(c, x.ElementLength());
    std::vector<float> out;
    computeMelBatch(c, x.Data(), x.ElementLength(), out);
    return ToFloat32(env, out);
  })
}

// The same computation on libuv's thread pool, so a long file never blocks the event loop.
class MelBatchWorker : public PromiseWorker {
 public:
  MelBatchWorker(Napi::Env env, Napi::Float32Array x, const MelConfig& c)
      : PromiseWorker(env), cfg_(c), samples_(x.Data(), x.Data() + x.ElementLength()) {}

 private:
  void Compute() override { computeMelBatch(cfg_, samples_.data(), samples_.size(), out_); }
  Napi::Value Result(Napi::Env env) override { return ToFloat32(env, out_); }
  MelConfig cfg_;
  std::vector<float> samples_, out_;  // a private copy: the caller may reuse its buffer meanwhile
};

static Napi::Value MelBatchAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EARSHOT_NAPI_TRY(env, {
    requireFloat32(info, 0, "samples");
    const MelConfig c = readConfig(info[1]);  // before taking the samples' handle: see MelBatch
    Napi::Float32Array x = requireFloat32(info, 0, "samples");
    requireFinite(env, x.Data(), x.ElementLength());
    requireOutputFits(c, x.ElementLength());
    return PromiseWorker::Start(new MelBatchWorker(env, x, c));
  })
}

static Napi::Value MelFilterbankDense(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EARSHOT_NAPI_TRY(env, {
    const MelConfig c = readConfig(info[0]);
    FftPlan plan(c.nFft);  // validates nFft
    MelFilterbank bank(bankOptions(c));
    Napi::Float64Array a = Napi::Float64Array::New(env, bank.dense.size());
    std::memcpy(a.Data(), bank.dense.data(), bank.dense.size() * sizeof(double));
    return a;
  })
}

static Napi::Value Mfcc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EARSHOT_NAPI_TRY(env, {
    Napi::Float32Array x = requireFloat32(info, 0, "melDb");
    const int nMels = requireInt(info, 1, "nMels", 1, 4096);
    const int nMfcc = requireInt(info, 2, "nMfcc", 1, 4096);
    if (x.ElementLength() % nMels) throw Napi::RangeError::New(env, "melDb length is not a multiple of nMels");
    const size_t frames = x.ElementLength() / nMels;
    std::vector<float> out(frames * nMfcc);
    mfccFromMelDb(x.Data(), frames, nMels, nMfcc, out.data());
    return ToFloat32(env, out);
  })
}

static Napi::Value Delta(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EARSHOT_NAPI_TRY(env, {
    Napi::Float32Array x = requireFloat32(info, 0, "values");
    const int nCoeffs = requireInt(info, 1, "nCoeffs", 1, 1 << 20);
    const int width = requireInt(info, 2, "width", 3, 1001);
    const int order = requireInt(info, 3, "order", 1, 1000);
    if (x.ElementLength() % nCoeffs) throw Napi::RangeError::New(env, "values length is not a multiple of nCoeffs");
    std::vector<float> out(x.ElementLength());
    savgolDelta(x.Data(), x.ElementLength() / nCoeffs, nCoeffs, width, order, out.data());
    return ToFloat32(env, out);
  })
}

class MelStreamWrap : public Napi::ObjectWrap<MelStreamWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "MelStream", {
      InstanceMethod("push", &MelStreamWrap::Push),
      InstanceMethod("flush", &MelStreamWrap::Flush),
      InstanceMethod("reset", &MelStreamWrap::Reset),
      InstanceMethod("lastFrames", &MelStreamWrap::LastFrames),
      InstanceMethod("dispose", &MelStreamWrap::Dispose),
      InstanceAccessor("framesEmitted", &MelStreamWrap::FramesEmitted, nullptr),
      InstanceAccessor("samplesPushed", &MelStreamWrap::SamplesPushed, nullptr),
    });
  }
  MelStreamWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MelStreamWrap>(info) {
    Napi::Env env = info.Env();
    EARSHOT_NAPI_TRY(env, {
      const MelConfig c = readConfig(info[0]);
      const int ring = requireInt(info, 1, "ringFrames", 1, 65536);
      stream_ = std::make_unique<MelStream>(c, ring);
      // The ring is shared with JS as an external ArrayBuffer; the finalizer's shared_ptr keeps it
      // alive as long as any view exists, even after this stream is collected.
      auto* keep = new std::shared_ptr<float>(stream_->ringStorage());
      ring_ = Napi::Persistent(Napi::ArrayBuffer::New(env, keep->get(), stream_->ringFloats() * sizeof(float),
          [](Napi::Env, void*, std::shared_ptr<float>* k) { delete k; }, keep));
    })
  }

 private:
  Napi::Value Push(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    EARSHOT_NAPI_TRY(env, {
      live(env);
      Napi::Float32Array x = requireFloat32(info, 0, "samples");
      requireFinite(env, x.Data(), x.ElementLength());
      if (stream_->flushed()) throw Napi::Error::New(env, "MelStream was flushed; call reset() before pushing more audio");
      Napi::Float32Array out = Napi::Float32Array::New(env, stream_->framesForPush(x.ElementLength()) * stream_->nMels());
      stream_->push(x.Data(), x.ElementLength(), out.Data());
      return out;
    })
  }
  // Frees the stream's buffers now instead of at the wrapper's garbage collection (a server closes
  // streams by the thousand; V8 does not see native memory and may not collect for minutes).
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    stream_.reset();
    return info.Env().Undefined();
  }
  void live(Napi::Env env) const {
    if (!stream_) throw Napi::Error::New(env, "MelStream was disposed");
  }
  Napi::Value Flush(const Napi::CallbackInfo& info) {
    live(info.Env());
    Napi::Float32Array out = Napi::Float32Array::New(info.Env(), stream_->framesForFlush() * stream_->nMels());
    stream_->flush(out.Data());
    return out;
  }
  Napi::Value Reset(const Napi::CallbackInfo& info) { live(info.Env()); stream_->reset(); return info.Env().Undefined(); }
  Napi::Value LastFrames(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    EARSHOT_NAPI_TRY(env, {
      live(env);
      const int n = requireInt(info, 0, "count", 1, stream_->ringFrames());
      const float* p = stream_->lastFrames(n);
      const size_t offset = static_cast<size_t>(p - stream_->ringStorage().get());
      return Napi::Float32Array::New(env, static_cast<size_t>(n) * stream_->nMels(), ring_.Value(), offset * sizeof(float));
    })
  }
  Napi::Value FramesEmitted(const Napi::CallbackInfo& info) { live(info.Env()); return Napi::Number::New(info.Env(), static_cast<double>(stream_->framesEmitted())); }
  Napi::Value SamplesPushed(const Napi::CallbackInfo& info) { live(info.Env()); return Napi::Number::New(info.Env(), static_cast<double>(stream_->samplesPushed())); }

  std::unique_ptr<MelStream> stream_;
  Napi::Reference<Napi::ArrayBuffer> ring_;
};

void InitMel(Napi::Env env, Napi::Object exports) {
  exports.Set("melBatch", Napi::Function::New(env, MelBatch));
  exports.Set("melBatchAsync", Napi::Function::New(env, MelBatchAsync));
  exports.Set("melFilterbank", Napi::Function::New(env, MelFilterbankDense));
  exports.Set("mfcc", Napi::Function::New(env, Mfcc));
  exports.Set("delta", Napi::Function::New(env, Delta));
  exports.Set("MelStream", MelStreamWrap::Define(env));
}

}  // namespace earshot
