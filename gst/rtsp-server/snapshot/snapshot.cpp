// Snapshot: see snapshot.h.
#include "snapshot/snapshot.h"

#include <libsoup/soup.h>

#include <utility>

namespace ipcam::server {

namespace {

// While a request waits for the camera, the hub keeps it as for a viewer.
class CameraHold {
 public:
  explicit CameraHold(CameraHub &hub) : hub_(hub) { hub_.hold(); }
  ~CameraHold() { hub_.let_go(); }
  CameraHold(const CameraHold &) = delete;
  CameraHold &operator=(const CameraHold &) = delete;

 private:
  CameraHub &hub_;
};

}  // namespace

Snapshot::Snapshot(std::shared_ptr<CameraHub> hub, int timeout_ms, GMainContext *main_context)
    : hub_(std::move(hub)), timeout_ms_(timeout_ms > 0 ? timeout_ms : 5000), main_context_(main_context) {}

Snapshot::~Snapshot() {
  std::shared_ptr<PictureDecoder> d;
  {
    std::lock_guard<std::mutex> l(lock_);
    stopping_ = true;
    d = std::move(decoder_);
    if (idle_check_) {
      g_source_destroy(idle_check_);
      g_source_unref(idle_check_);
      idle_check_ = nullptr;
    }
  }
  if (d) {
    d->interrupt("the server is stopping");
    hub_->detach_tap(d);
  }
}

void Snapshot::stop() {
  std::shared_ptr<PictureDecoder> d;
  {
    std::lock_guard<std::mutex> l(lock_);
    stopping_ = true;
    d = decoder_;
  }
  if (d) d->interrupt("the server is stopping");
}

// The open decoder, or a new one on the hub; counts as a request.
std::shared_ptr<PictureDecoder> Snapshot::decoder(std::string &error) {
  std::lock_guard<std::mutex> l(lock_);
  if (stopping_) {
    error = "the server is stopping";
    return nullptr;
  }
  last_request_us_ = g_get_monotonic_time();
  if (decoder_ && !decoder_->ended()) return decoder_;
  if (decoder_) hub_->detach_tap(decoder_);
  decoder_ = PictureDecoder::create(error);
  if (!decoder_) return nullptr;
  hub_->attach_tap(decoder_);
  if (!idle_check_) {
    idle_check_ = g_timeout_source_new(1000);
    g_source_set_callback(idle_check_, on_idle_check, this, nullptr);
    g_source_attach(idle_check_, main_context_);
  }
  return decoder_;
}

// Main context, once a second while a decoder is open: closes it once no
// snapshot was asked for kIdleUs.
gboolean Snapshot::on_idle_check(gpointer data) {
  auto *self = static_cast<Snapshot *>(data);
  std::shared_ptr<PictureDecoder> closing;
  {
    std::lock_guard<std::mutex> l(self->lock_);
    if (g_get_monotonic_time() - self->last_request_us_ < kIdleUs) return G_SOURCE_CONTINUE;
    closing = std::move(self->decoder_);
    g_source_unref(self->idle_check_);
    self->idle_check_ = nullptr;
  }
  if (closing) self->hub_->detach_tap(closing);
  return G_SOURCE_REMOVE;
}

GBytes *Snapshot::take(int width, guint &status, std::string &error) {
  status = SOUP_STATUS_SERVICE_UNAVAILABLE;
  CameraHold hold(*hub_);
  std::shared_ptr<PictureDecoder> d = decoder(error);
  if (!d) return nullptr;
  const gint64 deadline = g_get_monotonic_time() + gint64(timeout_ms_) * 1000;
  GstSample *picture = d->newest(deadline, error);
  if (!picture) {
    if (error.empty()) {
      g_autofree char *text = g_strdup_printf("the camera sent no picture within %.1f s (its --timeout)",
                                              timeout_ms_ / 1000.0);
      error = text;
    }
    return nullptr;
  }
  g_autoptr(GError) err = nullptr;
  GBytes *jpeg = encoder_.encode(picture, width, &err);
  gst_sample_unref(picture);
  if (!jpeg) {
    status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
    error = err ? err->message : "the picture could not be encoded";
    return nullptr;
  }
  served_++;
  status = SOUP_STATUS_OK;
  return jpeg;
}

}  // namespace ipcam::server
