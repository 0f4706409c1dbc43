#include "ws_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "ws_handshake.h"

namespace earshot {
namespace {

using Clock = std::chrono::steady_clock;

int ms_left(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : int(left);
}

// Waits until fd is readable/writable (events) or the deadline; retries on EINTR. >0 ready, 0 timeout.
int wait_fd(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, ms_left(deadline));
    if (r < 0 && errno == EINTR) continue;
    if (r > 0 && (p.revents & (POLLERR | POLLNVAL)) && !(p.revents & events)) return -1;
    return r;
  }
}

// A TCP connection to one address within the deadline (non-blocking connect, then back to blocking).
int connect_addr(const addrinfo* ai, Clock::time_point deadline, std::string* error) {
  const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) return (*error = std::string("socket: ") + std::strerror(errno), -1);
  const int flags = ::fcntl(fd, F_GETFL, 0);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  int r = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
  if (r < 0 && errno == EINPROGRESS) {
    r = wait_fd(fd, POLLOUT, deadline);
    if (r == 0) {
      *error = "connect timed out";
      ::close(fd);
      return -1;
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) errno = err, r = -1;
    else r = 0;
  }
  if (r < 0) {
    *error = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, flags);  // blocking again; every later call is preceded by poll()
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // 50-ms frames go out at once
  return fd;
}

}  // namespace

WsClient::WsClient() : reader_(16u << 20), in_buf_(64 * 1024), rng_(std::random_device{}()) {}

WsClient::~WsClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool WsClient::connect(const std::string& url, const std::vector<std::string>& extra_headers, int timeout_ms, std::string* error) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  reader_.reset();
  close_sent_ = false;
  close_code_ = 0;
  close_reason_.clear();
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  WsUrl u;
  if (!ws_parse_url(url, &u, error)) return false;

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;  // an IP literal never touches DNS
  addrinfo* res = nullptr;
  const std::string port = std::to_string(u.port);
  if (::getaddrinfo(u.host.c_str(), port.c_str(), &hints, &res) != 0) {
    hints.ai_flags = AI_NUMERICSERV;  // a name: the resolver may block (/etc/hosts answers "localhost" at once)
    const int g = ::getaddrinfo(u.host.c_str(), port.c_str(), &hints, &res);
    if (g != 0) return (*error = "cannot resolve " + u.host + ": " + gai_strerror(g), false);
  }
  int fd = -1;
  for (addrinfo* ai = res; ai && fd < 0; ai = ai->ai_next) fd = connect_addr(ai, deadline, error);
  ::freeaddrinfo(res);
  if (fd < 0) return false;
  fd_ = fd;

  uint8_t nonce[16];
  for (uint8_t& b : nonce) b = uint8_t(rng_());
  const std::string key = ws_make_key(nonce);
  const std::string req = ws_build_request(u, key, extra_headers);
  if (!send_all(reinterpret_cast<const uint8_t*>(req.data()), req.size(), ms_left(deadline))) {
    *error = "sending the upgrade request: " + close_reason_;
    return false;
  }
  // Read the answer's head; bytes after the blank line already belong to the WebSocket stream.
  std::string head;
  for (;;) {
    const size_t end = head.find("\r\n\r\n");
    if (end != std::string::npos) {
      if (!ws_check_response(head.substr(0, end + 4), key, error)) {
        drop(1002, *error);
        return false;
      }
      reader_.feed(reinterpret_cast<const uint8_t*>(head.data()) + end + 4, head.size() - end - 4);
      return true;
    }
    if (head.size() > 16384) return (drop(1002, "oversized HTTP answer"), *error = close_reason_, false);
    const int w = wait_fd(fd_, POLLIN, deadline);
    if (w <= 0) return (drop(1006, "no upgrade answer in time"), *error = close_reason_, false);
    const ssize_t n = ::recv(fd_, in_buf_.data(), in_buf_.size(), MSG_DONTWAIT);
    if (n == 0) return (drop(1006, "the engine closed the connection during the upgrade"), *error = close_reason_, false);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return (drop(1006, std::string("recv: ") + std::strerror(errno)), *error = close_reason_, false);
    }
    head.append(reinterpret_cast<const char*>(in_buf_.data()), size_t(n));
  }
}

