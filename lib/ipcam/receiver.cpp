// PreviewReceiver: the UDP socket on the client's preview port.
// GSocket owns the socket (creation, bind, cancellable waits); the hot loop
// drains it with recvmmsg into buffers allocated once, so a datagram costs
// no heap allocation and no copy before the assembler's single one.
//
// Several receivers share one preview port (cameras always send to kPreviewPort):
// each socket is bound with SO_REUSEADDR and, once the camera is known,
// connected to (camera address, port 0). Linux then hands each datagram to
// the socket connected to its source address (any source port), so every
// receiver sees only its own camera's datagrams.
#include "ipcam/receiver.h"

#include "ipcam/error.h"
#include "ipcam/interface.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

namespace ipcam {
namespace {

constexpr unsigned kBatch = 64;
// Big enough for a jumbo-frame datagram; working clients use 2048. Larger
// datagrams arrive truncated (MSG_TRUNC) and count as malformed.
constexpr size_t kSlotSize = 9216;
// Batches drained per receive() call before handing control back.
constexpr unsigned kMaxBatchesPerCall = 16;

}  // namespace

struct PreviewReceiver::Impl {
  GSocket *socket = nullptr;
  int fd = -1;
  uint16_t port = 0;
  std::string host;       // the bound address, numeric IPv4
  std::string interface;  // SO_BINDTODEVICE, empty = none
  bool connected = false;
  // The camera's address in network byte order, used when `filter` is set.
  std::atomic<uint32_t> camera{0};
  std::atomic<bool> filter{false};
  bool drained = true;  // the last read found the queue empty

  uint8_t *slots = nullptr;  // kBatch * kSlotSize, allocated once
  mmsghdr msgs[kBatch];
  iovec iov[kBatch];
  sockaddr_in from[kBatch];
  // Room for the SO_RXQ_OVFL counter and the kernel's receive time per datagram.
  alignas(cmsghdr) uint8_t control[kBatch][CMSG_SPACE(sizeof(uint32_t)) + CMSG_SPACE(sizeof(timespec))];

  Impl() {
    slots = static_cast<uint8_t *>(g_malloc(kBatch * kSlotSize));
    std::memset(msgs, 0, sizeof msgs);
    for (unsigned i = 0; i < kBatch; i++) {
      iov[i].iov_base = slots + i * kSlotSize;
      iov[i].iov_len = kSlotSize;
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &from[i];
    }
  }
  ~Impl() {
    close();
    g_free(slots);
  }

  // GLib opens a cancellable's wakeup fd on the first make_pollfd and closes
  // it on the last release, i.e. twice per wait; one held reference keeps it
  // open for as long as the caller uses the same cancellable.
  GCancellable *polled = nullptr;
  void hold_pollfd(GCancellable *c) {
    if (c == polled) return;
    release_pollfd();
    GPollFD unused;
    if (c && g_cancellable_make_pollfd(c, &unused)) polled = G_CANCELLABLE(g_object_ref(c));
  }
  void release_pollfd() {
    if (!polled) return;
    g_cancellable_release_fd(polled);
    g_clear_object(&polled);
  }

  void close() {
    release_pollfd();
    drained = true;
    if (!socket) return;
    g_socket_close(socket, nullptr);
    g_clear_object(&socket);
    fd = -1;
    port = 0;
    connected = false;
  }

