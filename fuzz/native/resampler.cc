// Fuzz target resampler: the streaming band-limited resampler without N-API (native/dsp/resampler.cc).
// Input: rates (a common pair, or raw rates within a ratio of 32), filter options (attenuation, passband,
// exact-phase and table limits, so both the exact and the interpolated kernels run), a chunking seed,
// then int16 samples. Asserts (under ASan + UBSan):
//  - only std::range_error from the constructor;
//  - process() writes exactly maxOutput(n) samples and flush() exactly flushOutput(); the static bound
//    maxOutput(n, in, out) is never below what a call writes;
//  - the stream's total is ceil(nIn * out / in) (resampler.h), the identity ratio copies the input;
//  - any split of the input into calls gives bit-identical output to one call, and a flushed (reset)
//    resampler repeats itself exactly; every output is finite.
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "check.h"
#include "dsp/resampler.h"

using earshot::Resampler;

namespace {

std::vector<float> run(Resampler& r, const std::vector<float>& x, uint32_t in, uint32_t out, fuzz::Splitter* split) {
  std::vector<float> y;
  size_t at = 0;
  while (at < x.size()) {
    const size_t k = split ? std::min(x.size() - at, split->next(700)) : x.size();
    const size_t expect = r.maxOutput(k);
    FUZZ_CHECK(expect <= Resampler::maxOutput(k, in, out), "maxOutput(%zu) = %zu above the static bound %zu", k, expect, Resampler::maxOutput(k, in, out));
    const size_t before = y.size();
    y.resize(before + expect + 3);
    const size_t got = r.process(x.data() + at, k, y.data() + before, expect + 3);
    FUZZ_CHECK(got == expect, "process(%zu) wrote %zu, maxOutput said %zu", k, got, expect);
    y.resize(before + got);
    at += k;
  }
  const size_t tail = r.flushOutput();
  const size_t before = y.size();
  y.resize(before + tail);
  FUZZ_CHECK(r.flush(y.data() + before, tail) == tail, "flush wrote other than flushOutput()");
  return y;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  static const uint32_t kRates[] = {8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000};
  const uint8_t sel = in.u8();
  uint32_t inRate, outRate;
  if (sel & 0x80) {
    inRate = 1 + in.u32() % 200000;
    outRate = 1 + in.u32() % 200000;
    if (inRate > 32 * uint64_t(outRate) || outRate > 32 * uint64_t(inRate)) return 0;
  } else {
    inRate = kRates[sel & 7];
    outRate = kRates[(sel >> 3) & 7];
  }
  earshot::ResamplerOptions o;
  const uint8_t a = in.u8(), pb = in.u8(), ph = in.u8(), tb = in.u8();
  if (sel & 0x40) {
    o.stopbandAttenuationDb = 21.0 + a * (159.0 / 255.0);
    o.passbandEdgeFraction = 0.5 + pb * (0.49 / 255.0);
    o.maxExactPhases = ph;
    o.tableSamplesPerZeroCrossing = 1 + tb;
  }
  o.maxTableFloats = size_t(1) << 18;  // keep each design fast; larger ones are refused with range_error
  fuzz::Splitter split(in.u8());
  const size_t n = in.left() / 2;
  std::vector<float> x(n);
  for (size_t i = 0; i < n; i++) {
    int16_t s;
    std::memcpy(&s, in.rest() + 2 * i, 2);
    x[i] = float(s) / 32768.0f;
  }

  try {
    Resampler r(inRate, outRate, o);
    const std::vector<float> once = run(r, x, inRate, outRate, nullptr);
    const uint64_t L = r.info().upFactor, M = r.info().downFactor;
    FUZZ_CHECK(uint64_t(inRate) * L == uint64_t(outRate) * M, "L/M = %llu/%llu is not out/in = %u/%u", (unsigned long long)L, (unsigned long long)M, outRate, inRate);
    const uint64_t want = (uint64_t(n) * outRate + inRate - 1) / inRate;
    FUZZ_CHECK(once.size() == want, "%u -> %u Hz: %zu inputs gave %zu outputs, want ceil(n*out/in) = %llu", inRate, outRate, n, once.size(), (unsigned long long)want);
    for (size_t i = 0; i < once.size(); i++) FUZZ_CHECK(std::isfinite(once[i]), "output %zu is %g", i, once[i]);
    if (inRate == outRate) FUZZ_CHECK(fuzz::same_bits(once.data(), x.data(), n), "identity ratio changed the samples");
    const std::vector<float> again = run(r, x, inRate, outRate, nullptr);
    FUZZ_CHECK(again.size() == once.size() && fuzz::same_bits(again.data(), once.data(), once.size()), "a flushed resampler does not repeat itself");
    Resampler pieces(inRate, outRate, o);
    const std::vector<float> split_out = run(pieces, x, inRate, outRate, &split);
    FUZZ_CHECK(split_out.size() == once.size() && fuzz::same_bits(split_out.data(), once.data(), once.size()), "%u -> %u Hz: split input gives other output than one call", inRate, outRate);
  } catch (const std::range_error&) {
    return 0;
  }
  return 0;
}
