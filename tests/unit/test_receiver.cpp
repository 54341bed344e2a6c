// PreviewReceiver: real UDP sockets on loopback, ephemeral ports. A "camera"
// socket sends datagrams; the receiver must deliver its frames and nobody
// else's, time out, cancel, and keep up with a burst.
#include "ipcam/error.h"
#include "ipcam/receiver.h"

#include "preview_stream.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

using namespace ipcam;
using namespace ipcam::test;

namespace {

// A UDP socket bound to `from` that sends to 127.0.0.1:port.
struct Sender {
  GSocket *socket = nullptr;
  GSocketAddress *dest = nullptr;

  Sender(const char *from, uint16_t port) {
    ErrorGuard err;
    socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                          err.out());
    EXPECT_NE(socket, nullptr) << err.message();
    g_autoptr(GSocketAddress) local = g_inet_socket_address_new_from_string(from, 0);
    EXPECT_TRUE(g_socket_bind(socket, local, FALSE, err.out())) << err.message();
    dest = g_inet_socket_address_new_from_string("127.0.0.1", port);
  }
  ~Sender() {
    g_clear_object(&dest);
    g_clear_object(&socket);
  }
  void send(const Bytes &d) {
    ErrorGuard err;
    gssize n = g_socket_send_to(socket, dest, reinterpret_cast<const gchar *>(d.data()), d.size(),
                                nullptr, err.out());
    ASSERT_EQ(n, gssize(d.size())) << err.message();
  }
  void send_all(const std::vector<Bytes> &ds) {
    for (const Bytes &d : ds) send(d);
  }
};

struct Rig {
  PreviewReceiver receiver;
  PreviewAssembler assembler;
  Collector collector;

  explicit Rig(int rcvbuf = 0) {
    ErrorGuard err;
    EXPECT_TRUE(receiver.bind("127.0.0.1", 0, rcvbuf, err.out())) << err.message();
    EXPECT_NE(receiver.port(), 0);
    EXPECT_TRUE(receiver.set_camera_address("127.0.0.1", err.out())) << err.message();
  }
  // Receives until `frames` frames arrived; false on error or timeout.
  bool receive_frames(size_t frames) {
    ErrorGuard err;
    while (collector.frames.size() < frames) {
      if (!receiver.receive(assembler, collector.emit, 5000, nullptr, err.out())) {
        ADD_FAILURE() << "receive: " << err.message();
        return false;
      }
    }
    return true;
  }
};

std::vector<Bytes> frames_for(Camera &cam, size_t n, std::vector<Bytes> *bytes = nullptr) {
  std::vector<Bytes> out;
  for (size_t i = 0; i < n; i++) {
    Bytes f = i == 0 ? key_frame(2500) : delta_frame(1200 + i, uint32_t(i));
    for (Bytes &d : cam.frame(uint32_t(i * 33), f)) out.push_back(std::move(d));
    if (bytes) bytes->push_back(std::move(f));
  }
  return out;
}

}  // namespace

TEST(Receiver, FramesFromCameraArrive) {
  Rig rig;
  Sender camera("127.0.0.1", rig.receiver.port());
  Camera cam;
  std::vector<Bytes> expected;
  auto sent = frames_for(cam, 3, &expected);
  camera.send_all(sent);
  ASSERT_TRUE(rig.receive_frames(3));
  for (size_t i = 0; i < 3; i++) EXPECT_EQ(rig.collector.frames[i].data, expected[i]);
  EXPECT_TRUE(rig.collector.frames[0].keyframe);
  EXPECT_EQ(rig.collector.frames[2].ms, 66u);
  EXPECT_EQ(rig.assembler.stats().datagrams, sent.size());
  EXPECT_EQ(rig.receiver.stats().foreign, 0u);
  EXPECT_GE(rig.receiver.stats().batches, 1u);
}

