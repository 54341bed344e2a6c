// ipcam sync DIR: mirrors the card's files into DIR (sync-folder.h), from
// the camera or through ipcam-rtsp-server (--server). What DIR holds is the
// only state: a file of the listed size is done, NAME.part is resumed,
// anything else is fetched.
#include "phone-commands.h"

#include "ipcam/download.h"
#include "ipcam/text.h"
#include "server-client.h"
#include "sync-folder.h"

#include <libsoup/soup.h>
#include <poll.h>

#include <algorithm>
#include <cstdio>

namespace ipcam::cli {

namespace {

struct SyncTotals {
  std::vector<std::string> downloaded;  // local paths
  uint64_t bytes = 0;
  size_t up_to_date = 0;
  std::vector<std::string> left_recording;  // camera paths left while the camera records
  std::vector<std::string> deleted;         // camera paths
  std::vector<std::pair<std::string, std::string>> failed;  // camera path, why
  bool delete_refused = false;
};

// The camera or the server, whichever the sync goes through.
class SyncSource {
 public:
  explicit SyncSource(Context &ctx) : ctx_(ctx) {}

  bool open(Failure &failure) {
    if (!ctx_.opt.server.empty()) {
      server_ = std::make_unique<ServerClient>(ctx_);
      return true;
    }
    session_ = open_session(ctx_, failure);
    return bool(session_);
  }

  bool list(std::vector<FileEntry> &files, Failure &failure) {
    if (server_) return server_->files(files, failure);
    g_autoptr(GError) error = nullptr;
    auto list = session_->file_list(&error);
    if (!list) {
      failure = failure_from(error, "reading the file list");
      return false;
    }
    files = std::move(*list);
    return true;
  }

  // Whether the camera records now (the block's `recording`); false when
  // the block does not say.
  bool recording(Failure &failure, bool &ok) {
    ok = true;
    if (server_) {
      g_autoptr(JsonNode) root = server_->call("GET", "/settings", "", failure);
      if (!root) return ok = false;
      JsonObject *o = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : nullptr;
      JsonObject *s = o && json_object_has_member(o, "settings") ? json_object_get_object_member(o, "settings") : nullptr;
      return s && json_object_get_int_member_with_default(s, "recording", 0) != 0;
    }
    g_autoptr(GError) error = nullptr;
    auto block = session_->configuration(&error);
    if (!block) {
      failure = failure_from(error, "reading whether the camera records");
      return ok = false;
    }
    return setting_value(*block, "recording").value_or(0) != 0;
  }

  // Into `folder` (a pinned path); resumes NAME.part; checks the size.
  bool download(const FileEntry &file, const std::string &folder, const ProgressCallback &progress,
                Failure &failure) {
    std::string local;
    if (server_) return server_->download(file, folder, true, progress, local, failure);
    DownloadOptions o = download_options(file);
    g_autoptr(GError) error = nullptr;
    if (download_file(o, file.path, folder, progress, ctx_.cancellable, &error)) return true;
    failure = download_failure_from(error, "fetching " + escape_control(file.path));
    return false;
  }

  // The camera's Last-Modified for the file (a HEAD request), or nullptr.
  GDateTime *modified(const FileEntry &file) {
    if (server_) return nullptr;  // the server's download answer is not dated
    const DownloadOptions o = download_options(file);
    g_autoptr(SoupSession) s = soup_session_new_with_options("timeout", (o.timeout_ms + 999) / 1000, nullptr);
    g_autoptr(SoupMessage) msg = soup_message_new("HEAD", file_url(o.host, o.port, file.path).c_str());
    if (!msg) return nullptr;
    soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
    g_autoptr(GBytes) body = soup_session_send_and_read(s, msg, ctx_.cancellable, nullptr);
    if (!body || soup_message_get_status(msg) != SOUP_STATUS_OK) return nullptr;
    const char *date = soup_message_headers_get_one(soup_message_get_response_headers(msg), "Last-Modified");
    return date ? soup_date_time_new_from_http_string(date) : nullptr;
  }

  bool remove(const std::string &path, Failure &failure) {
    const std::string what = "deleting " + escape_control(path) + " on the camera";
    if (server_) {
      g_autofree char *q = g_uri_escape_string(path.c_str(), nullptr, FALSE);
      g_autoptr(JsonNode) answer = server_->call("DELETE", std::string("/files?path=") + q, "", failure);
      return answer != nullptr;
    }
    g_autoptr(GError) error = nullptr;
    if (session_->delete_file(path, &error)) return true;
    failure = failure_from(error, what);
    return false;
  }

