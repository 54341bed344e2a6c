// ipcam preview, ipcam relay: the live stream through ipcamsrc pipelines.
#include "cli.h"
#include "recording-file.h"

#include <gst/gst.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>

namespace ipcam::cli {

namespace {

struct ElementDeleter {
  void operator()(GstElement *e) const { gst_object_unref(e); }
};
using ElementPtr = std::unique_ptr<GstElement, ElementDeleter>;

GstElement *make(const char *factory, const char *name, Failure &failure) {
  GstElement *e = gst_element_factory_make(factory, name);
  if (!e)
    failure = {kExitFailed, std::string("GStreamer element '") + factory +
                                "' is missing; install the ipcam plugin and "
                                "gstreamer1.0-plugins-good/-bad"};
  return e;
}

// Previews of different cameras share the port (ipcamsrc binds it with
// SO_REUSEADDR, and the probe does too); a program that holds it alone
// makes the probe fail. The camera behind it is the real news (busy: exit
// 4), so ask it before blaming the port.
bool check_preview_port(Context &ctx, const std::string &address, Failure &failure) {
  g_autoptr(GSocket) s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                      G_SOCKET_PROTOCOL_UDP, nullptr);
  g_autoptr(GInetAddress) any = g_inet_address_new_any(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new(any, ctx.opt.camera.preview_port);
  g_autoptr(GError) error = nullptr;
  if (!s || g_socket_bind(s, local, TRUE, &error)) return true;
  g_clear_object(&s);
  Context probe = ctx;
  probe.opt.camera.address = address;
  if (!open_session(probe, failure)) return false;
  failure = {kExitFailed, "cannot receive the preview on UDP port " +
                              std::to_string(ctx.opt.camera.preview_port) + ": " + error->message +
                              "; another program uses it: give --preview-port PORT"};
  return false;
}

// ipcamsrc configured from the global options. The camera is found here,
// with the tool's own discovery options and messages.
GstElement *make_source(Context &ctx, std::string &address, Failure &failure) {
  if (g_cmd.reconnect_attempts != kReconnectDefault && g_cmd.reconnect_attempts < -1) {
    failure = {kExitUsage, "--reconnect-attempts must be -1 (forever) or more"};
    return nullptr;
  }
  if (!resolve_camera(ctx, address, failure)) return nullptr;
  if (!check_preview_port(ctx, address, failure)) return nullptr;
  GstElement *src = make("ipcamsrc", "camera", failure);
  if (!src) return nullptr;
  const CameraEndpoint &camera = ctx.opt.camera;
  g_object_set(src, "address", address.c_str(), "control-port", guint(camera.control_port),
               "preview-port", guint(camera.preview_port), "http-port", guint(camera.http_port),
               "user", camera.user.c_str(), "password", camera.password.c_str(), nullptr);
  // Not given: ipcamsrc's own default.
  if (ctx.opt.timeout_s > 0) g_object_set(src, "timeout", camera.timeout_ms, nullptr);
  if (!camera.interface.empty()) g_object_set(src, "interface", camera.interface.c_str(), nullptr);
  if (g_cmd.reconnect_attempts != kReconnectDefault)
    g_object_set(src, "reconnect-attempts", g_cmd.reconnect_attempts, nullptr);
  return src;
}

// ipcamsrc reports camera failures as RESOURCE errors whose text says which.
int exit_code_for_message(const GError *error) {
  if (error->domain == GST_RESOURCE_ERROR) {
    // BUSY: the camera already has a client (its phone app); the text says so.
    if (error->code == GST_RESOURCE_ERROR_NOT_AUTHORIZED || error->code == GST_RESOURCE_ERROR_BUSY)
      return kExitLoginRefused;
    if (error->code == GST_RESOURCE_ERROR_NOT_FOUND) return kExitNoCamera;
    if (error->code == GST_RESOURCE_ERROR_WRITE || error->code == GST_RESOURCE_ERROR_OPEN_WRITE)
      return kExitIo;
    const char *m = error->message;
    if (std::strstr(m, "not an ipcam")) return kExitNotIpcam;
    if (std::strstr(m, "No answer") || std::strstr(m, "timed out")) return kExitTimeout;
    if (std::strstr(m, "Could not connect") || std::strstr(m, "Cannot connect") ||
        std::strstr(m, "could not reconnect"))
      return kExitNoCamera;
  }
  return kExitFailed;
}

// ipcamsrc's reconnect warnings and its "ipcam-reconnected" message, as one
// line each for the person watching. True if `msg` was one of them.
// `after_bar`: a progress bar is on the line, so start a new one.
bool report_reconnect(GstMessage *msg, GstElement *source, bool after_bar, gint64 &lost_at) {
  if (GST_MESSAGE_SRC(msg) != GST_OBJECT_CAST(source)) return false;
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_WARNING) {
    g_autoptr(GError) warning = nullptr;
    gst_message_parse_warning(msg, &warning, nullptr);
    std::string text = warning->message;
    if (text.rfind("Lost the camera", 0) != 0) return false;
    text[0] = 'l';
    if (text.back() == '.') text.pop_back();
    lost_at = g_get_monotonic_time();
    status("%sipcam: %s", after_bar ? "\n" : "", text.c_str());
    return true;
  }
  const GstStructure *s = gst_message_get_structure(msg);
  if (GST_MESSAGE_TYPE(msg) != GST_MESSAGE_ELEMENT || !gst_structure_has_name(s, "ipcam-reconnected"))
    return false;
  double seconds = lost_at ? double(g_get_monotonic_time() - lost_at) / G_USEC_PER_SEC : 0;
  status("%sipcam: reconnected after %.1f s", after_bar ? "\n" : "", seconds);
  lost_at = 0;
  return true;
}

// How a pipeline ended: the exit code (its message already printed) and
// whether the stream reached its end, so that a file is whole.
struct RunResult {
  int code = kExitOk;
  bool whole = false;
  uint64_t frames = 0;
};

// One run of a preview or relay pipeline until EOS or error: the bus loop,
// the progress bar, Ctrl+C, and the closing report. Ctrl+C sends EOS (so
// mp4mux writes its index). `sink_of_pipe`: the fdsink of `preview -`,
// whose write errors end quietly. `finish_file`: after the camera fails,
// wait for the EOS that the source sends downstream then, so that what was
// recorded becomes a playable file.
class PipelineRun {
 public:
  PipelineRun(Context &ctx, GstElement *pipeline, GstElement *source, GstElement *sink_of_pipe,
              bool finish_file)
      : ctx_(ctx), pipeline_(pipeline), source_(source), sink_of_pipe_(sink_of_pipe),
        finish_file_(finish_file), bar_(interactive_stderr()) {}

