// MIME tree with byte ranges (see parser.hpp).
//
// One pass over the message with a stack of the open multiparts' boundaries,
// as Dovecot's message-parser does: every line that starts with "--" is
// checked against the boundaries, innermost first (RFC 2046 §5.1.1: "it is
// sufficient that the boundary appear in its entirety following the CRLF",
// so a prefix match is a delimiter), and a delimiter of an outer multipart
// also ends every part nested inside it. The same builder runs over bytes
// in memory or over a file read by windows (memory bounded by the window and
// the headers, whatever the size: issue #10 §3).
#include "mail/mime/parser.hpp"

#include "mail/mime/crlf.hpp"
#include "mail/mime/detail/content_fields.hpp"
#include "mail/mime/detail/header_fields.hpp"
#include "mail/mime/detail/message_text.hpp"
#include "mail/mime/envelope.hpp"

namespace mailroom::mime {

namespace {

using detail::ascii_iequals;

// Where a part stopped: the boundary line (or the end of the message).
struct stop_point {
    std::size_t line = 0;
    int which = -1;  // index into the boundary stack; -1: end of the message
    bool close = false;
};

// Text: memory_text or window_text (detail/message_text.hpp), the same
// operations on bytes in memory or read from a file by windows.
template <class Text>
class builder {
public:
    builder(Text& msg, const parse_limits& lim) : msg_(msg), lim_(lim) {}

    // The entity starting at `begin`; `out` tells where and why it stopped.
    body_part entity(std::size_t begin, unsigned depth, bool in_digest, stop_point& out) {
        ++parts_;
        // The header ends at its blank line, or where a delimiter cuts it short
        // (the LF before a delimiter is the delimiter's, even a blank line's).
        std::size_t pos = begin, hdr_end = msg_.size();
        bool cut = true;
        out = {msg_.size(), -1, false};
        while (pos < msg_.size()) {
            if (match(pos, out)) {
                hdr_end = content_end(pos, begin);
                break;
            }
            if (msg_[pos] == '\n' || (msg_[pos] == '\r' && pos + 1 < msg_.size() && msg_[pos + 1] == '\n')) {
                hdr_end = line_end(pos);
                cut = false;
                break;
            }
            pos = line_end(pos);
        }
        const auto header = msg_.slice(begin, hdr_end - begin);
        auto cf = detail::read_content_fields(detail::split_header(header), in_digest);
        const bool room = depth < lim_.max_depth && parts_ < lim_.max_parts;
        if (!cut) {
            // A blank line right before an outer delimiter is that
            // delimiter's LF: the part is cut there (its own first delimiter,
            // if it is a multipart, does not count).
            const bool own = room && cf.boundary && ascii_iequals(cf.part.type, "multipart");
            if (own) stack_.push_back(*cf.boundary);
            stop_point next;
            if (match(hdr_end, next) && !(own && next.which == static_cast<int>(stack_.size()) - 1)) {
                out = next;
                hdr_end = content_end(hdr_end, begin);
                cut = true;
            }
            if (own) stack_.pop_back();
        }
        body_part p = std::move(cf.part);
        p.header_offset = begin;
        p.header_length = hdr_end - begin;
        p.body_offset = hdr_end;

        std::size_t body_end = hdr_end;
        if (ascii_iequals(p.type, "multipart")) {
            if (!room) {
                make_opaque(p);  // too deep or too many parts: one leaf, as Dovecot does
                if (!cut) body_end = scan(hdr_end, out);
            } else {
                if (!cut) body_end = cf.boundary ? multipart(p, *cf.boundary, depth, out) : scan(hdr_end, out);
                // RFC 9051 body-type-mpart needs a part: no boundary or no
                // delimiter gives one empty text/plain part, as Dovecot gives.
                if (p.children.empty()) p.children.push_back(empty_text_part(hdr_end));
            }
        } else if (ascii_iequals(p.type, "message") && ascii_iequals(p.subtype, "rfc822")) {
            // RFC 9051 body-type-msg: message/rfc822 always carries an envelope
            // and a body, whatever its encoding (Dovecot parses it the same way).
            if (!room) {
                make_opaque(p);
                if (!cut) body_end = scan(hdr_end, out);
            } else if (cut) {
                p.children.push_back(empty_text_part(hdr_end));
                p.embedded = envelope{};
            } else {
                p.children.push_back(entity(hdr_end, depth + 1, false, out));
                const auto& inner = p.children.front();
                body_end = inner.body_offset + inner.body_length;
                p.embedded = envelope_from_header(msg_.slice(inner.header_offset, inner.header_length));
            }
        } else if (!cut) {
            body_end = scan(hdr_end, out);
        }
        p.body_length = body_end - hdr_end;
        p.header_size = msg_.crlf_size(begin, p.header_length);
        const auto counted = msg_.counts(hdr_end, p.body_length);  // one pass over a body of any size
        p.body_size = counted.crlf_size;
        p.body_lines = counted.lines;
        return p;
    }

private:
    std::size_t line_end(std::size_t pos) const { return msg_.line_end(pos); }

