#include "server/imap_fetch.hpp"

#include <algorithm>
#include <cstring>

#include "common/errors.hpp"
#include "mail/mime/binary.hpp"
#include "mail/mime/parser.hpp"
#include "mail/mime/serialize.hpp"
#include "proto/imap/structure_render.hpp"

namespace mailroom::server {
namespace {

constexpr std::size_t cached_structures = 64;                   // per session
constexpr std::string_view structure_key = "mime.structure.1";  // serialize()'s format version
constexpr std::size_t read_piece = 256 * 1024;                  // one read of the stored file

mime::section_spec to_mime(const imap::fetch_item& i) {
    mime::section_spec s;
    switch (i.what) {
        case imap::fetch_attribute::rfc822: return s;
        case imap::fetch_attribute::rfc822_header: s.text = mime::section_text::header; return s;
        case imap::fetch_attribute::rfc822_text: s.text = mime::section_text::text; return s;
        default: break;
    }
    s.part = i.section.part;
    s.fields = i.section.fields;
    switch (i.section.text) {
        case imap::section_text::none: s.text = mime::section_text::none; break;
        case imap::section_text::header: s.text = mime::section_text::header; break;
        case imap::section_text::header_fields: s.text = mime::section_text::header_fields; break;
        case imap::section_text::header_fields_not: s.text = mime::section_text::header_fields_not; break;
        case imap::section_text::text: s.text = mime::section_text::text; break;
        case imap::section_text::mime: s.text = mime::section_text::mime; break;
    }
    return s;
}

// Does this item need the MIME structure (BODY[] and RFC822 alone do not)?
bool needs_structure(const imap::fetch_item& i) {
    using a = imap::fetch_attribute;
    if (i.what == a::rfc822) return false;
    if (i.what == a::body_section) return !i.section.part.empty() || i.section.text != imap::section_text::none;
    return true;
}

// The <partial> window (RFC 9051 §6.4.5): an origin past the end gives "".
void window(std::uint64_t full, const imap::fetch_item& i, std::uint64_t& skip, std::uint64_t& length) {
    skip = 0, length = full;
    if (!i.partial) return;
    skip = std::min(i.partial->offset, full);
    length = std::min(i.partial->length, full - skip);
}

// The octets HEADER.FIELDS[.NOT] of `part` needs: up to the end of that
// part's header, or of its embedded message's (RFC 9051 §6.4.5), not the
// whole file.
std::uint64_t header_end(const mime::message_structure& m, const std::vector<std::uint32_t>& part) {
    if (part.empty()) return m.body.header_length;
    const auto* p = mime::find_part(m.body, part);
    if (!p) return 0;
    std::uint64_t end = p->header_offset + p->header_length;
    for (const auto& c : p->children) end = std::max(end, c.header_offset + c.header_length);
    return end;
}

std::string render(const auto& fn) {
    std::string out;
    imap::response_writer w(out);
    fn(w);
    return out;
}

}  // namespace

const mime::message_structure* message_fetcher::structure(store::mailbox& box, std::uint32_t uid,
                                                          std::uint64_t stored_size, std::string& stored,
                                                          std::error_code& ec) {
    for (const auto& [u, s] : cache_)
        if (u == uid) return &s;
    if (cache_.size() >= cached_structures) cache_.pop_front();
    // The store's per-UID cache: parsed once per message, not once per session.
    if (auto blob = box.cached_blob(uid, structure_key); blob && *blob)
        if (auto m = mime::deserialize(**blob)) {
            cache_.emplace_back(uid, std::move(*m));
            return &cache_.back().second;
        }
    mime::message_structure parsed;
    if (stored.size() >= stored_size) {
        parsed = mime::parse_message(stored);
    } else {
        // Parsed from the file by windows (issue #10 §3): a 30 MiB message
        // with a large attachment is never read whole to learn its structure.
        auto m = mime::parse_message(stored_size,
                                     [&](std::uint64_t offset, std::size_t max) { return box.read(uid, offset, max); });
        if (!m) {
            ec = m.error();
            return nullptr;
        }
        parsed = std::move(*m);
    }
    cache_.emplace_back(uid, std::move(parsed));
    const auto blob = mime::serialize(cache_.back().second);
    // A cache: a structure too large for it, or a failed write, is parsed again next time.
    if (blob.size() <= store::mailbox::max_cached_blob_bytes) (void)box.cache_blob(uid, structure_key, blob);
    return &cache_.back().second;
}

result<imap::fetched_message> message_fetcher::fetch(store::mailbox& box, std::uint32_t uid, std::uint64_t stored_size,
                                                     std::uint64_t crlf_size,
                                                     const std::vector<imap::fetch_item>& items) {
    using a = imap::fetch_attribute;
    uid_ = uid;
    sources_.assign(items.size(), source{});
    imap::fetched_message out;
    std::string stored;  // read only when something needs the bytes themselves
    // The first `n` octets of the message (all of it by default): HEADER.FIELDS
    // of the message itself needs its header only.
    auto need_bytes = [&](std::uint64_t n = ~std::uint64_t{0}) -> std::error_code {
        n = std::min(n, stored_size);
        if (stored.size() >= n) return {};
        auto bytes = box.read(uid, 0, n);
        if (!bytes) return bytes.error();
        stored = std::move(*bytes);
        return {};
    };
    for (std::size_t k = 0; k < items.size(); ++k) {
        const auto& i = items[k];
        imap::fetched_value v;
        const mime::message_structure* m = nullptr;
        if (needs_structure(i)) {
            std::error_code ec;
            m = structure(box, uid, stored_size, stored, ec);
            if (!m) return ec;
        }
        switch (i.what) {
            case a::envelope:
                v.what = imap::fetched_value::kind::text;
                v.text = render([&](imap::response_writer& w) { imap::render_envelope(w, m->env); });
                break;
            case a::body:
            case a::bodystructure:
                v.what = imap::fetched_value::kind::text;
                v.text = render(
                    [&](imap::response_writer& w) { imap::render_body(w, m->body, i.what == a::bodystructure); });
                break;
            case a::binary:
            case a::binary_size: {
                if (auto ec = need_bytes()) return ec;
                const auto* part = i.section.part.empty() ? &m->body : mime::find_part(m->body, i.section.part);
                if (!part) {
                    v.what = imap::fetched_value::kind::nil;  // RFC 3516 §4.2: no such part
                    break;
                }
                if (i.what == a::binary_size) {
                    const auto sz = mime::binary_size(stored, *part);
                    if (sz.unknown_cte) out.unknown_cte = true;
                    v.what = imap::fetched_value::kind::text;
                    v.text = std::to_string(sz.size);
                    break;
                }
                auto content = mime::decode_binary(stored, *part);
                if (content.unknown_cte) out.unknown_cte = true;
                auto& src = sources_[k];
                src.in_memory = true;
                window(content.bytes.size(), i, src.skip, src.remaining);
                src.memory = content.bytes.substr(src.skip, src.remaining);
                src.skip = 0;
                v.what = imap::fetched_value::kind::literal;
                v.size = src.memory.size();
                v.binary = src.memory.find('\0') != std::string::npos;  // RFC 3516 §4.3: literal8
                break;
            }
            default: {  // BODY[...], RFC822, RFC822.HEADER, RFC822.TEXT
                auto& src = sources_[k];
                std::uint64_t full = 0;
                if (!m) {  // the whole message: no structure needed
                    src.ranges.push_back({0, stored_size});
                    full = crlf_size;
                } else {
                    const auto spec = to_mime(i);
                    if (spec.text == mime::section_text::header_fields ||
                        spec.text == mime::section_text::header_fields_not)
                        if (auto ec = need_bytes(header_end(*m, spec.part))) return ec;
                    auto located = mime::locate_section(*m, stored, spec);
                    if (!located) {
                        // RFC 9051 §6.4.5: a part that does not exist is sent empty.
                        v.what = imap::fetched_value::kind::literal;
                        break;
                    }
                    const bool held = !located->ranges.empty() && [&] {
                        for (const auto& r : located->ranges)
                            if (r.offset + r.length > stored.size()) return false;
                        return true;
                    }();
                    if (held && located->size < read_piece) {
                        src.in_memory = true;
                        src.memory = mime::section_bytes(stored, *located);
                    } else {
                        src.ranges = std::move(located->ranges);
                        src.blank_line = located->blank_line;
                    }
                    full = located->size;
                }
                window(full, i, src.skip, src.remaining);
                if (src.in_memory) {
                    src.memory = src.memory.substr(src.skip, src.remaining);
                    src.skip = 0;
                }
                v.what = imap::fetched_value::kind::literal;
                v.size = src.remaining;
                break;
            }
        }
        out.values.push_back(std::move(v));
    }
    return out;
}

result<std::string> message_fetcher::next_chunk(store::mailbox& box, std::size_t item, std::size_t max) {
    if (item >= sources_.size()) return std::string();
    auto& src = sources_[item];
    std::string out;
    if (src.in_memory) {
        const auto n = std::min<std::uint64_t>(max, src.remaining);
        out = src.memory.substr(src.memory.size() - src.remaining, n);
        src.remaining -= n;
        return out;
    }
    // The ranges in CRLF form, NUL as 0x80 (as mime::section_bytes), the
    // first `skip` octets dropped, at most `remaining` sent. By runs of
    // bytes, not byte by byte: this loop is most of FETCH BODY[]'s CPU.
    auto put = [&](std::string_view run) {
        const auto skipped = std::min<std::uint64_t>(src.skip, run.size());
        run.remove_prefix(static_cast<std::size_t>(skipped));
        src.skip -= skipped;
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(run.size(), src.remaining));
        const auto at = out.size();
        out.append(run.data(), n);
        for (auto* p = out.data() + at; (p = static_cast<char*>(std::memchr(p, '\0', out.data() + out.size() - p)));)
            *p++ = '\x80';
        src.remaining -= n;
    };
    auto emit = [&](char c) { put(std::string_view(&c, 1)); };
    while (src.remaining && out.size() < max) {
        if (src.range >= src.ranges.size()) {
            if (src.blank_line && !src.blank_sent) {
                src.blank_sent = true;
                emit('\r');
                emit('\n');
                continue;
            }
            break;
        }
        const auto& r = src.ranges[src.range];
        if (src.pos >= r.length) {
            ++src.range, src.pos = 0;
            continue;
        }
        const auto want = std::min<std::uint64_t>(read_piece, r.length - src.pos);
        // One byte before, to know whether a LF already has its CR.
        const std::uint64_t back = src.pos ? 1 : 0;
        auto bytes = box.read(uid_, r.offset + src.pos - back, static_cast<std::size_t>(want + back));
        if (!bytes) return bytes.error();
        if (bytes->size() <= back) return make_error_code(errc::not_found);  // shorter than it was
        const std::string_view got(*bytes);
        for (std::size_t j = back; j < got.size();) {
            const auto nl = std::min(got.find('\n', j), got.size());
            put(got.substr(j, nl - j));
            if (nl == got.size()) break;
            put(nl == 0 || got[nl - 1] != '\r' ? std::string_view("\r\n") : std::string_view("\n"));
            j = nl + 1;
        }
        src.pos += bytes->size() - back;
    }
    return out;
}

}  // namespace mailroom::server
