// imap::client::command: one IMAP command as the client engine sends it -
// raw text, strings quoted or sent as literals (RFC 9051 §4.3), and
// literals whose bytes the driver streams (APPEND's message). The session
// adds the tag and chooses LITERAL+ / LITERAL- or a wait for "+".
// Built by `mailroom imap` and by the session for its own commands.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/secret.hpp"

namespace mailroom::imap::client {

class command {
public:
    struct piece {
        enum class kind { text, literal, driver_literal };
        kind what = kind::text;
        std::string bytes;       // text, or a literal's bytes
        std::uint64_t size = 0;  // driver_literal: how many bytes the driver sends
        bool masked = false;     // a trace shows "********"
    };

    command() = default;
    explicit command(std::string_view raw) { text(raw); }

    // Raw protocol text, appended as is (masked: shown as "********", for
    // SASL data); CR, LF and NUL throw std::invalid_argument.
    command& text(std::string_view raw, bool masked = false);
    // An astring: a quoted string when its bytes allow, else a literal.
    command& string(std::string_view s, bool masked = false);
    command& string(const secret& s) { return string(s.reveal(), true); }
    // A literal of `size` bytes the driver sends when asked (send_literal).
    command& literal(std::uint64_t size);

    const std::vector<piece>& pieces() const noexcept { return pieces_; }

private:
    std::vector<piece> pieces_;
};

// True when s can go as a quoted string: 7-bit, no CR, LF or NUL, not long.
bool quotable(std::string_view s) noexcept;
// s as a quoted string, '"' and '\' escaped (RFC 9051 §4.3); quotable(s) assumed.
std::string quote(std::string_view s);

}  // namespace mailroom::imap::client
