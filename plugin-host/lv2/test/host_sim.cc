// A minimal LV2 host for the tests (`make host-sim`): loads earshot.so from a bundle directory, offers
// it log:log and urid:map (the path lv2apply does not take), and runs SEGMENTS activations of SECONDS
// of a test tone each, in 256-frame blocks as fast as it can, with deactivate()/activate() between them
// — what a DAW does between takes. It also checks the audio thread's contract: malloc/calloc/realloc/
// free and pthread_mutex_lock are interposed and counted while run() executes (must stay 0), and run()'s
// time per block is measured.
//   usage: host_sim BUNDLE_DIR SEGMENTS SECONDS
// Output (stdout): the plugin's log lines as "host-log <Note|Warning|Error>: …", then
// "run: <blocks> blocks, <mean> us/block, <max> us max, allocations=<n>, locks=<n>, passthrough=<ok|BAD> (mallocs
// seen in all threads: <n>)" — the last number, > 0, shows that the interposition works.
#include <dlfcn.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/urid/urid.h>

// ---- Interposed allocation and locking, counted only inside run() (thread-local flag). ----

extern "C" void* __libc_malloc(size_t);
extern "C" void* __libc_calloc(size_t, size_t);
extern "C" void* __libc_realloc(void*, size_t);
extern "C" void __libc_free(void*);

static thread_local bool t_in_run = false;
static unsigned long g_allocs_in_run = 0, g_locks_in_run = 0;
static std::atomic<unsigned long> g_allocs_total{0};  // all threads: proves the interposition works

extern "C" void* malloc(size_t n) {
  g_allocs_total.fetch_add(1, std::memory_order_relaxed);
  if (t_in_run) g_allocs_in_run++;
  return __libc_malloc(n);
}
extern "C" void* calloc(size_t a, size_t b) {
  if (t_in_run) g_allocs_in_run++;
  return __libc_calloc(a, b);
}
extern "C" void* realloc(void* p, size_t n) {
  if (t_in_run) g_allocs_in_run++;
  return __libc_realloc(p, n);
}
extern "C" void free(void* p) {
  if (t_in_run && p) g_allocs_in_run++;
  __libc_free(p);
}
extern "C" int pthread_mutex_lock(pthread_mutex_t* m) {
  using Fn = int (*)(pthread_mutex_t*);
  static Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "pthread_mutex_lock"));
  if (t_in_run) g_locks_in_run++;
  return real(m);
}

// ---- Host features: urid:map and log:log (called from the plugin's worker thread). ----

static std::mutex g_map_mutex;
static std::vector<std::string> g_uris;

static LV2_URID map_uri(LV2_URID_Map_Handle, const char* uri) {
  std::lock_guard<std::mutex> lock(g_map_mutex);
  for (size_t i = 0; i < g_uris.size(); i++) {
    if (g_uris[i] == uri) return LV2_URID(i + 1);
  }
  g_uris.push_back(uri);
  return LV2_URID(g_uris.size());
}

static std::string unmap(LV2_URID id) {
  std::lock_guard<std::mutex> lock(g_map_mutex);
  if (id == 0 || id > g_uris.size()) return "?";
  const std::string& u = g_uris[id - 1];
  return u.substr(u.find('#') + 1);
}

static int log_vprintf(LV2_Log_Handle, LV2_URID type, const char* fmt, va_list ap) {
  char msg[8192];
  std::vsnprintf(msg, sizeof msg, fmt, ap);
  std::printf("host-log %s: %s", unmap(type).c_str(), msg);
  std::fflush(stdout);
  return 0;
}

static int log_printf(LV2_Log_Handle h, LV2_URID type, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int r = log_vprintf(h, type, fmt, ap);
  va_end(ap);
  return r;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: host_sim BUNDLE_DIR SEGMENTS SECONDS\n");
    return 2;
  }
  const std::string so = std::string(argv[1]) + "/earshot.so";
  const int segments = std::atoi(argv[2]);
  const double seconds = std::atof(argv[3]);
  const double rate = 44100;
  const uint32_t block = 256;

  void* lib = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) return std::fprintf(stderr, "dlopen: %s\n", dlerror()), 1;
  auto entry = reinterpret_cast<LV2_Descriptor_Function>(dlsym(lib, "lv2_descriptor"));
  const LV2_Descriptor* d = entry ? entry(0) : nullptr;
  if (!d) return std::fprintf(stderr, "no descriptor\n"), 1;

  LV2_URID_Map map = {nullptr, map_uri};
  LV2_Log_Log log = {nullptr, log_printf, log_vprintf};
  LV2_Feature map_feature = {LV2_URID__map, &map};
  LV2_Feature log_feature = {LV2_LOG__log, &log};
  const LV2_Feature* features[] = {&map_feature, &log_feature, nullptr};
  LV2_Handle h = d->instantiate(d, rate, argv[1], features);
  if (!h) return std::fprintf(stderr, "instantiate failed\n"), 1;

  std::vector<float> in(block), out(block);
  float enabled = 1, hop = 1, connected = 0, windows = 0, top_tag_p = 0, top_score = 0, dropped_s = 0;
  float* ports[] = {in.data(), out.data(), &enabled, &hop, &connected, &windows, &top_tag_p, &top_score, &dropped_s};
  for (uint32_t p = 0; p < 9; p++) d->connect_port(h, p, ports[p]);

  bool passthrough = true;
  unsigned long blocks = 0;
  double total_us = 0, max_us = 0;
  for (int s = 0; s < segments; s++) {
    d->activate(h);
    const size_t n = size_t(seconds * rate);
    const double f = 220.0 * (s + 2);  // a different tone per segment
    for (size_t i = 0; i < n; i += block) {
      const uint32_t m = uint32_t(std::min<size_t>(block, n - i));
      for (uint32_t k = 0; k < m; k++) in[k] = float(0.25 * std::sin(2 * M_PI * f * double(i + k) / rate));
      const auto t0 = std::chrono::steady_clock::now();
      t_in_run = true;
      d->run(h, m);
      t_in_run = false;
      const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
      total_us += us;
      max_us = std::max(max_us, us);
      blocks++;
      passthrough = passthrough && std::memcmp(in.data(), out.data(), m * sizeof(float)) == 0;
    }
    d->deactivate(h);
  }
  d->cleanup(h);
  std::printf("run: %lu blocks, %.3f us/block, %.1f us max, allocations=%lu, locks=%lu, passthrough=%s (mallocs seen in all "
              "threads: %lu)\n", blocks, total_us / double(blocks), max_us, g_allocs_in_run, g_locks_in_run,
              passthrough ? "ok" : "BAD", g_allocs_total.load());
  dlclose(lib);
  return 0;
}
