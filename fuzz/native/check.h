// Shared by the libFuzzer harnesses in fuzz/native: a property check that reports and aborts (libFuzzer
// then saves the input as a crash), and a cursor over the fuzz input.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#define FUZZ_CHECK(cond, ...)                                                     \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n  ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                          \
      std::fprintf(stderr, "\n");                                                 \
      std::abort();                                                               \
    }                                                                             \
  } while (0)

namespace fuzz {

// Bitwise equality of two float arrays (memcmp with a null pointer is undefined even for 0 bytes).
inline bool same_bits(const float* a, const float* b, size_t n) { return n == 0 || std::memcmp(a, b, n * sizeof(float)) == 0; }

// Reads the input front to back; past the end every read gives 0.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : p_(data), n_(size) {}
  uint8_t u8() { return pos_ < n_ ? p_[pos_++] : 0; }
  uint16_t u16() { return uint16_t(u8() | (u8() << 8)); }
  uint32_t u32() { return uint32_t(u16()) | (uint32_t(u16()) << 16); }
  const uint8_t* rest() const { return p_ + pos_; }
  size_t left() const { return n_ - pos_; }

 private:
  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0;
};

// Deterministic piece sizes for splitting a stream into chunks (xorshift from a seed byte).
class Splitter {
 public:
  explicit Splitter(uint32_t seed) : s_(seed * 2654435761u + 1) {}
  size_t next(size_t max) {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 17;
    s_ ^= s_ << 5;
    return max == 0 ? 0 : s_ % (max + 1);
  }

 private:
  uint32_t s_;
};

}  // namespace fuzz
