#include "events.h"

#include <climits>
#include <cstdio>

#include "json_lite.h"

namespace earshot {
namespace {

std::string fixed(double v, int digits) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

// Newlines or control characters in names would break the one-line log format.
std::string one_line(const std::string& s) {
  std::string o = s;
  for (char& c : o) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return o;
}

// JSON numbers are doubles; a count outside long's range (1e300, or 1e999 = inf) must not be converted
// as is: that is undefined behaviour (found by fuzz/native/lv2-json.cc under UBSan).
long to_long(double v) {
  if (!(v == v)) return 0;
  if (v >= static_cast<double>(LONG_MAX)) return LONG_MAX;  // 2^63 (or 2^31 - 1) exactly
  if (v <= static_cast<double>(LONG_MIN)) return LONG_MIN;
  return long(v);
}

}  // namespace

bool parse_engine_event(const std::string& json, EngineEvent* out, std::string* error) {
  JsonValue v;
  if (!json_parse(json, &v, error)) return false;
  if (v.type != JsonValue::Type::kObject) return (*error = "an event must be a JSON object", false);
  *out = EngineEvent();
  out->type = v.string_or("type", "");
  if (out->type.empty()) return (*error = "an event without a type", false);
  out->seq = to_long(v.number_or("seq", -1));
  out->windows = to_long(v.number_or("windows", 0));
  out->dropped = to_long(v.number_or("dropped", 0));
  out->t_start_s = v.number_or("t_start", 0);
  out->t_end_s = v.number_or("t_end", 0);
  if (const JsonValue* tags = v.get("tags")) {
    for (const JsonValue& t : tags->array) out->tags.emplace_back(t.string_or("tag", "?"), t.number_or("p", 0));
  }
  if (const JsonValue* sugg = v.get("suggestions")) {
    for (const JsonValue& s : sugg->array) {
      Suggestion x;
      x.id = s.string_or("id", "?");
      x.artist = s.string_or("artist", "");
      x.title = s.string_or("title", "");
      x.score = s.number_or("score", 0);
      out->suggestions.push_back(x);
    }
  }
  out->stream_id = v.string_or("id", "");
  out->model = v.string_or("model", "");
  out->hop_s = v.number_or("hop_s", 0);
  out->window_s = v.number_or("window_s", 0);
  out->sample_rate_hz = to_long(v.number_or("sample_rate", 0));
  out->code = v.string_or("code", "");
  out->message = v.string_or("message", "");
  const JsonValue* r = v.get("retryable");
  out->retryable = r && r->type == JsonValue::Type::kBool && r->boolean;
  return true;
}

std::string format_event_line(const EngineEvent& e) {
  if (e.type == "window" || e.type == "final") {
    std::string line = e.type;
    if (e.type == "window") line += " seq=" + std::to_string(e.seq);
    line += " windows=" + std::to_string(e.windows) + " t_end=" + fixed(e.t_end_s, 3) + "s";
    if (e.dropped > 0) line += " dropped=" + std::to_string(e.dropped);
    line += " tags:";
    for (size_t i = 0; i < e.tags.size(); i++) line += (i ? ", " : " ") + one_line(e.tags[i].first) + " " + fixed(e.tags[i].second, 3);
    line += " | suggestions:";
    for (size_t i = 0; i < e.suggestions.size(); i++) {
      line += (i ? ", " : " ") + one_line(e.suggestions[i].id) + " " + fixed(e.suggestions[i].score, 3);
    }
    if (!e.suggestions.empty()) line += " | top: " + one_line(e.suggestions[0].artist) + " - " + one_line(e.suggestions[0].title);
    return line;
  }
  if (e.type == "begin") {
    return "stream " + one_line(e.stream_id) + " open: model " + one_line(e.model) + ", " + std::to_string(e.sample_rate_hz) + " Hz, window " +
           fixed(e.window_s, 3) + " s, hop " + fixed(e.hop_s, 3) + " s";
  }
  if (e.type == "error") {
    return "engine error " + one_line(e.code) + ": " + one_line(e.message) + (e.retryable ? " (retryable)" : "");
  }
  return one_line(e.type);
}

}  // namespace earshot
