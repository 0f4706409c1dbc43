#include "worker.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "events.h"
#include "ws_handshake.h"

namespace earshot {
namespace {

using std::chrono::milliseconds;

const int kIdlePollMs = 10;       // how long the worker waits for events when there is nothing to send
const int kSendTimeoutMs = 5000;  // the engine (overflow=block) may stop reading while it catches up
const int kMinBackoffMs = 250, kMaxBackoffMs = 5000;
const auto kKeepalive = std::chrono::seconds(20);  // the engine closes streams idle for 60 s
const double kMessagesPerS = 100, kBurst = 50;     // the engine allows 200/s, burst 400
const double kTailS = 3.5;  // replayed for an owed final: the engine's 3.02-s window + margin for its resampler

}  // namespace

// Thread: instantiation.
bool Worker::start(TapState* state, const TapConfig& config, PluginLog* log) {
  st_ = state;
  cfg_ = config;
  log_ = log;
  const double rate = st_->sample_rate_hz;
  frame_min_ = std::max<size_t>(1, size_t(rate * 0.05));
  frame_max_ = std::max(frame_min_, std::min<size_t>(size_t(rate), (1u << 20) / sizeof(float) - 64));  // ≤ 1 MiB frames
  scratch_.resize(frame_max_);
  tail_.resize(std::max<size_t>(1, size_t(rate * kTailS)));
  char q[160];
  std::snprintf(q, sizeof q, "encoding=pcm_f32le&sample_rate=%ld&channels=1&overflow=block", std::lround(rate));
  url_ = ws_append_query(cfg_.url, q);
  try {
    thread_ = std::thread(&Worker::main, this);
  } catch (...) {
    return false;
  }
  return true;
}

// Thread: instantiation (cleanup).
void Worker::stop_and_join() {
  st_->stop.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
}

// Everything below runs on the worker thread.

int Worker::budget_ms(int ms) const {
  if (!stopping_) return ms;
  const long long left = std::chrono::duration_cast<milliseconds>(stop_deadline_ - Clock::now()).count();
  return int(std::max<long long>(0, std::min<long long>(ms, left)));
}

bool Worker::out_of_time() const { return stopping_ && Clock::now() >= stop_deadline_; }

void Worker::main() {
  next_attempt_ = tokens_at_ = last_send_ = Clock::now();
  for (;;) {
    if (!stopping_ && st_->stop.load(std::memory_order_acquire)) {
      stopping_ = true;
      stop_deadline_ = Clock::now() + milliseconds(cfg_.final_wait_ms);
      collect_segment_ends();
      const uint64_t end = st_->audio.written();  // run() will not be called again: this is the last sample
      if (end > last_segment_end_) segment_ends_.push_back(last_segment_end_ = end);
    }
    collect_segment_ends();
    report_drops();
    if (ws_.is_open()) {
      if (!step_connected()) break;
    } else {
      // Stopping without a stream: one attempt for what is left, unless the engine just refused; a final
      // still owed is worth retrying until the deadline.
      if (stopping_ && (out_of_time() || (!refinalize_ && (st_->audio.readable() == 0 || Clock::now() < next_attempt_)))) break;
      step_disconnected();
    }
  }
  if (ws_.is_open()) ws_.close(1000, std::max(100, budget_ms(500)));
  st_->connected.store(0, std::memory_order_relaxed);
  const double rate = st_->sample_rate_hz;
  discard_backlog();
  log_->note("stopped: sent %.2f s of audio in %llu frames, received %llu events; %.2f s not sent (engine unreachable or "
             "shutdown deadline), %.2f s (%llu samples) dropped by ring overflow",
             double(samples_sent_) / rate, (unsigned long long)frames_sent_, (unsigned long long)events_,
             double(samples_discarded_) / rate, double(st_->audio.dropped()) / rate, (unsigned long long)st_->audio.dropped());
}

void Worker::step_disconnected() {
  if (st_->audio.readable() == 0 && !refinalize_) {
    std::this_thread::sleep_for(milliseconds(kIdlePollMs));
    return;
  }
  if (Clock::now() >= next_attempt_ && connect()) return;
  // The engine is unreachable: drop what waits, so that it hears current audio once it is back.
  discard_backlog();
  std::this_thread::sleep_for(milliseconds(kIdlePollMs));
}

bool Worker::connect() {
  const float hop = std::min(60.0f, std::max(0.1f, st_->hop_s.load(std::memory_order_relaxed)));
  char hop_param[32];
  std::snprintf(hop_param, sizeof hop_param, "hop=%.4g", hop);
  const std::string url = ws_append_query(url_, hop_param);
  std::vector<std::string> headers;
  if (!cfg_.token.empty()) headers.push_back("Authorization: Bearer " + cfg_.token);
  std::string err;
  if (!ws_.connect(url, headers, budget_ms(cfg_.connect_timeout_ms), &err)) {
    if (err != last_error_) log_->warning("cannot reach the engine at %s: %s (retrying; audio passes through)", cfg_.url.c_str(), err.c_str());
    last_error_ = err;
    next_attempt_ = Clock::now() + milliseconds(backoff_ms_);
    backoff_ms_ = std::min(backoff_ms_ * 2, kMaxBackoffMs);
    return false;
  }
  last_error_.clear();
  connected_at_ = last_send_ = Clock::now();
  need_reset_ = finalize_sent_ = final_received_ = false;
  sent_in_segment_ = 0;
  hop_sent_ = hop;
  st_->connected.store(1, std::memory_order_relaxed);
  log_->note("connected to %s", url.c_str());
  if (tail_held_ > 0 && !replay_tail()) {
    on_disconnected();
    return false;
  }
  return true;
}

bool Worker::replay_tail() {
  const size_t start = (tail_head_ + tail_.size() - tail_held_) % tail_.size();
  size_t sent = 0;
  while (sent < tail_held_) {
    const size_t at = (start + sent) % tail_.size();
    const size_t n = std::min({tail_held_ - sent, tail_.size() - at, frame_max_});
    if (!ws_.send_binary(tail_.data() + at, n * sizeof(float), budget_ms(kSendTimeoutMs))) return false;
    sent += n;
  }
  if (refinalize_) log_->note("the stream dropped before its final event: sent the last %.2f s again to finalize on the new stream", double(tail_held_) / st_->sample_rate_hz);
  else log_->note("the stream dropped: sent the last %.2f s again, so the new stream predicts at once", double(tail_held_) / st_->sample_rate_hz);
  sent_in_segment_ = tail_held_;  // step_connected() now sends finalize for the owed segment
  refinalize_ = false;
  return true;
}

void Worker::keep_tail(const float* x, size_t n) {
  const size_t cap = tail_.size();
  if (n > cap) x += n - cap, n = cap;
  const size_t first = std::min(n, cap - tail_head_);
  std::copy(x, x + first, tail_.begin() + long(tail_head_));
  std::copy(x + first, x + n, tail_.begin());
  tail_head_ = (tail_head_ + n) % cap;
  tail_held_ = std::min(cap, tail_held_ + n);
}

void Worker::on_disconnected() {
  st_->connected.store(0, std::memory_order_relaxed);
  const uint16_t code = ws_.close_code();
  log_->warning("stream closed (%u: %s)%s", code, ws_.close_reason().c_str(), stopping_ ? "" : "; reconnecting");
  // Refusals that a retry will not fix (bad query, token, audio format): retry slowly.
  const bool refused = code == 4400 || code == 4401 || code == 4415;
  if (refused) backoff_ms_ = kMaxBackoffMs;
  else if (Clock::now() - connected_at_ > std::chrono::seconds(10)) backoff_ms_ = kMinBackoffMs;
  next_attempt_ = Clock::now() + milliseconds(backoff_ms_);
  if (!refused) backoff_ms_ = std::min(backoff_ms_ * 2, kMaxBackoffMs);
  if (finalize_sent_ && !final_received_ && !segment_ends_.empty() && tail_held_ > 0) refinalize_ = true;  // finalized again on the next stream
  else if (finalize_sent_ && !segment_ends_.empty()) segment_ends_.pop_front();
  need_reset_ = finalize_sent_ = final_received_ = false;
  sent_in_segment_ = 0;
}

bool Worker::step_connected() {
  if (!drain_events(0)) return (on_disconnected(), true);
  if (out_of_time()) {
    if (finalize_sent_ && !final_received_) log_->warning("no final event within %d ms; closing", cfg_.final_wait_ms);
    return false;
  }
  const float hop = std::min(60.0f, std::max(0.1f, st_->hop_s.load(std::memory_order_relaxed)));
  if (std::fabs(hop - hop_sent_) > 1e-4f) {
    char msg[64];
    std::snprintf(msg, sizeof msg, "{\"type\":\"configure\",\"hop\":%.4g}", hop);
    if (!send_text(msg)) return (on_disconnected(), true);
    hop_sent_ = hop;
  }

  const uint64_t read = st_->audio.read();
  const bool bounded = !segment_ends_.empty();
  const uint64_t end = bounded ? segment_ends_.front() : UINT64_MAX;
  size_t avail = st_->audio.readable();
  if (bounded) avail = size_t(std::min<uint64_t>(avail, end > read ? end - read : 0));
  // Audio: ≥ 50-ms frames while live; everything, in ≤ 1-s frames, once the segment has ended.
  if (avail > 0 && (avail >= frame_min_ || bounded)) {
    const Clock::time_point now = Clock::now();
    tokens_ = std::min(kBurst, tokens_ + kMessagesPerS * std::chrono::duration<double>(now - tokens_at_).count());
    tokens_at_ = now;
    if (tokens_ < 1) {  // paced: read events while a token accrues
      if (!drain_events(5)) on_disconnected();
      return true;
    }
    if (need_reset_) {  // audio after finalize needs a reset (protocol v1)
      if (!send_text("{\"type\":\"reset\"}")) return (on_disconnected(), true);
      need_reset_ = false;
    }
    if (!send_audio(std::min(avail, frame_max_))) on_disconnected();
    return true;
  }
  if (bounded && read >= end) {  // this segment's audio is all sent
    if (sent_in_segment_ == 0 && !finalize_sent_) {
      segment_ends_.pop_front();  // nothing of it reached this stream
      return true;
    }
    if (!finalize_sent_) {
      if (!send_text("{\"type\":\"finalize\"}")) return (on_disconnected(), true);
      finalize_sent_ = true;
      final_received_ = false;
      final_deadline_ = Clock::now() + milliseconds(cfg_.final_wait_ms);
      return true;
    }
    if (final_received_ || Clock::now() >= final_deadline_) {
      if (!final_received_) log_->warning("no final event within %d ms", cfg_.final_wait_ms);
      segment_ends_.pop_front();
      finalize_sent_ = final_received_ = false;
      need_reset_ = true;
      sent_in_segment_ = 0;
      tail_held_ = 0;  // the next segment is another track
      return true;
    }
  }
  if (stopping_ && segment_ends_.empty() && st_->audio.readable() == 0) return false;  // done: main() closes
  if (!stopping_ && Clock::now() - last_send_ >= kKeepalive && !send_text("{\"type\":\"keepalive\"}")) {
    return (on_disconnected(), true);
  }
  if (!drain_events(kIdlePollMs)) on_disconnected();
  return true;
}

bool Worker::send_audio(size_t n) {
  const size_t got = st_->audio.pop(scratch_.data(), n);
  for (size_t i = 0; i < got; i++) {  // the engine refuses frames with NaN, ±Inf or |x| > 16
    float& x = scratch_[i];
    if (!std::isfinite(x)) x = 0;
    else x = std::min(16.0f, std::max(-16.0f, x));
  }
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "pcm_f32le is sent as the host's floats");
  tokens_ -= 1;
  last_send_ = Clock::now();
  if (!ws_.send_binary(scratch_.data(), got * sizeof(float), budget_ms(kSendTimeoutMs))) return false;
  frames_sent_++;
  samples_sent_ += got;
  sent_in_segment_ += got;
  keep_tail(scratch_.data(), got);
  return true;
}

