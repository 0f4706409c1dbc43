// Fuzz target lv2-json: the LV2 plugin's JSON reader (plugin-host/lv2/src/json_lite.cc) and the engine-event
// decoder built on it (events.cc), which read every text frame the engine sends. Input: the frame's text.
// Asserts (under ASan + UBSan, which also catches out-of-range double -> integer conversions):
//  - json_parse either fails with a message or gives a tree no deeper than its limit, and writing that tree
//    back as JSON and parsing it again gives the same tree;
//  - parse_engine_event accepts exactly the objects with a non-empty string "type";
//  - format_event_line, the one line the plugin logs per event, holds no control characters whatever
//    strings the engine sent.
#include <cmath>
#include <cstdio>
#include <string>

#include "check.h"
#include "events.h"
#include "json_lite.h"

using earshot::JsonValue;

namespace {

void write_string(const std::string& s, std::string* out) {
  *out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      *out += '\\';
      *out += char(c);
    } else if (c < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      *out += b;
    } else {
      *out += char(c);
    }
  }
  *out += '"';
}

void write(const JsonValue& v, std::string* out) {
  switch (v.type) {
    case JsonValue::Type::kNull: *out += "null"; break;
    case JsonValue::Type::kBool: *out += v.boolean ? "true" : "false"; break;
    case JsonValue::Type::kNumber: {
      if (std::isinf(v.number)) {
        *out += v.number > 0 ? "1e999" : "-1e999";  // what strtod turns back into +-inf
      } else {
        char b[40];
        std::snprintf(b, sizeof b, "%.17g", v.number);
        *out += b;
      }
      break;
    }
    case JsonValue::Type::kString: write_string(v.string, out); break;
    case JsonValue::Type::kArray:
      *out += '[';
      for (size_t i = 0; i < v.array.size(); i++) {
        if (i) *out += ',';
        write(v.array[i], out);
      }
      *out += ']';
      break;
    case JsonValue::Type::kObject:
      *out += '{';
      for (size_t i = 0; i < v.object.size(); i++) {
        if (i) *out += ',';
        write_string(v.object[i].first, out);
        *out += ':';
        write(v.object[i].second, out);
      }
      *out += '}';
      break;
  }
}

bool same(const JsonValue& a, const JsonValue& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case JsonValue::Type::kNull: return true;
    case JsonValue::Type::kBool: return a.boolean == b.boolean;
    case JsonValue::Type::kNumber: return a.number == b.number && std::signbit(a.number) == std::signbit(b.number);
    case JsonValue::Type::kString: return a.string == b.string;
    case JsonValue::Type::kArray:
      if (a.array.size() != b.array.size()) return false;
      for (size_t i = 0; i < a.array.size(); i++) if (!same(a.array[i], b.array[i])) return false;
      return true;
    case JsonValue::Type::kObject:
      if (a.object.size() != b.object.size()) return false;
      for (size_t i = 0; i < a.object.size(); i++) {
        if (a.object[i].first != b.object[i].first || !same(a.object[i].second, b.object[i].second)) return false;
      }
      return true;
  }
  return false;
}

int depth(const JsonValue& v) {
  int d = 0;
  for (const auto& x : v.array) d = std::max(d, depth(x));
  for (const auto& kv : v.object) d = std::max(d, depth(kv.second));
  return d + 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  JsonValue v;
  std::string err;
  const bool ok = earshot::json_parse(text, &v, &err);
  if (!ok) {
    FUZZ_CHECK(!err.empty(), "json_parse failed without a message");
  } else {
    FUZZ_CHECK(depth(v) <= 65, "a tree %d levels deep was accepted", depth(v));
    std::string again;
    write(v, &again);
    JsonValue w;
    std::string err2;
    FUZZ_CHECK(earshot::json_parse(again, &w, &err2), "the written tree does not parse: %s (%s)", err2.c_str(), again.substr(0, 200).c_str());
    FUZZ_CHECK(same(v, w), "parse(write(tree)) differs from tree: %s", again.substr(0, 200).c_str());
  }

  earshot::EngineEvent e;
  std::string why;
  const bool event = earshot::parse_engine_event(text, &e, &why);
  const JsonValue* type = ok ? v.get("type") : nullptr;
  const bool want = ok && v.type == JsonValue::Type::kObject && type && type->type == JsonValue::Type::kString && !type->string.empty();
  FUZZ_CHECK(event == want, "parse_engine_event said %d for a document that should give %d (%s)", event, want, why.c_str());
  if (event) {
    const std::string line = earshot::format_event_line(e);
    for (unsigned char c : line) FUZZ_CHECK(c >= 0x20, "format_event_line holds control character 0x%02x: %s", c, line.substr(0, 200).c_str());
  }
  return 0;
}
