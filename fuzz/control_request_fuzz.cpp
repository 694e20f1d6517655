// Fuzzes the control socket's request reader and the reply formatter: the
// socket's bytes come from any local process that can reach it.
// Invariants: nothing crashes; the same bytes fed whole and byte by byte
// give the same answer; an accepted request names a queue id (or none, for
// FLUSH and RELOAD only) and re-formats to a line that reads back the same; any text
// formats to exactly one reply line within the limit that parses back as
// the same kind of reply.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "queue/control_protocol.hpp"
#include "queue/detail/queue_id.hpp"

using namespace mailroom::queue;

namespace {

parsed_request read_whole(std::string_view bytes) {
    control_request_reader r;
    r.feed(bytes);
    if (!r.result()) r.feed_eof();
    return *r.result();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    const auto whole = read_whole(input);
    control_request_reader bytewise;
    for (std::size_t i = 0; i < input.size() && !bytewise.result(); ++i) bytewise.feed(input.substr(i, 1));
    if (!bytewise.result()) bytewise.feed_eof();
    if (!(*bytewise.result() == whole)) std::abort();

    if (const auto* req = std::get_if<control_request>(&whole)) {
        const bool needs_no_id = req->verb == control_verb::flush || req->verb == control_verb::reload;
        if (req->id.empty() ? !needs_no_id : !detail::is_queue_id(req->id)) std::abort();
        const auto line = format_control_request(*req);
        if (line.size() > max_control_line_bytes || line.find('\n') != line.size() - 1) std::abort();
        if (!(read_whole(line) == whole)) std::abort();
    } else if (std::get<control_refusal>(whole).reason.empty()) {
        std::abort();
    }

    for (const bool ok : {true, false}) {
        const auto line = format_control_reply({ok, std::string(input)});
        if (line.size() > max_control_line_bytes || line.find('\n') != line.size() - 1) std::abort();
        for (const char ch : line.substr(0, line.size() - 1))
            if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) std::abort();
        const auto back = parse_control_reply(std::string_view(line).substr(0, line.size() - 1));
        if (!back || back->ok != ok) std::abort();
    }
    return 0;
}
