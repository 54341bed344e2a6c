// Taking a picture and finding it (ipcam/still.h), and the SessionConfig
// every program derives from its one timeout (session_config()).
#include "ipcam/error.h"
#include "ipcam/session.h"
#include "ipcam/still.h"
#include "session_fixture.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace ipcam;
using namespace ipcam::test;

namespace {

const std::vector<FileEntry> kCard = {{"/DCIM/A.MOV", 1000}, {"/DCIM/B.JPG", 20}};

// Plays the camera's requests in order and records them.
struct FakeCamera {
  std::vector<std::vector<FileEntry>> lists;  // answers to the file list requests, in order
  bool still_ok = true;
  std::vector<std::string> calls;

  FileListRequest list() {
    return [this](GError **error) -> std::optional<std::vector<FileEntry>> {
      calls.push_back("list");
      if (lists.empty()) {
        g_set_error_literal(error, IPCAM_ERROR, IPCAM_ERROR_TIMEOUT, "no file list");
        return std::nullopt;
      }
      auto l = lists.front();
      lists.erase(lists.begin());
      return l;
    };
  }
  StillRequest still() {
    return [this](GError **error) {
      calls.push_back("still");
      if (!still_ok) g_set_error_literal(error, IPCAM_ERROR, IPCAM_ERROR_CONNECTION_LOST, "gone");
      return still_ok;
    };
  }
};

std::vector<FileEntry> plus(std::vector<FileEntry> list, const std::vector<FileEntry> &more) {
  list.insert(list.end(), more.begin(), more.end());
  return list;
}

}  // namespace

TEST(Still, PicturesAreJpegsInAnyCase) {
  EXPECT_TRUE(is_picture("/DCIM/A.JPG"));
  EXPECT_TRUE(is_picture("/DCIM/a.jpg"));
  EXPECT_TRUE(is_picture("/DCIM/a.Jpeg"));
  EXPECT_FALSE(is_picture("/DCIM/A.MOV"));
  EXPECT_FALSE(is_picture("/DCIM/A.JPG.MOV"));
  EXPECT_FALSE(is_picture("/DCIM/JPG"));
  EXPECT_FALSE(is_picture(""));
}

TEST(Still, TheNewPictureIsTheJpegThatAppeared) {
  FakeCamera cam;
  cam.lists = {kCard, plus(kCard, {{"/DCIM/C.JPG", 4242}})};
  ErrorGuard err;
  auto picture = take_still_picture(cam.list(), cam.still(), err.out());
  ASSERT_TRUE(picture) << err.message();
  EXPECT_EQ(picture->path, "/DCIM/C.JPG");
  EXPECT_EQ(picture->size, 4242u);
  EXPECT_EQ(cam.calls, std::vector<std::string>({"list", "still", "list"}));
}

TEST(Still, ANewVideoIsNotThePicture) {
  // A recording that ends meanwhile adds a file too: the CLI once took it.
  FakeCamera cam;
  cam.lists = {kCard, plus(kCard, {{"/DCIM/C.JPG", 10}, {"/DCIM/D.MOV", 99999}})};
  ErrorGuard err;
  auto picture = take_still_picture(cam.list(), cam.still(), err.out());
  ASSERT_TRUE(picture) << err.message();
  EXPECT_EQ(picture->path, "/DCIM/C.JPG");
}

TEST(Still, OfSeveralNewPicturesTheLastListed) {
  auto picture = new_picture(kCard, plus(kCard, {{"/DCIM/C.JPG", 1}, {"/DCIM/D.jpeg", 2}}), nullptr);
  ASSERT_TRUE(picture);
  EXPECT_EQ(picture->path, "/DCIM/D.jpeg");
}

TEST(Still, NoNewPictureIsAnError) {
  ErrorGuard err;
  EXPECT_FALSE(new_picture(kCard, kCard, err.out()));
  EXPECT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_FAILED)) << err.message();
  EXPECT_EQ(err.message(), "the camera took the still but no new picture appeared in its file list");
  EXPECT_FALSE(new_picture(kCard, plus(kCard, {{"/DCIM/D.MOV", 5}}), err.out()));
  EXPECT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_FAILED)) << err.message();
}

