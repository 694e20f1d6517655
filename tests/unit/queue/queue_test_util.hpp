// Shared helpers for the spool tests: sample envelopes and messages.
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <string>

#include "queue/envelope.hpp"

namespace mailroom::queue::test {

inline envelope sample_envelope(std::string sender = "alice@example.test") {
    envelope e;
    e.sender = std::move(sender);
    e.recipients = {{"bob@example.test",
                     "rfc822;bob@example.test",
                     recipient::notify_failure,
                     recipient::status::pending,
                     "",
                     "",
                     "",
                     {}},
                    {"carol@example.test", "", 0, recipient::status::pending, "", "", "", {}}};
    e.envid = "env-1";
    e.ret = envelope::ret_kind::headers;
    e.client_address = "192.0.2.7";
    e.helo = "client.example.test";
    e.arrived = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
    e.next_attempt = e.arrived;
    return e;
}

// A message of about `size` bytes whose content names `tag`.
inline std::string sample_message(const std::string& tag, std::size_t size = 200) {
    std::string m = fmt::format("From: <alice@example.test>\r\nSubject: {}\r\n\r\n", tag);
    while (m.size() < size) m += fmt::format("line for {} at {}\r\n", tag, m.size());
    return m;
}

}  // namespace mailroom::queue::test