  // Frames are counted where they leave `watch`; `on_first_frame` runs once
  // when video flows.
  RunResult run(GstElement *watch, const std::function<void()> &on_first_frame) {
    count_frames(watch);
    set_interrupt_handler(ctx_, [this] {
      stopping_ = true;
      gst_element_send_event(pipeline_, gst_event_new_eos());
    });
    bool started = gst_element_set_state(pipeline_, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
    g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_);
    for (bool done = !started; !done;) {
      g_autoptr(GstMessage) msg = gst_bus_timed_pop_filtered(
          bus, 200 * GST_MSECOND,
          GstMessageType(GST_MESSAGE_ERROR | GST_MESSAGE_EOS | GST_MESSAGE_WARNING |
                         GST_MESSAGE_ELEMENT));
      if (!tick(on_first_frame)) break;
      if (msg) done = handle(msg);
    }
    set_interrupt_handler(ctx_, nullptr);
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    report_end(started);
    return result_;
  }

 private:
  void count_frames(GstElement *watch) {
    g_autoptr(GstPad) pad = gst_element_get_static_pad(watch, "src");
    gst_pad_add_probe(
        pad, GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad *, GstPadProbeInfo *info, gpointer self) -> GstPadProbeReturn {
          auto *run = static_cast<PipelineRun *>(self);
          run->frames_.fetch_add(1);
          run->bytes_.fetch_add(gst_buffer_get_size(GST_PAD_PROBE_INFO_BUFFER(info)));
          return GST_PAD_PROBE_OK;
        },
        this, nullptr);
  }

