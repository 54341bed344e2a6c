// The table of the phone app's commands (phone-commands.h): names, options,
// help texts. main.cpp looks commands up here after its own table.
#include "phone-commands.h"

#include <cstring>

namespace ipcam::cli {

PhoneOptions g_phone;

PhoneOptions::~PhoneOptions() {
  g_free(time);
  g_free(ssid);
}

namespace {

const GOptionEntry kFormatEntries[] = {
    {"yes", 'y', 0, G_OPTION_ARG_NONE, &g_phone.yes,
     "Really erase every file on the card (without it, format only says what would be lost)",
     nullptr},
    {}};

const GOptionEntry kClockEntries[] = {
    {"time", 0, 0, G_OPTION_ARG_STRING, &g_phone.time,
     "Set this date and time (ISO 8601, e.g. 2026-05-01T12:00:00; without a zone: local time) "
     "instead of now",
     "ISO-8601"},
    {}};

const GOptionEntry kWifiEntries[] = {
    {"ssid", 0, 0, G_OPTION_ARG_STRING, &g_phone.ssid,
     "The camera's Wi-Fi network name (at most 32 bytes)", "NAME"},
    {}};

const GOptionEntry kSyncEntries[] = {
    {"delete-after", 0, 0, G_OPTION_ARG_NONE, &g_phone.delete_after,
     "Delete each file on the camera once its copy is complete and verified", nullptr},
    {"watch", 0, 0, G_OPTION_ARG_INT, &g_phone.watch,
     "Sync again every SECONDS until Ctrl+C", "SECONDS"},
    {}};

}  // namespace

const Command kPhoneCommands[] = {
    {"settings", "[NAME=INDEX...]", "Show the camera's settings, or set them by name",
     "Without arguments: every setting the camera reports, with its index and, where the model "
     "table knows it, what the index means. With NAME=INDEX arguments: sets each and says "
     "whether the camera took it, refused it (its result), ignored it, or whether it was only "
     "sent (write-only settings cannot be read back). Exit 8 unless every readable one was "
     "taken. See docs/settings.md.\nExamples:\n  ipcam settings\n  ipcam settings --json\n"
     "  ipcam settings exposure=2 led=0",
     nullptr, cmd_settings},
    {"set-clock", "[--time ISO-8601]", "Set the camera's clock (default: to now)",
     "Sets the camera's date and time, which its new files carry, to the host's local time or "
     "to --time. ipcam changes the camera's clock only with this command.\nExamples:\n"
     "  ipcam set-clock\n  ipcam set-clock --time 2026-05-01T12:00:00",
     kClockEntries, cmd_set_clock},
    {"storage", "", "Show the SD card's free and total space",
     "Examples:\n  ipcam storage\n  ipcam storage --json   # in bytes", nullptr, cmd_storage},
    {"rm", "PATH...", "Delete files on the camera's card",
     "Deletes files (paths as `ipcam ls` prints them) from the card.\nExample:\n"
     "  ipcam rm /mnt/sdcard/DCIM/100MEDIA/VID_0001.MP4",
     nullptr, cmd_rm},
    {"format", "--yes", "Erase the camera's SD card",
     "Formats the card: every file on it is lost. Without --yes it only says how many files and "
     "bytes would be lost (exit 2).\nExample:\n  ipcam format --yes",
     kFormatEntries, cmd_format},
    {"wifi-password", "--ssid NAME", "Change the camera's Wi-Fi password",
     "Reads the current and the new password (8 to 63 bytes) from the terminal without echo, "
     "the new one twice; or, when standard input is not a terminal, one per line from it (the "
     "current one, then the new one). Never from the command line; never printed. The camera "
     "restarts its access point: join it again with the new password.\nExamples:\n"
     "  ipcam wifi-password --ssid CAM-1234\n"
     "  printf '%s\\n%s\\n' \"$OLD\" \"$NEW\" | ipcam wifi-password --ssid CAM-1234",
     kWifiEntries, cmd_wifi_password},
    {"sync", "DIR [--delete-after] [--watch SECONDS]", "Mirror the card's files into a folder",
     "Copies every file of the card that DIR lacks or holds only partly (a partial copy is "
     "resumed) into DIR, in the camera's folders. Each copy is checked against the listed size "
     "before it gets its name, and dated with the camera's Last-Modified. While the camera "
     "records, its newest file is left for later. No state is kept: a second run compares and "
     "downloads nothing new.\nExamples:\n  ipcam sync ~/camera\n"
     "  ipcam sync ~/camera --delete-after --watch 60",
     kSyncEntries, cmd_sync},
};

const size_t kPhoneCommandCount = sizeof kPhoneCommands / sizeof kPhoneCommands[0];

bool phone_command_through_server(const char *name) {
  if (std::strcmp(name, "wifi-password") == 0) return false;  // not on the server's API at all
  for (size_t i = 0; i < kPhoneCommandCount; i++)
    if (std::strcmp(name, kPhoneCommands[i].name) == 0) return true;
  return false;
}

}  // namespace ipcam::cli
