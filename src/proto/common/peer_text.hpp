// proto::peer_text: a peer's free text (a server's reply text, a greeting,
// a CAPA line) made safe to print: control characters but TAB become '?',
// so a CR or ESC cannot forge log lines or terminal output. Used by the
// SMTP and POP3 client engines for the text they hand on.
#pragma once

#include <string>
#include <string_view>

namespace mailroom::proto {

std::string peer_text(std::string_view s);

}  // namespace mailroom::proto
