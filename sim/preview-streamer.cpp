#include "preview-streamer.h"

#include <sys/socket.h>

#include <algorithm>
#include <iterator>

namespace ipcam::sim {

PreviewStreamer::PreviewStreamer(const CameraConfig &config, FaultDice &dice, Stats &stats)
    : config_(config), dice_(dice), stats_(stats), seq_(config.initial_seq) {}

PreviewStreamer::~PreviewStreamer() {
  stop();
  if (socket_) g_object_unref(socket_);
}

bool PreviewStreamer::open(GError **error) {
  socket_ = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                         error);
  if (!socket_) return false;
  // Big frames burst dozens of datagrams at once; a roomy send buffer keeps
  // the emulator from dropping what the fault options did not ask for.
  g_socket_set_option(socket_, SOL_SOCKET, SO_SNDBUF, 1 << 20, nullptr);
  // The preview leaves from the camera's own address: clients accept
  // datagrams only from it, and emulators on 127.0.0.2 and 127.0.0.3 are
  // then two cameras.
  g_autoptr(GInetAddress) ip = g_inet_address_new_from_string(config_.endpoint.address.c_str());
  if (!ip) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "--bind %s: not a numeric IP address",
                config_.endpoint.address.c_str());
    return false;
  }
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new(ip, 0);
  if (!g_socket_bind(socket_, local, FALSE, error)) {
    g_prefix_error(error, "preview socket on %s: ", config_.endpoint.address.c_str());
    return false;
  }
  return true;
}

void PreviewStreamer::start(GInetAddress *client) {
  stop();
  target_ = g_inet_socket_address_new(client, guint16(config_.endpoint.preview_port));
  g_autofree char *ip = g_inet_address_to_string(client);
  g_message("preview: streaming to %s:%d", ip, config_.endpoint.preview_port);
  stats_.add("preview_starts");
}

void PreviewStreamer::stop() {
  flush_held();
  if (target_) {
    g_object_unref(target_);
    target_ = nullptr;
  }
}

void PreviewStreamer::send_frame(ByteView au, uint32_t camera_ms, bool cut_mid_frame) {
  if (!target_) return;
  const auto &f = config_.faults;
  if (f.burst_loss > 0 && f.burst_every > 0 && frames_ % f.burst_every == 0 && frames_ > 0)
    burst_left_ = f.burst_loss;
  ++frames_;
  uint8_t time_payload[kTimePayloadSize];
  // Always a full 12-byte prefix: wire.cpp memcpy()s from an empty span's
  // null data otherwise (UBSan reports it).
  uint8_t prefix[kTimeMsOffset] = {};
  std::copy_n(config_.time_prefix.begin(), std::min(config_.time_prefix.size(), kTimeMsOffset),
              prefix);
  encode_time_payload(camera_ms, time_payload, ByteView(prefix, sizeof prefix));
  if (config_.time_position == TimePosition::kBefore)
    send_datagram(datagram::kTime, ByteView(time_payload, sizeof time_payload));
  size_t piece = std::max<size_t>(1, config_.datagram_size);
  size_t pieces = (au.size() + piece - 1) / piece;
  size_t limit = cut_mid_frame ? pieces / 2 : pieces;
  for (size_t i = 0; i < limit; ++i) {
    size_t off = i * piece;
    send_datagram(datagram::kData, au.subspan(off, std::min(piece, au.size() - off)));
  }
  if (cut_mid_frame) {
    flush_held();
    return;
  }
  if (config_.time_position == TimePosition::kAfter)
    send_datagram(datagram::kTime, ByteView(time_payload, sizeof time_payload));
  stats_.add("frames_sent");
  if (f.junk_every > 0 && frames_ % f.junk_every == 0) send_junk();
}

// One of each kind of datagram that is not part of the stream (a noisy
// network, or someone spraying the client's preview port with the camera's
// address). Those that parse as far as a sequence number carry the next one
// the stream will use, or one far from it: none of them uses one up.
void PreviewStreamer::send_junk() {
  auto header = [](uint16_t length, uint16_t seq, uint16_t type) {
    Bytes d(kPreviewHeaderSize);
    d[0] = 0xBC;
    d[1] = 0xDE;
    store_be16(d.data() + 2, length);
    store_be16(d.data() + 4, seq);
    store_be16(d.data() + 6, type);
    return d;
  };
  auto with_payload = [](Bytes d, size_t n) {
    d.resize(d.size() + n, 0x41);
    return d;
  };
  const Bytes junk[] = {
      {},                                                           // empty
      {0xBC, 0xDE, 0x00},                                           // shorter than a header
      with_payload(header(2, seq_, datagram::kData), 2),            // ... with a bad magic (below)
      with_payload(header(1000, seq_, datagram::kData), 2),         // length past the end
      with_payload(header(2, seq_, datagram::kTime), 2),            // a time datagram of 2 bytes
      with_payload(header(2, seq_, 9), 2),                          // an unknown type
      header(0, seq_, datagram::kData),                             // an empty data piece
      with_payload(header(2, uint16_t(seq_ + 30000), datagram::kData), 2),  // a stray sequence number
  };
  for (size_t i = 0; i < std::size(junk); ++i) {
    Bytes d = junk[i];
    if (i == 2) d[0] = 0xAB;
    transmit(d);
    stats_.add("junk_sent");
  }
}

void PreviewStreamer::send_datagram(uint16_t type, ByteView payload) {
  const auto &f = config_.faults;
  uint16_t seq = seq_++;
  stats_.add("datagrams");
  if (burst_left_ > 0) {
    --burst_left_;
    stats_.add("burst_lost");
    stats_.add("datagrams_lost_total");
    return;
  }
  if (dice_.roll(f.loss)) {
    stats_.add("lost");
    stats_.add("datagrams_lost_total");
    return;
  }
  Bytes d(kPreviewHeaderSize + payload.size());
  encode_datagram(seq, type, payload, d.data(), d.size());
  if (dice_.roll(f.bad_magic)) {
    d[0] = 0xDE;
    d[1] = 0xAD;
    stats_.add("bad_magic");
  }
  if (dice_.roll(f.bad_length)) {
    store_be16(d.data() + 2, uint16_t(payload.size() + 1 + dice_.below(64)));
    stats_.add("bad_length");
  }
  if (d.size() > kPreviewHeaderSize && dice_.roll(f.truncate)) {
    d.resize(kPreviewHeaderSize + dice_.below(uint32_t(payload.size())));
    stats_.add("truncated");
  }
  bool dup = dice_.roll(f.duplicate);
  if (!held_ && dice_.roll(f.reorder)) {
    held_ = std::move(d);
    stats_.add("reordered");
    return;
  }
  transmit(d);
  if (dup) {
    transmit(d);
    stats_.add("duplicated");
  }
  flush_held();
}

void PreviewStreamer::flush_held() {
  if (!held_) return;
  Bytes d = std::move(*held_);
  held_.reset();
  transmit(d);
}

void PreviewStreamer::transmit(const Bytes &d) {
  if (!target_) return;
  g_autoptr(GError) error = nullptr;
  if (g_socket_send_to(socket_, target_, reinterpret_cast<const char *>(d.data()), d.size(),
                       nullptr, &error) < 0) {
    // A receiver that is not (yet) listening gives ECONNREFUSED on loopback:
    // a camera does not care, it keeps sending.
    stats_.add("send_errors");
    return;
  }
  stats_.add("datagrams_sent");
}

}  // namespace ipcam::sim
