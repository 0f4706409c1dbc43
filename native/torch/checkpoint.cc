// NetTrainer's checkpoints: one libtorch archive (a zip, torch::save's format) holding
//   format "earshot-torchnet/1", config (the NetConfig JSON), optimizer_kind, step,
//   rng (the dropout generator's state), model {conv0.weight, ...}, optimizer {moments, lr, ...}.
// Resuming from it continues exactly as the saved run would have (same dropout masks, same Adam step).
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <stdexcept>

#include "net_trainer.h"

namespace earshot::torchnet {

namespace {

constexpr const char* kFormat = "earshot-torchnet/1";

const char* optimizerName(OptimizerKind k) { return k == OptimizerKind::Adam ? "adam" : "nesterov"; }

std::runtime_error checkpointError(const std::string& what) { return std::runtime_error("ERR_CHECKPOINT: " + what); }

std::string readString(torch::serialize::InputArchive& archive, const char* key) {
  c10::IValue v;
  if (!archive.try_read(key, v) || !v.isString()) throw checkpointError(std::string("no \"") + key + "\" entry: not an earshot TorchNet checkpoint");
  return v.toStringRef();
}

}  // namespace

std::string NetTrainer::saveCheckpoint() {
  torch::serialize::OutputArchive root, model, optimizer;
  model_->save(model);
  optimizer_->save(optimizer);
  root.write("format", c10::IValue(std::string(kFormat)));
  root.write("config", c10::IValue(configJson_));
  root.write("optimizer_kind", c10::IValue(std::string(optimizerName(opts_.optimizer))));
  root.write("step", c10::IValue(step_.load()));
  root.write("rng", rng_.get_state());
  root.write("model", model);
  root.write("optimizer", optimizer);
  std::string bytes;
  root.save_to([&bytes](const void* data, size_t n) {
    bytes.append(static_cast<const char*>(data), n);
    return n;
  });
  return bytes;
}

void NetTrainer::loadCheckpoint(const char* data, size_t size) {
  torch::serialize::InputArchive root;
  try {
    root.load_from(data, size, device_);
  } catch (const c10::Error& e) {
    throw checkpointError(std::string("not a libtorch archive (") + e.what_without_backtrace() + ")");
  }
  const std::string format = readString(root, "format");
  if (format != kFormat) throw checkpointError("unsupported checkpoint format \"" + format + "\" (this build reads " + kFormat + ")");
  const std::string config = readString(root, "config");
  if (config != configJson_) throw checkpointError("the checkpoint holds a different network: " + config + "; this net is " + configJson_);
  const std::string kind = readString(root, "optimizer_kind");
  if (kind != optimizerName(opts_.optimizer)) {
    throw checkpointError("the checkpoint was trained with optimizer '" + kind + "', this net uses '" + optimizerName(opts_.optimizer) + "'");
  }
  c10::IValue step;
  if (!root.try_read("step", step) || !step.isInt() || step.toInt() < 0) throw checkpointError("no valid \"step\" entry");
  at::Tensor rngState;
  if (!root.try_read("rng", rngState)) throw checkpointError("no \"rng\" entry");

  // Read into a fresh network and optimizer, and swap them in only when everything has loaded.
  at::Generator rng = at::detail::createCPUGenerator(opts_.seed);
  ConvNet model(spec(), rng);
  model->to(device_);
  std::unique_ptr<torch::optim::Optimizer> optimizer = makeOptimizer(model, opts_.lr);
  try {
    torch::serialize::InputArchive modelArchive, optimizerArchive;
    root.read("model", modelArchive);
    model->load(modelArchive);
    root.read("optimizer", optimizerArchive);
    optimizer->load(optimizerArchive);
    rng.set_state(rngState.to(at::kCPU));
  } catch (const c10::Error& e) {
    throw checkpointError(std::string("damaged checkpoint: ") + e.what_without_backtrace());
  }
  model_ = model;
  optimizer_ = std::move(optimizer);
  rng_ = rng;
  step_.store(step.toInt());
}

}  // namespace earshot::torchnet
