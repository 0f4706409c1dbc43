#include "mel_frame.h"

#include "plan_cache.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace earshot {

void MelConfig::validate() const {
  auto bad = [](const std::string& what) { throw std::range_error(what); };
  if (!(sampleRateHz >= 1.0 && sampleRateHz <= 768000.0)) bad("sampleRateHz must be in 1..768000 Hz, got " + std::to_string(sampleRateHz));
  if (hopSamples < 1 || hopSamples > nFft) bad("hopSamples must be in 1..nFft (" + std::to_string(nFft) + "), got " + std::to_string(hopSamples));
  if (!(aminPower > 0.0) || !std::isfinite(aminPower)) bad("aminPower must be > 0");
  if (!(refPower > 0.0) || !std::isfinite(refPower)) bad("refPower must be > 0");
  if (!(log1pScale > 0.0) || !std::isfinite(log1pScale)) bad("log1pScale must be > 0");
  // nFft, nMels, fmin/fmax are checked by FftPlan and MelFilterbank with their own messages.
}

MelBankOptions bankOptions(const MelConfig& c) {
  MelBankOptions o;
  o.sampleRateHz = c.sampleRateHz;
  o.nFft = c.nFft;
  o.nMels = c.nMels;
  o.fminHz = c.fminHz;
  o.fmaxHz = c.fmaxHz;
  o.htk = c.htk;
  o.slaneyNorm = c.slaneyNorm;
  return o;
}

static MelConfig validated(const MelConfig& c) {
  c.validate();
  return c;
}

MelFrameProcessor::MelFrameProcessor(const MelConfig& c)
    : cfg_(validated(c)),
      plan_(sharedFftPlan(cfg_.nFft)),
      scratch_(*plan_),
      bank_(sharedMelFilterbank(bankOptions(cfg_))),
      power_(plan_->bins()),
      tmp_(static_cast<size_t>(bank_->nGroups) * 8),
      // power_to_db subtracts 10 log10(max(amin, ref)).
      offsetDb_(static_cast<float>(10.0 * std::log10(std::max(cfg_.aminPower, cfg_.refPower)))) {}

void MelFrameProcessor::frame(const float* samples, float* out) {
  const DspKernels& k = activeKernels();
  k.powerSpectrum(*plan_, scratch_, samples, power_.data());
  k.applyMel(*bank_, power_.data(), out, tmp_.data());
  switch (cfg_.log) {
    case LogMode::Power: break;
    case LogMode::Db: k.powerToDb(out, cfg_.nMels, static_cast<float>(cfg_.aminPower), offsetDb_); break;
    case LogMode::Log1p: k.log1pScaled(out, cfg_.nMels, static_cast<float>(cfg_.log1pScale)); break;
  }
}

}  // namespace earshot
