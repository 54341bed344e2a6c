// Workers: the control API's camera requests, which block, each on a
// thread of GLib's pool while its message is paused.
#pragma once

#include "http/reply.h"

#include <libsoup/soup.h>

#include <condition_variable>
#include <functional>
#include <mutex>

namespace ipcam::server {

// Camera requests on worker threads, counted so that the server can wait
// for them at exit.
class Workers {
 public:
  // Pauses `msg`, runs `work` on a thread, answers with its Reply.
  void run(SoupServerMessage *msg, std::function<void(Reply &)> work);
  // Waits up to `seconds` for the running requests; false if some remain.
  bool wait(int seconds);
  int running();

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  int jobs_ = 0;
};

}  // namespace ipcam::server
