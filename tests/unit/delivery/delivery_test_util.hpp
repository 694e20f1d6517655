// Builders shared by the delivery tests: queued envelopes and the
// message_done results the SMTP client engine would hand back.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "proto/smtp/client/client_session.hpp"
#include "queue/envelope.hpp"

namespace mailroom::delivery::test_util {

using namespace std::chrono_literals;
inline const std::chrono::system_clock::time_point t0{std::chrono::seconds(1'700'000'000)};

inline queue::envelope envelope_for(std::vector<std::string> recipients, std::string sender = "alice@here.test") {
    queue::envelope env;
    env.id = "q0001";
    env.sender = std::move(sender);
    for (auto& a : recipients) {
        queue::recipient r;
        r.address = std::move(a);
        env.recipients.push_back(std::move(r));
    }
    env.arrived = t0;
    env.next_attempt = t0;
    return env;
}

inline smtp::client::recipient_outcome outcome(std::string address, smtp::client::delivery_status status, int code,
                                               std::string enhanced, std::vector<std::string> lines) {
    smtp::client::recipient_outcome o;
    o.address = std::move(address);
    o.status = status;
    o.where = smtp::client::stage::rcpt;
    o.response.code = code;
    o.response.enhanced = std::move(enhanced);
    o.response.lines = std::move(lines);
    return o;
}

inline smtp::client::recipient_outcome ok(std::string address) {
    return outcome(std::move(address), smtp::client::delivery_status::delivered, 250, "2.0.0", {"2.0.0 Ok"});
}
inline smtp::client::recipient_outcome hard(std::string address) {
    return outcome(std::move(address), smtp::client::delivery_status::permanent, 550, "5.1.1",
                   {"5.1.1 No such user", "see https://example.test/help"});
}
inline smtp::client::recipient_outcome soft(std::string address) {
    return outcome(std::move(address), smtp::client::delivery_status::temporary, 451, "4.7.1", {"4.7.1 Greylisted"});
}

inline smtp::client::message_done done_with(std::vector<smtp::client::recipient_outcome> outcomes,
                                            bool dsn_passed_on = false) {
    smtp::client::message_done d;
    d.id = "q0001";
    d.recipients = std::move(outcomes);
    d.dsn_passed_on = dsn_passed_on;
    return d;
}

// What the spool would give back after a restart.
inline queue::envelope reloaded(const queue::envelope& env) {
    auto back = queue::parse_envelope(queue::serialize_envelope(env));
    if (!back) throw std::runtime_error("envelope did not survive serialization");
    return *back;
}

}  // namespace mailroom::delivery::test_util
