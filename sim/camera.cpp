#include "camera.h"

#include "app-requests.h"
#include "configuration.h"
#include "control-server.h"
#include "discovery-responder.h"
#include "http-file-server.h"
#include "loop-util.h"
#include "media-encode.h"
#include "media-store.h"
#include "preview-streamer.h"
#include "video-source.h"
#include "wall-clock.h"

#include <gio/gio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include <condition_variable>
#include <mutex>
#include <random>

#include "ipcam/camera-settings.h"

namespace ipcam::sim {

namespace {
// A default camera clock starts between one and two seconds after "power on".
constexpr uint32_t kPowerOnMs = 1000;
// Room kept on the card for the MP4's own boxes when a recording grows
// toward the card's end (h264 in mp4 adds well under this for short clips).
constexpr uint64_t kMp4Headroom = 64 * 1024;
constexpr int kMotionPhotoField = 8;  // photo_motion
}  // namespace

struct StartGate {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  GError *error = nullptr;
};

// The camera's moving parts, created and destroyed on the camera thread.
struct Camera::Parts final : ControlHandler, CameraActions, TestControls {
  Parts(const CameraConfig &c, Stats &s, uint64_t seed)
      : config(c), stats(s), dice(seed), store(), configuration(c, s),
        app(s, store, configuration, clock, *this), streamer(c, dice, s), control(c, s, *this),
        discovery(c, s), http(c, store, s, seed) {}
  ~Parts() override {
    control.stop();
    if (source) source->stop();
    for (auto &w : workers) w.join();
    // The exit stats show the camera as it was left.
    stats.set_refresh({});
    refresh_stats();
    if (preview_client) g_object_unref(preview_client);
  }

  bool setup(GError **error) {
    context = g_main_context_get_thread_default();
    store.set_card_size(config.card_size);
    if (!store.open(config.store, config.samples, error)) return false;
    if (!configuration.load(store.dir(), error)) return false;
    http.set_test_controls(this);
    stats.set_refresh([this] { refresh_stats(); });
    if (!config.h264_file.empty()) {
      source = make_replay_source(config, error);
      if (!source) return false;
    } else {
      source = make_live_source(config);
    }
    start_ms = now_ms();
    return streamer.open(error) && control.start(error) && discovery.start(error) &&
           http.start(error);
  }

  // Camera milliseconds: the configured start plus real time (or frame time
  // when unpaced), plus any injected jump; u32, so it wraps.
  uint32_t camera_ms(int64_t capture_ms = -1) {
    int64_t elapsed = config.paced ? now_ms() - start_ms
                                   : int64_t(double(frame_no) * 1000.0 / config.fps);
    if (config.paced && capture_ms >= 0) {
      // Capture times (the encoder's, or when a replayed frame was due),
      // placed on the camera clock at the first picture of each run.
      if (capture_base_ms == kNoBase) capture_base_ms = elapsed - capture_ms;
      elapsed = capture_base_ms + capture_ms;
    }
    int64_t jump = config.faults.clock_jump_at > 0 && frame_no >= config.faults.clock_jump_at
                       ? config.faults.clock_jump_ms
                       : 0;
    return uint32_t(int64_t(clock_start) + elapsed + jump);
  }

  void on_frame(const AccessUnit &au) {
    uint32_t ms = camera_ms(au.capture_ms);
    if (config.faults.clock_jump_at > 0 && frame_no == config.faults.clock_jump_at)
      stats.add("clock_jumps");
    Bytes data = config.tag_frames ? tag_access_unit(au.data, frame_no, ms) : au.data;
    ++frame_no;
    bool entry = au.keyframe && au.has_sps;
    if (entry) gop.clear();
    if (entry || !gop.empty()) gop.push_back(data);
    if (recording_on && (entry || !recorded.empty())) {
      recorded.push_back(data);
      recorded_bytes += data.size();
      if (recorded_bytes + kMp4Headroom > store.remaining()) card_full();
    }
    if (streamer.active()) send_preview(entry, data, ms);
    update_source();
  }

  void send_preview(bool entry, const Bytes &data, uint32_t ms) {
    if (need_keyframe && !entry) {
      stats.add("frames_skipped_for_keyframe");
      return;
    }
    need_keyframe = false;
    ++preview_frames;
    unsigned n = config.faults.drop_after_frames;
    if (n > 0 && preview_frames == uint64_t(n) + 1) {
      if (config.faults.drop_mid_frame) streamer.send_frame(data, ms, true);
      stats.add("sessions_dropped_fault");
      control.drop_session(config.faults.drop_mid_frame ? "fault: --drop-after-frames, mid-frame"
                                                        : "fault: --drop-after-frames");
      return;
    }
    streamer.send_frame(data, ms);
  }

