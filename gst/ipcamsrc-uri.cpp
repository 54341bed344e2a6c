// ipcam://[user[:password]@]host[:control-port][?property=value&...]
// Query keys are ipcamsrc property names (preview-port, http-port, timeout,
// latency, ...). The URI read back never carries the password.
#include "ipcamsrc-state.h"

using ipcam::src::Locker;

namespace {

// Properties a URI query may set: everything configurable except the ones
// the authority part already carries.
bool settable_from_query(GParamSpec *pspec) {
  static const char *const excluded[] = {"address", "control-port", "user", "password", "name", "parent"};
  if (!pspec || !(pspec->flags & G_PARAM_WRITABLE)) return false;
  for (const char *e : excluded)
    if (g_str_equal(pspec->name, e)) return false;
  return true;
}

GstURIType get_type(GType) { return GST_URI_SRC; }

const gchar *const *get_protocols(GType) {
  static const gchar *protocols[] = {"ipcam", nullptr};
  return protocols;
}

gchar *get_uri(GstURIHandler *handler) {
  auto *self = GST_IPCAM_SRC(handler);
  Locker l(self->state->lock);
  const auto &e = self->state->settings.endpoint;
  GString *uri = g_string_new("ipcam://");
  if (!e.user.empty()) {
    g_autofree char *user = g_uri_escape_string(e.user.c_str(), G_URI_RESERVED_CHARS_SUBCOMPONENT_DELIMITERS, FALSE);
    g_string_append_printf(uri, "%s@", user);
  }
  g_string_append(uri, e.address.c_str());
  g_string_append_printf(uri, ":%u", unsigned(e.control_port));
  const char *sep = "?";
  if (e.preview_port != ipcam::kPreviewPort) {
    g_string_append_printf(uri, "%spreview-port=%u", sep, unsigned(e.preview_port));
    sep = "&";
  }
  if (e.http_port != ipcam::kHttpPort) g_string_append_printf(uri, "%shttp-port=%u", sep, unsigned(e.http_port));
  return g_string_free(uri, FALSE);
}

gboolean set_uri(GstURIHandler *handler, const gchar *text, GError **error) {
  auto *self = GST_IPCAM_SRC(handler);
  GstState state = GST_STATE(self);
  if (state > GST_STATE_READY) {
    g_set_error_literal(error, GST_URI_ERROR, GST_URI_ERROR_BAD_STATE,
                        "the URI can only be changed in the NULL or READY state");
    return FALSE;
  }
  g_autoptr(GError) parse_error = nullptr;
  g_autoptr(GUri) uri = g_uri_parse(text, GUriFlags(G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED_QUERY),
                                    &parse_error);
  if (!uri || g_strcmp0(g_uri_get_scheme(uri), "ipcam") != 0) {
    g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "not an ipcam:// URI: %s",
                parse_error ? parse_error->message : "wrong scheme");
    return FALSE;
  }
  gint port = g_uri_get_port(uri);
  if (port == 0 || port > 65535) {
    g_set_error_literal(error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "bad control port in the URI");
    return FALSE;
  }
  const char *host = g_uri_get_host(uri);

  // Check every query key before changing anything.
  g_autoptr(GHashTable) params = nullptr;
  if (const char *query = g_uri_get_query(uri)) {
    params = g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, &parse_error);
    if (!params) {
      g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "bad URI query: %s", parse_error->message);
      return FALSE;
    }
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, params);
    while (g_hash_table_iter_next(&it, &key, nullptr)) {
      if (!settable_from_query(g_object_class_find_property(G_OBJECT_GET_CLASS(self), (const char *)key))) {
        g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "unknown URI parameter '%s'", (const char *)key);
        return FALSE;
      }
    }
  }

  {
    Locker l(self->state->lock);
    auto &s = self->state->settings;
    s.endpoint.address = host ? host : "";
    s.endpoint.control_port = port > 0 ? uint16_t(port) : ipcam::kControlPort;
    if (const char *user = g_uri_get_user(uri)) s.endpoint.user = user;
    if (const char *password = g_uri_get_password(uri)) s.password = password;
  }
  if (params) {
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, params);
    while (g_hash_table_iter_next(&it, &key, &value))
      gst_util_set_object_arg(G_OBJECT(self), (const char *)key, (const char *)value);
  }
  return TRUE;
}

}  // namespace

void gst_ipcam_src_uri_handler_init(gpointer g_iface, gpointer) {
  auto *iface = static_cast<GstURIHandlerInterface *>(g_iface);
  iface->get_type = get_type;
  iface->get_protocols = get_protocols;
  iface->get_uri = get_uri;
  iface->set_uri = set_uri;
}
