// Mel filterbank exactly as librosa.filters.mel builds it (Slaney or HTK mel scale, Slaney area
// normalisation or none), plus the sparse layout the per-frame kernel applies.
#pragma once
#include <vector>

namespace earshot {

struct MelBankOptions {
  double sampleRateHz = 22050.0;
  int nFft = 1024;          // samples
  int nMels = 128;
  double fminHz = 0.0;
  double fmaxHz = -1.0;     // < 0 means sampleRateHz / 2
  bool htk = false;         // false: Slaney's mel scale (librosa default)
  bool slaneyNorm = true;   // divide each triangle by its width in Hz (constant energy per band)
};

double hzToMel(double hz, bool htk);
double melToHz(double mel, bool htk);

struct MelFilterbank {
  int nMels = 0;
  int nBins = 0;                  // nFft / 2 + 1
  std::vector<double> dense;      // nMels x nBins, row-major (for tests and export); emptied in plan_cache's shared banks

  // Sparse layout: bands in groups of 8; group g spans FFT bins [groupLo[g], groupHi[g]) and stores
  // one 8-lane weight vector per bin (lane = band - 8g). Triangles of neighbouring mel bands overlap
  // by one interval only, so each bin feeds at most two bands and a group's span is ~9/8 of its
  // bands' width: ~1.1 weight vectors per FFT bin in total instead of nMels per bin.
  int nGroups = 0;
  std::vector<int> groupLo, groupHi, groupOffset;  // groupOffset: first vector of g in weights8
  std::vector<float> weights8;                      // 8 floats per (group, bin)

  explicit MelFilterbank(const MelBankOptions& o);
};

}  // namespace earshot
