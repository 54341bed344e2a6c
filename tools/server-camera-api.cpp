// ServerClient::call: the server's JSON endpoints for settings, the card
// and the clock (docs/rtsp-server.md), with a JSON body where one is sent.
#include "server-client.h"

namespace ipcam::cli {

namespace {

// Most a JSON answer of these endpoints may be: a settings document is a
// few hundred bytes.
constexpr gsize kMaxAnswer = 1 << 20;

}  // namespace

JsonNode *ServerClient::call(const char *method, const std::string &path, const std::string &body,
                             Failure &failure) {
  const std::string what = std::string(method) + " " + api_ + path;
  g_autoptr(SoupMessage) msg = message(method, api_ + path);
  if (!msg) {
    failure = {kExitUsage, "--server " + ctx_.opt.server + " is not a valid URL"};
    return nullptr;
  }
  if (!body.empty()) {
    g_autoptr(GBytes) b = g_bytes_new(body.data(), body.size());
    soup_message_set_request_body_from_bytes(msg, "application/json", b);
  }
  verbose(ctx_, "%s %s%s", method, base_.c_str(), (api_ + path).c_str());
  g_autoptr(GError) error = nullptr;
  g_autoptr(GBytes) answer = soup_session_send_and_read(session_, msg, ctx_.cancellable, &error);
  if (!answer) {
    failure = transport_failure(error, what);
    return nullptr;
  }
  if (!SOUP_STATUS_IS_SUCCESSFUL(soup_message_get_status(msg))) {
    failure = http_failure(msg, answer, what);
    return nullptr;
  }
  gsize len = 0;
  auto *data = static_cast<const char *>(g_bytes_get_data(answer, &len));
  if (len == 0) return json_node_new(JSON_NODE_NULL);  // e.g. 204 after a delete
  g_autoptr(JsonParser) parser = json_parser_new();
  if (len > kMaxAnswer ||
      !json_parser_load_from_data(parser, data, static_cast<gssize>(len), nullptr) ||
      !json_parser_get_root(parser)) {
    failure = {kExitFailed, what + ": the server's answer is not JSON"};
    return nullptr;
  }
  return json_node_copy(json_parser_get_root(parser));
}

}  // namespace ipcam::cli
