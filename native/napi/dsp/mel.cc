// N-API surface of the mel front end. Shapes are declared for TypeScript in src/native/addon.ts.
#include "napi/dsp/mel.h"

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "dsp/mel_batch.h"
#include "dsp/mel_stream.h"
#include "dsp/mfcc.h"
#include "napi/args.h"
#include "napi/owning_wrap.h"
#include "napi/promise_worker.h"

namespace earshot {

namespace {

// The options by type, as MelConfig fields. One that is absent (undefined or null) keeps the default.
template <class V>
using Field = std::pair<const char*, V MelConfig::*>;
constexpr Field<double> kNumberFields[] = {{"sampleRateHz", &MelConfig::sampleRateHz}, {"fminHz", &MelConfig::fminHz},
                                           {"fmaxHz", &MelConfig::fmaxHz}, {"aminPower", &MelConfig::aminPower},
                                           {"refPower", &MelConfig::refPower}, {"topDb", &MelConfig::topDb},
                                           {"log1pScale", &MelConfig::log1pScale}};
constexpr Field<int> kIntegerFields[] = {{"nFft", &MelConfig::nFft}, {"hopSamples", &MelConfig::hopSamples}, {"nMels", &MelConfig::nMels}};
constexpr Field<bool> kFlagFields[] = {{"htk", &MelConfig::htk}, {"slaneyNorm", &MelConfig::slaneyNorm}, {"center", &MelConfig::center}};

// Each option is read once: a getter runs JS, and may answer differently the second time.
MelConfig readConfig(const Napi::Value& v) {
  if (!v.IsObject()) throw std::invalid_argument("mel options must be an object");
  const Napi::Object o = v.As<Napi::Object>();
  MelConfig c;
  for (const auto& [key, field] : kNumberFields)
    if (const Napi::Value x = o.Get(key); !isAbsent(x)) c.*field = numberArg(x, key);
  // Any int is taken here; MelConfig::validate() then names the real range.
  for (const auto& [key, field] : kIntegerFields)
    if (const Napi::Value x = o.Get(key); !isAbsent(x)) c.*field = intArg(x, key, -2147483648.0, 2147483647.0);
  for (const auto& [key, field] : kFlagFields)
    if (const Napi::Value x = o.Get(key); !isAbsent(x)) c.*field = boolArg(x, key);  // not silently the default
  if (const Napi::Value log = o.Get("log"); log.IsString()) {
    const std::string s = log.As<Napi::String>().Utf8Value();
    if (s == "db") c.log = LogMode::Db;
    else if (s == "log1p") c.log = LogMode::Log1p;
    else if (s == "power") c.log = LogMode::Power;
    else throw std::range_error("log must be 'db', 'log1p' or 'power', got '" + s + "'");
  }
  c.validate();
  return c;
}

// One batch result is capped at 2^28 values (1 GiB; transiently 2 GiB while it is copied into JS).
// Far below the Float32Array limit (2^32 - 1) on purpose: running out of memory inside V8 kills the
// process, which no caller can catch. An hour of audio at the defaults is 2e7 values; anything near the
// cap is a configuration mistake or a job for MelStream. Checked before computing anything.
void requireOutputFits(const MelConfig& c, size_t nSamples) {
  constexpr double kMaxFloats = 268435456.0;
  const double floats = static_cast<double>(batchFrameCount(c, nSamples)) * c.nMels;
  if (floats > kMaxFloats) {
    throw std::range_error("the spectrogram would hold " + std::to_string(batchFrameCount(c, nSamples)) + " frames x " +
                           std::to_string(c.nMels) + " bands, more than one batch result may hold (2^28 values, 1 GiB; a Float32Array could hold 2^32 - 1 "
                           "but not in memory); raise hopSamples, lower nMels, or use MelStream / split the audio");
  }
}

Napi::Value toFloat32(Napi::Env env, const std::vector<float>& v) {
  Napi::Float32Array a = Napi::Float32Array::New(env, v.size());
  if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(float));
  return a;
}

// (samples, options) of melBatch and melBatchAsync, checked.
struct BatchArgs {
  MelConfig cfg;
  Napi::Float32Array samples;
};

BatchArgs readBatchArgs(const Napi::CallbackInfo& info) {
  // Reading the options runs JS (getters, proxies) that could detach the samples' buffer, and a
  // Float32Array handle caches its data pointer: take the handle only after them (else use-after-free).
  arrayArg<float>(info[0], "samples");  // type check only, so a missing first argument is named first
  BatchArgs a{readConfig(info[1]), {}};
  a.samples = arrayArg<float>(info[0], "samples");
  checkFiniteAudio(a.samples.Data(), a.samples.ElementLength());
  requireOutputFits(a.cfg, a.samples.ElementLength());
  return a;
}

Napi::Value MelBatch(const Napi::CallbackInfo& info) {
  const BatchArgs a = readBatchArgs(info);
  std::vector<float> out;
  computeMelBatch(a.cfg, a.samples.Data(), a.samples.ElementLength(), out);
  return toFloat32(info.Env(), out);
}

// The same computation on libuv's thread pool, so a long file never blocks the event loop.
class MelBatchWorker : public PromiseWorker {
 public:
  MelBatchWorker(Napi::Env env, const BatchArgs& a)
      : PromiseWorker(env), cfg_(a.cfg), samples_(a.samples.Data(), a.samples.Data() + a.samples.ElementLength()) {}

