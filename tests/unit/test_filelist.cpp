// File list parts and firmware info, including every malformed case.
#include "ipcam/error.h"
#include "ipcam/filelist.h"
#include "ipcam/wire.h"

#include <gtest/gtest.h>

using namespace ipcam;

TEST(FileListText, ParsesEntriesAndTrailingSemicolon) {
  auto f = parse_file_list_text("/mnt/DCIM/A.MOV:1234;/mnt/DCIM/B.JPG:99;", nullptr);
  ASSERT_TRUE(f);
  ASSERT_EQ(f->size(), 2u);
  EXPECT_EQ((*f)[0].path, "/mnt/DCIM/A.MOV");
  EXPECT_EQ((*f)[0].size, 1234u);
  EXPECT_EQ((*f)[1].path, "/mnt/DCIM/B.JPG");
  EXPECT_EQ((*f)[1].size, 99u);
  ASSERT_TRUE((f = parse_file_list_text("/a:1", nullptr)));
  EXPECT_EQ(f->size(), 1u);
}

TEST(FileListText, EmptyListIsValidAndEmpty) {
  auto f = parse_file_list_text("", nullptr);
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->empty());
  ASSERT_TRUE((f = parse_file_list_text(";", nullptr)));
  EXPECT_TRUE(f->empty());
}

TEST(FileListText, PathWithColonUsesLastColon) {
  auto f = parse_file_list_text("/mnt/a:b.jpg:5;", nullptr);
  ASSERT_TRUE(f && f->size() == 1);
  EXPECT_EQ((*f)[0].path, "/mnt/a:b.jpg");
  EXPECT_EQ((*f)[0].size, 5u);
}

TEST(FileListText, NonNumericSizeIsAClearError) {
  ErrorGuard e;
  EXPECT_FALSE(parse_file_list_text("/a.jpg:12;/b.jpg:lots;", e.out()));
  EXPECT_TRUE(g_error_matches(e.get(), IPCAM_ERROR, IPCAM_ERROR_PARSE));
  EXPECT_NE(e.message().find("/b.jpg:lots"), std::string::npos) << e.message();
  EXPECT_FALSE(parse_file_list_text("/a.jpg:;", e.out()));
  EXPECT_FALSE(parse_file_list_text("/a.jpg:-3;", e.out()));
  EXPECT_FALSE(parse_file_list_text("/a.jpg:99999999999999999999999;", e.out()));
  EXPECT_FALSE(parse_file_list_text("noseparator;", e.out()));
}

TEST(FileListParts, ReassembledInAnyOrder) {
  std::vector<FileEntry> files;
  for (int i = 0; i < 40; i++)
    files.push_back({"/mnt/sdcard/DCIM/100MEDIA/FILE" + std::to_string(i) + ".MOV", uint64_t(i) * 1000 + 7});
  auto parts = encode_file_list(files, 100);
  ASSERT_GT(parts.size(), 3u);
  FileListAssembler a;
  for (size_t i = parts.size(); i-- > 0;) {
    EXPECT_FALSE(a.complete());
    ASSERT_TRUE(a.add(parts[i], nullptr));
  }
  EXPECT_TRUE(a.complete());
  const auto got = a.finish(nullptr);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), files.size());
  for (size_t i = 0; i < files.size(); i++) {
    EXPECT_EQ((*got)[i].path, files[i].path);
    EXPECT_EQ((*got)[i].size, files[i].size);
  }
}

TEST(FileListParts, PartLayoutIsLittleEndian) {
  Bytes p = encode_file_list_part(3, 1, "x:1;");
  ASSERT_EQ(p.size(), 12u);
  EXPECT_EQ(p[0], 3);
  EXPECT_EQ(p[3], 0);
  EXPECT_EQ(p[4], 1);
  EXPECT_EQ(p[8], 'x');
}

