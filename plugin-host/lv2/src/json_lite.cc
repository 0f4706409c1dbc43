#include "json_lite.h"

#include <cstdlib>
#include <cstring>

namespace earshot {
namespace {

const int kMaxDepth = 64;

class Parser {
 public:
  explicit Parser(const std::string& s) : s_(s) {}

  bool document(JsonValue* out, std::string* error) {
    ws();
    if (!value(out, 0) || (ws(), pos_ != s_.size())) {
      *error = (error_.empty() ? std::string("trailing characters") : error_) + " at offset " + std::to_string(pos_);
      return false;
    }
    return true;
  }

 private:
  bool fail(const char* why) {
    if (error_.empty()) error_ = why;
    return false;
  }
  void ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) pos_++;
  }
  bool literal(const char* word) {
    const size_t n = std::strlen(word);
    if (s_.compare(pos_, n, word) != 0) return fail("invalid literal");
    pos_ += n;
    return true;
  }

  bool value(JsonValue* v, int depth) {
    if (depth > kMaxDepth) return fail("nested too deeply");
    if (pos_ >= s_.size()) return fail("unexpected end");
    const char c = s_[pos_];
    if (c == '{') return object(v, depth);
    if (c == '[') return array(v, depth);
    if (c == '"') return (v->type = JsonValue::Type::kString, string(&v->string));
    if (c == 't') return (v->type = JsonValue::Type::kBool, v->boolean = true, literal("true"));
    if (c == 'f') return (v->type = JsonValue::Type::kBool, v->boolean = false, literal("false"));
    if (c == 'n') return (v->type = JsonValue::Type::kNull, literal("null"));
    return number(v);
  }

  bool number(JsonValue* v) {
    // Validate the RFC 8259 grammar, then let strtod convert ("C" locale digits only).
    const size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') pos_++;
    if (pos_ >= s_.size() || !isdigit(s_[pos_])) return fail("invalid number");
    if (s_[pos_] == '0') pos_++;
    else while (pos_ < s_.size() && isdigit(s_[pos_])) pos_++;
    if (pos_ < s_.size() && s_[pos_] == '.') {
      pos_++;
      if (pos_ >= s_.size() || !isdigit(s_[pos_])) return fail("invalid number");
      while (pos_ < s_.size() && isdigit(s_[pos_])) pos_++;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      pos_++;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) pos_++;
      if (pos_ >= s_.size() || !isdigit(s_[pos_])) return fail("invalid number");
      while (pos_ < s_.size() && isdigit(s_[pos_])) pos_++;
    }
    v->type = JsonValue::Type::kNumber;
    v->number = std::strtod(s_.substr(start, pos_ - start).c_str(), nullptr);
    return true;
  }

  static bool isdigit(char c) { return c >= '0' && c <= '9'; }

  bool hex4(unsigned* out) {
    if (pos_ + 4 > s_.size()) return fail("truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
      const char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= unsigned(c - '0');
      else if (c >= 'a' && c <= 'f') v |= unsigned(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= unsigned(c - 'A' + 10);
      else return fail("bad \\u escape");
    }
    *out = v;
    return true;
  }

  static void utf8(unsigned cp, std::string* out) {
    if (cp < 0x80) {
      *out += char(cp);
    } else if (cp < 0x800) {
      *out += char(0xc0 | (cp >> 6));
      *out += char(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      *out += char(0xe0 | (cp >> 12));
      *out += char(0x80 | ((cp >> 6) & 0x3f));
      *out += char(0x80 | (cp & 0x3f));
    } else {
      *out += char(0xf0 | (cp >> 18));
      *out += char(0x80 | ((cp >> 12) & 0x3f));
      *out += char(0x80 | ((cp >> 6) & 0x3f));
      *out += char(0x80 | (cp & 0x3f));
    }
  }

  bool string(std::string* out) {
    pos_++;  // opening quote
    out->clear();
    for (;;) {
      if (pos_ >= s_.size()) return fail("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in a string");
      if (c != '\\') {
        *out += c;
        continue;
      }
      if (pos_ >= s_.size()) return fail("unterminated escape");
      const char e = s_[pos_++];
      switch (e) {
        case '"': *out += '"'; break;
        case '\\': *out += '\\'; break;
        case '/': *out += '/'; break;
        case 'b': *out += '\b'; break;
        case 'f': *out += '\f'; break;
        case 'n': *out += '\n'; break;
        case 'r': *out += '\r'; break;
        case 't': *out += '\t'; break;
        case 'u': {
          unsigned cp;
          if (!hex4(&cp)) return false;
          if (cp >= 0xd800 && cp < 0xdc00 && s_.compare(pos_, 2, "\\u") == 0) {  // a surrogate pair
            pos_ += 2;
            unsigned lo;
            if (!hex4(&lo)) return false;
            if (lo < 0xdc00 || lo >= 0xe000) return fail("unpaired surrogate");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          } else if (cp >= 0xd800 && cp < 0xe000) {
            cp = 0xfffd;  // a lone surrogate: the replacement character
          }
          utf8(cp, out);
          break;
        }
        default:
          return fail("bad escape");
      }
    }
  }

  bool array(JsonValue* v, int depth) {
    pos_++;
    v->type = JsonValue::Type::kArray;
    ws();
    if (pos_ < s_.size() && s_[pos_] == ']') return (pos_++, true);
    for (;;) {
      v->array.emplace_back();
      ws();
      if (!value(&v->array.back(), depth + 1)) return false;
      ws();
      if (pos_ >= s_.size()) return fail("unterminated array");
      if (s_[pos_] == ']') return (pos_++, true);
      if (s_[pos_++] != ',') return fail("expected , or ]");
    }
  }

  bool object(JsonValue* v, int depth) {
    pos_++;
    v->type = JsonValue::Type::kObject;
    ws();
    if (pos_ < s_.size() && s_[pos_] == '}') return (pos_++, true);
    for (;;) {
      ws();
      if (pos_ >= s_.size() || s_[pos_] != '"') return fail("expected a member name");
      v->object.emplace_back();
      if (!string(&v->object.back().first)) return false;
      ws();
      if (pos_ >= s_.size() || s_[pos_++] != ':') return fail("expected :");
      ws();
      if (!value(&v->object.back().second, depth + 1)) return false;
      ws();
      if (pos_ >= s_.size()) return fail("unterminated object");
      if (s_[pos_] == '}') return (pos_++, true);
      if (s_[pos_++] != ',') return fail("expected , or }");
    }
  }

  const std::string& s_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

const JsonValue* JsonValue::get(const char* key) const {
  if (type != Type::kObject) return nullptr;
  for (const auto& kv : object) {
    if (kv.first == key) return &kv.second;
  }
  return nullptr;
}

double JsonValue::number_or(const char* key, double fallback) const {
  const JsonValue* v = get(key);
  return v && v->type == Type::kNumber ? v->number : fallback;
}

std::string JsonValue::string_or(const char* key, const std::string& fallback) const {
  const JsonValue* v = get(key);
  return v && v->type == Type::kString ? v->string : fallback;
}

bool json_parse(const std::string& text, JsonValue* out, std::string* error) {
  *out = JsonValue();
  Parser p(text);
  return p.document(out, error);
}

}  // namespace earshot