  // The source runs while someone watches or records.
  void update_source() {
    bool want = streamer.active() || recording_on;
    if (want && !source->running()) {
      capture_base_ms = kNoBase;  // the source's clock starts again
      g_autoptr(GError) error = nullptr;
      if (!source->start([this](const AccessUnit &au) { on_frame(au); }, &error))
        g_warning("video source: %s", error->message);
    } else if (!want && source->running()) {
      source->stop();
    }
  }

  void start_preview(GInetAddress *client) override {
    if (preview_client != client) {
      if (preview_client) g_object_unref(preview_client);
      preview_client = G_INET_ADDRESS(g_object_ref(client));
    }
    streamer.start(client);
    preview_frames = 0;
    need_keyframe = true;
    if (source->running()) source->request_keyframe();
    update_source();
  }

  // Recording goes on: it is the camera's state, not the session's, and a
  // later session (another `ipcam record stop`) ends it.
  void session_ended() override {
    streamer.stop();
    update_source();
  }

  AppAnswer app_request(uint32_t type, ByteView payload) override {
    return app.answer(type, payload);
  }

  bool recording() const override { return recording_on; }
  bool slow_recording() const override { return slow; }
  bool set_slow_recording(bool on) override {
    if (on && !store.present()) return false;
    control_recording(on, [] {});
    slow = on && recording_on;
    return true;
  }
  void stop_preview() override {
    streamer.stop();
    update_source();
  }
  void resume_preview() override {
    if (preview_client && !streamer.active()) start_preview(preview_client);
  }
  std::string http_base() const override {
    const std::string &a = config.endpoint.address;
    std::string host = a.find(':') == std::string::npos ? a : "[" + a + "]";  // IPv6
    return "http://" + host + ":" + std::to_string(http.port());
  }

  void refresh_stats() {
    stats.set_state("clock", clock.text());
    stats.set_state("card_present", int64_t(store.present()));
    stats.set_state("card_size", int64_t(store.card_size()));
    stats.set_state("card_remaining", int64_t(store.present() ? store.remaining() : 0));
    stats.set_state("recording", int64_t(recording_on));
  }

  // POST /ipcam-sim/NAME: what a person does to the camera (docs/ipcam-sim.md).
  std::pair<unsigned, std::string> test_control(const std::string &name) override {
    if (name == "card-out" || name == "card-in") return move_card(name == "card-in");
    if (name == "emergency") return emergency_file();
    if (name == "motion") return motion();
    return {404, R"({"error":"no such control: card-out, card-in, emergency, motion"})"};
  }

  static std::string sent_json(const char *event, bool sent) {
    return std::string(R"({"event":")") + event + R"(","sent":)" + (sent ? "true" : "false") + "}";
  }
  // The event goes to the client once the file is written.
  static std::string pending_json(const char *event, const std::string &file) {
    return std::string(R"({"event":")") + event + R"(","file":")" + file + "\"}";
  }

  // Out: a recording stops and is lost (its file was never closed); the
  // files stay on the card for when it goes back in.
  std::pair<unsigned, std::string> move_card(bool in) {
    if (store.present() == in)
      return {409, in ? R"({"error":"the card is already in"})" : R"({"error":"the card is already out"})"};
    if (!in && recording_on) {
      recording_on = slow = false;
      recorded.clear();
      update_source();
      stats.add("recordings_lost");
    }
    store.set_present(in);
    stats.add(in ? "card_insertions" : "card_removals");
    g_message("card: %s", in ? "inserted" : "removed");
    bool sent = control.send_event(in ? msg::kCardInserted : msg::kCardRemoved);
    return {200, sent_json(in ? "card-inserted" : "card-removed", sent)};
  }

  // An SOS file: what is recorded so far, kept as its own clip while the
  // recording goes on; the event names it once it is written.
  std::pair<unsigned, std::string> emergency_file() {
    if (!recording_on || recorded.empty())
      return {409, R"({"error":"an emergency file is cut from a recording: start one (0xA03A) and let it record a keyframe first"})"};
    std::string path = store.reserve("SOS", "MP4");
    g_autofree char *name = g_path_get_basename(path.c_str());
    std::string camera_path = std::string(kCameraMediaDir) + name;
    write_video(path, recorded, "emergency_files", [this, path, camera_path] {
      if (!g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR)) return;  // not written: no event
      Bytes field(kPathFieldSize, 0);
      std::copy(camera_path.begin(), camera_path.end(), field.begin());
      control.send_event(msg::kEmergencyFile, field);
    });
    return {202, pending_json("emergency-file", camera_path)};
  }

