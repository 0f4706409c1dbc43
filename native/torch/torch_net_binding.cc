// The JS class TorchNet over NetTrainer. trainStep / evalLoss / predict run on libuv's pool
// (PromiseWorker); everything else runs on the JS thread. One rule keeps it safe: while a worker owns
// the net (`busy`), every other call is refused with ERR_INVALID_STATE (trainer/cnn/torch-net.ts
// queues its async calls so that its users never see that).
#include "torch_net_binding.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "js_args.h"
#include "napi/args.h"
#include "napi/owning_wrap.h"
#include "napi/promise_worker.h"
#include "napi/to_js.h"
#include "net_trainer.h"
#include "torch_errors.h"

namespace earshot::torchnet {

namespace {

// Shared by the JS object and its running worker: dispose() (or garbage collection) during a step
// drops the JS side's share, and the trainer is freed when the worker lets go of it.
struct NetSlot {
  std::unique_ptr<NetTrainer> trainer;
  bool busy = false;  // set and cleared on the JS thread only
};

class SlotWorker : public PromiseWorker {
 protected:
  SlotWorker(Napi::Env env, std::shared_ptr<NetSlot> slot) : PromiseWorker(env), slot_(std::move(slot)) { slot_->busy = true; }
  // node-addon-api deletes a finished worker on the JS thread, after settling its promise.
  ~SlotWorker() override { slot_->busy = false; }
  std::shared_ptr<NetSlot> slot_;
};

class LossWorker : public SlotWorker {
 public:
  LossWorker(Napi::Env env, std::shared_ptr<NetSlot> slot, Batch batch, Loss loss, bool train)
      : SlotWorker(env, std::move(slot)), batch_(std::move(batch)), loss_(loss), train_(train) {}

 protected:
  void Compute() override {
    runTorch([this] { value_ = train_ ? slot_->trainer->trainStep(batch_, loss_) : slot_->trainer->evalLoss(batch_, loss_); });
  }
  Napi::Value Result(Napi::Env env) override { return Napi::Number::New(env, value_); }

 private:
  Batch batch_;
  Loss loss_;
  bool train_;
  double value_ = 0;
};

class PredictWorker : public SlotWorker {
 public:
  PredictWorker(Napi::Env env, std::shared_ptr<NetSlot> slot, at::Tensor x) : SlotWorker(env, std::move(slot)), x_(std::move(x)) {}

 protected:
  void Compute() override {
    runTorch([this] { y_ = slot_->trainer->predict(x_); });
  }
  Napi::Value Result(Napi::Env env) override { return toJsArray(env, y_.data_ptr<float>(), static_cast<size_t>(y_.numel())); }

 private:
  at::Tensor x_, y_;
};

class TorchNetWrap : public OwningWrap<TorchNetWrap, NetSlot> {
 public:
  static constexpr const char* kName = "TorchNet";
  static Napi::Function Define(Napi::Env env) {
    return defineClass(env, {method<&TorchNetWrap::TrainStep>("trainStep"), method<&TorchNetWrap::EvalLoss>("evalLoss"),
                             method<&TorchNetWrap::Predict>("predict"), method<&TorchNetWrap::Parameters>("parameters"),
                             method<&TorchNetWrap::SetParameters>("setParameters"), method<&TorchNetWrap::SaveCheckpoint>("saveCheckpoint"),
                             method<&TorchNetWrap::LoadCheckpoint>("loadCheckpoint"), method<&TorchNetWrap::SetLearningRate>("setLearningRate"),
                             getter<&TorchNetWrap::Steps>("steps"), getter<&TorchNetWrap::Busy>("busy")});
  }
  using OwningWrap::OwningWrap;
  // new TorchNet(config: NetConfig, configJson: string, opts: resolved options)
  static std::shared_ptr<NetSlot> create(const Napi::CallbackInfo& info) {
    if (info.Length() < 3 || !info[0].IsObject() || !info[1].IsString() || !info[2].IsObject()) {
      throw std::invalid_argument("TorchNet(config, configJson, options)");
    }
    auto slot = std::make_shared<NetSlot>();
    runTorch([&] {
      const NetSpec spec = netSpecFromJs(info[0].As<Napi::Object>());
      const TrainerOptions opts = trainerOptionsFromJs(info[2].As<Napi::Object>());
      slot->trainer = std::make_unique<NetTrainer>(spec, opts, info[1].As<Napi::String>().Utf8Value());
    });
    return slot;
  }

 private:
  NetTrainer& idle(Napi::Env env) {
    NetSlot& slot = live(env);
    if (slot.busy) throw Napi::Error::New(env, codedMessage("ERR_INVALID_STATE", "a trainStep, evalLoss or predict is still running on this TorchNet; await it first"));
    return *slot.trainer;
  }

