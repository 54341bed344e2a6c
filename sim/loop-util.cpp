#include "loop-util.h"

namespace ipcam::sim {
namespace {

gboolean run_once(gpointer data) {
  (*static_cast<std::function<void()> *>(data))();
  return G_SOURCE_REMOVE;
}

void delete_fn(gpointer data) { delete static_cast<std::function<void()> *>(data); }

}  // namespace

GSource *call_later(unsigned ms, std::function<void()> fn) {
  GSource *s = g_timeout_source_new(ms);
  g_source_set_callback(s, run_once, new std::function<void()>(std::move(fn)), delete_fn);
  g_source_attach(s, g_main_context_get_thread_default());
  return s;
}

void invoke_on(GMainContext *context, std::function<void()> fn) {
  g_main_context_invoke_full(context, G_PRIORITY_DEFAULT, run_once,
                             new std::function<void()>(std::move(fn)), delete_fn);
}

}  // namespace ipcam::sim
