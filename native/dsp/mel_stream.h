// Streaming log-mel: push PCM chunks of any length, get each frame as soon as its last sample
// has arrived. Relation to the batch result (mel_batch.h), tested bit for bit:
//   - with center=true the stream starts with nFft/2 zeros, exactly like the batch padding, so
//     stream frame t == batch frame t for every frame whose window ends inside the pushed audio
//     (t * hop + nFft/2 <= samples pushed);
//   - flush() appends the batch's nFft/2 trailing zeros and emits the remaining edge frames, after
//     which the stream has produced exactly the batch spectrogram (without top_db, which needs the
//     whole signal and is refused for streams).
// The newest frames live in a ring written twice (slot i and i + capacity), so the last N frames
// (N <= capacity) are always one contiguous block: a view needs no copy.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "dsp/mel_frame.h"

namespace earshot {

class MelStream {
 public:
  static constexpr size_t kMaxRingValues = size_t{65536} * 128;  // ringFrames x nMels (ring: 64 MiB)
  MelStream(const MelConfig& c, int ringFrames);
  // How many frames push(n samples) will complete (so the caller can size its output).
  size_t framesForPush(size_t nSamples) const;
  size_t framesForFlush() const;
  // Appends samples; each completed frame goes to the ring and, if out != nullptr, to out (nMels each).
  size_t push(const float* samples, size_t n, float* out);
  size_t flush(float* out);  // emits the trailing edge frames; the stream then accepts no more audio
  void reset();              // forget all audio and frames: a new track starts

  int nMels() const { return proc_.config().nMels; }
  int ringFrames() const { return ringFrames_; }
  uint64_t framesEmitted() const { return emitted_; }
  uint64_t samplesPushed() const { return pushed_; }
  bool flushed() const { return flushed_; }
  // Start of the newest `count` frames (count <= min(ringFrames, framesEmitted)), oldest first.
  const float* lastFrames(int count) const;
  const std::shared_ptr<float>& ringStorage() const { return ring_; }
  size_t ringFloats() const { return static_cast<size_t>(ringFrames_) * 2 * nMels(); }

 private:
  void emit(float* out);
  MelFrameProcessor proc_;
  int nFft_, hop_, ringFrames_;
  std::vector<float> buf_;   // pending samples, buf_[0] is the first sample of the next frame
  size_t filled_ = 0;
  std::shared_ptr<float> ring_;
  int ringHead_ = 0;         // slot of the next frame
  std::vector<float> frameOut_;
  uint64_t emitted_ = 0, pushed_ = 0;
  bool flushed_ = false;
};

}  // namespace earshot
