// queue::inspect: a read-only look into a spool directory for
// `mailroom queue list|show`. Takes no lock and changes nothing, so it is
// safe while a server has the spool open; a message delivered (removed)
// between listing and reading is simply not shown. Only complete messages
// whose record verifies are listed, as recover() would keep them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "durable/file_system.hpp"
#include "queue/envelope.hpp"

namespace mailroom::queue {

struct queued_message {
    envelope env;
    std::uint64_t size = 0;  // octets of the message file
};

// Every queued message under dir (the spool directory, e.g. DATA/queue),
// oldest arrival first. errc::not_found if dir has no queue/.
result<std::vector<queued_message>> list_queued(const std::filesystem::path& dir,
                                                durable::file_system& fs = durable::real_file_system());

// One message's envelope and bytes; errc::not_found if id is not queued
// (or not a queue id), errc::corrupt_data if its record does not verify.
struct queued_content {
    queued_message info;
    std::string message;
};
result<queued_content> read_queued(const std::filesystem::path& dir, std::string_view id,
                                   durable::file_system& fs = durable::real_file_system());

}  // namespace mailroom::queue
