// Discovery, HTTP files, still and record, with a hand-made client.
#include <glib/gstdio.h>

#include "camera_for_test.h"

using namespace hand;
using ipcam::sim::Camera;
using ipcam::sim::CameraConfig;

namespace {

std::unique_ptr<Camera> start(CameraConfig config) {
  auto camera = std::make_unique<Camera>(std::move(config));
  g_autoptr(GError) error = nullptr;
  EXPECT_TRUE(camera->start(&error)) << (error ? error->message : "");
  return camera;
}

struct HttpReply {
  int status = 0;
  std::string headers;
  Bytes body;
};

HttpReply http_get(uint16_t port, const std::string &path, const std::string &extra = "") {
  TcpClient c(port);
  std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
  c.send(Bytes(req.begin(), req.end()));
  Bytes all;
  EXPECT_TRUE(c.closed_within(10000, &all));
  HttpReply r;
  std::string text(all.begin(), all.end());
  size_t end = text.find("\r\n\r\n");
  if (end == std::string::npos) return r;
  r.headers = text.substr(0, end);
  r.status = std::atoi(r.headers.c_str() + r.headers.find(' ') + 1);
  r.body.assign(all.begin() + ptrdiff_t(end + 4), all.end());
  return r;
}

Bytes read_file(const std::string &path) {
  g_autofree char *data = nullptr;
  gsize len = 0;
  if (!g_file_get_contents(path.c_str(), &data, &len, nullptr)) return {};
  return Bytes(data, data + len);
}

// ffprobe's codec, size and frame count of a stored video.
std::string probe_video(const std::string &local) {
  const char *argv[] = {"ffprobe",       "-v",
                        "error",         "-select_streams",
                        "v:0",           "-count_frames",
                        "-show_entries", "stream=codec_name,width,height,nb_read_frames",
                        "-of",           "default=noprint_wrappers=1",
                        local.c_str(),   nullptr};
  g_autofree char *out = nullptr;
  g_autofree char *err = nullptr;
  int status = 0;
  EXPECT_TRUE(g_spawn_sync(nullptr, const_cast<char **>(argv), nullptr, G_SPAWN_SEARCH_PATH,
                           nullptr, nullptr, &out, &err, &status, nullptr));
  EXPECT_TRUE(g_spawn_check_wait_status(status, nullptr)) << err;
  return out ? out : "";
}

int frames_in(const std::string &probe) {
  size_t at = probe.find("nb_read_frames=");
  return at == std::string::npos ? 0 : std::atoi(probe.c_str() + at + 15);
}

// The next preview datagram; the session stays up meanwhile because the
// camera's alive requests are answered as they come.
std::optional<Bytes> second_preview_datagram(UdpReceiver &rx, TcpClient &session) {
  while (auto m = session.read_message(0)) {
    if (m->type == 0x0112) session.send(control(0x0113));
  }
  return rx.receive();
}

// A new session once the camera has seen the last one leave (until then it
// answers the login as busy, 0x1234).
std::unique_ptr<TcpClient> login_when_free(uint16_t port) {
  for (int i = 0; i < 200; ++i) {
    auto c = std::make_unique<TcpClient>(port);
    if (c->login().back().type == 0x0111u) return c;
  }
  return nullptr;
}

std::string name_of(const std::string &camera_path) {
  return camera_path.substr(camera_path.rfind('/') + 1);
}

}  // namespace

TEST(Discovery, AnsweredOnBothPortsViaBroadcast) {
  auto config = test_config();
  config.serial = "SN-12345";
  auto cam = start(config);
  auto ports = cam->ready().discovery_ports;
  ASSERT_EQ(ports.size(), 2u);
  for (uint16_t port : ports) {
    UdpReceiver client;
    client.send_to("127.255.255.255", port, control(0x0114));
    uint16_t from = 0;
    auto answer = client.receive(3000, &from);
    ASSERT_TRUE(answer) << "no discovery answer on port " << port;
    EXPECT_EQ(from, port);
    Bytes expected = control(0x0115, Bytes(64, 0));
    std::string sn = "SN-12345";
    std::copy(sn.begin(), sn.end(), expected.begin() + 8);
    EXPECT_EQ(*answer, expected);
  }
}

// The camera is found at the address it takes control connections on, so
// emulators on 127.0.0.2 and 127.0.0.3 are two cameras.
TEST(Discovery, AnswerComesFromTheControlAddress) {
  auto config = test_config();
  config.endpoint.address = "127.0.0.2";
  auto cam = start(config);
  UdpReceiver client;
  client.send_to("127.255.255.255", cam->ready().discovery_ports[0], control(0x0114));
  std::string from;
  ASSERT_TRUE(client.receive(3000, nullptr, &from));
  EXPECT_EQ(from, "127.0.0.2");
}

TEST(Discovery, TextFormatAndIgnoringOtherBytes) {
  auto config = test_config();
  config.serial = "CAM7";
  config.discovery_format = ipcam::sim::DiscoveryFormat::kText;
  auto cam = start(config);
  UdpReceiver client;
  client.send_to("127.0.0.1", cam->ready().discovery_ports[0], {'h', 'i'});
  EXPECT_FALSE(client.receive(300)) << "only discovery requests are answered";
  client.send_to("127.0.0.1", cam->ready().discovery_ports[0], control(0x0114));
  auto answer = client.receive();
  ASSERT_TRUE(answer);
  EXPECT_EQ(*answer, (Bytes{'C', 'A', 'M', '7'}));
}

