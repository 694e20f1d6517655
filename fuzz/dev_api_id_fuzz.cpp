// Fuzzes the dev API's message ids (src/sandbox/message_id.hpp), the {id}
// path segment of /api/messages/{id}. Invariants: nothing crashes; an
// accepted id names a valid mailbox (no '/', no NUL, no "." or ".." part)
// and a UID >= 1, and prints back to exactly the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sandbox/message_id.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const auto ref = mailroom::sandbox::parse_message_id(in);
    if (!ref) return 0;
    if (!mailroom::sandbox::valid_mailbox_name(ref->mailbox) || ref->uid == 0) std::abort();
    if (ref->mailbox.find('/') != std::string::npos || ref->mailbox.find('\0') != std::string::npos) std::abort();
    if (ref->id() != in) std::abort();
    return 0;
}
