// Section numbering and byte ranges (see section.hpp).
#include "mail/mime/section.hpp"

#include <algorithm>

#include "mail/mime/crlf.hpp"
#include "mail/mime/detail/header_fields.hpp"

namespace mailroom::mime {

namespace {

// In a message context (the top message, or the message inside a
// message/rfc822 part), number k picks a part of its multipart body, or, for
// a non-multipart body, k = 1 is the body itself.
const body_part* in_message(const body_part& msg, std::uint32_t k) {
    if (msg.is_multipart()) return k >= 1 && k <= msg.children.size() ? &msg.children[k - 1] : nullptr;
    return k == 1 ? &msg : nullptr;
}

located_section range(std::uint64_t offset, std::uint64_t length, std::uint64_t crlf_octets) {
    located_section s;
    if (length > 0) s.ranges.push_back({offset, length});
    s.size = crlf_octets;
    return s;
}

located_section filtered_header(std::string_view stored, const body_part& msg, const section_spec& spec) {
    located_section s;
    if (msg.header_offset + msg.header_length > stored.size()) return s;
    const auto header = stored.substr(msg.header_offset, msg.header_length);
    // As Dovecot sends them: HEADER.FIELDS always ends with a CRLF (the blank
    // line, or the end of a cut-off last field); HEADER.FIELDS.NOT keeps the
    // header's own blank line, if it had one.
    const bool had_blank = header == "\n" || header == "\r\n" || header.ends_with("\n\n") || header.ends_with("\n\r\n");
    s.blank_line = spec.text == section_text::header_fields || had_blank;
    s.size = s.blank_line ? 2 : 0;
    const bool keep_listed = spec.text == section_text::header_fields;
    for (const auto& f : detail::split_header(header)) {
        // A line that is no field (no colon) is never listed: HEADER.FIELDS
        // leaves it out, HEADER.FIELDS.NOT keeps it (Dovecot does the same).
        bool listed = false;
        for (const auto& want : spec.fields)
            listed = listed || (!f.name.empty() && detail::ascii_iequals(f.name, want));
        if (listed != keep_listed) continue;
        const std::uint64_t off = msg.header_offset + f.offset;
        if (!s.ranges.empty() && s.ranges.back().offset + s.ranges.back().length == off)
            s.ranges.back().length += f.length;
        else s.ranges.push_back({off, f.length});
        s.size += crlf_size(header.substr(f.offset, f.length));
    }
    return s;
}

}  // namespace

const body_part* find_part(const body_part& root, std::span<const std::uint32_t> parts) {
    if (parts.empty()) return nullptr;
    const body_part* cur = in_message(root, parts[0]);
    for (std::size_t i = 1; cur != nullptr && i < parts.size(); ++i) {
        if (cur->is_multipart()) {
            const auto k = parts[i];
            cur = k >= 1 && k <= cur->children.size() ? &cur->children[k - 1] : nullptr;
        } else if (cur->is_message()) {
            cur = in_message(cur->children.front(), parts[i]);
        } else if (parts[i] != 1 || cur == &root) {
            cur = nullptr;
        }
    }
    return cur;
}

std::optional<located_section> locate_section(const message_structure& m, std::string_view stored,
                                              const section_spec& spec) {
    const body_part* part = &m.body;
    if (!spec.part.empty()) {
        part = find_part(m.body, spec.part);
        if (part == nullptr) return std::nullopt;
    }
    if (spec.text == section_text::none) {
        if (spec.part.empty()) {
            located_section s;
            const auto total = part->header_length + part->body_length;
            if (total > 0) s.ranges.push_back({0, total});
            s.size = part->header_size + part->body_size;
            return s;
        }
        return range(part->body_offset, part->body_length, part->body_size);
    }
    if (spec.text == section_text::mime) {
        if (spec.part.empty()) return std::nullopt;  // RFC 9051 §6.4.5: MIME needs part numbers
        return range(part->header_offset, part->header_length, part->header_size);
    }
    // HEADER, HEADER.FIELDS[.NOT], TEXT: of the top message or of a message/rfc822 part.
    const body_part* msg = part;
    if (!spec.part.empty()) {
        if (!part->is_message()) return std::nullopt;
        msg = &part->children.front();
    }
    switch (spec.text) {
        case section_text::header: return range(msg->header_offset, msg->header_length, msg->header_size);
        case section_text::text: return range(msg->body_offset, msg->body_length, msg->body_size);
        default: return filtered_header(stored, *msg, spec);
    }
}

std::string section_bytes(std::string_view stored, const located_section& s) {
    std::string out;
    out.reserve(s.size);
    for (const auto& r : s.ranges) {
        if (r.offset >= stored.size()) break;
        const auto piece = stored.substr(r.offset, r.length);
        const auto from = out.size();
        append_crlf(out, piece);
        std::replace(out.begin() + static_cast<std::ptrdiff_t>(from), out.end(), '\0', '\x80');
    }
    if (s.blank_line) out += "\r\n";
    return out;
}

}  // namespace mailroom::mime
