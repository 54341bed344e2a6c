// Network interface binding: see interface.h.
#include "ipcam/interface.h"

#include "ipcam/error.h"

#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace ipcam {

bool interface_exists(const std::string &interface, GError **error) {
  if (!interface.empty() && interface.size() < IFNAMSIZ && if_nametoindex(interface.c_str()) != 0) return true;
  g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT,
              "there is no network interface called \"%s\" (see `ip link`)", interface.c_str());
  return false;
}

bool bind_to_interface(GSocket *socket, const std::string &interface, GError **error) {
  if (interface.empty()) return true;
  if (!interface_exists(interface, error)) return false;
  if (setsockopt(g_socket_get_fd(socket), SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(),
                 socklen_t(interface.size() + 1)) == 0)
    return true;
  int err = errno;
  g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "cannot bind a socket to interface %s: %s",
              interface.c_str(), g_strerror(err));
  return false;
}

std::string interface_name(int index) {
  char name[IF_NAMESIZE];
  if (index <= 0 || !if_indextoname(unsigned(index), name)) return {};
  return name;
}

}  // namespace ipcam

namespace ipcam {

void bind_stream_to_interface(GIOStream *connection, const std::string &interface, std::string *failure) {
  if (interface.empty() || !G_IS_SOCKET_CONNECTION(connection)) return;
  GSocket *socket = g_socket_connection_get_socket(G_SOCKET_CONNECTION(connection));
  GError *e = nullptr;
  if (bind_to_interface(socket, interface, &e)) return;
  if (failure) *failure = e->message;
  g_error_free(e);
  g_socket_close(socket, nullptr);
}

namespace {

struct ClientTie {
  const std::string *interface;
  std::string *failure;
};

}  // namespace

void bind_client_to_interface(GSocketClient *client, const std::string *interface, std::string *failure) {
  if (!interface || interface->empty()) return;
  g_signal_connect_data(
      client, "event",
      G_CALLBACK(+[](GSocketClient *, GSocketClientEvent event, GSocketConnectable *, GIOStream *connection,
                     gpointer data) {
        auto *tie = static_cast<ClientTie *>(data);
        if (event == G_SOCKET_CLIENT_CONNECTING) bind_stream_to_interface(connection, *tie->interface, tie->failure);
      }),
      new ClientTie{interface, failure}, +[](gpointer data, GClosure *) { delete static_cast<ClientTie *>(data); },
      GConnectFlags(0));
}

gssize receive_with_interface(GSocket *socket, uint8_t *buf, size_t size, sockaddr_in &from, socklen_t &from_len,
                              int &ifindex) {
  alignas(cmsghdr) uint8_t control[CMSG_SPACE(sizeof(in_pktinfo))];
  iovec iov{buf, size};
  msghdr h{};
  h.msg_name = &from;
  h.msg_namelen = sizeof from;
  h.msg_iov = &iov;
  h.msg_iovlen = 1;
  h.msg_control = control;
  h.msg_controllen = sizeof control;
  const gssize n = recvmsg(g_socket_get_fd(socket), &h, MSG_DONTWAIT);
  from_len = h.msg_namelen;
  ifindex = 0;
  for (cmsghdr *c = CMSG_FIRSTHDR(&h); n >= 0 && c; c = CMSG_NXTHDR(&h, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      ifindex = info.ipi_ifindex;
    }
  }
  return n;
}

}  // namespace ipcam