 private:
  DownloadOptions download_options(const FileEntry &file) const {
    DownloadOptions o;
    o.host = session_->peer_address();
    o.port = ctx_.opt.camera.http_port;
    o.interface = ctx_.opt.camera.interface;
    o.timeout_ms = timeout_ms(ctx_.opt, 10000);
    o.expected_size = file.size;
    o.resume = true;  // a partial copy stays as NAME.part for the next run
    return o;
  }

  Context &ctx_;
  SessionPtr session_;
  std::unique_ptr<ServerClient> server_;
};

// A bar on a terminal (redrawn at most ten times a second); nothing otherwise.
class SyncProgress {
 public:
  SyncProgress(const std::string &name, bool bar) : name_(escape_control(name)), bar_(bar) {}
  ~SyncProgress() {
    if (drawn_) std::fputc('\n', stderr);
  }
  void update(uint64_t done, uint64_t total) {
    const gint64 now = g_get_monotonic_time();
    if (!bar_ || (now - last_ < 100000 && done != total)) return;
    last_ = now;
    const int pct = total ? int(100.0 * double(done) / double(total)) : 0;
    std::fprintf(stderr, "\r%-24.24s [%-30s] %3d%% %10s", name_.c_str(), std::string(size_t(pct * 30 / 100), '#').c_str(),
                 pct, human_size(done).c_str());
    drawn_ = true;
  }

 private:
  std::string name_;
  bool bar_;
  bool drawn_ = false;
  gint64 last_ = 0;
};

// One file: fetched unless DIR has it whole, then (with --delete-after)
// deleted on the camera. False only when the sync must stop (Ctrl+C).
bool sync_file(Context &ctx, SyncSource &source, const FileEntry &file, const std::string &root, SyncTotals &t) {
  const std::string shown = escape_control(file.path);
  SyncFolder folder;
  std::string local = root;
  auto fail = [&](std::string why) {
    // The library names the folder by its pinned path: show the user's.
    const std::string pinned = folder.fd() >= 0 ? folder.pinned_path() : std::string();
    g_autofree char *shown_dir = g_path_get_dirname(local.c_str());
    for (size_t at; !pinned.empty() && (at = why.find(pinned)) != std::string::npos;)
      why.replace(at, pinned.size(), escape_control(shown_dir));
    status("sync: %s: %s", shown.c_str(), why.c_str());
    t.failed.emplace_back(file.path, why);
    return true;
  };
  g_autoptr(GError) error = nullptr;
  auto parts = sync_components(file.path, &error);
  if (!parts) return fail(error->message);
  const std::string name = parts->back();
  parts->pop_back();
  for (const auto &p : *parts) local += G_DIR_SEPARATOR_S + p;
  local += G_DIR_SEPARATOR_S + name;
  if (!folder.open(root, *parts, &error)) return fail(error->message);
  const auto state = folder.state_of(name, file.size);
  if (state == SyncFolder::State::kNotAFile)
    return fail(escape_control(local) + " is not a regular file (a symlink is never followed); left alone");
  if (state == SyncFolder::State::kComplete) {
    t.up_to_date++;
  } else {
    if (!interactive_stderr() || ctx.opt.verbose)
      status("sync: fetching %s (%s)", shown.c_str(), human_size(file.size).c_str());
    uint64_t part_size = 0;
    if (folder.state_of(name + ".part", 0, &part_size) != SyncFolder::State::kMissing && part_size > 0)
      verbose(ctx, "resuming %s from byte %llu", escape_control(name).c_str(),
              static_cast<unsigned long long>(part_size));
    Failure failure;
    bool ok;
    {
      SyncProgress progress(name, interactive_stderr() && !ctx.opt.verbose);
      ok = source.download(file, folder.pinned_path(), [&](uint64_t d, uint64_t n) { progress.update(d, n); },
                           failure);
    }
    if (!ok && g_cancellable_is_cancelled(ctx.cancellable)) return false;
    if (!ok) return fail(failure.message);
    // The final name holds the listed size, or it is not the copy.
    if (folder.state_of(name, file.size) != SyncFolder::State::kComplete)
      return fail("the copy does not have the listed " + std::to_string(file.size) + " bytes");
    if (g_autoptr(GDateTime) when = source.modified(file)) folder.set_modified(name, when, nullptr);
    t.downloaded.push_back(local);
    t.bytes += file.size;
    if (!ctx.opt.json) {
      std::printf("%s\n", escape_control(local).c_str());
      std::fflush(stdout);
    }
  }
  if (g_phone.delete_after) {
    Failure failure;
    if (!source.remove(file.path, failure)) {
      if (failure.code == kExitRefused) t.delete_refused = true;
      return fail(failure.message + " (the copy is kept)");
    }
    t.deleted.push_back(file.path);
  }
  return true;
}

// One pass over the card. Returns 0, or the exit code that ends the sync.
int sync_pass(Context &ctx, const std::string &root, SyncTotals &t) {
  SyncSource source(ctx);
  Failure failure;
  std::vector<FileEntry> files;
  if (!source.open(failure) || !source.list(files, failure)) return report(failure);
  bool ok = true;
  const bool recording = source.recording(failure, ok);
  if (!ok) return report(failure);
  // The camera lists in the order it recorded: the last file may still grow.
  if (recording && !files.empty()) {
    status("sync: the camera records; %s is left for later", escape_control(files.back().path).c_str());
    t.left_recording.push_back(files.back().path);
    files.pop_back();
  }
  for (const auto &file : files)
    if (!sync_file(ctx, source, file, root, t))
      return report({kExitInterrupted, "sync: interrupted; a partial file is kept as NAME.part: run the "
                                       "same command again to resume"});
  return 0;
}

void print_summary(const Context &ctx, const SyncTotals &t) {
  if (ctx.opt.json) {
    auto strings = [](JsonBuilder *b, const char *name, const std::vector<std::string> &list) {
      json_builder_set_member_name(b, name);
      json_builder_begin_array(b);
      for (const auto &s : list) json_builder_add_string_value(b, s.c_str());
      json_builder_end_array(b);
    };
    print_json(build_json([&](JsonBuilder *b) {
      json_builder_begin_object(b);
      strings(b, "downloaded", t.downloaded);
      json_builder_set_member_name(b, "bytes");
      json_builder_add_int_value(b, gint64(t.bytes));
      json_builder_set_member_name(b, "up_to_date");
      json_builder_add_int_value(b, gint64(t.up_to_date));
      strings(b, "left_while_recording", t.left_recording);
      strings(b, "deleted", t.deleted);
      json_builder_set_member_name(b, "failed");
      json_builder_begin_array(b);
      for (const auto &[path, why] : t.failed) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "path");
        json_builder_add_string_value(b, path.c_str());
        json_builder_set_member_name(b, "error");
        json_builder_add_string_value(b, why.c_str());
        json_builder_end_object(b);
      }
      json_builder_end_array(b);
      json_builder_end_object(b);
    }));
    return;
  }
  status("sync: %zu downloaded (%s), %zu up to date, %zu left while recording, %zu deleted on the camera, "
         "%zu failed",
         t.downloaded.size(), human_size(t.bytes).c_str(), t.up_to_date, t.left_recording.size(),
         t.deleted.size(), t.failed.size());
}

