#include "ipcam/text.h"

#include <glib.h>

namespace ipcam {

namespace {

void append_hex(std::string &out, const char *prefix, unsigned value, int digits) {
  char buf[16];
  g_snprintf(buf, sizeof buf, "%s%0*X", prefix, digits, value);
  out += buf;
}

}  // namespace

std::string escape_control(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const char *p = text.data();
  const char *end = p + text.size();
  while (p < end) {
    auto c = static_cast<unsigned char>(*p);
    if (c < 0x80) {
      switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case 0x1B: out += "\\e"; break;
        case '\\': out += "\\\\"; break;
        default:
          if (c < 0x20 || c == 0x7F)
            append_hex(out, "\\x", c, 2);
          else
            out += char(c);
      }
      p++;
      continue;
    }
    // One UTF-8 sequence, or a byte that starts none.
    const gchar *next = nullptr;
    gunichar u = g_utf8_get_char_validated(p, gssize(end - p));
    if (u == gunichar(-1) || u == gunichar(-2)) {
      append_hex(out, "\\x", c, 2);
      p++;
      continue;
    }
    next = g_utf8_next_char(p);
    if (u >= 0x80 && u <= 0x9F)
      append_hex(out, "\\u", u, 4);
    else
      out.append(p, size_t(next - p));
    p = next;
  }
  return out;
}

}  // namespace ipcam
