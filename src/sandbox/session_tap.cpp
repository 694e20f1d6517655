#include "sandbox/session_tap.hpp"

#include <fmt/format.h>

#include <utility>

namespace mailroom::sandbox {

session_tap::session_tap(session_journal& journal, fault_book& faults, net::tap_origin origin)
    : journal_(journal), faults_(faults), origin_(std::move(origin)),
      id_(journal_.open(origin_.protocol, origin_.listener, origin_.peer)), reader_(origin_.protocol),
      diag_(origin_.protocol, false) {}

std::optional<fault_decision> session_tap::decide(const std::string& verb) {
    const unsigned count = ++counts_[verb];
    return faults_.decide({origin_.protocol, origin_.listener, verb, user_, id_, count});
}

void session_tap::note(std::string text) {
    journal_.note(id_, std::move(text));
    ++entries_;
}

void session_tap::flush_findings() {
    for (auto& f : diag_.take()) journal_.add_finding(id_, std::move(f));
}

void session_tap::received(std::string_view bytes) {
    if (bytes.empty()) return;
    journal_.record(id_, direction::client, bytes);
    diag_.client_bytes(bytes, entries_++);
    for (auto& step : reader_.client_bytes(bytes)) {
        if (!step.user.empty() && step.user != user_) {
            user_ = step.user;
            journal_.set_user(id_, user_);
        }
        reply_span next;
        next.verb = step.verb;
        next.tag = step.tag;
        if (step.consult) next.fault = decide(step.verb);
        if (next.fault && std::holds_alternative<tls_failure>(next.fault->action)) {
            tls_refusal_ = next.fault->rule;  // STARTTLS/STLS: its reply goes out, the handshake fails
            next.fault.reset();
        }
        waiting_.push_back(std::move(next));
    }
    flush_findings();
}

net::write_plan session_tap::before_write(std::string_view bytes) {
    if (!greeted_) {  // the first write is the greeting (or a refusal)
        greeted_ = true;
        span_ = {};
        span_.verb = "greeting";
        span_.tag = "*";
        span_.fault = decide("greeting");
    } else if (!waiting_.empty()) {
        span_ = std::move(waiting_.front());
        waiting_.pop_front();
    }
    const bool first = span_.first;
    bool applicable = true;
    auto plan = apply_fault(origin_.protocol, span_, bytes, applicable);
    if (span_.fault && first) {
        note(fmt::format("fault {}: {} on {}{}", span_.fault->rule, action_name(span_.fault->action), span_.verb,
                         applicable ? "" : " (not applicable to " + origin_.protocol + ")"));
    }
    if (!plan.bytes.empty()) {
        journal_.record(id_, direction::server, plan.bytes);
        diag_.server_bytes(plan.bytes, entries_++);
        reader_.server_bytes(plan.bytes);
    }
    if (plan.close_after) note(fmt::format("connection dropped (fault {})", span_.fault ? span_.fault->rule : 0));
    flush_findings();
    return plan;
}

bool session_tap::before_tls() {
    auto d = decide("tls");
    std::optional<std::uint64_t> refusal = std::exchange(tls_refusal_, std::nullopt);
    if (d && (std::holds_alternative<tls_failure>(d->action) || std::holds_alternative<drop_connection>(d->action)))
        refusal = d->rule;
    if (!refusal) return true;
    note(fmt::format("fault {}: TLS handshake refused", *refusal));
    return false;
}

void session_tap::tls_started(std::string_view description) {
    journal_.set_tls(id_, origin_.implicit_tls ? "implicit" : "starttls");
    ++entries_;
    note(fmt::format("TLS: {}", description));
    diag_.tls_started();
    reader_.reset();
}

void session_tap::ended() {
    if (std::exchange(ended_, true)) return;
    diag_.session_ended(entries_);
    flush_findings();
    journal_.close(id_);
}

net::tap_factory make_session_taps(dev_context& ctx) {
    return [&ctx](const net::tap_origin& origin) -> std::shared_ptr<net::stream_tap> {
        return std::make_shared<session_tap>(ctx.journal, ctx.faults, origin);
    };
}

}  // namespace mailroom::sandbox
