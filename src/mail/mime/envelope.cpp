// ENVELOPE from a header block (see envelope.hpp).
#include "mail/mime/envelope.hpp"

#include "mail/mime/detail/address_list.hpp"
#include "mail/mime/detail/header_fields.hpp"

namespace mailroom::mime {

namespace {

std::vector<address> addresses(const std::vector<detail::header_field>& fields, std::string_view name) {
    const auto v = detail::first_field(fields, name);
    return v ? detail::parse_address_list(*v) : std::vector<address>{};
}

}  // namespace

envelope envelope_from_header(std::string_view header) {
    const auto fields = detail::split_header(header);
    envelope e;
    e.date = detail::first_field(fields, "Date");
    e.subject = detail::first_field(fields, "Subject");
    e.from = addresses(fields, "From");
    e.sender = addresses(fields, "Sender");
    e.reply_to = addresses(fields, "Reply-To");
    // RFC 9051 §7.5.2: absent or empty Sender / Reply-To are set to From.
    if (e.sender.empty()) e.sender = e.from;
    if (e.reply_to.empty()) e.reply_to = e.from;
    e.to = addresses(fields, "To");
    e.cc = addresses(fields, "Cc");
    e.bcc = addresses(fields, "Bcc");
    e.in_reply_to = detail::first_field(fields, "In-Reply-To");
    e.message_id = detail::first_field(fields, "Message-ID");
    return e;
}

}  // namespace mailroom::mime
