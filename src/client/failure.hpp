// client::failure: why a client session (POP3 or IMAP) failed. Both
// connection drivers report it, and `mailroom pop3` / `mailroom imap` turn
// it into the same exit codes (cli/client_exit.hpp).
#pragma once

namespace mailroom::client {

enum class failure {
    none,
    refused,     // the greeting refused us (-ERR, BYE)
    tls,         // STLS/STARTTLS missing or refused, PREAUTH in clear, handshake or certificate failed
    login,       // login refused, no acceptable method, SCRAM server unproven
    protocol,    // malformed, oversized or out-of-turn replies
    connection,  // resolve/connect failed, connection lost, unsolicited BYE, timeout
    local,       // a handler gave up (the destination's disk, the APPEND file)
};

}  // namespace mailroom::client
