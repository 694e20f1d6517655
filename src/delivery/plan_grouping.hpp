// delivery::plan_grouping: which queued recipients go out together, and the
// message the SMTP client engine is handed for them. Pure: no I/O, no DNS;
// the outbound scheduler routes each group (one SMTP transaction per
// recipient domain, as Postfix and OpenSMTPD do) and calls these.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "proto/smtp/client/outgoing_message.hpp"
#include "queue/envelope.hpp"
#include "queue/stored_message.hpp"

namespace mailroom::delivery {

struct domain_group {
    std::string domain;                // lower-case ASCII; UTF-8 (IDNA) bytes left alone
    std::vector<std::size_t> indexes;  // into envelope.recipients, ascending
};

// The pending recipients of env grouped by the domain after their last '@',
// compared without ASCII case (RFC 5321 §2.4: domains are case-insensitive);
// groups sorted by domain. A recipient without '@' forms the group "" which
// no route can serve: the scheduler records a local failure for it.
std::vector<domain_group> pending_by_domain(const queue::envelope& env);

// A queued message as the SMTP client's stored content: the session
// driver reads it in pieces while it sends; local delivery and notices
// read it as a message_source. Never the whole message in memory.
class queued_content final : public smtp::client::stored_content {
public:
    explicit queued_content(queue::stored_message m) : m_(std::move(m)) {}
    std::uint64_t size() const noexcept override { return m_.size(); }
    result<std::string> read(std::uint64_t offset, std::size_t max) const override { return m_.read_at(offset, max); }
    const queue::message_source& source() const noexcept { return m_; }

private:
    queue::stored_message m_;
};

// The transfer of env's recipients at `indexes` (out-of-range ones
// skipped) with `content`, the queued message as spool::open_message
// gives it. The spool keeps the bytes exactly as received after DATA:
// CRLF lines, dot-stuffing already removed (smtp::data_decoder), which is
// what outgoing_message::stored expects, so they are passed on unchanged.
smtp::client::outgoing_message to_outgoing(const queue::envelope& env, const std::vector<std::size_t>& indexes,
                                           std::shared_ptr<const smtp::client::stored_content> content);

}  // namespace mailroom::delivery
