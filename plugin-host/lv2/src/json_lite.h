// A small JSON reader (RFC 8259) for the engine's events: a recursive-descent parser into a tree, with
// a depth limit. Numbers are doubles; strings are UTF-8 (\u escapes, surrogate pairs included, are
// decoded). Thread: the worker (no shared state).
#ifndef EARSHOT_LV2_JSON_LITE_H
#define EARSHOT_LV2_JSON_LITE_H

#include <string>
#include <utility>
#include <vector>

namespace earshot {

struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> object;  // in document order

  // The member `key` of an object, or nullptr (also when this is not an object).
  const JsonValue* get(const char* key) const;
  double number_or(const char* key, double fallback) const;
  std::string string_or(const char* key, const std::string& fallback) const;
};

bool json_parse(const std::string& text, JsonValue* out, std::string* error);

}  // namespace earshot

#endif  // EARSHOT_LV2_JSON_LITE_H
