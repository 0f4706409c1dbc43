// The worker thread: drains the audio ring, streams it to the engine (pcm_f32le at the host's rate,
// frames of ≥ 50 ms), reads the engine's events, publishes values for the output ports, logs each
// window's tags and suggestions, and reconnects with backoff when the engine is unreachable or drops
// the stream. Started in instantiate(), stopped and joined in cleanup(); it never blocks the audio
// thread (they share only the lock-free TapState).
#ifndef EARSHOT_LV2_WORKER_H
#define EARSHOT_LV2_WORKER_H

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "config.h"
#include "plugin_log.h"
#include "tap_state.h"
#include "ws_client.h"

namespace earshot {

class Worker {
 public:
  // Thread: instantiation. state and log must outlive the worker (stop_and_join() before freeing them).
  bool start(TapState* state, const TapConfig& config, PluginLog* log);
  // Thread: instantiation (cleanup). Sends what is left, finalizes, waits for the final event at most
  // config.final_wait_ms (+ ≤ 0.5 s to close), then joins the thread.
  void stop_and_join();

 private:
  using Clock = std::chrono::steady_clock;

  void main();               // the thread's body
  void step_disconnected();  // no stream: connect when audio waits, or discard it during backoff
  bool step_connected();     // one pass of sending/finalizing; false when the worker should exit
  bool connect();
  void on_disconnected();
  void handle_event(const std::string& json);
  bool send_audio(size_t n);
  void keep_tail(const float* x, size_t n);
  bool replay_tail();  // on a new stream mid-segment: the segment's last samples again (and a final owed)
  bool send_text(const std::string& text);
  bool drain_events(int wait_ms);  // false when the connection closed
  void collect_segment_ends();
  void discard_backlog();
  void report_drops();
  int budget_ms(int ms) const;  // ms, or less when the stop deadline is nearer
  bool out_of_time() const;

  TapState* st_ = nullptr;
  TapConfig cfg_;
  PluginLog* log_ = nullptr;
  std::thread thread_;
  WsClient ws_;
  std::string url_;  // EARSHOT_URL with this stream's query

  size_t frame_min_ = 0, frame_max_ = 0;  // samples per binary frame: 50 ms … 1 s
  std::vector<float> scratch_;
  std::deque<uint64_t> segment_ends_;  // pending boundaries, as audio.read() positions
  uint64_t last_segment_end_ = 0;

  // Stream state
  bool need_reset_ = false;       // the last segment was finalized: reset before more audio
  bool finalize_sent_ = false;
  bool final_received_ = false;
  uint64_t sent_in_segment_ = 0;  // samples sent since the stream opened or the last reset
  float hop_sent_ = 1.0f;
  Clock::time_point final_deadline_, last_send_, connected_at_, last_drop_log_;

  // The segment's last samples sent (one engine window and a margin), sent again to the next stream
  // after a drop: it predicts at once instead of after a whole window of new audio, and a final owed at
  // the drop is not lost (a new finalize follows, whose final answers it). Worker thread only;
  // allocated in start(), cleared when a segment ends.
  std::vector<float> tail_;
  size_t tail_head_ = 0, tail_held_ = 0;
  bool refinalize_ = false;  // the stream dropped while a final was owed

  // Reconnection
  int backoff_ms_ = 250;
  Clock::time_point next_attempt_;
  std::string last_error_;

  // Stop
  bool stopping_ = false;
  Clock::time_point stop_deadline_;

  // Pacing: the engine allows 200 messages/s per stream (burst 400); stay at 100/s.
  double tokens_ = 50;
  Clock::time_point tokens_at_;

  // Statistics for the exit line
  uint64_t frames_sent_ = 0, samples_sent_ = 0, samples_discarded_ = 0, events_ = 0, drops_reported_ = 0;
};

}  // namespace earshot

#endif  // EARSHOT_LV2_WORKER_H
