// Small helpers for the camera's GMainContext thread.
#pragma once

#include <glib.h>

#include <functional>

namespace ipcam::sim {

// Runs `fn` once after `ms` on the thread-default main context. The returned
// source (owned by the context; caller gets a ref) can be destroyed early.
GSource *call_later(unsigned ms, std::function<void()> fn);

// Runs `fn` on `context` (from any thread).
void invoke_on(GMainContext *context, std::function<void()> fn);

// Monotonic milliseconds.
inline int64_t now_ms() { return g_get_monotonic_time() / 1000; }

}  // namespace ipcam::sim
