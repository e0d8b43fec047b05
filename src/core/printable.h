// Text from outside (an argument, a path, a key in a run file, an errno string) shown safely in
// a message: an escape sequence in a file name must not reach the terminal raw (`\e]0;…\a`
// retitles it, `\e[2J` clears it), and a 100 KB argument must not come back as a 100 KB line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace illusion::core {

// `s` with every byte that is not printable shown as an escape: \n, \t, \r, \e, or \xNN for
// other control bytes (C0, DEL), the C1 controls (U+0080–U+009F, which terminals also obey)
// and bytes that are not valid UTF-8. Valid UTF-8 text ("µs", "…") is kept. Past `limit`
// bytes of output the text is cut, at a whole character, with "…" added.
std::string printable(std::string_view s, std::size_t limit = 160);

// A whole message for the terminal: printable, and when longer than `limit` bytes, its head and
// its tail (where a message's reason usually is) joined by "…(N bytes left out)…".
std::string printable_message(std::string_view s, std::size_t limit = 1000);

}  // namespace illusion::core
