// One network with its optimizer, dropout RNG and step count: what a training run is, and what a
// checkpoint holds. No Node-API here (torch_net_binding.cc owns the JS side and the threading rule:
// at most one call at a time per NetTrainer).
#pragma once
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <torch/optim/optimizer.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "conv_net.h"
#include "losses.h"
#include "net_spec.h"

namespace earshot::torchnet {

enum class OptimizerKind { Adam, Nesterov };

struct TrainerOptions {
  bool cuda = false;
  int threads = 1;       // libtorch intra-op (OpenMP) threads for this net's calls
  uint64_t seed = 1;     // initial weights and dropout masks
  OptimizerKind optimizer = OptimizerKind::Adam;
  double lr = 1e-3;
  double weightDecay = 0;  // L2 penalty added to the gradient (not decoupled AdamW decay)
};

// One batch, CPU float32, shaped: x [batch, frames, bands] or [batch, features]; y [batch, F] for
// the MSE loss; a [batch, F, F] and b [batch, F] for the quadratic loss (undefined otherwise).
struct Batch {
  at::Tensor x, y, a, b;
};

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

class NetTrainer {
 public:
  // Throws "ERR_CUDA_UNAVAILABLE: ..." (std::runtime_error) for opts.cuda without a usable GPU.
  // configJson identifies the architecture in checkpoints.
  NetTrainer(const NetSpec& spec, const TrainerOptions& opts, std::string configJson);

  // The compute calls (run on a libuv worker thread). trainStep: forward with dropout, loss,
  // backward, one optimizer step; returns the batch loss before the step.
  double trainStep(const Batch& batch, Loss loss);
  double evalLoss(const Batch& batch, Loss loss);  // no gradient, no dropout
  at::Tensor predict(const at::Tensor& x);          // [batch, outputs], CPU

  NamedTensors parameters() const;  // CPU copies, in named_parameters() order
  // Every parameter by name with its exact shape (std::invalid_argument otherwise). The optimizer
  // state (moments, momentum) is kept.
  void setParameters(const NamedTensors& params);
  void setLearningRate(double lr);
  int64_t steps() const { return step_.load(); }  // read on the JS thread while a step may run
  const NetSpec& spec() const { return model_->spec(); }

  // checkpoint.cc: model, optimizer state, dropout RNG state and step count as one byte string.
  // Loading checks the architecture and optimizer first and changes nothing when it throws.
  std::string saveCheckpoint();
  void loadCheckpoint(const char* data, size_t size);

 private:
  std::unique_ptr<torch::optim::Optimizer> makeOptimizer(ConvNet& model, double lr) const;
  at::Tensor lossOf(const at::Tensor& yhat, const Batch& batch, Loss loss) const;
  void useThreads() const;

  std::string configJson_;
  TrainerOptions opts_;
  c10::Device device_;
  at::Generator rng_;  // initial weights, then the dropout masks
  ConvNet model_{nullptr};
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::atomic<int64_t> step_{0};
};

// "cuda": whether device 'cuda' can work, and why not. Used by the constructor and torchStatus().
bool cudaUsable(std::string* reason);

}  // namespace earshot::torchnet
