// Stored messages have LF line ends; IMAP counts and sends the CRLF form.
// These helpers convert sizes and bytes between the two, exactly: a LF gains
// a CR unless one already precedes it. Used by parser, section and binary.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mailroom::mime {

// Octets of `stored` once every bare LF is sent as CRLF.
std::uint64_t crlf_size(std::string_view stored) noexcept;

// Lines of a body, as BODYSTRUCTURE counts them: its LFs. A last line
// without LF (its LF belongs to the next boundary, RFC 2046 §5.1.1) is not
// counted, as Dovecot does not.
std::uint64_t line_count(std::string_view stored) noexcept;

// Appends the CRLF form of `stored` to `out`.
void append_crlf(std::string& out, std::string_view stored);

}  // namespace mailroom::mime
