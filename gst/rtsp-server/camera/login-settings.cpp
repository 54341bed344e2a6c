// LoginSettings: see login-settings.h.
#include "camera/login-settings.h"

#include "camera/camera-requests.h"

#include "ipcam/error.h"
#include "ipcam/text.h"

namespace ipcam::server {

namespace {

// "exposure=9 (the camera answered 1)" and the like, for the log.
std::string what_happened(const ipcam::SetResult &r) {
  std::string text = r.name + "=" + std::to_string(r.index);
  if (r.outcome == ipcam::SetOutcome::kRefused)
    return text + ": the camera refused it (its result " + std::to_string(r.camera_result) + ")";
  return text + ": the camera ignored it (it still has " +
         (r.read_back ? std::to_string(*r.read_back) : std::string("?")) + ")";
}

}  // namespace

LoginSettings login_settings(const CameraOptions &camera) {
  LoginSettings s;
  s.camera = camera.name;
  s.apply = camera.apply_settings;
  s.sync_clock = camera.sync_clock;
  return s;
}

void LoginSettings::after_login(ipcam::ControlSession &session) const {
  const char *name = camera.c_str();
  const std::optional<std::string> unsynchronised = sync_clock ? ipcam::host_clock_unsynchronised() : std::nullopt;
  if (unsynchronised) g_message("camera %s: its clock is left as it is: %s", name, unsynchronised->c_str());
  const bool set_clock = sync_clock && !unsynchronised;
  if ((!apply && !set_clock) || *unanswered) return;
  auto gave_up = [&](const GError *e) {
    if (!g_error_matches(e, IPCAM_ERROR, IPCAM_ERROR_TIMEOUT)) return false;
    *unanswered = true;
    g_message("camera %s: it does not answer the phone app's settings and clock requests, so they are no longer "
              "sent (its settings and clock are left as they are): %s", name, e->message);
    return true;
  };
  g_autoptr(GError) block_error = nullptr;
  auto block = session.configuration(&block_error);
  if (!block && gave_up(block_error)) return;
  if (apply) {
    g_autoptr(GError) error = nullptr;
    if (!block) {
      g_warning("camera %s: apply-settings not applied: %s", name, block_error->message);
    } else if (!apply->firmware.empty() && apply->firmware != block->firmware) {
      g_warning("camera %s: apply-settings skipped: they were made for firmware %s, the camera has %s", name,
                ipcam::escape_control(apply->firmware).c_str(), ipcam::escape_control(block->firmware).c_str());
    } else {
      for (const auto &[setting, index] : apply->values) {
        g_clear_error(&error);
        auto r = session.set_setting(setting, index, &error);
        if (!r) {
          if (gave_up(error)) return;
          g_warning("camera %s: apply-settings %s=%d: %s", name, setting.c_str(), index, error->message);
          break;  // the session is likely gone
        }
        if (r->outcome == ipcam::SetOutcome::kRefused || r->outcome == ipcam::SetOutcome::kIgnored)
          g_warning("camera %s: apply-settings %s", name, what_happened(*r).c_str());
      }
    }
  }
  if (!set_clock) return;
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autoptr(GError) error = nullptr;
  if (!session.set_clock(clock_of(now), &error) && !gave_up(error))
    g_warning("camera %s: setting its clock from this host's failed: %s", name, error->message);
}

void LoginSettings::configure_source(GstElement *src) const {
  GObjectClass *klass = G_OBJECT_GET_CLASS(src);
  if (g_object_class_find_property(klass, "sync-clock")) {
    g_object_set(src, "sync-clock", gboolean(sync_clock), nullptr);
  } else if (sync_clock) {
    g_message("camera %s: the ipcamsrc installed cannot set the camera's clock; only the server's own sessions do",
              camera.c_str());
  }
  if (!apply) return;
  if (!g_object_class_find_property(klass, "apply-settings")) {
    g_warning("camera %s: the ipcamsrc installed has no apply-settings: the settings reach the camera only through "
              "the server's own sessions", camera.c_str());
    return;
  }
  GstStructure *s = gst_structure_new_empty("settings");
  for (const auto &[setting, index] : apply->values) gst_structure_set(s, setting.c_str(), G_TYPE_INT, index, nullptr);
  if (!apply->firmware.empty()) gst_structure_set(s, "firmware", G_TYPE_STRING, apply->firmware.c_str(), nullptr);
  g_object_set(src, "apply-settings", s, nullptr);
  gst_structure_free(s);
}

}  // namespace ipcam::server
