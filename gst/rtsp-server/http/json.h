// JSON for the control API (json-glib): a builder's document as bytes,
// and a GValue (a field of ipcamsrc's stats) as a JSON value.
#pragma once

#include <json-glib/json-glib.h>

namespace ipcam::server {

GBytes *json_bytes(JsonBuilder *b);
// A GValue as a JSON value (a GstStructure's field, for the stats).
void add_value(JsonBuilder *b, const GValue *v);

}  // namespace ipcam::server
