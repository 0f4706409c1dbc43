// Socket-free unit tests of the plugin's parts (`make check`): SHA-1 and base64 against their
// standards' test vectors, the RFC 6455 handshake and frame examples, the JSON reader and event
// formatting, and the SPSC ring (wrap-around, overflow accounting, a two-thread stress run).
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "base64.h"
#include "events.h"
#include "json_lite.h"
#include "sha1.h"
#include "spsc_ring.h"
#include "ws_frame.h"
#include "ws_handshake.h"

using namespace earshot;

static int g_failures = 0, g_checks = 0;
#define CHECK(cond)                                                          \
  do {                                                                       \
    g_checks++;                                                              \
    if (!(cond)) {                                                           \
      g_failures++;                                                          \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                        \
  } while (0)

static std::string hex(const std::array<uint8_t, 20>& d) {
  std::string s;
  char b[3];
  for (uint8_t x : d) std::snprintf(b, sizeof b, "%02x", x), s += b;
  return s;
}

static std::string sha1_hex(const std::string& s) { return hex(sha1(s.data(), s.size())); }

static std::string b64(const std::string& s) { return base64_encode(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

static std::vector<uint8_t> bytes(std::initializer_list<int> v) { return std::vector<uint8_t>(v.begin(), v.end()); }

static void test_sha1() {
  // FIPS 180-2 appendix A and the usual boundary cases.
  CHECK(sha1_hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(sha1_hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") == "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  CHECK(sha1_hex(std::string(1000000, 'a')) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  CHECK(sha1_hex("The quick brown fox jumps over the lazy dog") == "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
  // 55, 56 and 64 bytes: the padding fits in one block, needs a second one, or a whole extra block.
  CHECK(sha1_hex(std::string(55, 'a')) == "c1c8bbdc22796e28c0e15163d20899b65621d65a");
  CHECK(sha1_hex(std::string(56, 'a')) == "c2db330f6083854c99d4b5bfb6e8f29f201be699");
  CHECK(sha1_hex(std::string(64, 'a')) == "0098ba824b5c16427bd7a1122a5a442a25ec644d");
}

static void test_base64() {  // RFC 4648 §10
  CHECK(b64("") == "");
  CHECK(b64("f") == "Zg==");
  CHECK(b64("fo") == "Zm8=");
  CHECK(b64("foo") == "Zm9v");
  CHECK(b64("foob") == "Zm9vYg==");
  CHECK(b64("fooba") == "Zm9vYmE=");
  CHECK(b64("foobar") == "Zm9vYmFy");
}

static void test_handshake() {
  // RFC 6455 §1.3's example key and accept value.
  CHECK(ws_accept_for_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  const uint8_t nonce[16] = {0x74, 0x68, 0x65, 0x20, 0x73, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x20, 0x6e, 0x6f, 0x6e, 0x63, 0x65};
  CHECK(ws_make_key(nonce) == "dGhlIHNhbXBsZSBub25jZQ==");

  WsUrl u;
  std::string err;
  CHECK(ws_parse_url("ws://127.0.0.1:8765/v1/stream?x=1", &u, &err));
  CHECK(u.host == "127.0.0.1" && u.port == 8765 && u.target == "/v1/stream?x=1" && u.host_header == "127.0.0.1:8765");
  CHECK(ws_parse_url("ws://[::1]:9000/a", &u, &err) && u.host == "::1" && u.port == 9000 && u.target == "/a");
  CHECK(ws_parse_url("WS://engine?k=1", &u, &err) && u.host == "engine" && u.port == 80 && u.target == "/?k=1");
  CHECK(!ws_parse_url("wss://engine/v1/stream", &u, &err) && err.find("TLS") != std::string::npos);
  CHECK(!ws_parse_url("http://engine/", &u, &err));
  CHECK(!ws_parse_url("ws://engine:99999/", &u, &err));
  CHECK(!ws_parse_url("ws://:80/", &u, &err));
  CHECK(ws_append_query("ws://h/p", "a=1") == "ws://h/p?a=1");
  CHECK(ws_append_query("ws://h/p?t=x", "a=1") == "ws://h/p?t=x&a=1");

  const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";
  WsUrl req_url;
  ws_parse_url("ws://127.0.0.1:8765/v1/stream", &req_url, &err);
  const std::string req = ws_build_request(req_url, key, {"Authorization: Bearer t0k"});
  CHECK(req.rfind("GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1:8765\r\n", 0) == 0);
  CHECK(req.find("Sec-WebSocket-Key: " + key + "\r\n") != std::string::npos);
  CHECK(req.find("Authorization: Bearer t0k\r\n") != std::string::npos);
  CHECK(req.size() >= 4 && req.compare(req.size() - 4, 4, "\r\n\r\n") == 0);

  const std::string ok =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  CHECK(ws_check_response(ok, key, &err));
  const std::string mixed_case =
      "HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\n"
      "sec-websocket-accept:   s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  CHECK(ws_check_response(mixed_case, key, &err));
  std::string bad = ok;
  bad.replace(bad.find("s3pP"), 4, "AAAA");
  CHECK(!ws_check_response(bad, key, &err) && err.find("Accept") != std::string::npos);
  CHECK(!ws_check_response("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n", key, &err) && err.find("401") != std::string::npos);
  CHECK(!ws_check_response("HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", key, &err));
}

static void test_frames() {
  // RFC 6455 §5.7: a masked "Hello" from a client.
  const uint8_t mask[4] = {0x37, 0xfa, 0x21, 0x3d};
  std::vector<uint8_t> out;
  ws_encode_client_frame(WsOpcode::kText, reinterpret_cast<const uint8_t*>("Hello"), 5, mask, &out);
  CHECK(out == bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
  // Length encodings: 7-bit, 16-bit and 64-bit; the payload unmasks to the original.
  for (size_t n : {size_t(0), size_t(125), size_t(126), size_t(65535), size_t(65536), size_t(200000)}) {
    std::vector<uint8_t> payload(n);
    for (size_t i = 0; i < n; i++) payload[i] = uint8_t(i * 7 + 3);
    out.clear();
    ws_encode_client_frame(WsOpcode::kBinary, payload.data(), n, mask, &out);
    const size_t header = n < 126 ? 6 : n <= 65535 ? 8 : 14;
    CHECK(out.size() == header + n);
    CHECK(out[0] == 0x82 && (out[1] & 0x80));
    bool same = true;
    for (size_t i = 0; i < n; i++) same = same && uint8_t(out[header + i] ^ mask[i & 3]) == payload[i];
    CHECK(same);
  }

  WsFrameReader r(1 << 20);
  WsMessage m;
  std::string err;
  // RFC 6455 §5.7: an unmasked "Hello", fed one byte at a time.
  const std::vector<uint8_t> hello = bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
  for (size_t i = 0; i + 1 < hello.size(); i++) {
    r.feed(&hello[i], 1);
    CHECK(r.next(&m, &err) == WsFrameReader::Result::kNeedMore);
  }
  r.feed(&hello.back(), 1);
  CHECK(r.next(&m, &err) == WsFrameReader::Result::kMessage && m.opcode == WsOpcode::kText && m.payload == "Hello");
  // A fragmented "Hello" with a ping between the fragments (§5.4: control frames may interleave).
  const std::vector<uint8_t> frag = bytes({0x01, 0x03, 0x48, 0x65, 0x6c, 0x89, 0x02, 0x70, 0x21, 0x80, 0x02, 0x6c, 0x6f});
  r.feed(frag.data(), frag.size());
  CHECK(r.next(&m, &err) == WsFrameReader::Result::kMessage && m.opcode == WsOpcode::kPing && m.payload == "p!");
  CHECK(r.next(&m, &err) == WsFrameReader::Result::kMessage && m.opcode == WsOpcode::kText && m.payload == "Hello");
  CHECK(r.next(&m, &err) == WsFrameReader::Result::kNeedMore);
  // 256 bytes of binary with a 16-bit length, then a close frame with code 1001.
  std::vector<uint8_t> big = bytes({0x82, 0x7e, 0x01, 0x00});
  big.resize(4 + 256, 0xab);
  const std::string close = ws_close_payload(1001, "bye");
  big.push_back(0x88);
  big.push_back(uint8_t(close.size()));
  big.insert(big.end(), close.begin(), close.end());
  r.feed(big.data(), big.size());
  CHECK(r.next(&m, &err) == WsFrameReader::Result::kMessage && m.opcode == WsOpcode::kBinary && m.payload.size() == 256);
  CHECK(r.next(&m, &err) == WsFrameReader::Result::kMessage && m.opcode == WsOpcode::kClose);
  uint16_t code;
  std::string reason;
  ws_parse_close_payload(m.payload, &code, &reason);
  CHECK(code == 1001 && reason == "bye");
  ws_parse_close_payload("", &code, &reason);
  CHECK(code == 1005);

  // Violations: a masked server frame, a stray continuation, RSV bits, a fragmented ping, an oversized message.
  auto violation = [](std::vector<uint8_t> frame, size_t max, uint16_t want_code) {
    WsFrameReader rr(max);
    WsMessage mm;
    std::string e;
    uint16_t c = 0;
    rr.feed(frame.data(), frame.size());
    return rr.next(&mm, &e, &c) == WsFrameReader::Result::kError && c == want_code && !e.empty();
  };
  CHECK(violation(bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}), 1024, 1002));
  CHECK(violation(bytes({0x80, 0x01, 0x41}), 1024, 1002));
  CHECK(violation(bytes({0xc1, 0x01, 0x41}), 1024, 1002));
  CHECK(violation(bytes({0x09, 0x00}), 1024, 1002));
  CHECK(violation(bytes({0x83, 0x00}), 1024, 1002));
  CHECK(violation(bytes({0x82, 0x7e, 0x04, 0x00}), 1000, 1009));
}

static void test_json_and_events() {
  JsonValue v;
  std::string err;
  CHECK(json_parse(R"({"a":[1,-2.5e3,true,false,null],"s":"x\"\\\/\n\u00e9\ud83d\ude00","o":{}})", &v, &err));
  CHECK(v.get("a") && v.get("a")->array.size() == 5 && v.get("a")->array[1].number == -2500);
  CHECK(v.string_or("s", "") == "x\"\\/\n\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(v.get("o") && v.get("o")->type == JsonValue::Type::kObject && v.get("missing") == nullptr);
  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\x01\"", "tru", "{} x", "\"\\q\""}) {
    CHECK(!json_parse(bad, &v, &err));
  }
  std::string deep(100, '[');
  CHECK(!json_parse(deep + std::string(100, ']'), &v, &err));

  EngineEvent e;
  const std::string window =
      R"({"type":"window","seq":7,"t_start":6.989,"t_end":10.007,"windows":8,"dropped":0,)"
      R"("suggestions":[{"id":"s1398","title":"Neon","artist":"The Band","score":0.93},{"id":"s0450","title":"T","artist":"A","score":0.9}],)"
      R"("tags":[{"tag":"chiptune","p":0.97},{"tag":"calm","p":0.125}]})";
  CHECK(parse_engine_event(window, &e, &err));
  CHECK(e.type == "window" && e.seq == 7 && e.windows == 8 && std::fabs(e.t_end_s - 10.007) < 1e-12);
  CHECK(e.tags.size() == 2 && e.tags[0].first == "chiptune" && e.suggestions.size() == 2 && e.suggestions[1].id == "s0450");
  CHECK(format_event_line(e) ==
        "window seq=7 windows=8 t_end=10.007s tags: chiptune 0.970, calm 0.125 | suggestions: s1398 0.930, s0450 0.900 | "
        "top: The Band - Neon");
  CHECK(parse_engine_event(R"({"type":"error","code":"bad_audio","message":"NaN\nhere","retryable":false})", &e, &err));
  CHECK(format_event_line(e) == "engine error bad_audio: NaN here");
  CHECK(!parse_engine_event("[1]", &e, &err));
  CHECK(!parse_engine_event("{\"seq\":1}", &e, &err));
}

static void test_ring() {
  SpscRing<float> r;
  CHECK(r.init(5) && r.capacity() == 8);
  float in[8] = {0, 1, 2, 3, 4, 5, 6, 7}, out[8] = {};
  CHECK(r.push(in, 6) == 6 && r.readable() == 6);
  CHECK(r.pop(out, 4) == 4 && out[0] == 0 && out[3] == 3);
  // Wraps around the end of the buffer.
  CHECK(r.push(in, 5) == 5 && r.readable() == 7);
  CHECK(r.pop(out, 8) == 7 && out[0] == 4 && out[1] == 5 && out[2] == 0 && out[6] == 4);
  // Overflow keeps the oldest samples and counts the newest it drops.
  CHECK(r.push(in, 8) == 8 && r.push(in, 3) == 0 && r.dropped() == 3);
  CHECK(r.skip(5) == 5 && r.push(in, 7) == 5 && r.dropped() == 5);
  CHECK(r.written() == 6 + 5 + 8 + 5 && r.read() == 4 + 7 + 5);

  // Two threads, twice: a producer that retries what did not fit must deliver every sample exactly once,
  // in order; one that never waits (the audio thread's way) loses only what it counted as dropped.
  for (const bool lossless : {true, false}) {
    SpscRing<float> big;
    big.init(1024);
    const uint32_t total = 2000000;
    std::atomic<bool> done{false};
    std::thread producer([&] {
      float chunk[300];
      uint32_t next = 0, seed = 1;
      while (next < total) {
        seed = seed * 1103515245u + 12345u;
        const uint32_t n = std::min<uint32_t>(1 + (seed >> 16) % 300, total - next);
        for (uint32_t i = 0; i < n; i++) chunk[i] = float(next + i);
        for (uint32_t off = 0; off < n;) {
          off += uint32_t(big.push(chunk + off, n - off));
          if (!lossless) break;
          if (off < n) std::this_thread::yield();
        }
        next += n;
        if (!lossless && (seed & 7) == 0) std::this_thread::yield();
      }
      done.store(true);
    });
    float buf[512];
    uint64_t received = 0;
    float last = -1;
    bool ordered = true, consecutive = true;
    for (;;) {
      const bool finished = done.load();
      const size_t n = big.pop(buf, 1 + received % 512);
      for (size_t i = 0; i < n; i++) {
        ordered = ordered && buf[i] > last;
        consecutive = consecutive && buf[i] == last + 1;
        last = buf[i];
      }
      received += n;
      if (n == 0 && finished && big.readable() == 0) break;
    }
    producer.join();
    CHECK(ordered);
    if (lossless) CHECK(consecutive && received == total);
    else CHECK(received + big.dropped() == total);
    std::printf("ring stress (%s): %llu of %u samples through a 1024-slot ring, %llu push shortfalls counted as dropped\n",
                lossless ? "retrying producer" : "dropping producer", (unsigned long long)received, total,
                (unsigned long long)big.dropped());
  }
}

int main() {
  test_sha1();
  test_base64();
  test_handshake();
  test_frames();
  test_json_and_events();
  test_ring();
  std::printf("%d checks, %d failed\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