TEST(Files, HttpServesListedFilesByteExact) {
  auto config = test_config();
  config.samples = true;
  auto cam = start(config);
  TcpClient c(cam->ready().control_port);
  ASSERT_EQ(c.login().back().type, 0x0111u);
  auto files = parse_list(file_list(c));
  ASSERT_GE(files.size(), 20u);
  for (size_t i : {size_t(0), files.size() - 1}) {
    auto [path, size] = files[i];
    HttpReply r = http_get(cam->ready().http_port, path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body.size(), size) << path;
    EXPECT_EQ(r.body, read_file(cam->ready().store + "/" + name_of(path))) << path;
  }
  // A range of the first file.
  HttpReply part = http_get(cam->ready().http_port, files[0].first, "Range: bytes=2-9\r\n");
  EXPECT_EQ(part.status, 206);
  Bytes whole = read_file(cam->ready().store + "/" + name_of(files[0].first));
  EXPECT_EQ(part.body, Bytes(whole.begin() + 2, whole.begin() + 10));
}

TEST(Files, HttpNeverLeavesTheStore) {
  auto config = test_config();
  config.samples = true;
  auto cam = start(config);
  for (const char *path :
       {"/mnt/sdcard/DCIM/100MEDIA/../../../../etc/passwd", "/mnt/sdcard/DCIM/100MEDIA/%2e%2e/x",
        "/etc/passwd", "/mnt/sdcard/DCIM/100MEDIA/NOPE.JPG", "/mnt/sdcard/DCIM/100MEDIA/"}) {
    EXPECT_EQ(http_get(cam->ready().http_port, path).status, 404) << path;
  }
}

TEST(Files, StillAddsAJpegToTheList) {
  UdpReceiver rx;
  auto config = test_config(rx.port());
  auto cam = start(config);
  TcpClient c(cam->ready().control_port);
  ASSERT_EQ(c.login().back().type, 0x0111u);
  EXPECT_TRUE(parse_list(file_list(c)).empty());
  c.send(control(0x01FF));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(rx.receive());  // a frame is current
  c.send(control(0xA038));
  auto m = c.read_reply(10000);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, 0xA039u);
  auto files = parse_list(file_list(c));
  ASSERT_EQ(files.size(), 1u);
  EXPECT_TRUE(g_str_has_suffix(files[0].first.c_str(), ".JPG"));
  HttpReply r = http_get(cam->ready().http_port, files[0].first);
  ASSERT_EQ(r.status, 200);
  ASSERT_GT(r.body.size(), 1000u);
  EXPECT_EQ(r.body.size(), files[0].second);
  EXPECT_EQ(r.body[0], 0xFF);
  EXPECT_EQ(r.body[1], 0xD8);
  EXPECT_EQ(r.body[r.body.size() - 2], 0xFF);
  EXPECT_EQ(r.body[r.body.size() - 1], 0xD9);
}

TEST(Files, RecordStoresAPlayableMp4) {
  UdpReceiver rx;
  auto cam = start(test_config(rx.port()));
  TcpClient c(cam->ready().control_port);
  ASSERT_EQ(c.login().back().type, 0x0111u);
  c.send(control(0x01FF));
  c.send(control(0xA03A, {1, 0, 0, 0}));
  auto m = c.read_reply();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, 0xA03Bu);
  int times = 0;
  while (times < 20) {  // about 20 frames
    auto d = rx.receive();
    ASSERT_TRUE(d);
    if (be16(&(*d)[6]) == 2) ++times;
  }
  c.send(control(0xA03A, {0, 0, 0, 0}));
  m = c.read_reply(10000);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, 0xA03Bu);
  auto files = parse_list(file_list(c));
  ASSERT_EQ(files.size(), 1u);
  ASSERT_TRUE(g_str_has_suffix(files[0].first.c_str(), ".MP4"));
  std::string text = probe_video(cam->ready().store + "/" + name_of(files[0].first));
  EXPECT_NE(text.find("codec_name=h264"), std::string::npos) << text;
  EXPECT_NE(text.find("width=640"), std::string::npos) << text;
  EXPECT_NE(text.find("height=360"), std::string::npos) << text;
  EXPECT_GE(frames_in(text), 15) << text;
}

// Recording is the camera's state: it goes on after the session that started
// it ends, and another session stops it.
TEST(Files, RecordingOutlivesTheSessionThatStartedIt) {
  UdpReceiver rx;
  auto cam = start(test_config(rx.port()));
  {
    TcpClient first(cam->ready().control_port);
    ASSERT_EQ(first.login().back().type, 0x0111u);
    first.send(control(0xA03A, {1, 0, 0, 0}));
    auto m = first.read_reply();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->type, 0xA03Bu);
  }
  auto later = login_when_free(cam->ready().control_port);
  ASSERT_TRUE(later);
  TcpClient &second = *later;
  second.send(control(0x01FF));
  for (int times = 0; times < 30;) {  // a second of frames recorded meanwhile
    auto d = second_preview_datagram(rx, second);
    ASSERT_TRUE(d);
    if (be16(&(*d)[6]) == 2) ++times;
  }
  second.send(control(0xA03A, {0, 0, 0, 0}));
  auto m = second.read_reply(10000);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, 0xA03Bu);
  auto files = parse_list(file_list(second));
  ASSERT_EQ(files.size(), 1u);
  std::string text = probe_video(cam->ready().store + "/" + name_of(files[0].first));
  EXPECT_GE(frames_in(text), 30) << text;
}

