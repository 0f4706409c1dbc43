// The WebSocket framing layer (RFC 6455 §5) without sockets: encoding masked client frames and an
// incremental reader of server frames that reassembles fragmented messages and surfaces control frames.
// Tested byte by byte in test/unit_tests.cc. Thread: the worker (no shared state).
#ifndef EARSHOT_LV2_WS_FRAME_H
#define EARSHOT_LV2_WS_FRAME_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace earshot {

enum class WsOpcode : uint8_t { kContinuation = 0x0, kText = 0x1, kBinary = 0x2, kClose = 0x8, kPing = 0x9, kPong = 0xA };

// Appends one final (FIN) frame, masked with `mask` as RFC 6455 §5.3 requires of clients, to *out.
void ws_encode_client_frame(WsOpcode op, const uint8_t* payload, size_t n, const uint8_t mask[4], std::vector<uint8_t>* out);

// The payload of a close frame: a 2-byte big-endian status code (1005 "no status" if empty) and a reason.
std::string ws_close_payload(uint16_t code, const std::string& reason);
void ws_parse_close_payload(const std::string& payload, uint16_t* code, std::string* reason);

struct WsMessage {
  WsOpcode opcode;      // kText or kBinary (a whole, reassembled message), or kClose / kPing / kPong
  std::string payload;  // bytes
};

// Feed bytes as they arrive; next() returns complete messages and control frames in order.
class WsFrameReader {
 public:
  enum class Result { kNeedMore, kMessage, kError };

  explicit WsFrameReader(size_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

  void feed(const uint8_t* data, size_t n);
  // kMessage: *out holds the next message; kError: *error says which rule the server broke (the
  // connection must then be failed with close code 1002, or 1009 for an oversized message).
  Result next(WsMessage* out, std::string* error, uint16_t* close_code = nullptr);
  void reset();

 private:
  std::string buf_;  // unparsed bytes from buf_pos_ on
  size_t buf_pos_ = 0;
  bool in_message_ = false;  // a fragmented text/binary message has started
  WsOpcode message_opcode_ = WsOpcode::kText;
  std::string message_;
  size_t max_message_bytes_;
};

}  // namespace earshot

#endif  // EARSHOT_LV2_WS_FRAME_H
