// imap::trace_command (trace.hpp).
#include "proto/imap/trace.hpp"

#include "proto/common/keyword.hpp"

namespace mailroom::imap {
namespace {

constexpr std::size_t max_string_shown = 64;

void append_printable(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    for (const char ch : s.substr(0, max_string_shown)) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c >= 0x7f || c == '\\') {
            out += "\\x";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xf]);
        } else {
            out.push_back(ch);
        }
    }
    if (s.size() > max_string_shown) out += "...";
}

void append_argument(std::string& out, const argument& a) {
    switch (a.kind) {
        case argument_kind::atom: append_printable(out, a.text); break;
        case argument_kind::quoted:
            out.push_back('"');
            append_printable(out, a.text);
            out.push_back('"');
            break;
        case argument_kind::literal:  // the size only: literals are messages and secrets
            out += (a.binary ? "~{" : "{") + std::to_string(a.streamed ? a.streamed_size : a.text.size()) + "}";
            break;
        case argument_kind::list:
            out.push_back('(');
            for (std::size_t i = 0; i < a.children.size(); ++i) {
                if (i > 0) out.push_back(' ');
                append_argument(out, a.children[i]);
            }
            out.push_back(')');
            break;
    }
}

}  // namespace

std::string trace_command(const raw_command& cmd, std::size_t max_bytes) {
    std::string out;
    append_printable(out, cmd.tag);
    out.push_back(' ');
    append_printable(out, cmd.name);
    // Which argument is a secret: LOGIN user *password*, AUTHENTICATE mech *ir*.
    const bool masked = proto::keyword_equals(cmd.name, "LOGIN") || proto::keyword_equals(cmd.name, "AUTHENTICATE");
    for (std::size_t i = 0; i < cmd.args.size() && out.size() <= max_bytes; ++i) {
        out.push_back(' ');
        if (masked && i >= 1) out += "********";
        else append_argument(out, cmd.args[i]);
    }
    if (out.size() > max_bytes) {
        out.resize(max_bytes);
        out += "...";
    }
    return out;
}

}  // namespace mailroom::imap
