// imap::detail::bare_cr_scan: finds a CR that is not the start of a CRLF in
// a message given in pieces of any split. APPEND refuses such a message:
// RFC 5322 §2.3 allows CR only in CRLF, and the store keeps LF line ends,
// so a bare CR could not come back from BODY[] as it was sent (RFC 9051
// §6.4.5 wants the octets exactly). Used by cmd_append.cpp and append_stream.cpp.
#pragma once

#include <string_view>

namespace mailroom::imap::detail {

struct bare_cr_scan {
    bool pending = false;  // the last octet seen was a CR
    bool found = false;

    void add(std::string_view s) noexcept {
        if (s.empty()) return;
        if (pending && s.front() != '\n') found = true;
        for (std::size_t i = s.find('\r'); i != std::string_view::npos && !found; i = s.find('\r', i + 1))
            if (i + 1 < s.size() && s[i + 1] != '\n') found = true;
        pending = s.back() == '\r';
    }
    // The message ended: a CR as its last octet is bare too.
    void end() noexcept {
        found = found || pending;
        pending = false;
    }
};

inline bool has_bare_cr(std::string_view s) noexcept {
    bare_cr_scan scan;
    scan.add(s);
    scan.end();
    return scan.found;
}

}  // namespace mailroom::imap::detail
