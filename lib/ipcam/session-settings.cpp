// The phone app's requests (docs/protocol.md, "The firmware's own command
// map"): the configuration block, settings by name, the clock, the SD card,
// the Wi-Fi access point and stop preview. Each reply's code is its
// request's + 1; most carry an s32 result, 0 meaning success.
#include "session-impl.h"

#include <algorithm>

namespace ipcam {

using session_detail::type_name;
using session_detail::Waiter;

namespace {

// Formatting a card takes a camera longer than answering a setting.
constexpr unsigned kFormatTimeoutMs = 30000;
// How long set_wifi_password and wifi_off wait for the camera to hang up
// after the request, so that it reads the request before the client closes.
constexpr unsigned kHangUpWaitMs = 500;

}  // namespace

std::optional<int32_t> ControlSession::Impl::result_request(uint32_t type, ByteView payload, unsigned timeout_ms,
                                                            GError **error) {
  Waiter w;
  w.reply_type = msg::reply_of(type);
  if (!request(type, payload, w, timeout_ms, error)) return std::nullopt;
  // Some replies (0xA03D: video size) have no documented payload: an empty
  // one counts as success, as 0xA039 and 0xA03B always have.
  if (w.reply.payload.empty()) return 0;
  GError *e = nullptr;
  auto result = parse_result(w.reply.payload, &e);
  if (!result) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_PARSE, "The camera at %s answered %s (0x%04x) with %s",
                endpoint.c_str(), type_name(type), type, e->message);
    g_error_free(e);
  }
  return result;
}

bool ControlSession::Impl::zero_result(uint32_t type, ByteView payload, const char *what, unsigned timeout_ms,
                                       GError **error) {
  auto result = result_request(type, payload, timeout_ms, error);
  if (!result) return false;
  if (*result == 0) return true;
  g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_REFUSED,
              "The camera at %s refused to %s: it answered %d (0 is success; what other numbers mean "
              "is not known)",
              endpoint.c_str(), what, *result);
  return false;
}

std::optional<ConfigBlock> ControlSession::configuration(GError **error) {
  Waiter w;
  w.reply_type = msg::kConfiguration;
  if (!impl_->request(msg::kGetConfiguration, {}, w, impl_->config.reply_timeout_ms, error)) return std::nullopt;
  return parse_config_block(w.reply.payload, error);
}

std::optional<int32_t> ControlSession::set_index(uint32_t command, int32_t index, GError **error) {
  Bytes payload = encode_index(index);
  return impl_->result_request(command, payload, impl_->config.reply_timeout_ms, error);
}

std::optional<SetResult> ControlSession::set_setting(std::string_view name, int32_t index, GError **error) {
  const SettingInfo *s = find_setting(name);
  if (!s) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT, "Unknown setting \"%.*s\": the settings are %s",
                int(name.size()), name.data(), setting_names().c_str());
    return std::nullopt;
  }
  if (!s->set_command) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT,
                "The setting \"%s\" is read-only (%s): it cannot be set", s->name, s->summary);
    return std::nullopt;
  }
  auto result = set_index(s->set_command, index, error);
  if (!result) return std::nullopt;
  SetResult r;
  r.name = s->name;
  r.index = index;
  r.camera_result = *result;
  if (s->field >= 0) {
    // The index is a position in the camera's own menu: only the block
    // read back tells whether the camera took it.
    auto block = configuration(error);
    if (!block) return std::nullopt;
    r.read_back = setting_value(*block, s->name);
  }
  if (*result != 0)
    r.outcome = SetOutcome::kRefused;
  else if (s->field < 0)
    r.outcome = SetOutcome::kSent;
  else
    r.outcome = r.read_back == index ? SetOutcome::kTaken : SetOutcome::kIgnored;
  g_debug("set %s=%d on %s: %s (result %d)", r.name.c_str(), index, impl_->endpoint.c_str(),
          set_outcome_name(r.outcome), r.camera_result);
  return r;
}

bool ControlSession::set_clock(const CameraClock &clock, GError **error) {
  Bytes payload = encode_clock(clock);
  return impl_->zero_result(msg::kSetClock, payload, "set its clock", impl_->config.reply_timeout_ms, error);
}