  // Motion in front of the camera: with the motion-photo setting on, a photo
  // is taken and the event follows it.
  std::pair<unsigned, std::string> motion() {
    if (configuration.field(kMotionPhotoField) == 0)
      return {409, R"({"error":"motion-photo is off: set it (0xA058) to take a photo on motion"})"};
    if (!store.present()) return {409, R"({"error":"no card in the camera"})"};
    std::string path = store.reserve("IMG", "JPG");
    g_autofree char *name = g_path_get_basename(path.c_str());
    std::string camera_path = std::string(kCameraMediaDir) + name;
    stats.add("motion_triggers");
    take_still_to(path, [this, path] {
      if (!g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR)) return;  // not taken: no event
      stats.add("motion_photos");
      control.send_event(msg::kMotionPhoto);
    });
    return {202, pending_json("motion-photo", camera_path)};
  }

  // The recording so far is kept (it fits), then the camera says why it stopped.
  void card_full() {
    g_message("record: the card is full; stopping");
    stats.add("card_full_events");
    control_recording(false, [] {});
    control.send_event(msg::kCardFull);
  }

  std::vector<FileEntry> file_list() override { return store.list(); }

  // Runs `work` on a worker thread, then `done` back on the camera thread.
  void in_worker(std::function<void()> work, std::function<void()> done) {
    GMainContext *ctx = context;
    workers.emplace_back([ctx, work = std::move(work), done = std::move(done)] {
      work();
      invoke_on(ctx, done);
    });
  }

  void take_still(std::function<void()> done) override {
    if (!store.present()) {
      stats.add("stills_without_card");
      done();
      return;
    }
    take_still_to(store.reserve("IMG", "JPG"), std::move(done));
  }

  void take_still_to(const std::string &path, std::function<void()> done) {
    std::vector<Bytes> frames = gop;
    int w = config.width, h = config.height;
    in_worker(
        [this, path, frames, w, h] {
          g_autoptr(GError) error = nullptr;
          bool ok = frames.empty() ? write_test_still(path, w, h, &error)
                                   : write_still_from_frames(frames, path, &error);
          if (ok) {
            clock.date_file(path);
            stats.add("stills_saved");
            g_message("still: saved %s", path.c_str());
          } else {
            g_warning("still: %s", error->message);
          }
        },
        std::move(done));
  }

  void control_recording(bool start, std::function<void()> done) override {
    if (!start) slow = false;
    if (start && !store.present()) {
      stats.add("recordings_without_card");
      done();
      return;
    }
    if (start) {
      if (!recording_on) {
        recording_on = true;
        recorded = gop;  // begin at the last keyframe, so the file plays
        recorded_bytes = 0;
        for (const auto &f : recorded) recorded_bytes += f.size();
        stats.add("recordings_started");
        update_source();
      }
      done();
      return;
    }
    if (!recording_on) {
      done();
      return;
    }
    recording_on = false;
    std::vector<Bytes> frames = std::move(recorded);
    recorded.clear();
    update_source();
    if (frames.empty()) {
      done();
      return;
    }
    write_video(store.reserve("VID", "MP4"), std::move(frames), "recordings_saved",
                std::move(done));
  }

  void write_video(const std::string &path, std::vector<Bytes> frames, const char *counter,
                   std::function<void()> done) {
    double fps = config.fps;
    in_worker(
        [this, path, frames = std::move(frames), fps, counter] {
          g_autoptr(GError) error = nullptr;
          if (write_mp4(frames, fps, path, &error)) {
            clock.date_file(path);
            stats.add(counter);
            g_message("record: saved %s (%zu frames)", path.c_str(), frames.size());
          } else {
            g_warning("record: %s", error->message);
          }
        },
        std::move(done));
  }

  const CameraConfig &config;
  Stats &stats;
  FaultDice dice;
  MediaStore store;
  Configuration configuration;
  WallClock clock;
  AppRequests app;
  PreviewStreamer streamer;
  ControlServer control;
  DiscoveryResponder discovery;
  HttpFileServer http;
  std::unique_ptr<VideoSource> source;
  GMainContext *context = nullptr;
  std::vector<std::thread> workers;