TEST(Still, AFailedRequestStopsAndKeepsItsError) {
  FakeCamera cam;
  cam.lists = {kCard, kCard};
  cam.still_ok = false;
  ErrorGuard err;
  EXPECT_FALSE(take_still_picture(cam.list(), cam.still(), err.out()));
  EXPECT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_CONNECTION_LOST)) << err.message();
  EXPECT_EQ(cam.calls, std::vector<std::string>({"list", "still"}));

  FakeCamera silent;  // no file list at all: no still is taken
  EXPECT_FALSE(take_still_picture(silent.list(), silent.still(), err.out()));
  EXPECT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_TIMEOUT)) << err.message();
  EXPECT_EQ(silent.calls, std::vector<std::string>({"list"}));
}

TEST(Still, ThroughASessionOnTheWire) {
  Peer peer;
  ServeLoggedIn(peer, [](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0xA025u);
    p.send(control(0xA026, file_list_part(1, 0, "/DCIM/A.MOV:1000;")));
    EXPECT_EQ(p.recv_type(), 0xA038u);
    p.send(control(0xA039));
    EXPECT_EQ(p.recv_type(), 0xA025u);
    p.send(control(0xA026, file_list_part(1, 0, "/DCIM/A.MOV:1000;/DCIM/B.MOV:5;/DCIM/C.JPG:77;")));
  });
  ControlSession s(ConfigFor(peer));
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  auto picture = take_still_picture(s, err.out());
  ASSERT_TRUE(picture) << err.message();
  EXPECT_EQ(picture->path, "/DCIM/C.JPG");
  EXPECT_EQ(picture->size, 77u);
  s.close();
  peer.join();
}

TEST(SessionConfigFromTimeout, EveryTimeoutDerivesFromTheOne) {
  CameraEndpoint endpoint;
  endpoint.address = "10.0.0.2";
  endpoint.control_port = 7777;
  endpoint.user = "me";
  endpoint.password = "pw";
  endpoint.interface = "wlan1";
  endpoint.timeout_ms = 2000;
  SessionConfig c = session_config(endpoint);
  EXPECT_EQ(c.endpoint.address, "10.0.0.2");
  EXPECT_EQ(c.endpoint.control_port, 7777);
  EXPECT_EQ(c.endpoint.user, "me");
  EXPECT_EQ(c.endpoint.password, "pw");
  EXPECT_EQ(c.endpoint.interface, "wlan1");
  EXPECT_EQ(c.connect_timeout_ms, 2000u);
  EXPECT_EQ(c.reply_timeout_ms, 2000u);
  EXPECT_EQ(c.file_list_timeout_ms, 10000u);  // a list comes in many parts: 10 s at least
  EXPECT_EQ(c.idle_timeout_ms, 15000u);       // alive requests come every few seconds: 15 s at least

  endpoint = CameraEndpoint();
  endpoint.address = "10.0.0.2";
  endpoint.timeout_ms = 20000;
  c = session_config(endpoint);
  EXPECT_EQ(c.connect_timeout_ms, 20000u);
  EXPECT_EQ(c.reply_timeout_ms, 20000u);
  EXPECT_EQ(c.file_list_timeout_ms, 20000u);
  EXPECT_EQ(c.idle_timeout_ms, 60000u);

  // The defaults are what the default timeout gives.
  const SessionConfig defaults;
  endpoint = CameraEndpoint();  // kDefaultTimeoutMs
  endpoint.address = "h";
  c = session_config(endpoint);
  EXPECT_EQ(c.connect_timeout_ms, defaults.connect_timeout_ms);
  EXPECT_EQ(c.reply_timeout_ms, defaults.reply_timeout_ms);
  EXPECT_EQ(c.file_list_timeout_ms, defaults.file_list_timeout_ms);
  EXPECT_EQ(c.idle_timeout_ms, defaults.idle_timeout_ms);
  EXPECT_EQ(c.keepalive_interval_ms, defaults.keepalive_interval_ms);
  EXPECT_EQ(c.max_files, defaults.max_files);
}
