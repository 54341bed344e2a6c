// Client of ipcam-rtsp-server's HTTP control API (libsoup 3, synchronous:
// every command runs on its own worker thread).
#include "server-client.h"

#include "ipcam/part-file.h"
#include "ipcam/text.h"

#include <glib/gstdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace ipcam::cli {

namespace {

// Answers the server's Digest/Basic challenge once with --user/--password.
gboolean on_authenticate(SoupMessage *, SoupAuth *auth, gboolean retrying, gpointer data) {
  if (retrying) return FALSE;
  auto *opt = static_cast<const GlobalOptions *>(data);
  soup_auth_authenticate(auth, opt->camera.user.c_str(), opt->camera.password.c_str());
  return TRUE;
}

std::string escape_query(const std::string &value) {
  g_autofree char *e = g_uri_escape_string(value.c_str(), nullptr, FALSE);
  return e;
}

}  // namespace

ServerClient::ServerClient(const Context &ctx) : ctx_(ctx), base_(ctx.opt.server) {
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
  if (base_.find("://") == std::string::npos) base_ = "http://" + base_;
  if (!ctx.opt.server_camera.empty()) api_ = "/api/cameras/" + ctx.opt.server_camera;
  unsigned t = timeout_ms(ctx.opt, 30000);
  session_ = soup_session_new_with_options("timeout", (t + 999) / 1000, "idle-timeout",
                                           (t + 999) / 1000, "user-agent",
                                           "ipcam/" IPCAM_VERSION, nullptr);
}

ServerClient::~ServerClient() { g_clear_object(&session_); }

SoupMessage *ServerClient::message(const char *method, const std::string &path_and_query) {
  std::string url = base_ + path_and_query;
  SoupMessage *msg = soup_message_new(method, url.c_str());
  if (!msg) return nullptr;
  // The server never redirects; a redirect would send the request elsewhere.
  soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
  g_signal_connect(msg, "authenticate", G_CALLBACK(on_authenticate),
                     const_cast<GlobalOptions *>(&ctx_.opt));
  return msg;
}

Failure ServerClient::transport_failure(const GError *error, const std::string &what) const {
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return {kExitInterrupted, what + ": interrupted"};
  Failure f;
  f.code = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ? kExitTimeout : kExitNoCamera;
  f.message = what + ": cannot reach ipcam-rtsp-server at " + base_ + " (" + error->message +
              "); is it running, and is --server the 'control' URL of its ready line?";
  return f;
}

Failure ServerClient::http_failure(SoupMessage *msg, GBytes *body, const std::string &what) const {
  guint status = soup_message_get_status(msg);
  // The server explains itself in {"error": "..."}.
  std::string detail;
  if (body && g_bytes_get_size(body) > 0) {
    g_autoptr(JsonParser) parser = json_parser_new();
    gsize len = 0;
    auto *data = static_cast<const char *>(g_bytes_get_data(body, &len));
    if (json_parser_load_from_data(parser, data, static_cast<gssize>(len), nullptr)) {
      JsonNode *root = json_parser_get_root(parser);
      if (root && JSON_NODE_HOLDS_OBJECT(root)) {
        JsonObject *o = json_node_get_object(root);
        if (json_object_has_member(o, "error"))
          detail = json_object_get_string_member_with_default(o, "error", "");
      }
    }
  }
  if (detail.empty()) detail = soup_message_get_reason_phrase(msg) ? soup_message_get_reason_phrase(msg) : "";
  Failure f;
  // The server quotes the camera's text; a terminal must not act on it.
  f.message = what + ": server answered " + std::to_string(status) + " " + shown_text(detail);
  switch (status) {
    case SOUP_STATUS_UNAUTHORIZED:
    case SOUP_STATUS_FORBIDDEN:
      f.code = kExitLoginRefused;
      f.message += "; give the server's user and password with --user and --password";
      break;
    case SOUP_STATUS_SERVICE_UNAVAILABLE:
      f.code = kExitNoCamera;
      break;
    case SOUP_STATUS_CONFLICT:
      // The server could not log in: the camera has another client.
      f.code = kExitLoginRefused;
      f.message += "; the camera is busy with another client: close the phone app connected to it";
      break;
    case SOUP_STATUS_GATEWAY_TIMEOUT:
      f.code = kExitTimeout;
      break;
    case SOUP_STATUS_BAD_REQUEST:
      f.code = kExitUsage;
      break;
    case SOUP_STATUS_NOT_FOUND:
    case SOUP_STATUS_BAD_GATEWAY:
      f.code = kExitIo;
      break;
    default:
      f.code = kExitFailed;
  }
  return f;
}

