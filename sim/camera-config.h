// Everything that shapes the emulated camera: one plain struct, filled from
// the command line (main.cpp) or directly by in-process tests.
#pragma once

#include "ipcam/endpoint.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ipcam::sim {

// How the camera turns away a client it does not want (wrong password, or a
// second client while one is logged in). kBusy (second clients only): a
// 0x1234 reply to the login, the connection kept open, as a camera that
// already has a client was seen to answer.
enum class RefuseMode { kClose, kIgnore, kReply, kBusy };
// A setter's index past the end of the setting's menu: a non-zero result
// (kResult) or result 0 and the block unchanged (kIgnore).
enum class PastMenu { kResult, kIgnore };
enum class UnknownReply { kNone, kEcho };
enum class TimePosition { kBefore, kAfter };
enum class DiscoveryFormat { kMessage, kText, kNone };

// Fault injection. Probabilities are per datagram in [0, 1]; all random
// choices come from one generator seeded with `seed`.
struct FaultConfig {
  double loss = 0;        // drop a datagram (its sequence number is used up)
  double reorder = 0;     // hold a datagram back and send it after the next
  double duplicate = 0;   // send a datagram twice
  double truncate = 0;    // cut a datagram short (length field then past end)
  double bad_magic = 0;   // corrupt the BC DE magic
  double bad_length = 0;  // length field larger than the payload sent
  unsigned burst_loss = 0;         // drop N datagrams in a row ...
  unsigned burst_every = 0;        // ... at the start of every Mth frame
  unsigned junk_every = 0;         // after every Nth frame, datagrams not of the stream
  unsigned drop_after_frames = 0;  // close control + stop preview after N frames
  bool drop_mid_frame = false;     // ... halfway through frame N+1 instead
  bool no_alive = false;           // never send alive requests
  unsigned reply_delay_ms = 0;     // delay every reply to a client request
  bool no_still_answer = false;    // never answer a take-still request (a client's timeout)
  bool refuse_login = false;       // refuse every login, even a right one
  bool silent = false;             // accept TCP, never answer anything
  bool foreign_protocol = false;   // answer like a different device
  int64_t clock_jump_ms = 0;       // add this to the camera clock ...
  unsigned clock_jump_at = 0;      // ... from this frame on (0 = never)
};

// Emulated cameras listen on loopback unless told otherwise: never on a
// network by surprise.
inline ipcam::CameraEndpoint loopback_endpoint() {
  ipcam::CameraEndpoint endpoint;
  endpoint.address = "127.0.0.1";
  return endpoint;
}

struct CameraConfig {
  // The camera as its clients see it: address is where control, HTTP and
  // the preview's source bind; control and HTTP port 0 = any free port;
  // preview_port is the client's and 0 is refused; user and password are
  // the login it accepts. interface and timeout_ms are a client's settings
  // and unused here.
  ipcam::CameraEndpoint endpoint = loopback_endpoint();
  std::vector<uint16_t> discovery_ports{ipcam::kDiscoveryPorts.begin(), ipcam::kDiscoveryPorts.end()};
  std::string firmware = "v1.0 rc5";
  std::string serial = "IPCAMSIM0001";
  std::string store;  // empty = a temporary folder removed at stop
  bool samples = true;

  // Video: live encoding unless h264_file is set.
  std::string h264_file;
  double fps = 30;
  int width = 640;
  int height = 360;
  int keyframe_interval = 30;
  int slices = 0;  // live encoder slices per picture; 0 = x264's choice (its thread count)
  bool paced = true;  // false: send frames as fast as possible
  bool tag_frames = false;
  bool paint_frame_number = false;  // frame-stamp.h

  size_t datagram_size = 1000;  // type-1 payload bytes per datagram
  TimePosition time_position = TimePosition::kBefore;
  std::vector<uint8_t> time_prefix;  // time payload bytes 0..11 (zeros if empty)
  uint16_t initial_seq = 0;
  bool clock_start_set = false;
  uint32_t clock_start = 0;  // camera ms at start; random-ish unless set

  size_t part_size = 512;  // file list text bytes per 0xA026 part
  unsigned alive_interval_ms = 3000;
  unsigned alive_timeout_ms = 10000;
  unsigned message_gap_ms = 20;
  size_t login_reply_length = 128;  // login accepted payload: 128, or 129 (SJ4000 Air)
  bool coalesce = false;

  RefuseMode refuse_mode = RefuseMode::kClose;
  std::vector<uint8_t> refuse_bytes;
  RefuseMode busy_mode = RefuseMode::kBusy;
  std::vector<uint8_t> busy_bytes;
  UnknownReply unknown_reply = UnknownReply::kNone;

  // The phone app's requests (configuration.h, app-requests.h): menu sizes
  // by setting name override the emulator's own table; the SD card's size
  // in bytes (the store's files count against it).
  PastMenu past_menu = PastMenu::kResult;
  std::vector<std::pair<std::string, int>> menu_sizes;
  uint64_t card_size = 32000000000ull;
  DiscoveryFormat discovery_format = DiscoveryFormat::kMessage;

  bool seed_set = false;
  uint64_t seed = 0;
  FaultConfig faults;
  bool verbose = false;
};

}  // namespace ipcam::sim
