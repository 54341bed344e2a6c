// The camera's settings, card and clock on the control API
// (docs/rtsp-server.md): GET and POST settings, GET storage, DELETE
// files?path=, POST clock, POST format?confirm=yes. Each runs on the
// workers through the camera's CameraControl. Wi-Fi and factory reset are
// not here on purpose: they would cut the server off its camera.
#include "http/route-request.h"

#include "http/json.h"
#include "http/reply.h"

#include "ipcam/text.h"

#include <json-glib/json-glib.h>

#include <climits>
#include <string>
#include <utility>
#include <vector>

namespace ipcam::server {

namespace {

void send_error(SoupServerMessage *msg, guint status, const std::string &text) {
  Reply r;
  error_reply(r, status, text.c_str());
  send_reply(msg, r);
}

// The names POST settings takes (every setting with a command).
std::string writable_names() {
  std::string names;
  for (const auto &info : ipcam::setting_table())
    if (info.set_command) names += (names.empty() ? "" : ", ") + std::string(info.name);
  return names;
}

std::string client_of(SoupServerMessage *msg) {
  const char *host = soup_server_message_get_remote_host(msg);
  return host ? host : "?";
}

// Delete, format and clock: refused (403) on a port that others can reach
// without credentials. True when the request may go on.
bool may_erase(Request &r, const char *what) {
  if (r.served.may_erase) {
    g_message("control API: %s asked by %s", what, client_of(r.msg).c_str());
    return true;
  }
  g_message("control API: %s refused for %s: no --rtsp-user and not bound to loopback", what,
            client_of(r.msg).c_str());
  send_error(r.msg, SOUP_STATUS_FORBIDDEN,
             std::string(what) +
                 " is refused: this server is reachable from the network without credentials; give it "
                 "--rtsp-user and --rtsp-password (or bind it to 127.0.0.1)");
  return false;
}

// The request's body as JSON: null (and answered 400) when it is not;
// an empty body gives an empty node of type JSON_NODE_NULL when `empty_ok`.
JsonNode *body_json(Request &r, bool empty_ok) {
  SoupMessageBody *body = soup_server_message_get_request_body(r.msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten(body);
  gsize size = 0;
  const char *data = static_cast<const char *>(g_bytes_get_data(bytes, &size));
  if (size == 0 && empty_ok) return json_node_new(JSON_NODE_NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = nullptr;
  if (size == 0 || !json_parser_load_from_data(parser, data, gssize(size), &error)) {
    send_error(r.msg, SOUP_STATUS_BAD_REQUEST,
               std::string("the body is not JSON") + (error ? ": " + ipcam::escape_control(error->message) : ""));
    return nullptr;
  }
  return json_node_copy(json_parser_get_root(parser));
}

// {"firmware", "layout", "settings": {name: index}, "labels": {name: text}},
// and for the page: "writable" (the names POST takes) and "menus" (where a
// model's menu is known: {name: {index: text}}).
void settings_document(JsonBuilder *b, const SettingsSnapshot &s) {
  const ipcam::ConfigBlock &block = s.block;
  json_builder_begin_object(b);
  add_string(b, "firmware", ipcam::escape_control(block.firmware));
  add_int(b, "layout", block.layout == ipcam::ConfigBlock::Layout::kFull ? 112 : 96);
  json_builder_set_member_name(b, "settings");
  json_builder_begin_object(b);
  for (const auto &[name, value] : s.values) add_int(b, name.c_str(), value);
  json_builder_end_object(b);
  json_builder_set_member_name(b, "labels");
  json_builder_begin_object(b);
  for (const auto &[name, value] : s.values)
    if (auto label = ipcam::index_label(block, name, value)) add_string(b, name.c_str(), *label);
  json_builder_end_object(b);
  json_builder_set_member_name(b, "writable");
  json_builder_begin_array(b);
  for (const auto &info : ipcam::setting_table())
    if (info.set_command) json_builder_add_string_value(b, info.name);
  json_builder_end_array(b);
  json_builder_set_member_name(b, "menus");
  json_builder_begin_object(b);
  for (const auto &info : ipcam::setting_table()) {
    const auto menu = ipcam::known_menu(block, info.name);
    if (menu.empty()) continue;
    json_builder_set_member_name(b, info.name);
    json_builder_begin_object(b);
    for (const auto &[index, label] : menu) add_string(b, std::to_string(index).c_str(), label);
    json_builder_end_object(b);
  }
  json_builder_end_object(b);
  json_builder_end_object(b);
}

// {"name": index, ...} into `values`; false (answered 400) when a name is
// unknown or read-only or a value is not an integer.
bool read_settings_body(Request &r, std::vector<std::pair<std::string, int32_t>> &values) {
  g_autoptr(JsonNode) root = body_json(r, false);
  if (!root) return false;
  const std::string usage = "give {\"NAME\": INDEX, ...}; the names are " + writable_names();
  if (!JSON_NODE_HOLDS_OBJECT(root)) {
    send_error(r.msg, SOUP_STATUS_BAD_REQUEST, "the body is not a JSON object: " + usage);
    return false;
  }
  JsonObject *o = json_node_get_object(root);
  g_autoptr(GList) members = json_object_get_members(o);
  for (GList *m = members; m; m = m->next) {
    const char *name = static_cast<const char *>(m->data);
    const ipcam::SettingInfo *info = ipcam::find_setting(name);
    const std::string shown = ipcam::escape_control(name);
    if (!info || !info->set_command) {
      send_error(r.msg, SOUP_STATUS_BAD_REQUEST,
                 (info ? shown + " is read-only" : "no setting named " + shown) + ": the names are " + writable_names());
      return false;
    }
    JsonNode *v = json_object_get_member(o, name);
    const bool integer = JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_INT64 &&
                         json_node_get_int(v) >= INT32_MIN && json_node_get_int(v) <= INT32_MAX;
    if (!integer) {
      send_error(r.msg, SOUP_STATUS_BAD_REQUEST,
                 shown + ": its value is an index into the camera's menu, an integer: " + usage);
      return false;
    }
    values.emplace_back(name, int32_t(json_node_get_int(v)));
  }
  if (values.empty()) {
    send_error(r.msg, SOUP_STATUS_BAD_REQUEST, "no setting given: " + usage);
    return false;
  }
  return true;
}

}  // namespace

void get_settings(Request &r) {
  r.served.workers->run(r.msg, [camera = r.camera](Reply &out) {
    SettingsSnapshot s;
    g_autoptr(GError) error = nullptr;
    if (!camera->control().settings(s, &error)) {
      camera_error(out, error);
      return;
    }
    g_autoptr(JsonBuilder) b = json_builder_new();
    settings_document(b, s);
    json_reply(out, SOUP_STATUS_OK, b);
  });
}

void post_settings(Request &r) {
  std::vector<std::pair<std::string, int32_t>> values;
  if (!read_settings_body(r, values)) return;
  r.served.workers->run(r.msg, [camera = r.camera, values = std::move(values)](Reply &out) {
    std::vector<ipcam::SetResult> results;
    g_autoptr(GError) error = nullptr;
    if (!camera->control().set_settings(values, results, &error)) {
      camera_error(out, error);
      return;
    }
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "results");
    json_builder_begin_array(b);
    for (const auto &res : results) {
      json_builder_begin_object(b);
      add_string(b, "name", res.name);
      add_int(b, "index", res.index);
      add_string(b, "outcome", ipcam::set_outcome_name(res.outcome));
      add_int(b, "result", res.camera_result);
      json_builder_set_member_name(b, "value");
      if (res.read_back) json_builder_add_int_value(b, *res.read_back);
      else json_builder_add_null_value(b);
      json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    json_reply(out, SOUP_STATUS_OK, b);
  });
}

void get_storage(Request &r) {
  r.served.workers->run(r.msg, [camera = r.camera](Reply &out) {
    ipcam::StorageInfo info;
    g_autoptr(GError) error = nullptr;
    if (!camera->control().storage(info, &error)) {
      camera_error(out, error);
      return;
    }
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    add_int(b, "remaining", gint64(info.remaining));
    add_int(b, "total", gint64(info.total));
    json_builder_end_object(b);
    json_reply(out, SOUP_STATUS_OK, b);
  });
}

void delete_file(Request &r) {
  const char *p = r.query ? static_cast<const char *>(g_hash_table_lookup(r.query, "path")) : nullptr;
  if (!p || !*p) {
    send_error(r.msg, SOUP_STATUS_BAD_REQUEST, "give the file's path: DELETE /api/files?path=PATH (see GET /api/files)");
    return;
  }
  const std::string what = "deleting " + ipcam::escape_control(p);
  if (!may_erase(r, what.c_str())) return;
  r.served.workers->run(r.msg, [camera = r.camera, path = std::string(p)](Reply &out) {
    g_autoptr(GError) error = nullptr;
    if (!camera->control().delete_file(path, &error)) {
      camera_error(out, error);
      return;
    }
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    add_string(b, "deleted", ipcam::escape_control(path));
    json_builder_end_object(b);
    json_reply(out, SOUP_STATUS_OK, b);
  });
}

void set_clock(Request &r) {
  g_autoptr(JsonNode) root = body_json(r, true);
  if (!root) return;
  g_autoptr(GDateTime) time = nullptr;
  if (!JSON_NODE_HOLDS_NULL(root)) {
    JsonObject *o = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : nullptr;
    const char *text = o && json_object_has_member(o, "time") ? json_object_get_string_member(o, "time") : nullptr;
    g_autoptr(GTimeZone) local = g_time_zone_new_local();
    if (text) time = g_date_time_new_from_iso8601(text, local);
    if (!time) {
      send_error(r.msg, SOUP_STATUS_BAD_REQUEST,
                 "give {\"time\": \"2026-05-01T12:00:00\"} (ISO 8601; without a zone: this host's), or no body for now");
      return;
    }
  }
  if (!may_erase(r, "setting the camera's clock")) return;
  r.served.workers->run(r.msg, [camera = r.camera, time = time ? g_date_time_ref(time) : nullptr](Reply &out) {
    g_autoptr(GDateTime) given = time;
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autoptr(GDateTime) local = g_date_time_to_local(given ? given : now);
    g_autoptr(GError) error = nullptr;
    if (!camera->control().set_clock(given, &error)) {
      camera_error(out, error);
      return;
    }
    g_autofree char *iso = g_date_time_format(local, "%Y-%m-%dT%H:%M:%S");
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    add_string(b, "clock", iso);
    json_builder_end_object(b);
    json_reply(out, SOUP_STATUS_OK, b);
  });
}

void format_card(Request &r) {
  bool confirmed = false;
  const char *confirm = r.query ? static_cast<const char *>(g_hash_table_lookup(r.query, "confirm")) : nullptr;
  if (!query_flag(r.query, "confirm", false, confirmed) || !confirm || !confirmed) {
    send_error(r.msg, SOUP_STATUS_BAD_REQUEST,
               "formatting erases every recording and photo on the camera's card: POST format?confirm=yes");
    return;
  }
  if (!may_erase(r, "formatting the card")) return;
  r.served.workers->run(r.msg, [camera = r.camera](Reply &out) {
    g_autoptr(GError) error = nullptr;
    if (!camera->control().format_storage(&error)) {
      camera_error(out, error);
      return;
    }
    flag_reply(out, "formatted", TRUE);
  });
}

}  // namespace ipcam::server
