#include "app-requests.h"

#include "ipcam/camera-settings.h"

#include <cstring>

namespace ipcam::sim {

namespace {

Bytes s32(int32_t v) {
  Bytes b(4);
  store_le32(b.data(), uint32_t(v));
  return b;
}

AppAnswer reply(uint32_t request, Bytes payload) {
  AppAnswer a;
  a.handled = true;
  a.reply_type = msg::reply_of(request);
  a.payload = std::move(payload);
  return a;
}

AppAnswer result(uint32_t request, int32_t value) { return reply(request, s32(value)); }

AppAnswer no_reply() {
  AppAnswer a;
  a.handled = true;
  return a;
}

// A NUL-padded char[N] field at `offset`; empty when the payload is shorter.
std::string text_field(ByteView payload, size_t offset, size_t size) {
  if (payload.size() <= offset) return {};
  size_t n = std::min(size, payload.size() - offset);
  const char *p = reinterpret_cast<const char *>(payload.data() + offset);
  return std::string(p, strnlen(p, n));
}

// Requests of the map this camera has no use for (dash-cam menus, the
// second camera, firmware files): a failure result, nothing changed.
constexpr uint32_t kNotThisModel[] = {0xA015, 0xA017, 0xA019, 0xA02E, 0xA036, 0xA065};
// Requests answered with result 0 and nothing else: playback control of a
// stored file, file sync setting, network state (polled).
constexpr uint32_t kHarmless[] = {0xA023, 0xA032, 0xA03E};

constexpr uint32_t kSlowMotion = 0xA046;
constexpr uint32_t kFileTransfer = 0xA027;
constexpr uint32_t kTransferDone = 0xA029;
constexpr uint32_t kThumbnail = 0xA048;
constexpr uint32_t kStopNetworkPreview = 0xA05C;
constexpr uint32_t kStartNetworkPreview = 0xA05E;
// 0xA027's struct: s32 direction, char[256] name, s32 port, char[20] ip,
// s32 port, char[20] ip, char[512] url.
constexpr size_t kTransferSize = 820;
constexpr size_t kTransferUrlOffset = 308;
constexpr size_t kTransferUrlSize = 512;

}  // namespace

AppAnswer AppRequests::answer(uint32_t type, ByteView payload) {
  if (const MenuSetting *s = find_menu_command(type)) return set_setting(*s, payload);
  switch (type) {
    case msg::kGetConfiguration:
      stats_.add("configuration_reads");
      return reply(type, configuration_.block(actions_.recording(), actions_.slow_recording()));
    case msg::kSetClock:
      return set_clock(payload);
    case msg::kFormatCard:
      if (!store_.present()) return result(type, kFailed);
      store_.format();
      stats_.add("formats");
      g_message("card: formatted");
      return result(type, 0);
    case msg::kCardCapacity: {
      stats_.add("capacity_requests");
      Bytes p(16, 0);  // u64 LE remaining, u64 LE total; zeros without a card
      uint64_t remaining = store_.present() ? store_.remaining() : 0;
      uint64_t total = store_.present() ? store_.card_size() : 0;
      store_le32(p.data(), uint32_t(remaining));
      store_le32(p.data() + 4, uint32_t(remaining >> 32));
      store_le32(p.data() + 8, uint32_t(total));
      store_le32(p.data() + 12, uint32_t(total >> 32));
      return reply(type, p);
    }
    case msg::kDeleteFile:
      return delete_file(payload);
    case msg::kWifiOff: {
      stats_.add("wifi_offs");
      g_message("wifi: turned off by the client; the link drops");
      AppAnswer a = no_reply();
      a.drop_client = true;
      return a;
    }
    case msg::kWifiPassword:
      return wifi_password(payload);
    case msg::kFactoryReset:
      configuration_.factory_reset();
      stats_.add("factory_resets");
      g_message("configuration: back to the factory defaults");
      return result(type, 0);
    case msg::kStopPreview:
      stats_.add("preview_stops");
      actions_.stop_preview();
      return no_reply();
    case kStopNetworkPreview:
      stats_.add("preview_stops");
      actions_.stop_preview();
      return result(type, 0);
    case kStartNetworkPreview:
      stats_.add("preview_resumes");
      actions_.resume_preview();
      return result(type, 0);
    case kSlowMotion:
      return slow_motion(payload);
    case kFileTransfer:
      return file_transfer(payload);
    case kTransferDone:
      stats_.add("file_transfers_finished");
      return no_reply();
    case kThumbnail:
      return thumbnail(payload);
    default:
      break;
  }
  for (uint32_t t : kNotThisModel)
    if (t == type) {
      stats_.add("requests_not_this_model");
      return result(type, kFailed);
    }
  for (uint32_t t : kHarmless)
    if (t == type) {
      stats_.add("requests_harmless");
      return result(type, 0);
    }
  return {};
}

AppAnswer AppRequests::set_setting(const MenuSetting &setting, ByteView payload) {
  stats_.add(std::string("set_") + setting.name);
  if (payload.size() < 4) {
    stats_.add("settings_malformed");
    return result(setting.command, kFailed);
  }
  int32_t index = int32_t(load_le32(payload.data()));
  int32_t answer = 0;
  SetVerdict v = configuration_.set(setting, index, &answer);
  g_message("settings: %s = %d: %s", setting.name, index,
            v == SetVerdict::kTaken      ? "taken"
            : v == SetVerdict::kIgnored ? "past the menu's end, ignored"
                                        : "past the menu's end, refused");
  return result(setting.command, answer);
}

AppAnswer AppRequests::set_clock(ByteView payload) {
  if (!clock_.set(payload)) {
    stats_.add("clock_refused");
    return result(msg::kSetClock, kFailed);
  }
  stats_.add("clock_sets");
  g_message("clock: set to %s", clock_.text().c_str());
  return result(msg::kSetClock, 0);
}

AppAnswer AppRequests::delete_file(ByteView payload) {
  std::string path = text_field(payload, 0, kPathFieldSize);
  if (!store_.present() || !store_.remove(path)) {
    stats_.add("deletes_refused");
    return result(msg::kDeleteFile, kFailed);
  }
  stats_.add("deletes");
  g_message("card: deleted %s", path.c_str());
  return result(msg::kDeleteFile, 0);
}

// The access point restarts with the new password, so the link drops. A
// camera whose password was set before checks the old one; the passwords
// are never logged.
AppAnswer AppRequests::wifi_password(ByteView payload) {
  std::string ssid = text_field(payload, 0, kWifiFieldSize);
  std::string old_password = text_field(payload, kWifiFieldSize, kWifiFieldSize);
  std::string new_password = text_field(payload, 2 * kWifiFieldSize, kWifiFieldSize);
  bool ok = payload.size() >= 3 * kWifiFieldSize && !ssid.empty() && ssid.size() <= 32 &&
            new_password.size() >= 8 && new_password.size() <= 63 &&
            (configuration_.wifi_password().empty() || configuration_.wifi_password() == old_password);
  if (!ok) {
    stats_.add("wifi_password_refused");
    g_message("wifi: password change refused (a field is missing or out of range, or the old "
              "password does not match)");
    return no_reply();
  }
  configuration_.set_wifi(ssid, new_password);
  stats_.add("wifi_password_changes");
  g_message("wifi: new password for the access point (not shown); restarting it");
  AppAnswer a = no_reply();
  a.drop_client = true;
  return a;
}

AppAnswer AppRequests::slow_motion(ByteView payload) {
  stats_.add("slow_motion_requests");
  int32_t on = payload.size() >= 4 ? int32_t(load_le32(payload.data())) : -1;
  if ((on != 0 && on != 1) || !actions_.set_slow_recording(on == 1))
    return result(kSlowMotion, kFailed);
  return result(kSlowMotion, 0);
}

// The camera answers with the same struct, its HTTP URL of the file in `url`.
AppAnswer AppRequests::file_transfer(ByteView payload) {
  stats_.add("file_transfers");
  Bytes p(payload.begin(), payload.end());
  p.resize(kTransferSize, 0);
  std::string name = text_field(payload, 4, kPathFieldSize);
  std::string url = actions_.http_base() + name;
  std::memset(p.data() + kTransferUrlOffset, 0, kTransferUrlSize);
  std::memcpy(p.data() + kTransferUrlOffset, url.data(), std::min(url.size(), kTransferUrlSize - 1));
  return reply(kFileTransfer, p);
}

// char[256] path, s32 result: the same struct back, result 0 for a listed
// file. The thumbnail's bytes have no known channel; none are sent.
AppAnswer AppRequests::thumbnail(ByteView payload) {
  stats_.add("thumbnail_requests");
  std::string path = text_field(payload, 0, kPathFieldSize);
  bool listed = false;
  for (const auto &f : store_.list()) listed = listed || f.path == path;
  Bytes p(kPathFieldSize + 4, 0);
  std::memcpy(p.data(), path.data(), std::min(path.size(), kPathFieldSize - 1));
  store_le32(p.data() + kPathFieldSize, uint32_t(listed ? 0 : kFailed));
  return reply(kThumbnail, p);
}

}  // namespace ipcam::sim
