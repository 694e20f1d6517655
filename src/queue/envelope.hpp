// queue::envelope: what the SMTP service knows about a queued message
// besides its bytes (sender, recipients with DSN options and delivery state,
// retry bookkeeping), and its on-disk text form. Plain data: no I/O here.
// Written by the spool (src/queue/spool.hpp), read back after crashes, so
// parse_envelope trusts nothing it reads.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailroom::queue {

struct recipient {
    std::string address;
    std::string orcpt;  // RFC 3461 §4.2 ORCPT, may be empty
    // RFC 3461 §4.1 NOTIFY bits; 0 = not given (default: failure and delay)
    unsigned notify = 0;
    static constexpr unsigned notify_success = 1, notify_failure = 2, notify_delay = 4, notify_never = 8;
    enum class status { pending, delivered, failed } state = status::pending;
    // What the last attempt learnt, for the DSN (RFC 3464 §2.3): the remote
    // reply or a local reason ("" = none yet), the host that gave it ("" when
    // no server answered), the RFC 3463 status ("" = derive from last_error)
    // and when the attempt was made (epoch = never).
    std::string last_error;
    std::string remote_mta;
    std::string dsn_status;
    std::chrono::system_clock::time_point last_attempt;
    // Which success notice a delivery earns if NOTIFY=SUCCESS was asked
    // (RFC 3461 §5.2.2, §5.2.3): "delivered" when we made the final
    // delivery, "relayed" when the next hop does not pass DSN on, none when
    // it does (its report replaces ours) or the recipient is not delivered.
    enum class success_kind { none, delivered, relayed } success_notice = success_kind::none;
    // The final state (delivered or failed) has been dealt with: its DSN, if
    // one was due, is queued, or none was due. Set only after that DSN is
    // durable (src/delivery/outcome_decision.hpp), so a restart never
    // loses a report; at worst it repeats one after a crash in between.
    bool reported = false;

    bool operator==(const recipient&) const = default;
};

struct envelope {
    std::string id;      // assigned by spool::enqueue
    std::string sender;  // "" = null reverse-path (RFC 5321 §4.5.5)
    std::vector<recipient> recipients;
    std::string envid;  // RFC 3461 §4.4 ENVID, may be empty
    enum class ret_kind { unspecified, full, headers } ret = ret_kind::unspecified;  // RFC 3461 §4.3
    bool smtputf8 = false;                                                           // RFC 6531
    bool eight_bit = false;                                                          // RFC 6152 BODY=8BITMIME
    std::string client_address, helo, auth_user;
    std::chrono::system_clock::time_point arrived;
    unsigned attempts = 0;
    std::chrono::system_clock::time_point next_attempt;
    bool delay_warned = false;  // a delay DSN went out; one per message (as Postfix)

    bool operator==(const envelope&) const = default;
};

// The text form, version 3: a version line, one "key value" line per field
// in a fixed order, one "rcpt" line per recipient, and "end <checksum>" over
// everything before it. Values are percent-escaped (every byte <= 0x20,
// >= 0x7f and '%'; the empty string is "-"), so CR, LF, NUL or spaces in any
// field cannot break a line. Times are nanoseconds since the Unix epoch.
// Version 2 added "delay-warned" and three "rcpt" fields (remote MTA, DSN
// status, last attempt); version 3 two more "rcpt" fields (success notice,
// reported). Older files still parse, the newer fields empty.
std::string serialize_envelope(const envelope& env);

// The envelope, or nullopt if text is not exactly one well-formed version-1,
// -2 or -3 envelope: truncated anywhere, an unknown or missing key, a bad escape or
// number, a checksum mismatch, trailing bytes.
std::optional<envelope> parse_envelope(std::string_view text);

}  // namespace mailroom::queue
