// proxy::device_reply: what the SMTP proxy answers the device at the end
// of its DATA, from what the upstream server did with the message. 250 only
// when upstream accepted every recipient; otherwise the reply of the first
// recipient that failed, temporary failures first (so the device retries
// rather than gives up on a message someone has not got), in the class the
// upstream's outcome has (4xx retry, 5xx refused) and with the upstream's
// text. Pure; used by proxy/smtp_relay.cpp, tested on its own.
#pragma once

#include <string>

#include "delivery/transfer.hpp"
#include "proto/smtp/server_session.hpp"

namespace mailroom::proxy {

// The longest reply text passed on (RFC 5321 §4.5.3.1.5: a reply line is
// at most 512 octets with its code and CRLF).
inline constexpr std::size_t max_relayed_text = 400;

smtp::verdict device_reply(const delivery::transfer_report& report);

}  // namespace mailroom::proxy
