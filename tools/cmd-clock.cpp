// ipcam set-clock: the camera's date and time (0xA011), which its new files
// carry. The only command that changes the camera's clock: the CLI never
// does it on its own.
#include "phone-commands.h"

#include "ipcam/camera-settings.h"
#include "server-client.h"

#include <cstdio>

namespace ipcam::cli {

int cmd_set_clock(Context &ctx) {
  if (!ctx.args.empty()) return usage_error("set-clock", "unexpected argument '" + ctx.args[0] + "'");
  // Cameras keep local time, as the phone app sets it.
  g_autoptr(GTimeZone) local_zone = g_time_zone_new_local();
  g_autoptr(GDateTime) given =
      g_phone.time ? g_date_time_new_from_iso8601(g_phone.time, local_zone) : g_date_time_new_now(local_zone);
  if (!given)
    return usage_error("set-clock", std::string("--time '") + g_phone.time +
                                        "' is not an ISO 8601 date and time, e.g. 2026-05-01T12:00:00");
  g_autoptr(GDateTime) local = g_date_time_to_local(given);
  if (g_date_time_get_year(local) < 1970 || g_date_time_get_year(local) > 2099)
    return usage_error("set-clock", "--time: give a year between 1970 and 2099");
  g_autofree char *iso = g_date_time_format_iso8601(local);
  Failure failure;
  if (ctx.opt.server.empty()) {
    auto session = open_session(ctx, failure);
    if (!session) return report(failure);
    const CameraClock clock = camera_clock(local, g_date_time_is_daylight_savings(local));
    g_autoptr(GError) error = nullptr;
    if (!session->set_clock(clock, &error)) return report(failure_from(error, "setting the camera's clock"));
  } else {
    // Without --time the server takes its own now, as the camera would.
    std::string body;
    if (g_phone.time) {
      g_autoptr(JsonNode) doc = build_json([&](JsonBuilder *b) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "time");
        json_builder_add_string_value(b, iso);
        json_builder_end_object(b);
      });
      g_autofree char *text = json_to_string(doc, FALSE);
      body = text;
    }
    ServerClient server(ctx);
    g_autoptr(JsonNode) answer = server.call("POST", "/clock", body, failure);
    if (!answer) return report(failure);
  }
  if (ctx.opt.json) {
    print_json(build_json([&](JsonBuilder *b) {
      json_builder_begin_object(b);
      json_builder_set_member_name(b, "time");
      json_builder_add_string_value(b, iso);
      json_builder_end_object(b);
    }));
  } else {
    g_autofree char *shown = g_date_time_format(local, "%Y-%m-%d %H:%M:%S %Z");
    status("camera clock set to %s", shown);
  }
  return kExitOk;
}

}  // namespace ipcam::cli
