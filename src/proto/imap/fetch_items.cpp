// imap::parse_fetch_items: fetch-att, the macros and section specs of
// RFC 9051 §6.4.5 / §9 (with RFC 3501's RFC822.* and RFC 3516's BINARY).
#include "proto/imap/fetch_items.hpp"

#include <string_view>

#include "common/ascii.hpp"
#include "proto/common/keyword.hpp"
#include "proto/imap/detail/cursor.hpp"
#include "proto/imap/sequence_set.hpp"

namespace mailroom::imap {
namespace {

fetch_item simple(fetch_attribute a) { return fetch_item{a, false, {}, std::nullopt}; }

struct plain_name {
    std::string_view name;
    fetch_attribute what;
};
constexpr plain_name plain_names[] = {
    {"ENVELOPE", fetch_attribute::envelope},
    {"FLAGS", fetch_attribute::flags},
    {"INTERNALDATE", fetch_attribute::internaldate},
    {"RFC822", fetch_attribute::rfc822},
    {"RFC822.HEADER", fetch_attribute::rfc822_header},
    {"RFC822.SIZE", fetch_attribute::rfc822_size},
    {"RFC822.TEXT", fetch_attribute::rfc822_text},
    {"BODY", fetch_attribute::body},
    {"BODYSTRUCTURE", fetch_attribute::bodystructure},
    {"UID", fetch_attribute::uid},
    {"MODSEQ", fetch_attribute::modseq},  // RFC 7162 §3.1.4
};

struct section_name {
    std::string_view prefix;  // up to and including "["
    fetch_attribute what;
    bool peek;
};
constexpr section_name section_names[] = {
    {"BODY[", fetch_attribute::body_section, false},       {"BODY.PEEK[", fetch_attribute::body_section, true},
    {"BINARY[", fetch_attribute::binary, false},           {"BINARY.PEEK[", fetch_attribute::binary, true},
    {"BINARY.SIZE[", fetch_attribute::binary_size, false},
};

// section-part ["." section-text] / section-msgtext, without the brackets
// and without HEADER.FIELDS[.NOT]'s header-list (the next argument).
std::optional<section_spec> parse_section(std::string_view s, bool binary) {
    section_spec spec;
    while (!s.empty() && s[0] >= '0' && s[0] <= '9') {
        const auto dot = s.find('.');
        const auto n = parse_nz_number(s.substr(0, dot));
        if (!n) return std::nullopt;
        spec.part.push_back(*n);
        if (dot == std::string_view::npos) {
            s = {};
            break;
        }
        s.remove_prefix(dot + 1);
        if (s.empty()) return std::nullopt;  // "1." ends in a dot
    }
    if (s.empty()) return spec;
    if (binary) return std::nullopt;  // RFC 3516 §4.2: section-binary is parts only
    if (proto::keyword_equals(s, "HEADER")) spec.text = section_text::header;
    else if (proto::keyword_equals(s, "TEXT")) spec.text = section_text::text;
    else if (proto::keyword_equals(s, "MIME") && !spec.part.empty())
        spec.text = section_text::mime;  // section-text: MIME only after a part
    else if (proto::keyword_equals(s, "HEADER.FIELDS")) spec.text = section_text::header_fields;
    else if (proto::keyword_equals(s, "HEADER.FIELDS.NOT")) spec.text = section_text::header_fields_not;
    else return std::nullopt;
    return spec;
}

// "<" number "." nz-number ">" (RFC 9051 §9, number64 there).
std::optional<partial_range> parse_partial(std::string_view s) {
    if (s.size() < 5 || s.front() != '<' || s.back() != '>') return std::nullopt;
    s = s.substr(1, s.size() - 2);
    const auto dot = s.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    const auto offset = parse_number(s.substr(0, dot), INT64_MAX);
    const auto length = parse_number(s.substr(dot + 1), INT64_MAX);
    if (!offset || !length || *length == 0) return std::nullopt;
    return partial_range{*offset, *length};
}

// One fetch-att from c (it may span an atom, a header list and a glued "]").
std::optional<fetch_item> parse_one(detail::cursor& c) {
    const argument* a = c.next();
    if (!a || a->kind != argument_kind::atom || a->glued) return std::nullopt;
    for (const auto& p : plain_names)
        if (proto::keyword_equals(a->text, p.name)) return simple(p.what);
    for (const auto& p : section_names) {
        if (!proto::keyword_prefix(a->text, p.prefix)) continue;
        fetch_item item{p.what, p.peek, {}, std::nullopt};
        std::string_view rest = std::string_view(a->text).substr(p.prefix.size());
        const auto close = rest.find(']');
        auto spec = parse_section(rest.substr(0, close), p.what != fetch_attribute::body_section);
        if (!spec) return std::nullopt;
        const bool wants_list = spec->text == section_text::header_fields ||
                                spec->text == section_text::header_fields_not;
        if (wants_list != (close == std::string_view::npos)) return std::nullopt;
        if (wants_list) {
            // header-list = "(" header-fld-name *(SP header-fld-name) ")"
            const argument* list = c.next();
            if (!list || list->kind != argument_kind::list || list->children.empty()) return std::nullopt;
            for (const auto& f : list->children) {
                auto name = detail::astring_of(f);
                if (!name || name->empty() || f.glued) return std::nullopt;
                spec->fields.push_back(std::move(*name));
            }
            const argument* tail = c.next();
            if (!tail || tail->kind != argument_kind::atom || !tail->glued || tail->text.empty() ||
                tail->text[0] != ']')
                return std::nullopt;
            rest = tail->text;
        } else {
            rest = rest.substr(close);
        }
        rest.remove_prefix(1);  // the "]"
        item.section = std::move(*spec);
        if (!rest.empty()) {
            if (p.what == fetch_attribute::binary_size) return std::nullopt;  // no partial for a size
            item.partial = parse_partial(rest);
            if (!item.partial) return std::nullopt;
        }
        return item;
    }
    return std::nullopt;
}

}  // namespace

std::optional<fetch_items_result> parse_fetch_items(std::span<const argument> args) {
    if (args.empty()) return std::nullopt;
    fetch_items_result out;
    const argument& first = args.front();
    using fa = fetch_attribute;
    if (is_keyword(first, "ALL")) {  // RFC 9051 §6.4.5 macros
        out.items = {simple(fa::flags), simple(fa::internaldate), simple(fa::rfc822_size), simple(fa::envelope)};
    } else if (is_keyword(first, "FAST")) {
        out.items = {simple(fa::flags), simple(fa::internaldate), simple(fa::rfc822_size)};
    } else if (is_keyword(first, "FULL")) {
        out.items = {simple(fa::flags), simple(fa::internaldate), simple(fa::rfc822_size), simple(fa::envelope),
                     simple(fa::body)};
    } else if (first.kind == argument_kind::list) {
        if (first.children.empty()) return std::nullopt;
        detail::cursor c(first.children);
        while (!c.done()) {
            auto item = parse_one(c);
            if (!item) return std::nullopt;
            out.items.push_back(std::move(*item));
        }
    } else {
        detail::cursor c(args);
        auto item = parse_one(c);
        if (!item) return std::nullopt;
        out.items.push_back(std::move(*item));
        out.used = c.position();
        return out;
    }
    out.used = 1;
    return out;
}

}  // namespace mailroom::imap
