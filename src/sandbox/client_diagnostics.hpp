// sandbox::client_diagnostics: watches one session's bytes (both ways) and
// reports what the client did against the RFCs, each with its section:
// bare LF, pipelining not offered, commands before the greeting or the
// previous reply, base64-looking passwords, plaintext logins, unknown and
// wrong-state commands, a missing QUIT/LOGOUT. Pure logic (no I/O); fed by
// the recording layer of `mailroom dev`, its findings go to the journal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/session_journal.hpp"

namespace mailroom::sandbox {

class client_diagnostics {
public:
    // protocol: "smtp", "pop3" or "imap"; tls: the session is already under TLS (implicit).
    client_diagnostics(std::string protocol, bool tls);

    // entry: the journal index of the entry these bytes were recorded as.
    void server_bytes(std::string_view bytes, std::size_t entry);
    void client_bytes(std::string_view bytes, std::size_t entry);
    void tls_started() { tls_ = true; }
    void session_ended(std::size_t entry);

    // Findings since the last call, each code at most once per session.
    std::vector<finding> take();

    static constexpr std::size_t max_line_bytes = 8192;  // longer lines are judged on their start

private:
    void client_line(std::string_view line, bool bare_lf, std::size_t entry);
    void server_line(std::string_view line);
    void add(std::string code, std::string rfc, std::string text, std::size_t entry);
    void check_password(std::string_view password, std::size_t entry);
    void plaintext_login(std::size_t entry);
    void command(const std::string& verb, std::string_view rest, std::size_t entry);

    std::string protocol_;
    bool tls_;
    bool greeted_ = false;
    bool waiting_reply_ = false;  // a command was sent and no reply came yet
    bool pipelining_offered_ = false;
    bool in_data_ = false;  // SMTP: between 354 and the final "."
    bool authenticated_ = false;
    bool selected_ = false;  // IMAP
    bool quit_ = false;
    bool sasl_response_due_ = false;  // the server asked for a SASL response line
    std::string last_verb_;           // of the command the next reply answers
    std::string pending_client_, pending_server_;
    char prev_client_byte_ = 0;     // the last client byte of the previous read
    std::size_t literal_left_ = 0;  // IMAP: literal octets still to skip
    std::vector<std::string> seen_;
    std::vector<finding> out_;
};

}  // namespace mailroom::sandbox