  // The kernel rewrites these lengths on every call.
  void rearm() {
    for (unsigned i = 0; i < kBatch; i++) {
      msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
      msgs[i].msg_hdr.msg_control = control[i];
      msgs[i].msg_hdr.msg_controllen = sizeof control[i];
      msgs[i].msg_hdr.msg_flags = 0;
    }
  }
};

PreviewReceiver::PreviewReceiver() : impl_(std::make_unique<Impl>()) {}

// Out of line, where Impl is complete.
PreviewReceiver::~PreviewReceiver() = default;

bool PreviewReceiver::bind(const std::string &bind_address, uint16_t port, int rcvbuf,
                           GError **error) {
  impl_->close();
  g_autoptr(GSocket) socket =
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (!socket) return false;
  const char *host = bind_address.empty() ? "0.0.0.0" : bind_address.c_str();
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(port);
  if (inet_pton(AF_INET, host, &local.sin_addr) != 1) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT,
                "preview bind address \"%s\" is not an IPv4 address", host);
    return false;
  }
  if (rcvbuf > 0) {
    // SO_RCVBUFFORCE passes net.core.rmem_max when we may (CAP_NET_ADMIN);
    // otherwise the kernel caps SO_RCVBUF, which is still the best we get.
    if (!g_socket_set_option(socket, SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf, nullptr))
      g_socket_set_option(socket, SOL_SOCKET, SO_RCVBUF, rcvbuf, nullptr);
  }
  // The kernel's drop counter rides along as a cmsg; old kernels lack it.
  g_socket_set_option(socket, SOL_SOCKET, SO_RXQ_OVFL, 1, nullptr);
  // So does each datagram's arrival time: the reorder window ages by when
  // datagrams came, not by when a late streaming thread read them.
  g_socket_set_option(socket, SOL_SOCKET, SO_TIMESTAMPNS, 1, nullptr);
  if (!bind_to_interface(socket, impl_->interface, error)) return false;
  // SO_REUSEADDR alone, set by hand: g_socket_bind's allow_reuse would add
  // SO_REUSEPORT, which spreads datagrams over the sockets of a group
  // instead of giving each to the one connected to its sender.
  int fd = g_socket_get_fd(socket);
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      ::bind(fd, reinterpret_cast<sockaddr *>(&local), sizeof local) != 0) {
    int err = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
                "cannot bind the preview port %s:%u: %s", host, unsigned(port), g_strerror(err));
    return false;
  }
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address(socket, error);
  if (!bound) return false;
  impl_->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  impl_->host = host;
  impl_->fd = fd;
  impl_->socket = static_cast<GSocket *>(g_steal_pointer(&socket));
  // A camera named before the bind is tied to the new socket now.
  if (impl_->filter) {
    in_addr a{impl_->camera.load()};
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a, text, sizeof text);
    if (!set_camera_address(text, error)) {
      impl_->close();
      return false;
    }
  }
  return true;
}

uint16_t PreviewReceiver::port() const { return impl_->port; }

bool PreviewReceiver::bound() const { return impl_->socket != nullptr; }

void PreviewReceiver::close() { impl_->close(); }

bool PreviewReceiver::set_interface(const std::string &interface, GError **error) {
  if (!interface.empty() && !interface_exists(interface, error)) return false;
  impl_->interface = interface;
  return true;
}

bool PreviewReceiver::set_camera_address(const std::string &address, GError **error) {
  Impl &m = *impl_;
  if (address.empty()) {
    m.filter = false;
    if (m.socket && m.connected) {
      // Dissolving the association also forgets the device and, for a port
      // the kernel picked, the port itself: put both back.
      sockaddr unspec{};
      unspec.sa_family = AF_UNSPEC;
      ::connect(m.fd, &unspec, sizeof unspec);
      m.connected = false;
      g_autoptr(GSocketAddress) now = g_socket_get_local_address(m.socket, nullptr);
      if (!bind_to_interface(m.socket, m.interface, error)) return false;
      if (!now || g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(now)) != m.port) {
        sockaddr_in local{};
        local.sin_family = AF_INET;
        local.sin_port = htons(m.port);
        inet_pton(AF_INET, m.host.c_str(), &local.sin_addr);
        if (::bind(m.fd, reinterpret_cast<sockaddr *>(&local), sizeof local) != 0) {
          int err = errno;
          g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
                      "cannot bind the preview port %s:%u again: %s", m.host.c_str(),
                      unsigned(m.port), g_strerror(err));
          return false;
        }
      }
    }
    return true;
  }
  sockaddr_in camera{};
  camera.sin_family = AF_INET;
  camera.sin_port = 0;  // any source port: the camera's is not known
  if (inet_pton(AF_INET, address.c_str(), &camera.sin_addr) != 1) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT,
                "camera address \"%s\" is not an IPv4 address", address.c_str());
    return false;
  }
  if (m.socket) {
    if (::connect(m.fd, reinterpret_cast<sockaddr *>(&camera), sizeof camera) != 0) {
      int err = errno;
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
                  "cannot tie the preview port %u to the camera at %s: %s", unsigned(m.port),
                  address.c_str(), g_strerror(err));
      return false;
    }
    m.connected = true;
  }
  // Datagrams queued before the connect may still come from anywhere.
  m.camera = camera.sin_addr.s_addr;
  m.filter = true;
  return true;
}

