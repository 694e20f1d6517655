#include "mail/trace_headers.hpp"

#include <ctime>

namespace mailroom::mail {
namespace {

// Printable ASCII without parentheses, backslash or quote: safe inside a
// comment or as a bare word; everything else becomes '?'. Bounded length.
std::string sanitised(std::string_view s, std::size_t max = 255) {
    std::string out;
    for (unsigned char c : s.substr(0, max)) {
        if (c > 0x20 && c < 0x7f && c != '(' && c != ')' && c != '\\' && c != '"' && c != ';')
            out += static_cast<char>(c);
        else out += '?';
    }
    return out.empty() ? "unknown" : out;
}

// The text of an RFC 5322 §3.2.2 comment: printable ASCII and single spaces
// kept, '(' ')' and backslash as quoted-pairs, any other byte (CR, LF, controls,
// 8-bit) '?' so the field cannot be broken. Bounded length.
std::string comment_text(std::string_view s, std::size_t max = 255) {
    std::string out;
    for (unsigned char c : s.substr(0, max)) {
        if (c == '(' || c == ')' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == ' ') {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else if (c > 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            out += '?';
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out.empty() ? "unknown" : out;
}

// "TLSv1.3 TLS_AES_256_GCM_SHA384" (byte_stream::tls_description) as
// "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384", as Postfix writes it
// (RFC 8314 §4.3: the TLS facts may be recorded in a Received: comment).
std::string tls_comment(std::string_view description) {
    const auto space = description.find(' ');
    if (space == std::string_view::npos) return comment_text(description, 128);
    return comment_text(description.substr(0, space), 32) + " with cipher " +
           comment_text(description.substr(space + 1), 96);
}

}  // namespace

std::string with_protocol(const received_info& r) {
    std::string p = r.smtputf8 ? "UTF8SMTP" : (r.esmtp ? "ESMTP" : "SMTP");
    if (r.tls) p += "S";
    if (!r.auth_user.empty()) p += "A";
    if (p == "SMTPS" || p == "SMTPA" || p == "SMTPSA") p = "E" + p;  // RFC 3848 names only exist for ESMTP
    return p;
}

std::string received_header(const received_info& r) {
    std::string h = "Received: from " + sanitised(r.helo) + " ([" + sanitised(r.client_address, 64) + "])\r\n";
    if (r.tls) h += "\t(using " + tls_comment(r.tls_description) + ")\r\n";
    if (!r.auth_user.empty()) h += "\t(Authenticated sender: " + comment_text(r.auth_user) + ")\r\n";
    h += "\tby " + sanitised(r.by_host) + " (mailroom) with " + with_protocol(r) + " id " + sanitised(r.queue_id, 64);
    if (!r.recipient.empty()) h += "\r\n\tfor <" + sanitised(r.recipient) + ">";
    h += "; " + rfc5322_date(r.when) + "\r\n";
    return h;
}

std::string return_path_header(std::string_view sender) { return "Return-Path: <" + std::string(sender) + ">\r\n"; }

std::string rfc5322_date(std::chrono::system_clock::time_point t) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);  // "C" locale names
    return buf;
}

}  // namespace mailroom::mail
