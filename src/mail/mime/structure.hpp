// The MIME facts IMAP FETCH and SEARCH need, as plain structs: the RFC 9051
// ENVELOPE and the BODY/BODYSTRUCTURE tree with the byte ranges of every
// part. Filled by parser.hpp, cached by serialize.hpp, located by section.hpp;
// rendered to IMAP text by src/proto/imap (not here). No GMime type leaks out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mailroom::mime {

inline std::string ascii_lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// RFC 9051 §7.5.2 address: (name adl mailbox host). A group opens with
// host == nullopt and mailbox = the group's name, and closes with every
// field nullopt (RFC 9051 "[RFC-5322] group syntax"). Values are raw header
// text: encoded words stay encoded, as IMAP requires.
struct address {
    std::optional<std::string> name, adl, mailbox, host;
    bool operator==(const address&) const = default;
};

struct envelope {
    std::optional<std::string> date, subject;
    std::vector<address> from, sender, reply_to, to, cc, bcc;  // sender/reply_to default to from
    std::optional<std::string> in_reply_to, message_id;
    bool operator==(const envelope&) const = default;
};

struct parameter {
    std::string name, value;
    bool operator==(const parameter&) const = default;
};

struct disposition {
    std::string type;
    std::vector<parameter> params;
    bool operator==(const disposition&) const = default;
};

// Offsets and lengths are of the stored file (LF line ends); *_size fields are
// of the CRLF form IMAP counts ("size in octets", RFC 9051 §7.5.2).
struct body_part {
    std::string type = "text", subtype = "plain";  // as written; defaults per RFC 2045 §5.2
    std::vector<parameter> params;
    std::optional<std::string> id, description, md5, location;
    std::string encoding = "7bit";
    std::optional<disposition> disp;
    std::vector<std::string> language;

    std::uint64_t header_offset = 0, header_length = 0;  // the part's header, blank line included
    std::uint64_t body_offset = 0, body_length = 0;
    std::uint64_t header_size = 0, body_size = 0;  // CRLF form
    std::uint64_t body_lines = 0;                  // reported for text/* and message/rfc822

    // multipart: the parts (at least one). message/rfc822: exactly one, the
    // encapsulated message (its header is that message's header) and
    // `embedded` holds its envelope. Anything else: empty.
    std::vector<body_part> children;
    std::optional<envelope> embedded;

    bool is_multipart() const noexcept { return !children.empty() && !embedded; }
    bool is_message() const noexcept { return embedded.has_value() && children.size() == 1; }  // parsed message/rfc822
    bool is_text() const noexcept { return type.size() == 4 && ascii_lower(type) == "text"; }
    bool operator==(const body_part&) const = default;
};

struct message_structure {
    envelope env;
    body_part body;  // the whole message: header_offset 0, body = the message body
    bool operator==(const message_structure&) const = default;
};

}  // namespace mailroom::mime
