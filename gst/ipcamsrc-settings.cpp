// ipcamsrc's camera-settings, apply-settings and sync-clock: what the
// element reads and gives the camera after every login, and at once when
// the application changes apply-settings while connected. Every problem
// here is a WARNING on the bus, never an error: the preview works without
// any of it.
#include "ipcamsrc-settings.h"

#include "ipcam/text.h"
#include "ipcamsrc-state.h"

#include <ctime>
#include <limits>

using ipcam::src::Locker;

namespace ipcam::src {

CameraSetup::~CameraSetup() {
  if (apply) gst_structure_free(apply);
  if (camera_settings) gst_structure_free(camera_settings);
}

}  // namespace ipcam::src

namespace {

// apply-settings as a spec: every field but `firmware` names a writable
// setting and holds an integer index.
std::optional<ipcam::SettingsSpec> spec_from_structure(const GstStructure *s, GError **error) {
  ipcam::SettingsSpec spec;
  const int n = gst_structure_n_fields(s);
  for (int i = 0; i < n; i++) {
    const char *name = gst_structure_nth_field_name(s, i);
    const GValue *v = gst_structure_get_value(s, name);
    if (g_str_equal(name, "firmware")) {
      if (!G_VALUE_HOLDS_STRING(v) || !g_value_get_string(v)) {
        g_set_error_literal(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT,
                            "firmware must be a string (the camera's firmware-version)");
        return std::nullopt;
      }
      spec.firmware = g_value_get_string(v);
      continue;
    }
    const ipcam::SettingInfo *info = ipcam::find_setting(name);
    if (!info) {
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT, "unknown setting \"%s\" (settings: %s)",
                  ipcam::escape_control(name).c_str(), ipcam::setting_names().c_str());
      return std::nullopt;
    }
    if (info->set_command == 0) {
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT, "\"%s\" is read-only", name);
      return std::nullopt;
    }
    GValue as_int64 = G_VALUE_INIT;
    g_value_init(&as_int64, G_TYPE_INT64);
    const bool integer = G_VALUE_HOLDS_INT(v) || G_VALUE_HOLDS_UINT(v) || G_VALUE_HOLDS_INT64(v) ||
                         G_VALUE_HOLDS_UINT64(v);
    const bool converted = integer && g_value_transform(v, &as_int64);
    const gint64 index = converted ? g_value_get_int64(&as_int64) : 0;
    if (!converted || (G_VALUE_HOLDS_UINT64(v) && g_value_get_uint64(v) > guint64(G_MAXINT32)) ||
        index < std::numeric_limits<int32_t>::min() || index > std::numeric_limits<int32_t>::max()) {
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT,
                  "%s must be an integer index into the camera's menu (as camera-settings shows it)", name);
      return std::nullopt;
    }
    spec.values.emplace_back(name, int32_t(index));
  }
  return spec;
}

// The block as camera-settings shows it: every readable setting (or
// field-N of a short block) as an int, and the firmware.
GstStructure *settings_structure(const ipcam::ConfigBlock &block) {
  GstStructure *s = gst_structure_new("camera-settings", "firmware", G_TYPE_STRING, block.firmware.c_str(), nullptr);
  for (const auto &[name, value] : ipcam::setting_values(block))
    gst_structure_set(s, name.c_str(), G_TYPE_INT, gint(value), nullptr);
  return s;
}

// Replaces camera-settings (taking `s`) and notifies when it changed.
void store_camera_settings(GstIpcamSrc *self, GstStructure *s) {
  bool changed;
  {
    Locker l(self->state->lock);
    auto &setup = self->state->setup;
    changed = !setup.camera_settings || !gst_structure_is_equal(setup.camera_settings, s);
    if (setup.camera_settings) gst_structure_free(setup.camera_settings);
    setup.camera_settings = s;
  }
  if (changed) g_object_notify(G_OBJECT(self), "camera-settings");
}

bool cancelled(GCancellable *c) { return c && g_cancellable_is_cancelled(c); }

// One warning per setting the camera did not take, naming it; details for
// an application: setting, index, outcome, result.
void warn_not_taken(GstIpcamSrc *self, const ipcam::SetResult &r) {
  const char *outcome = ipcam::set_outcome_name(r.outcome);
  if (r.outcome == ipcam::SetOutcome::kRefused) {
    GST_ELEMENT_WARNING_WITH_DETAILS(
        self, RESOURCE, SETTINGS, ("The camera refused the setting %s=%d (its result: %d).", r.name.c_str(),
                                   r.index, r.camera_result),
        (nullptr),
        ("setting", G_TYPE_STRING, r.name.c_str(), "index", G_TYPE_INT, r.index, "outcome", G_TYPE_STRING, outcome,
         "result", G_TYPE_INT, r.camera_result, nullptr));
  } else {
    GST_ELEMENT_WARNING_WITH_DETAILS(
        self, RESOURCE, SETTINGS, ("The camera ignored the setting %s=%d: it still reads %d.", r.name.c_str(),
                                   r.index, r.read_back.value_or(-1)),
        (nullptr),
        ("setting", G_TYPE_STRING, r.name.c_str(), "index", G_TYPE_INT, r.index, "outcome", G_TYPE_STRING, outcome,
         "result", G_TYPE_INT, r.camera_result, nullptr));
  }
}

