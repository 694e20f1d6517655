// sandbox::dev_settings: what `mailroom dev`'s options mean, as pure
// functions (src/cli/dev.cpp parses, dev_server.cpp starts): the
// configuration built in code (every listener with plaintext logins, ports
// from --port-base), the --http address, the --users file, the JSON line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/settings.hpp"

namespace mailroom::sandbox {

struct dev_options {
    std::optional<std::filesystem::path> data_dir;  // kept; absent: a fresh temporary one
    bool keep = false;                              // keep the temporary one at exit
    std::optional<unsigned> port_base;              // N: N+25, N+587, ...; 0: the system picks
    std::optional<std::filesystem::path> config_file;
    std::optional<std::filesystem::path> users_file;  // strict logins
    std::optional<std::filesystem::path> faults_file;
    bool show_passwords = false;
    std::optional<std::string> http;  // "ADDR:PORT"
};

// Port of each dev listener for --port-base N (N + the usual port), and of
// the HTTP listener (N + 8025). Without --port-base: the embedded
// defaults 2525, 5587, 4465, 1110, 1995, 1143, 1993 and 8025.
inline constexpr std::pair<std::string_view, unsigned> dev_port_offsets[] = {{"smtp", 25},         {"submission", 587},
                                                                             {"submissions", 465}, {"pop3", 110},
                                                                             {"pop3s", 995},       {"imap", 143},
                                                                             {"imaps", 993}};
inline constexpr unsigned http_port_offset = 8025;
inline constexpr unsigned max_port_base = 65535 - http_port_offset;

struct http_endpoint {
    std::string address;  // IP literal, without brackets
    std::uint16_t port = 0;
    bool loopback = true;  // false: the API wants a token
};
// "127.0.0.1:8025", "[::1]:8025", "0.0.0.0:0"; nullopt with `error` set.
std::optional<http_endpoint> parse_http_option(std::string_view text, std::string& error);

// The configuration of a dev server: `base` (embedded defaults, or what
// --config read) with the sandbox's data directory, its listeners and HTTP
// address. A --config file's own [[listener]] tables are kept as written;
// otherwise the dev listeners all allow plaintext logins (and AUTH before
// STARTTLS), offer APOP, and - with `any_login` - PLAIN, LOGIN, CRAM-MD5 only.
// Returns "" or what is wrong with the options.
std::string apply_dev_options(config::settings& base, const dev_options& o, const std::filesystem::path& data_dir,
                              bool any_login);

// --users FILE: one "address password" per line (the password is the rest
// of the line; blank lines and lines starting with '#' are skipped).
struct users_file {
    std::vector<std::pair<std::string, std::string>> users;  // canonical address, password
    std::vector<std::string> errors;                         // "line N: ..."; users empty if any
};
inline constexpr std::size_t max_users_file_bytes = 1 << 20;
users_file parse_users_file(std::string_view text);

// The one line printed when every listener is open:
// {"smtp": 2525, ..., "http": "http://127.0.0.1:8025", "data_dir": "...", "token": "..."}
// (token only when not empty; ports by listener name, in the order given).
std::string ports_json_line(const std::vector<std::pair<std::string, unsigned>>& ports, const std::string& http_url,
                            const std::filesystem::path& data_dir, const std::string& token);

}  // namespace mailroom::sandbox
