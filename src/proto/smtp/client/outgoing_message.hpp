// smtp::client::outgoing_message: one message the client engine is asked to
// transfer, as the queue holds it (envelope plus content), and what became
// of each recipient. Plain data; no behaviour.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"

#include "proto/smtp/client/reply_reader.hpp"
#include "proto/smtp/command.hpp"

namespace mailroom::smtp::client {

struct outgoing_recipient {
    std::string address;  // as the queue holds it, without <>
    unsigned notify = 0;  // DSN NOTIFY bits as in smtp::rcpt_params (1 success, 2 failure, 4 delay, 8 never)
    std::string orcpt;    // "rfc822;addr", decoded; "" = none
};

// Content the engine does not hold: a queued message on disk, which the
// driver reads in pieces and dot-stuffs as it sends (send_content), so a
// large message never sits in memory. The engine asks only its size.
class stored_content {
public:
    virtual ~stored_content() = default;
    virtual std::uint64_t size() const noexcept = 0;
    // Up to `max` bytes from `offset` (fewer only at the end); blocking.
    virtual result<std::string> read(std::uint64_t offset, std::size_t max) const = 0;
};

struct outgoing_message {
    std::string id;      // the queue id; echoed in the result
    std::string sender;  // "" = null reverse-path (bounces)
    std::vector<outgoing_recipient> recipients;
    std::string envid;  // DSN ENVID, decoded; "" = none
    dsn_ret ret = dsn_ret::unspecified;
    bool smtputf8 = false;   // needs SMTPUTF8 (also implied by a non-ASCII address)
    bool eight_bit = false;  // content has 8-bit octets: needs 8BITMIME
    std::string content;     // CRLF lines, not dot-stuffed; empty when `stored` has it
    std::shared_ptr<const stored_content> stored;

    std::uint64_t content_size() const noexcept { return stored ? stored->size() : content.size(); }
};

enum class delivery_status { delivered, temporary, permanent };

// Where the outcome was decided: connection-level stages (before this
// message's MAIL) let the driver try another MX instead of counting a
// delivery attempt; "local" means the engine refused without asking.
enum class stage { connection, local, mail, rcpt, data, end_of_data };

struct recipient_outcome {
    std::string address;
    delivery_status status = delivery_status::temporary;
    stage where = stage::connection;
    // The server's reply (all lines, for a bounce); code 0 when the engine
    // decided alone, with its own enhanced code and text in lines[0].
    reply response;
};

}  // namespace mailroom::smtp::client
