#include "mail/dsn.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include "mail/detail/dsn_fields.hpp"
#include "mail/detail/returned_message.hpp"
#include "mail/trace_headers.hpp"

namespace mailroom::mail {
namespace {

using detail::one_line;
using queue::recipient;

constexpr std::size_t max_address_bytes = 512;  // longer than any valid path (RFC 5321 §4.5.3.1.3)
constexpr std::size_t max_envid_bytes = 100;    // RFC 3461 §4.4

bool wants(const recipient& r, dsn_kind kind) {
    if (r.notify & recipient::notify_never) return false;
    switch (kind) {
        case dsn_kind::failure: return r.notify == 0 || (r.notify & recipient::notify_failure);
        case dsn_kind::delay: return r.notify == 0 || (r.notify & recipient::notify_delay);
        case dsn_kind::delivered:
        case dsn_kind::relayed: return (r.notify & recipient::notify_success) != 0;
    }
    return false;
}

std::string_view action_name(dsn_kind kind) {
    switch (kind) {
        case dsn_kind::failure: return "failed";
        case dsn_kind::delay: return "delayed";
        case dsn_kind::delivered: return "delivered";
        case dsn_kind::relayed: return "relayed";
    }
    return "failed";
}

// The status class an action allows (RFC 3464 §2.3.4 with RFC 3463 §3.1):
// a failure may be permanent (5) or a transient one that outlived the
// queue (4); the rest have exactly one class.
bool class_fits(char status_class, dsn_kind kind) {
    switch (kind) {
        case dsn_kind::failure: return status_class == '5' || status_class == '4';
        case dsn_kind::delay: return status_class == '4';
        case dsn_kind::delivered:
        case dsn_kind::relayed: return status_class == '2';
    }
    return false;
}

// The recipient's status: what the delivery code recorded, else the code
// in the remote reply, else the reply's class, else a generic one. A 4xx
// failure with nothing better is "4.4.7 delivery time expired" (RFC 3463).
std::string status_for(const recipient& r, dsn_kind kind) {
    if (detail::is_status_code(r.dsn_status) && class_fits(r.dsn_status[0], kind)) return r.dsn_status;
    if (auto s = detail::status_in_reply(r.last_error); !s.empty() && class_fits(s[0], kind)) return s;
    if (detail::is_smtp_reply(r.last_error) && class_fits(r.last_error[0], kind)) {
        if (r.last_error[0] == '4' && kind == dsn_kind::failure) return "4.4.7";
        return std::string(1, r.last_error[0]) + ".0.0";
    }
    switch (kind) {
        case dsn_kind::failure: return "5.0.0";
        case dsn_kind::delay: return "4.0.0";
        case dsn_kind::delivered:
        case dsn_kind::relayed: return "2.0.0";
    }
    return "5.0.0";
}

// A host name for "dns;" fields and addresses: letters, digits, '-', '.',
// and the brackets of an address literal; anything else becomes '-'.
std::string host_name(std::string_view host) {
    std::string out;
    for (const char c : host.substr(0, 255)) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '.' || c == '[' || c == ']' || c == ':';
        out += ok ? c : '-';
    }
    return out.empty() ? "localhost" : out;
}

// "rfc822;a@b" as given in ORCPT, printed "rfc822; a@b"; nothing if empty.
std::string original_recipient(std::string_view orcpt, bool utf8) {
    auto clean = one_line(orcpt, max_address_bytes, utf8);
    const auto semi = clean.find(';');
    if (semi == std::string::npos || semi == 0) return "";
    auto type = clean.substr(0, semi), addr = one_line(clean.substr(semi + 1), max_address_bytes, utf8);
    while (!type.empty() && type.back() == ' ') type.pop_back();
    if (addr.empty()) return "";
    return type + "; " + addr;
}

std::string hex(std::span<const std::uint8_t> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const auto b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 0xf];
    }
    return out;
}

std::string random_hex(random_source& random, std::size_t bytes) {
    std::array<std::uint8_t, 32> buf{};
    const auto span = std::span(buf).first(std::min(bytes, buf.size()));
    random.fill(span);
    return hex(span);
}

