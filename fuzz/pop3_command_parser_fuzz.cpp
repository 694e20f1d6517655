// Fuzzes the POP3 command-line path: proto::input_buffer framing (with a split
// point taken from the input) and parse_command/parse_number on each line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "proto/common/input_buffer.hpp"
#include "proto/pop3/command.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t split = data[0];
    std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    mailroom::proto::input_buffer lines(64);
    std::size_t pos = 0;
    while (pos < input.size()) {
        const std::size_t chunk = split == 0 ? input.size() : split;
        lines.append(input.substr(pos, chunk));
        pos += chunk;
        for (;;) {
            auto next = lines.next_line();
            if (next.what == mailroom::proto::input_buffer::status::need_more) break;
            if (next.what == mailroom::proto::input_buffer::status::too_long) continue;
            if (next.line.size() >= lines.max_line_bytes()) std::abort();  // framing bound broken
            auto r = mailroom::pop3::parse_command(next.line, 16);
            if (r.cmd.has_value() == r.error.has_value()) std::abort();
            if (!r.cmd) continue;
            for (auto arg : r.cmd->args) {
                if (arg.empty() || arg.size() > 16 || arg.find(' ') != std::string_view::npos) std::abort();
                if (auto n = mailroom::pop3::parse_number(arg); n && *n > 9999999999ULL) std::abort();
            }
        }
    }
    return 0;
}
