// Logging through the host's LV2 log feature (log:log + urid:map), or to stderr when the host offers
// none (lv2apply, for one). Thread: non-realtime only — instantiate, cleanup and the worker; run()
// never logs (the log spec allows only lv2:Trace messages from the audio thread).
#ifndef EARSHOT_LV2_PLUGIN_LOG_H
#define EARSHOT_LV2_PLUGIN_LOG_H

#include <cstdarg>

#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/urid/urid.h>

namespace earshot {

class PluginLog {
 public:
  // Thread: instantiation. Picks the host's log when both log:log and urid:map are among the features.
  void init(const LV2_Feature* const* features);
  bool uses_host_log() const { return log_ != nullptr; }

  // Each call writes one line "earshot: <message>".
  void note(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  void warning(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  void error(const char* fmt, ...) __attribute__((format(printf, 2, 3)));

 private:
  void vlog(LV2_URID type, const char* level, const char* fmt, va_list ap);

  LV2_Log_Log* log_ = nullptr;
  LV2_URID note_ = 0, warning_ = 0, error_ = 0;
};

}  // namespace earshot

#endif  // EARSHOT_LV2_PLUGIN_LOG_H