// A boundary that occurs in none of the parts (RFC 2046 §5.1.1). Random
// first; if the random source keeps colliding (a test double, a hostile
// original quoting our format) a counter suffix ends the search: at most
// parts.size() bytes of text can hold only that many distinct suffixes.
std::string pick_boundary(random_source& random, std::span<const std::string_view> parts) {
    const auto absent = [&](const std::string& b) {
        return std::none_of(parts.begin(), parts.end(),
                            [&](std::string_view p) { return p.find(b) != std::string_view::npos; });
    };
    std::string base;
    for (int attempt = 0; attempt < 4; ++attempt) {
        base = "=_mailroom_" + random_hex(random, 16);
        if (absent(base)) return base;
    }
    for (std::size_t n = 0;; ++n) {
        auto b = base + "." + std::to_string(n);
        if (absent(b)) return b;
    }
}

bool has_8bit(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

struct report_recipient {
    const recipient* r;
    std::string address;  // one line, sanitised
};

std::string human_text(const dsn_request& req, const queue::envelope& env, const std::vector<report_recipient>& rcpts,
                       const detail::returned_content& copy) {
    const bool utf8 = env.smtputf8;
    std::string intro = "This is the mail system at " + host_name(req.reporting_mta) + ". ";
    switch (req.kind) {
        case dsn_kind::failure:
            intro +=
                "Your message could not be delivered to the recipients below and will not be tried "
                "again; the reason is given for each.";
            break;
        case dsn_kind::delay:
            intro +=
                "Your message has not yet been delivered to the recipients below. Delivery will be "
                "retried until " +
                rfc5322_date(req.retry_until) +
                "; you do not need to send it again, and you will be told if it fails for good.";
            break;
        case dsn_kind::delivered: intro += "Your message was delivered to the recipients below."; break;
        case dsn_kind::relayed:
            intro +=
                "Your message was passed on to the recipients' mail system below, which does not send "
                "delivery reports: this is the last report you will get about it.";
            break;
    }
    std::string text = detail::wrap_text(intro) + "\r\n";
    for (const auto& [r, address] : rcpts) {
        std::string line = "<" + address + ">:";
        const auto reason = one_line(r->last_error, req.limits.max_diagnostic_bytes, utf8);
        if (!r->remote_mta.empty() && !reason.empty()) line += " host " + host_name(r->remote_mta) + " said: " + reason;
        else if (!reason.empty()) line += " " + reason;
        text += detail::wrap_text(line) + "\r\n";
    }
    if (copy.full) text += detail::wrap_text("A copy of your message is attached.");
    else if (copy.truncated)
        text += detail::wrap_text("Your message was too large to return whole; its header is attached.");
    else text += detail::wrap_text("The header of your message is attached.");
    return text;
}

std::string delivery_status(const dsn_request& req, const queue::envelope& env,
                            const std::vector<report_recipient>& rcpts) {
    const bool utf8 = env.smtputf8;
    // RFC 3464 §2.2: per-message fields.
    std::string out;
    if (auto envid = one_line(env.envid, max_envid_bytes, false); !envid.empty())
        out += detail::fold_field("Original-Envelope-Id", envid);  // RFC 3461 §6.3(a): decoded ENVID
    out += detail::fold_field("Reporting-MTA", "dns; " + host_name(req.reporting_mta));
    if (auto id = one_line(env.id, 64, false); !id.empty()) out += detail::fold_field("X-Mailroom-Queue-ID", id);
    out += detail::fold_field("Arrival-Date", rfc5322_date(env.arrived));
    // RFC 3464 §2.3: one block per recipient, each after an empty line.
    for (const auto& [r, address] : rcpts) {
        out += "\r\n";
        if (auto orig = original_recipient(r->orcpt, utf8); !orig.empty())
            out += detail::fold_field("Original-Recipient", orig);  // RFC 3461 §6.3(d): only from ORCPT
        out += detail::fold_field("Final-Recipient", detail::typed_address(address));
        out += detail::fold_field("Action", action_name(req.kind));
        out += detail::fold_field("Status", status_for(*r, req.kind));
        if (!r->remote_mta.empty()) out += detail::fold_field("Remote-MTA", "dns; " + host_name(r->remote_mta));
        if (auto reason = one_line(r->last_error, req.limits.max_diagnostic_bytes, utf8); !reason.empty())
            out += detail::fold_field("Diagnostic-Code",
                                      (detail::is_smtp_reply(reason) ? "smtp; " : "X-mailroom; ") + reason);
        if (r->last_attempt != std::chrono::system_clock::time_point{})
            out += detail::fold_field("Last-Attempt-Date", rfc5322_date(r->last_attempt));
        if (req.kind == dsn_kind::delay) out += detail::fold_field("Will-Retry-Until", rfc5322_date(req.retry_until));
    }
    return out;
}

std::string part(std::string_view boundary, std::string_view content_type, bool eight_bit, std::string_view body) {
    std::string out = "--" + std::string(boundary) + "\r\n";
    out += "Content-Type: " + std::string(content_type) + "\r\n";
    out += eight_bit ? "Content-Transfer-Encoding: 8bit\r\n" : "Content-Transfer-Encoding: 7bit\r\n";
    out += "\r\n";
    out += body;
    return out;
}

}  // namespace

