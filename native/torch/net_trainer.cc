#include "net_trainer.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <torch/cuda.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>
#include <torch/utils.h>

#include <cmath>
#include <stdexcept>
#include <unordered_map>

namespace earshot::torchnet {

bool cudaUsable(std::string* reason) {
  if (torch::cuda::is_available()) return true;
  if (reason) {
    const bool built = at::show_config().find("USE_CUDA=ON") != std::string::npos;
    *reason = built ? "libtorch was built with CUDA but sees no GPU (no driver, or CUDA_VISIBLE_DEVICES hides every device)"
                    : "earshot_torch.node links a CPU-only libtorch; rebuild it against a CUDA libtorch "
                      "(Torch_DIR=<libtorch>/share/cmake/Torch npm run build:torch)";
  }
  return false;
}

NetTrainer::NetTrainer(const NetSpec& spec, const TrainerOptions& opts, std::string configJson)
    : configJson_(std::move(configJson)),
      opts_(opts),
      device_(opts.cuda ? c10::kCUDA : c10::kCPU),
      rng_(at::detail::createCPUGenerator(opts.seed)) {
  std::string why;
  if (opts.cuda && !cudaUsable(&why)) throw std::runtime_error("ERR_CUDA_UNAVAILABLE: device 'cuda' is not usable: " + why);
  model_ = ConvNet(spec, rng_);
  model_->to(device_);  // before the optimizer takes the parameters
  optimizer_ = makeOptimizer(model_, opts.lr);
}

std::unique_ptr<torch::optim::Optimizer> NetTrainer::makeOptimizer(ConvNet& model, double lr) const {
  if (opts_.optimizer == OptimizerKind::Adam) {
    return std::make_unique<torch::optim::Adam>(model->parameters(), torch::optim::AdamOptions(lr).weight_decay(opts_.weightDecay));
  }
  return std::make_unique<torch::optim::SGD>(
      model->parameters(), torch::optim::SGDOptions(lr).momentum(0.9).nesterov(true).weight_decay(opts_.weightDecay));
}

// OpenMP's thread count is a per-thread setting (omp_set_num_threads sets the calling thread's
// ICV): set it on the libuv worker that is about to compute, every call, since any pool thread may
// run the next one.
void NetTrainer::useThreads() const {
  if (at::get_num_threads() != opts_.threads) at::set_num_threads(opts_.threads);
}

at::Tensor NetTrainer::lossOf(const at::Tensor& yhat, const Batch& batch, Loss loss) const {
  if (loss == Loss::Mse) return mseLoss(yhat, batch.y.to(device_));
  return quadraticLoss(yhat, batch.a.to(device_), batch.b.to(device_));
}

double NetTrainer::trainStep(const Batch& batch, Loss loss) {
  useThreads();
  model_->train();
  optimizer_->zero_grad();
  at::Tensor value = lossOf(model_->forward(batch.x.to(device_), &rng_), batch, loss);
  const double v = value.item<double>();
  // A NaN or infinite loss would write NaN into every weight: refuse the step instead.
  if (!std::isfinite(v)) {
    throw std::runtime_error("ERR_NOT_FINITE: the loss is " + std::to_string(v) + " at step " + std::to_string(step_.load() + 1) +
                             "; the weights were left unchanged (lower the learning rate, or check the targets' scale)");
  }
  value.backward();
  optimizer_->step();
  ++step_;
  return v;
}

double NetTrainer::evalLoss(const Batch& batch, Loss loss) {
  useThreads();
  torch::NoGradGuard noGrad;
  model_->eval();
  return lossOf(model_->forward(batch.x.to(device_), nullptr), batch, loss).item<double>();
}

at::Tensor NetTrainer::predict(const at::Tensor& x) {
  useThreads();
  torch::NoGradGuard noGrad;
  model_->eval();
  return model_->forward(x.to(device_), nullptr).to(at::kCPU).contiguous();
}

NamedTensors NetTrainer::parameters() const {
  NamedTensors out;
  for (const auto& p : model_->named_parameters()) {
    out.emplace_back(p.key(), p.value().detach().to(at::kCPU, /*non_blocking=*/false, /*copy=*/true).contiguous());
  }
  return out;
}

void NetTrainer::setParameters(const NamedTensors& params) {
  auto named = model_->named_parameters();
  if (params.size() != named.size()) {
    throw std::invalid_argument("parameters: expected all " + std::to_string(named.size()) + " parameters, got " + std::to_string(params.size()));
  }
  std::unordered_map<std::string, const at::Tensor*> byName;
  for (const auto& [name, t] : params) {
    const at::Tensor* target = named.find(name);
    if (!target) throw std::invalid_argument("parameters: no parameter named \"" + name + "\"");
    if (!byName.emplace(name, &t).second) throw std::invalid_argument("parameters: \"" + name + "\" given twice");
    if (t.sizes() != target->sizes()) throw std::invalid_argument("parameters: \"" + name + "\" has the wrong shape");
  }
  // Everything checked: now copy (no half-updated network on a bad argument).
  torch::NoGradGuard noGrad;
  for (auto& p : named) p.value().copy_(*byName.at(p.key()));
}

void NetTrainer::setLearningRate(double lr) {
  for (auto& group : optimizer_->param_groups()) group.options().set_lr(lr);
}

}  // namespace earshot::torchnet
