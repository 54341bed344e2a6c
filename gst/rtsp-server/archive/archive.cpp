// Archive: see archive.h.
#include "archive/archive.h"

#include "archive/segment-file.h"

#include <glib/gstdio.h>

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <utility>

namespace ipcam::server {

namespace {

// Stall, free space and retry checks; each costs a little main-loop time.
constexpr guint kTickMs = 1000;
constexpr gint64 kRetryUs = 30 * G_USEC_PER_SEC;
constexpr gint64 kFirstCameraDelayUs = 1 * G_USEC_PER_SEC;
constexpr gint64 kMaxCameraDelayUs = 30 * G_USEC_PER_SEC;
constexpr gint64 kRefreshUs = 5 * G_USEC_PER_SEC;
// Less free than this and a segment could not even hold its first fragments.
constexpr uint64_t kFullBytes = 1 << 20;
// The longest stop() waits for the last segment to close.
constexpr gint64 kStopWaitUs = 400 * 1000;

// Tests shorten the 30 s between attempts (docs/archive.md, test hooks).
gint64 retry_interval() {
  const char *v = g_getenv("IPCAM_ARCHIVE_RETRY_SECONDS");
  const guint64 s = v && *v ? g_ascii_strtoull(v, nullptr, 10) : 0;
  return s > 0 && s <= 3600 ? gint64(s) * G_USEC_PER_SEC : kRetryUs;
}

// "1.5 GiB", in ASCII (the log may not be UTF-8).
std::string size_text(uint64_t bytes) {
  const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double v = double(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, u++;
  char text[32];
  g_snprintf(text, sizeof text, u ? "%.1f %s" : "%.0f %s", v, units[u]);
  return text;
}

// DIR/NAME, absolute (a relative DIR is the working folder's at start).
std::string archive_root(const std::string &dir, const std::string &camera) {
  g_autofree char *root = g_canonicalize_filename((dir + "/" + camera).c_str(), nullptr);
  return root;
}

}  // namespace

Archive::Archive(const std::string &camera, const ArchiveOptions &options, std::shared_ptr<CameraHub> hub,
                 GMainContext *main_context)
    : options_(options),
      folder_(archive_root(options.dir, camera)),
      hub_(std::move(hub)),
      main_context_(main_context),
      retry_us_(retry_interval()) {}

Archive::~Archive() { stop(); }

void Archive::start() {
  if (tick_) return;
  // A crash leaves the newest segment cut inside a fragment: back to its
  // last whole one, so that it plays without a complaint.
  if (g_mkdir_with_parents(folder_.root().c_str(), 0750) == 0) {
    const auto segments = folder_.list();
    std::string error;
    if (!segments.empty() && !repair_segment(folder_.absolute(segments.back().relative), error))
      g_warning("archive: %s", error.c_str());
  }
  {
    std::lock_guard<std::mutex> l(lock_);
    state_ = "waiting";
  }
  g_message("archive: writing the camera's stream to %s/", folder_.root().c_str());
  tick_ = g_timeout_source_new(kTickMs);
  g_source_set_callback(tick_, on_tick, this, nullptr);
  g_source_attach(tick_, main_context_);
  refresh();
  begin();
}

void Archive::begin_stop() {
  if (writer_) writer_->finish();
}

void Archive::stop() {
  if (!tick_) return;
  g_source_destroy(tick_);
  g_source_unref(tick_);
  tick_ = nullptr;
  // Both at once: the writer's EOS and the ones already finishing.
  if (writer_) writer_->finish();
  const gint64 deadline = g_get_monotonic_time() + kStopWaitUs;
  if (writer_) finishing_.push_back(std::move(writer_));
  for (auto &w : finishing_) w->finish_now(std::max<gint64>(0, deadline - g_get_monotonic_time()));
  finishing_.clear();
  ended_.clear();
  std::lock_guard<std::mutex> l(lock_);
  state_ = "off";
}

gboolean Archive::on_tick(gpointer self) {
  static_cast<Archive *>(self)->tick();
  return G_SOURCE_CONTINUE;
}

bool Archive::disk_ready(std::string &why) {
  const std::string &root = folder_.root();
  if (g_mkdir_with_parents(root.c_str(), 0750) != 0) {
    why = "cannot make the folder " + root + ": " + g_strerror(errno);
    return false;
  }
  if (access(root.c_str(), W_OK | X_OK) != 0) {
    why = "the folder " + root + " is not writable: " + g_strerror(errno);
    return false;
  }
  struct statvfs fs;
  if (statvfs(root.c_str(), &fs) != 0) {
    why = "cannot read the free space of " + root + ": " + g_strerror(errno);
    return false;
  }
  const uint64_t free_bytes = uint64_t(fs.f_bavail) * fs.f_frsize;
  if (options_.min_free_bytes && free_bytes < options_.min_free_bytes) {
    // No figure of the moment in the text: the same failure is logged once.
    why = "the disk of " + root + " has less free space than --archive-min-free (" +
          size_text(options_.min_free_bytes) + ")";
    return false;
  }
  if (free_bytes < kFullBytes) {
    why = "the disk of " + root + " is full (less than " + size_text(kFullBytes) + " free)";
    return false;
  }
  return true;
}

void Archive::begin() {
  next_attempt_us_ = 0;
  std::string why;
  if (!disk_ready(why)) return fail(why);
  SegmentWriter::Events events;
  events.opened = [this](SegmentWriter *, const std::string &relative) {
    {
      std::lock_guard<std::mutex> l(lock_);
      if (state_ != "writing") g_message("archive: writing %s", folder_.absolute(relative).c_str());
      state_ = "writing";
      error_.clear();
    }
    camera_delay_us_ = 0;
    refresh();
  };
  events.closed = [this](SegmentWriter *, const std::string &) { refresh(); };
  events.camera_lost = [this](SegmentWriter *w, const std::string &why) {
    if (w == writer_.get()) camera_lost(why);
  };
  events.write_failed = [this](SegmentWriter *w, const std::string &why) {
    // Stopped at once: the segment being written, and the one before it if
    // it was still being closed, are cut back to their last whole fragment.
    for (const auto &relative : w->recent()) {
      std::string error;
      if (!repair_segment(folder_.absolute(relative), error)) g_warning("archive: %s", error.c_str());
    }
    if (w == writer_.get()) write_failed(why);
    else ended(w);  // its last segment could not be closed: cut back above
  };
  events.ended = [this](SegmentWriter *w) { ended(w); };
  writer_ = std::make_unique<SegmentWriter>(folder_, options_.segment_s, hub_, main_context_, std::move(events));
  frames_seen_ = hub_->counters().frames;
  frames_moved_us_ = g_get_monotonic_time();
  {
    std::lock_guard<std::mutex> l(lock_);
    if (state_ == "failed") {
      g_message("archive: the disk takes segments again");
      error_.clear();  // a camera's reason stays until the first frame
    }
    state_ = "waiting";  // for the camera's next keyframe
  }
  std::string error;
  if (!writer_->start(error)) fail(error);
}

// A finishing writer is done: dropped at the next tick (not inside its own bus callback).
void Archive::ended(SegmentWriter *w) {
  auto it = std::find_if(finishing_.begin(), finishing_.end(), [w](const auto &f) { return f.get() == w; });
  if (it != finishing_.end()) {
    ended_.push_back(std::move(*it));
    finishing_.erase(it);
  }
  refresh();
}

// The run ends properly (EOS); `writer` may be null.
void Archive::retire(std::unique_ptr<SegmentWriter> writer) {
  if (!writer) return;
  {
    std::lock_guard<std::mutex> l(lock_);
    retired_drops_ += writer->dropped_gops();
  }
  writer->finish();
  finishing_.push_back(std::move(writer));
}

void Archive::camera_lost(const std::string &why) {
  retire(std::move(writer_));
  camera_delay_us_ = std::min(camera_delay_us_ ? camera_delay_us_ * 2 : kFirstCameraDelayUs, kMaxCameraDelayUs);
  next_attempt_us_ = g_get_monotonic_time() + camera_delay_us_;
  std::lock_guard<std::mutex> l(lock_);
  state_ = "waiting";
  error_ = why;
  g_message("archive: %s; asking for the camera again in %lld s", why.c_str(),
            static_cast<long long>(camera_delay_us_ / G_USEC_PER_SEC));
}

void Archive::write_failed(const std::string &why) {
  // Already stopped by the writer: nothing more can be written.
  {
    std::lock_guard<std::mutex> l(lock_);
    retired_drops_ += writer_->dropped_gops();
  }
  ended_.push_back(std::move(writer_));
  fail(why);
}

void Archive::fail(const std::string &why) {
  retire(std::move(writer_));
  next_attempt_us_ = g_get_monotonic_time() + retry_us_;
  std::lock_guard<std::mutex> l(lock_);
  // Logged once: the same failure at every attempt says nothing new.
  if (state_ != "failed" || error_ != why)
    g_warning("archive: %s; viewers carry on; trying again every %lld s", why.c_str(),
              static_cast<long long>(retry_us_ / G_USEC_PER_SEC));
  state_ = "failed";
  error_ = why;
}

void Archive::tick() {
  ended_.clear();
  const gint64 now = g_get_monotonic_time();
  if (!writer_ && next_attempt_us_ && now >= next_attempt_us_) begin();
  if (writer_) {
    const uint64_t frames = hub_->counters().frames;
    if (frames != frames_seen_) {
      frames_seen_ = frames;
      frames_moved_us_ = now;
    }
    std::string why;
    if (!disk_ready(why)) {
      fail(why);
    } else if (!writer_->current().empty() && now - frames_moved_us_ > kStallSeconds * G_USEC_PER_SEC) {
      // The camera went quiet (ipcamsrc is reconnecting): this segment
      // ends here, and the next one starts with the camera's next keyframe.
      const std::string why = "the camera sent nothing for " + std::to_string(kStallSeconds) + " s";
      g_message("archive: %s: segment closed", why.c_str());
      auto old = std::move(writer_);
      begin();
      retire(std::move(old));
      std::lock_guard<std::mutex> l(lock_);
      if (state_ == "waiting") error_ = why;
    }
  }
  if (writer_ && writer_->dropped_gops() > drops_logged_) {
    drops_logged_ = writer_->dropped_gops();
    g_warning("archive: the disk fell behind the camera: %llu groups of pictures were not written",
              static_cast<unsigned long long>(drops_logged_));
  }
  if (now - refreshed_us_ >= kRefreshUs) refresh();
}

// Retention, and the totals the status shows.
void Archive::refresh() {
  refreshed_us_ = g_get_monotonic_time();
  auto segments = folder_.list();
  const std::string writing = current();
  for (const auto &gone :
       folder_.prune(segments, options_.keep_s, options_.max_bytes, writing, g_get_real_time() / G_USEC_PER_SEC))
    g_message("archive: removed %s (retention)", gone.c_str());
  uint64_t bytes = 0;
  for (const auto &s : segments) bytes += s.bytes;
  std::lock_guard<std::mutex> l(lock_);
  segments_ = segments.size();
  bytes_ = bytes;
}

std::string Archive::current() { return writer_ ? writer_->current() : std::string(); }

ArchiveStatus Archive::status() {
  ArchiveStatus s;
  s.dir = folder_.root();
  const uint64_t writer_drops = writer_ ? writer_->dropped_gops() : 0;
  std::lock_guard<std::mutex> l(lock_);
  s.state = state_;
  s.error = error_;
  s.segments = segments_;
  s.bytes = bytes_;
  s.dropped_gops = retired_drops_ + writer_drops;
  return s;
}

}  // namespace ipcam::server