// Gives the camera `spec`, unless it was made for another firmware.
void apply_spec(GstIpcamSrc *self, ipcam::ControlSession &session, const ipcam::SettingsSpec &spec,
                const std::string &firmware, GCancellable *cancellable) {
  if (!spec.firmware.empty() && spec.firmware != firmware) {
    GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
                        ("apply-settings skipped: made for firmware \"%s\", but the camera has \"%s\".",
                         ipcam::escape_control(spec.firmware).c_str(), ipcam::escape_control(firmware).c_str()),
                        (nullptr));
    return;
  }
  for (const auto &[name, index] : spec.values) {
    g_autoptr(GError) error = nullptr;
    auto result = session.set_setting(name, index, &error);
    if (cancelled(cancellable)) return;
    if (!result) {
      GST_ELEMENT_WARNING_WITH_DETAILS(self, RESOURCE, SETTINGS,
                                       ("Could not give the camera the setting %s=%d: %s", name.c_str(), index,
                                        error->message),
                                       (nullptr),
                                       ("setting", G_TYPE_STRING, name.c_str(), "index", G_TYPE_INT, index, nullptr));
      if (!session.connected()) return;
      continue;
    }
    if (result->read_back) gst_ipcam_src_update_camera_setting(self, name, *result->read_back);
    if (result->outcome == ipcam::SetOutcome::kRefused || result->outcome == ipcam::SetOutcome::kIgnored)
      warn_not_taken(self, *result);
    else
      GST_INFO_OBJECT(self, "setting %s=%d %s", name.c_str(), index, ipcam::set_outcome_name(result->outcome));
  }
}

// The camera's clock from the host's, unless the host's own clock is not
// to be trusted (a Raspberry Pi without RTC and network time).
void sync_clock(GstIpcamSrc *self, ipcam::ControlSession &session, GCancellable *cancellable) {
  if (auto why = ipcam::host_clock_unsynchronised()) {
    GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
                        ("Not setting the camera's clock (sync-clock): %s.", why->c_str()), (nullptr));
    return;
  }
  std::string sent;
  g_autoptr(GError) error = nullptr;
  if (gst_ipcam_src_send_host_clock(session, sent, &error)) {
    GST_INFO_OBJECT(self, "camera clock set to %s", sent.c_str());
  } else if (!cancelled(cancellable)) {
    GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS, ("Could not set the camera's clock: %s", error->message),
                        (nullptr));
  }
}

}  // namespace

bool gst_ipcam_src_send_host_clock(ipcam::ControlSession &session, std::string &sent, GError **error) {
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  // Whether summer time is in force, as the host's zone says for now.
  const time_t t = time(nullptr);
  struct tm local {};
  localtime_r(&t, &local);
  g_autofree char *iso = g_date_time_format_iso8601(now);
  sent = iso ? iso : "";
  return session.set_clock(ipcam::camera_clock(now, local.tm_isdst > 0), error);
}

void gst_ipcam_src_update_camera_setting(GstIpcamSrc *self, std::string_view name, int32_t value) {
  GstStructure *s = nullptr;
  {
    Locker l(self->state->lock);
    const GstStructure *now = self->state->setup.camera_settings;
    const std::string field(name);
    if (!now || !gst_structure_has_field(now, field.c_str())) return;
    s = gst_structure_copy(now);
    gst_structure_set(s, field.c_str(), G_TYPE_INT, gint(value), nullptr);
  }
  store_camera_settings(self, s);
}

std::string gst_ipcam_src_set_up_camera(GstIpcamSrc *self, ipcam::ControlSession &session,
                                        GCancellable *cancellable) {
  std::optional<ipcam::SettingsSpec> spec;
  bool clock;
  {
    Locker l(self->state->lock);
    spec = self->state->setup.spec;
    clock = self->state->setup.sync_clock;
  }
  std::string firmware;
  g_autoptr(GError) error = nullptr;
  if (auto block = session.configuration(&error)) {
    firmware = block->firmware;
    store_camera_settings(self, settings_structure(*block));
  } else if (!cancelled(cancellable)) {
    // A camera that does not answer this will not answer the clock or the
    // settings either: each would only wait out its timeout.
    const bool answers = g_error_matches(error, IPCAM_ERROR, IPCAM_ERROR_PARSE);
    GST_ELEMENT_WARNING(self, RESOURCE, READ,
                        ("Could not read the camera's settings: %s%s", error->message,
                         answers ? "" : " (its clock and apply-settings wait for the next login)"),
                        (nullptr));
    if (!answers) return firmware;
    // Some firmwares answer with their version as plain text instead of
    // the block: firmware-version still works for them.
    g_autoptr(GError) fw_error = nullptr;
    if (auto version = session.firmware_version(&fw_error)) firmware = *version;
  }
  if (clock && !cancelled(cancellable)) sync_clock(self, session, cancellable);
  if (spec && !cancelled(cancellable)) apply_spec(self, session, *spec, firmware, cancellable);
  return firmware;
}

