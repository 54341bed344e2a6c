// quiet_client_noise(): see client-noise.h.
#include "rtsp/client-noise.h"

#include <glib.h>

#include <atomic>
#include <cstring>
#include <string>
#include <vector>

namespace ipcam::server {

namespace {

std::atomic<bool> told{false};

const char *field(const GLogField *fields, gsize n, const char *key) {
  for (gsize i = 0; i < n; i++)
    if (!strcmp(fields[i].key, key) && fields[i].length < 0) return static_cast<const char *>(fields[i].value);
  return nullptr;
}

GLogWriterOutput writer(GLogLevelFlags level, const GLogField *fields, gsize n, gpointer data) {
  const char *domain = field(fields, n, "GLIB_DOMAIN");
  const char *text = field(fields, n, "MESSAGE");
  if (!domain || !text || strcmp(domain, "GStreamer-RTSP") || !g_str_has_prefix(text, "unknown transport field"))
    return g_log_writer_default(level, fields, n, data);
  if (told.exchange(true)) return G_LOG_WRITER_HANDLED;
  // The first one, as a message (the field's text escaped: it is the client's).
  g_autofree char *escaped = g_strescape(text + strlen("unknown transport field "), nullptr);
  const std::string said = std::string("a client's Transport header has a field this server does not know (") +
                           escaped + "): ignored; such fields are not logged again";
  std::vector<GLogField> copy(fields, fields + n);
  for (auto &f : copy)
    if (!strcmp(f.key, "MESSAGE")) f.value = said.c_str(), f.length = -1;
    else if (!strcmp(f.key, "PRIORITY")) f.value = "5", f.length = -1;
  return g_log_writer_default(G_LOG_LEVEL_MESSAGE, copy.data(), copy.size(), data);
}

}  // namespace

void quiet_client_noise() { g_log_set_writer_func(writer, nullptr, nullptr); }

}  // namespace ipcam::server
