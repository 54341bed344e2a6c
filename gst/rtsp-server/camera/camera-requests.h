// CameraRequests: what the control API asks of a camera, whichever way it
// reaches it. The camera takes one control client: while a stream runs,
// the requests go through that stream's ipcamsrc (its action signals and
// its camera-settings property, SourceRequests); otherwise through the
// control session that CameraControl holds (SessionRequests). Both give
// the same answers, so that the API does not depend on who is watching.
#pragma once

#include "ipcam/camera-settings.h"
#include "ipcam/filelist.h"
#include "ipcam/session.h"

#include <gst/gst.h>

#include <optional>
#include <string>
#include <vector>

namespace ipcam::server {

class CameraRequests {
 public:
  virtual ~CameraRequests() = default;
  virtual bool take_still(GError **error) = 0;
  virtual bool set_recording(bool start, GError **error) = 0;
  virtual std::optional<std::vector<ipcam::FileEntry>> list_files(GError **error) = 0;
  virtual std::optional<ipcam::ConfigBlock> configuration(GError **error) = 0;
  // Refused and ignored are outcomes, not errors (session.h).
  virtual std::optional<ipcam::SetResult> set_setting(const std::string &name, int32_t index, GError **error) = 0;
  virtual std::optional<ipcam::StorageInfo> storage(GError **error) = 0;
  virtual bool delete_file(const std::string &path, GError **error) = 0;
  virtual bool format_storage(GError **error) = 0;
  // `time`: a local date-time to give the camera, or null for now.
  virtual bool set_clock(GDateTime *time, GError **error) = 0;
};

// Through a running ipcamsrc (a reference taken; released by the destructor).
class SourceRequests : public CameraRequests {
 public:
  SourceRequests(GstElement *src, size_t max_files) : src_(src), max_files_(max_files) {}
  ~SourceRequests() override { gst_object_unref(src_); }
  SourceRequests(const SourceRequests &) = delete;
  SourceRequests &operator=(const SourceRequests &) = delete;

  bool take_still(GError **error) override;
  bool set_recording(bool start, GError **error) override;
  std::optional<std::vector<ipcam::FileEntry>> list_files(GError **error) override;
  std::optional<ipcam::ConfigBlock> configuration(GError **error) override;
  std::optional<ipcam::SetResult> set_setting(const std::string &name, int32_t index, GError **error) override;
  std::optional<ipcam::StorageInfo> storage(GError **error) override;
  bool delete_file(const std::string &path, GError **error) override;
  bool format_storage(GError **error) override;
  bool set_clock(GDateTime *time, GError **error) override;

 private:
  bool has_signal(const char *name, GError **error);
  GstElement *src_;
  size_t max_files_;
};

// Through a logged-in control session of the server's own.
class SessionRequests : public CameraRequests {
 public:
  explicit SessionRequests(ipcam::ControlSession &s) : s_(s) {}
  bool take_still(GError **error) override { return s_.take_still(error); }
  bool set_recording(bool start, GError **error) override { return s_.set_recording(start, error); }
  std::optional<std::vector<ipcam::FileEntry>> list_files(GError **error) override { return s_.file_list(error); }
  std::optional<ipcam::ConfigBlock> configuration(GError **error) override { return s_.configuration(error); }
  std::optional<ipcam::SetResult> set_setting(const std::string &name, int32_t index, GError **error) override {
    return s_.set_setting(name, index, error);
  }
  std::optional<ipcam::StorageInfo> storage(GError **error) override { return s_.storage(error); }
  bool delete_file(const std::string &path, GError **error) override { return s_.delete_file(path, error); }
  bool format_storage(GError **error) override { return s_.format_storage(error); }
  bool set_clock(GDateTime *time, GError **error) override;

 private:
  ipcam::ControlSession &s_;
};

// The host's local time as the camera's clock (isdst from the host's zone).
ipcam::CameraClock clock_of(GDateTime *local_time);

}  // namespace ipcam::server
