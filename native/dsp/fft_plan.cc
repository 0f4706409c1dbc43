#include "dsp/fft_plan.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace earshot {

FftPlan::FftPlan(int nFftIn) : nFft(nFftIn) {
  if (nFft < kMinFft || nFft > kMaxFft || (nFft & (nFft - 1)) != 0) {
    throw std::range_error("nFft must be a power of two between " + std::to_string(kMinFft) + " and " +
                           std::to_string(kMaxFft) + " samples, got " + std::to_string(nFft));
  }
  n = nFft / 2;
  n2 = n / 4;
  log2n2 = 0;
  while ((1 << log2n2) < n2) ++log2n2;
  const double twoPi = 2.0 * M_PI;

  // Periodic Hann (scipy.signal.get_window('hann', nFft, fftbins=True)), as librosa uses.
  window.resize(nFft);
  for (int i = 0; i < nFft; ++i) window[i] = 0.5 - 0.5 * std::cos(twoPi * i / nFft);

  bitrev.resize(n2);
  for (int i = 0; i < n2; ++i) {
    int r = 0;
    for (int b = 0; b < log2n2; ++b) r |= ((i >> b) & 1) << (log2n2 - 1 - b);
    bitrev[i] = r;
  }

  // Radix-4 DIT stages after the optional radix-2 stage: sub-FFT size h grows 1 or 2 -> ... -> n2/4.
  // Each fuses two radix-2 stages: y = x0 + w^2 x1 + w x2 + w^3 x3 (and rotations), w = W_4h^j.
  for (int h = (log2n2 % 2) ? 2 : 1; h < n2; h *= 4) {
    for (int j = 0; j < h; ++j) {
      for (int m = 1; m <= 3; ++m) {
        const double a = -twoPi * m * j / (4.0 * h);
        stageTw.push_back(std::cos(a));
        stageTw.push_back(std::sin(a));
      }
    }
  }

  laneTwRe.resize(static_cast<size_t>(n2) * 4);
  laneTwIm.resize(static_cast<size_t>(n2) * 4);
  for (int k2 = 0; k2 < n2; ++k2) {
    for (int lane = 0; lane < 4; ++lane) {
      const double a = -twoPi * lane * k2 / n;
      laneTwRe[k2 * 4 + lane] = std::cos(a);
      laneTwIm[k2 * 4 + lane] = std::sin(a);
    }
  }

  postRe.resize(n);
  postIm.resize(n);
  for (int k = 0; k < n; ++k) {
    const double a = -twoPi * k / nFft;
    postRe[k] = std::cos(a);
    postIm[k] = std::sin(a);
  }
}

}  // namespace earshot
