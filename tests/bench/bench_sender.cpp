// ipcam-bench-sender: replays an H.264 byte stream as camera preview
// datagrams on loopback, paced at a frame rate or as fast as the kernel takes
// them, and records when the last datagram of each frame left (for latency).
//
//   ipcam-bench-sender --port P --h264 FILE [--fps F] [--frames N]
//       [--datagram-rate R] [--datagram-size 1000] [--times FILE]
//
// --fps 0 sends frames back to back, limited only by --datagram-rate
// (datagrams per second, 0 = unlimited). Prints one JSON line at the end.
#include "ipcam/wire.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace ipcam;

namespace {

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

void sleep_until(uint64_t t) {
  timespec ts{time_t(t / 1000000000u), long(t % 1000000000u)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

// Splits an Annex-B stream into access units: a new unit starts at an AUD,
// SPS or PPS after a slice, or at a slice after a slice (one slice per
// picture, as the camera and x264's baseline preview send).
std::vector<Bytes> access_units(const Bytes &s) {
  std::vector<size_t> starts;  // offsets of start codes (3-byte form)
  for (size_t i = 0; i + 3 < s.size(); i++)
    if (s[i] == 0 && s[i + 1] == 0 && s[i + 2] == 1) starts.push_back(i > 0 && s[i - 1] == 0 ? i - 1 : i);
  std::vector<Bytes> aus;
  size_t au_start = 0;
  bool have_slice = false;
  for (size_t k = 0; k < starts.size(); k++) {
    size_t at = starts[k];
    size_t hdr = at + (s[at + 2] == 1 ? 3 : 4);
    uint8_t type = s[hdr] & 0x1f;
    bool slice = type == 1 || type == 5;
    bool begins = type == 9 || type == 7 || type == 8 || slice;
    if (begins && have_slice) {
      aus.emplace_back(s.begin() + long(au_start), s.begin() + long(at));
      au_start = at;
      have_slice = false;
    }
    have_slice = have_slice || slice;
  }
  if (au_start < s.size()) aus.emplace_back(s.begin() + long(au_start), s.end());
  return aus;
}

}  // namespace

int main(int argc, char **argv) {
  int port = 0;
  std::string h264, times_path;
  double fps = 30;
  long frames = 300;
  double datagram_rate = 0;
  size_t piece = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    const char *v = argv[i + 1];
    if (k == "--port") port = atoi(v);
    else if (k == "--h264") h264 = v;
    else if (k == "--fps") fps = atof(v);
    else if (k == "--frames") frames = atol(v);
    else if (k == "--datagram-rate") datagram_rate = atof(v);
    else if (k == "--datagram-size") piece = size_t(atol(v));
    else if (k == "--times") times_path = v;
    else {
      fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (port <= 0 || h264.empty() || piece == 0) {
    fprintf(stderr, "usage: %s --port P --h264 FILE [--fps F] [--frames N] [--datagram-rate R] "
                    "[--datagram-size N] [--times FILE]\n", argv[0]);
    return 2;
  }
  std::ifstream in(h264, std::ios::binary);
  Bytes stream((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<Bytes> aus = access_units(stream);
  if (aus.empty()) {
    fprintf(stderr, "no access unit in %s\n", h264.c_str());
    return 1;
  }

  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int sndbuf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(uint16_t(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr *>(&to), sizeof to) != 0) {
    perror("connect");
    return 1;
  }

  // Every datagram of a frame is built first, then sent with one sendmmsg.
  std::vector<Bytes> dgrams;
  std::vector<iovec> iov;
  std::vector<mmsghdr> msgs;
  std::vector<std::pair<uint32_t, uint64_t>> sent_at;
  sent_at.reserve(size_t(frames));
  uint16_t seq = 0;
  uint64_t datagrams = 0, bytes = 0, refused = 0;
  const double frame_ms = 1000.0 / (fps > 0 ? fps : 30);
  const uint64_t t0 = now_ns() + 1000000;
  uint64_t next_batch = t0;
  for (long f = 0; f < frames; f++) {
    const Bytes &au = aus[size_t(f) % aus.size()];
    uint32_t camera_ms = uint32_t(1000 + double(f) * frame_ms);
    dgrams.clear();
    uint8_t tp[kTimePayloadSize];
    encode_time_payload(camera_ms, tp);
    auto add = [&](uint16_t type, ByteView payload) {
      Bytes d(kPreviewHeaderSize + payload.size());
      encode_datagram(seq++, type, payload, d.data(), d.size());
      dgrams.push_back(std::move(d));
    };
    add(datagram::kTime, ByteView(tp, sizeof tp));
    for (size_t at = 0; at < au.size(); at += piece)
      add(datagram::kData, ByteView(au).subspan(at, std::min(piece, au.size() - at)));
    iov.resize(dgrams.size());
    msgs.assign(dgrams.size(), mmsghdr{});
    for (size_t i = 0; i < dgrams.size(); i++) {
      iov[i] = {dgrams[i].data(), dgrams[i].size()};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    if (fps > 0) sleep_until(t0 + uint64_t(double(f) * 1e9 / fps));
    else if (datagram_rate > 0) sleep_until(next_batch);
    // All but the last datagram in one call; the frame's latency is timed
    // from just before its last datagram leaves (loopback delivers it
    // within the send call).
    size_t done = 0;
    uint64_t last_at = 0;
    while (done < msgs.size()) {
      const bool last = done + 1 == msgs.size();
      if (last) last_at = now_ns();
      int n = sendmmsg(fd, msgs.data() + done, last ? 1u : unsigned(msgs.size() - 1 - done), 0);
      if (n < 0) {
        if (errno == ECONNREFUSED) {  // receiver not there (yet): a camera does not care
          refused++;
          done++;
          continue;
        }
        if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN) continue;
        perror("sendmmsg");
        return 1;
      }
      done += size_t(n);
    }
    sent_at.emplace_back(camera_ms, last_at);
    datagrams += dgrams.size();
    for (const Bytes &d : dgrams) bytes += d.size();
    if (datagram_rate > 0) next_batch += uint64_t(double(dgrams.size()) * 1e9 / datagram_rate);
  }
  const uint64_t elapsed = now_ns() - t0;
  if (!times_path.empty()) {
    FILE *t = fopen(times_path.c_str(), "w");
    for (auto &[ms, ns] : sent_at) fprintf(t, "%u %llu\n", ms, static_cast<unsigned long long>(ns));
    fclose(t);
  }
  printf("{\"frames\":%ld,\"datagrams\":%llu,\"bytes\":%llu,\"elapsed_ns\":%llu,\"refused\":%llu}\n", frames,
         static_cast<unsigned long long>(datagrams), static_cast<unsigned long long>(bytes),
         static_cast<unsigned long long>(elapsed), static_cast<unsigned long long>(refused));
  close(fd);
  return 0;
}
