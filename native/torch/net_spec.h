// The network's shape (trainer/cnn/net-config.ts's NetConfig, already validated there): plain data,
// no libtorch, so every translation unit can include it cheaply.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace earshot::torchnet {

// One 1-D convolution over time ('valid': no padding), ReLU, then max-pool (size = stride = pool,
// floor mode; pool 1 = none).
struct ConvSpec {
  int64_t filters;
  int64_t kernel;  // frames
  int64_t pool;    // frames
};

enum class GlobalPool { Mean, Max, L2 };

struct NetSpec {
  bool mel = true;          // input [batch, frames, bands]; false: [batch, features]
  int64_t inputWidth = 0;   // bands (mel) or features (vector)
  std::vector<ConvSpec> conv;
  std::vector<GlobalPool> pools;  // concatenated along channels in this order
  std::vector<int64_t> dense;     // hidden ReLU layers
  double dropout = 0;             // in [0, 1): probability of zeroing each input of the dense and output layers (training only)
  int64_t outputs = 0;

  // Fewest input frames the conv stack accepts. Walking back from one output frame: a pool of p needs
  // p frames per output frame (floor mode), a 'valid' conv of kernel k needs k - 1 frames more.
  int64_t minFrames() const {
    int64_t need = 1;
    for (auto it = conv.rbegin(); it != conv.rend(); ++it) need = need * it->pool + it->kernel - 1;
    return need;
  }

  // Channels entering the first dense layer: the last conv's filters (or the bands) per global pool.
  int64_t pooledWidth() const {
    if (!mel) return inputWidth;
    const int64_t channels = conv.empty() ? inputWidth : conv.back().filters;
    return channels * static_cast<int64_t>(pools.size());
  }
};

}  // namespace earshot::torchnet
