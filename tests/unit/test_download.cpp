// Downloads from a small libsoup SoupServer on 127.0.0.1:0 that runs in the
// test, into a fresh temporary folder per test; and safe local names.
#include "ipcam/error.h"
#include "ipcam/download.h"
#include "ipcam/part-file.h"

#include <glib/gstdio.h>
#include <gtest/gtest.h>
#include <libsoup/soup.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include <unistd.h>

using namespace ipcam;

namespace {

using Bytes = std::vector<uint8_t>;


Bytes Pattern(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; i++) b[i] = uint8_t(i * 7 + i / 251);
  return b;
}

// The camera's HTTP server: serves registered paths, honours "bytes=N-"
// ranges unless told not to, records every Range header it saw.
class FileServer {
 public:
  FileServer() {
    thread_ = std::thread([this] { run(); });
    std::unique_lock<std::mutex> l(m_);
    cv_.wait(l, [&] { return ready_; });
  }
  ~FileServer() {
    g_main_context_invoke(ctx_, +[](gpointer loop) -> gboolean {
      g_main_loop_quit(static_cast<GMainLoop *>(loop));
      return G_SOURCE_REMOVE;
    }, loop_);
    thread_.join();
  }
  uint16_t port() const { return port_; }
  void add(const std::string &path, Bytes body) {
    std::lock_guard<std::mutex> l(m_);
    files_[path] = std::move(body);
  }
  void ignore_ranges() { honour_ranges_ = false; }
  // `path` answers 302 to `location`.
  void redirect(const std::string &path, const std::string &location) {
    std::lock_guard<std::mutex> l(m_);
    redirects_[path] = location;
  }
  // Bodies go out chunked: no Content-Length to check against.
  void no_length() { chunked_ = true; }
  std::vector<std::string> ranges() {
    std::lock_guard<std::mutex> l(m_);
    return ranges_;
  }
  int requests() {
    std::lock_guard<std::mutex> l(m_);
    return requests_;
  }

 private:
  void run() {
    ctx_ = g_main_context_new();
    g_main_context_push_thread_default(ctx_);
    SoupServer *server = soup_server_new(nullptr, nullptr);
    soup_server_add_handler(server, nullptr, &FileServer::handle, this, nullptr);
    GError *e = nullptr;
    EXPECT_TRUE(soup_server_listen_local(server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &e)) << (e ? e->message : "");
    GSList *uris = soup_server_get_uris(server);
    if (uris) port_ = uint16_t(g_uri_get_port(static_cast<GUri *>(uris->data)));
    g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));
    loop_ = g_main_loop_new(ctx_, FALSE);
    {
      std::lock_guard<std::mutex> l(m_);
      ready_ = true;
      cv_.notify_all();
    }
    g_main_loop_run(loop_);
    soup_server_disconnect(server);
    g_object_unref(server);
    g_main_loop_unref(loop_);
    g_main_context_pop_thread_default(ctx_);
    g_main_context_unref(ctx_);
  }

  static void handle(SoupServer *, SoupServerMessage *msg, const char *path, GHashTable *, gpointer data) {
    auto *self = static_cast<FileServer *>(data);
    std::lock_guard<std::mutex> l(self->m_);
    self->requests_++;
    if (auto r = self->redirects_.find(path); r != self->redirects_.end()) {
      soup_server_message_set_redirect(msg, SOUP_STATUS_FOUND, r->second.c_str());
      return;
    }
    auto it = self->files_.find(path);
    if (it == self->files_.end()) {
      soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, nullptr);
      return;
    }
    const Bytes &body = it->second;
    SoupMessageHeaders *req = soup_server_message_get_request_headers(msg);
    SoupMessageHeaders *resp = soup_server_message_get_response_headers(msg);
    const char *range = soup_message_headers_get_one(req, "Range");
    size_t from = 0;
    if (range) {
      self->ranges_.push_back(range);
      if (self->honour_ranges_ && g_str_has_prefix(range, "bytes=")) from = std::stoul(range + 6);
    }
    if (from > 0 && from < body.size()) {
      g_autofree char *cr = g_strdup_printf("bytes %zu-%zu/%zu", from, body.size() - 1, body.size());
      soup_message_headers_replace(resp, "Content-Range", cr);
      soup_server_message_set_status(msg, SOUP_STATUS_PARTIAL_CONTENT, nullptr);
    } else {
      from = 0;
      // Stops libsoup from answering the range itself.
      soup_message_headers_replace(resp, "Accept-Ranges", "none");
      soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
    }
    soup_server_message_set_response(msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                     reinterpret_cast<const char *>(body.data()) + from, body.size() - from);
    if (self->chunked_) soup_message_headers_set_encoding(resp, SOUP_ENCODING_CHUNKED);
  }

  std::thread thread_;
  GMainContext *ctx_ = nullptr;
  GMainLoop *loop_ = nullptr;
  uint16_t port_ = 0;
  std::mutex m_;
  std::condition_variable cv_;
  bool ready_ = false;
  bool honour_ranges_ = true;
  bool chunked_ = false;
  std::map<std::string, std::string> redirects_;
  std::map<std::string, Bytes> files_;
  std::vector<std::string> ranges_;
  int requests_ = 0;
};

