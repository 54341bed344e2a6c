// ipcam discover, ipcam info: who is out there, and what it runs.
#include "cli.h"
#include "server-client.h"

#include "ipcam/text.h"

#include <cstdio>

namespace ipcam::cli {

int cmd_discover(Context &ctx) {
  if (!ctx.args.empty()) return usage_error("discover", "unexpected argument '" + ctx.args[0] + "'");
  std::string where;
  g_autoptr(GError) error = nullptr;
  DiscoveryConfig dc = discovery_config(ctx.opt);
  verbose(ctx, "asking for %u ms", dc.timeout_ms);
  const auto found = discover(dc, ctx.cancellable, &where, &error);
  // Ctrl+C says what it says for every other command.
  if (g_cancellable_is_cancelled(ctx.cancellable)) return report({kExitInterrupted, "interrupted"});
  if (!found) return report(failure_from(error, "discovery failed"));
  const std::vector<DiscoveredCamera> &cameras = *found;
  verbose(ctx, "asked %s", where.c_str());

  if (ctx.opt.json) {
    print_json(build_json([&](JsonBuilder *b) {
      json_builder_begin_array(b);
      for (const auto &c : cameras) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "address");
        json_builder_add_string_value(b, c.address.c_str());
        json_builder_set_member_name(b, "port");
        json_builder_add_int_value(b, c.port);
        json_builder_set_member_name(b, "interface");
        json_builder_add_string_value(b, c.interface.c_str());
        json_builder_set_member_name(b, "serial");
        if (c.serial.empty())
          json_builder_add_null_value(b);
        else
          json_builder_add_string_value(b, c.serial.c_str());
        json_builder_end_object(b);
      }
      json_builder_end_array(b);
    }));
  } else {
    for (const auto &c : cameras)
      std::printf("%-15s  serial %s  (answered from port %u)\n", c.address.c_str(),
                  c.serial.empty() ? "unknown" : escape_control(c.serial).c_str(), c.port);
    std::fflush(stdout);
  }
  if (cameras.empty())
    return report({kExitNoCamera,
                   "no camera answered on " + where + "; is the computer on the camera's WiFi?"});
  return kExitOk;
}

// The serial is only in the discovery answer: ask the camera directly.
static std::string serial_of(Context &ctx, const std::string &address) {
  DiscoveryConfig dc = discovery_config(ctx.opt);
  dc.broadcast_addresses = {address};
  dc.timeout_ms = std::min(dc.timeout_ms, 1000u);
  g_autoptr(GError) error = nullptr;
  const auto found = discover(dc, ctx.cancellable, nullptr, &error);
  if (!found) {
    verbose(ctx, "no serial: %s", error->message);
    return {};
  }
  const std::vector<DiscoveredCamera> &cameras = *found;
  for (const auto &c : cameras)
    if (c.address == address) return c.serial;
  return cameras.empty() ? std::string() : cameras[0].serial;
}

// The server's status: its stream URL and what it knows of the camera.
static int info_through_server(Context &ctx) {
  ServerClient server(ctx);
  Failure failure;
  g_autoptr(JsonNode) root = server.status(failure);
  if (!root) return report(failure);
  if (ctx.opt.json) {
    print_json(root);
    return kExitOk;
  }
  if (!JSON_NODE_HOLDS_OBJECT(root)) return report({kExitFailed, "GET /status: not a JSON object"});
  JsonObject *o = json_node_get_object(root);
  JsonObject *cam = json_object_has_member(o, "camera") ? json_object_get_object_member(o, "camera")
                                                        : nullptr;
  auto str = [](JsonObject *obj, const char *name) -> std::string {
    // The server passes the camera's own text (firmware) on as it came.
    return obj ? escape_control(json_object_get_string_member_with_default(obj, name, "unknown"))
               : "unknown";
  };
  std::printf("server     %s\nrtsp       %s\naddress    %s\nfirmware   %s\nconnected  %s\n"
              "clients    %lld\nrecording  %s\n",
              server.base().c_str(), str(o, "url").c_str(), str(cam, "address").c_str(),
              str(cam, "firmware").c_str(),
              cam && json_object_get_boolean_member_with_default(cam, "connected", FALSE) ? "yes"
                                                                                         : "no",
              static_cast<long long>(json_object_get_int_member_with_default(o, "clients", 0)),
              json_object_get_boolean_member_with_default(o, "recording", FALSE) ? "yes" : "no");
  std::fflush(stdout);
  return kExitOk;
}

int cmd_info(Context &ctx) {
  if (!ctx.args.empty()) return usage_error("info", "unexpected argument '" + ctx.args[0] + "'");
  if (!ctx.opt.server.empty()) return info_through_server(ctx);
  Failure failure;
  std::string firmware;
  auto session = open_session_with_firmware(ctx, firmware, failure);
  if (!session) return report(failure);
  std::string address = session->peer_address();
  session->close();
  std::string serial = serial_of(ctx, address);

  if (ctx.opt.json) {
    print_json(build_json([&](JsonBuilder *b) {
      json_builder_begin_object(b);
      json_builder_set_member_name(b, "address");
      json_builder_add_string_value(b, address.c_str());
      json_builder_set_member_name(b, "control_port");
      json_builder_add_int_value(b, ctx.opt.camera.control_port);
      json_builder_set_member_name(b, "firmware");
      json_builder_add_string_value(b, firmware.c_str());
      json_builder_set_member_name(b, "serial");
      if (serial.empty())
        json_builder_add_null_value(b);
      else
        json_builder_add_string_value(b, serial.c_str());
      json_builder_end_object(b);
    }));
  } else {
    std::printf("address   %s\nfirmware  %s\nserial    %s\n", address.c_str(),
                escape_control(firmware).c_str(),
                serial.empty() ? "unknown (no discovery answer)" : escape_control(serial).c_str());
    std::fflush(stdout);
  }
  return kExitOk;
}

}  // namespace ipcam::cli
