#include "plugin_log.h"

#include <cstdio>
#include <cstring>

namespace earshot {

void PluginLog::init(const LV2_Feature* const* features) {
  LV2_Log_Log* log = nullptr;
  LV2_URID_Map* map = nullptr;
  for (int i = 0; features && features[i]; i++) {
    if (std::strcmp(features[i]->URI, LV2_LOG__log) == 0) log = static_cast<LV2_Log_Log*>(features[i]->data);
    if (std::strcmp(features[i]->URI, LV2_URID__map) == 0) map = static_cast<LV2_URID_Map*>(features[i]->data);
  }
  if (log && map) {  // the log's message types are URIDs, so both are needed
    log_ = log;
    note_ = map->map(map->handle, LV2_LOG__Note);
    warning_ = map->map(map->handle, LV2_LOG__Warning);
    error_ = map->map(map->handle, LV2_LOG__Error);
  }
}

void PluginLog::vlog(LV2_URID type, const char* level, const char* fmt, va_list ap) {
  char msg[4096];  // one line; longer messages are cut (events list at most k suggestions)
  std::vsnprintf(msg, sizeof msg, fmt, ap);
  if (log_) {
    log_->printf(log_->handle, type, "earshot: %s\n", msg);
  } else {
    // One fprintf per line: stdio locks the stream, so lines from different threads do not interleave.
    std::fprintf(stderr, "earshot: %s%s\n", level, msg);
  }
}

void PluginLog::note(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(note_, "", fmt, ap);
  va_end(ap);
}

void PluginLog::warning(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(warning_, "warning: ", fmt, ap);
  va_end(ap);
}

void PluginLog::error(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(error_, "error: ", fmt, ap);
  va_end(ap);
}

}  // namespace earshot