std::vector<std::size_t> recipients_to_report(const queue::envelope& env, dsn_kind kind,
                                              std::span<const std::size_t> candidates) {
    std::vector<std::size_t> out;
    if (env.sender.empty()) return out;
    for (const auto i : candidates)
        if (i < env.recipients.size() && wants(env.recipients[i], kind) &&
            std::find(out.begin(), out.end(), i) == out.end())
            out.push_back(i);
    return out;
}

std::optional<dsn_message> compose_dsn(const dsn_request& req, const queue::envelope& env, std::string_view original,
                                       random_source& random) {
    if (env.sender.empty()) return std::nullopt;  // never a bounce for a bounce
    const bool utf8 = env.smtputf8;
    std::vector<report_recipient> rcpts;
    for (const auto i : req.recipients)
        if (i < env.recipients.size()) {
            auto address = one_line(env.recipients[i].address, max_address_bytes, utf8);
            rcpts.push_back({&env.recipients[i], address.empty() ? std::string("unknown") : address});
        }
    if (rcpts.empty()) return std::nullopt;

    const bool want_full = env.ret == queue::envelope::ret_kind::full ||
                           (env.ret == queue::envelope::ret_kind::unspecified && req.kind == dsn_kind::failure);
    const auto copy = detail::returned_copy(original, want_full, req.limits.max_returned_message_bytes,
                                            req.limits.max_returned_header_bytes);
    const auto text = human_text(req, env, rcpts, copy);
    const auto status = delivery_status(req, env, rcpts);
    const std::array<std::string_view, 3> bodies{text, status, copy.bytes};
    const auto boundary = pick_boundary(random, bodies);

    const auto host = host_name(req.reporting_mta);
    const auto sender = one_line(env.sender, max_address_bytes, utf8);
    std::string msg;
    msg += "From: Mail Delivery System <MAILER-DAEMON@" + host + ">\r\n";
    msg += detail::fold_field("To", "<" + sender + ">");
    msg += req.kind == dsn_kind::failure ? "Subject: Undelivered Mail Returned to Sender\r\n"
           : req.kind == dsn_kind::delay ? "Subject: Delayed Mail (still being retried)\r\n"
                                         : "Subject: Successful Mail Delivery Report\r\n";
    msg += "Date: " + rfc5322_date(req.now) + "\r\n";
    msg += "Message-ID: <" + random_hex(random, 16) + ".dsn@" + host + ">\r\n";
    msg += "Auto-Submitted: auto-replied\r\n";  // RFC 3834 §5: no automatic replies to this
    msg += "MIME-Version: 1.0\r\n";
    // RFC 6522 §3 multipart/report; RFC 6533 §6 global types for SMTPUTF8 mail.
    msg += "Content-Type: multipart/report; report-type=";
    msg += utf8 ? "global-delivery-status;\r\n" : "delivery-status;\r\n";
    msg += "\tboundary=\"" + boundary + "\"\r\n";
    msg += "\r\n";
    msg += "This is a MIME-encapsulated message.\r\n\r\n";

    const bool text_8bit = has_8bit(text), status_8bit = has_8bit(status);
    msg += part(boundary, text_8bit ? "text/plain; charset=utf-8" : "text/plain; charset=us-ascii", text_8bit, text);
    msg += "\r\n";
    msg += part(boundary, utf8 ? "message/global-delivery-status" : "message/delivery-status", status_8bit, status);
    msg += "\r\n";
    const auto copy_type = copy.full ? (utf8 ? "message/global" : "message/rfc822")
                                     : (utf8 ? "message/global-headers" : "text/rfc822-headers");
    msg += part(boundary, copy_type, copy.eight_bit, copy.bytes);
    msg += "\r\n--" + boundary + "--\r\n";

    dsn_message out;
    out.needs_8bitmime = text_8bit || status_8bit || copy.eight_bit;
    out.needs_smtputf8 = has_8bit(sender);
    out.bytes = std::move(msg);
    return out;
}

}  // namespace mailroom::mail
