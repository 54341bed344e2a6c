// ipcam settings, ipcam record status: the configuration block by setting
// names, from the camera or through ipcam-rtsp-server (--server).
#include "phone-commands.h"

#include "ipcam/camera-settings.h"
#include "ipcam/text.h"
#include "server-client.h"

#include <cstdio>
#include <map>
#include <set>

namespace ipcam::cli {

namespace {

// The settings as either source gives them.
struct SettingsView {
  std::string firmware;  // escaped for a terminal
  int layout = 112;  // block bytes
  std::vector<std::pair<std::string, int32_t>> values;
  std::map<std::string, std::string> labels;  // only where the model table knows the index
};

bool read_from_camera(Context &ctx, SettingsView &view, Failure &failure) {
  auto session = open_session(ctx, failure);
  if (!session) return false;
  g_autoptr(GError) error = nullptr;
  const auto block = session->configuration(&error);
  if (!block) {
    failure = failure_from(error, "reading the camera's settings");
    return false;
  }
  view.firmware = escape_control(block->firmware);
  view.layout = block->layout == ConfigBlock::Layout::kFull ? int(kConfigBlockSize)
                                                            : int(kShortConfigBlockSize);
  view.values = setting_values(*block);
  for (const auto &[name, value] : view.values)
    if (auto label = index_label(*block, name, value)) view.labels[name] = *label;
  return true;
}

// GET .../settings: {"firmware", "layout", "settings": {name: int}, "labels": {name: str}}.
bool read_from_server(Context &ctx, SettingsView &view, Failure &failure) {
  ServerClient server(ctx);
  g_autoptr(JsonNode) root = server.call("GET", "/settings", "", failure);
  if (!root) return false;
  JsonObject *o = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : nullptr;
  JsonObject *settings = o && json_object_has_member(o, "settings")
                             ? json_object_get_object_member(o, "settings")
                             : nullptr;
  if (!settings) {
    failure = {kExitFailed, "GET /settings: the server's answer has no \"settings\" object"};
    return false;
  }
  // The server escapes camera text already; shown_text() does not double it.
  view.firmware = shown_text(json_object_get_string_member_with_default(o, "firmware", ""));
  view.layout = int(json_object_get_int_member_with_default(o, "layout", 112));
  g_autoptr(GList) names = json_object_get_members(settings);
  for (GList *l = names; l; l = l->next) {
    const char *name = static_cast<const char *>(l->data);
    view.values.emplace_back(name, int32_t(json_object_get_int_member(settings, name)));
  }
  JsonObject *labels = json_object_has_member(o, "labels") ? json_object_get_object_member(o, "labels")
                                                           : nullptr;
  for (const auto &[name, value] : view.values)
    if (labels && json_object_has_member(labels, name.c_str()))
      view.labels[name] = json_object_get_string_member_with_default(labels, name.c_str(), "");
  return true;
}

bool read_settings(Context &ctx, SettingsView &view, Failure &failure) {
  return ctx.opt.server.empty() ? read_from_camera(ctx, view, failure)
                                : read_from_server(ctx, view, failure);
}

int list_settings(Context &ctx) {
  SettingsView view;
  Failure failure;
  if (!read_settings(ctx, view, failure)) return report(failure);
  if (ctx.opt.json) {
    print_json(build_json([&](JsonBuilder *b) {
      json_builder_begin_object(b);
      for (const auto &[name, value] : view.values) {
        json_builder_set_member_name(b, name.c_str());
        json_builder_add_int_value(b, value);
      }
      json_builder_end_object(b);
    }));
    return kExitOk;
  }
  status("firmware %s (%d-byte settings block)", view.firmware.c_str(), view.layout);
  for (const auto &[name, value] : view.values) {
    auto label = view.labels.find(name);
    // Labels come from the model table, names from the camera's side.
    std::printf("%-24s %6d%s%s\n", escape_control(name).c_str(), value,
                label == view.labels.end() ? "" : "  ",
                label == view.labels.end() ? "" : escape_control(label->second).c_str());
  }
  for (const auto &s : setting_table())
    if (s.field < 0) std::printf("%-24s %6s  (write-only: cameras do not report it)\n", s.name, "-");
  std::fflush(stdout);
  return kExitOk;
}

// NAME=INDEX arguments, checked against the table before anything is sent.
bool parse_assignments(const std::vector<std::string> &args,
                       std::vector<std::pair<std::string, int32_t>> &out, std::string &problem) {
  std::set<std::string> seen;
  for (const auto &a : args) {
    const size_t eq = a.find('=');
    const std::string name = a.substr(0, eq);
    const SettingInfo *info = find_setting(name);
    if (!info) {
      problem = "unknown setting '" + escape_control(name) + "'; the settings are: " + setting_names();
      return false;
    }
    if (info->set_command == 0) {
      problem = "'" + name + "' is read-only: the camera reports it, nothing sets it";
      return false;
    }
    gint64 index = 0;
    if (eq == std::string::npos ||
        !g_ascii_string_to_signed(a.c_str() + eq + 1, 10, G_MININT32, G_MAXINT32, &index, nullptr)) {
      problem = "'" + escape_control(a) + "': say NAME=INDEX with a whole number, e.g. " + name + "=1";
      return false;
    }
    if (!seen.insert(name).second) {
      problem = "'" + name + "' is given twice";
      return false;
    }
    out.emplace_back(name, int32_t(index));
  }
  return true;
}

bool set_on_camera(Context &ctx, const std::vector<std::pair<std::string, int32_t>> &wanted,
                   std::vector<SetResult> &results, Failure &failure) {
  auto session = open_session(ctx, failure);
  if (!session) return false;
  for (const auto &[name, index] : wanted) {
    g_autoptr(GError) error = nullptr;
    auto result = session->set_setting(name, index, &error);
    if (!result) {
      failure = failure_from(error, "setting " + name);
      return false;
    }
    results.push_back(*result);
  }
  return true;
}

std::optional<SetOutcome> outcome_named(const std::string &text) {
  for (auto o : {SetOutcome::kTaken, SetOutcome::kRefused, SetOutcome::kIgnored, SetOutcome::kSent})
    if (text == set_outcome_name(o)) return o;
  return std::nullopt;
}

// POST .../settings {"name": index, ...} → {"results": [{"name", "index", "outcome", "result", "value"}]}.
bool set_through_server(Context &ctx, const std::vector<std::pair<std::string, int32_t>> &wanted,
                        std::vector<SetResult> &results, Failure &failure) {
  g_autoptr(JsonNode) request = build_json([&](JsonBuilder *b) {
    json_builder_begin_object(b);
    for (const auto &[name, index] : wanted) {
      json_builder_set_member_name(b, name.c_str());
      json_builder_add_int_value(b, index);
    }
    json_builder_end_object(b);
  });
  g_autofree char *body = json_to_string(request, FALSE);
  ServerClient server(ctx);
  g_autoptr(JsonNode) root = server.call("POST", "/settings", body, failure);
  if (!root) return false;
  JsonObject *o = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : nullptr;
  JsonArray *list = o && json_object_has_member(o, "results") ? json_object_get_array_member(o, "results")
                                                              : nullptr;
  for (guint i = 0; list && i < json_array_get_length(list); i++) {
    JsonObject *r = json_array_get_object_element(list, i);
    auto outcome = r ? outcome_named(json_object_get_string_member_with_default(r, "outcome", "")) : std::nullopt;
    if (!outcome) continue;
    SetResult s;
    s.name = json_object_get_string_member_with_default(r, "name", "");
    s.index = int32_t(json_object_get_int_member_with_default(r, "index", 0));
    s.outcome = *outcome;
    s.camera_result = int32_t(json_object_get_int_member_with_default(r, "result", 0));
    if (json_object_has_member(r, "value") && !json_object_get_null_member(r, "value"))
      s.read_back = int32_t(json_object_get_int_member(r, "value"));
    results.push_back(std::move(s));
  }
  if (results.size() != wanted.size()) {
    failure = {kExitFailed, "POST /settings: the server's answer does not give each setting's outcome"};
    return false;
  }
  return true;
}

void print_results(const Context &ctx, const std::vector<SetResult> &results) {
  if (ctx.opt.json) {
    print_json(build_json([&](JsonBuilder *b) {
      json_builder_begin_array(b);
      for (const auto &r : results) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "name");
        json_builder_add_string_value(b, r.name.c_str());
        json_builder_set_member_name(b, "index");
        json_builder_add_int_value(b, r.index);
        json_builder_set_member_name(b, "outcome");
        json_builder_add_string_value(b, set_outcome_name(r.outcome));
        json_builder_set_member_name(b, "result");
        json_builder_add_int_value(b, r.camera_result);
        json_builder_set_member_name(b, "value");
        if (r.read_back)
          json_builder_add_int_value(b, *r.read_back);
        else
          json_builder_add_null_value(b);
        json_builder_end_object(b);
      }
      json_builder_end_array(b);
    }));
    return;
  }
  for (const auto &r : results) {
    std::string how;
    switch (r.outcome) {
      case SetOutcome::kTaken: how = "taken"; break;
      case SetOutcome::kRefused: how = "refused (the camera answered " + std::to_string(r.camera_result) + ")"; break;
      case SetOutcome::kIgnored:
        how = "ignored (the camera kept " + (r.read_back ? std::to_string(*r.read_back) : std::string("its value")) + ")";
        break;
      case SetOutcome::kSent: how = "sent (write-only: the camera does not report it)"; break;
    }
    std::printf("%s=%d: %s\n", escape_control(r.name).c_str(), r.index, how.c_str());
  }
  std::fflush(stdout);
}

}  // namespace