bool WsClient::send_all(const uint8_t* p, size_t n, int timeout_ms) {
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (n > 0) {
    if (fd_ < 0) return false;
    const int w = wait_fd(fd_, POLLOUT, deadline);
    if (w == 0) return (drop(1006, "send timed out (the engine stopped reading)"), false);
    if (w < 0) return (drop(1006, "socket error"), false);
    const ssize_t s = ::send(fd_, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (s < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return (drop(1006, std::string("send: ") + std::strerror(errno)), false);
    }
    p += s;
    n -= size_t(s);
  }
  return true;
}

bool WsClient::send_frame(WsOpcode op, const uint8_t* payload, size_t n, int timeout_ms) {
  if (fd_ < 0) return false;
  uint8_t mask[4];
  const uint32_t r = rng_();
  std::memcpy(mask, &r, 4);
  out_.clear();
  ws_encode_client_frame(op, payload, n, mask, &out_);
  return send_all(out_.data(), out_.size(), timeout_ms);
}

bool WsClient::send_binary(const void* data, size_t n, int timeout_ms) {
  return send_frame(WsOpcode::kBinary, static_cast<const uint8_t*>(data), n, timeout_ms);
}

bool WsClient::send_text(const std::string& text, int timeout_ms) {
  return send_frame(WsOpcode::kText, reinterpret_cast<const uint8_t*>(text.data()), text.size(), timeout_ms);
}

WsClient::Poll WsClient::poll_text(std::string* text, int timeout_ms) {
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (fd_ < 0) return Poll::kClosed;
    WsMessage m;
    std::string why;
    uint16_t code = 1002;
    const WsFrameReader::Result r = reader_.next(&m, &why, &code);
    if (r == WsFrameReader::Result::kError) {
      const std::string payload = ws_close_payload(code, why);
      send_frame(WsOpcode::kClose, reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), 100);
      drop(code, "protocol error from the engine: " + why);
      return Poll::kClosed;
    }
    if (r == WsFrameReader::Result::kMessage) {
      switch (m.opcode) {
        case WsOpcode::kText:
          text->swap(m.payload);
          return Poll::kText;
        case WsOpcode::kPing:  // §5.5.2: answer with the same payload
          send_frame(WsOpcode::kPong, reinterpret_cast<const uint8_t*>(m.payload.data()), m.payload.size(), 1000);
          continue;
        case WsOpcode::kClose: {
          uint16_t c;
          std::string reason;
          ws_parse_close_payload(m.payload, &c, &reason);
          if (!close_sent_) {  // echo the code, then the server closes TCP (§5.5.1)
            const std::string payload = ws_close_payload(c == 1005 ? 1000 : c, "");
            send_frame(WsOpcode::kClose, reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), 100);
          }
          drop(c, reason.empty() ? "closed by the engine" : reason);
          return Poll::kClosed;
        }
        default:  // pong, binary: nothing to do
          continue;
      }
    }
    const int w = wait_fd(fd_, POLLIN, deadline);
    if (w == 0) return Poll::kTimeout;
    if (w < 0) return (drop(1006, "socket error"), Poll::kClosed);
    const ssize_t n = ::recv(fd_, in_buf_.data(), in_buf_.size(), MSG_DONTWAIT);
    if (n == 0) return (drop(1006, "connection closed by the engine without a close frame"), Poll::kClosed);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return (drop(1006, std::string("recv: ") + std::strerror(errno)), Poll::kClosed);
    }
    reader_.feed(in_buf_.data(), size_t(n));
  }
}

void WsClient::close(uint16_t code, int timeout_ms) {
  if (fd_ < 0) return;
  const std::string payload = ws_close_payload(code, "");
  close_sent_ = send_frame(WsOpcode::kClose, reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), timeout_ms);
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string ignored;
  // Events still in flight are read and dropped until the engine's close frame or EOF.
  while (fd_ >= 0 && close_sent_ && Clock::now() < deadline) {
    if (poll_text(&ignored, ms_left(deadline)) == Poll::kTimeout) break;
  }
  if (fd_ >= 0) drop(code, "closed by the plugin");
}

void WsClient::drop(uint16_t code, const std::string& why) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  close_code_ = code;
  close_reason_ = why;
}

}  // namespace earshot
