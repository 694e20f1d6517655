// JSON rendering of stored messages for the sandbox's HTTP API (see
// http_api_json.hpp). Decoding is mime::search_text's; nothing here reads files.
#include "sandbox/http_api_json.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <functional>

#include "mail/mime/binary.hpp"
#include "mail/mime/detail/utf8.hpp"
#include "mail/mime/search_text.hpp"

namespace mailroom::sandbox {

namespace {

// Every string the API puts in JSON is valid UTF-8 (RFC 8259 §8.1): raw header
// names and parameters of a hostile message need not be (found by dev_api_render_fuzz).
std::string utf8(std::string_view s) { return mime::detail::valid_utf8(s); }

std::string_view header_block(std::string_view stored, const mime::message_structure& m) {
    auto off = std::min<std::uint64_t>(m.body.header_offset, stored.size());
    return stored.substr(off, std::min<std::uint64_t>(m.body.header_length, stored.size() - off));
}

std::string joined(std::string_view header, std::string_view name) {
    std::string out;
    for (const auto& v : mime::header_field_values(header, name)) {
        if (!out.empty()) out += ", ";
        out += utf8(mime::decode_header_text(v));
    }
    return out;
}

// Cut at a UTF-8 character boundary at or below max; true when cut.
bool bound_utf8(std::string& s, std::size_t max) {
    if (s.size() <= max) return false;
    std::size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    s.resize(n);
    return true;
}

void for_each_leaf(const mime::body_part& p, const std::function<void(const mime::body_part&)>& f) {
    if (p.children.empty()) {
        f(p);
        return;
    }
    for (const auto& c : p.children) for_each_leaf(c, f);
}

bool is_attachment(const mime::body_part& p) { return p.disp && mime::ascii_lower(p.disp->type) == "attachment"; }

bool is_subtype(const mime::body_part& p, std::string_view sub) {
    return p.is_text() && mime::ascii_lower(p.subtype) == sub && !is_attachment(p);
}

std::string param(const std::vector<mime::parameter>& ps, std::string_view name) {
    for (const auto& p : ps)
        if (mime::ascii_lower(p.name) == name) return p.value;
    return {};
}

struct header_field {
    std::string name, raw;
};

// The fields of a header block in order; a line starting with SP/HTAB
// continues the previous field (RFC 5322 §2.2.3). At most `max` fields.
std::vector<header_field> header_fields(std::string_view h, std::size_t max) {
    std::vector<header_field> out;
    std::size_t pos = 0;
    while (pos < h.size()) {
        auto end = h.find('\n', pos);
        auto line = h.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        pos = end == std::string_view::npos ? h.size() : end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) break;
        if (line[0] == ' ' || line[0] == '\t') {
            if (!out.empty()) out.back().raw.append(line);  // unfolding drops only the line break
            continue;
        }
        auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) continue;
        if (out.size() == max) break;
        out.push_back({std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
    }
    return out;
}

}  // namespace

search_facts message_facts(std::string_view stored, const mime::message_structure& m, std::size_t max_text) {
    search_facts f;
    auto h = header_block(stored, m);
    f.from = joined(h, "from");
    f.to = joined(h, "to");
    auto cc = joined(h, "cc");
    if (!cc.empty()) f.to += (f.to.empty() ? "" : ", ") + cc;
    f.subject = joined(h, "subject");
    auto dates = mime::header_field_values(h, "date");
    if (!dates.empty()) f.date = mime::sent_date(dates.front());
    for_each_leaf(m.body, [&](const mime::body_part& p) {
        if (!p.is_text() || f.text.size() >= max_text) return;
        if (!f.text.empty()) f.text += '\n';
        f.text += utf8(mime::decode_text_body(stored, p));
        bound_utf8(f.text, max_text);
    });
    return f;
}

boost::json::object summary_json(std::string_view id, std::string_view mailbox, std::uint64_t size,
                                 std::string_view stored, const search_facts& f) {
    boost::json::object o;
    o["id"] = utf8(id);
    o["mailbox"] = utf8(mailbox);
    o["size"] = size;
    o["from"] = f.from;
    o["to"] = f.to;
    o["subject"] = f.subject;
    auto h = stored.substr(0, std::min(stored.find("\n\n"), stored.size()));
    auto dates = mime::header_field_values(h, "date");
    if (dates.empty()) o["date"] = nullptr;
    else o["date"] = utf8(mime::decode_header_text(dates.front()));
    return o;
}

boost::json::object detail_json(std::string_view id, std::string_view mailbox, std::string_view stored,
                                const mime::message_structure& m, const render_limits& lim) {
    auto facts = message_facts(stored, m, 0);
    auto o = summary_json(id, mailbox, stored.size(), stored, facts);
    boost::json::array headers;
    for (auto& fld : header_fields(header_block(stored, m), lim.max_headers)) {
        auto v = utf8(mime::decode_header_text(fld.raw));
        bound_utf8(v, lim.max_header_bytes);
        headers.push_back(boost::json::object{{"name", utf8(fld.name)}, {"value", v}});
    }
    o["headers"] = std::move(headers);
    o["text"] = nullptr;
    o["html"] = nullptr;
    o["text_truncated"] = false;
    o["html_truncated"] = false;
    boost::json::array parts;
    std::size_t n = 0;
    for_each_leaf(m.body, [&](const mime::body_part& p) {
        ++n;
        for (std::string_view sub : {"plain", "html"}) {
            auto key = sub == "plain" ? std::string_view("text") : std::string_view("html");
            if (is_subtype(p, sub) && o[key].is_null()) {
                auto t = utf8(mime::decode_text_body(stored, p));
                o[std::string(key) + "_truncated"] = bound_utf8(t, lim.max_text_bytes);
                o[key] = t;
            }
        }
        auto size = mime::binary_size(stored, p);
        parts.push_back(boost::json::object{{"part", n},
                                            {"content_type", part_content_type(p)},
                                            {"filename", part_filename(p)},
                                            {"size", size.unknown_cte ? p.body_length : size.size},
                                            {"attachment", is_attachment(p) || !p.is_text()}});
    });
    o["parts"] = std::move(parts);
    return o;
}

const mime::body_part* leaf_part(const mime::message_structure& m, std::size_t n) {
    const mime::body_part* found = nullptr;
    std::size_t i = 0;
    for_each_leaf(m.body, [&](const mime::body_part& p) {
        if (++i == n) found = &p;
    });
    return found;
}

std::string part_content_type(const mime::body_part& p) {
    auto ct = mime::ascii_lower(p.type) + "/" + mime::ascii_lower(p.subtype);
    // Only tokens go into the header we send (RFC 9110 §8.3.1): no CR/LF/quote smuggling.
    for (char c : ct)
        if (!(std::isalnum(static_cast<unsigned char>(c)) ||
              std::string_view("/!#$&^_.+-").find(c) != std::string_view::npos))
            return "application/octet-stream";
    auto cs = mime::ascii_lower(param(p.params, "charset"));
    bool cs_ok = !cs.empty() && cs.size() <= 64 && std::all_of(cs.begin(), cs.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':';
    });
    return cs_ok ? ct + "; charset=" + cs : ct;
}

std::string part_filename(const mime::body_part& p) {
    std::string name;
    if (p.disp) name = param(p.disp->params, "filename");
    if (name.empty()) name = param(p.params, "name");
    return name.empty() ? name : utf8(mime::decode_header_text(name));
}

std::string error_json(std::string_view message) {
    return boost::json::serialize(boost::json::object{{"error", utf8(message)}});
}

}  // namespace mailroom::sandbox