  // Between messages: the first frame's announcement, the progress bar, and
  // the 10 s a stop may take. False: give up waiting.
  bool tick(const std::function<void()> &on_first_frame) {
    if (!announced_ && frames_ > 0) {
      announced_ = true;
      on_first_frame();
    }
    gint64 now = g_get_monotonic_time();
    if (bar_ && announced_ && !stopping_ && !failed_ && now - last_bar_ > 500000) {
      last_bar_ = now;
      std::fprintf(stderr, "\r%llu frames, %s", static_cast<unsigned long long>(frames_.load()),
                   human_size(bytes_.load()).c_str());
    }
    if ((stopping_ || failed_) && stop_deadline_ == 0) stop_deadline_ = now + 10 * G_USEC_PER_SEC;
    if (!stop_deadline_ || now <= stop_deadline_) return true;
    if (failed_) return false;  // the error is reported; the file stays unfinished
    if (bar_) std::fputc('\n', stderr);
    result_.code = report({kExitFailed, "the pipeline did not finish within 10 s of Ctrl+C"});
    return false;
  }

  // True when the run is over.
  bool handle(GstMessage *msg) {
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_WARNING || GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ELEMENT) {
      report_reconnect(msg, source_, bar_ && announced_, lost_at_);
      return false;
    }
    if (bar_ && announced_ && !failed_) std::fputc('\n', stderr);
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS) {
      result_.whole = true;
      return true;
    }
    if (failed_) return false;  // an error was reported: what follows is its echo
    return handle_error(msg);
  }

  bool handle_error(GstMessage *msg) {
    g_autoptr(GError) error = nullptr;
    g_autofree char *debug = nullptr;
    gst_message_parse_error(msg, &error, &debug);
    verbose(ctx_, "pipeline error from %s: %s", GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)),
            debug ? debug : "");
    // The reader of `ipcam preview -` went away (| head, ffprobe): a normal end.
    if (sink_of_pipe_ && GST_MESSAGE_SRC(msg) == GST_OBJECT_CAST(sink_of_pipe_) &&
        g_error_matches(error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE)) {
      status("standard output closed; stopping");
      return true;
    }
    result_.code = report({exit_code_for_message(error), error->message});
    failed_ = true;
    // The source ends its stream after an error: keep what was recorded.
    return !(finish_file_ && frames_ > 0 && GST_MESSAGE_SRC(msg) == GST_OBJECT_CAST(source_));
  }

  void report_end(bool started) {
    result_.frames = frames_;
    if (!started) {
      result_.code = report({kExitFailed, "could not start the pipeline"});
    } else if (failed_) {
      if (result_.whole)
        status("kept %llu frames (%s) recorded before the error",
               static_cast<unsigned long long>(frames_.load()), human_size(bytes_.load()).c_str());
    } else if (result_.code == kExitOk && frames_ == 0) {
      result_.code = report({stopping_ ? kExitInterrupted : kExitFailed,
                             stopping_ ? "interrupted before any video arrived"
                                       : "no video arrived from the camera"});
    } else if (result_.code == kExitOk) {
      status("stopped after %llu frames (%s)", static_cast<unsigned long long>(frames_.load()),
             human_size(bytes_.load()).c_str());
      if (stopping_) result_.code = kExitInterrupted;
    }
  }

  Context &ctx_;
  GstElement *pipeline_, *source_, *sink_of_pipe_;
  const bool finish_file_;
  const bool bar_;  // stderr takes a progress bar
  std::atomic<uint64_t> frames_{0}, bytes_{0};  // counted on the streaming thread
  std::atomic<bool> stopping_{false};  // Ctrl+C came (main thread)
  bool failed_ = false;  // an error was reported
  bool announced_ = false;
  gint64 stop_deadline_ = 0, last_bar_ = 0, lost_at_ = 0;
  RunResult result_;
};

RunResult run_pipeline(Context &ctx, GstElement *pipeline, GstElement *source, GstElement *watch,
                       GstElement *sink_of_pipe, bool finish_file,
                       const std::function<void()> &on_first_frame) {
  PipelineRun run(ctx, pipeline, source, sink_of_pipe, finish_file);
  return run.run(watch, on_first_frame);
}

