// A minimal WebSocket client (RFC 6455) over a blocking POSIX TCP socket, without dependencies: the
// opening handshake (ws_handshake), masked client frames and the server-frame reader (ws_frame), pings
// answered with pongs, the closing handshake. Every call takes a timeout (poll() before each
// recv/send, and non-blocking sends once poll() said the socket is writable), so the worker that owns it
// can always reach its shutdown deadline. Plain ws:// only. Thread: the worker, exclusively.
#ifndef EARSHOT_LV2_WS_CLIENT_H
#define EARSHOT_LV2_WS_CLIENT_H

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ws_frame.h"

namespace earshot {

class WsClient {
 public:
  WsClient();
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // TCP connect + upgrade within timeout_ms. extra_headers: whole header lines ("Authorization: …").
  bool connect(const std::string& url, const std::vector<std::string>& extra_headers, int timeout_ms, std::string* error);
  bool is_open() const { return fd_ >= 0; }

  // One message as one frame. False (and the connection closed) when it cannot be written within
  // timeout_ms: the engine stopped reading for that long, or the connection broke.
  bool send_binary(const void* data, size_t n, int timeout_ms);
  bool send_text(const std::string& text, int timeout_ms);

  enum class Poll { kTimeout, kText, kClosed };
  // Waits up to timeout_ms (0: only what has arrived) for the next text message; answers pings and
  // skips pongs and binary messages on the way. kClosed: the connection is gone, see close_reason().
  Poll poll_text(std::string* text, int timeout_ms);

  // The closing handshake: a close frame, then up to timeout_ms for the engine's; the socket is closed.
  void close(uint16_t code, int timeout_ms);

  // Why the connection ended: the engine's close code and reason, or a local description.
  uint16_t close_code() const { return close_code_; }
  const std::string& close_reason() const { return close_reason_; }

 private:
  bool send_frame(WsOpcode op, const uint8_t* payload, size_t n, int timeout_ms);
  bool send_all(const uint8_t* p, size_t n, int timeout_ms);
  void drop(uint16_t code, const std::string& why);  // closes the socket without a handshake

  int fd_ = -1;
  WsFrameReader reader_;
  std::vector<uint8_t> out_;     // frame being sent, reused (the worker's only large allocation per frame size)
  std::vector<uint8_t> in_buf_;  // recv() buffer, fixed size
  std::mt19937 rng_;             // masking keys (RFC 6455 §5.3: unpredictable per frame)
  bool close_sent_ = false;
  uint16_t close_code_ = 0;
  std::string close_reason_;
};

}  // namespace earshot

#endif  // EARSHOT_LV2_WS_CLIENT_H
