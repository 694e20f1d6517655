#include "queue/control_protocol.hpp"

#include "common/ascii.hpp"
#include "queue/detail/queue_id.hpp"

namespace mailroom::queue {
namespace {

constexpr std::string_view usage = "expected FLUSH [ID], DELETE ID, BOUNCE ID or RELOAD";

std::optional<control_verb> verb_of(std::string_view word) {
    const auto upper = ascii_upper(word);
    if (upper == "FLUSH") return control_verb::flush;
    if (upper == "DELETE") return control_verb::remove;
    if (upper == "BOUNCE") return control_verb::bounce;
    if (upper == "RELOAD") return control_verb::reload;
    return std::nullopt;
}

const char* verb_name(control_verb v) {
    switch (v) {
        case control_verb::flush: return "FLUSH";
        case control_verb::remove: return "DELETE";
        case control_verb::bounce: return "BOUNCE";
        case control_verb::reload: return "RELOAD";
    }
    return "?";
}

control_refusal refuse(std::string reason) { return control_refusal{std::move(reason)}; }

}  // namespace

parsed_request parse_control_request(std::string_view line) {
    if (line.empty()) return refuse("empty request: " + std::string(usage));
    const auto space = line.find(' ');
    const auto word = line.substr(0, space);
    const auto verb = verb_of(word);
    if (!verb) return refuse("unknown request: " + std::string(usage));
    if (*verb == control_verb::reload) {
        if (space != std::string_view::npos) return refuse("RELOAD takes no argument");
        return control_request{*verb, ""};
    }
    if (space == std::string_view::npos) {
        if (*verb == control_verb::flush) return control_request{*verb, ""};
        return refuse(std::string(verb_name(*verb)) + " needs a queue id");
    }
    const auto id = line.substr(space + 1);
    // Exactly one space and the id as the spool names files: nothing else
    // can reach a path (src/queue/detail/queue_id.hpp).
    if (!detail::is_queue_id(id)) return refuse("not a queue id (16 lower-case hex digits, as `queue list` shows)");
    return control_request{*verb, std::string(id)};
}

std::string format_control_request(const control_request& request) {
    std::string out = verb_name(request.verb);
    if (!request.id.empty()) out += " " + request.id;
    out += "\n";
    return out;
}

void control_request_reader::feed(std::string_view bytes) {
    if (result_) return;
    const auto lf = bytes.find('\n');
    const auto take = bytes.substr(0, lf);
    // The limit counts the LF: the line itself may have one byte less.
    if (line_.size() + take.size() > max_control_line_bytes - 1) {
        result_ = refuse("request line too long");
        return;
    }
    line_.append(take);
    if (lf == std::string_view::npos) return;
    std::string_view line = line_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    result_ = parse_control_request(line);
}

void control_request_reader::feed_eof() {
    if (result_) return;
    std::string_view line = line_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    result_ = parse_control_request(line);
}

std::string format_control_reply(const control_reply& reply) {
    std::string out = reply.ok ? "OK" : "ERR";
    if (!reply.text.empty()) out += ' ';
    const std::size_t room = max_control_line_bytes - 1 - out.size();
    std::string text;
    for (const char ch : reply.text) {
        const auto c = static_cast<unsigned char>(ch);
        text += (c < 0x20 || c == 0x7f) ? '?' : ch;
    }
    if (text.size() > room) {
        std::size_t cut = room - 3;
        // Back up over UTF-8 continuation bytes so no character is split.
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
        text.resize(cut);
        text += "...";
    }
    out += text;
    out += '\n';
    return out;
}

std::optional<control_reply> parse_control_reply(std::string_view line) {
    for (const bool ok : {true, false}) {
        const std::string_view word = ok ? "OK" : "ERR";
        if (line.substr(0, word.size()) != word) continue;
        const auto rest = line.substr(word.size());
        if (rest.empty()) return control_reply{ok, ""};
        if (rest.front() != ' ') return std::nullopt;
        return control_reply{ok, std::string(rest.substr(1))};
    }
    return std::nullopt;
}

}  // namespace mailroom::queue
