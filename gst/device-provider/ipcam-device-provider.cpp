// ipcamdeviceprovider: the cameras discovery finds, for GstDeviceMonitor
// (gst-device-monitor-1.0, GNOME apps, OBS...). A plugin of its own, built
// from libipcam's discovery alone: every application that starts a device
// monitor loads it, and it must not load libsoup 3 (an application on
// libsoup 2 aborts when both are loaded). The element it creates, ipcamsrc,
// is in the ipcam plugin, loaded only when an application asks for it.
//
// Rank MARGINAL: monitors use every provider ranked above NONE, and an
// application that takes "the first camera" should take the computer's own
// (v4l2 is PRIMARY) before one on the Wi-Fi. While monitored it re-probes
// every 3 s (each probe at most 1 s, one small broadcast per interface) and
// removes cameras that stop answering; unmonitored it sends nothing.
//
// IPCAM_DISCOVERY_BROADCAST (comma-separated addresses) and
// IPCAM_DISCOVERY_PORTS (comma-separated ports) redirect discovery; it never
// sends to 255.255.255.255 (libipcam refuses it).
#include "ipcam/discovery.h"
#include "ipcam/text.h"

#include <gst/gst.h>

#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace {

constexpr unsigned kProbeMs = 1000;
constexpr unsigned kReprobeMs = 3000;

std::vector<std::string> env_list(const char *name) {
  std::vector<std::string> out;
  const char *v = g_getenv(name);
  if (!v) return out;
  g_auto(GStrv) parts = g_strsplit(v, ",", -1);
  for (char **p = parts; *p; p++) {
    g_autofree char *t = g_strstrip(g_strdup(*p));
    if (*t) out.push_back(t);
  }
  return out;
}

ipcam::DiscoveryConfig probe_config() {
  ipcam::DiscoveryConfig dc;
  dc.broadcast_addresses = env_list("IPCAM_DISCOVERY_BROADCAST");
  std::vector<uint16_t> ports;
  for (const auto &p : env_list("IPCAM_DISCOVERY_PORTS")) {
    guint64 v = 0;
    if (g_ascii_string_to_unsigned(p.c_str(), 10, 1, 65535, &v, nullptr)) ports.push_back(uint16_t(v));
  }
  if (!ports.empty()) dc.ports = ports;
  dc.timeout_ms = kProbeMs;
  dc.source_port = 0;  // never take the apps' 22601 from a running camera app
  return dc;
}

std::string key_of(const ipcam::DiscoveredCamera &c) { return c.address + "%" + c.interface; }

}  // namespace

// The device: one camera, with what ipcamsrc needs to reach it.
struct GstIpcamDevice {
  GstDevice parent;
  gchar *address;
  gchar *interface;
};
struct GstIpcamDeviceClass {
  GstDeviceClass parent_class;
};
G_DEFINE_TYPE(GstIpcamDevice, gst_ipcam_device, GST_TYPE_DEVICE)

static GstElement *gst_ipcam_device_create_element(GstDevice *device, const gchar *name) {
  auto *self = reinterpret_cast<GstIpcamDevice *>(device);
  GstElement *src = gst_element_factory_make("ipcamsrc", name);
  if (!src) return nullptr;
  g_object_set(src, "address", self->address, "interface", self->interface, nullptr);
  return src;
}

static void gst_ipcam_device_finalize(GObject *object) {
  auto *self = reinterpret_cast<GstIpcamDevice *>(object);
  g_free(self->address);
  g_free(self->interface);
  G_OBJECT_CLASS(gst_ipcam_device_parent_class)->finalize(object);
}

static void gst_ipcam_device_class_init(GstIpcamDeviceClass *klass) {
  GST_DEVICE_CLASS(klass)->create_element = gst_ipcam_device_create_element;
  G_OBJECT_CLASS(klass)->finalize = gst_ipcam_device_finalize;
}

static void gst_ipcam_device_init(GstIpcamDevice *) {}

static GstDevice *make_device(const ipcam::DiscoveredCamera &c) {
  std::string serial = ipcam::escape_control(c.serial);
  std::string name = serial.empty() ? "Action camera at " + c.address : serial;
  GstCaps *caps = gst_caps_new_simple("video/x-h264", "stream-format", G_TYPE_STRING, "byte-stream", "alignment",
                                      G_TYPE_STRING, "au", nullptr);
  GstStructure *props = gst_structure_new("ipcam-device", "device.api", G_TYPE_STRING, "ipcam", "address",
                                          G_TYPE_STRING, c.address.c_str(), "interface", G_TYPE_STRING,
                                          c.interface.c_str(), "serial", G_TYPE_STRING, serial.c_str(), nullptr);
  auto *d = static_cast<GstIpcamDevice *>(g_object_new(gst_ipcam_device_get_type(), "display-name", name.c_str(),
                                                        "device-class", "Video/Source", "caps", caps,
                                                        "properties", props, nullptr));
  d->address = g_strdup(c.address.c_str());
  d->interface = g_strdup(c.interface.c_str());
  gst_caps_unref(caps);
  gst_structure_free(props);
  return GST_DEVICE(d);
}

