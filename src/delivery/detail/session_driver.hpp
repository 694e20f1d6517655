// delivery::detail::drive_session: one SMTP client session over one
// connected stream (private to delivery/). transfer() connects and picks
// endpoints; this runs the engine until it closes.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "delivery/transfer.hpp"
#include "net/byte_stream.hpp"

namespace mailroom::delivery::detail {

// Runs every message through `stream` and fills report.messages, why,
// detail and tls, calling on_done (if set) for each message as its outcome
// arrives. The stream is shut down at the end.
boost::asio::awaitable<void> drive_session(net::byte_stream& stream, const transfer_options& opt,
                                           const smtp_destination& dest,
                                           const std::vector<smtp::client::outgoing_message>& messages,
                                           transfer_report& report, const message_done_handler& on_done);

}  // namespace mailroom::delivery::detail
