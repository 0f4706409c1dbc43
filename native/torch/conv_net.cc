#include "conv_net.h"

#include <ATen/ATen.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>
#include <string>

namespace earshot::torchnet {

AffineImpl::AffineImpl(std::vector<int64_t> weightShape, int64_t outputs) {
  weight = register_parameter("weight", torch::empty(weightShape));
  bias = register_parameter("bias", torch::zeros({outputs}));
}

namespace {

// Uniform in +-bound, drawn from `gen` (not the global RNG: two nets with one seed are identical).
void fillUniform(torch::Tensor& w, double bound, at::Generator& gen) {
  torch::NoGradGuard noGrad;
  w.uniform_(-bound, bound, gen);
}

}  // namespace

ConvNetImpl::ConvNetImpl(const NetSpec& spec, at::Generator& init) : spec_(spec) {
  // He-uniform, bound sqrt(6 / fanIn): keeps the activations' variance through ReLU layers.
  int64_t channels = spec.inputWidth;
  for (size_t i = 0; i < spec.conv.size(); ++i) {
    const ConvSpec& c = spec.conv[i];
    Affine layer(std::vector<int64_t>{c.filters, channels, c.kernel}, c.filters);
    fillUniform(layer->weight, std::sqrt(6.0 / static_cast<double>(channels * c.kernel)), init);
    conv_.push_back(register_module("conv" + std::to_string(i), layer));
    channels = c.filters;
  }
  int64_t width = spec.pooledWidth();
  for (size_t j = 0; j < spec.dense.size(); ++j) {
    Affine layer(std::vector<int64_t>{spec.dense[j], width}, spec.dense[j]);
    fillUniform(layer->weight, std::sqrt(6.0 / static_cast<double>(width)), init);
    dense_.push_back(register_module("dense" + std::to_string(j), layer));
    width = spec.dense[j];
  }
  // LeCun-uniform, bound sqrt(3 / fanIn): unit-variance inputs give unit-variance linear outputs.
  out_ = register_module("out", Affine(std::vector<int64_t>{spec.outputs, width}, spec.outputs));
  fillUniform(out_->weight, std::sqrt(3.0 / static_cast<double>(width)), init);
}

namespace {

// On the CPU every product goes to oneDNN directly. at::conv1d's own heuristic sends small inputs
// (batch 1: one live 3-s window) to im2col + the BLAS libtorch links, and at::linear always takes
// that BLAS; Debian's is the reference BLAS, 10-20x slower than oneDNN on the paper's layers.
bool useOneDnn(const torch::Tensor& x) { return x.is_cpu() && at::hasMKLDNN() && at::globalContext().userEnabledMkldnn(); }

// 'valid' 1-D convolution, stride 1: x [batch, in, frames], w [out, in, kernel].
torch::Tensor convolve(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  if (useOneDnn(x)) return at::mkldnn_convolution(x, w, b, /*padding=*/{0}, /*stride=*/{1}, /*dilation=*/{1}, /*groups=*/1);
  return at::conv1d(x, w, b);
}

}  // namespace

torch::Tensor ConvNetImpl::fullyConnected(const torch::Tensor& h, const Affine& layer) const {
  if (!useOneDnn(h)) return at::linear(h, layer->weight, layer->bias);
  // The same product as a kernel-1 convolution over a 1-frame signal.
  return convolve(h.unsqueeze(2), layer->weight.unsqueeze(2), layer->bias).squeeze(2);
}

torch::Tensor ConvNetImpl::dropoutMask(const torch::Tensor& h, at::Generator& gen) const {
  // Inverted dropout: keep with probability 1 - p and scale by 1 / (1 - p), so evaluation needs no
  // rescaling. Drawn on the CPU from the net's own generator: identical on every device, and its
  // state goes into checkpoints.
  const double keep = 1.0 - spec_.dropout;
  torch::Tensor mask = torch::empty(h.sizes(), torch::kFloat32);
  {
    torch::NoGradGuard noGrad;
    mask.bernoulli_(keep, gen).div_(keep);
  }
  return mask.to(h.device());
}

torch::Tensor ConvNetImpl::forward(const torch::Tensor& x, at::Generator* dropout) {
  torch::Tensor h;
  if (spec_.mel) {
    // [batch, frames, bands] -> [batch, bands, frames]: bands are the convolutions' input channels.
    h = x.transpose(1, 2).contiguous();
    for (size_t i = 0; i < conv_.size(); ++i) {
      h = at::relu(convolve(h, conv_[i]->weight, conv_[i]->bias));
      const int64_t pool = spec_.conv[i].pool;
      if (pool > 1) h = at::max_pool1d(h, {pool}, {pool});  // stride = size, floor mode
    }
    std::vector<torch::Tensor> pooled;
    for (GlobalPool p : spec_.pools) {
      switch (p) {
        case GlobalPool::Mean: pooled.push_back(h.mean(2)); break;
        case GlobalPool::Max: pooled.push_back(h.amax(2)); break;
        // The L2 norm over time, sqrt(sum_t h^2); its gradient at an all-zero channel is taken as 0.
        case GlobalPool::L2: pooled.push_back(at::linalg_vector_norm(h, 2, {2})); break;
      }
    }
    h = pooled.size() == 1 ? pooled[0] : at::cat(pooled, 1);
  } else {
    h = x;
  }
  // Dropout on the input of every fully connected layer, the output layer's included (net-config.ts).
  const bool drop = dropout != nullptr && spec_.dropout > 0;
  for (const Affine& layer : dense_) {
    if (drop) h = h * dropoutMask(h, *dropout);
    h = at::relu(fullyConnected(h, layer));
  }
  if (drop) h = h * dropoutMask(h, *dropout);
  return fullyConnected(h, out_);
}

}  // namespace earshot::torchnet
