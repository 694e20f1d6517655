// sandbox::fault_book: the fault rules of `mailroom dev` (issue #14) and the
// decision, per command, whether one fires. Called by the fault layer that
// sits between a connection driver and its engine (never inside src/proto),
// and by the HTTP API to add / list / remove rules. Thread-safe (one lock).
// Deterministic for a seed: a probability draw depends only on the seed, the
// rule, the session's ordinal and the command's count, not on timing.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace mailroom::sandbox {

// Actions (what the client sees instead of, or around, the real reply).
struct error_reply {
    int code = 0;      // SMTP reply code; POP3 ignores it (-ERR); IMAP: 0 NO, 1 BAD
    std::string text;  // "" = a default text
};
struct delay_reply {
    std::chrono::milliseconds by{0};
};
struct drip_reply {
    unsigned bytes_per_second = 1;
};
struct truncate_drop {
    std::size_t keep_bytes = 0;  // bytes of the real reply sent before the connection drops
};
struct drop_connection {};
enum class malformation {
    wrong_octet_count,  // POP3 LIST/RETR size, IMAP literal {n} off by some octets
    bare_lf,            // CRLF replaced by LF
    missing_final_dot,  // POP3 multi-line / SMTP-less: no terminating ".\r\n"
};
struct malformed_reply {
    malformation kind = malformation::bare_lf;
};
struct tls_failure {};  // the TLS handshake is aborted

using fault_action =
    std::variant<error_reply, delay_reply, drip_reply, truncate_drop, drop_connection, malformed_reply, tls_failure>;

struct fault_match {
    std::string protocol;         // "" any, "smtp", "pop3", "imap"
    std::string listener;         // "" any, or a listener name
    std::string command;          // "" any; "RETR", "DATA", "AUTH", "greeting", "tls"
    std::string user;             // "" any
    unsigned nth_in_session = 0;  // 0 any; else only the nth matching command of a session
    unsigned nth_overall = 0;     // 0 any; else only the nth match across all sessions
    double probability = 1.0;     // seeded draw, in [0, 1]
};

struct fault_rule {
    std::uint64_t id = 0;  // given by fault_book::add
    std::string name;      // free label
    fault_match match;
    fault_action action;
    unsigned times = 1;  // 0 = always; 1 = once; N
    unsigned fired = 0;  // how many times it acted so far
};

// What the fault layer knows at the moment it consults the book.
struct fault_event {
    std::string protocol;
    std::string listener;
    std::string command;  // upper-case verb, "greeting" or "tls"
    std::string user;
    std::uint64_t session = 0;      // journal session id (1, 2, ...)
    unsigned count_in_session = 0;  // 1 for the first such command in this session
};

struct fault_decision {
    std::uint64_t rule = 0;
    fault_action action;
};

class fault_book {
public:
    explicit fault_book(std::uint64_t seed = 0) : seed_(seed) {}

    std::uint64_t add(fault_rule r);  // returns its id
    bool remove(std::uint64_t id);
    void clear();
    std::vector<fault_rule> list() const;
    std::uint64_t seed() const;
    void reseed(std::uint64_t seed);  // also restarts every counter, for a replay

    // The first rule (in order of adding) that matches and fires; counts it.
    std::optional<fault_decision> decide(const fault_event& ev);

private:
    struct entry {
        fault_rule rule;
        unsigned matches = 0;  // for nth_overall
    };
    mutable std::mutex mu_;
    std::uint64_t seed_;
    std::uint64_t next_id_ = 1;
    std::vector<entry> rules_;
};

// The action's name as in scenario files and the API: "error", "delay", "drip",
// "truncate", "drop", "malformed", "tls_failure"; and malformation names.
std::string action_name(const fault_action& a);
std::string malformation_name(malformation m);

// splitmix64 of (seed, rule, session, count) mapped to [0, 1): exposed for tests.
double fault_draw(std::uint64_t seed, std::uint64_t rule, std::uint64_t session, unsigned count);

}  // namespace mailroom::sandbox
