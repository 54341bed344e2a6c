// escape_control: camera text shown to a person cannot act on the terminal
// or forge a log line, and printable text, UTF-8 included, is unchanged.
#include "ipcam/text.h"

#include <gtest/gtest.h>

#include <string>

using ipcam::escape_control;

TEST(Text, PrintableTextUnchanged) {
  EXPECT_EQ(escape_control("/DCIM/100MEDIA/IMG_0001.JPG"), "/DCIM/100MEDIA/IMG_0001.JPG");
  EXPECT_EQ(escape_control("v1.0 rc5"), "v1.0 rc5");
  EXPECT_EQ(escape_control("Vögel über Ölfeldern ✓"), "Vögel über Ölfeldern ✓");
  EXPECT_EQ(escape_control(""), "");
}

TEST(Text, C0AndDelEscaped) {
  EXPECT_EQ(escape_control("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(escape_control(std::string("x\0y", 3)), "x\\x00y");
  EXPECT_EQ(escape_control("\a\b\x7f"), "\\x07\\x08\\x7F");
}

TEST(Text, EscapeSequencesCannotAct) {
  // Window title, clear screen, cursor move: ESC is shown, never sent.
  EXPECT_EQ(escape_control("\x1b]0;owned\x07"), "\\e]0;owned\\x07");
  EXPECT_EQ(escape_control("\x1b[2J\x1b[H"), "\\e[2J\\e[H");
  // No ESC byte and no C1 control survives in any output.
  std::string all;
  for (int i = 0; i < 256; i++) all += char(i);
  std::string out = escape_control(all);
  for (unsigned char ch : out) EXPECT_TRUE(ch >= 0x20 && ch != 0x7F) << int(ch);
}

TEST(Text, C1AndInvalidUtf8Escaped) {
  EXPECT_EQ(escape_control("\xc2\x9b" "2J"), "\\u009B2J");  // CSI as UTF-8
  EXPECT_EQ(escape_control("\x9b" "2J"), "\\x9B2J");         // CSI as a raw byte
  EXPECT_EQ(escape_control("ok\xff\xfe"), "ok\\xFF\\xFE");
  EXPECT_EQ(escape_control("\xe2\x82"), "\\xE2\\x82");      // cut-off sequence
}

TEST(Text, BackslashDoubledSoEscapesAreUnambiguous) {
  EXPECT_EQ(escape_control("a\\nb"), "a\\\\nb");
  EXPECT_NE(escape_control("a\\nb"), escape_control("a\nb"));
}
