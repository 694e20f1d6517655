// sandbox::session_journal: the recorded dialogue of the last N sessions of
// `mailroom dev` (issue #14), bounded in count and in bytes per session.
// Written by the recording layer around the connection drivers, read by the
// HTTP API (sandboxweb). Thread-safe: every member takes the journal's lock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/event_hub.hpp"

namespace mailroom::sandbox {

using wall_time = std::chrono::system_clock::time_point;

enum class direction { client, server };  // "C" / "S"

struct dialogue_entry {
    wall_time at;
    direction dir = direction::client;
    std::string bytes;  // as sent (line ends kept); a password masked unless show_passwords
    std::string note;   // "TLS started", "connection dropped (fault 3)", ... (bytes then empty)
};

// One diagnostic about what the client did, with the rule it broke.
struct finding {
    std::string code;       // stable key: "bare_lf", "pipelining", "early_command", ...
    std::string rfc;        // "RFC 1939 §3"
    std::string text;       // one human sentence
    std::size_t entry = 0;  // index into dialogue of the entry that showed it
};

struct session_record {
    std::uint64_t id = 0;
    std::string protocol;  // "smtp", "pop3", "imap"
    std::string listener;  // listener name: "smtp", "submission", "pop3s", ...
    std::string peer;      // "127.0.0.1:51234"
    wall_time started;
    std::optional<wall_time> ended;
    std::string tls = "none";  // "none", "starttls", "implicit"
    std::string user;          // last login name seen, "" before
    std::vector<dialogue_entry> dialogue;
    std::size_t dialogue_bytes = 0;
    bool truncated = false;  // max_bytes_per_session reached: later bytes not kept
    std::vector<finding> findings;
};

struct journal_limits {
    std::size_t max_sessions = 200;                  // the oldest ended session goes first
    std::size_t max_bytes_per_session = 256 * 1024;  // dialogue bytes kept per session
    std::size_t max_findings_per_session = 100;
};

struct session_event {
    enum class kind { started, ended } what;
    session_record session;  // for "ended" the whole record; for "started" no dialogue yet
};

class session_journal {
public:
    explicit session_journal(journal_limits lim = {}, bool show_passwords = false);

    // A new session; returns its id (1, 2, ... in order of opening).
    std::uint64_t open(std::string protocol, std::string listener, std::string peer);
    // Bytes as they crossed the wire. A client line carrying a password
    // (PASS, LOGIN, AUTH PLAIN/LOGIN initial or continuation response) is
    // masked unless show_passwords. Unknown ids are ignored (session evicted).
    void record(std::uint64_t id, direction dir, std::string_view bytes);
    void note(std::uint64_t id, std::string text);
    void set_tls(std::uint64_t id, std::string state);  // also notes "TLS started"
    void set_user(std::uint64_t id, std::string user);
    void add_finding(std::uint64_t id, finding f);  // same code twice in a session is kept once
    void close(std::uint64_t id);

    std::vector<session_record> list() const;  // newest first, dialogue included
    std::optional<session_record> get(std::uint64_t id) const;
    void clear();  // POST /api/reset: forget every ended session

    event_hub<session_event>& events() { return events_; }
    bool show_passwords() const noexcept { return show_passwords_; }

private:
    struct slot {
        session_record rec;
        bool awaiting_sasl = false;  // last server line was a SASL continuation
    };
    slot* find(std::uint64_t id);
    const slot* find(std::uint64_t id) const;
    void evict();
    void append(slot& s, dialogue_entry e);

    journal_limits lim_;
    bool show_passwords_;
    mutable std::mutex mu_;
    std::uint64_t next_id_ = 1;
    std::deque<slot> sessions_;  // oldest first
    event_hub<session_event> events_;
};

// The line with its secret replaced by "****" if it carries one (exposed
// for tests). awaiting_sasl: the previous server line asked for a SASL
// response ("334 " in SMTP, "+ " in POP3/IMAP), so the whole line is secret.
std::string mask_secret(std::string_view protocol, std::string_view line, bool awaiting_sasl);

}  // namespace mailroom::sandbox
