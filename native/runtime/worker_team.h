// A team of persistent worker threads for algorithms that run thousands of short parallel rounds
// (k-means++ seeding: one round per candidate centre; Householder steps: one per column), where
// starting threads per round (thread_pool.h's parallelFor, ~20-50 µs) would cost more than the work.
// A round hands out chunks of [0, n) through an atomic counter, like parallelFor: each index is
// processed exactly once, so results that are combined in index order do not depend on the threads.
// Idle workers spin briefly (rounds follow each other within microseconds), then sleep.
#pragma once
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace earshot {

class WorkerTeam {
 public:
  explicit WorkerTeam(int threads) : size_(std::max(1, threads)) {
    for (int t = 1; t < size_; ++t) workers_.emplace_back([this, t] { loop(t); });
  }
  ~WorkerTeam() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      generation_.fetch_add(1);
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
  }
  WorkerTeam(const WorkerTeam&) = delete;
  WorkerTeam& operator=(const WorkerTeam&) = delete;

  int size() const { return size_; }

  // fn(begin, end, threadIndex) over chunks of [0, n). Runs inline when one chunk covers everything.
  template <typename Fn>
  void parallelFor(int n, int chunk, Fn fn) {
    chunk = std::max(1, chunk);
    if (n <= 0) return;
    if (size_ == 1 || n <= chunk) {
      fn(0, n, 0);
      return;
    }
    std::function<void(int, int, int)> body = fn;
    job_ = &body;
    n_ = n;
    chunk_ = chunk;
    next_.store(0);
    error_ = nullptr;
    busy_.store(size_ - 1);
    {
      std::lock_guard<std::mutex> lock(mu_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    work(0);
    while (busy_.load(std::memory_order_acquire) > 0) std::this_thread::yield();
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void work(int t) {
    try {
      for (;;) {
        const int b = next_.fetch_add(chunk_);
        if (b >= n_) break;
        (*job_)(b, std::min(n_, b + chunk_), t);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(errMu_);
      if (!error_) error_ = std::current_exception();
      next_.store(n_);
    }
  }
  void loop(int t) {
    unsigned seen = 0;
    for (;;) {
      // Spin ~50 µs for the next round before sleeping on the condition variable.
      const auto spinUntil = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
      while (generation_.load(std::memory_order_acquire) == seen && std::chrono::steady_clock::now() < spinUntil) {}
      if (generation_.load(std::memory_order_acquire) == seen) {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return generation_.load() != seen; });
      }
      seen = generation_.load(std::memory_order_acquire);
      if (stop_) return;
      work(t);
      busy_.fetch_sub(1, std::memory_order_release);
    }
  }

  const int size_;
  std::vector<std::thread> workers_;
  std::mutex mu_, errMu_;
  std::condition_variable cv_;
  std::atomic<unsigned> generation_{0};
  std::atomic<int> next_{0}, busy_{0};
  bool stop_ = false;
  std::function<void(int, int, int)>* job_ = nullptr;
  int n_ = 0, chunk_ = 1;
  std::exception_ptr error_;
};

}  // namespace earshot
