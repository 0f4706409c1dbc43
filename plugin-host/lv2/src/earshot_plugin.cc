// The LV2 plugin "earshot tap": passes mono audio through unchanged, copies it on the audio thread into
// a lock-free ring, and a worker thread streams it to the earshot engine; tags and suggestions come back
// as control output ports and log lines. Entry points and their LV2 thread classes (LV2 core spec,
// "Threading Rules"):
//   instantiate, activate, deactivate, cleanup — "Instantiation": may allocate and block;
//   connect_port, run — "Audio": run() is hard-realtime (no allocation, locks, system calls or logging).
// URI: https://earshot.dev/plugins/earshot-tap (earshot.lv2/earshot.ttl declares the ports).
#include <cstdint>
#include <cstring>
#include <new>

#include <lv2/core/lv2.h>

#include "config.h"
#include "plugin_log.h"
#include "tap_state.h"
#include "worker.h"

namespace earshot {
namespace {

const char kUri[] = "https://earshot.dev/plugins/earshot-tap";

enum Port : uint32_t {
  kIn = 0,          // audio in
  kOut = 1,         // audio out (= in)
  kEnabled = 2,     // control in: 0 stops sending audio to the engine (it still passes through)
  kHop = 3,         // control in: seconds between window events (0.1 … 60)
  kConnected = 4,   // control out: 1 while a stream is open
  kWindows = 5,     // control out: window + final events received
  kTopTagP = 6,     // control out: probability of the latest event's first tag
  kTopScore = 7,    // control out: score of the latest event's first suggestion
  kDroppedS = 8,    // control out: seconds of audio lost to ring overflow
};

struct Tap {
  // Port buffers (connect_port).
  const float* in = nullptr;
  float* out = nullptr;
  const float* enabled = nullptr;
  const float* hop = nullptr;
  float* connected = nullptr;
  float* windows = nullptr;
  float* top_tag_p = nullptr;
  float* top_score = nullptr;
  float* dropped_s = nullptr;

  TapConfig config;
  PluginLog log;
  TapState state;
  Worker worker;
  bool active = false;
};

// Thread: instantiation. Allocates everything run() will touch, reads the configuration, starts the worker.
LV2_Handle instantiate(const LV2_Descriptor*, double rate, const char*, const LV2_Feature* const* features) {
  Tap* t = new (std::nothrow) Tap;
  if (!t) return nullptr;
  try {
    t->log.init(features);
    t->config = config_from_env();
    t->state.sample_rate_hz = rate;
    if (!t->state.audio.init(size_t(rate * t->config.ring_s)) || !t->state.segment_ends.init(256)) {
      t->log.error("cannot allocate the %.0f-s ring buffer", t->config.ring_s);
      delete t;
      return nullptr;
    }
    t->log.note("instantiated at %.0f Hz: streaming to %s (ring %.0f s, log to %s)", rate, t->config.url.c_str(),
                double(t->state.audio.capacity()) / rate, t->log.uses_host_log() ? "the host" : "stderr");
    if (!t->worker.start(&t->state, t->config, &t->log)) {
      t->log.error("cannot start the worker thread");
      delete t;
      return nullptr;
    }
  } catch (...) {  // std::bad_alloc from a string: no exception may cross the C ABI
    delete t;
    return nullptr;
  }
  return t;
}

// Thread: audio class. Only stores the pointer.
void connect_port(LV2_Handle h, uint32_t port, void* data) {
  Tap* t = static_cast<Tap*>(h);
  switch (port) {
    case kIn: t->in = static_cast<const float*>(data); break;
    case kOut: t->out = static_cast<float*>(data); break;
    case kEnabled: t->enabled = static_cast<const float*>(data); break;
    case kHop: t->hop = static_cast<const float*>(data); break;
    case kConnected: t->connected = static_cast<float*>(data); break;
    case kWindows: t->windows = static_cast<float*>(data); break;
    case kTopTagP: t->top_tag_p = static_cast<float*>(data); break;
    case kTopScore: t->top_score = static_cast<float*>(data); break;
    case kDroppedS: t->dropped_s = static_cast<float*>(data); break;
    default: break;
  }
}

// Thread: instantiation. A new segment (track) starts with the next run(): the worker resets the
// stream before sending its audio.
void activate(LV2_Handle h) { static_cast<Tap*>(h)->active = true; }

// Thread: audio (hard realtime). A memcpy, a wait-free ring push and relaxed atomic loads/stores.
void run(LV2_Handle h, uint32_t n) {
  Tap* t = static_cast<Tap*>(h);
  if (t->in && t->out && t->in != t->out) std::memcpy(t->out, t->in, n * sizeof(float));
  if (t->in && (!t->enabled || *t->enabled > 0.5f)) t->state.audio.push(t->in, n);  // overflow: counted, dropped
  if (t->hop) t->state.hop_s.store(*t->hop, std::memory_order_relaxed);
  if (t->connected) *t->connected = t->state.connected.load(std::memory_order_relaxed);
  if (t->windows) *t->windows = t->state.events.load(std::memory_order_relaxed);
  if (t->top_tag_p) *t->top_tag_p = t->state.top_tag_p.load(std::memory_order_relaxed);
  if (t->top_score) *t->top_score = t->state.top_score.load(std::memory_order_relaxed);
  if (t->dropped_s) *t->dropped_s = float(double(t->state.audio.dropped()) / t->state.sample_rate_hz);
}

// Thread: instantiation. The segment ends here: the worker sends the rest of its audio, then finalize,
// and logs the final event. Does not wait (a host may deactivate from its GUI thread).
void deactivate(LV2_Handle h) {
  Tap* t = static_cast<Tap*>(h);
  t->active = false;
  const uint64_t end = t->state.audio.written();  // run() is not running: this is exact
  t->state.segment_ends.push(&end, 1);
}

// Thread: instantiation. Waits for the worker (it flushes, finalizes within EARSHOT_FINAL_WAIT_MS and
// closes), then frees everything.
void cleanup(LV2_Handle h) {
  Tap* t = static_cast<Tap*>(h);
  if (t->active) deactivate(h);
  t->worker.stop_and_join();
  delete t;
}

const void* extension_data(const char*) { return nullptr; }

const LV2_Descriptor kDescriptor = {kUri, instantiate, connect_port, activate, run, deactivate, cleanup, extension_data};

}  // namespace
}  // namespace earshot

LV2_SYMBOL_EXPORT const LV2_Descriptor* lv2_descriptor(uint32_t index) { return index == 0 ? &earshot::kDescriptor : nullptr; }
