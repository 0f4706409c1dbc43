// Fuzz target lv2-handshake: the LV2 plugin's WebSocket opening handshake (plugin-host/lv2/src/ws_handshake.cc):
// ws_check_response reads the engine's HTTP answer (outside input); ws_parse_url the configured engine URL.
// Byte 0 picks which. Asserts (under ASan + UBSan): a refused answer or URL has a reason; an accepted answer
// has an "HTTP/x.y 101" status line and carries the Sec-WebSocket-Accept value for the key; an accepted URL
// has a host, a port in 1..65535 and a request target starting with "/", and ws_build_request then gives a
// request line "GET <target> HTTP/1.1" and ends with the blank line.
#include <string>

#include "check.h"
#include "ws_handshake.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string err;
  if (data[0] & 1) {
    earshot::WsUrl u;
    if (!earshot::ws_parse_url(text, &u, &err)) {
      FUZZ_CHECK(!err.empty(), "URL refused without a reason");
      return 0;
    }
    FUZZ_CHECK(!u.host.empty() && u.port >= 1 && !u.target.empty() && u.target[0] == '/' && !u.host_header.empty(), "accepted URL: host '%s' port %u target '%s'",
               u.host.c_str(), u.port, u.target.c_str());
    const std::string req = earshot::ws_build_request(u, "dGhlIHNhbXBsZSBub25jZQ==", {});
    FUZZ_CHECK(req.compare(0, 4 + u.target.size() + 11, "GET " + u.target + " HTTP/1.1\r\n") == 0, "request line");
    FUZZ_CHECK(req.size() >= 4 && req.compare(req.size() - 4, 4, "\r\n\r\n") == 0, "request does not end with a blank line");
    return 0;
  }
  // The key of RFC 6455's example, whose accept value is s3pPLMBiTxaQ9kYGzzhZRbK+xOo=.
  const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";
  FUZZ_CHECK(earshot::ws_accept_for_key(key) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "SHA-1/base64 of the RFC 6455 example");
  if (!earshot::ws_check_response(text, key, &err)) {
    FUZZ_CHECK(!err.empty(), "answer refused without a reason");
    return 0;
  }
  FUZZ_CHECK(text.compare(0, 5, "HTTP/") == 0 && text.size() >= 12 && text.compare(9, 3, "101") == 0, "accepted a non-101 status line");
  FUZZ_CHECK(text.find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != std::string::npos, "accepted an answer without the accept value");
  return 0;
}
