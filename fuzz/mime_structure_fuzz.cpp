// Fuzzes the MIME structure path on a random stored message: parse_message,
// then for every part reachable by numbers (two levels deep) every section
// form, BINARY decoding, the ENVELOPE/BODYSTRUCTURE renderers and the cache
// serialisation. Invariants: the parse over windows (short reads) gives the
// same structure as over the whole message; every range lies inside it and every
// size equals the bytes it announces (CRLF form); the cache blob reads back
// equal; nothing crashes, leaks or reads out of bounds (ASan/UBSan).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "mail/mime/binary.hpp"
#include "mail/mime/casemap.hpp"
#include "mail/mime/crlf.hpp"
#include "mail/mime/parser.hpp"
#include "mail/mime/search_text.hpp"
#include "mail/mime/section.hpp"
#include "mail/mime/serialize.hpp"
#include "proto/imap/structure_render.hpp"

namespace {

using namespace mailroom::mime;

void check(bool ok) {
    if (!ok) std::abort();
}

void check_part(std::string_view msg, const body_part& p) {
    check(p.header_offset + p.header_length == p.body_offset);
    check(p.body_offset + p.body_length <= msg.size());
    check(p.header_size == crlf_size(msg.substr(p.header_offset, p.header_length)));
    check(p.body_size == crlf_size(msg.substr(p.body_offset, p.body_length)));
    check(!p.is_message() || p.children.size() == 1);
    const auto bin = decode_binary(msg, p);
    const auto size = binary_size(msg, p);
    check(bin.unknown_cte == size.unknown_cte && bin.bytes.size() == size.size);
    if (p.is_text()) (void)decode_text_body(msg, p);
    for (const auto& c : p.children) check_part(msg, c);
}

void check_sections(std::string_view msg, const message_structure& m, std::vector<std::uint32_t> part) {
    for (auto t : {section_text::none, section_text::header, section_text::text, section_text::mime,
                   section_text::header_fields, section_text::header_fields_not}) {
        const auto loc = locate_section(m, msg, {part, t, {"subject", "content-type", "x"}});
        if (!loc) continue;
        for (const auto& r : loc->ranges) check(r.offset + r.length <= msg.size());
        check(section_bytes(msg, *loc).size() == loc->size);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view msg(reinterpret_cast<const char*>(data), size);
    const auto m = parse_message(msg, parse_limits{12, 500});
    // Read by windows (short reads of 1-8 octets, so every boundary falls
    // anywhere) the structure is the same.
    const std::size_t piece = 1 + (size ? data[0] % 8 : 0);
    const auto windowed = parse_message(
        msg.size(),
        [&](std::uint64_t o, std::size_t n) -> mailroom::result<std::string> {
            return std::string(msg.substr(static_cast<std::size_t>(o), std::min(n, piece)));
        },
        parse_limits{12, 500});
    check(windowed && serialize(*windowed) == serialize(m));
    check(m.body.header_offset == 0 && m.body.header_size + m.body.body_size == crlf_size(msg));
    check_part(msg, m.body);

    check_sections(msg, m, {});
    for (std::uint32_t a = 0; a <= 3; ++a) {
        check_sections(msg, m, {a});
        for (std::uint32_t b = 1; b <= 3; ++b) check_sections(msg, m, {a, b});
    }

    const auto blob = serialize(m);
    const auto back = deserialize(blob);
    check(back.has_value() && *back == m);

    std::string out;
    mailroom::imap::response_writer w(out);
    mailroom::imap::render_body(w, m.body, true);
    mailroom::imap::render_envelope(w, m.env);
    if (m.env.subject) (void)casemap_contains(decode_header_text(*m.env.subject), "a\xC3\xA9");
    (void)sent_date(m.env.date.value_or(""));
    return 0;
}
