#include "dsp/mel_stream.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace earshot {

static const MelConfig& streamable(const MelConfig& c) {
  if (c.log == LogMode::Db && c.topDb >= 0) {
    throw std::range_error("topDb clips relative to the loudest frame of the whole signal, so a stream cannot apply it; use topDb: null");
  }
  return c;
}

MelStream::MelStream(const MelConfig& c, int ringFrames)
    : proc_(streamable(c)), nFft_(c.nFft), hop_(c.hopSamples), ringFrames_(ringFrames) {
  if (ringFrames < 1 || ringFrames > 65536) throw std::range_error("ringFrames must be in 1..65536, got " + std::to_string(ringFrames));
  // The ring is written twice (2 x ringFrames x nMels floats): cap its size, not just its frame count,
  // or 65,536 frames x 4,096 bands would allocate 2 GiB. 65,536 x 128 (64 MiB) is the largest allowed.
  if (static_cast<size_t>(ringFrames) * c.nMels > kMaxRingValues) {
    throw std::range_error("ringFrames x nMels must be at most " + std::to_string(kMaxRingValues) + " (65,536 frames of 128 bands), got " +
                           std::to_string(ringFrames) + " x " + std::to_string(c.nMels));
  }
  buf_.assign(static_cast<size_t>(nFft_) * 2, 0.0f);
  ring_ = std::shared_ptr<float>(new float[ringFloats()](), std::default_delete<float[]>());
  frameOut_.resize(nMels());
  reset();
}

void MelStream::reset() {
  std::fill(buf_.begin(), buf_.end(), 0.0f);
  // center=true: the first frame is centred on sample 0, so nFft/2 zeros precede the audio.
  filled_ = proc_.config().center ? static_cast<size_t>(nFft_ / 2) : 0;
  std::fill(ring_.get(), ring_.get() + ringFloats(), 0.0f);
  ringHead_ = 0;
  emitted_ = pushed_ = 0;
  flushed_ = false;
}

size_t MelStream::framesForPush(size_t n) const {
  const size_t total = filled_ + n;
  return total < static_cast<size_t>(nFft_) ? 0 : 1 + (total - nFft_) / hop_;
}

size_t MelStream::framesForFlush() const {
  if (flushed_ || !proc_.config().center) return 0;
  // The batch has 1 + floor(pushed / hop) frames in all.
  const uint64_t total = 1 + pushed_ / hop_;
  return total > emitted_ ? static_cast<size_t>(total - emitted_) : 0;
}

void MelStream::emit(float* out) {
  const int m = nMels();
  float* slot = ring_.get() + static_cast<size_t>(ringHead_) * m;
  proc_.frame(buf_.data(), slot);
  std::memcpy(slot + static_cast<size_t>(ringFrames_) * m, slot, sizeof(float) * m);
  if (out) std::memcpy(out, slot, sizeof(float) * m);
  ringHead_ = (ringHead_ + 1) % ringFrames_;
  ++emitted_;
  // Slide the window by one hop (<= nFft floats: cheap next to the FFT).
  filled_ -= hop_;
  std::memmove(buf_.data(), buf_.data() + hop_, sizeof(float) * filled_);
}

size_t MelStream::push(const float* x, size_t n, float* out) {
  if (flushed_) throw std::logic_error("MelStream was flushed; call reset() before pushing more audio");
  size_t produced = 0;
  pushed_ += n;
  while (n > 0) {
    const size_t take = std::min(n, buf_.size() - filled_);
    std::memcpy(buf_.data() + filled_, x, sizeof(float) * take);
    filled_ += take;
    x += take;
    n -= take;
    while (filled_ >= static_cast<size_t>(nFft_)) {
      emit(out ? out + produced * nMels() : nullptr);
      ++produced;
    }
  }
  return produced;
}

size_t MelStream::flush(float* out) {
  size_t want = framesForFlush();
  size_t produced = 0;
  // Zero-fill to the right, one hop at a time, as the batch's trailing padding does.
  while (produced < want) {
    std::fill(buf_.begin() + filled_, buf_.end(), 0.0f);
    filled_ = std::max(filled_, static_cast<size_t>(nFft_));
    emit(out ? out + produced * nMels() : nullptr);
    ++produced;
  }
  flushed_ = true;
  return produced;
}

const float* MelStream::lastFrames(int count) const {
  if (count < 1 || count > ringFrames_ || static_cast<uint64_t>(count) > emitted_) {
    throw std::range_error("lastFrames(" + std::to_string(count) + "): need 1 <= count <= min(ringFrames=" +
                           std::to_string(ringFrames_) + ", framesEmitted=" + std::to_string(emitted_) + ")");
  }
  // Slots ringHead_-count .. ringHead_-1; thanks to the double write they are contiguous from here.
  const int start = (ringHead_ - count + ringFrames_) % ringFrames_;
  return ring_.get() + static_cast<size_t>(start) * nMels();
}

}  // namespace earshot
