// ipcam storage, ipcam rm, ipcam format: the SD card, from the camera or
// through ipcam-rtsp-server (--server).
#include "phone-commands.h"

#include "ipcam/camera-settings.h"
#include "ipcam/text.h"
#include "server-client.h"
#include "stored-files.h"

#include <algorithm>
#include <cstdio>

namespace ipcam::cli {

namespace {

bool storage_from_server(Context &ctx, StorageInfo &info, Failure &failure) {
  ServerClient server(ctx);
  g_autoptr(JsonNode) root = server.call("GET", "/storage", "", failure);
  if (!root) return false;
  JsonObject *o = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : nullptr;
  if (!o || !json_object_has_member(o, "remaining") || !json_object_has_member(o, "total")) {
    failure = {kExitFailed, "GET /storage: the server's answer has no \"remaining\" and \"total\""};
    return false;
  }
  info.remaining = uint64_t(json_object_get_int_member(o, "remaining"));
  info.total = uint64_t(json_object_get_int_member(o, "total"));
  return true;
}

bool storage_from_camera(Context &ctx, StorageInfo &info, Failure &failure) {
  auto session = open_session(ctx, failure);
  if (!session) return false;
  g_autoptr(GError) error = nullptr;
  auto answer = session->storage(&error);
  if (!answer) {
    failure = failure_from(error, "reading the card's capacity");
    return false;
  }
  info = *answer;
  return true;
}

// The files the card holds and their bytes, for format's warning.
bool what_format_loses(Context &ctx, size_t &count, uint64_t &bytes, Failure &failure) {
  std::vector<FileEntry> files;
  std::string address;
  if (!list_files(ctx, files, address, failure)) return false;
  count = files.size();
  bytes = 0;
  for (const auto &f : files) bytes += f.size;
  return true;
}

}  // namespace

int cmd_storage(Context &ctx) {
  if (!ctx.args.empty()) return usage_error("storage", "unexpected argument '" + ctx.args[0] + "'");
  StorageInfo info;
  Failure failure;
  if (!(ctx.opt.server.empty() ? storage_from_camera(ctx, info, failure)
                               : storage_from_server(ctx, info, failure)))
    return report(failure);
  if (ctx.opt.json) {
    print_json(build_json([&](JsonBuilder *b) {
      json_builder_begin_object(b);
      json_builder_set_member_name(b, "remaining");
      json_builder_add_int_value(b, gint64(info.remaining));
      json_builder_set_member_name(b, "total");
      json_builder_add_int_value(b, gint64(info.total));
      json_builder_end_object(b);
    }));
    return kExitOk;
  }
  if (info.total == 0) {
    std::printf("no card (the camera reports 0 bytes)\n");
    return kExitOk;
  }
  const uint64_t used = info.total > info.remaining ? info.total - info.remaining : 0;
  std::printf("%s free of %s (%.0f%% used)\n", human_size(info.remaining).c_str(),
              human_size(info.total).c_str(), 100.0 * double(used) / double(info.total));
  return kExitOk;
}

int cmd_rm(Context &ctx) {
  if (ctx.args.empty()) return usage_error("rm", "name the files to delete (as 'ipcam ls' prints them)");
  for (const auto &path : ctx.args)
    if (path.size() >= kPathFieldSize)
      return usage_error("rm", "'" + escape_control(path) + "' is longer than the camera's 255-byte paths");
  std::vector<FileEntry> files;
  Failure failure;
  std::unique_ptr<ServerClient> server;
  SessionPtr session;
  // Listed first (on the same session): a name that is not on the card is
  // the user's typo, said as such.
  if (ctx.opt.server.empty()) {
    if (!(session = open_session(ctx, failure))) return report(failure);
    g_autoptr(GError) error = nullptr;
    auto list = session->file_list(&error);
    if (!list) return report(failure_from(error, "reading the file list"));
    files = std::move(*list);
  } else {
    server = std::make_unique<ServerClient>(ctx);
    if (!server->files(files, failure)) return report(failure);
  }
  for (const auto &path : ctx.args)
    if (std::none_of(files.begin(), files.end(), [&](const FileEntry &f) { return f.path == path; }))
      return report({kExitIo, "no file " + escape_control(path) + " on the camera; see 'ipcam ls'"});
  for (const auto &path : ctx.args) {
    const std::string what = "deleting " + escape_control(path);
    if (server) {
      g_autofree char *q = g_uri_escape_string(path.c_str(), nullptr, FALSE);
      g_autoptr(JsonNode) answer = server->call("DELETE", std::string("/files?path=") + q, "", failure);
      if (!answer) return report(failure);
    } else {
      g_autoptr(GError) error = nullptr;
      if (!session->delete_file(path, &error)) return report(failure_from(error, what));
    }
    if (!ctx.opt.json) status("deleted %s", escape_control(path).c_str());
  }
  if (ctx.opt.json)
    print_json(build_json([&](JsonBuilder *b) {
      json_builder_begin_object(b);
      json_builder_set_member_name(b, "deleted");
      json_builder_begin_array(b);
      for (const auto &path : ctx.args) json_builder_add_string_value(b, path.c_str());
      json_builder_end_array(b);
      json_builder_end_object(b);
    }));
  return kExitOk;
}

int cmd_format(Context &ctx) {
  if (!ctx.args.empty()) return usage_error("format", "unexpected argument '" + ctx.args[0] + "'");
  size_t count = 0;
  uint64_t bytes = 0;
  Failure failure;
  if (!g_phone.yes) {
    if (!what_format_loses(ctx, count, bytes, failure)) return report(failure);
    return usage_error("format", "this erases the whole card: " + std::to_string(count) + " files, " +
                                     std::to_string(bytes) + " bytes (" + human_size(bytes) +
                                     ") would be lost. Run 'ipcam format --yes' to erase it");
  }
  if (ctx.opt.server.empty()) {
    auto session = open_session(ctx, failure);
    if (!session) return report(failure);
    g_autoptr(GError) error = nullptr;
    if (!session->format_storage(&error)) return report(failure_from(error, "formatting the card"));
  } else {
    ServerClient server(ctx);
    g_autoptr(JsonNode) answer = server.call("POST", "/format?confirm=yes", "", failure);
    if (!answer) return report(failure);
  }
  if (ctx.opt.json)
    print_json(build_json([&](JsonBuilder *b) {
      json_builder_begin_object(b);
      json_builder_set_member_name(b, "formatted");
      json_builder_add_boolean_value(b, TRUE);
      json_builder_end_object(b);
    }));
  else
    status("card formatted");
  return kExitOk;
}

}  // namespace ipcam::cli
