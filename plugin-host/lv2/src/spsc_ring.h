// Single-producer single-consumer lock-free ring buffer (the audio thread → the worker thread).
//
// Memory is allocated once, by init(), in the plugin's instantiate() (the host's instantiation thread);
// push() and pop() never allocate, lock or call the kernel, so push() is safe on the audio thread.
// The producer owns head_ (the total number of elements ever written), the consumer owns tail_ (ever
// read); each publishes its index with a release store and reads the other's with an acquire load, so
// the elements between them are fully written before the consumer sees them and fully read before the
// producer overwrites them. Indices are 64-bit and never wrap in practice (2^64 samples at 192 kHz is
// 3 million years); a slot is index & mask_.
//
// Overflow drops the NEWEST elements (what does not fit is not written) and adds their count to
// dropped_, an atomic the worker reports: an audio thread must never wait for the consumer.
#ifndef EARSHOT_LV2_SPSC_RING_H
#define EARSHOT_LV2_SPSC_RING_H

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>

namespace earshot {

template <typename T>
class SpscRing {
  static_assert(std::is_trivially_copyable<T>::value, "elements are copied with memcpy");
  static_assert(std::atomic<uint64_t>::is_always_lock_free, "the ring needs lock-free 64-bit atomics");

 public:
  SpscRing() = default;
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  // Thread: instantiation (before either side runs). Capacity is rounded up to a power of two.
  // Returns false when the allocation fails (never throws).
  bool init(size_t min_capacity) {
    size_t cap = 1;
    while (cap < min_capacity) cap <<= 1;
    buf_.reset(new (std::nothrow) T[cap]);
    if (!buf_) return false;
    capacity_ = cap;
    mask_ = cap - 1;
    head_.store(0, std::memory_order_relaxed);
    tail_.store(0, std::memory_order_relaxed);
    dropped_.store(0, std::memory_order_relaxed);
    return true;
  }

  size_t capacity() const { return capacity_; }

  // Thread: producer only (the audio thread). Wait-free: copies min(n, free space) elements, counts the
  // rest in dropped(), returns how many were written.
  size_t push(const T* x, size_t n) {
    const uint64_t head = head_.load(std::memory_order_relaxed);  // only this thread writes head_
    const uint64_t tail = tail_.load(std::memory_order_acquire);  // slots the consumer has released
    const size_t free_slots = capacity_ - static_cast<size_t>(head - tail);
    const size_t m = n < free_slots ? n : free_slots;
    if (m < n) dropped_.fetch_add(n - m, std::memory_order_relaxed);
    if (m == 0) return 0;
    const size_t at = static_cast<size_t>(head) & mask_;
    const size_t first = m < capacity_ - at ? m : capacity_ - at;  // up to the end of the buffer
    std::memcpy(&buf_[at], x, first * sizeof(T));
    if (m > first) std::memcpy(&buf_[0], x + first, (m - first) * sizeof(T));
    head_.store(head + m, std::memory_order_release);  // publish the written elements
    return m;
  }

  // Thread: consumer only (the worker). Copies up to max elements into out, returns how many.
  size_t pop(T* out, size_t max) {
    const uint64_t tail = tail_.load(std::memory_order_relaxed);  // only this thread writes tail_
    const uint64_t head = head_.load(std::memory_order_acquire);  // elements the producer published
    const size_t avail = static_cast<size_t>(head - tail);
    const size_t m = max < avail ? max : avail;
    if (m == 0) return 0;
    const size_t at = static_cast<size_t>(tail) & mask_;
    const size_t first = m < capacity_ - at ? m : capacity_ - at;
    std::memcpy(out, &buf_[at], first * sizeof(T));
    if (m > first) std::memcpy(out + first, &buf_[0], (m - first) * sizeof(T));
    tail_.store(tail + m, std::memory_order_release);  // hand the slots back to the producer
    return m;
  }

  // Thread: consumer. Discards up to max readable elements (e.g. stale audio while the engine is down).
  size_t skip(size_t max) {
    const uint64_t tail = tail_.load(std::memory_order_relaxed);
    const uint64_t head = head_.load(std::memory_order_acquire);
    const size_t avail = static_cast<size_t>(head - tail);
    const size_t m = max < avail ? max : avail;
    tail_.store(tail + m, std::memory_order_release);
    return m;
  }

  // Thread: consumer. Elements readable now (more may arrive at any moment).
  size_t readable() const {
    return static_cast<size_t>(head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_relaxed));
  }

  // Thread: any. Total elements ever written (the producer's index) and ever read (the consumer's).
  uint64_t written() const { return head_.load(std::memory_order_acquire); }
  uint64_t read() const { return tail_.load(std::memory_order_acquire); }

  // Thread: any. Elements lost to overflow since init().
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  std::unique_ptr<T[]> buf_;
  size_t capacity_ = 0;
  size_t mask_ = 0;
  // Separate cache lines: the two threads write different indices without false sharing.
  alignas(64) std::atomic<uint64_t> head_{0};
  alignas(64) std::atomic<uint64_t> tail_{0};
  alignas(64) std::atomic<uint64_t> dropped_{0};
};

}  // namespace earshot

#endif  // EARSHOT_LV2_SPSC_RING_H
