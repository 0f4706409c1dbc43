#include "ws_frame.h"

namespace earshot {

void ws_encode_client_frame(WsOpcode op, const uint8_t* payload, size_t n, const uint8_t mask[4], std::vector<uint8_t>* out) {
  out->push_back(uint8_t(0x80 | uint8_t(op)));  // FIN, no RSV bits (no extension negotiated)
  if (n < 126) {
    out->push_back(uint8_t(0x80 | n));  // MASK bit + 7-bit length
  } else if (n <= 0xffff) {
    out->push_back(0x80 | 126);
    out->push_back(uint8_t(n >> 8));
    out->push_back(uint8_t(n));
  } else {
    out->push_back(0x80 | 127);
    for (int i = 7; i >= 0; i--) out->push_back(uint8_t(uint64_t(n) >> (8 * i)));
  }
  out->insert(out->end(), mask, mask + 4);
  const size_t at = out->size();
  out->resize(at + n);
  uint8_t* dst = out->data() + at;
  for (size_t i = 0; i < n; i++) dst[i] = payload[i] ^ mask[i & 3];
}

std::string ws_close_payload(uint16_t code, const std::string& reason) {
  std::string p;
  p += char(code >> 8);
  p += char(code & 0xff);
  p += reason.substr(0, 123);  // a control frame's payload is at most 125 bytes
  return p;
}

void ws_parse_close_payload(const std::string& payload, uint16_t* code, std::string* reason) {
  if (payload.size() < 2) {
    *code = 1005;  // "no status received" (RFC 6455 §7.4.1)
    reason->clear();
    return;
  }
  *code = uint16_t((uint8_t(payload[0]) << 8) | uint8_t(payload[1]));
  *reason = payload.substr(2);
}

void WsFrameReader::feed(const uint8_t* data, size_t n) {
  if (buf_pos_ > 0 && buf_pos_ == buf_.size()) {  // everything consumed: start over without copying
    buf_.clear();
    buf_pos_ = 0;
  } else if (buf_pos_ > 65536) {  // compact now and then
    buf_.erase(0, buf_pos_);
    buf_pos_ = 0;
  }
  buf_.append(reinterpret_cast<const char*>(data), n);
}

void WsFrameReader::reset() {
  buf_.clear();
  buf_pos_ = 0;
  in_message_ = false;
  message_.clear();
}

WsFrameReader::Result WsFrameReader::next(WsMessage* out, std::string* error, uint16_t* close_code) {
  auto fail = [&](const char* why, uint16_t code) {
    *error = why;
    if (close_code) *close_code = code;
    return Result::kError;
  };
  for (;;) {
    const size_t avail = buf_.size() - buf_pos_;
    const uint8_t* p = reinterpret_cast<const uint8_t*>(buf_.data()) + buf_pos_;
    if (avail < 2) return Result::kNeedMore;
    const bool fin = p[0] & 0x80;
    const uint8_t opcode = p[0] & 0x0f;
    if (p[0] & 0x70) return fail("RSV bits set without a negotiated extension", 1002);
    if (p[1] & 0x80) return fail("the server sent a masked frame", 1002);
    uint64_t len = p[1] & 0x7f;
    size_t header = 2;
    if (len == 126) {
      if (avail < 4) return Result::kNeedMore;
      len = (uint64_t(p[2]) << 8) | p[3];
      header = 4;
    } else if (len == 127) {
      if (avail < 10) return Result::kNeedMore;
      len = 0;
      for (int i = 0; i < 8; i++) len = (len << 8) | p[2 + i];
      if (len >> 63) return fail("64-bit length with the most significant bit set", 1002);
      header = 10;
    }
    const bool control = opcode & 0x8;
    if (control && (!fin || len > 125)) return fail("fragmented or oversized control frame", 1002);
    if (opcode != 0x0 && opcode != 0x1 && opcode != 0x2 && opcode != 0x8 && opcode != 0x9 && opcode != 0xA) {
      return fail("unknown opcode", 1002);
    }
    if (!control && len + (in_message_ ? message_.size() : 0) > max_message_bytes_) return fail("message too big", 1009);
    if (avail - header < len) return Result::kNeedMore;
    const char* payload = reinterpret_cast<const char*>(p + header);
    buf_pos_ += header + size_t(len);

    if (control) {  // may arrive between the fragments of a data message (§5.4)
      out->opcode = WsOpcode(opcode);
      out->payload.assign(payload, size_t(len));
      return Result::kMessage;
    }
    if (opcode == 0x0) {
      if (!in_message_) return fail("continuation frame without a message to continue", 1002);
      message_.append(payload, size_t(len));
    } else {
      if (in_message_) return fail("new data frame inside a fragmented message", 1002);
      in_message_ = true;
      message_opcode_ = WsOpcode(opcode);
      message_.assign(payload, size_t(len));
    }
    if (fin) {
      in_message_ = false;
      out->opcode = message_opcode_;
      out->payload.swap(message_);
      message_.clear();
      return Result::kMessage;
    }
  }
}

}  // namespace earshot
