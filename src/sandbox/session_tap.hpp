// sandbox::session_tap: the net::stream_tap of `mailroom dev`. Records each
// session's dialogue in the journal (TLS state, login name, client
// diagnostics' findings) and asks the fault book, per command, for the
// greeting and for the TLS handshake, whether a fault acts on the reply.
// make_session_taps() gives the factory the dev start-up hands to
// server::process_parts::session_taps; listener_loop calls it at accept.
//
// A command's reply is the server writes from the first one after it was
// read until the next command's reply begins; replies are matched to
// commands in order, one write starting each. The engines write one reply
// per write, so a pipelined group (SMTP PIPELINING, IMAP) is matched right;
// a reply written in several pieces while the next command is already read
// gives its later pieces to that next command.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "net/stream_tap.hpp"
#include "sandbox/client_diagnostics.hpp"
#include "sandbox/command_reader.hpp"
#include "sandbox/dev_context.hpp"
#include "sandbox/fault_apply.hpp"

namespace mailroom::sandbox {

class session_tap final : public net::stream_tap {
public:
    session_tap(session_journal& journal, fault_book& faults, net::tap_origin origin);

    void received(std::string_view client_bytes) override;
    net::write_plan before_write(std::string_view server_bytes) override;
    bool before_tls() override;
    void tls_started(std::string_view description) override;
    void ended() override;

    std::uint64_t session() const noexcept { return id_; }

private:
    std::optional<fault_decision> decide(const std::string& verb);
    void flush_findings();
    void note(std::string text);

    session_journal& journal_;
    fault_book& faults_;
    net::tap_origin origin_;
    std::uint64_t id_;
    command_reader reader_;
    client_diagnostics diag_;
    std::size_t entries_ = 0;  // journal entries written (diagnostics refer to them)
    std::string user_;
    std::map<std::string, unsigned> counts_;  // per verb: count_in_session
    std::deque<reply_span> waiting_;          // steps read, their reply not begun
    reply_span span_;                         // the reply being written
    bool greeted_ = false;
    std::optional<std::uint64_t> tls_refusal_;  // a rule's tls_failure, for the next handshake
    bool ended_ = false;
};

net::tap_factory make_session_taps(dev_context& ctx);

}  // namespace mailroom::sandbox
