// Error domain shared by every part of libipcam, and ErrorGuard, the owning
// holder for the GErrors it sets.
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define IPCAM_ERROR (ipcam_error_quark())
GQuark ipcam_error_quark(void);

/**
 * IpcamError:
 * Codes of the IPCAM_ERROR domain. Messages are written for a person: they
 * name the problem and the next step.
 */
typedef enum {
  IPCAM_ERROR_FAILED,           /* anything else */
  IPCAM_ERROR_INVALID_ARGUMENT, /* caller passed something unusable (e.g. a user name over 63 bytes) */
  IPCAM_ERROR_CANNOT_CONNECT,   /* TCP connect refused or unreachable */
  IPCAM_ERROR_TIMEOUT,          /* no answer within the timeout */
  IPCAM_ERROR_NOT_IPCAM,        /* peer answered with bytes that are not this protocol */
  IPCAM_ERROR_LOGIN_REFUSED,    /* camera closed the connection at login: wrong password, or a camera that drops a second client */
  IPCAM_ERROR_CONNECTION_LOST,  /* the control connection dropped */
  IPCAM_ERROR_NOT_CONNECTED,    /* request made while no session is up */
  IPCAM_ERROR_PARSE,            /* a camera reply could not be decoded */
  IPCAM_ERROR_NO_CAMERA,        /* discovery found nothing */
  IPCAM_ERROR_IO,               /* local file or socket I/O failed */
  IPCAM_ERROR_UNSAFE_PATH,      /* a file name would escape its target folder */
  IPCAM_ERROR_HTTP,             /* the camera's HTTP server answered with an error */
  IPCAM_ERROR_CANCELLED,        /* the operation was cancelled */
  IPCAM_ERROR_LIMIT,            /* the camera sent more than a cap allows; the message names the cap */
  IPCAM_ERROR_EXISTS,           /* a file of that name appeared meanwhile and was not replaced */
  IPCAM_ERROR_BUSY,             /* login answered 0x1234: the camera already has a client (its phone app, or another ipcam) */
  IPCAM_ERROR_REFUSED,          /* the camera answered a request with a non-zero result; the message gives its number */
} IpcamError;

G_END_DECLS

#ifdef __cplusplus
#include <string>
#include <utility>

namespace ipcam {

// Owns the GError a call sets: pass out() where a GError ** goes, and the
// error is freed when the holder goes out of scope.
//
//   ipcam::ErrorGuard err;
//   if (!session.connect(nullptr, err.out())) std::puts(err.message().c_str());
class ErrorGuard {
 public:
  ErrorGuard() = default;
  ~ErrorGuard() { g_clear_error(&e_); }
  ErrorGuard(ErrorGuard &&other) noexcept : e_(other.release()) {}
  ErrorGuard &operator=(ErrorGuard &&other) noexcept {
    if (this != &other) {
      g_clear_error(&e_);
      e_ = other.release();
    }
    return *this;
  }
  ErrorGuard(const ErrorGuard &) = delete;
  ErrorGuard &operator=(const ErrorGuard &) = delete;

  // Clears any earlier error, so one holder serves several calls.
  GError **out() {
    g_clear_error(&e_);
    return &e_;
  }
  GError *get() const { return e_; }
  explicit operator bool() const { return e_ != nullptr; }
  bool matches(GQuark domain, int code) const { return g_error_matches(e_, domain, code); }
  // The error's message, or "(no error)".
  std::string message() const { return e_ ? e_->message : "(no error)"; }
  // Gives the error up, e.g. to g_propagate_error().
  GError *release() { return std::exchange(e_, nullptr); }

 private:
  GError *e_ = nullptr;
};

}  // namespace ipcam
#endif
