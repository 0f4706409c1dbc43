// The WebSocket opening handshake (RFC 6455 §4) as pure functions: URL parsing, the client key, the
// HTTP/1.1 upgrade request, and the checks on the server's answer (status 101, Upgrade/Connection
// headers, Sec-WebSocket-Accept = base64(SHA-1(key + GUID))). Thread: the worker (no shared state).
#ifndef EARSHOT_LV2_WS_HANDSHAKE_H
#define EARSHOT_LV2_WS_HANDSHAKE_H

#include <cstdint>
#include <string>
#include <vector>

namespace earshot {

struct WsUrl {
  std::string host;         // without brackets for IPv6 literals
  uint16_t port = 80;
  std::string target;       // path and query, e.g. "/v1/stream?sample_rate=48000"
  std::string host_header;  // "host:port" as the Host header wants it
};

// ws://host[:port][/path][?query]. wss:// is refused (no TLS here: put a TLS proxy in front).
bool ws_parse_url(const std::string& url, WsUrl* out, std::string* error);

// Appends "k=v" to the URL's query with '?' or '&'.
std::string ws_append_query(const std::string& url, const std::string& params);

// Sec-WebSocket-Key: base64 of 16 random bytes.
std::string ws_make_key(const uint8_t random16[16]);
// The Sec-WebSocket-Accept value a server must answer to `key`.
std::string ws_accept_for_key(const std::string& key);

// The GET request; extra_headers are whole lines without CRLF ("Authorization: Bearer …").
std::string ws_build_request(const WsUrl& url, const std::string& key, const std::vector<std::string>& extra_headers);

// head: the server's answer up to and including the blank line. False with a reason when the upgrade
// was refused (a non-101 status: the reason quotes the status line) or the answer breaks RFC 6455.
bool ws_check_response(const std::string& head, const std::string& key, std::string* error);

}  // namespace earshot

#endif  // EARSHOT_LV2_WS_HANDSHAKE_H
