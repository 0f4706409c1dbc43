// Fuzz target lv2-ws-frame: the LV2 plugin's RFC 6455 frame reader (plugin-host/lv2/src/ws_frame.cc),
// which parses what the engine (a network peer) sends. Input: byte 0 = message size limit, byte 1 = how
// the stream is cut, byte 2 = opcode and mask for the round trip, the rest = bytes from the server.
// Asserts (under ASan + UBSan):
//  - every message is text/binary (reassembled) or close/ping/pong; control payloads <= 125 bytes and data
//    messages <= the limit; an error names a rule and closes with 1002 (protocol) or 1009 (too big);
//  - feeding the bytes in random pieces gives exactly the messages and error of feeding them at once;
//  - ws_encode_client_frame's frame, unmasked into a server frame, reads back as the same message;
//  - ws_parse_close_payload(ws_close_payload(code, reason)) gives back the code and reason (<= 123 bytes).
#include <string>
#include <vector>

#include "check.h"
#include "ws_frame.h"

using earshot::WsFrameReader;
using earshot::WsMessage;
using earshot::WsOpcode;

namespace {

struct Outcome {
  std::vector<std::pair<int, std::string>> messages;
  bool error = false;
  std::string why;
  uint16_t code = 0;
};

// Drains reader into out; returns false once the reader reported an error.
bool drain(WsFrameReader& r, size_t limit, Outcome* out) {
  for (;;) {
    WsMessage m;
    std::string why;
    uint16_t code = 0;
    const WsFrameReader::Result res = r.next(&m, &why, &code);
    if (res == WsFrameReader::Result::kNeedMore) return true;
    if (res == WsFrameReader::Result::kError) {
      FUZZ_CHECK(!why.empty() && (code == 1002 || code == 1009), "error without a reason or with close code %u", code);
      out->error = true;
      out->why = why;
      out->code = code;
      return false;
    }
    const int op = int(m.opcode);
    const bool control = op == 0x8 || op == 0x9 || op == 0xA;
    FUZZ_CHECK(control || op == 0x1 || op == 0x2, "message with opcode %d", op);
    FUZZ_CHECK(!control || m.payload.size() <= 125, "control frame of %zu bytes", m.payload.size());
    FUZZ_CHECK(control || m.payload.size() <= limit, "data message of %zu bytes over the limit %zu", m.payload.size(), limit);
    out->messages.emplace_back(op, m.payload);
  }
}

Outcome read_whole(const uint8_t* p, size_t n, size_t limit) {
  Outcome o;
  WsFrameReader r(limit);
  r.feed(p, n);
  drain(r, limit, &o);
  return o;
}

Outcome read_pieces(const uint8_t* p, size_t n, size_t limit, fuzz::Splitter& split) {
  Outcome o;
  WsFrameReader r(limit);
  size_t at = 0;
  while (at < n) {
    const size_t k = std::min(n - at, split.next(37));
    r.feed(p + at, k);
    at += k;
    if (!drain(r, limit, &o)) return o;
  }
  drain(r, limit, &o);
  return o;
}

void round_trip(const uint8_t* p, size_t n, uint8_t sel) {
  static const WsOpcode kOps[] = {WsOpcode::kText, WsOpcode::kBinary, WsOpcode::kClose, WsOpcode::kPing, WsOpcode::kPong};
  const WsOpcode op = kOps[sel % 5];
  if (op != WsOpcode::kText && op != WsOpcode::kBinary && n > 125) n = 125;
  const uint8_t mask[4] = {uint8_t(sel * 7), uint8_t(sel * 13), uint8_t(sel * 29), uint8_t(sel * 31)};
  std::vector<uint8_t> frame;
  earshot::ws_encode_client_frame(op, p, n, mask, &frame);
  FUZZ_CHECK(frame.size() >= 6 && frame[0] == (0x80 | uint8_t(op)) && (frame[1] & 0x80), "bad client frame header");
  const size_t len7 = frame[1] & 0x7f;
  const size_t hdr = len7 < 126 ? 2 : len7 == 126 ? 4 : 10;
  FUZZ_CHECK(frame.size() == hdr + 4 + n, "client frame of %zu bytes for a %zu-byte payload", frame.size(), n);
  // The same frame as a server would send it: no mask bit, no key, plain payload.
  std::vector<uint8_t> server(frame.begin(), frame.begin() + hdr);
  server[1] &= 0x7f;
  for (size_t i = 0; i < n; i++) server.push_back(uint8_t(frame[hdr + 4 + i] ^ mask[i & 3]));
  const Outcome o = read_whole(server.data(), server.size(), size_t(1) << 20);
  FUZZ_CHECK(!o.error && o.messages.size() == 1, "the encoded frame does not read back as one message (%s)", o.why.c_str());
  FUZZ_CHECK(o.messages[0].first == int(op) && o.messages[0].second == std::string(reinterpret_cast<const char*>(p), n), "payload changed in a round trip");

  const uint16_t code = uint16_t(sel << 8 | (n & 0xff));
  const std::string reason(reinterpret_cast<const char*>(p), n);
  uint16_t got = 0;
  std::string why;
  earshot::ws_parse_close_payload(earshot::ws_close_payload(code, reason), &got, &why);
  FUZZ_CHECK(got == code && why == reason.substr(0, 123), "close payload round trip: code %u -> %u", code, got);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const size_t limit = 1 + size_t(in.u8()) * 67;
  fuzz::Splitter split(in.u8());
  const uint8_t sel = in.u8();
  const uint8_t* p = in.rest();
  const size_t n = in.left();
  const Outcome whole = read_whole(p, n, limit);
  const Outcome pieces = read_pieces(p, n, limit, split);
  FUZZ_CHECK(whole.messages == pieces.messages && whole.error == pieces.error && whole.why == pieces.why && whole.code == pieces.code,
             "pieces vs whole: %zu vs %zu messages, error %d/%d (%s / %s)", pieces.messages.size(), whole.messages.size(), pieces.error,
             whole.error, pieces.why.c_str(), whole.why.c_str());
  round_trip(p, n, sel);
  return 0;
}
