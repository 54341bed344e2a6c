// ipcam ls, ipcam fetch: stored files, from the camera or through
// ipcam-rtsp-server (--server).
#include "stored-files.h"

#include "ipcam/download.h"
#include "ipcam/text.h"
#include "server-client.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace ipcam::cli {

bool list_files(Context &ctx, std::vector<FileEntry> &files, std::string &camera_address,
                Failure &failure) {
  if (!ctx.opt.server.empty()) {
    ServerClient server(ctx);
    return server.files(files, failure);
  }
  auto session = open_session(ctx, failure);
  if (!session) return false;
  g_autoptr(GError) error = nullptr;
  auto list = session->file_list(&error);
  if (!list) {
    failure = failure_from(error, "reading the file list");
    return false;
  }
  files = std::move(*list);
  camera_address = session->peer_address();
  return true;
}

namespace {

// A progress bar on a terminal; a plain line otherwise.
class Progress {
 public:
  Progress(const FileEntry &file, bool bar) : bar_(bar) {
    const char *slash = std::strrchr(file.path.c_str(), '/');
    name_ = escape_control(slash ? slash + 1 : file.path);
    start_ = g_get_monotonic_time();
    if (!bar_)
      status("fetching %s (%s)", escape_control(file.path).c_str(),
             file.size ? human_size(file.size).c_str() : "size unknown");
  }
  void update(uint64_t done, uint64_t total) {
    if (!bar_) return;
    gint64 now = g_get_monotonic_time();
    if (now - last_ < 100000 && done != total) return;  // ten updates a second is plenty
    last_ = now;
    double secs = std::max(0.001, double(now - start_) / 1e6);
    std::string rate = human_size(static_cast<uint64_t>(double(done) / secs)) + "/s";
    if (total > 0) {
      int pct = static_cast<int>(100.0 * double(done) / double(total));
      int filled = pct * 30 / 100;
      std::fprintf(stderr, "\r%-24.24s [%-30s] %3d%% %10s %12s", name_.c_str(),
                   std::string(static_cast<size_t>(filled), '#').c_str(), pct,
                   human_size(done).c_str(), rate.c_str());
    } else {
      std::fprintf(stderr, "\r%-24.24s %10s %12s", name_.c_str(), human_size(done).c_str(),
                   rate.c_str());
    }
    drawn_ = true;
  }
  ~Progress() {
    if (drawn_) std::fputc('\n', stderr);
  }

 private:
  bool bar_;
  bool drawn_ = false;
  std::string name_;
  gint64 start_ = 0;
  gint64 last_ = 0;
};

// --continue -v: whether a part of the file is there to resume from.
void say_if_resuming(const Context &ctx, const FileEntry &file, const std::string &dir) {
  const auto safe = ctx.opt.verbose ? safe_local_name(file.path, nullptr) : std::nullopt;
  if (!safe) return;
  const std::string &name = *safe;
  g_autofree char *part = g_build_filename(dir.c_str(), (name + ".part").c_str(), nullptr);
  GStatBuf st;
  if (g_stat(part, &st) == 0 && st.st_size > 0)
    verbose(ctx, "resuming %s from byte %lld (%s)", escape_control(name).c_str(),
            static_cast<long long>(st.st_size), escape_control(part).c_str());
  else
    verbose(ctx, "no partial %s to resume; fetching it whole", escape_control(name).c_str());
}

// One rule with `preview -o`: a local file is not replaced without --force.
// One of the camera's size is taken as fetched already (`skip`), so that a
// fetch run again goes through; --continue resumes as it always did.
bool check_existing(const FileEntry &file, const std::string &dir, bool force, bool resume, bool &skip,
                    std::string &local, Failure &failure) {
  skip = false;
  const auto safe = safe_local_name(file.path, nullptr);
  if (!safe || force) return true;  // a name that escapes: the download refuses it
  g_autofree char *path = g_build_filename(dir.c_str(), safe->c_str(), nullptr);
  GStatBuf st;
  if (g_lstat(path, &st) != 0) return true;
  local = path;
  if (S_ISREG(st.st_mode) && file.size && uint64_t(st.st_size) == file.size) {
    skip = true;
    return true;
  }
  if (resume) return true;
  failure = {kExitUsage, escape_control(local) + " already exists (" + std::to_string(st.st_size) +
                             " bytes; the camera's file has " + std::to_string(file.size) +
                             "); give --force to replace it"};
  return false;
}

}  // namespace

void add_file_json(JsonBuilder *b, const FileEntry &f, const std::string *local) {
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "path");
  json_builder_add_string_value(b, f.path.c_str());
  json_builder_set_member_name(b, "size");
  json_builder_add_int_value(b, static_cast<gint64>(f.size));
  if (local) {
    json_builder_set_member_name(b, "local");
    json_builder_add_string_value(b, local->c_str());
  }
  json_builder_end_object(b);
}

