// Content-* fields through GMime (see content_fields.hpp).
#include "mail/mime/detail/content_fields.hpp"

#include <gmime/gmime.h>

#include <memory>

#include "mail/mime/detail/gmime_init.hpp"

namespace mailroom::mime::detail {

namespace {

struct gobject_unref {
    void operator()(gpointer p) const noexcept { g_object_unref(p); }
};
template <class T>
using gobject_ptr = std::unique_ptr<T, gobject_unref>;

bool printable_ascii(std::string_view s) noexcept {
    for (char c : s)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) return false;
    return true;
}

// GMime hands back parameter values decoded to UTF-8. One that is not plain
// ASCII goes back out RFC 2231-encoded (name*=utf-8''%XX), so BODYSTRUCTURE
// stays 7-bit and the client can still decode it.
parameter imap_parameter(std::string_view name, std::string_view value) {
    if (printable_ascii(value)) return {std::string(name), std::string(value)};
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string enc = "utf-8''";
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        // RFC 2231 §7 attribute-char: no specials, '*', '\'' or '%'.
        if (u > 0x20 && u < 0x7f && std::string_view("()<>@,;:\\\"/[]?=*'%").find(c) == std::string_view::npos) {
            enc.push_back(c);
        } else {
            enc.push_back('%');
            enc.push_back(hex[u >> 4]);
            enc.push_back(hex[u & 15]);
        }
    }
    return {std::string(name) + "*", enc};
}

std::vector<parameter> read_params(GMimeParamList* list) {
    std::vector<parameter> out;
    if (list == nullptr) return out;
    const int n = g_mime_param_list_length(list);
    for (int i = 0; i < n; ++i) {
        GMimeParam* p = g_mime_param_list_get_parameter_at(list, i);
        const char* name = g_mime_param_get_name(p);
        const char* value = g_mime_param_get_value(p);
        if (name == nullptr || *name == '\0') continue;
        out.push_back(imap_parameter(name, value ? value : ""));
    }
    return out;
}

// Content-Language is a list of language tags (RFC 3282 §2).
std::vector<std::string> split_languages(std::string_view v) {
    std::vector<std::string> out;
    std::string cur;
    int comment = 0;
    for (char c : v) {
        if (c == '(') ++comment;
        else if (c == ')' && comment > 0) --comment;
        else if (comment > 0) continue;
        else if (c == ',' || c == ' ' || c == '\t') {
            if (!cur.empty()) out.push_back(std::move(cur));
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    if (!cur.empty()) out.push_back(std::move(cur));
    // RFC 3066 §2.1 Language-Tag = Primary-subtag *("-" Subtag), 1*8 alphanumerics
    // each; a list holding anything else is dropped whole, as Dovecot drops it.
    for (const auto& tag : out) {
        std::size_t run = 0;
        for (char c : tag) {
            const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (alnum && ++run <= 8) continue;
            if (c == '-' && run > 0) {
                run = 0;
                continue;
            }
            return {};
        }
        if (run == 0) return {};
    }
    return out;
}

// Only the token: comments and junk after it are dropped ("base64 (x)").
// A value that is no RFC 2045 §5.1 token leaves the default, as in Dovecot.
std::string encoding_token(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (c == ' ' || c == '\t' || c == '(' || c == ';') break;
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || std::string_view("()<>@,;:\\\"/[]?=").find(c) != std::string_view::npos)
            return {};
        out.push_back(c);
    }
    return out;
}

}  // namespace

content_fields read_content_fields(const std::vector<header_field>& fields, bool in_digest) {
    ensure_gmime();
    content_fields out;
    body_part& p = out.part;
    const auto ct = first_field(fields, "Content-Type");
    gobject_ptr<GMimeContentType> type;
    if (ct) type.reset(g_mime_content_type_parse(parser_options(), ct->c_str()));
    const char* media = type ? g_mime_content_type_get_media_type(type.get()) : nullptr;
    const char* sub = type ? g_mime_content_type_get_media_subtype(type.get()) : nullptr;
    // A Content-Type that gives no type/subtype counts as missing (RFC 2045 §5.2).
    if (ct && media != nullptr && sub != nullptr && *media != '\0' && *sub != '\0' &&
        ct->find('/') != std::string::npos) {
        p.type = media;
        p.subtype = sub;
        p.params = read_params(g_mime_content_type_get_parameters(type.get()));
        if (const char* b = g_mime_content_type_get_parameter(type.get(), "boundary"); b != nullptr && *b != '\0')
            out.boundary = b;
        // RFC 2045 §5.2: text/* without charset is us-ascii; said explicitly, as Dovecot does.
        if (ascii_iequals(p.type, "text") && g_mime_content_type_get_parameter(type.get(), "charset") == nullptr)
            p.params.push_back({"charset", "us-ascii"});
    } else if (in_digest) {
        p.type = "message";
        p.subtype = "rfc822";
    } else {
        p.type = "text";
        p.subtype = "plain";
        p.params = {{"charset", "us-ascii"}};
    }
    p.id = first_field(fields, "Content-ID");
    p.description = first_field(fields, "Content-Description");
    p.md5 = first_field(fields, "Content-MD5");
    p.location = first_field(fields, "Content-Location");
    if (auto cte = first_field(fields, "Content-Transfer-Encoding")) {
        auto tok = encoding_token(*cte);
        if (!tok.empty()) p.encoding = std::move(tok);
    }
    if (auto cd = first_field(fields, "Content-Disposition")) {
        gobject_ptr<GMimeContentDisposition> d(g_mime_content_disposition_parse(parser_options(), cd->c_str()));
        const char* dt = d ? g_mime_content_disposition_get_disposition(d.get()) : nullptr;
        if (dt != nullptr && *dt != '\0')
            p.disp = disposition{dt, read_params(g_mime_content_disposition_get_parameters(d.get()))};
    }
    if (auto cl = first_field(fields, "Content-Language")) p.language = split_languages(*cl);
    return out;
}

}  // namespace mailroom::mime::detail