// Waits `seconds`, or less when Ctrl+C comes; true when it came.
bool wait_or_interrupt(Context &ctx, int seconds) {
  GPollFD fd;
  if (!g_cancellable_make_pollfd(ctx.cancellable, &fd)) return false;
  const gint64 end = g_get_monotonic_time() + gint64(seconds) * G_USEC_PER_SEC;
  while (!g_cancellable_is_cancelled(ctx.cancellable)) {
    const gint64 left = end - g_get_monotonic_time();
    if (left <= 0) break;
    g_poll(&fd, 1, int(std::min<gint64>(left / 1000 + 1, G_MAXINT)));
  }
  g_cancellable_release_fd(ctx.cancellable);
  return g_cancellable_is_cancelled(ctx.cancellable);
}

}  // namespace

int cmd_sync(Context &ctx) {
  if (ctx.args.size() != 1) return usage_error("sync", "name the one folder to sync into");
  if (g_phone.watch < 0) return usage_error("sync", "--watch SECONDS must be 1 or more");
  const std::string root = ctx.args[0];
  SyncTotals totals;
  for (;;) {
    const size_t failed_before = totals.failed.size();
    const int code = sync_pass(ctx, root, totals);
    if (code == kExitInterrupted || (code != 0 && g_phone.watch == 0)) {
      if (code != kExitInterrupted) print_summary(ctx, totals);
      return code;
    }
    if (g_phone.watch == 0) break;
    // Watching: the camera is left free between passes (its one client).
    if (code == 0) status("sync: pass done (%zu failed); next in %d s (Ctrl+C stops)",
                          totals.failed.size() - failed_before, g_phone.watch);
    if (wait_or_interrupt(ctx, g_phone.watch)) {
      status("sync: stopped");
      break;
    }
  }
  print_summary(ctx, totals);
  if (!totals.failed.empty()) return totals.delete_refused ? kExitRefused : kExitIo;
  return kExitOk;
}

}  // namespace ipcam::cli