// Takes apply-settings; applies it at once when connected. A structure
// that names an unknown or read-only setting, or holds a non-integer, is
// refused: the old value stays, and a WARNING on the bus says why.
static void set_apply_settings(GstIpcamSrc *self, const GstStructure *s) {
  std::optional<ipcam::SettingsSpec> spec;
  g_autoptr(GError) error = nullptr;
  if (s && !(spec = spec_from_structure(s, &error))) {
    GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS, ("apply-settings not changed: %s.", error->message), (nullptr));
    return;
  }
  std::shared_ptr<ipcam::ControlSession> session;
  std::string firmware;
  {
    Locker l(self->state->lock);
    auto &setup = self->state->setup;
    if (setup.apply) gst_structure_free(setup.apply);
    setup.apply = s ? gst_structure_copy(s) : nullptr;
    setup.spec = spec;
    session = self->state->session;
    if (const char *fw = setup.camera_settings ? gst_structure_get_string(setup.camera_settings, "firmware") : nullptr)
      firmware = fw;
  }
  // While connected: now, on the caller's thread, as the action signals do.
  if (spec && session && session->connected()) apply_spec(self, *session, *spec, firmware, nullptr);
}

bool gst_ipcam_src_setup_set_property(GstIpcamSrc *self, guint prop_id, const GValue *value) {
  switch (prop_id) {
    case ipcam::src::kPropApplySettings:
      set_apply_settings(self, gst_value_get_structure(value));
      return true;
    case ipcam::src::kPropSyncClock: {
      Locker l(self->state->lock);
      self->state->setup.sync_clock = g_value_get_boolean(value);
      return true;
    }
    default: return false;
  }
}

bool gst_ipcam_src_setup_get_property(GstIpcamSrc *self, guint prop_id, GValue *value) {
  Locker l(self->state->lock);
  const auto &setup = self->state->setup;
  switch (prop_id) {
    case ipcam::src::kPropCameraSettings: gst_value_set_structure(value, setup.camera_settings); return true;
    case ipcam::src::kPropApplySettings: gst_value_set_structure(value, setup.apply); return true;
    case ipcam::src::kPropSyncClock: g_value_set_boolean(value, setup.sync_clock); return true;
    default: return false;
  }
}

void gst_ipcam_src_install_setup_properties(GObjectClass *oc) {
  // Both take effect at the next login, and apply-settings at once too.
  constexpr auto kMutable = GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  /**
   * GstIpcamSrc:camera-settings:
   * The camera's configuration block as last read (after every login and
   * after every set): one int per readable setting (video-quality,
   * loop-length, ..., recording, model; field-0..field-15 for a camera
   * with the short block) and the firmware string; %NULL before the first
   * login. Notified when it changes.
   */
  g_object_class_install_property(
      oc, ipcam::src::kPropCameraSettings,
      g_param_spec_boxed("camera-settings", "Camera settings",
                         "The camera's settings as last read, after every login and set (camera-settings: "
                         "one int menu index per readable setting, e.g. exposure, led, recording; field-N "
                         "for a 96-byte block; firmware); notified when it changes",
                         GST_TYPE_STRUCTURE, GParamFlags(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
  /**
   * GstIpcamSrc:apply-settings:
   * Settings to give the camera after every login and at once while
   * connected, e.g. "s, exposure=2, led=0". An optional firmware="..." says
   * which firmware they were made for: another camera's skips them with a
   * WARNING. A setting the camera refuses or ignores is a WARNING naming
   * it. A structure naming an unknown or read-only setting is refused:
   * the old value stays and a WARNING says why.
   */
  g_object_class_install_property(
      oc, ipcam::src::kPropApplySettings,
      g_param_spec_boxed("apply-settings", "Apply settings",
                         "Settings (menu indexes) to give the camera after every login and at once while "
                         "connected, e.g. \"s, exposure=2, led=0\"; firmware=\"...\" limits them to that "
                         "firmware. Each one the camera refuses or ignores is a WARNING naming it; an "
                         "unknown name keeps the old value (WARNING)",
                         GST_TYPE_STRUCTURE, kMutable));
  g_object_class_install_property(
      oc, ipcam::src::kPropSyncClock,
      g_param_spec_boolean("sync-clock", "Sync clock",
                           "Set the camera's clock from the host's after every login, only when the host's "
                           "clock is synchronised (else a WARNING says why it was skipped)",
                           TRUE, kMutable));
}
