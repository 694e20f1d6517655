// smtp::client::outgoing_message: one message the client engine is asked to
// transfer, as the queue holds it (envelope plus content), and what became
// of each recipient. Plain data; no behaviour.
#pragma once

#include <string>
#include <vector>

#include "proto/smtp/client/reply_reader.hpp"
#include "proto/smtp/command.hpp"

namespace mailroom::smtp::client {

struct outgoing_recipient {
    std::string address;  // as the queue holds it, without <>
    unsigned notify = 0;  // DSN NOTIFY bits as in smtp::rcpt_params (1 success, 2 failure, 4 delay, 8 never)
    std::string orcpt;    // "rfc822;addr", decoded; "" = none
};

struct outgoing_message {
    std::string id;      // the queue id; echoed in the result
    std::string sender;  // "" = null reverse-path (bounces)
    std::vector<outgoing_recipient> recipients;
    std::string envid;  // DSN ENVID, decoded; "" = none
    dsn_ret ret = dsn_ret::unspecified;
    bool smtputf8 = false;   // needs SMTPUTF8 (also implied by a non-ASCII address)
    bool eight_bit = false;  // content has 8-bit octets: needs 8BITMIME
    std::string content;     // CRLF lines, not dot-stuffed
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
