// imap::detail::parse_append: APPEND mailbox 1*(SP [flag-list SP]
// [date-time SP] append-data) (RFC 9051 §6.3.12, RFC 3502 MULTIAPPEND,
// RFC 4469 CATENATE, RFC 3516 literal8, RFC 6855 UTF8). The message literals
// are moved out of the arguments, never copied.
#include <string_view>

#include "proto/imap/detail/command_parsers.hpp"

namespace mailroom::imap::detail {
namespace {

// cat-part = text-literal / url; text-literal = "TEXT" SP literal;
// url = "URL" SP astring (RFC 4469 §5).
std::optional<std::vector<catenate_part>> catenate_parts(argument& list) {
    if (list.kind != argument_kind::list || list.children.empty() || list.children.size() % 2 != 0) return std::nullopt;
    std::vector<catenate_part> parts;
    for (std::size_t i = 0; i < list.children.size(); i += 2) {
        auto& what = list.children[i];
        auto& data = list.children[i + 1];
        catenate_part part;
        if (is_keyword(what, "TEXT") && data.kind == argument_kind::literal && !data.binary) {
            part.is_url = false;
        } else if (is_keyword(what, "URL") && data.is_astring() && !data.binary) {
            part.is_url = true;
        } else {
            return std::nullopt;
        }
        part.data = std::move(data.text);
        part.streamed = data.streamed;
        part.streamed_size = data.streamed_size;
        parts.push_back(std::move(part));
    }
    return parts;
}

}  // namespace

outcome parse_append(context& x) {
    append_command cmd;
    auto mailbox = x.c.astring();
    if (!mailbox) return bad("Missing mailbox name");
    cmd.mailbox = std::move(*mailbox);
    std::size_t i = x.c.position();
    auto& args = x.args;
    while (i < args.size()) {
        if (cmd.messages.size() >= x.lim.max_append_messages) return bad("Too many messages in one APPEND");
        append_message msg;
        if (args[i].kind == argument_kind::list) {
            auto flags = flag_list(args[i]);
            if (!flags) return bad("Invalid flag list");
            msg.flags = std::move(*flags);
            ++i;
        }
        if (i < args.size() && args[i].kind == argument_kind::quoted) {
            msg.internal_date = parse_date_time(args[i].text);
            if (!msg.internal_date) return bad("Invalid date-time");
            ++i;
        }
        if (i == args.size()) return bad("Missing message literal");
        auto& data = args[i];
        if (data.kind == argument_kind::literal) {
            msg.binary = data.binary;
            msg.data = std::move(data.text);
            msg.streamed = data.streamed;
            msg.streamed_size = data.streamed_size;
            ++i;
        } else if (is_keyword(data, "CATENATE") && i + 1 < args.size()) {
            msg.catenate = catenate_parts(args[i + 1]);
            if (!msg.catenate) return bad("Invalid CATENATE parts");
            i += 2;
        } else if (is_keyword(data, "UTF8") && i + 1 < args.size()) {
            // RFC 6855 §4: UTF8 (literal8)
            auto& list = args[i + 1];
            if (list.kind != argument_kind::list || list.children.size() != 1 ||
                list.children[0].kind != argument_kind::literal || !list.children[0].binary)
                return bad("Invalid UTF8 message data");
            msg.binary = true;
            msg.data = std::move(list.children[0].text);
            msg.streamed = list.children[0].streamed;
            msg.streamed_size = list.children[0].streamed_size;
            i += 2;
        } else {
            return bad("Missing message literal");
        }
        cmd.messages.push_back(std::move(msg));
    }
    if (cmd.messages.empty()) return bad("Missing message literal");
    x.c.skip(i - x.c.position());
    return ok(std::move(cmd));
}

}  // namespace mailroom::imap::detail
