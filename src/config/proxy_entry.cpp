// The checks of a proxy entry that the TOML reader and the command line
// share (config/proxy_settings.hpp).
#include <arpa/inet.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

#include "config/proxy_settings.hpp"
#include "config/validate.hpp"

namespace mailroom::config {
namespace {

constexpr std::size_t max_password_bytes = 4096;

bool is_one_line(std::string_view s) { return s.find_first_of(std::string_view("\r\n\0", 3)) == s.npos; }

// Mechanisms that hand the password itself to the server.
bool sends_password(proxy_protocol p, std::string_view auth) {
    if (auth == "plain" || auth == "login") return true;
    return p == proxy_protocol::pop3 && auth == "user";
}

}  // namespace

std::uint16_t default_upstream_port(proxy_protocol p, upstream_tls tls) noexcept {
    if (p == proxy_protocol::pop3) return tls == upstream_tls::implicit ? 995 : 110;
    return tls == upstream_tls::implicit ? 465 : 587;
}

bool is_loopback_literal(std::string_view address) {
    const std::string s(address);
    unsigned char b[16] = {};
    if (s.find('\0') != std::string::npos) return false;
    if (::inet_pton(AF_INET, s.c_str(), b) == 1) return b[0] == 127;
    if (::inet_pton(AF_INET6, s.c_str(), b) != 1) return false;
    for (int i = 0; i < 15; ++i)
        if (b[i] != 0) return false;
    return b[15] == 1;
}

std::optional<listen_endpoint> parse_listen(std::string_view text) {
    // Port 0 is allowed here (split_host_port refuses it): put 1 in its
    // place to check the shape, then take 0 back.
    std::string probe(text);
    const bool zero = probe.size() > 2 && probe.substr(probe.size() - 2) == ":0";
    if (zero) probe.back() = '1';
    const auto hp = detail::split_host_port(probe);
    if (!hp || !hp->port) return std::nullopt;
    listen_endpoint out{hp->host == "localhost" ? "127.0.0.1" : hp->host, zero ? std::uint16_t{0} : *hp->port};
    if (!detail::is_ip_literal(out.address)) return std::nullopt;
    return out;
}

std::optional<upstream_tls> upstream_tls_from(std::string_view word) {
    if (word == "none") return upstream_tls::none;
    if (word == "starttls") return upstream_tls::starttls;
    if (word == "implicit") return upstream_tls::implicit;
    return std::nullopt;
}

std::string_view protocol_name(proxy_protocol p) noexcept { return p == proxy_protocol::pop3 ? "pop3" : "smtp"; }

std::vector<std::string> proxy_entry_problems(const proxy_entry& e) {
    std::vector<std::string> out;
    if (!e.allow_remote && !is_loopback_literal(e.listen_address))
        out.push_back("listen address " + e.listen_address +
                      " is not loopback: the program's side of the proxy is plaintext, so listening "
                      "elsewhere needs allow_remote (--allow-remote)");
    if (e.upstream_host.empty()) out.push_back("no upstream server given");
    if (e.tls == upstream_tls::none && sends_password(e.protocol, e.auth))
        out.push_back("upstream auth " + e.auth +
                      " without upstream TLS would send the password in cleartext; use TLS or a "
                      "challenge-response method");
    if (e.protocol == proxy_protocol::smtp) {
        if (e.tls == upstream_tls::none)
            out.push_back("the SMTP proxy submits upstream with TLS only (upstream tls starttls or implicit)");
        if (!e.upstream_user.empty() && e.upstream_password.empty())
            out.push_back("upstream user " + e.upstream_user + " needs a password file");
        if (e.upstream_user.empty() && !e.upstream_password.empty())
            out.push_back("an upstream password file needs an upstream user");
        if (!e.local_user.empty() && e.local_password.empty())
            out.push_back("local user " + e.local_user + " needs a password file");
        if (e.local_user.empty() && !e.local_password.empty())
            out.push_back("a local password file needs a local user");
    } else {
        if (!e.upstream_user.empty() || !e.local_user.empty())
            out.push_back(
                "the POP3 proxy logs in with the user and password the program gives; "
                "upstream and local users are for SMTP");
        if (e.auth == "auto" && e.tls == upstream_tls::none)
            out.push_back(
                "upstream auth auto without TLS: name the challenge-response method "
                "(apop, cram-md5, scram-sha-1, scram-sha-256)");
    }
    if (e.max_connections == 0) out.push_back("max connections must be at least 1");
    if (e.max_connections_per_ip == 0) out.push_back("max connections per address must be at least 1");
    return out;
}

password_file_result read_password_file(const std::filesystem::path& file) {
    password_file_result r;
    const std::string name = "'" + file.string() + "'";
    std::error_code ec;
    const auto status = std::filesystem::status(file, ec);
    if (ec) {
        r.error = "cannot read " + name + ": " + ec.message();
        return r;
    }
    if (!std::filesystem::is_regular_file(status)) {  // a FIFO or device could block or never end
        r.error = name + " is not a regular file";
        return r;
    }
    errno = 0;
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        const int err = errno;
        r.error = "cannot read " + name + (err ? ": " + std::string(std::strerror(err)) : "");
        return r;
    }
    std::string text(max_password_bytes + 3, '\0');  // room for CR LF and one byte too many
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) {
        r.error = "cannot read " + name + ": read error";
        return r;
    }
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (!text.empty() && text.back() == '\n') text.pop_back();
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.size() > max_password_bytes) r.error = name + " is longer than 4096 bytes";
    else if (text.empty()) r.error = name + " is empty";
    else if (!is_one_line(text)) r.error = name + " must hold the password on one line";
    else r.password = secret(std::move(text));
    secret wipe(std::move(text));  // what was read goes away zeroed either way
    return r;
}

}  // namespace mailroom::config
