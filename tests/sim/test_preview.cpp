// The preview stream against protocol.md: datagram layout, sequence
// numbers, time datagrams, and H.264 that decodes to the advertised size.
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include "camera_for_test.h"

using namespace hand;
using ipcam::sim::Camera;
using ipcam::sim::CameraConfig;

namespace {

struct Datagram {
  uint16_t length = 0;
  uint16_t seq = 0;
  uint16_t type = 0;
  Bytes payload;
  size_t size = 0;
};

Datagram parse(const Bytes &d) {
  EXPECT_GE(d.size(), 8u);
  EXPECT_EQ(d[0], 0xBC);
  EXPECT_EQ(d[1], 0xDE);
  Datagram g;
  g.length = be16(&d[2]);
  g.seq = be16(&d[4]);
  g.type = be16(&d[6]);
  g.payload.assign(d.begin() + 8, d.end());
  g.size = d.size();
  EXPECT_EQ(g.length, d.size() - 8) << "length field must equal the payload size";
  return g;
}

// A camera streaming to a receiver, with a logged-in client that started
// preview.
struct Streaming {
  UdpReceiver rx;
  std::unique_ptr<Camera> camera;
  std::unique_ptr<TcpClient> client;

  explicit Streaming(CameraConfig config) {
    config.endpoint.preview_port = rx.port();
    camera = std::make_unique<Camera>(std::move(config));
    g_autoptr(GError) error = nullptr;
    EXPECT_TRUE(camera->start(&error)) << (error ? error->message : "");
    client = std::make_unique<TcpClient>(camera->ready().control_port);
    EXPECT_EQ(client->login().back().type, 0x0111u);
    client->send(control(0x01FF));
  }
  std::vector<Datagram> collect(size_t n) {
    std::vector<Datagram> out;
    while (out.size() < n) {
      auto d = rx.receive(3000);
      if (!d) break;
      out.push_back(parse(*d));
    }
    return out;
  }
  // Data of `frames` whole frames (time datagram before each frame).
  Bytes stream(int frames, std::vector<uint32_t> *times = nullptr) {
    Bytes h264;
    int seen = 0;
    while (seen <= frames) {
      auto d = rx.receive(3000);
      if (!d) break;
      Datagram g = parse(*d);
      if (g.type == 2) {
        if (++seen > frames) break;
        if (times) times->push_back(le32(&g.payload[12]));
      } else if (g.type == 1 && seen > 0) {
        h264.insert(h264.end(), g.payload.begin(), g.payload.end());
      }
    }
    return h264;
  }
};

int nal_type_at_start(const Bytes &b) {
  if (b.size() >= 5 && b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 1) return b[4] & 0x1F;
  if (b.size() >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 1) return b[3] & 0x1F;
  return -1;
}

// Decodes an Annex-B stream with avdec_h264; returns frames and caps size.
int decode(const Bytes &h264, int &width, int &height) {
  gst_init(nullptr, nullptr);
  g_autoptr(GstElement) p = gst_parse_launch(
      "appsrc name=src caps=video/x-h264,stream-format=byte-stream ! h264parse ! avdec_h264 ! "
      "appsink name=sink sync=false",
      nullptr);
  g_autoptr(GstElement) src = gst_bin_get_by_name(GST_BIN(p), "src");
  g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(p), "sink");
  gst_element_set_state(p, GST_STATE_PLAYING);
  gst_app_src_push_buffer(GST_APP_SRC(src), gst_buffer_new_memdup(h264.data(), h264.size()));
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  int frames = 0;
  while (GstSample *s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 5 * GST_SECOND)) {
    GstStructure *st = gst_caps_get_structure(gst_sample_get_caps(s), 0);
    gst_structure_get_int(st, "width", &width);
    gst_structure_get_int(st, "height", &height);
    ++frames;
    gst_sample_unref(s);
  }
  gst_element_set_state(p, GST_STATE_NULL);
  return frames;
}

}  // namespace