static GList *probe_devices() {
  g_autoptr(GError) error = nullptr;
  auto found = ipcam::discover(probe_config(), nullptr, nullptr, &error);
  GList *out = nullptr;
  if (!found) {
    GST_DEBUG("ipcam discovery failed: %s", error ? error->message : "?");
    return nullptr;
  }
  for (const auto &c : *found) out = g_list_append(out, make_device(c));
  return out;
}

// The provider.
struct GstIpcamDeviceProvider {
  GstDeviceProvider parent;
  std::thread *worker;
  GCancellable *stop;
  std::map<std::string, GstDevice *> *shown;
};
struct GstIpcamDeviceProviderClass {
  GstDeviceProviderClass parent_class;
};
G_DEFINE_TYPE(GstIpcamDeviceProvider, gst_ipcam_device_provider, GST_TYPE_DEVICE_PROVIDER)

static GList *gst_ipcam_device_provider_probe(GstDeviceProvider *) { return probe_devices(); }

// One probe: adds new cameras, removes those that no longer answer.
static void reprobe(GstIpcamDeviceProvider *self) {
  g_autoptr(GError) error = nullptr;
  auto found = ipcam::discover(probe_config(), self->stop, nullptr, &error);
  if (!found || g_cancellable_is_cancelled(self->stop)) return;
  std::map<std::string, const ipcam::DiscoveredCamera *> now;
  for (const auto &c : *found) now[key_of(c)] = &c;
  auto &shown = *self->shown;
  for (auto it = shown.begin(); it != shown.end();) {
    if (now.count(it->first)) {
      ++it;
      continue;
    }
    gst_device_provider_device_remove(GST_DEVICE_PROVIDER(self), it->second);
    gst_object_unref(it->second);
    it = shown.erase(it);
  }
  for (const auto &[key, c] : now) {
    if (shown.count(key)) continue;
    GstDevice *d = make_device(*c);
    shown[key] = GST_DEVICE(gst_object_ref(d));
    gst_device_provider_device_add(GST_DEVICE_PROVIDER(self), d);  // takes the floating ref
  }
}

static gboolean gst_ipcam_device_provider_start(GstDeviceProvider *provider) {
  auto *self = reinterpret_cast<GstIpcamDeviceProvider *>(provider);
  self->stop = g_cancellable_new();
  self->shown = new std::map<std::string, GstDevice *>;
  // The first probe before start returns, so a monitor lists the cameras at once.
  reprobe(self);
  self->worker = new std::thread([self] {
    while (!g_cancellable_is_cancelled(self->stop)) {
      GPollFD pfd;
      if (g_cancellable_make_pollfd(self->stop, &pfd)) {
        g_poll(&pfd, 1, kReprobeMs);
        g_cancellable_release_fd(self->stop);
      }
      if (!g_cancellable_is_cancelled(self->stop)) reprobe(self);
    }
  });
  return TRUE;
}

static void gst_ipcam_device_provider_stop(GstDeviceProvider *provider) {
  auto *self = reinterpret_cast<GstIpcamDeviceProvider *>(provider);
  if (!self->worker) return;
  g_cancellable_cancel(self->stop);
  self->worker->join();
  delete self->worker;
  self->worker = nullptr;
  for (auto &[key, d] : *self->shown) {
    gst_device_provider_device_remove(provider, d);
    gst_object_unref(d);
  }
  delete self->shown;
  self->shown = nullptr;
  g_clear_object(&self->stop);
}

static void gst_ipcam_device_provider_class_init(GstIpcamDeviceProviderClass *klass) {
  auto *dpc = GST_DEVICE_PROVIDER_CLASS(klass);
  dpc->probe = gst_ipcam_device_provider_probe;
  dpc->start = gst_ipcam_device_provider_start;
  dpc->stop = gst_ipcam_device_provider_stop;
  gst_device_provider_class_set_static_metadata(dpc, "WiFi action cameras", "Source/Video",
                                                "Lists the action cameras that answer discovery", "ipcam");
}

static void gst_ipcam_device_provider_init(GstIpcamDeviceProvider *self) {
  self->worker = nullptr;
  self->stop = nullptr;
  self->shown = nullptr;
}

static gboolean plugin_init(GstPlugin *plugin) {
  return gst_device_provider_register(plugin, "ipcamdeviceprovider", GST_RANK_MARGINAL,
                                      gst_ipcam_device_provider_get_type());
}

#define PACKAGE "ipcam"
GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, ipcamdevices,
                  "WiFi action cameras for gst-device-monitor (discovery only, no libsoup)", plugin_init,
                  IPCAM_VERSION, "LGPL", "ipcam", "ipcam source tree (README.md)")
