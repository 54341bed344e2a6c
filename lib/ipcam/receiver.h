// PreviewReceiver: the UDP socket on the client's preview port. Receives
// datagrams in batches (recvmmsg) into reusable buffers, accepts only those
// from the camera's address, and feeds a PreviewAssembler. Receivers for
// different cameras share one port (in one process or several): each is
// connected to its camera's address, and the kernel sorts the datagrams.
#pragma once

#include "ipcam/assembler.h"

#include <gio/gio.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace ipcam {

struct ReceiverStats {
  // Datagrams from another address, ignored. Once the camera address is set
  // the kernel drops other senders itself, so this counts only those queued
  // before that (and stays 0 for a receiver tied to its camera from the start).
  uint64_t foreign = 0;
  uint64_t kernel_drops = 0;   // SO_RXQ_OVFL counter, when the kernel reports it
  uint64_t batches = 0;        // receive calls that returned data
};

class PreviewReceiver {
 public:
  PreviewReceiver();
  ~PreviewReceiver();
  PreviewReceiver(const PreviewReceiver &) = delete;
  PreviewReceiver &operator=(const PreviewReceiver &) = delete;

  // Binds the UDP socket. `bind_address` empty = any IPv4 address; `port` 0
  // = any free port (read it back with port()). `rcvbuf` 0 = keep the
  // kernel's default. The port may be shared with other receivers (all
  // bound with SO_REUSEADDR); binding fails only when a program that does
  // not share holds it.
  bool bind(const std::string &bind_address, uint16_t port, int rcvbuf, GError **error);
  uint16_t port() const;
  bool bound() const;
  void close();

  // Ties the socket to a network interface (SO_BINDTODEVICE) from the next
  // bind() on; empty = none. Fails if no such interface exists.
  bool set_interface(const std::string &interface, GError **error);

  // Only datagrams from this IPv4 address are accepted (empty = any): the
  // socket is connected to (address, port 0), so the kernel delivers this
  // camera's datagrams, from any source port, here and nowhere else, and
  // never another sender's. Two receivers tied to the same camera on the
  // same port do not both get its datagrams: one of them does.
  bool set_camera_address(const std::string &address, GError **error);

  // Waits up to `timeout_ms` (-1 = forever) for datagrams, then drains what
  // is queued (batches of up to 64) into `assembler`, which emits frames
  // through `emit`, each datagram with its arrival time (the monotonic
  // clock), and wakes early when the assembler's reorder window gives up a
  // gap (assembler.deadline_us()), so a frame held behind a lost datagram
  // comes out then, not with the next datagram. Returns true when at least
  // one datagram was received or the window released what it held.
  // Returns false with G_IO_ERROR_TIMED_OUT on timeout, G_IO_ERROR_CANCELLED
  // when `cancellable` fires, other errors on socket failure.
  bool receive(PreviewAssembler &assembler, const PreviewAssembler::FrameCallback &emit,
               int timeout_ms, GCancellable *cancellable, GError **error);

  const ReceiverStats &stats() const { return stats_; }
  // Called on the receiving thread after each batch of only foreign
  // datagrams: receive() does not return for those, and a flood from
  // elsewhere must still show in the stats while it lasts.
  using StatsHandler = std::function<void(const ReceiverStats &)>;
  void set_stats_handler(StatsHandler h) { on_stats_ = std::move(h); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ReceiverStats stats_;
  StatsHandler on_stats_;
};

}  // namespace ipcam
