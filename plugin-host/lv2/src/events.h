// The engine's events (docs/protocol.md, "Messages") as a struct, and the one-line text the plugin logs
// for each. Thread: the worker (no shared state).
#ifndef EARSHOT_LV2_EVENTS_H
#define EARSHOT_LV2_EVENTS_H

#include <string>
#include <utility>
#include <vector>

namespace earshot {

struct Suggestion {
  std::string id, artist, title;
  double score = 0;  // cosine similarity (or x_u·y_i with a listener), descending
};

struct EngineEvent {
  std::string type;  // begin, window, final, error, configured, reset, keepalive, reload, …

  // window / final
  long seq = -1;
  long windows = 0;  // window predictions in the running mean since the last reset
  long dropped = 0;  // windows the engine dropped for this stream
  double t_start_s = 0, t_end_s = 0;
  std::vector<std::pair<std::string, double>> tags;  // most probable first
  std::vector<Suggestion> suggestions;

  // begin
  std::string stream_id, model;
  double hop_s = 0, window_s = 0;
  long sample_rate_hz = 0;

  // error
  std::string code, message;
  bool retryable = false;
};

bool parse_engine_event(const std::string& json, EngineEvent* out, std::string* error);

// e.g. "final windows=6 t_end=8.000s tags: rock 0.912, calm 0.410 | suggestions: SO000118 0.934, … |
// top: The Rusty Meadows - Canyon of Gardens" (one line; tags and suggestions as the engine sent them).
std::string format_event_line(const EngineEvent& e);

}  // namespace earshot

#endif  // EARSHOT_LV2_EVENTS_H
