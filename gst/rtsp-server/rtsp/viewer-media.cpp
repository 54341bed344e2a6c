// IpcamViewerFactory and IpcamViewerMedia: see viewer-media.h.
#include "rtsp/viewer-media.h"

#include <gst/app/gstappsrc.h>

using ipcam::server::CameraHub;
using ipcam::server::ViewerFeed;

namespace {

// What a media holds of the hub while it is prepared.
struct ViewerLink {
  std::weak_ptr<CameraHub> hub;
  std::shared_ptr<ViewerFeed> feed;
};

}  // namespace

struct _IpcamViewerFactory {
  GstRTSPMediaFactory parent;
  std::weak_ptr<CameraHub> *hub;
};

struct _IpcamViewerMedia {
  GstRTSPMedia parent;
  ViewerLink *link;  // set by the factory's configure()
  // From unprepare until the next prepare; read and written under the
  // media's state lock (prepare, unprepare, "unprepared", bus messages).
  gboolean ending;
};

G_DEFINE_TYPE(IpcamViewerMedia, ipcam_viewer_media, GST_TYPE_RTSP_MEDIA)
G_DEFINE_TYPE(IpcamViewerFactory, ipcam_viewer_factory, GST_TYPE_RTSP_MEDIA_FACTORY)

// ---------------------------------------------------------------- media

static void viewer_media_detach(IpcamViewerMedia *self) {
  if (!self->link || !self->link->feed) return;
  if (auto hub = self->link->hub.lock()) hub->detach(self->link->feed);
  else self->link->feed->close();
  self->link->feed.reset();
}

// Called with the media's state lock held, before the pipeline starts: the
// feed is attached first so the appsrc's first request finds the camera
// starting.
static gboolean viewer_media_prepare(GstRTSPMedia *media, GstRTSPThread *thread) {
  auto *self = IPCAM_VIEWER_MEDIA(media);
  self->ending = FALSE;
  auto hub = self->link ? self->link->hub.lock() : nullptr;
  if (hub && !self->link->feed) {
    GstElement *element = gst_rtsp_media_get_element(media);
    GstElement *src = gst_bin_get_by_name(GST_BIN(element), "feed");
    gst_object_unref(element);
    if (src) {
      self->link->feed = ViewerFeed::create(GST_APP_SRC(src));
      gst_object_unref(src);
      hub->attach(self->link->feed);
    }
  }
  return GST_RTSP_MEDIA_CLASS(ipcam_viewer_media_parent_class)->prepare(media, thread);
}

static gboolean viewer_media_unprepare(GstRTSPMedia *media) {
  IPCAM_VIEWER_MEDIA(media)->ending = TRUE;
  viewer_media_detach(IPCAM_VIEWER_MEDIA(media));
  return GST_RTSP_MEDIA_CLASS(ipcam_viewer_media_parent_class)->unprepare(media);
}

// Also reached without unprepare() (a media unprepared while preparing).
static void viewer_media_unprepared(GstRTSPMedia *media) {
  IPCAM_VIEWER_MEDIA(media)->ending = TRUE;
  if (GST_RTSP_MEDIA_CLASS(ipcam_viewer_media_parent_class)->unprepared)
    GST_RTSP_MEDIA_CLASS(ipcam_viewer_media_parent_class)->unprepared(media);
}

// The hub fails its feeds with an ERROR from their appsrc when the camera
// is lost for good, and the server closes the camera's sessions at the
// same time. gst-rtsp-server reads the ERROR on the media's own thread: if
// that comes after the media was unprepared, it marks the unprepared media
// ERROR, and the session's teardown then unprepares it a second time
// (CRITICALs from gst_rtsp_stream_remove_transport, _leave_bin,
// gst_bin_remove and gst_rtsp_thread_stop). A media on its way out has no
// use for the error: it is dropped there. Before that, while the media
// prepares or plays, it fails the media as it should.
static gboolean viewer_media_handle_message(GstRTSPMedia *media, GstMessage *message) {
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR && IPCAM_VIEWER_MEDIA(media)->ending) {
    g_debug("a viewer's media is already closing: its feed's error is not needed");
    return TRUE;
  }
  return GST_RTSP_MEDIA_CLASS(ipcam_viewer_media_parent_class)->handle_message(media, message);
}

