#include "config.h"

#include <cstdlib>
#include <cstring>

namespace earshot {
namespace {

// A number from the environment within [lo, hi], else the default.
double env_number(const char* name, double fallback, double lo, double hi) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const double x = std::strtod(v, &end);
  return (*end == '\0' && x >= lo && x <= hi) ? x : fallback;
}

}  // namespace

TapConfig config_from_env() {
  TapConfig c;
  if (const char* u = std::getenv("EARSHOT_URL"); u && *u) c.url = u;
  if (const char* t = std::getenv("EARSHOT_TOKEN"); t && *t) c.token = t;
  c.ring_s = env_number("EARSHOT_RING_S", c.ring_s, 1, 600);
  c.final_wait_ms = int(env_number("EARSHOT_FINAL_WAIT_MS", c.final_wait_ms, 0, 60000));
  c.connect_timeout_ms = int(env_number("EARSHOT_CONNECT_TIMEOUT_MS", c.connect_timeout_ms, 50, 30000));
  if (const char* l = std::getenv("EARSHOT_LOG"); l && std::strcmp(l, "final") == 0) c.log_windows = false;
  return c;
}

}  // namespace earshot