GBytes *ServerClient::request(const char *method, const std::string &path_and_query,
                              Failure &failure, SoupMessage **out_msg) {
  std::string what = std::string(method) + " " + path_and_query;
  g_autoptr(SoupMessage) msg = message(method, path_and_query);
  if (!msg) {
    failure = {kExitUsage, "--server " + ctx_.opt.server + " is not a valid URL"};
    return nullptr;
  }
  verbose(ctx_, "%s %s%s", method, base_.c_str(), path_and_query.c_str());
  g_autoptr(GError) error = nullptr;
  g_autoptr(GBytes) body = soup_session_send_and_read(session_, msg, ctx_.cancellable, &error);
  if (!body) {
    failure = transport_failure(error, what);
    return nullptr;
  }
  if (!SOUP_STATUS_IS_SUCCESSFUL(soup_message_get_status(msg))) {
    failure = http_failure(msg, body, what);
    return nullptr;
  }
  if (out_msg) *out_msg = static_cast<SoupMessage *>(g_object_ref(msg));
  return static_cast<GBytes *>(g_steal_pointer(&body));
}

// The answer of a JSON endpoint, or nullptr (with `failure`).
static JsonNode *parse_json_answer(GBytes *body, const char *what, Failure &failure) {
  g_autoptr(JsonParser) parser = json_parser_new();
  gsize len = 0;
  auto *data = static_cast<const char *>(g_bytes_get_data(body, &len));
  if (!json_parser_load_from_data(parser, data, static_cast<gssize>(len), nullptr) ||
      !json_parser_get_root(parser)) {
    failure = {kExitFailed, std::string(what) + ": the server's answer is not JSON"};
    return nullptr;
  }
  return json_node_copy(json_parser_get_root(parser));
}

JsonNode *ServerClient::status(Failure &failure) {
  g_autoptr(GBytes) body = request("GET", api_ + "/status", failure);
  if (!body) return nullptr;
  return parse_json_answer(body, "GET /api/status", failure);
}

bool ServerClient::files(std::vector<FileEntry> &out, Failure &failure) {
  g_autoptr(GBytes) body = request("GET", api_ + "/files", failure);
  if (!body) return false;
  g_autoptr(JsonNode) root = parse_json_answer(body, "GET /api/files", failure);
  if (!root) return false;
  if (!JSON_NODE_HOLDS_ARRAY(root)) {
    failure = {kExitFailed, "GET /api/files: the server's answer is not a JSON array"};
    return false;
  }
  JsonArray *a = json_node_get_array(root);
  if (json_array_get_length(a) > ctx_.opt.max_files) {
    failure = {kExitFailed, "GET /files: the server lists " +
                                std::to_string(json_array_get_length(a)) + " files, more than " +
                                std::to_string(ctx_.opt.max_files) +
                                " (the file list cap; option: --max-files N)"};
    return false;
  }
  for (guint i = 0; i < json_array_get_length(a); i++) {
    JsonObject *o = json_array_get_object_element(a, i);
    if (!o || !json_object_has_member(o, "path")) continue;
    FileEntry f;
    f.path = json_object_get_string_member_with_default(o, "path", "");
    f.size = static_cast<uint64_t>(json_object_get_int_member_with_default(o, "size", 0));
    out.push_back(std::move(f));
  }
  return true;
}

bool ServerClient::record(bool start, Failure &failure) {
  g_autoptr(GBytes) body = request("POST", api_ + (start ? "/record/start" : "/record/stop"), failure);
  return body != nullptr;
}

bool ServerClient::still(bool want_image, GBytes **image, std::string &card_path,
                         Failure &failure) {
  SoupMessage *raw_msg = nullptr;
  g_autoptr(GBytes) body =
      request("POST", api_ + (want_image ? "/still" : "/still?fetch=false"), failure, &raw_msg);
  g_autoptr(SoupMessage) msg = raw_msg;
  if (!body) return false;
  if (const char *p = soup_message_headers_get_one(soup_message_get_response_headers(msg),
                                                   "X-Ipcam-Path"))
    card_path = p;
  if (image) *image = static_cast<GBytes *>(g_steal_pointer(&body));
  return true;
}

