// Test helper: drives imap::command_reader over an input fed whole, byte by
// byte or split at one offset, answering literal requests by a policy, and
// logs every event as a line of text so runs at every split can be compared.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "proto/common/input_buffer.hpp"
#include "proto/imap/command_reader.hpp"

namespace mailroom::imap::test {

// atom as is, "quoted", {n}bytes / ~{n}bytes, (list), ^ before a glued token.
inline std::string render(const argument& a) {
    std::string out = a.glued ? "^" : "";
    switch (a.kind) {
        case argument_kind::atom: return out + a.text;
        case argument_kind::quoted: return out + "\"" + a.text + "\"";
        case argument_kind::literal:
            if (a.streamed) return out + (a.binary ? "~{" : "{") + std::to_string(a.streamed_size) + "}<streamed>";
            return out + (a.binary ? "~{" : "{") + std::to_string(a.text.size()) + "}" + a.text;
        case argument_kind::list: {
            out += "(";
            for (std::size_t i = 0; i < a.children.size(); ++i) out += (i ? " " : "") + render(a.children[i]);
            return out + ")";
        }
    }
    return out;
}

inline std::string render(const raw_command& c) {
    std::string out = "command " + c.tag + " " + c.name;
    for (const auto& a : c.args) out += " " + render(a);
    return out;
}

inline std::string render(const reader_failure& f) {
    static const char* names[] = {"syntax",           "bad_tag",           "line_too_long",
                                  "command_too_long", "too_deep",          "too_many_arguments",
                                  "literal_refused",  "literal_too_large", "bad_literal"};
    return std::string("error ") + names[static_cast<int>(f.what)] + " tag=" + f.tag + (f.fatal ? " fatal" : "") +
           (f.code.empty() ? "" : " [" + f.code + "]");
}

// stream_messages: message literals through accept_literal_streamed(),
// their octets gathered in `streamed`.
enum class literal_policy { accept_within_limit, refuse_all, stream_messages };

struct driver {
    limits lim;
    literal_policy policy = literal_policy::accept_within_limit;
    std::vector<raw_command> commands;
    std::string streamed;

    // chunk 0: whole; otherwise pieces of `chunk` bytes. split > 0: two pieces at split.
    std::vector<std::string> run(std::string_view input, std::size_t chunk = 0, std::size_t split = 0) {
        commands.clear();
        streamed.clear();
        proto::input_buffer in(lim.max_line_bytes);
        command_reader r(in, lim);
        std::vector<std::string> log;
        std::size_t pos = 0;
        bool closed = false;
        while (!closed && pos < input.size()) {
            std::size_t n = input.size() - pos;
            if (split > 0) n = pos == 0 ? split : n;
            else if (chunk > 0) n = std::min(chunk, n);
            in.append(input.substr(pos, n));
            pos += n;
            for (bool more = true; more && !closed;) {
                while (r.literal_streaming()) {
                    const auto octets = r.take_literal_octets();
                    if (octets.empty()) break;
                    streamed.append(octets);
                }
                switch (r.next()) {
                    case command_reader::status::need_more: more = false; break;
                    case command_reader::status::command:
                        log.push_back(render(r.command()));
                        commands.push_back(r.take_command());
                        break;
                    case command_reader::status::literal_wanted: {
                        const auto& l = r.literal();
                        log.push_back("literal " + std::to_string(l.size) + (l.synchronizing ? " sync" : " nonsync") +
                                      (l.binary ? " binary" : "") + (l.message ? " message" : "") +
                                      " tag=" + std::string(l.tag));
                        if (policy == literal_policy::refuse_all || l.size > l.limit) r.refuse_literal();
                        else if (policy == literal_policy::stream_messages) r.accept_literal_streamed();
                        else r.accept_literal();
                        break;
                    }
                    case command_reader::status::error:
                        log.push_back(render(r.failure()));
                        closed = r.failure().fatal;
                        break;
                }
            }
        }
        if (!closed && !r.idle()) log.push_back("incomplete");
        return log;
    }
};

// The arguments of "t X <text>" as the reader lexes them (literals
// accepted); empty when the reader does not return one command.
inline std::vector<argument> lex(const std::string& text) {
    driver d;
    d.run("t X " + text + "\r\n");
    if (d.commands.size() != 1) return {};
    return std::move(d.commands[0].args);
}

// One whole command through the reader (literals accepted): the command,
// or an empty one with tag "?" when the reader failed.
inline raw_command read_one(const std::string& line, std::size_t chunk = 0) {
    driver d;
    d.run(line, chunk);
    if (d.commands.size() != 1) return raw_command{"?", {}, {}};
    return std::move(d.commands[0]);
}

}  // namespace mailroom::imap::test
