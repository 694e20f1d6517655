// sandbox::client_diagnostics: the per-session RFC checks (see the header).
#include "sandbox/client_diagnostics.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace mailroom::sandbox {

namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::pair<std::string_view, std::string_view> split_word(std::string_view s) {
    auto sp = s.find(' ');
    if (sp == std::string_view::npos) return {s, {}};
    return {s.substr(0, sp), s.substr(sp + 1)};
}

bool one_of(const std::string& w, std::initializer_list<std::string_view> set) {
    return std::find(set.begin(), set.end(), w) != set.end();
}

// A password "looks base64-encoded" when it is base64 text of at least 8
// characters that decodes to printable ASCII (what a client that base64s
// its PASS argument sends): "c2VjcmV0" is "secret".
bool looks_base64(std::string_view s) {
    if (s.size() < 8 || s.size() % 4 != 0) return false;
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::size_t pad = s.ends_with("==") ? 2 : s.ends_with('=') ? 1 : 0;
    std::string decoded;
    unsigned acc = 0;
    int bits = 0;
    for (std::size_t i = 0; i < s.size() - pad; ++i) {
        int v = value(s[i]);
        if (v < 0) return false;
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            decoded.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    return !decoded.empty() &&
           std::all_of(decoded.begin(), decoded.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

std::string_view unquote(std::string_view s) {
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
    return s;
}

}  // namespace

client_diagnostics::client_diagnostics(std::string protocol, bool tls) : protocol_(std::move(protocol)), tls_(tls) {}

void client_diagnostics::add(std::string code, std::string rfc, std::string text, std::size_t entry) {
    if (std::find(seen_.begin(), seen_.end(), code) != seen_.end()) return;
    seen_.push_back(code);
    out_.push_back({std::move(code), std::move(rfc), std::move(text), entry});
}

std::vector<finding> client_diagnostics::take() { return std::exchange(out_, {}); }

void client_diagnostics::server_bytes(std::string_view bytes, std::size_t) {
    pending_server_.append(bytes.substr(0, max_line_bytes));
    std::size_t nl;
    while ((nl = pending_server_.find('\n')) != std::string::npos) {
        std::string line = pending_server_.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        pending_server_.erase(0, nl + 1);
        server_line(line);
    }
    if (pending_server_.size() > max_line_bytes) pending_server_.clear();
}

void client_diagnostics::server_line(std::string_view line) {
    greeted_ = true;
    std::string u = upper(line);
    if (protocol_ == "smtp") {
        if (u.size() >= 4 && u.substr(4).starts_with("PIPELINING")) pipelining_offered_ = true;
        if (u.size() >= 4 && u[3] == '-') return;  // a continued reply: not its end yet
        if (u.starts_with("354")) in_data_ = true;
        if (u.starts_with("334")) sasl_response_due_ = true;
        if (u.starts_with("235")) authenticated_ = true;
        if (u.starts_with("500") || u.starts_with("502"))
            add("unknown_command", "RFC 5321 §4.2.4", "the client sent a command the server does not know", 0);
        if (u.starts_with("503")) add("wrong_state", "RFC 5321 §4.1.4", "the client sent a command out of sequence", 0);
        waiting_reply_ = false;
        return;
    }
    if (protocol_ == "pop3") {
        if (u == "PIPELINING" && last_verb_ == "CAPA") pipelining_offered_ = true;  // RFC 2449 §6.6
        if (u.starts_with("+OK") && one_of(last_verb_, {"PASS", "APOP"})) authenticated_ = true;
        if (u.starts_with("+OK") || u.starts_with("-ERR")) waiting_reply_ = false;
        if (u.starts_with("+ ") || u == "+") {  // SASL continuation (RFC 5034 §4)
            waiting_reply_ = false;
            sasl_response_due_ = true;
        }
        return;
    }
    // IMAP: a tagged status line ends the wait; "+" asks for more.
    auto [tag, rest] = split_word(u);
    if (tag == "+") {
        waiting_reply_ = false;
        if (last_verb_ == "AUTHENTICATE") sasl_response_due_ = true;
        return;
    }
    if (tag == "*") {
        if (rest.starts_with("OK") || rest.starts_with("PREAUTH")) waiting_reply_ = false;  // the greeting
        return;
    }
    auto [status, text] = split_word(rest);
    if (status == "OK" && one_of(last_verb_, {"LOGIN", "AUTHENTICATE"})) authenticated_ = true;
    if (status == "OK" && one_of(last_verb_, {"SELECT", "EXAMINE"})) selected_ = true;
    waiting_reply_ = false;
}

void client_diagnostics::client_bytes(std::string_view bytes, std::size_t entry) {
    if (!greeted_ && !bytes.empty())
        add("early_command",
            protocol_ == "smtp"   ? "RFC 5321 §3.1"
            : protocol_ == "pop3" ? "RFC 1939 §4"
                                  : "RFC 9051 §7.1",
            "the client sent a command before the server's greeting", entry);
    std::size_t start = 0;
    while (start < bytes.size()) {
        if (literal_left_ > 0) {  // IMAP literal octets are data, not lines
            std::size_t n = std::min(literal_left_, bytes.size() - start);
            literal_left_ -= n;
            start += n;
            continue;
        }
        auto nl = bytes.find('\n', start);
        if (nl == std::string_view::npos) {
            if (pending_client_.size() < max_line_bytes) pending_client_.append(bytes.substr(start, max_line_bytes));
            break;
        }
        if (pending_client_.size() < max_line_bytes)
            pending_client_.append(bytes.substr(start, std::min(nl - start, max_line_bytes)));
        // Judged on the wire bytes, so a line cut at max_line_bytes keeps its CR.
        char before = nl > start ? bytes[nl - 1] : prev_client_byte_;
        start = nl + 1;
        std::string line = std::exchange(pending_client_, {});
        if (!line.empty() && line.back() == '\r') line.pop_back();
        client_line(line, before != '\r', entry);
    }
    if (!bytes.empty()) prev_client_byte_ = bytes.back();
}

void client_diagnostics::client_line(std::string_view line, bool bare_lf, std::size_t entry) {
    if (bare_lf)
        add("bare_lf",
            protocol_ == "smtp"   ? "RFC 5321 §2.3.8"
            : protocol_ == "pop3" ? "RFC 1939 §3"
                                  : "RFC 9051 §2.2",
            "the client ended a line with LF alone; lines end with CRLF", entry);
    if (in_data_) {
        if (line == ".") {
            in_data_ = false;
            waiting_reply_ = true;
            last_verb_ = std::string(1, '.');  // move: GCC 12 -Wrestrict false positive on assign
        }
        return;
    }
    if (protocol_ == "imap") {
        // A literal announced at the end of the line: its octets follow (RFC 9051 §4.3).
        if (line.ends_with('}')) {
            auto open = line.rfind('{');
            if (open != std::string_view::npos) {
                std::string_view n = line.substr(open + 1, line.size() - open - 2);
                if (n.ends_with('+')) n.remove_suffix(1);
                std::size_t v = 0;
                for (char c : n)
                    v = c >= '0' && c <= '9' && v < (1u << 30) ? v * 10 + static_cast<std::size_t>(c - '0') : v;
                literal_left_ = v;
            }
        }
        if (std::exchange(sasl_response_due_, false)) {  // a SASL response line, not a command
            waiting_reply_ = true;
            return;
        }
        auto [tag, rest] = split_word(line);
        if (tag.empty()) return;  // the end of a command line after its literal
        auto [verb, args] = split_word(rest);
        command(upper(verb), args, entry);
        return;
    }
    if (std::exchange(sasl_response_due_, false)) {  // a SASL response line, not a command
        waiting_reply_ = true;
        return;
    }
    auto [verb, args] = split_word(line);
    command(upper(verb), args, entry);
}

void client_diagnostics::command(const std::string& verb, std::string_view args, std::size_t entry) {
    if (waiting_reply_ && greeted_ && !pipelining_offered_ && protocol_ != "imap")
        add("pipelining", protocol_ == "smtp" ? "RFC 2920 §3.1" : "RFC 2449 §6.6",
            "the client sent a command before the reply to the previous one, and the server did not offer "
            "PIPELINING",
            entry);
    waiting_reply_ = true;
    last_verb_ = verb;
    if (protocol_ == "smtp") {
        if (verb == "QUIT") quit_ = true;
        if (verb == "AUTH" && !tls_) {
            auto mech = upper(split_word(args).first);
            if (mech == "PLAIN" || mech == "LOGIN") plaintext_login(entry);
        }
        return;
    }
    if (protocol_ == "pop3") {
        static constexpr std::array known = {"USER", "PASS", "APOP", "AUTH", "STLS", "CAPA", "STAT", "LIST", "RETR",
                                             "DELE", "NOOP", "RSET", "QUIT", "TOP",  "UIDL", "UTF8", "LANG"};
        if (std::find(known.begin(), known.end(), verb) == known.end()) {
            add("unknown_command", "RFC 1939 §3", "the client sent a command POP3 does not define", entry);
            return;
        }
        if (verb == "QUIT") quit_ = true;
        if (one_of(verb, {"STAT", "LIST", "RETR", "DELE", "NOOP", "RSET", "TOP", "UIDL"}) && !authenticated_)
            add("wrong_state", "RFC 1939 §5", "the client sent a TRANSACTION command before logging in", entry);
        if (verb == "PASS") {
            check_password(args, entry);
            if (!tls_) plaintext_login(entry);
        }
        if (verb == "AUTH" && !tls_) {
            auto mech = upper(split_word(args).first);
            if (mech == "PLAIN" || mech == "LOGIN") plaintext_login(entry);
        }
        return;
    }
    static constexpr std::array known = {"CAPABILITY", "NOOP",      "LOGOUT",    "STARTTLS",     "AUTHENTICATE",
                                         "LOGIN",      "ENABLE",    "SELECT",    "EXAMINE",      "CREATE",
                                         "DELETE",     "RENAME",    "SUBSCRIBE", "UNSUBSCRIBE",  "LIST",
                                         "LSUB",       "NAMESPACE", "STATUS",    "APPEND",       "IDLE",
                                         "CLOSE",      "UNSELECT",  "EXPUNGE",   "SEARCH",       "FETCH",
                                         "STORE",      "COPY",      "MOVE",      "UID",          "CHECK",
                                         "ID",         "DONE",      "GETQUOTA",  "GETQUOTAROOT", "SETQUOTA",
                                         "COMPRESS",   "ESEARCH",   "SORT",      "THREAD",       "XLIST"};
    if (std::find(known.begin(), known.end(), verb) == known.end()) {
        add("unknown_command", "RFC 9051 §6", "the client sent a command IMAP does not define", entry);
        return;
    }
    if (verb == "LOGOUT") quit_ = true;
    if (one_of(verb, {"FETCH", "STORE", "SEARCH", "COPY", "MOVE", "EXPUNGE", "CLOSE", "UNSELECT", "UID"}) && !selected_)
        add("wrong_state", "RFC 9051 §3.3", "the client sent a selected-state command with no mailbox selected", entry);
    if (verb == "LOGIN") {
        auto [user, password] = split_word(args);
        check_password(unquote(password), entry);
        if (!tls_) plaintext_login(entry);
    }
}

void client_diagnostics::check_password(std::string_view password, std::size_t entry) {
    if (looks_base64(password))
        add("base64_password", protocol_ == "pop3" ? "RFC 1939 §7" : "RFC 9051 §6.2.3",
            "the password looks base64-encoded; USER/PASS and LOGIN carry it as plain text", entry);
}

void client_diagnostics::plaintext_login(std::size_t entry) {
    add("plaintext_login",
        protocol_ == "smtp"   ? "RFC 4954 §4"
        : protocol_ == "pop3" ? "RFC 8314 §3"
                              : "RFC 9051 §6.2.3",
        "a password was sent without TLS: a production listener would refuse this login", entry);
}

void client_diagnostics::session_ended(std::size_t entry) {
    if (!quit_)
        add("missing_quit",
            protocol_ == "smtp"   ? "RFC 5321 §4.1.1.10"
            : protocol_ == "pop3" ? "RFC 1939 §6"
                                  : "RFC 9051 §6.1.3",
            protocol_ == "imap" ? "the client closed the connection without LOGOUT"
                                : "the client closed the connection without QUIT",
            entry);
}

}  // namespace mailroom::sandbox
