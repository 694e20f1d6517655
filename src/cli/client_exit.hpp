// The exit codes `mailroom pop3` and `mailroom imap` share, stable (README
// "mailroom pop3" and "mailroom imap"), and the one translation of a
// client::failure into them. Callers: pop3*.cpp, imap*.cpp.
#pragma once

#include "client/failure.hpp"

namespace mailroom::cli {

namespace client_exit {
constexpr int ok = 0;
constexpr int usage = 1;        // bad options, local errors
constexpr int command = 2;      // the server answered -ERR, NO or BAD to a command
constexpr int login = 3;        // login refused, or no acceptable method
constexpr int tls = 4;          // STLS/STARTTLS unavailable, handshake or certificate failed
constexpr int protocol = 5;     // malformed or oversized replies
constexpr int store = 74;       // fetch: the destination could not store (EX_IOERR)
constexpr int connection = 75;  // connect, lost connection, timeout, refusing greeting (EX_TEMPFAIL)
}  // namespace client_exit

constexpr int exit_code_of(client::failure f) noexcept {
    switch (f) {
        case client::failure::none: return client_exit::ok;
        case client::failure::refused:
        case client::failure::connection: return client_exit::connection;
        case client::failure::tls: return client_exit::tls;
        case client::failure::login: return client_exit::login;
        case client::failure::protocol: return client_exit::protocol;
        case client::failure::local: return client_exit::store;
    }
    return client_exit::protocol;
}

}  // namespace mailroom::cli
