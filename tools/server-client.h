// The control API of a running ipcam-rtsp-server (docs/rtsp-server.md),
// used by still, record, ls and fetch with --server URL: the camera takes
// one control client, and the server holds it.
#pragma once

#include "cli.h"
#include "ipcam/download.h"
#include "ipcam/filelist.h"

#include <libsoup/soup.h>

#include <string>
#include <vector>

namespace ipcam::cli {

class ServerClient {
 public:
  explicit ServerClient(const Context &ctx);
  ~ServerClient();
  ServerClient(const ServerClient &) = delete;
  ServerClient &operator=(const ServerClient &) = delete;

  // GET /api/status (or /api/cameras/NAME/status): the JSON status document (docs/rtsp-server.md).
  JsonNode *status(Failure &failure);
  bool files(std::vector<FileEntry> &out, Failure &failure);
  bool record(bool start, Failure &failure);
  // Takes a picture. With `image`, the server's JPEG answer; `card_path`
  // receives where it lies on the card (X-Ipcam-Path), if said.
  bool still(bool want_image, GBytes **image, std::string &card_path, Failure &failure);
  // Downloads like ipcam::download_file: temporary name, renamed when
  // complete; nothing left on failure unless `resume` (then NAME.part,
  // continued with a Range request next time).
  bool download(const FileEntry &file, const std::string &dest_dir, bool resume,
                const ProgressCallback &progress, std::string &local_path, Failure &failure);

  // Any JSON endpoint of the camera's API (below /api or
  // /api/cameras/NAME): `method` with `body` (JSON text; empty: none),
  // answered with JSON (nullptr with `failure` otherwise).
  // server-camera-api.cpp.
  JsonNode *call(const char *method, const std::string &path, const std::string &body,
                 Failure &failure);

  const std::string &base() const { return base_; }

 private:
  SoupMessage *message(const char *method, const std::string &path_and_query);
  // Sends and reads the whole answer; fails on a non-2xx status.
  GBytes *request(const char *method, const std::string &path_and_query, Failure &failure,
                  SoupMessage **out_msg = nullptr);
  Failure http_failure(SoupMessage *msg, GBytes *body, const std::string &what) const;
  Failure transport_failure(const GError *error, const std::string &what) const;

  const Context &ctx_;
  std::string base_;  // without a trailing '/'
  std::string api_ = "/api";  // or /api/cameras/NAME (--server-camera)
  SoupSession *session_ = nullptr;
};

}  // namespace ipcam::cli
