// JSON for the control API: see json.h.
#include "http/json.h"

#include <gst/gst.h>

namespace ipcam::server {

GBytes *json_bytes(JsonBuilder *b) {
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_root(gen, root);
  gsize len = 0;
  char *text = json_generator_to_data(gen, &len);
  return g_bytes_new_take(text, len);
}

void add_value(JsonBuilder *b, const GValue *v) {
  switch (G_TYPE_FUNDAMENTAL(G_VALUE_TYPE(v))) {
    case G_TYPE_BOOLEAN: json_builder_add_boolean_value(b, g_value_get_boolean(v)); break;
    case G_TYPE_INT: json_builder_add_int_value(b, g_value_get_int(v)); break;
    case G_TYPE_UINT: json_builder_add_int_value(b, g_value_get_uint(v)); break;
    case G_TYPE_INT64: json_builder_add_int_value(b, g_value_get_int64(v)); break;
    case G_TYPE_UINT64: json_builder_add_int_value(b, gint64(g_value_get_uint64(v))); break;
    case G_TYPE_DOUBLE: json_builder_add_double_value(b, g_value_get_double(v)); break;
    case G_TYPE_FLOAT: json_builder_add_double_value(b, g_value_get_float(v)); break;
    case G_TYPE_STRING: json_builder_add_string_value(b, g_value_get_string(v)); break;
    default: {
      g_autofree char *s = gst_value_serialize(v);
      json_builder_add_string_value(b, s ? s : "");
    }
  }
}

void add_string(JsonBuilder *b, const char *name, const std::string &value) {
  json_builder_set_member_name(b, name);
  json_builder_add_string_value(b, value.c_str());
}

void add_int(JsonBuilder *b, const char *name, gint64 value) {
  json_builder_set_member_name(b, name);
  json_builder_add_int_value(b, value);
}

void add_bool(JsonBuilder *b, const char *name, bool value) {
  json_builder_set_member_name(b, name);
  json_builder_add_boolean_value(b, value);
}

}  // namespace ipcam::server
