// Fuzzes the IMAP command path: proto::input_buffer framing, the
// command_reader (literal hand-shake answered from the input) and
// parse_command on every command, with small limits.
// Invariants: the same events at any split of the input (whole vs the
// input's chunk size); a literal is only read when accepted and within its
// limit; a parse gives a command or a failure, never both; every string the
// reader returned survives response_writer -> command_reader unchanged;
// a trace line is printable and bounded; a streamed literal's octets all
// reach the engine and none stay in the command.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "proto/common/input_buffer.hpp"
#include "proto/imap/command_parser.hpp"
#include "proto/imap/command_reader.hpp"
#include "proto/imap/response_writer.hpp"
#include "proto/imap/trace.hpp"

namespace {

using namespace mailroom;
using namespace mailroom::imap;

limits small_limits() {
    limits lim;
    lim.max_line_bytes = 256;
    lim.max_command_bytes = 1024;
    lim.max_literal_bytes = 128;
    lim.max_message_bytes = 512;
    lim.max_append_messages = 4;
    lim.max_nesting_depth = 6;
    lim.max_arguments = 64;
    lim.max_sequence_ranges = 16;
    lim.max_search_depth = 8;
    lim.max_search_keys = 32;
    lim.max_discard_bytes = 600;
    return lim;
}

void collect_strings(const std::vector<argument>& args, std::vector<std::string>& out) {
    for (const auto& a : args) {
        if (a.kind == argument_kind::list) collect_strings(a.children, out);
        if (a.is_string() && !a.binary) out.push_back(a.text);
    }
}

std::uint64_t streamed_size(const std::vector<argument>& args) {
    std::uint64_t n = 0;
    for (const auto& a : args) {
        if (a.kind == argument_kind::list) n += streamed_size(a.children);
        if (a.streamed) {
            if (!a.text.empty()) std::abort();
            n += a.streamed_size;
        }
    }
    return n;
}

// Writes s as a string, reads it back as the argument of a command.
void check_round_trip(const std::string& s, const limits& lim) {
    std::string line = "r X ";
    append_string(line, s);
    line += "\r\n";
    proto::input_buffer in(lim.max_line_bytes * 16);
    limits big = lim;
    big.max_line_bytes *= 16;
    big.max_literal_bytes = big.max_command_bytes = 1 << 20;
    command_reader r(in, big);
    in.append(line);
    for (;;) {
        const auto st = r.next();
        if (st == command_reader::status::literal_wanted) {
            r.accept_literal();
            continue;
        }
        if (st != command_reader::status::command) std::abort();
        const auto& args = r.command().args;
        if (args.size() != 1 || !args[0].is_string() || args[0].text != s) std::abort();
        return;
    }
}

// Runs the reader over input in pieces of `chunk` (0: whole); the log of
// events is returned for comparison between splits.
std::string run(std::string_view input, std::size_t chunk, std::uint8_t policy, bool deep_checks) {
    const limits lim = small_limits();
    proto::input_buffer in(lim.max_line_bytes);
    command_reader r(in, lim);
    std::string log;
    std::size_t pos = 0;
    unsigned literal_no = 0;
    std::uint64_t streamed = 0;  // octets taken from streamed literals since the last command
    while (pos < input.size()) {
        const std::size_t n = chunk == 0 ? input.size() : std::min(chunk, input.size() - pos);
        in.append(input.substr(pos, n));
        pos += n;
        for (bool more = true; more;) {
            while (r.literal_streaming()) {
                const auto octets = r.take_literal_octets();
                if (octets.empty()) break;
                streamed += octets.size();
            }
            switch (r.next()) {
                case command_reader::status::need_more: more = false; break;
                case command_reader::status::literal_wanted: {
                    const auto& l = r.literal();
                    log += "L" + std::to_string(l.size) + (l.message ? "m" : "") + ";";
                    // The policy bits decide, literal by literal, whether the
                    // engine refuses even a literal within the limit, and
                    // whether it takes a message literal as a stream.
                    const unsigned bit = literal_no++ % 4;
                    const bool refuse = (policy >> bit) & 1;
                    const bool stream = (policy >> (bit + 4)) & 1;
                    if (l.size > l.limit || refuse) {
                        r.refuse_literal();
                        streamed = 0;  // the engine drops the refused command, streamed parts too
                    } else if (stream) {
                        r.accept_literal_streamed();
                    } else {
                        r.accept_literal();
                    }
                    break;
                }
                case command_reader::status::error:
                    streamed = 0;  // a failed command's streamed octets are dropped
                    log += "E" + std::to_string(static_cast<int>(r.failure().what)) + ";";
                    if (r.failure().fatal) return log;
                    break;
                case command_reader::status::command: {
                    raw_command raw = r.take_command();
                    if (raw.tag.empty() || raw.name.empty()) std::abort();
                    // Every streamed octet belongs to a streamed literal of this command.
                    if (streamed_size(raw.args) != streamed) std::abort();
                    streamed = 0;
                    std::vector<std::string> strings;
                    if (deep_checks) {
                        collect_strings(raw.args, strings);
                        const std::string trace = trace_command(raw, 200);
                        if (trace.size() > 203) std::abort();
                        for (const char c : trace)
                            if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
                                std::abort();
                    }
                    const std::string tag = raw.tag;
                    auto parsed = parse_command(std::move(raw), lim);
                    if (parsed.cmd.has_value() == parsed.failure.has_value()) std::abort();
                    log += "C" + tag + (parsed.cmd ? "+" : "-") + ";";
                    if (!deep_checks) break;
                    for (const auto& s : strings) check_round_trip(s, lim);
                    // A failure text goes on one line whatever the peer sent.
                    std::string reply;
                    response_writer w(reply);
                    w.status(tag, "BAD", "", parsed.failure ? parsed.failure->text : "ok");
                    if (reply.find('\n') != reply.size() - 1 || reply.find('\r') != reply.size() - 2) std::abort();
                    break;
                }
            }
        }
    }
    return log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::size_t chunk = data[0];
    const std::uint8_t policy = data[1];
    const std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
    const std::string whole = run(input, 0, policy, true);
    if (run(input, chunk == 0 ? 1 : chunk, policy, false) != whole) std::abort();  // split-independent
    return 0;
}
