#include <atomic>
#include <cstdlib>
#include <cstring>

#include "dsp/dsp_kernels.h"

namespace earshot {

static bool cpuHasAvx2() {
#if defined(EARSHOT_HAVE_AVX2_KERNELS) && (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

static const DspKernels* chooseAuto() {
#ifdef EARSHOT_HAVE_AVX2_KERNELS
  const char* env = std::getenv("EARSHOT_SIMD");  // kill switch: EARSHOT_SIMD=generic
  if (!(env && std::strcmp(env, "generic") == 0) && cpuHasAvx2()) return &kernels_avx2::table;
#endif
  return &kernels_generic::table;
}

// Atomic: async mel workers read it on libuv threads while kernels() may switch it on the JS thread
// (a plain pointer was a data race). A lock-free load per frame; racing first calls store the same value.
static std::atomic<const DspKernels*> g_active{nullptr};

const DspKernels& activeKernels() {
  const DspKernels* k = g_active.load(std::memory_order_acquire);
  if (!k) {
    k = chooseAuto();
    g_active.store(k, std::memory_order_release);
  }
  return *k;
}

bool selectKernels(const char* name) {
  if (std::strcmp(name, "auto") == 0) { g_active = chooseAuto(); return true; }
  if (std::strcmp(name, "generic") == 0) { g_active = &kernels_generic::table; return true; }
#ifdef EARSHOT_HAVE_AVX2_KERNELS
  if (std::strcmp(name, "avx2") == 0 && cpuHasAvx2()) { g_active = &kernels_avx2::table; return true; }
#endif
  return false;
}

}  // namespace earshot
