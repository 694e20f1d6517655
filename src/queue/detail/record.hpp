// The envelope file of a queued message: one line naming the size and
// checksum of the message file, then the envelope (envelope.hpp), so
// recover() can tell a complete message from a torn one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "queue/envelope.hpp"

namespace mailroom::queue::detail {

struct message_digest {
    std::uint64_t size = 0;
    std::uint64_t checksum = 0;
    bool operator==(const message_digest&) const = default;
};

message_digest digest_of(std::string_view message) noexcept;

struct record {
    message_digest message;
    envelope env;
};

std::string serialize_record(const envelope& env, const message_digest& message);
// nullopt on anything malformed or truncated.
std::optional<record> parse_record(std::string_view text);

}  // namespace mailroom::queue::detail