static void viewer_media_finalize(GObject *object) {
  auto *self = IPCAM_VIEWER_MEDIA(object);
  viewer_media_detach(self);
  delete self->link;
  G_OBJECT_CLASS(ipcam_viewer_media_parent_class)->finalize(object);
}

static void ipcam_viewer_media_class_init(IpcamViewerMediaClass *klass) {
  G_OBJECT_CLASS(klass)->finalize = viewer_media_finalize;
  GST_RTSP_MEDIA_CLASS(klass)->prepare = viewer_media_prepare;
  GST_RTSP_MEDIA_CLASS(klass)->unprepare = viewer_media_unprepare;
  GST_RTSP_MEDIA_CLASS(klass)->unprepared = viewer_media_unprepared;
  GST_RTSP_MEDIA_CLASS(klass)->handle_message = viewer_media_handle_message;
}

static void ipcam_viewer_media_init(IpcamViewerMedia *self) {
  self->link = nullptr;
  self->ending = FALSE;
}

// ---------------------------------------------------------------- factory

// appsrc ! rtph264pay: the hub's access units already carry SPS/PPS in
// front of every keyframe, so the payloader inserts none (config-interval
// -1 here would put them before every slice of a multi-slice keyframe).
static GstElement *viewer_factory_create_element(GstRTSPMediaFactory *, const GstRTSPUrl *) {
  GstElement *bin = gst_bin_new(nullptr);
  GstElement *src = gst_element_factory_make("appsrc", "feed");
  GstElement *pay = gst_element_factory_make("rtph264pay", "pay0");
  if (!src || !pay) {
    g_warning("appsrc or rtph264pay is missing: install gstreamer1.0-plugins-base and -good");
    if (src) gst_object_unref(src);
    if (pay) gst_object_unref(pay);
    gst_object_unref(bin);
    return nullptr;
  }
  // Live, with no latency of its own and room to buffer (the hub keeps a
  // GOP for it): a base source's default answer, a maximum of 0, makes
  // every sink of the media warn "Pipeline construction is invalid, please
  // add queues" (its 20 ms processing deadline does not fit in 0).
  g_object_set(src, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", FALSE, "min-latency", gint64(0),
               "max-latency", gint64(-1), nullptr);
  g_object_set(pay, "pt", 96u, "config-interval", 0, nullptr);
  gst_bin_add_many(GST_BIN(bin), src, pay, nullptr);
  gst_element_link(src, pay);
  return bin;
}

static void viewer_factory_configure(GstRTSPMediaFactory *factory, GstRTSPMedia *media) {
  GST_RTSP_MEDIA_FACTORY_CLASS(ipcam_viewer_factory_parent_class)->configure(factory, media);
  auto *self = IPCAM_VIEWER_FACTORY(factory);
  if (IPCAM_IS_VIEWER_MEDIA(media) && !IPCAM_VIEWER_MEDIA(media)->link)
    IPCAM_VIEWER_MEDIA(media)->link = new ViewerLink{*self->hub, nullptr};
}

static void viewer_factory_finalize(GObject *object) {
  delete IPCAM_VIEWER_FACTORY(object)->hub;
  G_OBJECT_CLASS(ipcam_viewer_factory_parent_class)->finalize(object);
}

static void ipcam_viewer_factory_class_init(IpcamViewerFactoryClass *klass) {
  G_OBJECT_CLASS(klass)->finalize = viewer_factory_finalize;
  GST_RTSP_MEDIA_FACTORY_CLASS(klass)->create_element = viewer_factory_create_element;
  GST_RTSP_MEDIA_FACTORY_CLASS(klass)->configure = viewer_factory_configure;
}

static void ipcam_viewer_factory_init(IpcamViewerFactory *self) {
  self->hub = new std::weak_ptr<CameraHub>();
  auto *factory = GST_RTSP_MEDIA_FACTORY(self);
  gst_rtsp_media_factory_set_media_gtype(factory, IPCAM_TYPE_VIEWER_MEDIA);
  gst_rtsp_media_factory_set_shared(factory, FALSE);
}

GstRTSPMediaFactory *ipcam_viewer_factory_new(const std::shared_ptr<CameraHub> &hub) {
  auto *self = IPCAM_VIEWER_FACTORY(g_object_new(IPCAM_TYPE_VIEWER_FACTORY, nullptr));
  *self->hub = hub;
  return GST_RTSP_MEDIA_FACTORY(self);
}
