// Camera text (file names, firmware strings, anything a camera sends) made
// safe for a terminal or a log line. A camera is someone else's device: its
// strings may hold escape sequences that retitle a window, clear the screen
// or move the cursor, and CR/LF that forge log lines. Pure, like the codec.
#pragma once

#include <string>
#include <string_view>

namespace ipcam {

// Returns `text` with every control character written as an escape, so it
// shows as one line of visible characters: C0 (0x00-0x1F, also \n \r \t),
// DEL, the C1 controls U+0080-U+009F (UTF-8 C2 80..C2 9F), and bytes that
// are not UTF-8. ESC shows as \e, so an escape sequence cannot act. A
// backslash is doubled, so the escaped text is unambiguous. Printable
// UTF-8 passes unchanged. Not for JSON: JSON has its own escaping.
std::string escape_control(std::string_view text);

}  // namespace ipcam