// The reorder window: a datagram that overtook another is put back, and a
// gap that never fills is given up by the window's time alone, with no
// datagram after it (the receiver wakes for it), so the whole keyframe that
// follows comes out.
TEST(Receiver, ReorderWindowPutsBackAndGivesUpByItself) {
  Rig rig;
  Sender camera("127.0.0.1", rig.receiver.port());
  Camera cam;
  std::vector<Bytes> expected;
  auto sent = frames_for(cam, 2, &expected);
  std::swap(sent[1], sent[2]);  // the keyframe's second piece overtakes its first
  camera.send_all(sent);
  ASSERT_TRUE(rig.receive_frames(2));
  EXPECT_EQ(rig.collector.frames[0].data, expected[0]);
  EXPECT_EQ(rig.assembler.stats().reordered, 1u);
  EXPECT_EQ(rig.assembler.stats().lost, 0u);
  // A delta with its first piece lost, then a keyframe: the keyframe's
  // pieces wait behind the gap until the window (40 ms) gives it up.
  std::vector<Bytes> delta = cam.frame(66, delta_frame(2500, 5));
  delta.erase(delta.begin() + 1);
  camera.send_all(delta);
  Bytes key = key_frame(1500, 6);
  camera.send_all(cam.frame(99, key));
  ASSERT_TRUE(rig.receive_frames(3));
  EXPECT_EQ(rig.collector.frames[2].data, key);
  EXPECT_TRUE(rig.collector.frames[2].discont);
  EXPECT_EQ(rig.assembler.stats().lost, 1u);
  EXPECT_EQ(rig.assembler.deadline_us(), UINT64_MAX);
}

TEST(Receiver, OtherSourceAddressNeverReachesTheAssembler) {
  Rig rig;
  // Linux routes all of 127/8 to loopback, so a second local address exists.
  Sender stranger("127.0.0.2", rig.receiver.port());
  Sender camera("127.0.0.1", rig.receiver.port());
  Camera other, cam;
  auto junk = frames_for(other, 4);
  stranger.send_all(junk);
  std::vector<Bytes> expected;
  auto sent = frames_for(cam, 2, &expected);
  camera.send_all(sent);
  ASSERT_TRUE(rig.receive_frames(2));
  EXPECT_EQ(rig.collector.frames[0].data, expected[0]);
  EXPECT_EQ(rig.collector.frames[1].data, expected[1]);
  // The socket is connected to the camera: the kernel drops the stranger's
  // datagrams, so neither the assembler nor the foreign count sees them.
  EXPECT_EQ(rig.receiver.stats().foreign, 0u);
  EXPECT_EQ(rig.assembler.stats().datagrams, sent.size());
  EXPECT_EQ(rig.assembler.stats().duplicates, 0u);
}

TEST(Receiver, ForeignDatagramQueuedBeforeTheCameraIsKnownIsCounted) {
  ErrorGuard err;
  PreviewReceiver receiver;
  PreviewAssembler assembler;
  Collector collector;
  ASSERT_TRUE(receiver.bind("127.0.0.1", 0, 0, err.out())) << err.message();
  Sender stranger("127.0.0.2", receiver.port());
  Camera other, cam;
  auto junk = frames_for(other, 1);
  stranger.send_all(junk);
  // Loopback delivers within sendto(): the junk is queued before the
  // camera is named, and only the receiver's own check can drop it.
  ASSERT_TRUE(receiver.set_camera_address("127.0.0.1", err.out())) << err.message();
  Sender camera("127.0.0.1", receiver.port());
  std::vector<Bytes> expected;
  auto sent = frames_for(cam, 1, &expected);
  camera.send_all(sent);
  while (collector.frames.empty())
    ASSERT_TRUE(receiver.receive(assembler, collector.emit, 5000, nullptr, err.out())) << err.message();
  EXPECT_EQ(collector.frames[0].data, expected[0]);
  EXPECT_EQ(receiver.stats().foreign, junk.size());
  EXPECT_EQ(assembler.stats().datagrams, sent.size());
}

