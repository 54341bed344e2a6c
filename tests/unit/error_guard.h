// A GError out-parameter that frees itself, for the unit tests.
#pragma once

#include <glib.h>

#include <string>

namespace ipcam::test {

struct ErrorGuard {
  GError *e = nullptr;
  ErrorGuard() = default;
  ErrorGuard(const ErrorGuard &) = delete;
  ErrorGuard &operator=(const ErrorGuard &) = delete;
  ~ErrorGuard() { g_clear_error(&e); }
  // Clears any earlier error, so one guard serves several calls.
  GError **out() {
    g_clear_error(&e);
    return &e;
  }
  std::string message() const { return e ? e->message : "(no error)"; }
};

}  // namespace ipcam::test