std::optional<StorageInfo> ControlSession::storage(GError **error) {
  Waiter w;
  w.reply_type = msg::reply_of(msg::kCardCapacity);
  if (!impl_->request(msg::kCardCapacity, {}, w, impl_->config.reply_timeout_ms, error)) return std::nullopt;
  return parse_storage(w.reply.payload, error);
}

bool ControlSession::format_storage(GError **error) {
  return impl_->zero_result(msg::kFormatCard, {}, "format its SD card",
                            std::max(impl_->config.reply_timeout_ms, kFormatTimeoutMs), error);
}

bool ControlSession::delete_file(std::string_view path, GError **error) {
  auto payload = encode_path_field(path, error);  // refused before anything is sent
  if (!payload) return false;
  std::string what = "delete " + std::string(path);
  return impl_->zero_result(msg::kDeleteFile, *payload, what.c_str(), impl_->config.reply_timeout_ms, error);
}

bool ControlSession::factory_reset(GError **error) {
  return impl_->zero_result(msg::kFactoryReset, {}, "reset to its factory settings", impl_->config.reply_timeout_ms,
                            error);
}

// The camera answers these by restarting (or turning off) its access point:
// the session ends on purpose, so it is marked closed before the request
// goes out, and the lost handler, which means "the link failed", stays quiet.
bool ControlSession::Impl::send_and_hang_up(uint32_t type, ByteView payload, GError **error) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (state != State::kUp) return not_connected(error);
    state = State::kClosed;
  }
  bool sent = send_message(type, payload, error);
  if (sent) {
    // Our FIN after the request; the camera hangs up once it has read it.
    std::lock_guard<std::mutex> wl(write_mutex);
    if (socket) g_socket_shutdown(socket, FALSE, TRUE, nullptr);
  }
  if (sent && reader_id.load() != std::this_thread::get_id()) {
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait_for(lock, std::chrono::milliseconds(kHangUpWaitMs), [&] { return link_ended; });
  }
  return sent;
}

bool ControlSession::set_wifi_password(std::string_view ssid, std::string_view old_password,
                                       std::string_view new_password, GError **error) {
  auto payload = encode_wifi_password(ssid, old_password, new_password, error);
  if (!payload) return false;
  bool sent = impl_->send_and_hang_up(msg::kWifiPassword, *payload, error);
  if (sent) g_debug("sent a new Wi-Fi password to the camera at %s: its access point restarts", impl_->endpoint.c_str());
  close();
  return sent;
}

bool ControlSession::wifi_off(GError **error) {
  bool sent = impl_->send_and_hang_up(msg::kWifiOff, {}, error);
  close();
  return sent;
}

bool ControlSession::stop_preview(GError **error) {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (impl_->state != Impl::State::kUp) return impl_->not_connected(error);
  }
  const uint8_t zeros[kStartPreviewZeroBytes] = {};
  if (!impl_->send_message(msg::kStopPreview, ByteView(zeros, sizeof zeros), error)) return false;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->preview_started = false;
  return true;
}

// close()'s courtesy to the camera: one try, never a wait. A send that
// would block (a camera that stopped reading) or a writer already busy
// skips it: a close must stay prompt.
void ControlSession::Impl::stop_preview_before_close() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (state != State::kUp || !preview_started || !config.stop_preview_on_close) return;
    preview_started = false;
  }
  std::unique_lock<std::mutex> wl(write_mutex, std::try_to_lock);
  if (!wl.owns_lock() || !socket) return;
  const uint8_t zeros[kStartPreviewZeroBytes] = {};
  Bytes m = encode_control(msg::kStopPreview, ByteView(zeros, sizeof zeros));
  GError *e = nullptr;
  gssize n = g_socket_send_with_blocking(socket, reinterpret_cast<const gchar *>(m.data()), m.size(), FALSE,
                                         nullptr, &e);
  if (n != gssize(m.size()))
    g_debug("stop preview before closing %s not sent: %s", endpoint.c_str(), e ? e->message : "short send");
  g_clear_error(&e);
}

}  // namespace ipcam
