// MFCC and deltas as librosa computes them from a dB mel spectrogram:
//   mfcc  = scipy.fftpack.dct(mel_db, type=2, norm='ortho', axis=bands)[:nMfcc]
//   delta = scipy.signal.savgol_filter(x, width, polyorder=order, deriv=order, mode='interp') along time.
// Layouts are frames x values (row-major), the transpose of librosa's.
#pragma once
#include <cstddef>
#include <vector>

namespace earshot {

// melDb: frames x nMels -> out: frames x nMfcc.
void mfccFromMelDb(const float* melDb, size_t frames, int nMels, int nMfcc, float* out);

// x: frames x nCoeffs -> out: frames x nCoeffs. width odd >= 3, 1 <= order <= min(width - 1, 8),
// frames >= width (librosa's mode='interp' requirement). Throws std::range_error otherwise.
void savgolDelta(const float* x, size_t frames, int nCoeffs, int width, int order, float* out);

// Weights w[i], i < width, such that sum_i w[i] * y[i] is the order-th derivative at position t of
// the least-squares polynomial of degree `order` through (i, y[i]). Exposed for tests.
std::vector<double> savgolWeights(int width, int order, int t);

}  // namespace earshot
