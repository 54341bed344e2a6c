// The camera's control server (TCP 6666): login, alive requests, file list,
// still, record, start preview, and the rest of the command map through
// ControlHandler::app_request. One client at a time.
#pragma once

#include "camera-config.h"
#include "faults.h"
#include "ipcam/filelist.h"
#include "ipcam/wire.h"

#include <gio/gio.h>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace ipcam::sim {

// How the camera answers one of the phone app's requests (app-requests.h):
// a reply (type and payload) or none, and whether the link then drops.
struct AppAnswer {
  bool handled = false;  // false: not a request of the command map
  std::optional<uint32_t> reply_type;
  Bytes payload;
  bool drop_client = false;  // Wi-Fi off, or its access point restarting
};

// What the control server asks of the rest of the camera. Called on the
// camera thread. `done` callbacks may be called later (the work runs in a
// worker thread), also on the camera thread.
class ControlHandler {
 public:
  virtual ~ControlHandler() = default;
  virtual void start_preview(GInetAddress *client) = 0;
  virtual void session_ended() = 0;
  virtual std::vector<FileEntry> file_list() = 0;
  virtual void take_still(std::function<void()> done) = 0;
  virtual void control_recording(bool start, std::function<void()> done) = 0;
  // Every other request of the command map (protocol.md).
  virtual AppAnswer app_request(uint32_t type, ByteView payload) = 0;
};

class ControlServer {
 public:
  ControlServer(const CameraConfig &config, Stats &stats, ControlHandler &handler);
  ~ControlServer();
  ControlServer(const ControlServer &) = delete;
  ControlServer &operator=(const ControlServer &) = delete;

  // Binds config.endpoint.address:control_port and starts accepting on the
  // thread-default main context.
  bool start(GError **error);
  void stop();
  uint16_t port() const { return port_; }

  // Closes the logged-in client's connection (fault: drop after N frames).
  void drop_session(const char *why);
  // Sends a message of the camera's own (an event) to the logged-in
  // client; false when no client is logged in.
  bool send_event(uint32_t type, ByteView payload = {});

  struct Client;  // one TCP connection (control-server.cpp)

 private:
  static gboolean on_incoming(GSocketService *, GSocketConnection *, GObject *, gpointer self);
  static gboolean on_tick(gpointer self);
  void accept(GSocketConnection *conn);
  void handle(const std::shared_ptr<Client> &c, uint32_t type, ByteView payload);
  void handle_login(const std::shared_ptr<Client> &c, ByteView payload);
  bool answer_app_request(const std::shared_ptr<Client> &c, uint32_t type, ByteView payload);
  void refuse(const std::shared_ptr<Client> &c, RefuseMode mode, const std::vector<uint8_t> &bytes,
              const char *why);
  // Queues a reply to a client request, after --reply-delay.
  void reply(const std::shared_ptr<Client> &c, std::function<void()> send);
  void close_client(const std::shared_ptr<Client> &c, const char *why);
  void forget(Client *c);
  friend struct ClientIo;

  const CameraConfig &config_;
  Stats &stats_;
  ControlHandler &handler_;
  GSocketService *service_ = nullptr;
  GSource *tick_ = nullptr;
  uint16_t port_ = 0;
  uint64_t next_id_ = 1;
  std::vector<std::shared_ptr<Client>> clients_;
  std::weak_ptr<Client> session_;  // the logged-in client
};

}  // namespace ipcam::sim
