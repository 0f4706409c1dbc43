// Fuzz target mel: the native log-mel front end without N-API (native/dsp/mel_batch.cc computeMelBatch,
// native/dsp/mel_stream.cc MelStream, MelConfig::validate, the FFT and filterbank caches, generic and AVX2
// kernels). Input: 11 bytes of configuration (log mode, centring, mel scale, kernels, nFft, nMels, hop,
// sample rate, fmin/fmax, top_db, scale; with byte 0's bit 6 the sizes are taken raw, to exercise the
// validation), one byte for the chunking, then int16 samples scaled to at most ±16 (what the engine's
// PCM decoder lets through). Asserts (under ASan + UBSan):
//  - a configuration is refused only with std::range_error (and a stream refuses top_db);
//  - the batch has batchFrameCount() = 1 + n/hop (centred) or 1 + (n - nFft)/hop frames, every value
//    finite (dB values not below max - top_db);
//  - a stream fed the same samples in random pieces announces exactly the frames each push and the
//    flush then write, and produces the batch spectrogram bit for bit (mel_stream.h's contract), the
//    newest frames also readable through lastFrames().
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "check.h"
#include "dsp/dsp_kernels.h"
#include "dsp/mel_batch.h"
#include "dsp/mel_stream.h"

using earshot::LogMode;
using earshot::MelConfig;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const uint8_t flags = in.u8();
  MelConfig c;
  c.log = (flags & 3) == 0 ? LogMode::Power : (flags & 3) == 2 ? LogMode::Log1p : LogMode::Db;
  c.center = flags & 4;
  c.htk = flags & 8;
  c.slaneyNorm = flags & 16;
  earshot::selectKernels(flags & 32 ? "generic" : "auto");
  const bool raw = flags & 64;
  const uint8_t b1 = in.u8(), b2 = in.u8(), b3 = in.u8();
  if (raw) {
    c.nFft = int(int16_t(b1 | (b2 << 8)));
    c.nMels = int(int8_t(b3)) * 37;
    c.hopSamples = int(int8_t(in.u8())) * 9;
  } else {
    c.nFft = 128 << (b1 % 5);  // 128 .. 2048
    c.nMels = 1 + b2 % 160;
    c.hopSamples = 1 + int((uint32_t(b3) * uint32_t(c.nFft)) / 256);
    in.u8();
  }
  static const double kRates[] = {8000, 11025, 16000, 22050, 44100, 48000, 96000, 1};
  const uint8_t r = in.u8();
  c.sampleRateHz = r & 0x80 ? double(in.u16()) + (r & 0x7f) / 128.0 : kRates[r & 7];
  const uint8_t fmin = in.u8(), fmax = in.u8();
  c.fminHz = fmin == 255 ? -1.0 : c.sampleRateHz / 2 * fmin / 256.0;
  c.fmaxHz = fmax == 0 ? -1.0 : c.sampleRateHz / 2 * fmax / 255.0;
  const uint8_t top = in.u8();
  c.topDb = top & 1 ? double(top >> 1) : -1.0;
  const float scale = 16.0f * float(1 + (in.u8() & 15)) / 16.0f;
  fuzz::Splitter split(in.u8());
  try {
    c.validate();
  } catch (const std::range_error&) {
    return 0;  // an invalid configuration, refused before any work
  }
  if (c.nFft > 2048 || c.nMels > 256) return 0;  // valid but slow under ASan: the validation was the point
  size_t n = in.left() / 2;
  while (n > 0 && earshot::batchFrameCount(c, n) * size_t(c.nFft) > (size_t(1) << 20)) n /= 2;  // bound the work per input
  std::vector<float> x(n);
  for (size_t i = 0; i < n; i++) {
    int16_t s;
    std::memcpy(&s, in.rest() + 2 * i, 2);
    x[i] = float(s) / 32768.0f * scale;
  }

  std::vector<float> batch;
  try {
    earshot::computeMelBatch(c, x.data(), n, batch);
  } catch (const std::range_error&) {
    return 0;  // fmin/fmax outside 0..rate/2, checked by the filterbank
  }
  const size_t frames = earshot::batchFrameCount(c, n);
  const size_t want = c.center ? 1 + n / c.hopSamples : n < size_t(c.nFft) ? 0 : 1 + (n - c.nFft) / c.hopSamples;
  FUZZ_CHECK(frames == want && batch.size() == frames * c.nMels, "%zu samples, nFft %d hop %d: %zu values for %zu frames", n, c.nFft, c.hopSamples, batch.size(), want);
  float top_value = -INFINITY;
  for (float v : batch) {
    FUZZ_CHECK(std::isfinite(v), "non-finite mel value %g (log mode %d, nFft %d, nMels %d, rate %g)", v, int(c.log), c.nFft, c.nMels, c.sampleRateHz);
    top_value = std::max(top_value, v);
  }
  if (c.log == LogMode::Db && c.topDb >= 0) {
    for (float v : batch) FUZZ_CHECK(v >= top_value - float(c.topDb), "value %g below max %g - top_db %g", v, top_value, c.topDb);
  }

  // The stream: top_db needs the whole signal, so a dB stream must refuse it.
  if (c.log == LogMode::Db && c.topDb >= 0) {
    bool refused = false;
    try {
      earshot::MelStream s(c, 16);
    } catch (const std::range_error&) {
      refused = true;
    }
    FUZZ_CHECK(refused, "a dB stream accepted top_db");
    c.topDb = -1;
    earshot::computeMelBatch(c, x.data(), n, batch);
  }
  const int ring = 1 + int(split.next(63));
  earshot::MelStream s(c, ring);
  std::vector<float> out;
  size_t at = 0;
  while (at < n) {
    const size_t k = std::min(n - at, split.next(size_t(c.nFft) * 3));
    const size_t expect = s.framesForPush(k);
    const size_t before = out.size();
    out.resize(before + expect * c.nMels);
    const size_t got = s.push(x.data() + at, k, out.data() + before);
    FUZZ_CHECK(got == expect, "framesForPush(%zu) said %zu, push wrote %zu", k, expect, got);
    at += k;
  }
  const size_t tail = s.framesForFlush();
  const size_t before = out.size();
  out.resize(before + tail * c.nMels);
  FUZZ_CHECK(s.flush(out.data() + before) == tail, "flush wrote a different number of frames than framesForFlush()");
  FUZZ_CHECK(out.size() == batch.size(), "stream gave %zu values, batch %zu (n %zu, nFft %d, hop %d, center %d)", out.size(), batch.size(), n, c.nFft, c.hopSamples, int(c.center));
  FUZZ_CHECK(fuzz::same_bits(out.data(), batch.data(), out.size()), "stream and batch spectrograms differ");
  const size_t emitted = out.size() / c.nMels;
  if (emitted > 0) {
    const int count = int(std::min<size_t>(emitted, size_t(ring)));
    const float* last = s.lastFrames(count);
    FUZZ_CHECK(std::memcmp(last, out.data() + (emitted - count) * c.nMels, size_t(count) * c.nMels * sizeof(float)) == 0, "lastFrames(%d) are not the newest frames", count);
  }
  return 0;
}
