// sandbox::dev_context: what `mailroom dev` (src/cli/dev.cpp) hands to the
// HTTP API's route set-up, add_dev_routes() (sandboxweb, http_api.cpp): the
// session journal, the fault book, the captured-message events and where the
// mail lives. Everything in it outlives the HTTP listener.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "sandbox/event_hub.hpp"
#include "sandbox/fault_rules.hpp"
#include "sandbox/session_journal.hpp"

namespace mailroom::http {
class router;
}

namespace mailroom::sandbox {

// A message stored by the catch-all (SMTP, submission, or an API inject).
struct captured_message {
    std::string mailbox;         // the recipient address, lower-cased: "bob@example.org"
    std::uint32_t uid = 0;       // its UID in that mailbox's INBOX, 0 if not known
    std::filesystem::path file;  // the stored file (maildir), byte for byte as received
    std::uint64_t session = 0;   // journal id of the SMTP session that brought it, 0 = API
};

struct dev_ports {
    unsigned smtp = 0, submission = 0, submissions = 0, pop3 = 0, pop3s = 0, imap = 0, imaps = 0;
    std::string http;  // "http://127.0.0.1:8025"
};

struct dev_context {
    session_journal& journal;
    fault_book& faults;
    event_hub<captured_message>& messages;
    std::filesystem::path data_dir;   // the sandbox's whole state
    std::filesystem::path mail_root;  // maildirs, one per mailbox (data_dir / "mail")
    dev_ports ports;
    bool strict_users = false;  // --users FILE given: passwords checked
    // Bearer token the API must require when it listens on a non-loopback
    // address (`mailroom dev --http ADDR:PORT`); empty on loopback: no token.
    std::string token;
    // Sends a stored message to "host:port" (a smarthost) and returns "" or an
    // error text; empty function while release is not available.
    std::function<std::string(const std::filesystem::path& message, const std::string& smarthost)> release;
};

// Written by sandboxweb (src/sandbox/http_api.cpp); called once by the dev start-up.
void add_dev_routes(http::router& r, dev_context& ctx);

}  // namespace mailroom::sandbox