    // Is the line at `pos` a delimiter of an open multipart (innermost first)?
    bool match(std::size_t pos, stop_point& out) const {
        if (stack_.empty() || pos >= msg_.size() || msg_.size() - pos < 2 || msg_[pos] != '-' || msg_[pos + 1] != '-')
            return false;
        for (auto i = static_cast<int>(stack_.size()) - 1; i >= 0; --i) {
            const auto& b = stack_[static_cast<std::size_t>(i)];
            if (msg_.size() - pos - 2 < b.size() || !msg_.equals(pos + 2, b)) continue;
            const auto after = pos + 2 + b.size();
            out = {pos, i, msg_.equals(after, "--")};
            return true;
        }
        return false;
    }

    // The content from `from` up to the next delimiter (its LF belongs to the
    // delimiter, RFC 2046 §5.1.1) or the end; returns where the content ends.
    std::size_t scan(std::size_t from, stop_point& out) const {
        for (std::size_t pos = from; pos < msg_.size(); pos = line_end(pos))
            if (match(pos, out)) return content_end(pos, from);
        out = {msg_.size(), -1, false};
        return msg_.size();
    }

    std::size_t content_end(std::size_t line, std::size_t from) const {
        std::size_t end = line;
        if (end > from && msg_[end - 1] == '\n') {
            --end;
            if (end > from && msg_[end - 1] == '\r') --end;
        }
        return end;
    }

    // A multipart's body from its preamble to where it stops; returns its end.
    std::size_t multipart(body_part& p, const std::string& boundary, unsigned depth, stop_point& out) {
        const bool digest = ascii_iequals(p.subtype, "digest");
        stack_.push_back(boundary);
        const int me = static_cast<int>(stack_.size()) - 1;
        stop_point s;
        scan(p.body_offset, s);  // the preamble
        while (s.which == me && !s.close) {
            const auto start = line_end(s.line);
            if (parts_ >= lim_.max_parts) scan(start, s);  // counted no more: skipped
            else p.children.push_back(entity(start, depth + 1, digest, s));
        }
        stack_.pop_back();
        if (s.which == me) {
            // Closed: the epilogue runs to an outer delimiter; an empty one
            // leaves the close line its LF (Dovecot's BODY[n] of it).
            return scan(line_end(s.line), out);
        }
        out = s;  // an outer delimiter (or the end) came first
        return s.which < 0 ? msg_.size() : content_end(s.line, p.body_offset);
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

    Text& msg_;
    parse_limits lim_;
    std::size_t parts_ = 0;
    std::vector<std::string> stack_;  // boundaries of the open multiparts, outermost first
};

template <class Text>
message_structure parse(Text& text, const parse_limits& limits) {
    builder<Text> b(text, limits);
    message_structure m;
    stop_point end;
    m.body = b.entity(0, 0, false, end);
    m.env = envelope_from_header(text.slice(0, m.body.header_length));
    return m;
}

}  // namespace

message_structure parse_message(std::string_view stored, const parse_limits& limits) {
    detail::memory_text text(stored);
    return parse(text, limits);
}

result<message_structure> parse_message(std::uint64_t size, const read_function& read, const parse_limits& limits) {
    detail::window_text text(size, read);
    auto m = parse(text, limits);
    if (text.failed()) return text.failed();
    return m;
}

}  // namespace mailroom::mime