class Files : public ::testing::Test {
 protected:
  void SetUp() override {
    g_autofree char *d = g_dir_make_tmp("ipcam-files-XXXXXX", nullptr);
    ASSERT_NE(d, nullptr);
    dir_ = d;
    options_.host = "127.0.0.1";
    options_.port = server_.port();
    options_.timeout_ms = 10000;
  }
  void TearDown() override {
    for (const auto &n : Listing()) g_unlink((dir_ + "/" + n).c_str());
    g_rmdir(dir_.c_str());
  }
  std::vector<std::string> Listing() const {
    std::vector<std::string> names;
    GDir *d = g_dir_open(dir_.c_str(), 0, nullptr);
    if (!d) return names;
    while (const char *n = g_dir_read_name(d)) names.push_back(n);
    g_dir_close(d);
    std::sort(names.begin(), names.end());
    return names;
  }
  Bytes Read(const std::string &name) const {
    gchar *data = nullptr;
    gsize len = 0;
    if (!g_file_get_contents((dir_ + "/" + name).c_str(), &data, &len, nullptr)) return {};
    Bytes b(data, data + len);
    g_free(data);
    return b;
  }
  void Write(const std::string &name, const Bytes &b) const {
    ASSERT_TRUE(g_file_set_contents((dir_ + "/" + name).c_str(), reinterpret_cast<const char *>(b.data()),
                                    gssize(b.size()), nullptr));
  }

  FileServer server_;
  std::string dir_;
  DownloadOptions options_;
};

using Names = std::vector<std::string>;

}  // namespace

TEST(SafeLocalName, LastComponentOfACameraPath) {
  ErrorGuard err;
  EXPECT_EQ(safe_local_name("/mnt/sdcard/DCIM/100MEDIA/FILE0001.MOV", err.out()), "FILE0001.MOV") << err.message();
  EXPECT_EQ(safe_local_name("A.JPG", err.out()), "A.JPG");
  // Decided: an absolute path is a camera path like any other; only its
  // last component is used, so it lands inside the target folder.
  EXPECT_EQ(safe_local_name("/etc/passwd", err.out()), "passwd");
}

TEST(SafeLocalName, RejectsEverythingThatIsNotAPlainName) {
  const std::string unsafe[] = {"",      "..",      ".",      "../x",        "/a/../b", "a/..",
                                "/dir/", "a\\b",    "..\\x",  std::string("x\0y", 3), "/DCIM/A\nB"};
  for (const auto &path : unsafe) {
    ErrorGuard err;
    EXPECT_FALSE(safe_local_name(path, err.out())) << "accepted \"" << path << "\"";
    EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_UNSAFE_PATH)) << err.message();
  }
}

TEST(FileUrl, EscapesThePath) {
  EXPECT_EQ(file_url("192.168.1.1", 80, "/DCIM/A.MOV"), "http://192.168.1.1:80/DCIM/A.MOV");
  EXPECT_EQ(file_url("192.168.1.1", 8080, "/DCIM/My Clip%1.MOV"), "http://192.168.1.1:8080/DCIM/My%20Clip%251.MOV");
  EXPECT_EQ(file_url("10.0.0.2", 80, "A.JPG"), "http://10.0.0.2:80/A.JPG");
  EXPECT_EQ(file_url("::1", 80, "/x?y#z"), "http://[::1]:80/x%3Fy%23z");
}

