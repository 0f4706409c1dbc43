#include "dsp/mel_batch.h"

#include <algorithm>
#include <cstring>

#include "dsp/mel_frame.h"

namespace earshot {

size_t batchFrameCount(const MelConfig& c, size_t n) {
  if (c.center) return 1 + n / c.hopSamples;
  if (n < static_cast<size_t>(c.nFft)) return 0;
  return 1 + (n - c.nFft) / c.hopSamples;
}

void applyTopDb(float* x, size_t n, double topDb) {
  if (n == 0) return;
  const float floor = *std::max_element(x, x + n) - static_cast<float>(topDb);
  for (size_t i = 0; i < n; ++i) x[i] = std::max(x[i], floor);
}

void computeMelBatch(const MelConfig& c, const float* samples, size_t n, std::vector<float>& out) {
  MelFrameProcessor proc(c);
  const size_t frames = batchFrameCount(c, n);
  out.assign(frames * c.nMels, 0.0f);
  const size_t pad = c.center ? c.nFft / 2 : 0;
  // Frames that lie wholly inside the signal read it in place; only the edge frames that reach into
  // the zero padding are assembled in a small buffer (no copy of the whole signal).
  std::vector<float> edge(c.nFft);
  for (size_t f = 0; f < frames; ++f) {
    const long long start = static_cast<long long>(f * c.hopSamples) - static_cast<long long>(pad);
    const float* src;
    if (start >= 0 && static_cast<size_t>(start) + c.nFft <= n) {
      src = samples + start;
    } else {
      for (int i = 0; i < c.nFft; ++i) {
        const long long j = start + i;
        edge[i] = (j >= 0 && static_cast<size_t>(j) < n) ? samples[j] : 0.0f;
      }
      src = edge.data();
    }
    proc.frame(src, out.data() + f * c.nMels);
  }
  if (c.log == LogMode::Db && c.topDb >= 0) applyTopDb(out.data(), out.size(), c.topDb);
}

}  // namespace earshot
