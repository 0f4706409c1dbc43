// The plugin's configuration, read from the environment once, in instantiate() (the host's
// instantiation thread). A patch:Parameter (a string parameter the host stores with the session and sets
// through the plugin's atom port) could replace EARSHOT_URL/EARSHOT_TOKEN later; environment variables
// work in every host today, lv2apply and jalv included.
#ifndef EARSHOT_LV2_CONFIG_H
#define EARSHOT_LV2_CONFIG_H

#include <string>

namespace earshot {

struct TapConfig {
  std::string url = "ws://127.0.0.1:8765/v1/stream";  // EARSHOT_URL: the engine's stream endpoint
  std::string token;                                  // EARSHOT_TOKEN: sent as Authorization: Bearer
  double ring_s = 30;                                 // EARSHOT_RING_S: audio buffered between threads (s)
  int final_wait_ms = 5000;                           // EARSHOT_FINAL_WAIT_MS: cleanup's bound for the final event
  int connect_timeout_ms = 2000;                      // EARSHOT_CONNECT_TIMEOUT_MS
  bool log_windows = true;                            // EARSHOT_LOG=final: log only final events (and errors)
};

TapConfig config_from_env();

}  // namespace earshot

#endif  // EARSHOT_LV2_CONFIG_H
