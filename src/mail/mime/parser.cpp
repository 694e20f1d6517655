// MIME tree with byte ranges (see parser.hpp).
#include "mail/mime/parser.hpp"

#include <cstring>

#include "mail/mime/crlf.hpp"
#include "mail/mime/detail/content_fields.hpp"
#include "mail/mime/detail/header_fields.hpp"
#include "mail/mime/envelope.hpp"

namespace mailroom::mime {

namespace {

using detail::ascii_iequals;

// End of the line starting at `pos` (after its LF), or `end`.
std::size_t line_end(std::string_view s, std::size_t pos, std::size_t end) {
    const auto* lf = static_cast<const char*>(std::memchr(s.data() + pos, '\n', end - pos));
    return lf == nullptr ? end : static_cast<std::size_t>(lf - s.data()) + 1;
}

bool blank_line(std::string_view s, std::size_t pos, std::size_t end) {
    return (pos < end && s[pos] == '\n') || (pos + 1 < end && s[pos] == '\r' && s[pos + 1] == '\n');
}

// Is the line [pos, stop) a delimiter "--boundary" or "--boundary--"? RFC 2046
// §5.1.1: trailing blanks may follow. Returns 0 no, 1 delimiter, 2 close.
int delimiter_kind(std::string_view s, std::size_t pos, std::size_t stop, std::string_view boundary) {
    if (stop - pos < boundary.size() + 2 || s[pos] != '-' || s[pos + 1] != '-') return 0;
    if (s.compare(pos + 2, boundary.size(), boundary) != 0) return 0;
    std::size_t i = pos + 2 + boundary.size();
    int kind = 1;
    if (i + 1 < stop && s[i] == '-' && s[i + 1] == '-') {
        kind = 2;
        i += 2;
    }
    for (; i < stop; ++i)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') return 0;
    return kind;
}

class builder {
public:
    builder(std::string_view msg, const parse_limits& lim) : msg_(msg), lim_(lim) {}

    body_part entity(std::size_t begin, std::size_t end, unsigned depth, bool in_digest) {
        ++parts_;
        closed_ = false;
        std::size_t hdr_end = begin;
        while (hdr_end < end) {
            if (blank_line(msg_, hdr_end, end)) {
                hdr_end = line_end(msg_, hdr_end, end);
                break;
            }
            hdr_end = line_end(msg_, hdr_end, end);
        }
        const auto header = msg_.substr(begin, hdr_end - begin);
        const auto fields = detail::split_header(header);
        auto cf = detail::read_content_fields(fields, in_digest);
        body_part p = std::move(cf.part);
        p.header_offset = begin;
        p.header_length = hdr_end - begin;
        p.body_offset = hdr_end;
        p.body_length = end - hdr_end;
        p.header_size = crlf_size(header);
        const auto body = msg_.substr(hdr_end, end - hdr_end);
        p.body_size = crlf_size(body);
        p.body_lines = line_count(body);

        const bool room = depth < lim_.max_depth && parts_ < lim_.max_parts;
        if (ascii_iequals(p.type, "multipart")) {
            if (!room) {
                make_opaque(p);  // too deep or too many parts: one leaf, as Dovecot does
            } else {
                if (cf.boundary) split_multipart(p, *cf.boundary, depth);
                // RFC 9051 body-type-mpart needs a part: no boundary or no
                // delimiter gives one empty text/plain part, as Dovecot gives.
                if (p.children.empty()) p.children.push_back(empty_text_part(end));
            }
        } else if (ascii_iequals(p.type, "message") && ascii_iequals(p.subtype, "rfc822")) {
            // RFC 9051 body-type-msg: message/rfc822 always carries an envelope
            // and a body, whatever its encoding (Dovecot parses it the same way).
            if (!room) {
                make_opaque(p);
            } else {
                p.children.push_back(entity(hdr_end, end, depth + 1, false));
                const auto& inner = p.children.front();
                p.embedded = envelope_from_header(msg_.substr(inner.header_offset, inner.header_length));
            }
        }
        return p;
    }

private:
    void split_multipart(body_part& p, std::string_view boundary, unsigned depth) {
        const bool digest = ascii_iequals(p.subtype, "digest");
        const std::size_t end = p.body_offset + p.body_length;
        std::size_t pos = p.body_offset;
        std::optional<std::size_t> part_start;
        while (pos < end) {
            const std::size_t stop = line_end(msg_, pos, end);
            const int kind = delimiter_kind(msg_, pos, stop, boundary);
            if (kind != 0) {
                if (part_start) add_part(p, *part_start, pos, depth, digest);
                if (kind == 2) {
                    closed_ = true;  // the epilogue follows
                    return;
                }
                part_start = stop;
            }
            pos = stop;
        }
        if (part_start) add_part(p, *part_start, end, depth, digest);  // no close delimiter: runs to the end
        closed_ = false;
    }

    static void make_opaque(body_part& p) {
        p.type = "application";
        p.subtype = "octet-stream";
        p.params.clear();
    }

    static body_part empty_text_part(std::size_t at) {
        body_part empty;
        empty.params = {{"charset", "us-ascii"}};
        empty.header_offset = empty.body_offset = at;
        return empty;
    }

    // The part is [start, delim); the LF before a delimiter belongs to it
    // (RFC 2046 §5.1.1). A multipart part that saw its close delimiter keeps
    // that LF as its epilogue, as Dovecot counts it (BODY[n] of it).
    void add_part(body_part& p, std::size_t start, std::size_t delim, unsigned depth, bool digest) {
        std::size_t stop = delim;
        if (delim < msg_.size() && delim > start && msg_[delim - 1] == '\n' && delimiter_at(delim)) {
            --stop;
            if (stop > start && msg_[stop - 1] == '\r') --stop;
        }
        if (parts_ >= lim_.max_parts) return;
        body_part child = entity(start, stop, depth + 1, digest);
        if (closed_ && child.is_multipart() && stop < delim) {
            child.body_length += delim - stop;
            child.body_size = crlf_size(msg_.substr(child.body_offset, child.body_length));
            child.body_lines = line_count(msg_.substr(child.body_offset, child.body_length));
        }
        closed_ = false;
        p.children.push_back(std::move(child));
    }

    bool delimiter_at(std::size_t pos) const {
        return pos + 1 < msg_.size() && msg_[pos] == '-' && msg_[pos + 1] == '-';
    }

    std::string_view msg_;
    parse_limits lim_;
    std::size_t parts_ = 0;
    bool closed_ = false;  // the multipart entity() just built ended with its close delimiter
};

}  // namespace

message_structure parse_message(std::string_view stored, const parse_limits& limits) {
    builder b(stored, limits);
    message_structure m;
    m.body = b.entity(0, stored.size(), 0, false);
    m.env = envelope_from_header(stored.substr(0, m.body.header_length));
    return m;
}

}  // namespace mailroom::mime
