#include "ws_handshake.h"

#include <cctype>
#include <cstdlib>

#include "base64.h"
#include "sha1.h"

namespace earshot {
namespace {

const char kGuid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";  // RFC 6455 §1.3

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && (s[a] == ' ' || s[a] == '\t')) a++;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r')) b--;
  return s.substr(a, b - a);
}

// True when the comma-separated header value lists `token` (case-insensitive).
bool has_token(const std::string& value, const std::string& token) {
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string::npos) comma = value.size();
    if (lower(trim(value.substr(start, comma - start))) == token) return true;
    start = comma + 1;
  }
  return false;
}

}  // namespace

bool ws_parse_url(const std::string& url, WsUrl* out, std::string* error) {
  const std::string scheme = lower(url.substr(0, url.find("://") == std::string::npos ? 0 : url.find("://")));
  if (scheme == "wss") return (*error = "wss:// (TLS) is not supported: use ws:// or a local TLS proxy", false);
  if (scheme != "ws") return (*error = "the engine URL must start with ws://", false);
  const size_t host_start = url.find("://") + 3;
  size_t host_end = url.find_first_of("/?", host_start);
  if (host_end == std::string::npos) host_end = url.size();
  const std::string authority = url.substr(host_start, host_end - host_start);
  if (authority.empty() || authority.find('@') != std::string::npos) return (*error = "bad host in the engine URL", false);
  std::string host = authority, port;
  if (authority[0] == '[') {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string::npos) return (*error = "unterminated IPv6 literal in the engine URL", false);
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return (*error = "bad port in the engine URL", false);
      port = authority.substr(close + 2);
    }
  } else if (authority.find(':') != std::string::npos) {
    host = authority.substr(0, authority.find(':'));
    port = authority.substr(authority.find(':') + 1);
  }
  out->port = 80;
  if (!port.empty()) {
    char* end = nullptr;
    const long p = std::strtol(port.c_str(), &end, 10);
    if (*end != '\0' || p < 1 || p > 65535) return (*error = "bad port in the engine URL", false);
    out->port = uint16_t(p);
  }
  if (host.empty()) return (*error = "empty host in the engine URL", false);
  out->host = host;
  out->host_header = authority;
  out->target = host_end < url.size() ? url.substr(host_end) : "/";
  if (out->target[0] == '?') out->target = "/" + out->target;
  return true;
}

std::string ws_append_query(const std::string& url, const std::string& params) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + params;
}

std::string ws_make_key(const uint8_t random16[16]) { return base64_encode(random16, 16); }

std::string ws_accept_for_key(const std::string& key) {
  const std::string s = key + kGuid;
  const auto digest = sha1(s.data(), s.size());
  return base64_encode(digest.data(), digest.size());
}

std::string ws_build_request(const WsUrl& url, const std::string& key, const std::vector<std::string>& extra_headers) {
  std::string r = "GET " + url.target + " HTTP/1.1\r\n";
  r += "Host: " + url.host_header + "\r\n";
  r += "Upgrade: websocket\r\nConnection: Upgrade\r\n";
  r += "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n";
  r += "User-Agent: earshot-lv2/1\r\n";
  for (const std::string& h : extra_headers) r += h + "\r\n";
  return r + "\r\n";
}

bool ws_check_response(const std::string& head, const std::string& key, std::string* error) {
  const size_t eol = head.find("\r\n");
  const std::string status = head.substr(0, eol);
  // "HTTP/1.1 101 Switching Protocols"
  if (status.compare(0, 5, "HTTP/") != 0 || status.size() < 12) return (*error = "not an HTTP answer: " + status, false);
  if (status.compare(9, 3, "101") != 0) return (*error = "the engine refused the upgrade: " + status, false);
  bool upgrade = false, connection = false, accept = false;
  size_t pos = eol == std::string::npos ? head.size() : eol + 2;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == std::string::npos) end = head.size();
    const std::string line = head.substr(pos, end - pos);
    pos = end + 2;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string name = lower(trim(line.substr(0, colon)));
    const std::string value = trim(line.substr(colon + 1));
    if (name == "upgrade") upgrade = lower(value) == "websocket";
    else if (name == "connection") connection = has_token(value, "upgrade");
    else if (name == "sec-websocket-accept") accept = value == ws_accept_for_key(key);
    else if (name == "sec-websocket-extensions") return (*error = "the engine chose an extension that was not offered", false);
    else if (name == "sec-websocket-protocol") return (*error = "the engine chose a subprotocol that was not offered", false);
  }
  if (!upgrade || !connection) return (*error = "the answer lacks Upgrade: websocket / Connection: Upgrade", false);
  if (!accept) return (*error = "Sec-WebSocket-Accept is missing or wrong", false);
  return true;
}

}  // namespace earshot
