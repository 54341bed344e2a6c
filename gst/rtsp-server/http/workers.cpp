// Workers: see workers.h.
#include "http/workers.h"

#include <gio/gio.h>

#include <chrono>

namespace ipcam::server {

namespace {

struct Job {
  SoupServerMessage *msg;
  std::function<void(Reply &)> work;
  Reply reply;
};

}  // namespace

void Workers::run(SoupServerMessage *msg, std::function<void(Reply &)> work) {
  soup_server_message_pause(msg);
  {
    std::lock_guard<std::mutex> l(mutex_);
    jobs_++;
  }
  // Counted until the work (and its temporary folder) is over.
  auto counted = [this, work = std::move(work)](Reply &r) {
    work(r);
    std::lock_guard<std::mutex> l(mutex_);
    if (--jobs_ == 0) done_.notify_all();
  };
  auto *job = new Job{SOUP_SERVER_MESSAGE(g_object_ref(msg)), std::move(counted), {}};
  GTask *task = g_task_new(
      nullptr, nullptr,
      +[](GObject *, GAsyncResult *res, gpointer) {
        auto *j = static_cast<Job *>(g_task_get_task_data(G_TASK(res)));
        send_reply(j->msg, j->reply);
        soup_server_message_unpause(j->msg);
      },
      nullptr);
  g_task_set_task_data(task, job, +[](gpointer p) {
    auto *j = static_cast<Job *>(p);
    g_object_unref(j->msg);
    delete j;
  });
  g_task_run_in_thread(task, +[](GTask *t, gpointer, gpointer data, GCancellable *) {
    auto *j = static_cast<Job *>(data);
    j->work(j->reply);
    g_task_return_boolean(t, TRUE);
  });
  g_object_unref(task);
}


bool Workers::wait(int seconds) {
  std::unique_lock<std::mutex> l(mutex_);
  return done_.wait_for(l, std::chrono::seconds(seconds), [this] { return jobs_ == 0; });
}

int Workers::running() {
  std::lock_guard<std::mutex> l(mutex_);
  return jobs_;
}

}  // namespace ipcam::server