  uint32_t clock_start = 0;
  int64_t start_ms = 0;
  static constexpr int64_t kNoBase = INT64_MIN;
  int64_t capture_base_ms = kNoBase;  // camera ms minus capture ms, per encoder run
  uint32_t frame_no = 0;
  uint64_t preview_frames = 0;
  bool need_keyframe = true;
  bool recording_on = false;
  bool slow = false;  // the recording is a slow-motion one (0xA046)
  uint64_t recorded_bytes = 0;
  GInetAddress *preview_client = nullptr;  // for 0xA05E
  std::vector<Bytes> gop;  // frames since the last keyframe: the "current picture"
  std::vector<Bytes> recorded;
};

Camera::Camera(CameraConfig config) : config_(std::move(config)) {
  seed_ = config_.seed_set ? config_.seed : g_random_int();
}

Camera::~Camera() { stop(); }

bool Camera::start(GError **error) {
  if (config_.endpoint.preview_port == 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "--preview-port %d: the preview goes to a fixed port on the client (a camera "
                "cannot learn the client's port); pass the port your receiver bound, e.g. %d",
                config_.endpoint.preview_port, ipcam::kPreviewPort);
    return false;
  }
  gst_init(nullptr, nullptr);
  context_ = g_main_context_new();
  loop_ = g_main_loop_new(context_, FALSE);
  auto gate = std::make_shared<StartGate>();
  thread_ = std::thread([this, gate] { run(gate); });
  std::unique_lock lock(gate->mutex);
  gate->cv.wait(lock, [&] { return gate->done; });
  if (gate->error) {
    g_propagate_error(error, gate->error);
    gate->error = nullptr;
    lock.unlock();
    stop();
    return false;
  }
  return true;
}

void Camera::run(std::shared_ptr<StartGate> gate) {
  g_main_context_push_thread_default(context_);
  {
    // Like a camera switched on moments ago: clients written for real
    // cameras compute ms * 90 in 32 bits. Derived from the seed but apart
    // from the fault dice, so the clock start does not shift which datagrams
    // the faults hit.
    std::mt19937 clock_rng(uint32_t(seed_ ^ 0x5EEDC10Cu));
    auto parts = std::make_unique<Parts>(config_, stats_, seed_);
    parts->clock_start = config_.clock_start_set ? config_.clock_start
                                                 : kPowerOnMs + clock_rng() % kPowerOnMs;
    GError *error = nullptr;
    bool ok = parts->setup(&error);
    if (ok) {
      ready_.control_port = parts->control.port();
      ready_.http_port = parts->http.port();
      ready_.discovery_ports = parts->discovery.ports();
      ready_.preview_port = config_.endpoint.preview_port;
      ready_.store = parts->store.dir();
    }
    {
      std::lock_guard lock(gate->mutex);
      gate->error = error;
      gate->done = true;
    }
    gate->cv.notify_all();
    if (ok) g_main_loop_run(loop_);
  }
  g_main_context_pop_thread_default(context_);
}

void Camera::stop() {
  if (thread_.joinable()) {
    GMainLoop *loop = loop_;
    invoke_on(context_, [loop] { g_main_loop_quit(loop); });
    thread_.join();
  }
  if (loop_) {
    g_main_loop_unref(loop_);
    loop_ = nullptr;
  }
  if (context_) {
    g_main_context_unref(context_);
    context_ = nullptr;
  }
}

std::string Camera::ready_json() const {
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "control_port");
  json_builder_add_int_value(b, ready_.control_port);
  json_builder_set_member_name(b, "http_port");
  json_builder_add_int_value(b, ready_.http_port);
  json_builder_set_member_name(b, "discovery_ports");
  json_builder_begin_array(b);
  for (auto p : ready_.discovery_ports) json_builder_add_int_value(b, p);
  json_builder_end_array(b);
  json_builder_set_member_name(b, "preview_port");
  json_builder_add_int_value(b, ready_.preview_port);
  json_builder_set_member_name(b, "store");
  json_builder_add_string_value(b, ready_.store.c_str());
  json_builder_set_member_name(b, "seed");
  json_builder_add_int_value(b, gint64(seed_));
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autofree char *text = json_to_string(root, FALSE);
  return text;
}

}  // namespace ipcam::sim