TEST(Preview, DatagramLayoutTimeBefore) {
  auto config = test_config();
  config.clock_start_set = true;
  config.clock_start = 1000000;
  config.time_prefix = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  Streaming s(config);
  auto ds = s.collect(120);
  ASSERT_EQ(ds.size(), 120u);
  EXPECT_EQ(ds[0].type, 2) << "time comes before the frame's data";
  EXPECT_EQ(ds[0].seq, 0);
  ASSERT_EQ(ds[1].type, 1);
  EXPECT_EQ(nal_type_at_start(ds[1].payload), 9) << "the first frame starts with its AUD";
  bool sps = false;
  for (size_t i = 1; i < ds.size() && ds[i].type == 1; ++i)
    for (size_t k = 0; k + 4 < ds[i].payload.size(); ++k)
      if (ds[i].payload[k] == 0 && ds[i].payload[k + 1] == 0 && ds[i].payload[k + 2] == 1 &&
          (ds[i].payload[k + 3] & 0x1F) == 7)
        sps = true;
  EXPECT_TRUE(sps) << "the first frame after start preview is a keyframe with SPS";
  uint32_t last_ms = 0;
  int times = 0;
  for (size_t i = 0; i < ds.size(); ++i) {
    if (i > 0) {
      EXPECT_EQ(ds[i].seq, uint16_t(ds[i - 1].seq + 1));
    }
    ASSERT_TRUE(ds[i].type == 1 || ds[i].type == 2) << ds[i].type;
    if (ds[i].type == 1) {
      EXPECT_LE(ds[i].payload.size(), 1000u);
      // Only a frame's last piece may be short: the next one is a time.
      if (ds[i].payload.size() < 1000 && i + 1 < ds.size()) {
        EXPECT_EQ(ds[i + 1].type, 2);
      }
    } else {
      ASSERT_EQ(ds[i].size, 24u);
      EXPECT_EQ(Bytes(ds[i].payload.begin(), ds[i].payload.begin() + 12),
                (Bytes{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
      uint32_t ms = le32(&ds[i].payload[12]);
      EXPECT_GE(ms, 1000000u);
      EXPECT_LT(ms, 1000000u + 60000u);
      if (times++ > 0) {
        EXPECT_GE(ms, last_ms);
      }
      last_ms = ms;
    }
  }
  EXPECT_GE(times, 3);
}

TEST(Preview, TimeAfterFrameData) {
  auto config = test_config();
  config.time_position = ipcam::sim::TimePosition::kAfter;
  config.datagram_size = 700;
  Streaming s(config);
  auto ds = s.collect(60);
  ASSERT_EQ(ds.size(), 60u);
  EXPECT_EQ(ds[0].type, 1) << "data comes first with --time-position after";
  EXPECT_EQ(nal_type_at_start(ds[0].payload), 9);
  for (size_t i = 0; i + 1 < ds.size(); ++i) {
    if (ds[i].type == 1) {
      EXPECT_LE(ds[i].payload.size(), 700u);
    }
    // A short piece ends the frame: the time follows it.
    if (ds[i].type == 1 && ds[i].payload.size() < 700) {
      EXPECT_EQ(ds[i + 1].type, 2);
    }
    if (ds[i].type == 2) {
      EXPECT_EQ(ds[i + 1].type, 1);
    }
  }
}

TEST(Preview, SequenceWraps) {
  auto config = test_config();
  config.initial_seq = 65530;
  Streaming s(config);
  auto ds = s.collect(12);
  ASSERT_EQ(ds.size(), 12u);
  std::vector<uint16_t> seqs;
  for (auto &d : ds) seqs.push_back(d.seq);
  EXPECT_EQ(seqs,
            (std::vector<uint16_t>{65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3, 4, 5}));
}

TEST(Preview, StreamDecodesToAdvertisedSize) {
  Streaming s(test_config());
  Bytes h264 = s.stream(20);
  ASSERT_GT(h264.size(), 1000u);
  int w = 0, h = 0;
  int frames = decode(h264, w, h);
  EXPECT_GE(frames, 18);
  EXPECT_EQ(w, 640);
  EXPECT_EQ(h, 360);
}

TEST(Preview, LiveEncodingDecodes) {
  auto config = test_config();
  config.h264_file.clear();  // live: test pattern through x264enc
  Streaming s(config);
  Bytes h264 = s.stream(10);
  ASSERT_GT(h264.size(), 500u);
  int w = 0, h = 0;
  EXPECT_GE(decode(h264, w, h), 8);
  EXPECT_EQ(w, 640);
  EXPECT_EQ(h, 360);
}

TEST(Preview, TaggedFramesCarryNumberAndTime) {
  auto config = test_config();
  config.tag_frames = true;
  Streaming s(config);
  std::vector<uint32_t> times;
  Bytes h264 = s.stream(5, &times);
  ASSERT_EQ(times.size(), 5u);
  // Find each tag SEI by hand: 06 05 18 "IPCAMSIM-FRAME-1" frame ms.
  const std::string uuid = "IPCAMSIM-FRAME-1";
  std::vector<std::pair<uint32_t, uint32_t>> tags;
  for (size_t i = 0; i + 3 + 16 + 8 < h264.size(); ++i) {
    if (h264[i] == 0x06 && h264[i + 1] == 0x05 && h264[i + 2] == 24 &&
        std::equal(uuid.begin(), uuid.end(), h264.begin() + ptrdiff_t(i + 3))) {
      // Remove emulation prevention bytes from the 8 values.
      Bytes v;
      int zeros = 0;
      for (size_t k = i + 19; v.size() < 8 && k < h264.size(); ++k) {
        if (zeros >= 2 && h264[k] == 3) {
          zeros = 0;
          continue;
        }
        v.push_back(h264[k]);
        zeros = h264[k] == 0 ? zeros + 1 : 0;
      }
      auto be32 = [](const uint8_t *p) {
        return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
      };
      tags.emplace_back(be32(&v[0]), be32(&v[4]));
    }
  }
  ASSERT_EQ(tags.size(), 5u);
  for (size_t i = 0; i < tags.size(); ++i) {
    EXPECT_EQ(tags[i].second, times[i]) << "tag time equals the frame's time datagram";
    if (i > 0) {
      EXPECT_EQ(tags[i].first, tags[i - 1].first + 1);
    }
  }
  int w = 0, h = 0;
  EXPECT_GE(decode(h264, w, h), 4) << "tagged stream still decodes";
}

TEST(Preview, ClockLooksLikeACameraJustSwitchedOn) {
  Streaming s(test_config());  // no --clock-start
  std::vector<uint32_t> times;
  s.stream(3, &times);
  ASSERT_FALSE(times.empty());
  // Well below 13 hours, where ms * 90 leaves 32 bits; seconds after start.
  EXPECT_LT(times[0], 60000u);
}

TEST(Preview, LeavesFromTheBoundAddress) {
  UdpReceiver rx;
  auto config = test_config(rx.port());
  config.endpoint.address = "127.0.0.2";
  Camera camera(config);
  g_autoptr(GError) error = nullptr;
  ASSERT_TRUE(camera.start(&error)) << (error ? error->message : "");
  TcpClient c(camera.ready().control_port, "127.0.0.2");
  ASSERT_EQ(c.login().back().type, 0x0111u);
  c.send(control(0x01FF));
  std::string from;
  ASSERT_TRUE(rx.receive(3000, nullptr, &from));
  EXPECT_EQ(from, "127.0.0.2");
}

TEST(Preview, PreviewPortZeroIsRefused) {
  auto config = test_config(0);
  Camera camera(config);
  g_autoptr(GError) error = nullptr;
  EXPECT_FALSE(camera.start(&error));
  ASSERT_TRUE(error);
  EXPECT_NE(std::string(error->message).find("--preview-port"), std::string::npos);
}
