#include "sandbox/dev_settings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>
#include <charconv>

#include "storage/directory.hpp"

namespace mailroom::sandbox {
namespace {

// No SCRAM in any-login mode: its client checks the server's proof, made
// from the real password (RFC 5802 §5), so it could only ever fail.
const std::vector<std::string> any_login_mechanisms{"PLAIN", "LOGIN", "CRAM-MD5"};

std::optional<std::uint16_t> port_number(std::string_view s) {
    unsigned v = 0;
    const auto* end = s.data() + s.size();
    auto [p, ec] = std::from_chars(s.data(), end, v);
    if (s.empty() || ec != std::errc{} || p != end || v > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(v);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<http_endpoint> parse_http_option(std::string_view text, std::string& error) {
    std::string_view host, port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == text.npos || close + 1 >= text.size() || text[close + 1] != ':') {
            error = "--http: expected [IPv6]:PORT";
            return std::nullopt;
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == text.npos || text.find(':') != colon) {
            error = "--http: expected ADDRESS:PORT (an IPv6 address in brackets)";
            return std::nullopt;
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    boost::system::error_code ec;
    const auto addr = boost::asio::ip::make_address(std::string(host), ec);
    if (ec) {
        error = fmt::format("--http: not an IP address: {}", host);
        return std::nullopt;
    }
    const auto p = port_number(port);
    if (!p) {
        error = fmt::format("--http: not a port number: {}", port);
        return std::nullopt;
    }
    return http_endpoint{addr.to_string(), *p, addr.is_loopback()};
}

std::string apply_dev_options(config::settings& s, const dev_options& o, const std::filesystem::path& data_dir,
                              bool any_login) {
    if (o.port_base && *o.port_base > max_port_base)
        return fmt::format("--port-base: at most {} (the HTTP port is N+{})", max_port_base, http_port_offset);
    s.data_dir = data_dir;
    s.login_penalty.delay = std::chrono::milliseconds{0};  // a test suite's wrong passwords: no penalty
    s.shutdown_timeout = std::chrono::seconds{5};
    const bool own_listeners = std::any_of(s.listeners.begin(), s.listeners.end(),
                                           [](const config::listener& l) { return l.source_line != 0; });
    if (!own_listeners) {
        s.listeners = config::embedded_defaults().listeners;
        for (auto& l : s.listeners) {
            l.plaintext_auth = true;  // POP3/IMAP plaintext logins, SMTP AUTH before STARTTLS
            l.apop = true;
            l.auth_failure_delay = std::chrono::milliseconds{0};
            l.max_auth_failure_delay = std::chrono::milliseconds{0};
            if (any_login) {
                std::vector<std::string> kept;
                for (const auto& m : l.mechanisms)
                    if (std::find(any_login_mechanisms.begin(), any_login_mechanisms.end(), m) !=
                        any_login_mechanisms.end())
                        kept.push_back(m);
                l.mechanisms = std::move(kept);
            }
            if (!o.port_base) continue;
            for (const auto& [name, offset] : dev_port_offsets)
                if (l.name == name) l.port = static_cast<std::uint16_t>(*o.port_base == 0 ? 0 : *o.port_base + offset);
        }
    }
    s.http.enabled = true;
    if (o.http) {
        std::string error;
        auto ep = parse_http_option(*o.http, error);
        if (!ep) return error;
        s.http.address = ep->address;
        s.http.port = ep->port;
    } else {
        s.http.address = "127.0.0.1";
        if (o.port_base)
            s.http.port = static_cast<std::uint16_t>(*o.port_base == 0 ? 0 : *o.port_base + http_port_offset);
        else if (s.http.source_line == 0) s.http.port = http_port_offset;
    }
    return {};
}

users_file parse_users_file(std::string_view text) {
    users_file out;
    if (text.size() > max_users_file_bytes) {
        out.errors.push_back(fmt::format("line 1: the file is larger than {} bytes", max_users_file_bytes));
        return out;
    }
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const auto nl = text.find('\n');
        auto line = trim(text.substr(0, nl));
        text.remove_prefix(nl == text.npos ? text.size() : nl + 1);
        if (line.empty() || line.front() == '#') continue;
        const auto sp = line.find_first_of(" \t");
        if (sp == line.npos) {
            out.errors.push_back(fmt::format("line {}: expected \"address password\"", line_no));
            continue;
        }
        auto address = storage::canonical_address(line.substr(0, sp));
        const auto password = trim(line.substr(sp + 1));
        if (!address) {
            out.errors.push_back(fmt::format("line {}: not an address: {}", line_no, line.substr(0, sp)));
            continue;
        }
        const bool dup = std::any_of(out.users.begin(), out.users.end(),
                                     [&](const auto& u) { return u.first == *address; });
        if (dup) {
            out.errors.push_back(fmt::format("line {}: {} is listed twice", line_no, *address));
            continue;
        }
        out.users.emplace_back(std::move(*address), std::string(password));
    }
    if (!out.errors.empty()) out.users.clear();
    return out;
}

std::string ports_json_line(const std::vector<std::pair<std::string, unsigned>>& ports, const std::string& http_url,
                            const std::filesystem::path& data_dir, const std::string& token) {
    boost::json::object o;
    for (const auto& [name, port] : ports) o[name] = port;
    o["http"] = http_url;
    o["data_dir"] = data_dir.string();
    if (!token.empty()) o["token"] = token;
    return boost::json::serialize(o);
}

}  // namespace mailroom::sandbox
