// The commands for what a camera's phone app does (settings, the clock, the
// card, the Wi-Fi password, mirroring the card into a folder), kept in a
// table of their own beside main.cpp's so that each part grows apart.
#pragma once

#include "cli.h"

#include <cstddef>

namespace ipcam::cli {

// Their options, filled by GOption before run().
struct PhoneOptions {
  gboolean yes = FALSE;           // format --yes
  gchar *time = nullptr;          // set-clock --time ISO-8601
  gchar *ssid = nullptr;          // wifi-password --ssid NAME
  gboolean delete_after = FALSE;  // sync --delete-after
  gint watch = 0;                 // sync --watch SECONDS (0: one pass)
  ~PhoneOptions();
};
extern PhoneOptions g_phone;

extern const Command kPhoneCommands[];
extern const size_t kPhoneCommandCount;

// Whether `name` is one of them that --server can carry (all but wifi-password).
bool phone_command_through_server(const char *name);

int cmd_settings(Context &ctx);
int cmd_record_status(Context &ctx);  // `record status`, reached through cmd_record
int cmd_set_clock(Context &ctx);
int cmd_storage(Context &ctx);
int cmd_rm(Context &ctx);
int cmd_format(Context &ctx);
int cmd_wifi_password(Context &ctx);
int cmd_sync(Context &ctx);

}  // namespace ipcam::cli
