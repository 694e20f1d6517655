// The TRANSACTION and UPDATE states of pop3::server_session (RFC 1939 §5,
// §6): STAT, LIST, UIDL, DELE, NOOP, RSET, QUIT and the answer to the
// deletes request. RETR and TOP are in retrieval.cpp.
#include "proto/pop3/server_session.hpp"

#include <algorithm>

#include "proto/pop3/command.hpp"

namespace mailroom::pop3 {
namespace {

constexpr std::string_view no_such_message = "-ERR No such message.";
constexpr std::string_view invalid_number = "-ERR Invalid message number.";

}  // namespace

void server_session::cmd_quit(const command& c) {
    if (!c.args.empty()) return bad("-ERR Syntax error: QUIT takes no argument.");
    if (state_ == state::authorization) {
        reply("+OK Logging out.");
        return close(close_reason::quit);
    }
    // RFC 1939 §6: QUIT in TRANSACTION enters UPDATE and removes the marked messages.
    state_ = state::update;
    std::vector<std::string> uids;
    for (std::size_t i = 0; i < messages_.size(); ++i)
        if (deleted_[i]) uids.push_back(messages_[i].uid);
    if (uids.empty()) {
        reply("+OK Logging out.");
        return close(close_reason::quit);
    }
    request(apply_deletes{std::move(uids)});
    awaiting_ = awaiting::deletes;
}

// ---- TRANSACTION ----------------------------------------------------------------

std::optional<std::size_t> server_session::live_message(std::string_view arg) {
    auto n = parse_number(arg);
    if (!n) {
        bad(invalid_number);
        return std::nullopt;
    }
    if (*n == 0 || *n > messages_.size() || deleted_[*n - 1]) {
        refuse(no_such_message);  // may be gone since the listing: no protocol error
        return std::nullopt;
    }
    return static_cast<std::size_t>(*n - 1);
}

void server_session::cmd_stat(const command& c) {
    if (!c.args.empty()) return bad("-ERR Syntax error: STAT takes no argument.");
    std::size_t count = 0;
    std::uint64_t octets = 0;
    for (std::size_t i = 0; i < messages_.size(); ++i)
        if (!deleted_[i]) ++count, octets += messages_[i].size;
    ok("+OK " + std::to_string(count) + " " + std::to_string(octets));
}

void server_session::list_or_uidl(const command& c, bool uidl) {
    auto describe = [&](std::size_t i) {
        return std::to_string(i + 1) + " " + (uidl ? messages_[i].uid : std::to_string(messages_[i].size));
    };
    if (c.args.size() > 1) return bad("-ERR Syntax error: one message number at most.");
    if (c.args.size() == 1) {
        auto i = live_message(c.args[0]);
        if (i) ok("+OK " + describe(*i));
        return;
    }
    std::size_t count = 0;
    std::uint64_t octets = 0;
    std::string body;
    for (std::size_t i = 0; i < messages_.size(); ++i) {
        if (deleted_[i]) continue;
        ++count;
        octets += messages_[i].size;
        body += describe(i) + "\r\n";
    }
    std::string head = uidl ? "+OK"
                            : "+OK " + std::to_string(count) + " messages (" + std::to_string(octets) + " octets)";
    request(send_reply{head + "\r\n" + body + ".\r\n"});
    bad_commands_ = 0;
}

void server_session::cmd_dele(const command& c) {
    if (c.args.size() != 1) return bad("-ERR Syntax error: DELE takes a message number.");
    auto i = live_message(c.args[0]);
    if (!i) return;
    deleted_[*i] = true;
    ok("+OK Marked to be deleted.");
}

void server_session::cmd_noop(const command& c) {
    if (!c.args.empty()) return bad("-ERR Syntax error: NOOP takes no argument.");
    ok("+OK");
}

void server_session::cmd_rset(const command& c) {
    if (!c.args.empty()) return bad("-ERR Syntax error: RSET takes no argument.");
    std::fill(deleted_.begin(), deleted_.end(), false);
    std::uint64_t octets = 0;
    for (const auto& m : messages_) octets += m.size;
    ok("+OK " + std::to_string(messages_.size()) + " messages (" + std::to_string(octets) + " octets)");
}

void server_session::deletes_applied(std::error_code ec) {
    if (awaiting_ != awaiting::deletes) return;
    awaiting_ = awaiting::nothing;
    if (ec) {
        reply("-ERR [SYS/TEMP] Some deleted messages were not removed.");  // RFC 1939 §6
    } else {
        summary_.deleted = static_cast<unsigned>(std::count(deleted_.begin(), deleted_.end(), true));
        reply("+OK Logging out.");
    }
    close(close_reason::quit);
}

}  // namespace mailroom::pop3