bool PreviewReceiver::receive(PreviewAssembler &assembler,
                              const PreviewAssembler::FrameCallback &emit, int timeout_ms,
                              GCancellable *cancellable, GError **error) {
  Impl &m = *impl_;
  if (!m.socket) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "the preview socket is not bound");
    return false;
  }
  if (g_cancellable_set_error_if_cancelled(cancellable, error)) return false;
  gint64 deadline = timeout_ms < 0 ? -1 : g_get_monotonic_time() + gint64(timeout_ms) * 1000;
  uint64_t accepted = 0;
  unsigned batches = 0;
  // Read first when the last call left data queued (one syscall per batch
  // under load); wait first when it found the queue empty (poll + read,
  // instead of a read that fails, a poll and a read).
  bool ready = !m.drained;
  bool window_due = false;
  // The reorder window's time is up: what it still misses is lost.
  auto expire_window = [&] {
    if (window_due) assembler.expire(uint64_t(g_get_monotonic_time()), emit);
    return true;
  };
  for (;;) {
    if (!ready) {
      m.hold_pollfd(cancellable);
      const gint64 now = g_get_monotonic_time();
      gint64 wait_us = deadline < 0 ? -1 : std::max<gint64>(0, deadline - now);
      // Held datagrams age out of the reorder window even when nothing
      // arrives: wake for that too.
      const uint64_t window_end = assembler.deadline_us();
      const bool window_first =
          window_end != UINT64_MAX && (wait_us < 0 || gint64(window_end) - now < wait_us);
      if (window_first) wait_us = std::max<gint64>(0, gint64(window_end) - now);
      g_autoptr(GError) wait_error = nullptr;
      if (!g_socket_condition_timed_wait(m.socket, G_IO_IN, wait_us, cancellable, &wait_error)) {
        if (window_first && g_error_matches(wait_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
          // Read what came meanwhile first (the missing datagram may be
          // among it), then give up what is still missing.
          window_due = true;
          ready = true;
          continue;
        }
        g_propagate_prefixed_error(error, static_cast<GError *>(g_steal_pointer(&wait_error)),
                                   "waiting for preview datagrams: ");
        return false;
      }
      ready = true;
    }
    m.rearm();
    int n = recvmmsg(m.fd, m.msgs, kBatch, MSG_DONTWAIT, nullptr);
    if (n < 0) {
      int err = errno;
      if (err == EINTR) continue;
      if (err != EAGAIN && err != EWOULDBLOCK) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
                    "cannot read from the preview socket: %s", g_strerror(err));
        return false;
      }
      m.drained = true;
      if (accepted > 0 || window_due) return expire_window();
      ready = false;
      continue;
    }
    batches++;
    stats_.batches++;
    const uint64_t read_us = uint64_t(g_get_monotonic_time());
    // Kernel stamps are wall-clock time: moved onto the monotonic clock.
    const int64_t wall_minus_mono_us = g_get_real_time() - int64_t(read_us);
    bool filter = m.filter.load(std::memory_order_relaxed);
    uint32_t camera = m.camera.load(std::memory_order_relaxed);
    for (int i = 0; i < n; i++) {
      msghdr &h = m.msgs[i].msg_hdr;
      uint64_t arrival_us = read_us;
      for (cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
          uint32_t drops;
          std::memcpy(&drops, CMSG_DATA(c), sizeof drops);
          stats_.kernel_drops = drops;  // cumulative for the socket
        } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
          timespec ts;
          std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
          const int64_t mono = int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000 - wall_minus_mono_us;
          // A wall clock that was just set could put it anywhere: keep it
          // within the last second before the read.
          arrival_us = uint64_t(std::clamp<int64_t>(mono, int64_t(read_us) - 1000000, int64_t(read_us)));
        }
      }
      if (filter && m.from[i].sin_addr.s_addr != camera) {
        stats_.foreign++;
        continue;
      }
      accepted++;
      if (h.msg_flags & MSG_TRUNC) {
        // Cut at kSlotSize: an empty view makes the assembler count it
        // malformed; its missing sequence number then shows the loss.
        assembler.push(ByteView{}, arrival_us, emit);
      } else {
        assembler.push(ByteView(static_cast<const uint8_t *>(h.msg_iov->iov_base),
                                m.msgs[i].msg_len),
                       arrival_us, emit);
      }
    }
    // A short batch means the queue was empty: return rather than spend a
    // syscall to learn it again.
    m.drained = unsigned(n) < kBatch;
    if (accepted > 0) {
      if (m.drained || batches >= kMaxBatchesPerCall) return expire_window();
      continue;
    }
    ready = !m.drained;
    if (on_stats_) on_stats_(stats_);
    // Only foreign datagrams so far: keep honouring the timeout and the
    // cancellable, so a flood from elsewhere cannot pin us here.
    if (g_cancellable_set_error_if_cancelled(cancellable, error)) return false;
    if (deadline >= 0 && g_get_monotonic_time() >= deadline) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                  "no preview datagram from the camera within %d ms", timeout_ms);
      return false;
    }
  }
}

}  // namespace ipcam
