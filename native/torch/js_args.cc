#include "js_args.h"

#include <ATen/ATen.h>

#include <stdexcept>
#include <string>

#include "napi/args.h"

namespace earshot::torchnet {

namespace {

int64_t intField(const Napi::Object& o, const char* key, int64_t lo, int64_t hi) {
  return intArg<int64_t>(o.Get(key), key, static_cast<double>(lo), static_cast<double>(hi));
}

Napi::Array arrayField(const Napi::Object& o, const char* key) {
  const Napi::Value v = o.Get(key);
  if (!v.IsArray()) throw std::invalid_argument(std::string(key) + " must be an array");
  return v.As<Napi::Array>();
}

Napi::Object objectAt(const Napi::Array& a, uint32_t i, const char* what) {
  const Napi::Value v = a.Get(i);
  if (!v.IsObject()) throw std::invalid_argument(std::string(what) + " entries must be objects");
  return v.As<Napi::Object>();
}

constexpr int64_t kMaxWidth = 1 << 20;

}  // namespace

NetSpec netSpecFromJs(const Napi::Object& config) {
  NetSpec spec;
  const Napi::Value inputValue = config.Get("input");
  if (!inputValue.IsObject()) throw std::invalid_argument("input must be an object");
  const Napi::Object input = inputValue.As<Napi::Object>();
  const std::string kind = stringArg(input.Get("kind"), "kind");
  if (kind != "mel" && kind != "vector") throw std::invalid_argument("input.kind must be 'mel' or 'vector'");
  spec.mel = kind == "mel";
  spec.inputWidth = intField(input, spec.mel ? "bands" : "features", 1, kMaxWidth);
  const Napi::Array conv = arrayField(config, "conv");
  for (uint32_t i = 0; i < conv.Length(); ++i) {
    const Napi::Object c = objectAt(conv, i, "conv");
    spec.conv.push_back({intField(c, "filters", 1, kMaxWidth), intField(c, "kernel", 1, kMaxWidth), intField(c, "pool", 1, kMaxWidth)});
  }
  const Napi::Array pools = arrayField(config, "globalPool");
  for (uint32_t i = 0; i < pools.Length(); ++i) {
    const Napi::Value p = pools.Get(i);
    const std::string name = p.IsString() ? p.As<Napi::String>().Utf8Value() : "";
    if (name == "mean") spec.pools.push_back(GlobalPool::Mean);
    else if (name == "max") spec.pools.push_back(GlobalPool::Max);
    else if (name == "l2") spec.pools.push_back(GlobalPool::L2);
    else throw std::invalid_argument("globalPool entries must be 'mean', 'max' or 'l2'");
  }
  const Napi::Array dense = arrayField(config, "dense");
  for (uint32_t j = 0; j < dense.Length(); ++j) spec.dense.push_back(intArg<int64_t>(dense.Get(j), "dense", 1, kMaxWidth));
  spec.dropout = numberInArg(config.Get("dropout"), "dropout", 0, 1);
  if (spec.dropout >= 1) throw std::range_error("dropout must be < 1");
  spec.outputs = intField(config, "outputs", 1, kMaxWidth);
  // The combinations that would make forward() fail (TS reports them with more words).
  if (!spec.mel && (!spec.conv.empty() || !spec.pools.empty())) throw std::invalid_argument("a vector input takes no conv layers and no globalPool");
  if (spec.mel && spec.pools.empty()) throw std::invalid_argument("a mel input needs at least one globalPool");
  return spec;
}

TrainerOptions trainerOptionsFromJs(const Napi::Object& opts) {
  TrainerOptions o;
  const std::string device = stringArg(opts.Get("device"), "device");
  if (device != "cpu" && device != "cuda") throw std::invalid_argument("device must be 'cpu' or 'cuda'");
  o.cuda = device == "cuda";
  o.threads = static_cast<int>(intField(opts, "threads", 1, 1024));
  o.seed = static_cast<uint64_t>(intField(opts, "seed", 0, 4294967295LL));
  const std::string optimizer = stringArg(opts.Get("optimizer"), "optimizer");
  if (optimizer != "adam" && optimizer != "nesterov") throw std::invalid_argument("optimizer must be 'adam' or 'nesterov'");
  o.optimizer = optimizer == "adam" ? OptimizerKind::Adam : OptimizerKind::Nesterov;
  o.lr = numberInArg(opts.Get("lr"), "lr", 0, 1e6);
  o.weightDecay = numberInArg(opts.Get("weightDecay"), "weightDecay", 0, 1e6);
  return o;
}

Loss lossFromJs(const Napi::Value& v) {
  const std::string name = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (name == "mse") return Loss::Mse;
  if (name == "quadratic") return Loss::Quadratic;
  throw std::invalid_argument("loss must be 'mse' or 'quadratic'");
}

at::Tensor tensorFromJs(const Napi::Value& v, const char* name, at::IntArrayRef shape) {
  int64_t n = 1;
  std::string dims;
  for (int64_t d : shape) {
    n *= d;
    dims += (dims.empty() ? "" : " x ") + std::to_string(d);
  }
  Napi::Float32Array a = arrayArg<float>(v, name, static_cast<size_t>(n), dims);
  // A copy: the worker thread must not read memory that JS may change or detach meanwhile.
  return at::from_blob(a.Data(), shape, at::kFloat).clone();
}

at::Tensor inputFromJs(const NetSpec& spec, const Napi::Value& x, int64_t batch, int64_t frames) {
  if (batch < 1) throw std::range_error("batch must be >= 1");
  if (!spec.mel) return tensorFromJs(x, "x", {batch, spec.inputWidth});
  if (frames < spec.minFrames()) {
    throw std::range_error("frames must be >= " + std::to_string(spec.minFrames()) + " for this conv stack, got " + std::to_string(frames));
  }
  return tensorFromJs(x, "x", {batch, frames, spec.inputWidth});
}

}  // namespace earshot::torchnet
