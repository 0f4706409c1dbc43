// parallelFor over [0, n) in chunks handed out through an atomic counter. Each index is processed
// exactly once by exactly one thread; ALS rows are independent, so results do not depend on the
// schedule or the thread count. Threads are started per call: a call is a whole ALS sweep (>= ms).
#pragma once
#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace earshot {

template <typename Fn>  // fn(begin, end, threadIndex)
void parallelFor(int nThreads, int n, int chunk, Fn fn) {
  nThreads = std::max(1, std::min(nThreads, (n + chunk - 1) / std::max(chunk, 1)));
  std::atomic<int> next{0};
  std::exception_ptr error;
  std::mutex errorMu;
  auto worker = [&](int t) {
    try {
      for (;;) {
        const int b = next.fetch_add(chunk);
        if (b >= n) break;
        fn(b, std::min(n, b + chunk), t);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(errorMu);
      if (!error) error = std::current_exception();
      next.store(n);  // stop handing out work
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < nThreads; ++t) threads.emplace_back(worker, t);
  worker(0);
  for (auto& th : threads) th.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace earshot
