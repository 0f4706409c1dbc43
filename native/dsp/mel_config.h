// Every parameter of the log-mel front end, with librosa's and the paper's defaults.
// Validated once in TypeScript (src/dsp/mel-options.ts) and again here before any allocation.
#pragma once
#include <string>

namespace earshot {

enum class LogMode { Power, Db, Log1p };

struct MelConfig {
  double sampleRateHz = 22050.0;
  int nFft = 1024;          // window length (samples); periodic Hann
  int hopSamples = 512;
  int nMels = 128;
  double fminHz = 0.0;
  double fmaxHz = -1.0;     // < 0: sampleRateHz / 2
  bool htk = false;
  bool slaneyNorm = true;
  bool center = true;       // librosa center=True: nFft/2 zeros before the first sample and after the last
  LogMode log = LogMode::Db;
  double aminPower = 1e-10; // power_to_db floor
  double refPower = 1.0;    // power_to_db reference: 0 dB
  double topDb = -1.0;      // < 0: none. Batch only (librosa clips relative to the global maximum)
  double log1pScale = 1.0;  // C in log1p(C * S)

  void validate() const;    // throws std::range_error naming the bad parameter
};

}  // namespace earshot
