// One log-mel frame from nFft contiguous samples: window -> power spectrum -> mel -> log.
// Holds all per-frame memory, so frame() never allocates; one processor per thread or stream.
#pragma once
#include <memory>
#include <vector>

#include "dsp/dsp_kernels.h"
#include "dsp/mel_config.h"

namespace earshot {

class MelFrameProcessor {
 public:
  explicit MelFrameProcessor(const MelConfig& c);
  // samples: cfg.nFft floats; out: cfg.nMels floats. topDb is not applied here (needs all frames).
  void frame(const float* samples, float* out);
  const MelConfig& config() const { return cfg_; }
  const MelFilterbank& filterbank() const { return *bank_; }

 private:
  MelConfig cfg_;
  std::shared_ptr<const FftPlan> plan_;  // immutable tables, shared by every processor (plan_cache.h)
  FftScratch scratch_;
  std::shared_ptr<const MelFilterbank> bank_;
  std::vector<float> power_, tmp_;
  float offsetDb_;
};

MelBankOptions bankOptions(const MelConfig& c);

}  // namespace earshot
