// Streaming, band-limited sample-rate converter (pure C++, no N-API).
//
// Converts inRateHz -> outRateHz with a Kaiser-windowed sinc low-pass evaluated at the exact
// rational output times j / outRateHz, so output sample j is the band-limited input at that instant
// (zero-phase: no group-delay shift; the latency is paid as lookahead and emitted by flush()).
//
// Thread class: the constructor designs the filter and allocates everything; process(), flush()
// and reset() never allocate, lock or block (realtime-safe). One instance per stream, one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace earshot {

// Quality knobs. The defaults give: passband flat (ripple 0.00014 dB peak-to-peak) to 0.90 x the
// lower Nyquist; >= 99 dB attenuation from the lower Nyquist up (aliasing / imaging), against the
// 100 dB Kaiser design target (bench/resampler-quality.ts).
struct ResamplerOptions {
  // Kaiser design target for the stop band, in dB (also sets passband ripple delta = 10^(-A/20)).
  double stopbandAttenuationDb = 100.0;
  // Passband edge as a fraction of min(in, out) / 2; the stop band starts at min(in, out) / 2.
  double passbandEdgeFraction = 0.90;
  // Precompute every phase exactly when L (= out / gcd) is at most this many phases ...
  uint32_t maxExactPhases = 4096;
  // ... otherwise tabulate the kernel with this many points per sinc zero-crossing interval
  // (1 / (2 fc) input samples) and interpolate linearly between table rows.
  uint32_t tableSamplesPerZeroCrossing = 1024;
  // Refuse designs whose coefficient table would exceed this many floats (64 MiB by default);
  // an exact table larger than this falls back to the interpolated table first.
  size_t maxTableFloats = size_t{1} << 24;
};

// The design actually chosen, for reports and tests.
struct ResamplerInfo {
  uint32_t inRateHz = 0, outRateHz = 0;
  uint32_t upFactor = 1, downFactor = 1;  // L, M: out / in = L / M reduced by gcd
  size_t taps = 0;                        // taps per output sample (2 * halfWidth), multiple of 8
  size_t halfWidth = 0;                   // kernel support is (-halfWidth, +halfWidth) input samples
  size_t phases = 1;                      // table rows: L (exact) or S + 1 (interpolated)
  bool interpolated = false;              // true when phases are linearly interpolated
  double beta = 0.0;                      // Kaiser window shape parameter
  double cutoffHz = 0.0;                  // -6 dB point of the ideal low-pass (middle of transition)
  double passbandEdgeHz = 0.0;
  double stopbandEdgeHz = 0.0;
};

class Resampler {
 public:
  // Throws std::range_error for a zero rate, out-of-range options, or a ratio whose filter would
  // exceed options.maxTableFloats (napi/errors.h maps range_error to a JS RangeError).
  Resampler(uint32_t inRateHz, uint32_t outRateHz, const ResamplerOptions& options = {});

  // Consumes all n input samples and writes the outputs whose lookahead is now available.
  // Requires outCap >= maxOutput(n) (throws std::length_error before touching any state
  // otherwise: a caller bug, not a data condition). Returns the number written.
  // Any split of a stream into calls gives bit-identical output to one call.
  size_t process(const float* in, size_t n, float* out, size_t outCap);

  // Ends the stream: treats the input as zero past its end and writes the remaining outputs so
  // that the stream's total is ceil(nIn * out / in); then reset()s for a new stream.
  // Requires outCap >= flushOutput(). Returns the number written.
  size_t flush(float* out, size_t outCap);

  // Exactly how many samples the next process(in, nIn, ...) / flush() will write.
  size_t maxOutput(size_t nIn) const;
  size_t flushOutput() const;

  // Upper bound on process() output for nIn inputs at any stream position, for buffer sizing
  // before construction: ceil(nIn * out / in) + 1.
  static size_t maxOutput(size_t nIn, uint32_t inRateHz, uint32_t outRateHz);

  // Forgets all history (the next sample is time 0 again). Does not allocate.
  void reset();

  const ResamplerInfo& info() const { return info_; }

 private:
  // Emits outputs while their last tap is inside the buffer and their floor index < stopIndex;
  // appends n samples of `in` (or zeros when in == nullptr) block by block.
  size_t run(const float* in, size_t n, int64_t stopIndex, float* out);
  size_t emitReady(int64_t stopIndex, float* out);
  size_t countOutputs(int64_t lastIndex) const;  // outputs with floor(t) <= lastIndex

  ResamplerInfo info_;
  bool identity_ = false;
  bool avx2_ = false;  // four exact-table outputs at a time with 8-lane vectors (same bits as dot())
  uint64_t L_ = 1, M_ = 1;
  size_t K_ = 0, T_ = 0, S_ = 0;
  std::vector<float> table_;  // rows of T_ taps, row r = phase r / L (exact) or r / S (interp)

  // Input history: buf_[0] holds absolute input index base_; samples before index 0 are zeros.
  std::vector<float> buf_;
  size_t fill_ = 0;
  int64_t base_ = 0;
  int64_t received_ = 0;  // absolute index one past the last real (or flush-padding) sample
  // Next output time t = nextIndex_ + nextPhase_ / L, in input samples.
  int64_t nextIndex_ = 0;
  uint64_t nextPhase_ = 0;
};

}  // namespace earshot