bool init_gstreamer(Failure &failure) {
  g_autoptr(GError) error = nullptr;
  if (!gst_init_check(nullptr, nullptr, &error)) {
    failure = {kExitFailed, std::string("cannot start GStreamer: ") + error->message};
    return false;
  }
  return true;
}

// HOST:PORT, HOST, or :PORT.
bool parse_destination(const std::string &text, std::string &host, int &port) {
  host = "127.0.0.1";
  port = 5220;
  if (text.empty()) return true;
  auto colon = text.rfind(':');
  std::string h = colon == std::string::npos ? text : text.substr(0, colon);
  // Numeric only: a name would be looked up in DNS, off this machine, and a
  // typo would relay into the void.
  if (!h.empty() && h != "localhost" && !g_hostname_is_ip_address(h.c_str())) return false;
  if (!h.empty()) host = h == "localhost" ? "127.0.0.1" : h;
  if (colon == std::string::npos) return true;
  guint64 p = 0;
  if (!g_ascii_string_to_unsigned(text.c_str() + colon + 1, 10, 1, 65535, &p, nullptr)) return false;
  port = static_cast<int>(p);
  return true;
}

std::string sdp_text(const std::string &host, int port, const std::string &fmtp) {
  return "v=0\r\n"
         "o=- 0 0 IN IP4 " + host + "\r\n"
         "s=ipcam live preview\r\n"
         "c=IN IP4 " + host + "\r\n"
         "t=0 0\r\n"
         "m=video " + std::to_string(port) + " RTP/AVP 99\r\n"
         "a=rtpmap:99 H264/90000\r\n"
         "a=fmtp:99 packetization-mode=1" + fmtp + "\r\n";
}

}  // namespace

int cmd_preview(Context &ctx) {
  std::string output = g_cmd.output ? g_cmd.output : "";
  if (ctx.args.size() > 1 || (!ctx.args.empty() && !output.empty()))
    return usage_error("preview", "give one output: FILE.mp4 or - (standard output)");
  if (!ctx.args.empty()) output = ctx.args[0];
  if (output.empty()) {
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *name = g_date_time_format(now, "preview-%Y%m%d-%H%M%S.mp4");
    output = name;
  }
  bool to_stdout = output == "-";
  if (to_stdout && isatty(STDOUT_FILENO))
    return usage_error("preview", "standard output is a terminal; pipe it (ipcam preview - | "
                                  "ffplay -f h264 -) or give --output FILE.mp4");
  Failure failure;
  RecordingFile file;
  if (!to_stdout && !file.open(output, g_cmd.force, failure)) {
    if (failure.code == kExitUsage) return usage_error("preview", failure.message);
    return report(failure);
  }
  if (!init_gstreamer(failure)) return report(failure);
  std::string address;
  ElementPtr pipeline(gst_pipeline_new("preview"));
  GstElement *src = make_source(ctx, address, failure);
  if (!src) return report(failure);
  GstElement *parse = make("h264parse", "parse", failure);
  GstElement *mux = to_stdout ? nullptr : make("mp4mux", "mux", failure);
  GstElement *sink = make("fdsink", "sink", failure);
  if (!parse || !sink || (!to_stdout && !mux)) return report(failure);
  if (to_stdout) {
    // SPS/PPS before every keyframe so a reader can join at any point.
    g_object_set(parse, "config-interval", -1, nullptr);
    g_object_set(sink, "fd", 1, "sync", FALSE, nullptr);
    gst_bin_add_many(GST_BIN(pipeline.get()), src, parse, sink, nullptr);
    gst_element_link_many(src, parse, sink, nullptr);
  } else {
    g_object_set(sink, "fd", file.fd(), "sync", FALSE, nullptr);
    gst_bin_add_many(GST_BIN(pipeline.get()), src, parse, mux, sink, nullptr);
    gst_element_link_many(src, parse, mux, sink, nullptr);
  }
  RunResult run = run_pipeline(ctx, pipeline.get(), src, parse, to_stdout ? sink : nullptr,
                               !to_stdout, [&] {
    if (to_stdout)
      status("streaming %s as raw H.264 to standard output; press Ctrl+C to stop", address.c_str());
    else
      status("recording %s to %s; press Ctrl+C to stop and finish the file", address.c_str(),
             output.c_str());
  });
  // An MP4 without its index is of no use: only a whole file gets the name.
  if (!to_stdout && run.whole && run.frames > 0) {
    if (!file.commit(failure)) return report(failure);
    std::printf("%s\n", output.c_str());
  }
  return run.code;
}