  // (loss, x, batch, frames, y | null, a | null, b | null)
  Napi::Value LossCall(const Napi::CallbackInfo& info, bool train) {
    Napi::Env env = info.Env();
    NetTrainer& net = idle(env);
    Batch batch;
    const Loss loss = lossFromJs(info[0]);
    const int64_t n = intArg<int64_t>(info[2], "batch", 1, 1 << 24);
    const int64_t frames = intArg<int64_t>(info[3], "frames", 0, 1 << 30);
    const int64_t f = net.spec().outputs;
    runTorch([&] {
      batch.x = inputFromJs(net.spec(), info[1], n, frames);
      if (loss == Loss::Mse) {
        batch.y = tensorFromJs(info[4], "y", {n, f});
      } else {
        batch.a = tensorFromJs(info[5], "a", {n, f, f});
        batch.b = tensorFromJs(info[6], "b", {n, f});
      }
    });
    return PromiseWorker::Start(new LossWorker(env, shared(), std::move(batch), loss, train));
  }
  Napi::Value TrainStep(const Napi::CallbackInfo& info) { return LossCall(info, true); }
  Napi::Value EvalLoss(const Napi::CallbackInfo& info) { return LossCall(info, false); }

  // (x, batch, frames)
  Napi::Value Predict(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    NetTrainer& net = idle(env);
    const int64_t n = intArg<int64_t>(info[1], "batch", 1, 1 << 24);
    const int64_t frames = intArg<int64_t>(info[2], "frames", 0, 1 << 30);
    at::Tensor x;
    runTorch([&] { x = inputFromJs(net.spec(), info[0], n, frames); });
    return PromiseWorker::Start(new PredictWorker(env, shared(), std::move(x)));
  }

  Napi::Value Parameters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    NetTrainer& net = idle(env);
    NamedTensors params;
    runTorch([&] { params = net.parameters(); });
    Napi::Array out = Napi::Array::New(env, params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      const at::Tensor& t = params[i].second;
      Napi::Array shape = Napi::Array::New(env, static_cast<size_t>(t.dim()));
      for (int64_t d = 0; d < t.dim(); ++d) shape.Set(static_cast<uint32_t>(d), Napi::Number::New(env, static_cast<double>(t.size(d))));
      Napi::Object p = Napi::Object::New(env);
      p.Set("name", params[i].first);
      p.Set("shape", shape);
      p.Set("data", toJsArray(env, t.data_ptr<float>(), static_cast<size_t>(t.numel())));
      out.Set(static_cast<uint32_t>(i), p);
    }
    return out;
  }

  // ([{ name, shape, data }])
  Napi::Value SetParameters(const Napi::CallbackInfo& info) {
    NetTrainer& net = idle(info.Env());
    if (!info[0].IsArray()) throw std::invalid_argument("parameters must be an array");
    const Napi::Array list = info[0].As<Napi::Array>();
    runTorch([&] {
      NamedTensors params;
      for (uint32_t i = 0; i < list.Length(); ++i) {
        if (!list.Get(i).IsObject()) throw std::invalid_argument("parameters entries must be objects");
        const Napi::Object p = list.Get(i).As<Napi::Object>();
        if (!p.Get("name").IsString() || !p.Get("shape").IsArray()) throw std::invalid_argument("parameters entries need a name and a shape");
        const std::string name = p.Get("name").As<Napi::String>().Utf8Value();
        const Napi::Array shapeJs = p.Get("shape").As<Napi::Array>();
        std::vector<int64_t> shape;
        for (uint32_t d = 0; d < shapeJs.Length(); ++d) {
          const Napi::Value v = shapeJs.Get(d);
          const double n = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
          if (!(n >= 1 && n <= (1 << 30))) throw std::range_error("parameters: \"" + name + "\" has a bad shape");
          shape.push_back(static_cast<int64_t>(n));
        }
        params.emplace_back(name, tensorFromJs(p.Get("data"), "parameter data", shape));
      }
      net.setParameters(params);
    });
    return info.Env().Undefined();
  }

  Napi::Value SaveCheckpoint(const Napi::CallbackInfo& info) {
    NetTrainer& net = idle(info.Env());
    std::string bytes;
    runTorch([&] { bytes = net.saveCheckpoint(); });
    return Napi::Buffer<uint8_t>::Copy(info.Env(), reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }

  // (bytes: Uint8Array)
  Napi::Value LoadCheckpoint(const Napi::CallbackInfo& info) {
    NetTrainer& net = idle(info.Env());
    const Napi::Uint8Array bytes = arrayArg<uint8_t>(info[0], "checkpoint bytes");
    runTorch([&] { net.loadCheckpoint(reinterpret_cast<const char*>(bytes.Data()), bytes.ElementLength()); });
    return info.Env().Undefined();
  }

  Napi::Value SetLearningRate(const Napi::CallbackInfo& info) {
    NetTrainer& net = idle(info.Env());
    const double lr = numberArg(info[0], "lr");
    if (!(lr > 0 && lr <= 1e6)) throw std::range_error("lr must be a finite number > 0");
    net.setLearningRate(lr);
    return info.Env().Undefined();
  }

  Napi::Value Steps(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(live(info.Env()).trainer->steps())); }
  Napi::Value Busy(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !disposed() && shared()->busy); }
};

}  // namespace

void registerTorchNet(Napi::Env env, Napi::Object exports) {
  exports.Set("TorchNet", TorchNetWrap::Define(env));
}

}  // namespace earshot::torchnet
