// Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/)
// from the wire encoders, so every seed is valid traffic as the camera and
// the client send it, plus a few of the damaged shapes the faults produce.
// Usage: fuzz-make-corpus OUTDIR
#include "ipcam/camera-settings.h"
#include "ipcam/filelist.h"
#include "ipcam/wire.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

using namespace ipcam;
namespace fs = std::filesystem;

namespace {

fs::path out_root;

void write_seed(const std::string &target, const std::string &name, const Bytes &bytes) {
  fs::path dir = out_root / target;
  fs::create_directories(dir);
  std::ofstream f(dir / name, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char *>(bytes.data()), std::streamsize(bytes.size()));
}

void append(Bytes &out, const Bytes &more) { out.insert(out.end(), more.begin(), more.end()); }

// ---------------------------------------------------------------- control

void control_seeds() {
  Bytes login = encode_login("admin", "12345", nullptr).value();
  Bytes session;
  append(session, encode_control(msg::kLogin, login));
  append(session, encode_control(msg::kAliveRequest));
  append(session, encode_control(msg::kAliveResponse));
  append(session, encode_control(msg::kLoginAccepted, login));
  append(session, encode_control(msg::kRequestFirmware));
  append(session, encode_control(msg::kFirmwareInfo, encode_firmware("v1.0 rc5")));
  append(session, encode_control(msg::kStartPreview, Bytes(kStartPreviewZeroBytes, 0)));
  write_seed("control", "session", session);

  Bytes files;
  append(files, encode_control(msg::kRequestFileList, file_list_request_payload()));
  for (const Bytes &part : encode_file_list({{"/mnt/sdcard/DCIM/A.MOV", 1234}, {"/mnt/sdcard/DCIM/B.JPG", 99}}, 20))
    append(files, encode_control(msg::kFileListPart, part));
  write_seed("control", "file-list", files);

  Bytes record;
  append(record, encode_control(msg::kControlRecording, recording_payload(true)));
  append(record, encode_control(msg::kRecordingAccepted));
  append(record, encode_control(msg::kTakeStill));
  append(record, encode_control(msg::kStillSaved));
  append(record, encode_control(0xA02A, Bytes{1, 2, 3, 4}));  // an undecoded type
  write_seed("control", "record-still", record);

  Bytes login129(129, 0);
  std::copy(login.begin(), login.end(), login129.begin());
  write_seed("control", "login-129", encode_control(msg::kLogin, login129));
  Bytes cut = encode_control(msg::kLoginAccepted, login);
  cut.resize(cut.size() - 7);  // the rest has not arrived yet
  write_seed("control", "partial", cut);
  write_seed("control", "foreign", Bytes{'R', 'T', 'S', 'P', '/', '1', '.', '0', ' ', '2', '0', '0'});
}

// ---------------------------------------------------------------- files, firmware

void file_seeds() {
  auto text = [](const std::string &s) { return Bytes(s.begin(), s.end()); };
  Bytes plain{7};
  append(plain, text("/mnt/sdcard/DCIM/100MEDIA/FILE0001.MOV:73400320;/mnt/sdcard/DCIM/a:b.jpg:5;"));
  write_seed("filelist", "text", plain);
  // Mode byte, then [u16 length][part] records, out of order.
  Bytes parts{16};
  std::vector<Bytes> list = encode_file_list(
      {{"/mnt/sdcard/DCIM/A.MOV", 1234}, {"/mnt/sdcard/DCIM/B.JPG", 99}, {"/x:y", 0}}, 16);
  for (size_t i = list.size(); i-- > 0;) {
    parts.push_back(uint8_t(list[i].size() >> 8));
    parts.push_back(uint8_t(list[i].size()));
    append(parts, list[i]);
  }
  write_seed("filelist", "parts", parts);
  Bytes padded{3};
  Bytes one = encode_file_list_part(1, 0, std::string("/a:1;\0\0\0\0", 9));
  padded.push_back(0);
  padded.push_back(uint8_t(one.size()));
  append(padded, one);
  write_seed("filelist", "nul-padded", padded);

  const uint32_t fields[20] = {1, 2, 3, 0x10000, 640, 360, 30};
  write_seed("firmware", "binary", encode_firmware("v1.0 rc5", fields));
  write_seed("firmware", "text", text("SJ4000AIR V1.2.3\n"));
  write_seed("firmware", "empty-version", Bytes(kFirmwareInfoSize, 0));
}

// ---------------------------------------------------------------- command map

void config_block_seeds() {
  ConfigBlock act76{ConfigBlock::Layout::kFull, {1, 0, 0, 1, 1, 4, 0, 0, 0, 3, 0, 0, 0, 1, 1, 0, 0, 8, 0, 0}, "v1.0 rc5"};
  write_seed("config_block", "act76", encode_config_block(act76));
  ConfigBlock dashcam{ConfigBlock::Layout::kShort, {2, 1, 0, 0, 1, 0, 3, 0, 0, 1, 0, 0, 0, 1, 0, 0}, "DC 1.2"};
  write_seed("config_block", "short", encode_config_block(dashcam));
  write_seed("config_block", "odd-length", Bytes(100, 0));
  write_seed("config_block", "clock", encode_clock(CameraClock{7, 45, 13, 29, 2, 2028, 2, 59, 0}));
  write_seed("config_block", "storage", encode_storage(StorageInfo{1u << 20, 32ull << 30}));
  write_seed("config_block", "path", encode_path_field("/mnt/EMR/SOS_0001.MP4", nullptr).value());
}

// ---------------------------------------------------------------- preview

// A tiny stand-in for the camera's H.264: an IDR access unit (SPS, PPS,
// IDR slice) or a non-IDR slice, with no zero bytes inside a NAL.
Bytes access_unit(bool idr, size_t slice_size, uint8_t salt) {
  Bytes au;
  auto nal = [&](uint8_t header, size_t n, bool long_code) {
    if (long_code) au.push_back(0);
    au.insert(au.end(), {0, 0, 1, header});
    for (size_t i = 0; i < n; i++) au.push_back(uint8_t(1 + (i * 37 + salt) % 255));
  };
  if (idr) {
    nal(0x67, 8, true);
    nal(0x68, 3, true);
    nal(0x65, slice_size, false);
  } else {
    nal(0x41, slice_size, true);
  }
  return au;
}

struct DatagramStream {
  uint16_t seq = 0;
  std::vector<Bytes> datagrams;
  void add(uint16_t type, ByteView payload) {
    Bytes d(kPreviewHeaderSize + payload.size());
    encode_datagram(seq++, type, payload, d.data(), d.size());
    datagrams.push_back(std::move(d));
  }
  void time(uint32_t ms) {
    uint8_t p[kTimePayloadSize];
    encode_time_payload(ms, p);
    add(datagram::kTime, ByteView(p, sizeof p));
  }
  // One frame: time datagram before or after data pieces of `piece` bytes.
  void frame(const Bytes &au, uint32_t ms, size_t piece, bool time_after) {
    if (!time_after) time(ms);
    for (size_t at = 0; at < au.size(); at += piece)
      add(datagram::kData, ByteView(au).subspan(at, std::min(piece, au.size() - at)));
    if (time_after) time(ms);
  }
};

// The assembler target's input: a config byte, then [u16 length][datagram].
Bytes assembler_input(uint8_t config, const std::vector<Bytes> &datagrams) {
  Bytes in{config};
  for (const Bytes &d : datagrams) {
    in.push_back(uint8_t(d.size() >> 8));
    in.push_back(uint8_t(d.size()));
    append(in, d);
  }
  return in;
}

// Config byte bits, as fuzz_assembler.cpp reads them.
constexpr uint8_t kAfter = 1, kPassCorrupted = 2, kPiece64 = 1 << 5;

std::vector<Bytes> gop(uint16_t first_seq, bool time_after, int frames = 6) {
  DatagramStream s;
  s.seq = first_seq;
  for (int i = 0; i < frames; i++)
    s.frame(access_unit(i % 3 == 0, i % 3 == 0 ? 150 : 70, uint8_t(i)), 1000 + 33 * i, 64, time_after);
  s.time(1000 + 33 * frames);  // closes the last frame in `before` mode
  return s.datagrams;
}

void preview_seeds() {
  std::vector<Bytes> clean = gop(0, false);
  write_seed("assembler", "clean-before", assembler_input(kPiece64, clean));
  write_seed("assembler", "clean-after", assembler_input(kPiece64 | kAfter, gop(0, true)));
  write_seed("assembler", "learn-size", assembler_input(0, clean));
  write_seed("assembler", "seq-wrap", assembler_input(kPiece64, gop(65530, false)));

  std::vector<Bytes> lost = clean;
  lost.erase(lost.begin() + 9);
  write_seed("assembler", "loss", assembler_input(kPiece64, lost));
  write_seed("assembler", "loss-pass-corrupted", assembler_input(kPiece64 | kPassCorrupted, lost));
  std::vector<Bytes> reordered = clean;
  std::swap(reordered[5], reordered[6]);
  write_seed("assembler", "reorder", assembler_input(kPiece64, reordered));
  std::vector<Bytes> dup = clean;
  dup.insert(dup.begin() + 7, clean[6]);
  write_seed("assembler", "duplicate", assembler_input(kPiece64, dup));

  // Damaged shapes: truncated, bad magic, length past the end, type 5, a
  // reset (empty record) and a restart of the sequence.
  std::vector<Bytes> damaged = clean;
  damaged[4].resize(5);
  damaged[8][0] = 0x12;
  damaged[10][3] ^= 0x40;
  Bytes five(kPreviewHeaderSize + 4);
  uint8_t unknown[4] = {1, 2, 3, 4};
  encode_datagram(77, datagram::kUnknown5, ByteView(unknown, 4), five.data(), five.size());
  damaged.insert(damaged.begin() + 12, five);
  damaged.push_back(Bytes{});
  for (const Bytes &d : gop(0, false, 3)) damaged.push_back(d);
  write_seed("assembler", "damaged-and-reset", assembler_input(kPiece64, damaged));

  // The datagram target takes one datagram.
  write_seed("datagram", "data", clean[1]);
  write_seed("datagram", "time", clean[0]);
  write_seed("datagram", "unknown-5", five);
  Bytes trailing = clean[0];
  trailing.insert(trailing.end(), {0xEE, 0xEE});
  write_seed("datagram", "trailing-bytes", trailing);
  write_seed("datagram", "short-time", Bytes{0xBC, 0xDE, 0x00, 0x04, 0x00, 0x01, 0x00, 0x02, 1, 2, 3, 4});
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
    return 2;
  }
  out_root = argv[1];
  control_seeds();
  file_seeds();
  config_block_seeds();
  preview_seeds();
  std::printf("seed corpora written under %s\n", argv[1]);
  return 0;
}