int cmd_relay(Context &ctx) {
  if (!ctx.args.empty()) return usage_error("relay", "unexpected argument '" + ctx.args[0] + "'");
  std::string host;
  int port = 0;
  if (!parse_destination(g_cmd.to ? g_cmd.to : "", host, port))
    return usage_error("relay", "--to wants HOST:PORT with a numeric address, e.g. "
                                "127.0.0.1:5220");
  std::string sdp_path = g_cmd.sdp ? g_cmd.sdp : "";
  g_autoptr(GError) error = nullptr;
  if (!sdp_path.empty() &&
      !g_file_set_contents(sdp_path.c_str(), sdp_text(host, port, "").c_str(), -1, &error))
    return report(failure_from(error, "writing the SDP file"));

  Failure failure;
  if (!init_gstreamer(failure)) return report(failure);
  std::string address;
  ElementPtr pipeline(gst_pipeline_new("relay"));
  GstElement *src = make_source(ctx, address, failure);
  if (!src) return report(failure);
  GstElement *parse = make("h264parse", "parse", failure);
  GstElement *pay = make("rtph264pay", "pay", failure);
  GstElement *sink = make("udpsink", "sink", failure);
  if (!parse || !pay || !sink) return report(failure);
  // SPS/PPS once in front of every keyframe access unit, from h264parse;
  // the payloader adds none (its config-interval -1 would put them before
  // every slice, and a multi-slice keyframe would reach the player as two
  // frames with one timestamp). mtu counts the RTP header: packets never
  // exceed 1400 bytes.
  g_object_set(parse, "config-interval", -1, nullptr);
  g_object_set(pay, "pt", 99u, "mtu", 1400u, "config-interval", 0, nullptr);
  g_object_set(sink, "host", host.c_str(), "port", port, "sync", FALSE, "async", FALSE, nullptr);
  gst_bin_add_many(GST_BIN(pipeline.get()), src, parse, pay, sink, nullptr);
  gst_element_link_many(src, parse, pay, sink, nullptr);

  // Once the payloader knows SPS/PPS, the SDP can carry them too.
  struct SdpUpdate {
    std::string path, host;
    int port;
  } update{sdp_path, host, port};
  if (!sdp_path.empty()) {
    g_autoptr(GstPad) paysrc = gst_element_get_static_pad(pay, "src");
    g_signal_connect(paysrc, "notify::caps",
                     G_CALLBACK(+[](GstPad *p, GParamSpec *, gpointer d) {
                       auto *u = static_cast<SdpUpdate *>(d);
                       g_autoptr(GstCaps) caps = gst_pad_get_current_caps(p);
                       if (!caps) return;
                       GstStructure *s = gst_caps_get_structure(caps, 0);
                       std::string fmtp;
                       if (const char *sprop = gst_structure_get_string(s, "sprop-parameter-sets"))
                         fmtp += std::string(";sprop-parameter-sets=") + sprop;
                       if (const char *pli = gst_structure_get_string(s, "profile-level-id"))
                         fmtp += std::string(";profile-level-id=") + pli;
                       g_file_set_contents(u->path.c_str(), sdp_text(u->host, u->port, fmtp).c_str(),
                                           -1, nullptr);
                     }),
                     &update);
  }
  RunResult run = run_pipeline(ctx, pipeline.get(), src, parse, nullptr, false, [&] {
    status("relaying %s as RTP H.264 (payload type 99) to %s:%d%s%s; press Ctrl+C to stop",
           address.c_str(), host.c_str(), port, sdp_path.empty() ? "" : "; SDP in ",
           sdp_path.c_str());
  });
  return run.code;
}

}  // namespace ipcam::cli
