// Content-Transfer-Encoding decoding for BINARY (see binary.hpp).
#include "mail/mime/binary.hpp"

#include <gmime/gmime.h>

#include "mail/mime/crlf.hpp"
#include "mail/mime/detail/gmime_init.hpp"
#include "mail/mime/detail/header_fields.hpp"

namespace mailroom::mime {

namespace {

enum class cte { identity, base64, quoted_printable, unknown };

cte classify(std::string_view e) {
    using detail::ascii_iequals;
    if (ascii_iequals(e, "7bit") || ascii_iequals(e, "8bit") || ascii_iequals(e, "binary")) return cte::identity;
    if (ascii_iequals(e, "base64")) return cte::base64;
    if (ascii_iequals(e, "quoted-printable")) return cte::quoted_printable;
    return cte::unknown;
}

// Decodes in bounded steps so the scratch buffer never exceeds one chunk's worth.
std::string gmime_decode(std::string_view in, GMimeContentEncoding enc) {
    detail::ensure_gmime();
    GMimeEncoding state;
    g_mime_encoding_init_decode(&state, enc);
    std::string out;
    std::string buf;
    constexpr std::size_t chunk = 64 * 1024;
    for (std::size_t pos = 0; pos < in.size(); pos += chunk) {
        const auto piece = in.substr(pos, chunk);
        buf.resize(g_mime_encoding_outlen(&state, piece.size()));
        const auto n = g_mime_encoding_step(&state, piece.data(), piece.size(), buf.data());
        out.append(buf.data(), n);
    }
    buf.resize(g_mime_encoding_outlen(&state, 0) + 16);
    const auto n = g_mime_encoding_flush(&state, nullptr, 0, buf.data());
    out.append(buf.data(), n);
    return out;
}

std::string_view body_of(std::string_view stored, const body_part& p) {
    if (p.body_offset >= stored.size()) return {};
    return stored.substr(p.body_offset, p.body_length);
}

}  // namespace

binary_content decode_binary(std::string_view stored, const body_part& part) {
    binary_content out;
    const auto body = body_of(stored, part);
    switch (classify(part.encoding)) {
        case cte::identity: append_crlf(out.bytes, body); break;
        case cte::base64: out.bytes = gmime_decode(body, GMIME_CONTENT_ENCODING_BASE64); break;
        case cte::quoted_printable: {
            // QP line breaks are CRLF in the canonical form (RFC 2045 §6.7 rule 4).
            std::string canonical;
            append_crlf(canonical, body);
            out.bytes = gmime_decode(canonical, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
            break;
        }
        case cte::unknown: out.unknown_cte = true; break;
    }
    return out;
}

binary_size_result binary_size(std::string_view stored, const body_part& part) {
    const auto kind = classify(part.encoding);
    if (kind == cte::identity) return {false, part.body_size};
    const auto d = decode_binary(stored, part);
    return {d.unknown_cte, d.bytes.size()};
}

}  // namespace mailroom::mime