int cmd_settings(Context &ctx) {
  if (ctx.args.empty()) return list_settings(ctx);
  std::vector<std::pair<std::string, int32_t>> wanted;
  std::string problem;
  if (!parse_assignments(ctx.args, wanted, problem)) return usage_error("settings", problem);
  std::vector<SetResult> results;
  Failure failure;
  const bool ok = ctx.opt.server.empty() ? set_on_camera(ctx, wanted, results, failure)
                                         : set_through_server(ctx, wanted, results, failure);
  if (!ok) return report(failure);
  print_results(ctx, results);
  size_t missed = 0;
  for (const auto &r : results)
    if (r.outcome == SetOutcome::kRefused || r.outcome == SetOutcome::kIgnored) missed++;
  if (missed == 0) return kExitOk;
  return report({kExitRefused, std::to_string(missed) + " of " + std::to_string(results.size()) +
                                   " settings not taken (see docs/settings.md for each setting's indexes)"});
}

int cmd_record_status(Context &ctx) {
  SettingsView view;
  Failure failure;
  if (!read_settings(ctx, view, failure)) return report(failure);
  const std::pair<std::string, int32_t> *recording = nullptr;
  for (const auto &v : view.values)
    if (v.first == "recording") recording = &v;
  if (!recording)
    return report({kExitFailed, "this camera's settings block (" + std::to_string(view.layout) +
                                    " bytes) does not say whether it records"});
  const bool on = recording->second != 0;
  if (ctx.opt.json)
    print_json(build_json([&](JsonBuilder *b) {
      json_builder_begin_object(b);
      json_builder_set_member_name(b, "recording");
      json_builder_add_boolean_value(b, on);
      json_builder_end_object(b);
    }));
  else
    std::printf("%s\n", on ? "recording" : "not recording");
  return kExitOk;
}

}  // namespace ipcam::cli
