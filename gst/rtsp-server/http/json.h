// JSON for the control API (json-glib): a builder's document as bytes,
// a GValue (a field of ipcamsrc's stats) as a JSON value, and an
// object's members.
#pragma once

#include <json-glib/json-glib.h>

#include <string>

namespace ipcam::server {

GBytes *json_bytes(JsonBuilder *b);
// A GValue as a JSON value (a GstStructure's field, for the stats).
void add_value(JsonBuilder *b, const GValue *v);
// One member of the object being built: "name": value.
void add_string(JsonBuilder *b, const char *name, const std::string &value);
void add_int(JsonBuilder *b, const char *name, gint64 value);
void add_bool(JsonBuilder *b, const char *name, bool value);

}  // namespace ipcam::server