TEST(Receiver, CamerasSharingOnePortEachReachOnlyTheirReceiver) {
  ErrorGuard err;
  PreviewReceiver first, second;
  ASSERT_TRUE(first.bind("127.0.0.1", 0, 0, err.out())) << err.message();
  ASSERT_TRUE(first.set_camera_address("127.0.0.2", err.out())) << err.message();
  ASSERT_TRUE(second.bind("127.0.0.1", first.port(), 0, err.out())) << err.message();
  ASSERT_TRUE(second.set_camera_address("127.0.0.3", err.out())) << err.message();
  EXPECT_EQ(second.port(), first.port());
  Sender a("127.0.0.2", first.port()), b("127.0.0.3", first.port());
  Camera cam_a, cam_b;
  std::vector<Bytes> want_a, want_b;
  auto sent_a = frames_for(cam_a, 3, &want_a);
  auto sent_b = frames_for(cam_b, 5, &want_b);
  for (size_t i = 0; i < std::max(sent_a.size(), sent_b.size()); i++) {
    if (i < sent_a.size()) a.send(sent_a[i]);
    if (i < sent_b.size()) b.send(sent_b[i]);
  }
  PreviewAssembler asm_a, asm_b;
  Collector got_a, got_b;
  while (got_a.frames.size() < 3)
    ASSERT_TRUE(first.receive(asm_a, got_a.emit, 5000, nullptr, err.out())) << err.message();
  while (got_b.frames.size() < 5)
    ASSERT_TRUE(second.receive(asm_b, got_b.emit, 5000, nullptr, err.out())) << err.message();
  for (size_t i = 0; i < 3; i++) EXPECT_EQ(got_a.frames[i].data, want_a[i]);
  for (size_t i = 0; i < 5; i++) EXPECT_EQ(got_b.frames[i].data, want_b[i]);
  // Every datagram went to its own receiver and nowhere else.
  EXPECT_EQ(asm_a.stats().datagrams, sent_a.size());
  EXPECT_EQ(asm_b.stats().datagrams, sent_b.size());
  EXPECT_EQ(first.stats().foreign, 0u);
  EXPECT_EQ(second.stats().foreign, 0u);
  // Nothing else is queued for either.
  EXPECT_FALSE(first.receive(asm_a, got_a.emit, 0, nullptr, err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) << err.message();
  EXPECT_EQ(got_a.frames.size(), 3u);
}

TEST(Receiver, AnySourceWhenNoCameraAddress) {
  Rig rig;
  ErrorGuard err;
  uint16_t port = rig.receiver.port();
  ASSERT_TRUE(rig.receiver.set_camera_address("", err.out()));
  // Untying the socket keeps its port, even one the kernel picked.
  EXPECT_EQ(rig.receiver.port(), port);
  Sender camera("127.0.0.2", port);
  Camera cam;
  camera.send_all(frames_for(cam, 1));
  ASSERT_TRUE(rig.receive_frames(1));
  EXPECT_EQ(rig.receiver.stats().foreign, 0u);
}

TEST(Receiver, TimeoutReturnsTimedOut) {
  Rig rig;
  ErrorGuard err;
  EXPECT_FALSE(rig.receiver.receive(rig.assembler, rig.collector.emit, 50, nullptr, err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) << err.message();
  // Datagrams from elsewhere do not count as something received.
  Sender stranger("127.0.0.2", rig.receiver.port());
  stranger.send(Bytes(100, 1));
  EXPECT_FALSE(rig.receiver.receive(rig.assembler, rig.collector.emit, 50, nullptr, err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) << err.message();
  EXPECT_EQ(rig.assembler.stats().datagrams, 0u);
}

TEST(Receiver, CancelFromAnotherThreadReturnsPromptly) {
  Rig rig;
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  std::promise<void> waiting;
  auto result = std::async(std::launch::async, [&] {
    ErrorGuard err;
    waiting.set_value();
    bool ok = rig.receiver.receive(rig.assembler, rig.collector.emit, -1, cancel, err.out());
    return !ok && g_error_matches(err.get(), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  });
  waiting.get_future().wait();
  g_cancellable_cancel(cancel);
  // A hang detector, not a performance bound.
  ASSERT_EQ(result.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_TRUE(result.get());
  // Already cancelled: returns at once, even with data queued.
  Sender camera("127.0.0.1", rig.receiver.port());
  Camera cam;
  camera.send_all(frames_for(cam, 1));
  ErrorGuard err;
  EXPECT_FALSE(rig.receiver.receive(rig.assembler, rig.collector.emit, -1, cancel, err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), G_IO_ERROR, G_IO_ERROR_CANCELLED)) << err.message();
}

TEST(Receiver, BurstOfTenThousandDatagramsAllReceived) {
  constexpr size_t kFrames = 1000;  // 10 datagrams each
  constexpr int kRcvbuf = 32 << 20;
  Rig rig(kRcvbuf);
  Camera cam;
  std::vector<Bytes> stream, expected;
  for (size_t i = 0; i < kFrames; i++) {
    // Eight full pieces and a short one: each frame ends early.
    Bytes f = i == 0 ? key_frame(8470) : delta_frame(8495, uint32_t(i));
    for (Bytes &d : cam.frame(uint32_t(i), f)) stream.push_back(std::move(d));
    expected.push_back(std::move(f));
  }
  ASSERT_EQ(stream.size(), 10000u);

  // Without CAP_NET_ADMIN the kernel may grant less than asked; then the
  // sender keeps at most what fits in flight (a window, not a sleep).
  size_t window = stream.size();
  {
    Sender probe("127.0.0.1", 9);
    if (!g_socket_set_option(probe.socket, SOL_SOCKET, SO_RCVBUFFORCE, kRcvbuf, nullptr))
      g_socket_set_option(probe.socket, SOL_SOCKET, SO_RCVBUF, kRcvbuf, nullptr);
    gint granted = 0;
    g_socket_get_option(probe.socket, SOL_SOCKET, SO_RCVBUF, &granted, nullptr);
    window = std::min(window, std::max<size_t>(64, size_t(granted) / 4096));
  }

  std::mutex mu;
  std::condition_variable cv;
  std::atomic<uint64_t> got{0};
  std::atomic<bool> done{false};
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  std::string failure;
  std::thread rx([&] {
    ErrorGuard err;
    while (got < stream.size()) {
      if (!rig.receiver.receive(rig.assembler, rig.collector.emit, 10000, cancel, err.out())) {
        failure = err.message();
        break;
      }
      {
        std::lock_guard lock(mu);  // so the sender cannot miss the wakeup
        got = rig.assembler.stats().datagrams;
      }
      cv.notify_all();
    }
    {
      std::lock_guard lock(mu);
      done = true;
    }
    cv.notify_all();
  });
  Sender camera("127.0.0.1", rig.receiver.port());
  for (size_t i = 0; i < stream.size(); i++) {
    if (i - got.load() >= window) {
      std::unique_lock lock(mu);
      cv.wait_for(lock, std::chrono::seconds(20), [&] { return i - got.load() < window || done; });
    }
    camera.send(stream[i]);
  }
  rx.join();
  ASSERT_EQ(failure, "");
  const AssemblerStats &st = rig.assembler.stats();
  EXPECT_EQ(st.datagrams, 10000u);
  EXPECT_EQ(st.lost, 0u);
  EXPECT_EQ(st.malformed, 0u);
  EXPECT_EQ(rig.receiver.stats().kernel_drops, 0u);
  ASSERT_EQ(rig.collector.frames.size(), kFrames);
  for (size_t i = 0; i < kFrames; i++) {
    ASSERT_EQ(rig.collector.frames[i].data, expected[i]) << i;
    EXPECT_TRUE(rig.collector.frames[i].early);
  }
}

TEST(Receiver, OversizedDatagramTruncatedCountsMalformed) {
  Rig rig;
  Sender camera("127.0.0.1", rig.receiver.port());
  Camera cam;
  cam.piece = 20000;  // larger than any receive slot
  auto big = cam.frame(0, key_frame(30000));
  camera.send_all(big);
  camera.send_all(frames_for(cam, 2));
  ASSERT_TRUE(rig.receive_frames(2));  // the keyframe after the damage
  EXPECT_EQ(rig.assembler.stats().malformed, 2u);
  EXPECT_TRUE(rig.collector.frames[0].discont);
}

// Whether this system hands out the kernel's drop counter at all: qemu-user
// (the arm64 tests of scripts/cross-arm64) refuses the option with
// ENOPROTOOPT, and so would a kernel without it.
static bool drop_counter_refused(std::string &why) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  int one = 1;
  const bool refused = setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one) != 0 && errno == ENOPROTOOPT;
  if (refused) why = std::string("setsockopt(SO_RXQ_OVFL): ") + g_strerror(errno);
  close(fd);
  return refused;
}

TEST(Receiver, KernelDropsReported) {
  std::string why;
  if (drop_counter_refused(why))
    GTEST_SKIP() << why << ": this system (qemu-user does this) gives no kernel drop counter to report";
  Rig rig(1);  // the smallest buffer the kernel allows
  Sender camera("127.0.0.1", rig.receiver.port());
  Camera cam;
  cam.piece = 1400;
  auto flood = cam.data(delta_frame(1400 * 100));
  camera.send_all(flood);
  ErrorGuard err;
  ASSERT_TRUE(rig.receiver.receive(rig.assembler, rig.collector.emit, 5000, nullptr, err.out()))
      << err.message();
  // The counter rides on the next datagram queued after the drops.
  camera.send(cam.time(1));
  ASSERT_TRUE(rig.receiver.receive(rig.assembler, rig.collector.emit, 5000, nullptr, err.out()))
      << err.message();
  uint64_t delivered = rig.assembler.stats().datagrams;
  EXPECT_GT(rig.receiver.stats().kernel_drops, 0u);
  EXPECT_EQ(rig.receiver.stats().kernel_drops + delivered, flood.size() + 1);
}

TEST(Receiver, BindAndAddressErrors) {
  ErrorGuard err;
  PreviewReceiver r;
  EXPECT_FALSE(r.bound());
  PreviewAssembler a;
  EXPECT_FALSE(r.receive(a, nullptr, 0, nullptr, err.out()));
  EXPECT_NE(err.get(), nullptr);
  EXPECT_FALSE(r.bind("not-an-address", 0, 0, err.out()));
  EXPECT_NE(err.get(), nullptr);
  EXPECT_FALSE(r.set_camera_address("camera.local", err.out()));
  EXPECT_NE(err.get(), nullptr);
  EXPECT_FALSE(r.set_camera_address("::1", err.out()));
  EXPECT_FALSE(r.set_interface("no-such-if0", err.out()));
  EXPECT_NE(std::string(err.message()).find("no-such-if0"), std::string::npos);

  ASSERT_TRUE(r.bind("127.0.0.1", 0, 0, err.out())) << err.message();
  EXPECT_TRUE(r.bound());
  // A program that does not share the port keeps it; the bind says so.
  g_autoptr(GSocket) holder =
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, nullptr);
  g_autoptr(GSocketAddress) held = g_inet_socket_address_new_from_string("127.0.0.1", 0);
  ASSERT_TRUE(g_socket_bind(holder, held, FALSE, err.out())) << err.message();
  g_autoptr(GSocketAddress) where = g_socket_get_local_address(holder, nullptr);
  PreviewReceiver second;
  EXPECT_FALSE(second.bind("127.0.0.1", g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(where)), 0,
                           err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE)) << err.message();
  EXPECT_NE(std::string(err.message()).find("preview port"), std::string::npos);
  r.close();
  EXPECT_FALSE(r.bound());
  EXPECT_EQ(r.port(), 0);
}
