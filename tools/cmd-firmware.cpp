// ipcam firmware: the firmware version alone, as the camera makers' own
// tools call it (`info` prints it beside the address and serial).
#include "cli.h"

#include "ipcam/text.h"

#include <cstdio>

namespace ipcam::cli {

int cmd_firmware(Context &ctx) {
  if (!ctx.args.empty()) return usage_error("firmware", "unexpected argument '" + ctx.args[0] + "'");
  Failure failure;
  std::string version;
  auto session = open_session_with_firmware(ctx, version, failure);
  if (!session) return report(failure);
  if (ctx.opt.json) {
    print_json(build_json([&](JsonBuilder *b) {
      json_builder_begin_object(b);
      json_builder_set_member_name(b, "firmware");
      json_builder_add_string_value(b, version.c_str());
      json_builder_end_object(b);
    }));
  } else {
    std::printf("%s\n", escape_control(version).c_str());
    std::fflush(stdout);
  }
  return kExitOk;
}

}  // namespace ipcam::cli