TEST(FileListParts, MissingPartNamed) {
  auto parts = encode_file_list({{"/a", 1}, {"/b", 2}, {"/c", 3}}, 3);
  FileListAssembler a;
  for (size_t i = 0; i < parts.size(); i++)
    if (i != 1) { ASSERT_TRUE(a.add(parts[i], nullptr)); }
  EXPECT_FALSE(a.complete());
  ErrorGuard e;
  EXPECT_FALSE(a.finish(e.out()));
  EXPECT_NE(e.message().find("part 1 of"), std::string::npos) << e.message();
}

TEST(FileListParts, DuplicateOutOfRangeAndInconsistentTotals) {
  FileListAssembler a;
  ErrorGuard e;
  ASSERT_TRUE(a.add(encode_file_list_part(2, 0, "/a:1;"), nullptr));
  EXPECT_FALSE(a.add(encode_file_list_part(2, 0, "/a:1;"), e.out()));
  EXPECT_NE(e.message().find("twice"), std::string::npos);
  EXPECT_FALSE(a.add(encode_file_list_part(2, 2, "/b:1;"), e.out()));
  EXPECT_NE(e.message().find("out of range"), std::string::npos);
  EXPECT_FALSE(a.add(encode_file_list_part(3, 1, "/b:1;"), e.out()));
  EXPECT_FALSE(a.add(encode_file_list_part(0, 0, ""), e.out()));
  EXPECT_FALSE(a.add(Bytes{1, 0, 0}, e.out()));
  // None of these corrupted the state: the real part 1 still completes it.
  ASSERT_TRUE(a.add(encode_file_list_part(2, 1, "/b:2;"), nullptr));
  const auto got = a.finish(nullptr);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->size(), 2u);
}

TEST(FileListParts, EntrySplitAcrossParts) {
  FileListAssembler a;
  ASSERT_TRUE(a.add(encode_file_list_part(2, 1, "G:42;"), nullptr));
  ASSERT_TRUE(a.add(encode_file_list_part(2, 0, "/mnt/X.JP"), nullptr));
  const auto got = a.finish(nullptr);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].path, "/mnt/X.JPG");
  EXPECT_EQ((*got)[0].size, 42u);
}

TEST(FileListParts, EmptyListIsOneEmptyPart) {
  auto parts = encode_file_list({}, 500);
  ASSERT_EQ(parts.size(), 1u);
  FileListAssembler a;
  ASSERT_TRUE(a.add(parts[0], nullptr));
  const auto got = a.finish(nullptr);
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->empty());
}

TEST(Firmware, BinaryLayoutVersionAtByte80) {
  uint32_t fields[20];
  for (int i = 0; i < 20; i++) fields[i] = 0x00414141u + i;  // fields hold printable bytes too
  Bytes p = encode_firmware("v1.0 rc5", fields);
  ASSERT_EQ(p.size(), 112u);
  EXPECT_EQ(p[80], 'v');
  auto v = parse_firmware(p, nullptr);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, "v1.0 rc5");
}

TEST(Firmware, ZeroFieldsAndPlainText) {
  auto v = parse_firmware(encode_firmware("SJ4000AIR V1.2"), nullptr);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, "SJ4000AIR V1.2");
  std::string text = "XPRO2_FW_20170301\n";
  v = parse_firmware(ByteView(reinterpret_cast<const uint8_t *>(text.data()), text.size()), nullptr);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, "XPRO2_FW_20170301");
}

TEST(Firmware, GarbageIsAnError) {
  Bytes p(112, 0);
  p[3] = 1;
  ErrorGuard e;
  EXPECT_FALSE(parse_firmware(p, e.out()));
  EXPECT_TRUE(g_error_matches(e.get(), IPCAM_ERROR, IPCAM_ERROR_PARSE));
  EXPECT_FALSE(parse_firmware(Bytes{}, e.out()));
  Bytes bin = {0x01, 0x02, 0x03};
  EXPECT_FALSE(parse_firmware(bin, e.out()));
}
