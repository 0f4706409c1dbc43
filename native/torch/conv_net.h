// The paper's network (van den Oord et al. 2013, Sec. 4.2; Dieleman 2014) as a libtorch module:
// 1-D convolutions over time on log-mel frames, global temporal pooling (mean / max / L2), dense ReLU
// layers and a linear output of F factors. Parameter names are a contract with the ONNX exporter:
//   conv{i}.weight [filters, inChannels, kernel]   conv{i}.bias [filters]
//   dense{j}.weight [out, in]                      dense{j}.bias [out]
//   out.weight [outputs, in]                       out.bias [outputs]
#pragma once
#include <ATen/core/Generator.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "net_spec.h"

namespace earshot::torchnet {

// A weight and a bias and nothing else, so that named_parameters() reads "<layer>.weight" /
// "<layer>.bias" and the layer's arithmetic stays in ConvNetImpl::forward.
class AffineImpl : public torch::nn::Module {
 public:
  AffineImpl(std::vector<int64_t> weightShape, int64_t outputs);
  torch::Tensor weight, bias;
};
TORCH_MODULE(Affine);

class ConvNetImpl : public torch::nn::Module {
 public:
  // Initial weights are drawn from `init` (He-uniform before a ReLU, LeCun-uniform for the linear
  // output), biases are 0: the network depends on the seed only, not on libtorch's global RNG.
  ConvNetImpl(const NetSpec& spec, at::Generator& init);

  // x: [batch, frames, bands] (mel) or [batch, features], float32 on the module's device, with
  // frames >= spec.minFrames(). `dropout`: the CPU generator that draws the training-mode masks, or
  // nullptr for evaluation (no dropout). Returns [batch, outputs].
  torch::Tensor forward(const torch::Tensor& x, at::Generator* dropout);

  const NetSpec& spec() const { return spec_; }

 private:
  torch::Tensor fullyConnected(const torch::Tensor& h, const Affine& layer) const;
  torch::Tensor dropoutMask(const torch::Tensor& h, at::Generator& gen) const;

  NetSpec spec_;
  std::vector<Affine> conv_, dense_;
  Affine out_{nullptr};
};
TORCH_MODULE(ConvNet);

}  // namespace earshot::torchnet
