// Network interface binding (SO_BINDTODEVICE): cameras that are their own
// Wi-Fi access point often share one address (192.168.1.1), so a rig with
// several cameras reaches each through its own adapter, and every socket to
// a camera (control, preview, discovery, HTTP) is tied to that adapter.
#pragma once

#include <gio/gio.h>
#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace ipcam {

// True when a network interface of that name exists; otherwise false with
// IPCAM_ERROR_INVALID_ARGUMENT naming it.
bool interface_exists(const std::string &interface, GError **error);

// Ties `socket` to `interface` (empty: does nothing, returns true). Needs
// CAP_NET_RAW on kernels before 5.7 when the socket is already bound to
// another device; binding an unbound socket needs no privilege.
bool bind_to_interface(GSocket *socket, const std::string &interface, GError **error);

// The name of the interface with this index, empty if none.
std::string interface_name(int index);

// One datagram from `socket` without waiting, with its sender (`from`,
// `from_len` bytes of it filled in) and the index of the interface it came
// in on (IP_PKTINFO, which the socket must ask for; 0 if unknown). As
// recvmsg: the datagram's size, or -1 with errno set.
gssize receive_with_interface(GSocket *socket, uint8_t *buf, size_t size, sockaddr_in &from, socklen_t &from_len,
                              int &ifindex);

}  // namespace ipcam

namespace ipcam {

// For the connecting stream of a GSocketClient "event" or a SoupMessage
// "network-event" at G_SOCKET_CLIENT_CONNECTING: ties its socket to
// `interface` before the connect. On failure closes the socket (so the
// connect fails rather than leave by another interface) and keeps the
// reason in `failure`.
void bind_stream_to_interface(GIOStream *connection, const std::string &interface, std::string *failure);

// Connects `client`'s "event" signal so every connection it makes is tied
// to `interface` (empty: does nothing). `failure` must outlive the client.
void bind_client_to_interface(GSocketClient *client, const std::string *interface, std::string *failure);

}  // namespace ipcam
