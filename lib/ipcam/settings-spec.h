// Settings a user asks to apply after every login ("exposure=2, led=0",
// optionally "firmware=v1.0 rc5" to say which camera they were made for),
// and whether the host's clock may be given to the camera. Shared by
// ipcamsrc (apply-settings, sync-clock) and ipcam-rtsp-server (the
// config keys of the same names), so that both behave alike.
#pragma once

#include "ipcam/camera-settings.h"

#include <glib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ipcam {

struct SettingsSpec {
  std::vector<std::pair<std::string, int32_t>> values;  // in the order given
  std::string firmware;  // empty: for any camera
};

// "name=index, name=index[, firmware=TEXT]": an unknown or read-only name,
// a value that is not an integer, or a name given twice is an error that
// names it (and lists the names for an unknown one).
std::optional<SettingsSpec> parse_settings_spec(std::string_view text, GError **error);

// Why the host's clock must not be given to a camera, or nullopt when it
// may: ntp_adjtime() reports TIME_ERROR (never synchronised: a Raspberry
// Pi without a real-time clock and without network time). The environment
// variable IPCAM_HOST_CLOCK=synchronised|unsynchronised overrides the
// answer, for tests.
std::optional<std::string> host_clock_unsynchronised();

}  // namespace ipcam
