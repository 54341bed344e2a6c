// Stored files: see files.h. A synchronous libsoup 3 GET streamed into a
// temporary file in the target folder, renamed only when complete.
#include "ipcam/download.h"
#include "ipcam/interface.h"

#include "ipcam/error.h"
#include "ipcam/part-file.h"
#include "ipcam/text.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#ifndef IPCAM_VERSION
#define IPCAM_VERSION "0"
#endif

namespace ipcam {

namespace {

constexpr size_t kChunk = 64 * 1024;
constexpr size_t kMaxNameLength = 255;  // NAME_MAX on Linux file systems

bool unsafe(const std::string &camera_path, const char *why, GError **error) {
  // The path itself may hold a NUL or control bytes: show it escaped.
  std::string visible;
  for (char c : camera_path) visible += c ? std::string(1, c) : std::string("\\0");
  g_autofree char *shown = g_strescape(visible.c_str(), "\\");
  g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_UNSAFE_PATH,
              "Refusing to save camera file \"%s\": %s. Nothing was downloaded", shown, why);
  return false;
}

bool write_all(int fd, const uint8_t *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= size_t(w);
  }
  return true;
}

std::string endpoint(const DownloadOptions &o) { return o.host + ":" + std::to_string(o.port); }

bool check_local_name(const std::string &camera_path, std::string &name, GError **error) {
  if (camera_path.empty()) return unsafe(camera_path, "the name is empty", error);
  if (camera_path.find('\0') != std::string::npos) return unsafe(camera_path, "it contains a NUL byte", error);
  if (camera_path.find('\\') != std::string::npos) return unsafe(camera_path, "it contains a backslash", error);
  // ".." anywhere means the camera (or whoever answers as one) tries to
  // point outside the folder; refuse the whole path, not just the last part.
  g_auto(GStrv) components = g_strsplit(camera_path.c_str(), "/", -1);
  for (char **c = components; *c; c++)
    if (std::strcmp(*c, "..") == 0) return unsafe(camera_path, "it contains a \"..\" component", error);
  // Camera paths are absolute (/mnt/sdcard/DCIM/...): only the last
  // component is used, so "/etc/passwd" is saved as "passwd" in the folder.
  std::string last = camera_path.substr(camera_path.rfind('/') + 1);
  if (last.empty()) return unsafe(camera_path, "it names a folder, not a file", error);
  if (last == ".") return unsafe(camera_path, "\".\" is not a file name", error);
  if (last.size() > kMaxNameLength) return unsafe(camera_path, "the name is too long", error);
  for (unsigned char c : last)
    if (c < 0x20 || c == 0x7F) return unsafe(camera_path, "the name contains control characters", error);
  name = last;
  return true;
}

}  // namespace

std::optional<std::string> safe_local_name(const std::string &camera_path, GError **error) {
  std::string name;
  if (!check_local_name(camera_path, name, error)) return std::nullopt;
  return name;
}

std::string file_url(const std::string &host, uint16_t port, const std::string &camera_path) {
  std::string path = camera_path.empty() || camera_path[0] != '/' ? "/" + camera_path : camera_path;
  g_autofree char *escaped = g_uri_escape_string(path.c_str(), G_URI_RESERVED_CHARS_ALLOWED_IN_PATH, FALSE);
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;  // IPv6 literal
  return "http://" + h + ":" + std::to_string(port) + escaped;
}

namespace {

// The local file's name and path; fails on an unsafe name, a missing folder
// or a file already there (unless overwriting).
bool prepare_target(const DownloadOptions &options, const std::string &camera_path, const std::string &dest_dir,
                    std::string &final_path, GError **error) {
  std::string name;
  if (!check_local_name(camera_path, name, error)) return false;
  if (options.host.empty()) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT, "No camera address given for the download");
    return false;
  }
  if (!g_file_test(dest_dir.c_str(), G_FILE_TEST_IS_DIR)) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_IO, "Cannot save into \"%s\": no such folder. Create it first",
                dest_dir.c_str());
    return false;
  }
  g_autofree char *path = g_build_filename(dest_dir.c_str(), name.c_str(), nullptr);
  final_path = path;
  if (!options.overwrite && g_file_test(path, G_FILE_TEST_EXISTS)) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_IO,
                "\"%s\" already exists. Remove it, choose another folder, or allow overwriting", path);
    return false;
  }
  return true;
}