bool Worker::send_text(const std::string& text) {
  tokens_ -= 1;
  last_send_ = Clock::now();
  return ws_.send_text(text, budget_ms(kSendTimeoutMs));
}

bool Worker::drain_events(int wait_ms) {
  std::string text;
  int wait = budget_ms(wait_ms);
  for (;;) {
    switch (ws_.poll_text(&text, wait)) {
      case WsClient::Poll::kTimeout:
        return true;
      case WsClient::Poll::kClosed:
        return false;
      case WsClient::Poll::kText:
        handle_event(text);
        wait = 0;  // then whatever else has already arrived
        break;
    }
  }
}

void Worker::handle_event(const std::string& json) {
  EngineEvent e;
  std::string err;
  if (!parse_engine_event(json, &e, &err)) {
    log_->warning("unreadable event from the engine (%s)", err.c_str());
    return;
  }
  if (e.type == "window" || e.type == "final") {
    events_++;
    st_->events.store(float(events_), std::memory_order_relaxed);
    st_->top_tag_p.store(e.tags.empty() ? 0.0f : float(e.tags[0].second), std::memory_order_relaxed);
    st_->top_score.store(e.suggestions.empty() ? 0.0f : float(e.suggestions[0].score), std::memory_order_relaxed);
    if (e.type == "final") final_received_ = true;
    if (e.type == "final" || cfg_.log_windows) log_->note("%s", format_event_line(e).c_str());
  } else if (e.type == "begin") {
    log_->note("%s", format_event_line(e).c_str());
  } else if (e.type == "error") {
    log_->warning("%s", format_event_line(e).c_str());
  }  // configured, reset, keepalive, reload: nothing to do
}

void Worker::collect_segment_ends() {
  uint64_t end;
  while (st_->segment_ends.pop(&end, 1) == 1) {
    if (end > last_segment_end_) segment_ends_.push_back(last_segment_end_ = end);
  }
}

void Worker::discard_backlog() {
  samples_discarded_ += st_->audio.skip(SIZE_MAX);
  const uint64_t read = st_->audio.read();
  // The segment whose final is owed stays until a stream answers it.
  const size_t keep = refinalize_ ? 1 : 0;
  while (segment_ends_.size() > keep && segment_ends_[keep] <= read) segment_ends_.erase(segment_ends_.begin() + long(keep));
}

void Worker::report_drops() {
  const uint64_t d = st_->audio.dropped();
  if (d <= drops_reported_) return;
  if (drops_reported_ != 0 && Clock::now() - last_drop_log_ < std::chrono::seconds(1)) return;
  log_->warning("ring overflow: %.2f s of audio dropped so far (the host runs faster than the engine takes audio; "
                "EARSHOT_RING_S=%g sets the buffer)", double(d) / st_->sample_rate_hz, cfg_.ring_s);
  drops_reported_ = d;
  last_drop_log_ = Clock::now();
}

}  // namespace earshot
