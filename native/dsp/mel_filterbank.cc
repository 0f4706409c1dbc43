#include "dsp/mel_filterbank.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace earshot {

// Slaney's Auditory Toolbox scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above
// (27 mels per factor 6.4). HTK: 2595 log10(1 + f/700).
static constexpr double kFsp = 200.0 / 3.0;
static constexpr double kMinLogHz = 1000.0;
static constexpr double kMinLogMel = kMinLogHz / kFsp;

static double logStep() { return std::log(6.4) / 27.0; }

double hzToMel(double hz, bool htk) {
  if (htk) return 2595.0 * std::log10(1.0 + hz / 700.0);
  if (hz >= kMinLogHz) return kMinLogMel + std::log(hz / kMinLogHz) / logStep();
  return hz / kFsp;
}

double melToHz(double mel, bool htk) {
  if (htk) return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
  if (mel >= kMinLogMel) return kMinLogHz * std::exp(logStep() * (mel - kMinLogMel));
  return kFsp * mel;
}

MelFilterbank::MelFilterbank(const MelBankOptions& o) {
  const double fmax = o.fmaxHz < 0 ? o.sampleRateHz / 2.0 : o.fmaxHz;
  if (o.nMels < 1 || o.nMels > 4096) throw std::range_error("nMels must be in 1..4096, got " + std::to_string(o.nMels));
  if (!(o.fminHz >= 0.0) || !(fmax > o.fminHz) || fmax > o.sampleRateHz / 2.0 + 1e-9) {
    throw std::range_error("need 0 <= fminHz < fmaxHz <= sampleRateHz/2, got fminHz=" + std::to_string(o.fminHz) +
                           " fmaxHz=" + std::to_string(fmax) + " sampleRateHz=" + std::to_string(o.sampleRateHz));
  }
  nMels = o.nMels;
  nBins = o.nFft / 2 + 1;

  // librosa: mel_f = mel_frequencies(n_mels + 2, fmin, fmax); weights[i] = max(0, min(lower, upper)).
  std::vector<double> melF(nMels + 2);
  const double melMin = hzToMel(o.fminHz, o.htk), melMax = hzToMel(fmax, o.htk);
  for (int i = 0; i < nMels + 2; ++i) {
    // np.linspace: start + i * step, with the last point exactly melMax.
    const double m = (i == nMels + 1) ? melMax : melMin + i * ((melMax - melMin) / (nMels + 1));
    melF[i] = melToHz(m, o.htk);
  }
  dense.assign(static_cast<size_t>(nMels) * nBins, 0.0);
  for (int i = 0; i < nMels; ++i) {
    const double d0 = melF[i + 1] - melF[i], d1 = melF[i + 2] - melF[i + 1];
    const double enorm = o.slaneyNorm ? 2.0 / (melF[i + 2] - melF[i]) : 1.0;
    for (int k = 0; k < nBins; ++k) {
      const double f = k * o.sampleRateHz / o.nFft;  // FFT bin centre (Hz)
      const double lower = -(melF[i] - f) / d0;
      const double upper = (melF[i + 2] - f) / d1;
      dense[static_cast<size_t>(i) * nBins + k] = std::max(0.0, std::min(lower, upper)) * enorm;
    }
  }

  nGroups = (nMels + 7) / 8;
  groupLo.resize(nGroups);
  groupHi.resize(nGroups);
  groupOffset.resize(nGroups + 1);
  int offset = 0;
  for (int g = 0; g < nGroups; ++g) {
    int lo = nBins, hi = 0;
    for (int b = g * 8; b < std::min(nMels, g * 8 + 8); ++b) {
      for (int k = 0; k < nBins; ++k) {
        if (dense[static_cast<size_t>(b) * nBins + k] != 0.0) { lo = std::min(lo, k); hi = std::max(hi, k + 1); }
      }
    }
    if (hi <= lo) lo = hi = 0;  // bands narrower than one bin have no weights (librosa warns, output 0)
    groupLo[g] = lo;
    groupHi[g] = hi;
    groupOffset[g] = offset;
    offset += hi - lo;
  }
  groupOffset[nGroups] = offset;
  weights8.assign(static_cast<size_t>(offset) * 8, 0.0f);
  for (int g = 0; g < nGroups; ++g) {
    for (int k = groupLo[g]; k < groupHi[g]; ++k) {
      for (int lane = 0; lane < 8 && g * 8 + lane < nMels; ++lane) {
        weights8[(static_cast<size_t>(groupOffset[g]) + (k - groupLo[g])) * 8 + lane] =
            static_cast<float>(dense[static_cast<size_t>(g * 8 + lane) * nBins + k]);
      }
    }
  }
}

}  // namespace earshot
