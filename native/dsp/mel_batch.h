// Whole signal -> log-mel spectrogram (frames x bands, row-major), librosa's framing:
// center=true pads nFft/2 zeros on both sides and gives 1 + floor(n / hop) frames;
// center=false gives 1 + floor((n - nFft) / hop) frames (none if n < nFft).
#pragma once
#include <cstddef>
#include <vector>

#include "dsp/mel_config.h"

namespace earshot {

size_t batchFrameCount(const MelConfig& c, size_t nSamples);
// out is resized to frames * nMels. topDb (if >= 0) clips to (global max - topDb) as librosa does.
void computeMelBatch(const MelConfig& c, const float* samples, size_t nSamples, std::vector<float>& out);
// top_db on finished dB values: x = max(x, max(x) - topDb).
void applyTopDb(float* x, size_t n, double topDb);

}  // namespace earshot
