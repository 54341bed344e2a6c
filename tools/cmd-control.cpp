// ipcam still, ipcam record, ipcam raw: commands that drive the camera.
#include "ipcam/download.h"
#include "ipcam/still.h"
#include "ipcam/text.h"
#include "phone-commands.h"
#include "server-client.h"
#include "stored-files.h"

#include <glib/gstdio.h>

#include <algorithm>
#include <cstdio>

namespace ipcam::cli {

namespace {

void print_flag_json(const char *name, bool value) {
  print_json(build_json([&](JsonBuilder *b) {
    json_builder_begin_object(b);
    json_builder_set_member_name(b, name);
    json_builder_add_boolean_value(b, value);
    json_builder_end_object(b);
  }));
}

// The server answers POST /still with the picture itself: save it.
int still_through_server(Context &ctx) {
  ServerClient server(ctx);
  g_autoptr(GBytes) image = nullptr;
  std::string card_path;
  Failure failure;
  if (!server.still(g_cmd.fetch, g_cmd.fetch ? &image : nullptr, card_path, failure))
    return report(failure);
  if (!g_cmd.fetch) {
    if (ctx.opt.json)
      print_flag_json("taken", true);
    else
      status("picture taken");
    return kExitOk;
  }
  std::string name;
  g_autoptr(GError) error = nullptr;
  if (card_path.empty()) {
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *stamp = g_date_time_format(now, "still-%Y%m%d-%H%M%S.jpg");
    name = stamp;
  } else if (auto safe = safe_local_name(card_path, &error)) {
    name = *safe;
  } else {
    return report(failure_from(error, "the server's picture name"));
  }
  std::string dir = g_cmd.output ? g_cmd.output : ".";
  if (g_mkdir_with_parents(dir.c_str(), 0755) != 0)
    return report({kExitIo, "cannot create folder " + dir + ": " + g_strerror(errno)});
  std::string local = dir + G_DIR_SEPARATOR_S + name;
  gsize len = 0;
  auto *data = static_cast<const char *>(g_bytes_get_data(image, &len));
  // g_file_set_contents writes a temporary file and renames it: never partial.
  if (!g_file_set_contents(local.c_str(), data, static_cast<gssize>(len), &error))
    return report(failure_from(error, "saving the picture"));
  if (ctx.opt.json) {
    print_json(build_json([&](JsonBuilder *b) {
      json_builder_begin_array(b);
      add_file_json(b, {card_path, len}, &local);
      json_builder_end_array(b);
    }));
  } else {
    std::printf("%s\n", escape_control(local).c_str());
  }
  return kExitOk;
}

bool parse_message_type(const std::string &text, uint32_t &type) {
  const char *s = text.c_str();
  int base = 10;
  if (g_str_has_prefix(s, "0x") || g_str_has_prefix(s, "0X")) {
    s += 2;
    base = 16;
  } else if (std::any_of(text.begin(), text.end(), [](char c) { return g_ascii_isalpha(c); })) {
    base = 16;  // "A034": clearly hex
  }
  guint64 v = 0;
  if (!g_ascii_string_to_unsigned(s, static_cast<guint>(base), 0, G_MAXUINT32, &v, nullptr))
    return false;
  type = static_cast<uint32_t>(v);
  return true;
}

// "01000000", "01 00 00 00", "01:00:00:00" and "0x01" all work.
bool parse_hex_payload(const std::vector<std::string> &args, Bytes &out) {
  std::string digits;
  for (const auto &a : args) {
    std::string s = a;
    if (g_str_has_prefix(s.c_str(), "0x") || g_str_has_prefix(s.c_str(), "0X")) s = s.substr(2);
    for (char c : s) {
      if (c == ' ' || c == ':' || c == '-' || c == ',') continue;
      if (!g_ascii_isxdigit(c)) return false;
      digits += c;
    }
  }
  if (digits.size() % 2) return false;
  for (size_t i = 0; i < digits.size(); i += 2)
    out.push_back(static_cast<uint8_t>(g_ascii_xdigit_value(digits[i]) << 4 |
                                       g_ascii_xdigit_value(digits[i + 1])));
  return true;
}

std::string hex_string(const Bytes &b) {
  std::string s;
  char tmp[3];
  for (uint8_t v : b) {
    std::snprintf(tmp, sizeof tmp, "%02x", v);
    s += tmp;
  }
  return s;
}

// Offset, sixteen bytes in hex, and the printable ones as text.
void print_hex_dump(const Bytes &b) {
  for (size_t off = 0; off < b.size(); off += 16) {
    std::printf("  %04zx ", off);
    for (size_t i = 0; i < 16; i++) {
      if (off + i < b.size())
        std::printf(" %02x", b[off + i]);
      else
        std::printf("   ");
    }
    std::printf("  |");
    for (size_t i = 0; i < 16 && off + i < b.size(); i++)
      std::putchar(g_ascii_isprint(b[off + i]) ? b[off + i] : '.');
    std::printf("|\n");
  }
}

}  // namespace

int cmd_still(Context &ctx) {
  if (!ctx.args.empty()) return usage_error("still", "unexpected argument '" + ctx.args[0] + "'");
  if (!ctx.opt.server.empty()) return still_through_server(ctx);
  Failure failure;
  auto session = open_session(ctx, failure);
  if (!session) return report(failure);
  g_autoptr(GError) error = nullptr;
  if (!g_cmd.fetch) {
    if (!session->take_still(&error)) return report(failure_from(error, "taking a picture"));
    if (ctx.opt.json)
      print_flag_json("taken", true);
    else
      status("picture taken");
    return kExitOk;
  }
  // The new picture is the JPEG that was not in the file list before.
  const auto picture = take_still_picture(*session, &error);
  if (!picture) return report(failure_from(error, "taking a picture"));
  std::string address = session->peer_address();
  session->close();
  std::string dir = g_cmd.output ? g_cmd.output : ".";
  return fetch_files(ctx, address, {*picture}, dir, false);
}

int cmd_record(Context &ctx) {
  if (ctx.args.size() == 1 && ctx.args[0] == "status") return cmd_record_status(ctx);
  if (ctx.args.size() != 1 || (ctx.args[0] != "start" && ctx.args[0] != "stop"))
    return usage_error("record", "say 'record start', 'record stop' or 'record status'");
  bool start = ctx.args[0] == "start";
  if (!ctx.opt.server.empty()) {
    ServerClient server(ctx);
    Failure failure;
    if (!server.record(start, failure)) return report(failure);
  } else {
    Failure failure;
    auto session = open_session(ctx, failure);
    if (!session) return report(failure);
    g_autoptr(GError) error = nullptr;
    if (!session->set_recording(start, &error))
      return report(failure_from(error, start ? "starting recording" : "stopping recording"));
  }
  if (ctx.opt.json)
    print_flag_json("recording", start);
  else
    status(start ? "recording started" : "recording stopped");
  return kExitOk;
}

int cmd_raw(Context &ctx) {
  if (ctx.args.empty()) return usage_error("raw", "name the message TYPE, e.g. 0xA034");
  uint32_t type = 0;
  if (!parse_message_type(ctx.args[0], type))
    return usage_error("raw", "'" + ctx.args[0] + "' is not a message type (e.g. 0xA034 or 41012)");
  Bytes payload;
  if (!parse_hex_payload({ctx.args.begin() + 1, ctx.args.end()}, payload))
    return usage_error("raw", "the payload must be hex bytes, e.g. 01000000 or '01 00 00 00'");
  if (payload.size() > kControlMaxPayload)
    return usage_error("raw", "the payload is longer than 65535 bytes");
  if (g_cmd.max_replies < 1 || g_cmd.max_bytes < 0)
    return usage_error("raw", "--max-replies must be 1 or more and --max-bytes 0 or more");
  Failure failure;
  auto session = open_session(ctx, failure);
  if (!session) return report(failure);
  unsigned wait_ms = timeout_ms(ctx.opt, 2000);
  verbose(ctx, "sending 0x%04x with %zu payload bytes; listening for %u ms", type, payload.size(),
          wait_ms);
  g_autoptr(GError) error = nullptr;
  // raw() waits the whole timeout; Ctrl+C closes the session to end it.
  ControlSession *s = session.get();
  set_interrupt_handler(ctx, [&ctx, s] {
    g_cancellable_cancel(ctx.cancellable);
    s->close();
  });
  const auto answer = session->raw(type, payload, wait_ms, &error);
  set_interrupt_handler(ctx, nullptr);
  if (g_cancellable_is_cancelled(ctx.cancellable)) return report({kExitInterrupted, "interrupted"});
  if (!answer) {
    if (g_error_matches(error, IPCAM_ERROR, IPCAM_ERROR_LIMIT))
      return report({kExitFailed, "the camera sent more than " + std::to_string(g_cmd.max_replies) +
                                      " replies or " + std::to_string(g_cmd.max_bytes) +
                                      " bytes (the caps --max-replies N and --max-bytes BYTES keep more)"});
    return report(failure_from(error, "sending the raw message"));
  }
  const std::vector<RawReply> &replies = *answer;
  if (ctx.opt.json) {
    print_json(build_json([&](JsonBuilder *b) {
      json_builder_begin_array(b);
      for (const auto &r : replies) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "type");
        json_builder_add_int_value(b, r.type);
        json_builder_set_member_name(b, "name");
        if (const char *n = message_type_name(r.type))
          json_builder_add_string_value(b, n);
        else
          json_builder_add_null_value(b);
        json_builder_set_member_name(b, "size");
        json_builder_add_int_value(b, static_cast<gint64>(r.payload.size()));
        json_builder_set_member_name(b, "payload");
        json_builder_add_string_value(b, hex_string(r.payload).c_str());
        json_builder_end_object(b);
      }
      json_builder_end_array(b);
    }));
  } else {
    for (const auto &r : replies) {
      const char *n = message_type_name(r.type);
      std::printf("0x%04x %s, %zu bytes\n", r.type, n ? n : "(unknown type)", r.payload.size());
      print_hex_dump(r.payload);
    }
    std::fflush(stdout);
  }
  if (replies.empty()) status("no reply within %.1f s", wait_ms / 1000.0);
  return kExitOk;
}

}  // namespace ipcam::cli