TEST_F(Files, DownloadIsByteExactWithProgress) {
  Bytes content = Pattern(300 * 1000 + 17);
  server_.add("/mnt/sdcard/DCIM/My Clip.MOV", content);
  options_.expected_size = content.size();
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  ErrorGuard err;
  const auto local = download_file(options_, "/mnt/sdcard/DCIM/My Clip.MOV", dir_,
                                   [&](uint64_t done, uint64_t total) { calls.emplace_back(done, total); }, nullptr,
                                   err.out());
  ASSERT_TRUE(local) << err.message();
  EXPECT_EQ(*local, dir_ + "/My Clip.MOV");
  EXPECT_EQ(Listing(), Names({"My Clip.MOV"}));
  EXPECT_EQ(Read("My Clip.MOV"), content);
  ASSERT_FALSE(calls.empty());
  for (size_t i = 1; i < calls.size(); i++) EXPECT_GT(calls[i].first, calls[i - 1].first);
  EXPECT_EQ(calls.back().first, content.size());
  EXPECT_EQ(calls.back().second, content.size());
}

TEST_F(Files, EmptyFileDownloads) {
  server_.add("/A.TXT", {});
  ErrorGuard err;
  ASSERT_TRUE(download_file(options_, "/A.TXT", dir_, nullptr, nullptr, err.out())) << err.message();
  EXPECT_EQ(Listing(), Names({"A.TXT"}));
  EXPECT_TRUE(Read("A.TXT").empty());
}

TEST_F(Files, NotFoundIsHttpErrorAndLeavesNothing) {
  ErrorGuard err;
  EXPECT_FALSE(download_file(options_, "/DCIM/GONE.MOV", dir_, nullptr, nullptr, err.out()));
  ASSERT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_HTTP)) << err.message();
  EXPECT_NE(err.message().find("404"), std::string::npos) << err.message();
  EXPECT_NE(err.message().find("/DCIM/GONE.MOV"), std::string::npos) << err.message();
  EXPECT_TRUE(Listing().empty());
}

TEST_F(Files, SizeMismatchLeavesNothing) {
  server_.add("/A.MOV", Pattern(1000));
  options_.expected_size = 2000;
  ErrorGuard err;
  EXPECT_FALSE(download_file(options_, "/A.MOV", dir_, nullptr, nullptr, err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_IO)) << err.message();
  EXPECT_NE(err.message().find("2000"), std::string::npos) << err.message();
  EXPECT_TRUE(Listing().empty());
}

TEST_F(Files, UnsafeNameIsRejectedBeforeAnyRequest) {
  for (const std::string &path : {std::string("../x"), std::string(".."), std::string("a\\b"), std::string("x\0y", 3)}) {
    ErrorGuard err;
    EXPECT_FALSE(download_file(options_, path, dir_, nullptr, nullptr, err.out()));
    EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_UNSAFE_PATH)) << err.message();
  }
  EXPECT_EQ(server_.requests(), 0);
  EXPECT_TRUE(Listing().empty());
}

TEST_F(Files, AbsolutePathLandsInTheFolder) {
  server_.add("/etc/passwd", Pattern(10));
  ErrorGuard err;
  const auto local = download_file(options_, "/etc/passwd", dir_, nullptr, nullptr, err.out());
  ASSERT_TRUE(local) << err.message();
  EXPECT_EQ(*local, dir_ + "/passwd");
  EXPECT_EQ(Listing(), Names({"passwd"}));
}

TEST_F(Files, CancellationLeavesNothing) {
  server_.add("/BIG.MOV", Pattern(1024 * 1024));
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  ErrorGuard err;
  EXPECT_FALSE(download_file(options_, "/BIG.MOV", dir_, [&](uint64_t, uint64_t) { g_cancellable_cancel(cancel); },
                             cancel, err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_CANCELLED)) << err.message();
  EXPECT_TRUE(Listing().empty());
}

