// sandbox::dev_context: what `mailroom dev` (src/cli/dev.cpp) hands to the
// HTTP API's route set-up, add_dev_routes() (sandboxweb, http_api.cpp): the
// session journal, the fault book, the captured-message events and where the
// mail lives. Everything in it outlives the HTTP listener.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

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

// POST /api/messages/{id}/release: the message (a staged copy of its file
// in SMTP's content form - CRLF lines, the last one ended too - which the
// caller removes afterwards) and the envelope to send it with.
struct release_request {
    std::filesystem::path file;
    std::optional<std::string> sender;  // absent: the message's Return-Path
    std::vector<std::string> recipients;
};

struct release_recipient {
    std::string address;
    std::string status;  // "accepted", "refused" (5xx) or "deferred" (4xx or no answer)
    std::string reply;   // the smarthost's reply, e.g. "250 2.0.0 Ok: queued"
};

struct release_outcome {
    std::string smarthost;  // "host:port"
    std::string peer;       // "host[address]:port" that answered, "" if none did
    std::string tls;        // e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384 verified=no"
    std::vector<release_recipient> recipients;
    std::string error;  // "" when every recipient was accepted
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
    // Sends a captured message on to the configured smarthost
    // ([delivery.smarthost] of --config); an empty function when none is
    // configured. Runs on the HTTP listener's executor without blocking it.
    std::function<boost::asio::awaitable<release_outcome>(release_request)> release;
};

// Written by sandboxweb (src/sandbox/http_api.cpp); called once by the dev start-up.
void add_dev_routes(http::router& r, dev_context& ctx);

}  // namespace mailroom::sandbox
