// proto::actions: the requests every server engine hands its driver in the
// same shape (send, start TLS, SASL steps, a failed-login pause, close) and
// the one close_reason with its log name. Each engine's action variant adds
// its own requests to these; server/connection_driver.hpp performs these
// once for all engines.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace mailroom::proto {

struct send_reply {
    std::string bytes;
};                    // CRLF lines; a streamed POP3 message may end one mid-line (the next send goes on)
struct start_tls {};  // answer: tls_started() (or the driver closes)
struct sasl_begin {
    std::string mechanism;
    std::optional<std::string> initial_response_b64;
};
struct sasl_continue {
    std::string response_b64;
};                     // answer: sasl_challenge() or sasl_done()
struct sasl_abort {};  // no answer
struct pause {
    std::chrono::milliseconds delay;
};  // failed-login delay; no answer

enum class close_reason { quit, timeout, eof, too_many_errors, auth_failures, tls_failed, server_error, shutdown };
struct close_connection {
    close_reason why;
};

// The name in the "disconnect reason=" log line.
const char* reason_name(close_reason r) noexcept;

// The outcome of a login (password check or SASL exchange).
enum class login_status { ok, bad_credentials, temporary_failure };

}  // namespace mailroom::proto