TEST_F(Files, CancelledResumableDownloadKeepsThePart) {
  Bytes content = Pattern(1024 * 1024);
  server_.add("/BIG.MOV", content);
  options_.resume = true;
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  ErrorGuard err;
  EXPECT_FALSE(download_file(options_, "/BIG.MOV", dir_, [&](uint64_t, uint64_t) { g_cancellable_cancel(cancel); },
                             cancel, err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_CANCELLED)) << err.message();
  ASSERT_EQ(Listing(), Names({"BIG.MOV.part"}));
  Bytes part = Read("BIG.MOV.part");
  ASSERT_FALSE(part.empty());
  ASSERT_LT(part.size(), content.size());
  EXPECT_TRUE(std::equal(part.begin(), part.end(), content.begin()));
}

TEST_F(Files, ResumeContinuesWithARange) {
  Bytes content = Pattern(200 * 1000);
  server_.add("/A.MOV", content);
  Write("A.MOV.part", Bytes(content.begin(), content.begin() + 1000));
  options_.resume = true;
  options_.expected_size = content.size();
  uint64_t first_done = 0;
  ErrorGuard err;
  ASSERT_TRUE(download_file(options_, "/A.MOV", dir_,
                            [&](uint64_t done, uint64_t) {
                              if (!first_done) first_done = done;
                            },
                            nullptr, err.out()))
      << err.message();
  EXPECT_EQ(server_.ranges(), std::vector<std::string>({"bytes=1000-"}));
  EXPECT_GT(first_done, 1000u);
  EXPECT_EQ(Listing(), Names({"A.MOV"}));
  EXPECT_EQ(Read("A.MOV"), content);
}

TEST_F(Files, ResumeWhenTheServerIgnoresTheRange) {
  Bytes content = Pattern(5000);
  server_.add("/A.MOV", content);
  server_.ignore_ranges();
  Write("A.MOV.part", Bytes(content.begin(), content.begin() + 1000));
  options_.resume = true;
  ErrorGuard err;
  ASSERT_TRUE(download_file(options_, "/A.MOV", dir_, nullptr, nullptr, err.out())) << err.message();
  EXPECT_EQ(server_.ranges().size(), 1u);
  EXPECT_EQ(Listing(), Names({"A.MOV"}));
  EXPECT_EQ(Read("A.MOV"), content);
}

TEST_F(Files, CompletePartNeedsNoRequest) {
  Bytes content = Pattern(3000);
  Write("A.MOV.part", content);
  options_.resume = true;
  options_.expected_size = content.size();
  ErrorGuard err;
  ASSERT_TRUE(download_file(options_, "/A.MOV", dir_, nullptr, nullptr, err.out())) << err.message();
  EXPECT_EQ(server_.requests(), 0);
  EXPECT_EQ(Read("A.MOV"), content);
}

TEST_F(Files, NoOverwriteKeepsTheExistingFile) {
  server_.add("/A.MOV", Pattern(10));
  Write("A.MOV", Bytes({1, 2, 3}));
  options_.overwrite = false;
  ErrorGuard err;
  EXPECT_FALSE(download_file(options_, "/A.MOV", dir_, nullptr, nullptr, err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_IO)) << err.message();
  EXPECT_EQ(Listing(), Names({"A.MOV"}));
  EXPECT_EQ(Read("A.MOV"), Bytes({1, 2, 3}));
  options_.overwrite = true;
  ASSERT_TRUE(download_file(options_, "/A.MOV", dir_, nullptr, nullptr, err.out())) << err.message();
  EXPECT_EQ(Read("A.MOV"), Pattern(10));
}

TEST_F(Files, NothingListeningIsCannotConnect) {
  GSocket *s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, nullptr);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) sa = g_inet_socket_address_new(lo, 0);
  ASSERT_TRUE(g_socket_bind(s, sa, FALSE, nullptr));
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address(s, nullptr);
  options_.port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  g_object_unref(s);  // bound but never listening: connections are refused
  ErrorGuard err;
  EXPECT_FALSE(download_file(options_, "/A.MOV", dir_, nullptr, nullptr, err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_CANNOT_CONNECT)) << err.message();
  EXPECT_TRUE(Listing().empty());
}

TEST_F(Files, MissingFolderIsAnError) {
  server_.add("/A.MOV", Pattern(10));
  ErrorGuard err;
  EXPECT_FALSE(download_file(options_, "/A.MOV", dir_ + "/no-such", nullptr, nullptr, err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_IO)) << err.message();
}