// Empties the partial file (the next write goes to its start).
bool rewrite(PartFile &tmp, GError **error) {
  if (ftruncate(tmp.fd(), 0) == 0 && lseek(tmp.fd(), 0, SEEK_SET) == 0) return true;
  g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_IO, "Cannot rewrite %s: %s", tmp.path().c_str(), g_strerror(errno));
  return false;
}

// Opens the partial file (a new one, or the one an earlier run left when
// resuming); `offset` is where the download continues.
bool open_part(const DownloadOptions &options, const std::string &final_path, PartFile &tmp, uint64_t &offset,
               GError **error) {
  if (!(options.resume ? tmp.resume(final_path, error) : tmp.create(final_path, error))) return false;
  offset = tmp.size_at_open();
  // Longer than the listed file: not a prefix of it, start again.
  if (options.expected_size && offset > options.expected_size) {
    offset = 0;
    if (ftruncate(tmp.fd(), 0) != 0) {
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_IO, "Cannot rewrite %s: %s", tmp.path().c_str(),
                  g_strerror(errno));
      return false;
    }
  }
  return true;
}

// libsoup 3 makes its sockets itself: each is tied to the interface as it
// connects (network-event at G_SOCKET_CLIENT_CONNECTING).
struct InterfaceTie {
  const std::string *interface;
  std::string failure;
};

// The GET for `url` from `offset` on, never following a redirect.
SoupMessage *make_request(const DownloadOptions &options, const std::string &url, uint64_t offset,
                          InterfaceTie &tie, GError **error) {
  SoupMessage *msg = soup_message_new("GET", url.c_str());
  if (!msg) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT, "Cannot make a download address from %s",
                url.c_str());
    return nullptr;
  }
  // No redirects, not even to the same host: a camera has no reason to
  // send one, and following it would fetch another service's answer
  // (through the server, a request forgery).
  soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
  if (!options.interface.empty())
    g_signal_connect(msg, "network-event",
                     G_CALLBACK(+[](SoupMessage *, GSocketClientEvent event, GIOStream *connection, gpointer data) {
                       auto *t = static_cast<InterfaceTie *>(data);
                       if (event == G_SOCKET_CLIENT_CONNECTING)
                         bind_stream_to_interface(connection, *t->interface, &t->failure);
                     }),
                     &tie);
  if (offset) soup_message_headers_set_range(soup_message_get_request_headers(msg), goffset(offset), -1);
  return msg;
}

// Takes the answer's status: a range answer that continues at `offset`, or
// the whole file (then the partial file starts again); anything else fails.
bool accept_status(SoupMessage *msg, const DownloadOptions &options, const std::string &camera_path,
                   const std::string &url, PartFile &tmp, uint64_t &offset, uint64_t &done, GError **error) {
  const guint status = soup_message_get_status(msg);
  SoupMessageHeaders *headers = soup_message_get_response_headers(msg);
  goffset range_start = 0, range_end = 0, range_total = 0;
  if (status == SOUP_STATUS_PARTIAL_CONTENT && offset &&
      soup_message_headers_get_content_range(headers, &range_start, &range_end, &range_total) &&
      uint64_t(range_start) == offset) {
    g_debug("resuming %s at byte %" G_GUINT64_FORMAT, url.c_str(), offset);
  } else if (status == SOUP_STATUS_OK) {
    if (offset) {
      g_debug("%s: server ignored the range; downloading from the start", url.c_str());
      offset = done = 0;
      if (!rewrite(tmp, error)) return false;
    }
  } else if (SOUP_STATUS_IS_REDIRECTION(status)) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_HTTP,
                "The camera's HTTP server at %s answered %u (a redirect) for %s: redirects are not "
                "followed. Nothing was saved",
                endpoint(options).c_str(), status, escape_control(camera_path).c_str());
    return false;
  } else {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_HTTP,
                "The camera's HTTP server at %s answered %u %s for %s. Refresh the file list: the file may "
                "be gone",
                endpoint(options).c_str(), status, escape_control(soup_message_get_reason_phrase(msg)).c_str(),
                escape_control(camera_path).c_str());
    return false;
  }
  return true;
}

