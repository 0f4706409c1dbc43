#include "dsp/mel_frame.h"

#include "dsp/plan_cache.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace earshot {

void MelConfig::validate() const {
  auto bad = [](const std::string& what) { throw std::range_error(what); };
  if (!(sampleRateHz >= 1.0 && sampleRateHz <= 768000.0)) bad("sampleRateHz must be in 1..768000 Hz, got " + std::to_string(sampleRateHz));
  // nFft before hopSamples, whose bound it is: nFft=3 must not be reported as a bad hop.
  if (nFft < FftPlan::kMinFft || nFft > FftPlan::kMaxFft || (nFft & (nFft - 1)) != 0) {
    bad("nFft must be a power of two between " + std::to_string(FftPlan::kMinFft) + " and " + std::to_string(FftPlan::kMaxFft) +
        " samples, got " + std::to_string(nFft));
  }
  if (nMels < 1 || nMels > 4096) bad("nMels must be in 1..4096, got " + std::to_string(nMels));  // before any size is derived from it
  if (hopSamples < 1 || hopSamples > nFft) bad("hopSamples must be in 1..nFft (" + std::to_string(nFft) + "), got " + std::to_string(hopSamples));
  // The dB kernel floors in float32 and takes a log of normal floats: an amin outside float's normal
  // range became 0 or inf there and silently gave wrong dB (1e-40 -> -382 dB instead of -400 dB).
  if (!(aminPower >= FLT_MIN && aminPower <= FLT_MAX)) {
    char got[32];
    std::snprintf(got, sizeof got, "%g", aminPower);
    bad(std::string("aminPower must be in 1.2e-38..3.4e38 (a normal float32), got ") + got);
  }
  if (!(refPower > 0.0) || !std::isfinite(refPower)) bad("refPower must be > 0");
  if (!(log1pScale > 0.0) || !std::isfinite(log1pScale)) bad("log1pScale must be > 0");
  // fmin/fmax are checked by MelFilterbank (FftPlan and MelFilterbank re-check nFft and nMels).
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