// A camera's HTTP server is not trusted: no redirect is followed, and a
// body that is not the listed size never fills the disk.
TEST_F(Files, RedirectIsNotFollowed) {
  server_.add("/secret", Pattern(10));
  server_.redirect("/A.JPG", "/secret");
  ErrorGuard err;
  EXPECT_FALSE(download_file(options_, "/A.JPG", dir_, nullptr, nullptr, err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_HTTP)) << err.message();
  EXPECT_NE(err.message().find("redirects are not followed"), std::string::npos) << err.message();
  EXPECT_EQ(server_.requests(), 1);
  EXPECT_TRUE(Listing().empty());
}

TEST_F(Files, ContentLengthOtherThanListedFailsBeforeWriting) {
  server_.add("/A.MOV", Pattern(200000));
  options_.expected_size = 1000;
  uint64_t written = 0;
  ErrorGuard err;
  EXPECT_FALSE(download_file(options_, "/A.MOV", dir_, [&](uint64_t done, uint64_t) { written = done; }, nullptr,
                             err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_IO)) << err.message();
  EXPECT_EQ(written, 0u);
  EXPECT_TRUE(Listing().empty());
}

TEST_F(Files, BodyPastTheListedSizeStopsThere) {
  server_.add("/A.MOV", Pattern(200000));
  server_.no_length();
  options_.expected_size = 1000;
  options_.resume = true;  // even a resumable download keeps nothing of it
  uint64_t written = 0;
  ErrorGuard err;
  EXPECT_FALSE(download_file(options_, "/A.MOV", dir_, [&](uint64_t done, uint64_t) { written = done; }, nullptr,
                             err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_IO)) << err.message();
  EXPECT_LE(written, 1000u);
  EXPECT_TRUE(Listing().empty());
}

TEST_F(Files, ResumeRefusesAPlantedSymlink) {
  server_.add("/A.MOV", Pattern(100));
  Write("victim", Pattern(5));
  ASSERT_EQ(symlink((dir_ + "/victim").c_str(), (dir_ + "/A.MOV.part").c_str()), 0);
  options_.resume = true;
  ErrorGuard err;
  EXPECT_FALSE(download_file(options_, "/A.MOV", dir_, nullptr, nullptr, err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_UNSAFE_PATH)) << err.message();
  EXPECT_EQ(Read("victim"), Pattern(5));
  EXPECT_EQ(server_.requests(), 0);
}

// PartFile on its own, in the Files fixture's folder.
TEST_F(Files, PartFileFreshNameRemovedUnlessCommitted) {
  const std::string final_path = dir_ + "/A.MOV";
  std::string kept;
  {
    PartFile p;
    ErrorGuard err;
    ASSERT_TRUE(p.create(final_path, err.out())) << err.message();
    EXPECT_TRUE(g_str_has_suffix(p.path().c_str(), ".part"));
    kept = p.path();
  }
  EXPECT_FALSE(g_file_test(kept.c_str(), G_FILE_TEST_EXISTS));
  {
    PartFile p;
    ErrorGuard err;
    ASSERT_TRUE(p.create(final_path, err.out())) << err.message();
    ASSERT_EQ(write(p.fd(), "x", 1), 1);
    ASSERT_TRUE(p.commit(err.out())) << err.message();
  }
  EXPECT_TRUE(g_file_test(final_path.c_str(), G_FILE_TEST_IS_REGULAR));
}

TEST_F(Files, PartFileNoReplaceCommitKeepsBothFiles) {
  // A file that took the final name meanwhile is not replaced, and the
  // finished file stays under its temporary name (a recording is never lost).
  std::string temp;
  {
    PartFile p;
    ErrorGuard err;
    ASSERT_TRUE(p.create(dir_ + "/clip.mp4", err.out())) << err.message();
    ASSERT_EQ(write(p.fd(), "new", 3), 3);
    Write("clip.mp4", Bytes{'o', 'l', 'd'});
    temp = p.path();
    EXPECT_FALSE(p.commit(err.out(), false));
    EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_EXISTS)) << err.message();
    EXPECT_NE(err.message().find(temp), std::string::npos) << err.message();
  }
  EXPECT_EQ(Read("clip.mp4"), (Bytes{'o', 'l', 'd'}));
  g_autofree char *temp_name = g_path_get_basename(temp.c_str());
  EXPECT_EQ(Read(temp_name), (Bytes{'n', 'e', 'w'}));
}