// The body's length from its header (0 = not given). The file list says how
// long the file is: a body that claims more or less is not that file, and
// must not fill the disk.
bool check_body_length(SoupMessage *msg, const DownloadOptions &options, const std::string &camera_path,
                       uint64_t offset, PartFile &tmp, uint64_t &body_length, GError **error) {
  SoupMessageHeaders *headers = soup_message_get_response_headers(msg);
  body_length = 0;
  if (soup_message_headers_get_encoding(headers) == SOUP_ENCODING_CONTENT_LENGTH)
    body_length = uint64_t(soup_message_headers_get_content_length(headers));
  if (options.expected_size && body_length && offset + body_length != options.expected_size) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_IO,
                "The camera's HTTP server sends %" G_GUINT64_FORMAT " bytes for %s, which the file list "
                "gives as %" G_GUINT64_FORMAT " bytes: not saved. Refresh the file list and try again",
                offset + body_length, escape_control(camera_path).c_str(), options.expected_size);
    tmp.set_keep(false);
    return false;
  }
  return true;
}

// Copies the body into the partial file, counting `done` and reporting
// progress against `total`.
bool copy_body(GInputStream *in, const DownloadOptions &options, const std::string &camera_path,
               const std::string &url, PartFile &tmp, uint64_t total, const ProgressCallback &progress,
               GCancellable *cancellable, uint64_t &done, GError **error) {
  std::vector<uint8_t> buf(kChunk);
  for (;;) {
    GError *e = nullptr;
    gssize n = g_input_stream_read(in, buf.data(), buf.size(), cancellable, &e);
    if (n < 0) {
      if (g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_CANCELLED, "Download of %s was cancelled", url.c_str());
      else
        g_set_error(error, IPCAM_ERROR,
                    g_error_matches(e, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ? IPCAM_ERROR_TIMEOUT
                                                                         : IPCAM_ERROR_CONNECTION_LOST,
                    "Download of %s broke off after %" G_GUINT64_FORMAT " bytes: %s", url.c_str(), done,
                    e->message);
      g_error_free(e);
      return false;
    }
    if (n == 0) return true;
    if (options.expected_size && done + uint64_t(n) > options.expected_size) {
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_IO,
                  "The camera's HTTP server sent more than the %" G_GUINT64_FORMAT " bytes the file list "
                  "gives for %s: stopped, nothing saved",
                  options.expected_size, escape_control(camera_path).c_str());
      tmp.set_keep(false);
      return false;
    }
    if (!write_all(tmp.fd(), buf.data(), size_t(n))) {
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_IO, "Cannot write %s: %s", tmp.path().c_str(),
                  g_strerror(errno));
      return false;
    }
    done += uint64_t(n);
    if (progress) progress(done, total);
  }
}

