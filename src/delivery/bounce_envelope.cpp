#include "delivery/bounce_envelope.hpp"

namespace mailroom::delivery {

std::optional<queue::envelope> make_dsn_envelope(const queue::envelope& original, const mail::dsn_message& dsn,
                                                 std::string_view reporting_host,
                                                 std::chrono::system_clock::time_point now) {
    if (original.sender.empty()) return std::nullopt;
    queue::envelope env;
    env.sender = "";
    queue::recipient to;
    to.address = original.sender;
    to.notify = queue::recipient::notify_never;
    env.recipients.push_back(std::move(to));
    env.smtputf8 = dsn.needs_smtputf8;
    env.eight_bit = dsn.needs_8bitmime;
    env.helo = std::string(reporting_host);
    env.arrived = now;
    env.next_attempt = now;
    return env;
}

}  // namespace mailroom::delivery
