// Kaiser-windowed-sinc polyphase resampler; see resampler.h for the contract.
//
// Time is measured in input samples. Output j sits at t_j = j * M / L (L / M = out / in, reduced),
// written t_j = n + p / L with n = floor(t_j), 0 <= p < L. The output is the zero-phase sum
//   y[j] = sum_i x[i] * h(t_j - i),   h(t) = 2 fc * sinc(2 fc t) * w(t / K),
// over the 2K = T inputs i = n-K+1 .. n+K (the window w vanishes at |t| = K), where fc is the
// cutoff in cycles per input sample and w is the Kaiser window. Because h is centred on t_j no
// group delay is introduced; the price is K samples of lookahead, emitted at flush().
#include "dsp/resampler.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <string>

namespace earshot {
namespace {

constexpr double kPi = 3.14159265358979323846;

// 4-lane float vector (GCC/Clang vector extension, as in simd.h; kept local because simd.h's
// 256-bit helpers draw -Wpsabi warnings in a baseline-ISA translation unit). memcpy loads need
// no alignment and compile to one unaligned load.
typedef float f32x4 __attribute__((vector_size(16)));
inline f32x4 load4f(const float* p) {
  f32x4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Modified Bessel function of the first kind, order 0: sum_k ((x/2)^k / k!)^2. The series
// converges for all x; beta <= ~20 here, so < 60 terms reach double precision.
double besselI0(double x) {
  const double q = 0.25 * x * x;
  double term = 1.0, sum = 1.0;
  for (int k = 1; k < 500; ++k) {
    term *= q / (double(k) * double(k));
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

// Kaiser (1974): window shape for a stop-band attenuation of A dB.
//   beta = 0.1102 (A - 8.7)                          A > 50
//        = 0.5842 (A - 21)^0.4 + 0.07886 (A - 21)    21 <= A <= 50
//        = 0                                         A < 21
double kaiserBeta(double A) {
  if (A > 50.0) return 0.1102 * (A - 8.7);
  if (A >= 21.0) return 0.5842 * std::pow(A - 21.0, 0.4) + 0.07886 * (A - 21.0);
  return 0.0;
}

// Dot product over T taps (T % 8 == 0) as two 4-lane partial sums (SSE2 / NEON registers; the
// explicit vectors matter: written as a float[8] loop GCC spills the accumulators of dot2 to the
// stack, 4x slower). The summation order is fixed, so the result does not depend on how the
// stream was chunked. Float accumulation over a few hundred taps stays ~2e-7 from a double
// reference (-134 dB re full scale, measured in bench/resampler-quality.ts), far below the
// 100 dB design target, so double accumulators would only halve the throughput.
inline float dot(const float* x, const float* h, size_t T) {
  f32x4 a = {0, 0, 0, 0}, b = a;
  for (size_t k = 0; k < T; k += 8) {
    a += load4f(x + k) * load4f(h + k);
    b += load4f(x + k + 4) * load4f(h + k + 4);
  }
  return ((a[0] + b[0]) + (a[1] + b[1])) + ((a[2] + b[2]) + (a[3] + b[3]));
}

// Two dot products sharing one pass over x: the neighbouring table rows of the interpolated path.
inline void dot2(const float* x, const float* h0, const float* h1, size_t T, float* y0, float* y1) {
  f32x4 a = {0, 0, 0, 0}, b = a, c = a, d = a;
  for (size_t k = 0; k < T; k += 8) {
    const f32x4 u = load4f(x + k), v = load4f(x + k + 4);
    a += u * load4f(h0 + k);
    b += v * load4f(h0 + k + 4);
    c += u * load4f(h1 + k);
    d += v * load4f(h1 + k + 4);
  }
  *y0 = ((a[0] + b[0]) + (a[1] + b[1])) + ((a[2] + b[2]) + (a[3] + b[3]));
  *y1 = ((c[0] + d[0]) + (c[1] + d[1])) + ((c[2] + d[2]) + (c[3] + d[3]));
}

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define EARSHOT_RESAMPLER_AVX2 1
typedef float f32x8 __attribute__((vector_size(32)));

// AVX2 present and not switched off (EARSHOT_SIMD=generic, as for the mel kernels: dsp_dispatch.cc).
bool avx2Usable() {
  const char* env = std::getenv("EARSHOT_SIMD");
  if (env && std::strcmp(env, "generic") == 0) return false;
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}

// Four dot products of T taps (T % 8 == 0), each with exactly dot()'s arithmetic: lanes 0-3 of its
// 8-lane sum are dot()'s `a`, lanes 4-7 its `b`, a multiply then an add per tap (the target has no
// FMA, so nothing is fused) and the same final pairing, so every output is bit-identical to dot()'s.
// Why: dot() is bound by its loads (four 4-lane loads per 8 taps); 8-lane loads halve them, and four
// independent sums hide the adder's latency: ≈ 2x on a 30-s clip at 44.1 -> 22.05 kHz.
__attribute__((target("avx2"))) void dot4Avx2(const float* const* x, const float* const* h, size_t T, float* y) {
  f32x8 s[4] = {};
  if (h[0] == h[1] && h[0] == h[2] && h[0] == h[3]) {
    // One table row for all four (a whole-number ratio such as 44.1 -> 22.05 kHz): load it once.
    for (size_t k = 0; k < T; k += 8) {
      f32x8 v;
      std::memcpy(&v, h[0] + k, sizeof v);
      for (int i = 0; i < 4; ++i) {
        f32x8 u;
        std::memcpy(&u, x[i] + k, sizeof u);
        s[i] += u * v;
      }
    }
  } else {
    for (size_t k = 0; k < T; k += 8) {
      for (int i = 0; i < 4; ++i) {
        f32x8 u, v;
        std::memcpy(&u, x[i] + k, sizeof u);
        std::memcpy(&v, h[i] + k, sizeof v);
        s[i] += u * v;
      }
    }
  }
  for (int i = 0; i < 4; ++i) y[i] = ((s[i][0] + s[i][4]) + (s[i][1] + s[i][5])) + ((s[i][2] + s[i][6]) + (s[i][3] + s[i][7]));
}
#endif

}  // namespace

Resampler::Resampler(uint32_t inRateHz, uint32_t outRateHz, const ResamplerOptions& opt) {
  if (inRateHz == 0 || outRateHz == 0)
    throw std::range_error("Resampler: rates must be > 0 Hz (got in=" + std::to_string(inRateHz) +
                                ", out=" + std::to_string(outRateHz) + ")");
  if (!(opt.passbandEdgeFraction > 0.0 && opt.passbandEdgeFraction < 1.0))
    throw std::range_error("Resampler: passbandEdgeFraction must be in (0, 1)");
  if (!(opt.stopbandAttenuationDb >= 21.0 && opt.stopbandAttenuationDb <= 180.0))
    throw std::range_error("Resampler: stopbandAttenuationDb must be in [21, 180] dB");
  if (opt.tableSamplesPerZeroCrossing < 1)
    throw std::range_error("Resampler: tableSamplesPerZeroCrossing must be >= 1");

  const uint32_t g = std::gcd(inRateHz, outRateHz);
  L_ = outRateHz / g;
  M_ = inRateHz / g;
  info_.inRateHz = inRateHz;
  info_.outRateHz = outRateHz;
  info_.upFactor = uint32_t(L_);
  info_.downFactor = uint32_t(M_);

  // Band edges in Hz: the lower of the two Nyquist frequencies bounds what both rates can carry.
  const double nyquistHz = 0.5 * double(std::min(inRateHz, outRateHz));
  info_.passbandEdgeHz = opt.passbandEdgeFraction * nyquistHz;
  info_.stopbandEdgeHz = nyquistHz;
  info_.cutoffHz = 0.5 * (info_.passbandEdgeHz + info_.stopbandEdgeHz);
#ifdef EARSHOT_RESAMPLER_AVX2
  avx2_ = avx2Usable();
#endif
  if (inRateHz == outRateHz) {  // identity: a copy, no filter (info reports 0 taps)
    identity_ = true;
    return;
  }

  // Kaiser (1974) length for attenuation A over a transition of width dw rad/sample:
  //   N = (A - 7.95) / (2.285 dw),   dw = 2 pi (stopEdge - passEdge) / inRate.
  // N is the window length in input samples (the same in the L-times-oversampled prototype,
  // where both N and the sample rate scale by L). Defaults, 44.1 kHz -> 22.05 kHz:
  // dw = 2 pi * 1102.5 / 44100 = 0.157 rad, N = 92.05 / 0.359 = 256.4 -> K = 132, T = 264 taps.
  const double A = opt.stopbandAttenuationDb;
  info_.beta = kaiserBeta(A);
  const double dw = 2.0 * kPi * (info_.stopbandEdgeHz - info_.passbandEdgeHz) / double(inRateHz);
  const double windowLen = (A - 7.95) / (2.285 * dw);
  // K rounded up to a multiple of 4 so T = 2K is a multiple of 8 (the dot product's lane count)
  // with every tap a real kernel value: no zero padding that could multiply stale history.
  const double halfWidth = std::ceil(std::ceil(0.5 * windowLen) / 4.0) * 4.0;
  if (!(halfWidth * 2.0 <= double(opt.maxTableFloats)))
    throw std::range_error("Resampler: " + std::to_string(inRateHz) + " Hz -> " + std::to_string(outRateHz) +
                            " Hz needs a " + std::to_string(uint64_t(2 * halfWidth)) +
                            "-tap filter, over the limit of " + std::to_string(opt.maxTableFloats) +
                            " coefficients (ratio too extreme)");
  K_ = size_t(halfWidth);
  T_ = 2 * K_;
  info_.halfWidth = K_;
  info_.taps = T_;

  // Rows: exact phases r / L when L is small enough, else an oversampled table r / S with
  // S = ceil(Z * 2 fc) rows per input sample (Z points per sinc zero-crossing interval).
  // Linear interpolation between rows at fraction a in [0, 1) misses the kernel by
  // a (1 - a) / (2 S^2) * h''(t); summed over the taps that is the input filtered by h'',
  // whose gain at frequency f (cycles/input sample) is (2 pi f)^2, so the relative error is
  //   <= (1/8) (2 pi f / S)^2 = (pi f / S)^2 / 2  <=  (pi / (2 Z))^2 / 2   for f <= fc.
  // Z = 1024: 1.2e-6 (-118 dB), below the float accumulation floor of the stop band target.
  const double fc = info_.cutoffHz / double(inRateHz);  // cycles per input sample
  const bool exact = L_ <= opt.maxExactPhases && double(L_) * double(T_) <= double(opt.maxTableFloats);
  if (exact) {
    S_ = 0;
    info_.phases = size_t(L_);
  } else {
    S_ = std::max<size_t>(2, size_t(std::ceil(double(opt.tableSamplesPerZeroCrossing) * 2.0 * fc)));
    info_.phases = S_ + 1;
    info_.interpolated = true;
    if (double(S_ + 1) * double(T_) > double(opt.maxTableFloats))
      throw std::range_error("Resampler: interpolation table for " + std::to_string(inRateHz) + " Hz -> " +
                              std::to_string(outRateHz) + " Hz exceeds the limit of " +
                              std::to_string(opt.maxTableFloats) + " coefficients");
  }

  // Row r holds the taps for fractional time f = r / L (or r / S): tap k multiplies input
  // n - K + 1 + k, at distance t = f + K - 1 - k from the output instant.
  const size_t rows = info_.phases;
  const double rowDen = exact ? double(L_) : double(S_);
  const double i0Beta = besselI0(info_.beta);
  table_.resize(rows * T_);
  for (size_t r = 0; r < rows; ++r) {
    const double f = double(r) / rowDen;
    for (size_t k = 0; k < T_; ++k) {
      const double t = f + double(K_) - 1.0 - double(k);
      const double u = t / double(K_);
      double h = 0.0;
      if (std::fabs(u) < 1.0) {
        const double x = 2.0 * fc * t;
        const double sinc = x == 0.0 ? 1.0 : std::sin(kPi * x) / (kPi * x);
        h = 2.0 * fc * sinc * besselI0(info_.beta * std::sqrt(1.0 - u * u)) / i0Beta;
      }
      table_[r * T_ + k] = float(h);
    }
  }

  // History: T - 1 samples survive between blocks; blocks of >= 2T keep the memmove cheap.
  buf_.assign(T_ + std::max<size_t>(8192, 2 * T_), 0.0f);
  reset();
}

void Resampler::reset() {
  nextIndex_ = 0;
  nextPhase_ = 0;
  received_ = 0;
  if (identity_) return;
  // Inputs before time 0 are silence: preload the K - 1 samples the first output reaches back.
  fill_ = K_ - 1;
  base_ = -int64_t(K_ - 1);
  std::fill(buf_.begin(), buf_.begin() + fill_, 0.0f);
}

size_t Resampler::countOutputs(int64_t lastIndex) const {
  // Outputs from the current one whose floor(t) <= lastIndex: nextIndex + (nextPhase + jM) / L
  // < lastIndex + 1  <=>  j < (D L - nextPhase) / M  with D = lastIndex + 1 - nextIndex.
  const int64_t D = lastIndex + 1 - nextIndex_;
  if (D <= 0) return 0;
  const uint64_t num = uint64_t(D) * L_ - nextPhase_;
  return size_t((num + M_ - 1) / M_);
}

size_t Resampler::maxOutput(size_t nIn) const {
  if (identity_) return nIn;
  return countOutputs(received_ + int64_t(nIn) - 1 - int64_t(K_));
}

size_t Resampler::flushOutput() const { return identity_ ? 0 : countOutputs(received_ - 1); }

size_t Resampler::maxOutput(size_t nIn, uint32_t inRateHz, uint32_t outRateHz) {
  if (inRateHz == 0 || outRateHz == 0) return 0;
  const uint64_t g = std::gcd(inRateHz, outRateHz);
  const uint64_t L = outRateHz / g, M = inRateHz / g;
  return size_t((uint64_t(nIn) * L + M - 1) / M) + (inRateHz == outRateHz ? 0 : 1);
}

size_t Resampler::process(const float* in, size_t n, float* out, size_t outCap) {
  if (outCap < maxOutput(n))
    throw std::length_error("Resampler::process: output capacity " + std::to_string(outCap) + " < " +
                            std::to_string(maxOutput(n)) + " samples");
  if (identity_) {
    if (n) std::memcpy(out, in, n * sizeof(float));
    received_ += int64_t(n);
    return n;
  }
  return run(in, n, INT64_MAX, out);
}

size_t Resampler::flush(float* out, size_t outCap) {
  if (outCap < flushOutput())
    throw std::length_error("Resampler::flush: output capacity " + std::to_string(outCap) + " < " +
                            std::to_string(flushOutput()) + " samples");
  size_t written = 0;
  // K zeros past the end give the last output (floor(t) = received - 1) its full lookahead;
  // stopping at floor(t) < received makes the stream total ceil(nIn * L / M).
  if (!identity_) written = run(nullptr, K_, received_, out);
  reset();
  return written;
}

size_t Resampler::run(const float* in, size_t n, int64_t stopIndex, float* out) {
  size_t written = 0;
  for (size_t done = 0; done < n;) {
    if (fill_ == buf_.size()) {
      // Drop what no future output reads: everything before nextIndex - K + 1. After
      // emitReady() the next output is waiting for input, so at most T - 1 samples remain.
      const int64_t keepFrom = nextIndex_ - int64_t(K_) + 1;
      const size_t drop = size_t(std::min<int64_t>(keepFrom - base_, int64_t(fill_)));
      std::memmove(buf_.data(), buf_.data() + drop, (fill_ - drop) * sizeof(float));
      fill_ -= drop;
      base_ += int64_t(drop);
    }
    const size_t take = std::min(n - done, buf_.size() - fill_);
    if (in)
      std::memcpy(buf_.data() + fill_, in + done, take * sizeof(float));
    else
      std::fill(buf_.begin() + fill_, buf_.begin() + fill_ + take, 0.0f);
    fill_ += take;
    received_ += int64_t(take);
    done += take;
    written += emitReady(stopIndex, out + written);
  }
  return written;
}

size_t Resampler::emitReady(int64_t stopIndex, float* out) {
  // Advance t by M / L per output as integer + phase, without a division per sample.
  const int64_t stepIndex = int64_t(M_ / L_);
  const uint64_t stepPhase = M_ % L_;
  const float* table = table_.data();
  size_t count = 0;
#ifdef EARSHOT_RESAMPLER_AVX2
  // Exact table rows: four outputs at a time while four are ready; the loop below does the rest.
  while (avx2_ && S_ == 0) {
    const float* xs[4];
    const float* hs[4];
    int64_t index = nextIndex_;
    uint64_t phase = nextPhase_;
    int n = 0;
    for (; n < 4 && index + int64_t(K_) < received_ && index < stopIndex; ++n) {
      xs[n] = buf_.data() + (index - int64_t(K_) + 1 - base_);
      hs[n] = table + phase * T_;
      index += stepIndex;
      phase += stepPhase;
      if (phase >= L_) {
        phase -= L_;
        ++index;
      }
    }
    if (n < 4) break;
    dot4Avx2(xs, hs, T_, out + count);
    count += 4;
    nextIndex_ = index;
    nextPhase_ = phase;
  }
#endif
  while (nextIndex_ + int64_t(K_) < received_ && nextIndex_ < stopIndex) {
    const float* x = buf_.data() + (nextIndex_ - int64_t(K_) + 1 - base_);
    float y;
    if (S_ == 0) {
      y = dot(x, table + nextPhase_ * T_, T_);
    } else {
      // Fraction p / L sits between rows q and q + 1 of the S-per-sample table; the split
      // a = (p S mod L) / L is an exact rational, so the result is deterministic.
      const uint64_t pos = nextPhase_ * S_;
      const uint64_t q = pos / L_;
      const float a = float(double(pos % L_) / double(L_));
      float y0, y1;
      dot2(x, table + q * T_, table + (q + 1) * T_, T_, &y0, &y1);
      y = y0 + a * (y1 - y0);
    }
    out[count++] = y;
    nextIndex_ += stepIndex;
    nextPhase_ += stepPhase;
    if (nextPhase_ >= L_) {
      nextPhase_ -= L_;
      ++nextIndex_;
    }
  }
  return count;
}

}  // namespace earshot