 private:
  void Compute() override { computeMelBatch(cfg_, samples_.data(), samples_.size(), out_); }
  Napi::Value Result(Napi::Env env) override { return toFloat32(env, out_); }
  MelConfig cfg_;
  std::vector<float> samples_, out_;  // a private copy: the caller may reuse its buffer meanwhile
};

Napi::Value MelBatchAsync(const Napi::CallbackInfo& info) { return PromiseWorker::Start(new MelBatchWorker(info.Env(), readBatchArgs(info))); }

Napi::Value MelFilterbankDense(const Napi::CallbackInfo& info) {
  const MelConfig c = readConfig(info[0]);
  FftPlan plan(c.nFft);  // validates nFft
  MelFilterbank bank(bankOptions(c));
  Napi::Float64Array a = Napi::Float64Array::New(info.Env(), bank.dense.size());
  std::memcpy(a.Data(), bank.dense.data(), bank.dense.size() * sizeof(double));
  return a;
}

Napi::Value Mfcc(const Napi::CallbackInfo& info) {
  Napi::Float32Array x = arrayArg<float>(info[0], "melDb");
  const int nMels = intArg(info[1], "nMels", 1, 4096);
  const int nMfcc = intArg(info[2], "nMfcc", 1, 4096);
  const size_t frames = rowsOf(x.ElementLength(), nMels, "melDb", "nMels");
  std::vector<float> out(frames * nMfcc);
  mfccFromMelDb(x.Data(), frames, nMels, nMfcc, out.data());
  return toFloat32(info.Env(), out);
}

Napi::Value Delta(const Napi::CallbackInfo& info) {
  Napi::Float32Array x = arrayArg<float>(info[0], "values");
  const int nCoeffs = intArg(info[1], "nCoeffs", 1, 1 << 20);
  const int width = intArg(info[2], "width", 3, 1001);
  const int order = intArg(info[3], "order", 1, 1000);
  const size_t frames = rowsOf(x.ElementLength(), nCoeffs, "values", "nCoeffs");
  std::vector<float> out(x.ElementLength());
  savgolDelta(x.Data(), frames, nCoeffs, width, order, out.data());
  return toFloat32(info.Env(), out);
}

class MelStreamWrap : public OwningWrap<MelStreamWrap, MelStream> {
 public:
  static constexpr const char* kName = "MelStream";
  static Napi::Function Define(Napi::Env env) {
    return defineClass(env, {method<&MelStreamWrap::Push>("push"), method<&MelStreamWrap::PushInto>("pushInto"), method<&MelStreamWrap::Flush>("flush"),
                             method<&MelStreamWrap::Reset>("reset"), method<&MelStreamWrap::LastFrames>("lastFrames"),
                             getter<&MelStreamWrap::FramesEmitted>("framesEmitted"), getter<&MelStreamWrap::SamplesPushed>("samplesPushed")});
  }
  using OwningWrap::OwningWrap;
  // new MelStream(options, ringFrames)
  static std::shared_ptr<MelStream> create(const Napi::CallbackInfo& info) {
    const MelConfig c = readConfig(info[0]);
    return std::make_shared<MelStream>(c, intArg(info[1], "ringFrames", 1, 65536));
  }