// One GET from `offset` on into the partial file; `done` ends as the
// partial file's length.
bool fetch(const DownloadOptions &options, const std::string &camera_path, PartFile &tmp, uint64_t offset,
           const ProgressCallback &progress, GCancellable *cancellable, uint64_t &done, GError **error) {
  const std::string url = file_url(options.host, options.port, camera_path);
  unsigned timeout_s = (options.timeout_ms + 999) / 1000;
  g_autoptr(SoupSession) session =
      soup_session_new_with_options("timeout", timeout_s, "user-agent", "ipcam/" IPCAM_VERSION, nullptr);
  InterfaceTie tie{&options.interface, {}};
  g_autoptr(SoupMessage) msg = make_request(options, url, offset, tie, error);
  if (!msg) return false;
  GError *e = nullptr;
  g_autoptr(GInputStream) in = soup_session_send(session, msg, cancellable, &e);
  // Runs before `in` is released (declared after it): a body stream closed
  // before its end makes libsoup read the rest, blocking and without the
  // cancellable (a cancelled or failed download); aborting the session
  // first closes the connection instead. The session serves this one
  // download, so nothing else is lost.
  struct AbortSession {
    SoupSession *session;
    ~AbortSession() { soup_session_abort(session); }
  } abort_first{session};
  if (!in) {
    if (g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_CANCELLED, "Download of %s was cancelled", url.c_str());
    else
      g_set_error(error, IPCAM_ERROR,
                  g_error_matches(e, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ? IPCAM_ERROR_TIMEOUT
                                                                       : IPCAM_ERROR_CANNOT_CONNECT,
                  "Cannot download %s: %s. Check that the camera's HTTP server is reachable at %s",
                  url.c_str(), tie.failure.empty() ? e->message : tie.failure.c_str(),
                  endpoint(options).c_str());
    g_error_free(e);
    return false;
  }
  if (!accept_status(msg, options, camera_path, url, tmp, offset, done, error)) return false;
  if (lseek(tmp.fd(), goffset(offset), SEEK_SET) < 0) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_IO, "Cannot seek in %s: %s", tmp.path().c_str(), g_strerror(errno));
    return false;
  }
  uint64_t body_length = 0;
  if (!check_body_length(msg, options, camera_path, offset, tmp, body_length, error)) return false;
  const uint64_t total = body_length ? offset + body_length : options.expected_size;
  if (!copy_body(in, options, camera_path, url, tmp, total, progress, cancellable, done, error)) return false;
  g_input_stream_close(in, nullptr, nullptr);
  if (body_length && done != offset + body_length) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_CONNECTION_LOST,
                "Download of %s ended early: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes",
                url.c_str(), done, offset + body_length);
    return false;
  }
  return true;
}

bool download_into(const DownloadOptions &options, const std::string &camera_path, const std::string &dest_dir,
                   const ProgressCallback &progress, GCancellable *cancellable, std::string *local_path,
                   GError **error) {
  std::string final_path;
  if (!prepare_target(options, camera_path, dest_dir, final_path, error)) return false;
  PartFile tmp;
  uint64_t offset = 0;
  if (!open_part(options, final_path, tmp, offset, error)) return false;
  uint64_t done = offset;
  // A complete partial file from an earlier run needs no request at all.
  const bool complete = options.resume && options.expected_size && offset == options.expected_size;
  if (!complete && !fetch(options, camera_path, tmp, offset, progress, cancellable, done, error)) return false;

  if (options.expected_size && done != options.expected_size) {
    if (done > options.expected_size) tmp.set_keep(false);  // no use resuming a file that is too long
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_IO,
                "Downloaded %s has %" G_GUINT64_FORMAT " bytes but the file list says %" G_GUINT64_FORMAT
                "; it was not saved. Refresh the file list and try again",
                escape_control(camera_path).c_str(), done, options.expected_size);
    return false;
  }
  if (!tmp.commit(error)) return false;
  if (local_path) *local_path = final_path;
  return true;
}

}  // namespace

std::optional<std::string> download_file(const DownloadOptions &options, const std::string &camera_path,
                                         const std::string &dest_dir, const ProgressCallback &progress,
                                         GCancellable *cancellable, GError **error) {
  std::string local;
  if (!download_into(options, camera_path, dest_dir, progress, cancellable, &local, error)) return std::nullopt;
  return local;
}

}  // namespace ipcam
