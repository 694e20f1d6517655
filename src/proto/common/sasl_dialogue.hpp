// proto::sasl_dialogue: the client's side of a SASL exchange as POP3
// (RFC 5034 §4) and SMTP (RFC 4954 §4) both run it - after a challenge the
// next line answers it, "*" cancels, and after success with final server
// data ("+ data" / "334 data") the client must send an empty line before
// the login counts. The engine sends the lines; this decides what a
// response line means. Used by every server engine with AUTH.
#pragma once

#include <string>
#include <string_view>

namespace mailroom::proto {

class sasl_dialogue {
public:
    // True while a challenge or final data is out: the next line is a SASL
    // response, not a command (and may be longer than a command).
    bool expecting_response() const noexcept { return expecting_; }

    void challenge_sent() noexcept { expecting_ = true; }
    // Success with final server data was sent for `user`; an empty line must follow.
    void final_data_sent(std::string user);

    enum class outcome {
        respond,  // pass `text` (base64) to the exchange: sasl_continue
        aborted,  // "*": answer the protocol's "aborted" error
        success,  // the empty line after final data: `text` is the user
        failure,  // anything else after final data: a failed login
    };
    struct step {
        outcome what;
        std::string text;
        bool abort_exchange = false;  // the SASL exchange is still open: request sasl_abort
    };
    // Only while expecting_response(); ends the expectation.
    step on_line(std::string_view line);
    // An over-long response line: the dialogue ends. True if the exchange
    // is still open (request sasl_abort).
    bool on_too_long() noexcept;

private:
    bool expecting_ = false;
    bool final_sent_ = false;
    std::string user_;
};

}  // namespace mailroom::proto