 private:
  Napi::Value Push(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    MelStream& s = live(env);
    Napi::Float32Array x = arrayArg<float>(info[0], "samples");
    checkFiniteAudio(x.Data(), x.ElementLength());
    if (s.flushed()) throw Napi::Error::New(env, "MelStream was flushed; call reset() before pushing more audio");
    Napi::Float32Array out = Napi::Float32Array::New(env, s.framesForPush(x.ElementLength()) * s.nMels());
    s.push(x.Data(), x.ElementLength(), out.Data());
    return out;
  }
  // pushInto(samples, out, offset): push() writing the frames into the caller's array from element
  // `offset` on, returning how many: no array per call (a live stream pushes ~50 times a second, and a
  // fresh typed array costs about as much as computing the frame). Refused whole when they do not fit.
  Napi::Value PushInto(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    MelStream& s = live(env);
    const size_t offset = intArg<size_t>(info[2], "offset", 0, 4294967295.0);
    Napi::Float32Array x = arrayArg<float>(info[0], "samples");
    Napi::Float32Array out = arrayArg<float>(info[1], "out");
    checkFiniteAudio(x.Data(), x.ElementLength());
    if (s.flushed()) throw Napi::Error::New(env, "MelStream was flushed; call reset() before pushing more audio");
    const size_t frames = s.framesForPush(x.ElementLength());
    if (offset > out.ElementLength() || frames * s.nMels() > out.ElementLength() - offset) {
      throw std::range_error("out holds " + std::to_string(out.ElementLength()) + " values; these samples complete " + std::to_string(frames) + " frames x " +
                             std::to_string(s.nMels()) + " bands, which do not fit from offset " + std::to_string(offset));
    }
    float* to = out.Data() + offset;
    // push() reads the samples while it writes frames: the two must not share memory.
    if (frames > 0 && to < x.Data() + x.ElementLength() && x.Data() < to + frames * s.nMels()) throw std::invalid_argument("out overlaps samples");
    s.push(x.Data(), x.ElementLength(), to);
    return Napi::Number::New(env, static_cast<double>(frames));
  }
  Napi::Value Flush(const Napi::CallbackInfo& info) {
    MelStream& s = live(info.Env());
    Napi::Float32Array out = Napi::Float32Array::New(info.Env(), s.framesForFlush() * s.nMels());
    s.flush(out.Data());
    return out;
  }
  Napi::Value Reset(const Napi::CallbackInfo& info) {
    live(info.Env()).reset();
    return info.Env().Undefined();
  }
  // A view into the ring (no copy), valid until the frames are overwritten.
  Napi::Value LastFrames(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    MelStream& s = live(env);
    const int n = intArg(info[0], "count", 1, s.ringFrames());
    const size_t offset = static_cast<size_t>(s.lastFrames(n) - s.ringStorage().get());
    return Napi::Float32Array::New(env, static_cast<size_t>(n) * s.nMels(), ringBuffer(env, s), offset * sizeof(float));
  }
  Napi::Value FramesEmitted(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(live(info.Env()).framesEmitted())); }
  Napi::Value SamplesPushed(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(live(info.Env()).samplesPushed())); }

  // The ring shared with JS as an external ArrayBuffer, made on first use; the finalizer's shared_ptr
  // keeps the ring alive as long as any view exists, even after the stream is disposed or collected.
  Napi::ArrayBuffer ringBuffer(Napi::Env env, const MelStream& s) {
    if (ring_.IsEmpty()) {
      auto* keep = new std::shared_ptr<float>(s.ringStorage());
      ring_ = Napi::Persistent(Napi::ArrayBuffer::New(env, keep->get(), s.ringFloats() * sizeof(float),
                                                      [](Napi::Env, void*, std::shared_ptr<float>* k) { delete k; }, keep));
    }
    return ring_.Value();
  }
  Napi::Reference<Napi::ArrayBuffer> ring_;
};

}  // namespace

void InitMel(Napi::Env env, Napi::Object exports) {
  exportFunction<MelBatch>(env, exports, "melBatch");
  exportFunction<MelBatchAsync>(env, exports, "melBatchAsync");
  exportFunction<MelFilterbankDense>(env, exports, "melFilterbank");
  exportFunction<Mfcc>(env, exports, "mfcc");
  exportFunction<Delta>(env, exports, "delta");
  exports.Set("MelStream", MelStreamWrap::Define(env));
}

}  // namespace earshot
