#include "dsp/plan_cache.h"

#include <map>
#include <mutex>
#include <tuple>

namespace earshot {

// A handful of configurations is typical (one per model); the caches are cleared past this size so a
// client cycling through parameters cannot grow memory without bound.
static constexpr size_t kMaxEntries = 64;

std::shared_ptr<const FftPlan> sharedFftPlan(int nFft) {
  static std::mutex mu;
  static std::map<int, std::shared_ptr<const FftPlan>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(nFft);
  if (it != cache.end()) return it->second;
  auto plan = std::make_shared<const FftPlan>(nFft);
  if (cache.size() >= kMaxEntries) cache.clear();
  cache.emplace(nFft, plan);
  return plan;
}

std::shared_ptr<const MelFilterbank> sharedMelFilterbank(const MelBankOptions& o) {
  using Key = std::tuple<double, int, int, double, double, bool, bool>;
  static std::mutex mu;
  static std::map<Key, std::shared_ptr<const MelFilterbank>> cache;
  const Key key{o.sampleRateHz, o.nFft, o.nMels, o.fminHz, o.fmaxHz, o.htk, o.slaneyNorm};
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  auto built = std::make_shared<MelFilterbank>(o);
  // The per-frame kernel reads only the sparse weights; the dense matrix (nMels x nBins doubles,
  // 1 GiB at nFft 65536 / nMels 4096) would otherwise stay cached: 64 entries could pin 64 GiB.
  std::vector<double>().swap(built->dense);
  std::shared_ptr<const MelFilterbank> bank = std::move(built);
  if (cache.size() >= kMaxEntries) cache.clear();
  cache.emplace(key, bank);
  return bank;
}

}  // namespace earshot
