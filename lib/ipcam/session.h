// ControlSession: one TCP control connection to a camera.
// Connect, log in (the camera sends an alive request before login accepted),
// answer every alive request, send an own keep-alive, request/reply with
// timeouts, raw messages. A reader thread owns the socket's input; requests
// may be made from any thread, also while preview data streams.
#pragma once

#include "ipcam/camera-settings.h"
#include "ipcam/endpoint.h"
#include "ipcam/error.h"
#include "ipcam/filelist.h"
#include "ipcam/wire.h"

#include <gio/gio.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ipcam {

struct SessionConfig {
  // Where the camera is and how to log in: its address, control port,
  // user, password (never logged) and interface. Its timeout_ms is only
  // where session_config() derives the timeouts below from.
  CameraEndpoint endpoint;
  unsigned connect_timeout_ms = kDefaultTimeoutMs;
  unsigned reply_timeout_ms = kDefaultTimeoutMs;  // login, firmware, still, record
  unsigned file_list_timeout_ms = 10000;  // the whole file list
  unsigned keepalive_interval_ms = 5000;  // own alive response; 0 = never
  // No byte at all from the camera for this long = connection lost
  // (the camera sends alive requests every few seconds). 0 = never.
  unsigned idle_timeout_ms = 15000;
  // Send start preview with 8 zero bytes instead of no payload.
  bool start_preview_with_payload = false;
  // Caps on what a camera can make the client hold; each error names its
  // cap. Real cameras send a few hundred bytes before login accepted.
  size_t max_login_bytes = 64 * 1024;         // buffered before login accepted
  size_t max_files = 100000;                  // file list entries
  size_t max_file_list_bytes = 16u << 20;     // file list text
  size_t max_raw_replies = 10000;             // replies raw() keeps
  size_t max_raw_bytes = 16u << 20;           // payload bytes raw() keeps
  // Unknown message types logged in full; later ones are only counted.
  unsigned unknown_logged = 5;
  // Send stop preview (0x02FF, 8 zero bytes) before closing a session that
  // started the preview: the vendor's app defines it; no capture shows it.
  bool stop_preview_on_close = true;
};

// The config for a camera's endpoint, the one way every program makes one,
// with the timeouts derived from the one timeout its user gives
// (ipcamsrc's `timeout`, the server's and the CLI's --timeout, kept in
// endpoint.timeout_ms): connect and each reply wait `timeout_ms`; the whole
// file list, which comes in many parts, max(timeout_ms, 10 s); the idle
// timeout max(3 × timeout_ms, 15 s), as cameras send an alive request only
// every few seconds. The other fields keep their defaults.
SessionConfig session_config(const CameraEndpoint &endpoint);

struct RawReply {
  uint32_t type = 0;
  Bytes payload;
};

class ControlSession {
 public:
  // Every message that is not an answer someone waits for (unknown types,
  // unsolicited messages). Called on the reader thread; keep it short.
  using MessageHandler = std::function<void(const RawReply &)>;
  // Called once on the reader thread when the connection is lost after
  // login (not when close() is called), with IPCAM_ERROR_CONNECTION_LOST
  // and the cause alone as its message ("the camera closed the
  // connection"), for a caller that reconnects by itself. Requests in
  // flight fail with the whole sentence: where, why, and what to check.
  using LostHandler = std::function<void(const GError *error)>;

  explicit ControlSession(SessionConfig config);
  ~ControlSession();  // closes
  ControlSession(const ControlSession &) = delete;
  ControlSession &operator=(const ControlSession &) = delete;

  // A camera event (card inserted/removed/full, emergency file, motion
  // photo: camera-settings.h). Called on the reader thread; keep it short.
  // Events still reach the message handler too.
  using EventHandler = std::function<void(const CameraEvent &)>;

  void set_message_handler(MessageHandler h);
  void set_lost_handler(LostHandler h);
  void set_event_handler(EventHandler h);

  // Blocking: connect with timeout, log in, start the reader thread.
  // Cancellable from another thread. Errors: IPCAM_ERROR_CANNOT_CONNECT,
  // _TIMEOUT, _NOT_IPCAM, _LOGIN_REFUSED, _CANCELLED, and _BUSY as soon as
  // the camera answers login with 0x1234 (it already has a client).
  // close() first sends stop preview when this session started the preview
  // and SessionConfig::stop_preview_on_close is set (one non-blocking try).
  bool connect(GCancellable *cancellable, GError **error);
  // Stops the reader thread and closes the socket. Idempotent. Wakes every
  // waiting request with IPCAM_ERROR_NOT_CONNECTED.
  void close();
  bool connected() const;

  // The address the camera was reached at (numeric IPv4), for the preview
  // receiver's source filter and HTTP downloads.
  std::string peer_address() const;
  // The local address of the control connection (where the camera sends
  // its preview).
  std::string local_address() const;

  // Requests. Each fails at once with IPCAM_ERROR_NOT_CONNECTED when there
  // is no session, with _TIMEOUT after the configured timeout, with
  // _CONNECTION_LOST if the connection drops while waiting. Like the whole
  // library: a value (or true) on success, std::nullopt (or false) and
  // `error` set on failure.
  bool start_preview(GError **error);  // no reply expected
  std::optional<std::string> firmware_version(GError **error);
  std::optional<std::vector<FileEntry>> file_list(GError **error);
  bool take_still(GError **error);                      // waits for 0xA039
  bool set_recording(bool start, GError **error);       // waits for 0xA03B
  bool stop_preview(GError **error);                    // 0x02FF, no reply expected

  // The configuration block (0xA034 → 0xA035); firmware_version() reads it too.
  std::optional<ConfigBlock> configuration(GError **error);
  // One setting by name: sends its command with the index, then (when the
  // setting is readable) reads the block back. Refused and ignored are
  // outcomes in the result, not errors; errors are the request's own
  // (timeout, connection) and _INVALID_ARGUMENT for an unknown or
  // read-only name.
  std::optional<SetResult> set_setting(std::string_view name, int32_t index, GError **error);
  // Any setter by command (s32 index → s32 result): the camera's result.
  std::optional<int32_t> set_index(uint32_t command, int32_t index, GError **error);
  // Requests with an s32 result fail with IPCAM_ERROR_REFUSED when it is
  // not 0, the camera's number in the message.
  bool set_clock(const CameraClock &clock, GError **error);
  std::optional<StorageInfo> storage(GError **error);
  bool format_storage(GError **error);
  bool delete_file(std::string_view path, GError **error);
  bool factory_reset(GError **error);
  // No reply: the camera restarts its access point (or turns Wi-Fi off),
  // so the session ends on purpose: it is closed after sending (after the
  // camera hangs up, or 0.5 s at most), connected() turns false, the lost
  // handler is NOT called, and later requests fail with _NOT_CONNECTED.
  // Connect again once the access point is back. A Wi-Fi password out of
  // its limits fails with _INVALID_ARGUMENT before anything is sent, and
  // the session stays.
  bool set_wifi_password(std::string_view ssid, std::string_view old_password,
                         std::string_view new_password, GError **error);
  bool wifi_off(GError **error);
  // Sends any message and returns every message (other than alive requests)
  // that arrives within `timeout_ms`. Never fails on an empty answer; fails
  // with IPCAM_ERROR_LIMIT past max_raw_replies or max_raw_bytes.
  // file_list() fails with _LIMIT past max_files or max_file_list_bytes.
  std::optional<std::vector<RawReply>> raw(uint32_t type, ByteView payload, unsigned timeout_ms, GError **error);

  const SessionConfig &config() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ipcam
