// Sending messages and waiting for their replies: the requests of session.h
// on top of one generic request(), whose waiter the reader thread completes.
#include "session-impl.h"

namespace ipcam {

using session_detail::GPtr;
using session_detail::seconds_text;
using session_detail::type_name;
using session_detail::Waiter;

bool ControlSession::Impl::not_connected(GError **error) const {
  g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED,
              "Not connected to the camera at %s: connect first (or again, after the connection "
              "was lost or closed)",
              endpoint.c_str());
  return false;
}

bool ControlSession::Impl::send_message(uint32_t type, ByteView payload, GError **error) {
  Bytes m;
  if (!encode_control(type, payload, m)) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT,
                "message payload of %zu bytes is longer than the protocol allows (%zu)",
                payload.size(), kControlMaxPayload);
    return false;
  }
  GPtr<GCancellable> cancel;
  {
    std::lock_guard<std::mutex> lock(mutex);
    cancel = session_detail::ref(io_cancel.get());
  }
  std::lock_guard<std::mutex> lock(write_mutex);
  if (!socket) return not_connected(error);
  size_t off = 0;
  while (off < m.size()) {
    GError *e = nullptr;
    gssize n = g_socket_send(socket, reinterpret_cast<const gchar *>(m.data() + off), m.size() - off,
                             cancel.get(), &e);
    if (n < 0) {
      if (g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_CANCELLED,
                    "Sending to the camera at %s was cancelled: the session is closing", endpoint.c_str());
      } else {
        g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_CONNECTION_LOST,
                    "Lost the connection to the camera at %s while sending %s: %s. Check that the "
                    "camera is on and in WiFi range, then connect again",
                    endpoint.c_str(), type_name(type), e->message);
      }
      g_error_free(e);
      return false;
    }
    off += size_t(n);
  }
  g_debug("sent %s (0x%04x), %zu bytes of payload", type_name(type), type, payload.size());
  return true;
}

bool ControlSession::Impl::request(uint32_t type, ByteView payload, Waiter &w, unsigned timeout_ms,
                                   GError **error) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (state != State::kUp) return not_connected(error);
    waiters.push_back(&w);  // before sending: a fast reply must find us
  }
  bool sent = send_message(type, payload, error);
  std::unique_lock<std::mutex> lock(mutex);
  if (sent) cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return w.done; });
  waiters.remove(&w);
  if (!sent) return false;
  if (w.error) {
    g_propagate_error(error, w.error);
    w.error = nullptr;
    return false;
  }
  if (!w.done && w.kind != Waiter::Kind::kAll) {
    if (w.kind == Waiter::Kind::kFileList && w.files.received())
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_TIMEOUT,
                  "The camera at %s sent %u of %u file list parts within %s. Try again; a long list "
                  "may need a longer file list timeout",
                  endpoint.c_str(), w.files.received(), w.files.total(), seconds_text(timeout_ms).c_str());
    else
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_TIMEOUT,
                  "No answer to %s from %s within %s: not an ipcam camera, or it is busy. Try again",
                  type_name(type), endpoint.c_str(), seconds_text(timeout_ms).c_str());
    return false;
  }
  return true;
}

bool ControlSession::start_preview(GError **error) {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (impl_->state != Impl::State::kUp) return impl_->not_connected(error);
  }
  const uint8_t zeros[kStartPreviewZeroBytes] = {};
  ByteView payload;
  if (impl_->config.start_preview_with_payload) payload = ByteView(zeros, sizeof zeros);
  if (!impl_->send_message(msg::kStartPreview, payload, error)) return false;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->preview_started = true;
  return true;
}

// The configuration block's version string (parse_firmware also takes the
// plain-text answer some firmwares give instead of the block).
std::optional<std::string> ControlSession::firmware_version(GError **error) {
  Waiter w;
  w.reply_type = msg::kConfiguration;
  if (!impl_->request(msg::kGetConfiguration, {}, w, impl_->config.reply_timeout_ms, error)) return std::nullopt;
  return parse_firmware(w.reply.payload, error);
}

std::optional<std::vector<FileEntry>> ControlSession::file_list(GError **error) {
  Waiter w;
  w.kind = Waiter::Kind::kFileList;
  w.reply_type = msg::kFileListPart;
  w.files = FileListAssembler({impl_->config.max_files, impl_->config.max_file_list_bytes});
  Bytes payload = file_list_request_payload();
  if (!impl_->request(msg::kRequestFileList, payload, w, impl_->config.file_list_timeout_ms, error))
    return std::nullopt;
  return w.files.finish(error);
}

bool ControlSession::take_still(GError **error) {
  Waiter w;
  w.reply_type = msg::kStillSaved;
  return impl_->request(msg::kTakeStill, {}, w, impl_->config.reply_timeout_ms, error);
}

bool ControlSession::set_recording(bool start, GError **error) {
  Waiter w;
  w.reply_type = msg::kRecordingAccepted;
  Bytes payload = recording_payload(start);
  return impl_->request(msg::kControlRecording, payload, w, impl_->config.reply_timeout_ms, error);
}

std::optional<std::vector<RawReply>> ControlSession::raw(uint32_t type, ByteView payload, unsigned timeout_ms,
                                                         GError **error) {
  Waiter w;
  w.kind = Waiter::Kind::kAll;
  if (!impl_->request(type, payload, w, timeout_ms, error)) return std::nullopt;
  return std::move(w.all);
}

}  // namespace ipcam