int fetch_files(Context &ctx, const std::string &camera_address,
                const std::vector<FileEntry> &files, const std::string &dir, bool resume) {
  if (g_mkdir_with_parents(dir.c_str(), 0755) != 0)
    return report({kExitIo, "cannot create folder " + dir + ": " + g_strerror(errno)});
  std::unique_ptr<ServerClient> server;
  if (!ctx.opt.server.empty()) server = std::make_unique<ServerClient>(ctx);
  bool bar = interactive_stderr() && !ctx.opt.verbose;
  std::vector<std::pair<FileEntry, std::string>> done;
  for (const auto &file : files) {
    std::string local;
    Failure failure;
    bool skip = false;
    if (!check_existing(file, dir, g_cmd.force, resume, skip, local, failure)) return report(failure);
    if (skip) {
      status("%s: already here with the camera's size (%s), not fetched again", escape_control(local).c_str(),
             human_size(file.size).c_str());
      if (!ctx.opt.json) std::printf("%s\n", escape_control(local).c_str());
      std::fflush(stdout);
      done.emplace_back(file, local);
      continue;
    }
    bool ok;
    {
      Progress progress(file, bar);
      auto on_progress = [&](uint64_t d, uint64_t t) { progress.update(d, t); };
      if (server) {
        ok = server->download(file, dir, resume, on_progress, local, failure);
      } else {
        DownloadOptions o;
        o.host = camera_address;
        o.port = ctx.opt.camera.http_port;
        o.interface = ctx.opt.camera.interface;
        o.timeout_ms = timeout_ms(ctx.opt, 10000);
        o.expected_size = file.size;
        o.resume = resume;
        // Not over a file that appeared since the check, unless asked to.
        o.overwrite = resume || g_cmd.force;
        if (resume) say_if_resuming(ctx, file, dir);
        g_autoptr(GError) error = nullptr;
        auto saved = download_file(o, file.path, dir, on_progress, ctx.cancellable, &error);
        ok = bool(saved);
        if (ok) local = *saved;
        if (!ok) failure = download_failure_from(error, "fetching " + escape_control(file.path));
      }
    }
    if (!ok) {
      if (g_cancellable_is_cancelled(ctx.cancellable)) {
        failure.code = kExitInterrupted;
        failure.message = "fetching " + escape_control(file.path) + ": interrupted; " +
                          (resume ? "the partial file is kept; run the same command to resume"
                                  : "nothing kept (--continue keeps partial files to resume)");
      }
      return report(failure);
    }
    if (!ctx.opt.json) {
      std::printf("%s\n", escape_control(local).c_str());
      std::fflush(stdout);
    }
    done.emplace_back(file, local);
  }
  if (ctx.opt.json)
    print_json(build_json([&](JsonBuilder *b) {
      json_builder_begin_array(b);
      for (const auto &[f, local] : done) add_file_json(b, f, &local);
      json_builder_end_array(b);
    }));
  return kExitOk;
}

int cmd_ls(Context &ctx) {
  if (!ctx.args.empty()) return usage_error("ls", "unexpected argument '" + ctx.args[0] + "'");
  std::vector<FileEntry> files;
  std::string address;
  Failure failure;
  if (!list_files(ctx, files, address, failure)) return report(failure);
  if (ctx.opt.json) {
    print_json(build_json([&](JsonBuilder *b) {
      json_builder_begin_array(b);
      for (const auto &f : files) add_file_json(b, f);
      json_builder_end_array(b);
    }));
    return kExitOk;
  }
  for (const auto &f : files)
    std::printf("%12llu  %s\n", static_cast<unsigned long long>(f.size), escape_control(f.path).c_str());
  std::fflush(stdout);
  if (files.empty()) status("no files on the camera");
  return kExitOk;
}

namespace {

// A file named as `ipcam ls` prints it, or by its base name alone when
// exactly one listed file has that name.
bool find_listed(const std::vector<FileEntry> &files, const std::string &name, const FileEntry *&entry,
                 Failure &failure) {
  for (const auto &f : files)
    if (f.path == name) {
      entry = &f;
      return true;
    }
  std::vector<const FileEntry *> same_name;
  if (name.find('/') == std::string::npos)
    for (const auto &f : files) {
      const size_t slash = f.path.rfind('/');
      if (f.path.compare(slash == std::string::npos ? 0 : slash + 1, std::string::npos, name) == 0)
        same_name.push_back(&f);
    }
  if (same_name.size() == 1) {
    entry = same_name[0];
    return true;
  }
  if (same_name.empty()) {
    failure = {kExitIo, "no file " + escape_control(name) + " on the camera; see 'ipcam ls'"};
    return false;
  }
  std::string candidates;
  for (const auto *f : same_name) candidates += "\n  " + escape_control(f->path);
  failure = {kExitUsage, escape_control(name) + " names " + std::to_string(same_name.size()) +
                             " files on the camera; give the whole path of one:" + candidates};
  return false;
}

}  // namespace

int cmd_fetch(Context &ctx) {
  if (ctx.args.empty() && !g_cmd.latest)
    return usage_error("fetch", "name the files to fetch (as 'ipcam ls' prints them), or --latest");
  if (!ctx.args.empty() && g_cmd.latest)
    return usage_error("fetch", "give either paths or --latest, not both");
  std::vector<FileEntry> files;
  std::string address;
  Failure failure;
  if (!list_files(ctx, files, address, failure)) return report(failure);

  std::vector<FileEntry> wanted;
  if (g_cmd.latest) {
    // The camera lists files in the order it recorded them.
    if (files.empty()) return report({kExitIo, "no files on the camera to fetch"});
    wanted.push_back(files.back());
  } else {
    for (const auto &path : ctx.args) {
      const FileEntry *entry = nullptr;
      if (!find_listed(files, path, entry, failure)) return report(failure);
      wanted.push_back(*entry);
    }
  }
  std::string dir = g_cmd.output ? g_cmd.output : ".";
  return fetch_files(ctx, address, wanted, dir, g_cmd.resume);
}

}  // namespace ipcam::cli
