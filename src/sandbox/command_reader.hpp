// sandbox::command_reader: finds, in a client's byte flow, where each
// command of an SMTP, POP3 or IMAP session ends (verb, IMAP tag, login
// name), skipping what is not a command: SMTP DATA bodies and BDAT chunks,
// IMAP literals, SASL and IDLE continuation lines. Fed the server's bytes
// too, to know when those start. Outside the sans-I/O engines; used by
// sandbox::session_tap to decide faults per command. Pure logic, bounded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mailroom::sandbox {

// One unit of client input after which the server answers.
struct client_step {
    std::string verb;  // upper case: "RETR", "FETCH" (also for UID FETCH), "DATA"; "" for a continuation line
    std::string tag;   // IMAP: the command's tag; else ""
    std::string user;  // the login name the step carries (USER, LOGIN, AUTH PLAIN), "" if none
    // false: a step whose reply is not the command's outcome (the DATA line
    // before its 354; a continuation line): no fault is decided for it.
    bool consult = true;
};

class command_reader {
public:
    explicit command_reader(std::string protocol);  // "smtp", "pop3", "imap"

    // Steps completed by these bytes, in order.
    std::vector<client_step> client_bytes(std::string_view bytes);
    // What the client saw from the server (after any fault), in order.
    void server_bytes(std::string_view bytes);
    // TLS began: the plaintext buffered before it is gone (RFC 3207 §4.2).
    void reset();

    static constexpr std::size_t max_line_bytes = 8192;  // longer lines are judged on their start

private:
    void line_done(std::vector<client_step>& out);
    void smtp_line(std::string_view line, std::vector<client_step>& out);
    void pop3_line(std::string_view line, std::vector<client_step>& out);
    void imap_line(std::string_view line, std::vector<client_step>& out);
    void server_line(std::string_view start);

    enum class mode { line, data_reply, body, chunk, literal };
    std::string protocol_;
    mode mode_ = mode::line;
    std::string line_;  // the client line so far (capped)
    bool line_overflow_ = false;
    int body_state_ = 0;           // SMTP body: 0 line start, 1 ".", 2 ".\r", 3 in line, 4 "\r" in line
    std::uint64_t skip_left_ = 0;  // BDAT chunk or IMAP literal octets still to skip
    bool bdat_last_ = false;
    bool in_imap_command_ = false;   // IMAP: a command's line continues after a literal
    bool continuation_due_ = false;  // the server's last line asked for a continuation response
    bool sasl_plain_due_ = false;    // ... and the client's next line is an AUTH PLAIN response
    std::string server_line_;        // the start of the server's current line
    std::uint64_t smtp_due_ = 0;     // SMTP lines sent whose final reply line has not come (RFC 2920)
};

}  // namespace mailroom::sandbox
