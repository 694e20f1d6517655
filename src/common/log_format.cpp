#include "common/log_format.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mailroom {
namespace {

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// "S1a", "P2", "I3f": the session ids of listener_loop (a capital, hex).
bool is_session_id(std::string_view w) {
    if (w.size() < 2 || w.front() < 'A' || w.front() > 'Z') return false;
    for (std::size_t i = 1; i < w.size(); ++i)
        if (!is_hex(w[i])) return false;
    return true;
}

// 16 lower-case hex digits: queue ids (queue/detail/queue_id.hpp and the
// SMTP transaction's id, server/local_delivery.hpp).
bool is_queue_id(std::string_view w) {
    if (w.size() != 16) return false;
    for (char c : w)
        if (!is_hex(c)) return false;
    return true;
}

std::string_view component_of(std::string_view session, bool queued, std::string_view message) {
    if (!session.empty()) {
        switch (session.front()) {
            case 'S': return "smtp";
            case 'P': return "pop3";
            case 'I': return "imap";
            default: return "session";
        }
    }
    if (queued) return "queue";
    for (std::string_view word : {"dns", "control", "queue"})
        if (message.starts_with(word) && (message.size() == word.size() || message[word.size()] == ' ')) return word;
    return "server";
}

void append_json_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20 || c == 0x7f) {
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            out += ch;  // UTF-8 passes; log_field already wrote other bytes as \xNN
        }
    }
    out += '"';
}

// A value log_field quoted ("...", \" \\ \xNN inside), from just after the
// opening quote; returns the value and the position after the closing one.
std::pair<std::string, std::size_t> unquote(std::string_view s, std::size_t i) {
    std::string v;
    while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) {
            v += s[i + 1];
            i += 2;
        } else if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x' && is_hex(s[i + 2]) && is_hex(s[i + 3])) {
            const auto n = std::stoi(std::string(s.substr(i + 2, 2)), nullptr, 16);
            if (n < 0x80) v += static_cast<char>(n);
            else v += s.substr(i, 4);  // not text: kept as written
            i += 4;
        } else {
            v += s[i++];
        }
    }
    return {std::move(v), i < s.size() ? i + 1 : i};
}

// Every key=value of the message: value bare up to a space, "quoted", or
// <an address> (possibly <"quoted">).
std::vector<std::pair<std::string, std::string>> fields_of(std::string_view m) {
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t i = 0;
    while (i < m.size()) {
        while (i < m.size() && m[i] == ' ') ++i;
        std::size_t k = i;
        while (k < m.size() && ((m[k] >= 'a' && m[k] <= 'z') || m[k] == '_' || (m[k] >= '0' && m[k] <= '9'))) ++k;
        if (k == i || k >= m.size() || m[k] != '=') {  // a word, not a field
            if (i < m.size() && m[i] == '"') i = unquote(m, i + 1).second;
            while (i < m.size() && m[i] != ' ') ++i;
            continue;
        }
        std::string key(m.substr(i, k - i));
        std::size_t v = k + 1;
        std::string value;
        const bool angle = v < m.size() && m[v] == '<';
        if (angle) ++v;
        if (v < m.size() && m[v] == '"') {
            auto [text, next] = unquote(m, v + 1);
            value = std::move(text);
            v = next;
            if (angle && v < m.size() && m[v] == '>') ++v;
        } else {
            const auto end = m.find(angle ? '>' : ' ', v);
            value = std::string(m.substr(v, end == std::string_view::npos ? std::string_view::npos : end - v));
            v = end == std::string_view::npos ? m.size() : end + (angle ? 1 : 0);
        }
        out.emplace_back(std::move(key), std::move(value));
        i = v;
    }
    return out;
}

bool is_number(std::string_view v) {
    if (v.empty() || v.size() > 18 || (v.size() > 1 && v.front() == '0')) return false;
    for (char c : v)
        if (c < '0' || c > '9') return false;
    return true;
}

std::string utc_time(std::chrono::system_clock::time_point when) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buf;
}

class json_formatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        const auto level = spdlog::level::to_string_view(msg.level);
        const auto line = json_log_line(msg.time, std::string_view(level.data(), level.size()),
                                        std::string_view(msg.payload.data(), msg.payload.size()));
        dest.append(line.data(), line.data() + line.size());
        dest.push_back('\n');
    }
    std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<json_formatter>(); }
};

}  // namespace

std::string json_log_line(std::chrono::system_clock::time_point when, std::string_view level, std::string_view text) {
    std::string_view rest = text;
    auto first_word = [&] { return rest.substr(0, rest.find(' ')); };
    std::string_view session, queue_id;
    if (auto w = first_word(); is_session_id(w)) {
        session = w;
        rest.remove_prefix(std::min(rest.size(), w.size() + 1));
    }
    if (auto w = first_word(); is_queue_id(w)) {
        queue_id = w;
        rest.remove_prefix(std::min(rest.size(), w.size() + 1));
    }
    std::string out = "{\"time\":\"" + utc_time(when) + "\",\"level\":";
    append_json_string(out, level);
    out += ",\"component\":";
    append_json_string(out, component_of(session, !queue_id.empty(), rest));
    if (!session.empty()) {
        out += ",\"session\":";
        append_json_string(out, session);
    }
    if (!queue_id.empty()) {
        out += ",\"queue_id\":";
        append_json_string(out, queue_id);
    }
    out += ",\"message\":";
    append_json_string(out, rest);
    out += ",\"fields\":{";
    bool comma = false;
    for (const auto& [k, v] : fields_of(rest)) {
        if (comma) out += ',';
        comma = true;
        append_json_string(out, k);
        out += ':';
        if (is_number(v)) out += v;
        else append_json_string(out, v);
    }
    out += "}}";
    return out;
}

void use_log_format(std::string_view format) {
    if (format == "json") spdlog::set_formatter(std::make_unique<json_formatter>());
}

}  // namespace mailroom