bool ServerClient::download(const FileEntry &file, const std::string &dest_dir, bool resume,
                            const ProgressCallback &progress, std::string &local_path,
                            Failure &failure) {
  const std::string what = "fetching " + escape_control(file.path);
  g_autoptr(GError) error = nullptr;
  const auto safe = safe_local_name(file.path, &error);
  if (!safe) {
    failure = failure_from(error, what);
    return false;
  }
  const std::string &name = *safe;
  const std::string final_path = dest_dir + G_DIR_SEPARATOR_S + name;
  // A fresh NAME.XXXXXX.part, or for --continue NAME.part checked to be a
  // regular file of ours: never through a planted symlink.
  PartFile part;
  if (!(resume ? part.resume(final_path, &error) : part.create(final_path, &error))) {
    failure = failure_from(error, what);
    failure.code = kExitIo;
    return false;
  }
  uint64_t offset = part.size_at_open();
  if (file.size && offset >= file.size) offset = 0;  // nothing to resume from: start over

  g_autoptr(SoupMessage) msg = message("GET", api_ + "/files/download?path=" + escape_query(file.path));
  if (!msg) {
    failure = {kExitUsage, "--server " + ctx_.opt.server + " is not a valid URL"};
    return false;
  }
  if (offset > 0)
    soup_message_headers_set_range(soup_message_get_request_headers(msg),
                                   static_cast<goffset>(offset), -1);
  g_autoptr(GInputStream) in = soup_session_send(session_, msg, ctx_.cancellable, &error);
  if (!in) {
    failure = transport_failure(error, what);
    return false;
  }
  guint code = soup_message_get_status(msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL(code)) {
    g_autoptr(GBytes) body = g_input_stream_read_bytes(in, 65536, nullptr, nullptr);
    failure = http_failure(msg, body, what);
    return false;
  }
  if (code != SOUP_STATUS_PARTIAL_CONTENT) offset = 0;  // server ignored the range: start over
  auto io_failure = [&](const char *doing) {
    failure = {kExitIo, "cannot " + std::string(doing) + " " + escape_control(part.path()) + ": " +
                            g_strerror(errno)};
    return false;
  };
  if (ftruncate(part.fd(), static_cast<off_t>(offset)) != 0 ||
      lseek(part.fd(), static_cast<off_t>(offset), SEEK_SET) < 0)
    return io_failure("rewrite");
  SoupMessageHeaders *headers = soup_message_get_response_headers(msg);
  uint64_t length = 0;
  if (soup_message_headers_get_encoding(headers) == SOUP_ENCODING_CONTENT_LENGTH)
    length = static_cast<uint64_t>(soup_message_headers_get_content_length(headers));
  const uint64_t total = length ? offset + length : file.size;
  // The file list gives the size: more than that is not the file.
  auto too_long = [&](uint64_t bytes) {
    part.set_keep(false);
    failure = {kExitIo, what + ": the server sends " + std::to_string(bytes) +
                            " bytes for a file listed as " + std::to_string(file.size) +
                            "; nothing saved"};
    return false;
  };
  if (file.size && length && offset + length != file.size) return too_long(offset + length);
  uint64_t done = offset;
  std::vector<char> buf(64 * 1024);
  for (;;) {
    gssize n = g_input_stream_read(in, buf.data(), buf.size(), ctx_.cancellable, &error);
    if (n < 0) {
      failure = transport_failure(error, what);
      if (failure.code == kExitNoCamera) failure.code = kExitIo;  // it broke off mid-transfer
      return false;
    }
    if (n == 0) break;
    if (file.size && done + static_cast<uint64_t>(n) > file.size)
      return too_long(done + static_cast<uint64_t>(n));
    for (gssize off = 0; off < n;) {
      ssize_t w = write(part.fd(), buf.data() + off, static_cast<size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return io_failure("write");
      off += w;
    }
    done += static_cast<uint64_t>(n);
    if (progress) progress(done, total);
  }
  if (total > 0 && done != total) {
    failure = {kExitIo, what + ": got " + std::to_string(done) + " of " + std::to_string(total) +
                            " bytes"};
    return false;
  }
  if (!part.commit(&error)) {
    failure = failure_from(error, what);
    failure.code = kExitIo;
    return false;
  }
  local_path = final_path;
  return true;
}

}  // namespace ipcam::cli
