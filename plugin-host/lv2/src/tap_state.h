// What the audio thread and the worker share: the audio ring, the segment boundaries, the control
// inputs the worker reads and the values it publishes for the control outputs. Everything here is a
// lock-free atomic or an SPSC ring; allocated in instantiate(), freed in cleanup() after the worker
// has been joined.
#ifndef EARSHOT_LV2_TAP_STATE_H
#define EARSHOT_LV2_TAP_STATE_H

#include <atomic>
#include <cstdint>

#include "spsc_ring.h"

namespace earshot {

static_assert(std::atomic<float>::is_always_lock_free, "output values are published as lock-free atomic floats");

struct TapState {
  double sample_rate_hz = 48000;  // the host's rate, fixed at instantiate()

  // run() → worker: mono samples at the host's rate.
  SpscRing<float> audio;
  // deactivate() → worker: audio.written() at the end of each activation (a "track" for the engine:
  // the worker sends finalize there, and reset before the next activation's audio).
  SpscRing<uint64_t> segment_ends;

  // run() → worker: the hop control port (s), clamped to the protocol's 0.1 … 60.
  std::atomic<float> hop_s{1.0f};
  // cleanup() → worker: flush, finalize within the deadline, close, exit.
  std::atomic<bool> stop{false};

  // worker → run() (control output ports).
  std::atomic<float> connected{0};   // 1 while a stream is open
  std::atomic<float> events{0};      // window + final events received since instantiate()
  std::atomic<float> top_tag_p{0};   // probability of the latest event's first tag
  std::atomic<float> top_score{0};   // score of the latest event's first suggestion
};

}  // namespace earshot

#endif  // EARSHOT_LV2_TAP_STATE_H
