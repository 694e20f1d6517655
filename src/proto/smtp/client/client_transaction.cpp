// Message half of smtp::client::client_session: checks before MAIL, the
// MAIL/RCPT/DATA exchange (pipelined when offered, RFC 2920) and the
// outcome of every recipient.
#include "proto/smtp/client/client_session.hpp"
#include "proto/smtp/client/mail_commands.hpp"

namespace mailroom::smtp::client {
namespace {

delivery_status status_of(const reply& r) {
    if (r.positive()) return delivery_status::delivered;
    return r.permanent() ? delivery_status::permanent : delivery_status::temporary;
}

}  // namespace

void client_session::add_message(outgoing_message m) {
    // After QUIT nothing more goes out on this connection.
    if (phase_ == phase::closed || phase_ == phase::quit) {
        std::vector<recipient_outcome> out;
        for (const auto& r : m.recipients)
            out.push_back({r.address, delivery_status::temporary, stage::connection,
                           reply::local("4.4.0", "not attempted: the session had ended")});
        return emit_done(m, std::move(out));
    }
    queued_.push_back(std::move(m));
    if (phase_ == phase::idle) next_message();
    settle();
}

void client_session::no_more_messages() {
    no_more_ = true;
    if (phase_ == phase::idle) next_message();
    settle();
}

void client_session::next_message() {
    while (!queued_.empty()) {
        auto m = std::move(queued_.front());
        queued_.pop_front();
        if (refuse_locally(m)) continue;
        if (need_rset_) {  // the last transaction failed half-way: clear it first
            queued_.push_front(std::move(m));
            send("RSET\r\n");
            phase_ = phase::rset;
            return;
        }
        return begin_transaction(std::move(m));
    }
    if (no_more_) return send_quit(close_reason::quit);
    phase_ = phase::idle;
}

// Messages this server cannot take as they are: refused without a word
// to it (RFC 1870 §6, RFC 6152 §3, RFC 6531 §3.2), and every recipient
// gets the same permanent outcome.
bool client_session::refuse_locally(outgoing_message& m) {
    std::optional<reply> why;
    if (unsafe_address(m.sender)) {
        why = reply::local("5.1.7", "invalid sender address");
    } else if (needs_smtputf8(m) && !caps_.smtputf8) {
        why = reply::local("5.6.7", "the message needs SMTPUTF8, which the server does not offer");
    } else if (m.eight_bit && !caps_.eight_bit_mime) {
        // RFC 6152 §3 allows converting to 7 bit instead; we do not: it
        // rewrites MIME structure and breaks signatures (DKIM, S/MIME).
        why = reply::local("5.6.3", "the message has 8-bit content and the server does not offer 8BITMIME");
    } else if (caps_.size && caps_.size_limit > 0 && m.content_size() > caps_.size_limit) {
        why = reply::local("5.3.4", "message size " + std::to_string(m.content_size()) +
                                        " exceeds the server's limit " + std::to_string(caps_.size_limit));
    }
    if (!why) return false;
    std::vector<recipient_outcome> out;
    for (const auto& r : m.recipients) out.push_back({r.address, delivery_status::permanent, stage::local, *why});
    emit_done(m, std::move(out));
    return true;
}

void client_session::begin_transaction(outgoing_message m) {
    transaction tx;
    tx.outcomes.resize(m.recipients.size());
    for (std::size_t i = 0; i < m.recipients.size(); ++i) {
        if (unsafe_address(m.recipients[i].address))
            tx.outcomes[i] = recipient_outcome{m.recipients[i].address, delivery_status::permanent, stage::local,
                                               reply::local("5.1.3", "invalid recipient address")};
        else tx.to_send.push_back(i);
    }
    tx.msg = std::move(m);
    if (tx.to_send.empty()) {
        tx_ = std::move(tx);
        return finish_transaction();
    }
    tx.pipelined = caps_.pipelining;
    std::string group = mail_command(tx.msg, caps_);
    tx.pending.emplace_back(expect::mail, 0);
    if (tx.pipelined) {
        // RFC 2920 §3.1: DATA ends the group; every reply is checked in order.
        for (auto i : tx.to_send) {
            group += rcpt_command(tx.msg.recipients[i], caps_);
            tx.pending.emplace_back(expect::rcpt, i);
        }
        tx.next_rcpt = tx.to_send.size();
        group += "DATA\r\n";
        tx.pending.emplace_back(expect::data, 0);
    }
    tx_ = std::move(tx);
    phase_ = phase::mail;
    send(std::move(group));
}

void client_session::on_transaction_reply(const reply& r) {
    auto& tx = *tx_;
    const auto [what, index] = tx.pending.front();
    tx.pending.pop_front();
    switch (what) {
        case expect::mail:
            if (!r.positive()) tx.mail_refused = r;
            if (tx.mail_refused && !tx.pipelined) {
                fail_undecided(tx, status_of(r), stage::mail, r);
                return finish_transaction();
            }
            if (!tx.pipelined) return after_rcpt_reply();
            return;
        case expect::rcpt:
            if (tx.mail_refused) {  // RCPT after a refused MAIL: its own reply says nothing
                tx.outcomes[index] = recipient_outcome{tx.msg.recipients[index].address, status_of(*tx.mail_refused),
                                                       stage::mail, *tx.mail_refused};
            } else if (r.positive()) {
                tx.accepted.push_back(index);
            } else {
                tx.outcomes[index] = recipient_outcome{tx.msg.recipients[index].address,
                                                       r.permanent() ? delivery_status::permanent
                                                                     : delivery_status::temporary,
                                                       stage::rcpt, r};
            }
            if (!tx.pipelined) return after_rcpt_reply();
            return;
        case expect::data:
            if (r.code == 354) {
                if (tx.mail_refused || tx.accepted.empty()) {
                    // RFC 2920 §3.1: DATA accepted with no recipient: a lone dot ends it.
                    tx.pending.emplace_back(expect::dot_only, 0);
                    send(".\r\n");
                    return;
                }
                tx.pending.emplace_back(expect::data_end, 0);
                if (tx.msg.stored) send_stored(tx.msg.stored);
                else send(dot_stuff(tx.msg.content), true);
                return;
            }
            // Refused DATA (with no accepted recipient, 503/554 is expected).
            if (!tx.mail_refused)
                fail_undecided(tx, r.permanent() ? delivery_status::permanent : delivery_status::temporary, stage::data,
                               r);
            return finish_transaction();
        case expect::data_end: {
            const auto status = r.positive()    ? delivery_status::delivered
                                : r.permanent() ? delivery_status::permanent
                                                : delivery_status::temporary;
            fail_undecided(tx, status, stage::end_of_data, r);
            return finish_transaction();
        }
        case expect::dot_only: return finish_transaction();
    }
}

// Without PIPELINING: the next RCPT, then DATA once every RCPT is answered.
void client_session::after_rcpt_reply() {
    auto& tx = *tx_;
    if (tx.next_rcpt < tx.to_send.size()) {
        const auto i = tx.to_send[tx.next_rcpt++];
        tx.pending.emplace_back(expect::rcpt, i);
        return send(rcpt_command(tx.msg.recipients[i], caps_));
    }
    if (tx.accepted.empty()) return finish_transaction();
    tx.pending.emplace_back(expect::data, 0);
    send("DATA\r\n");
}

void client_session::finish_transaction() {
    auto tx = std::move(*tx_);
    tx_.reset();
    fail_undecided(tx, delivery_status::temporary, stage::connection,
                   reply::local("4.5.0", "no reply for this recipient"));
    // Anything short of a reply to the final dot leaves a transaction open.
    need_rset_ = true;
    for (const auto& o : tx.outcomes)
        if (o && o->status == delivery_status::delivered && o->where == stage::end_of_data) need_rset_ = false;
    if (tx.to_send.empty()) need_rset_ = false;  // nothing was said to the server
    std::vector<recipient_outcome> out;
    for (auto& o : tx.outcomes) out.push_back(std::move(*o));
    emit_done(tx.msg, std::move(out));
    next_message();
}

void client_session::fail_undecided(transaction& tx, delivery_status status, stage where, const reply& response) {
    for (std::size_t i = 0; i < tx.outcomes.size(); ++i)
        if (!tx.outcomes[i]) tx.outcomes[i] = recipient_outcome{tx.msg.recipients[i].address, status, where, response};
    tx.accepted.clear();
}

// The session ends inside a transaction: its undecided recipients get
// `response` (RFC 5321 §3.8: a drop counts as a 451), at the stage the
// session was waiting in.
void client_session::abandon_transaction(const reply& response) {
    if (!tx_) return;
    stage where = stage::connection;
    switch (current_phase()) {
        case phase::mail: where = stage::mail; break;
        case phase::rcpt: where = stage::rcpt; break;
        case phase::data: where = stage::data; break;
        case phase::data_end: where = stage::end_of_data; break;
        default: break;
    }
    auto tx = std::move(*tx_);
    tx_.reset();
    fail_undecided(tx, delivery_status::temporary, where, response);
    std::vector<recipient_outcome> out;
    for (auto& o : tx.outcomes) out.push_back(std::move(*o));
    emit_done(tx.msg, std::move(out));
}

void client_session::fail_queued(delivery_status status, const reply& response) {
    while (!queued_.empty()) {
        auto m = std::move(queued_.front());
        queued_.pop_front();
        std::vector<recipient_outcome> out;
        for (const auto& r : m.recipients) out.push_back({r.address, status, stage::connection, response});
        emit_done(m, std::move(out));
    }
}

void client_session::emit_done(outgoing_message& msg, std::vector<recipient_outcome> outcomes) {
    out_.emplace_back(message_done{std::move(msg.id), std::move(outcomes), esmtp_ && caps_.dsn});
}

}  // namespace mailroom::smtp::client
