// sandbox::apply_fault: what one server write becomes under a fault action
// (fault_rules.hpp) - an error in place of the reply, a delay, a drip, a
// truncation and close, a malformed reply. Pure logic; sandbox::session_tap
// calls it for each write of a faulted reply (a "reply span").
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "net/stream_tap.hpp"
#include "sandbox/fault_rules.hpp"

namespace mailroom::sandbox {

// The server writes that answer one client step: from the first write after
// the step was read until the next step's reply begins.
struct reply_span {
    std::optional<fault_decision> fault;
    std::string verb;             // "RETR", "greeting", ...
    std::string tag;              // IMAP command tag
    bool first = true;            // the next write is the span's first
    std::size_t sent = 0;         // bytes of the span passed so far (truncate)
    bool octets_changed = false;  // wrong_octet_count done once per span
    bool ended_with_crlf = true;  // the last write ended with CRLF (missing_final_dot)
};

// The error line a client sees instead of the reply, per protocol.
std::string fault_error_line(std::string_view protocol, const reply_span& span, const error_reply& e);

// One write of the span under its fault; advances the span. `applicable`
// is set false when the action means nothing here (e.g. missing_final_dot on IMAP).
net::write_plan apply_fault(std::string_view protocol, reply_span& span, std::string_view bytes, bool& applicable);

}  // namespace mailroom::sandbox
