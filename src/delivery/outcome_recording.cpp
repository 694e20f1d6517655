#include "delivery/outcome_recording.hpp"

#include <optional>

#include "proto/smtp/client/reply_reader.hpp"

namespace mailroom::delivery {
namespace {

using queue::recipient;
using smtp::client::delivery_status;

// Class digit of a status: '2', '4' or '5'.
char class_of(delivery_status s) {
    switch (s) {
        case delivery_status::delivered: return '2';
        case delivery_status::permanent: return '5';
        case delivery_status::temporary: break;
    }
    return '4';
}

// `candidate` if it is exactly an RFC 3463 code of class `cls`, else "c.0.0".
std::string status_or_default(std::string_view candidate, char cls) {
    const auto parsed = smtp::client::parse_enhanced_code(candidate, (cls - '0') * 100);
    if (parsed && *parsed == candidate) return *parsed;
    return std::string(1, cls) + ".0.0";
}

bool pending(const queue::envelope& env, std::size_t i) {
    return i < env.recipients.size() && env.recipients[i].state == recipient::status::pending;
}

std::string reply_text(const smtp::client::reply& r) {
    if (r.code != 0) return r.summary();
    std::string out;  // decided by our engine: its own words, no code
    for (std::size_t i = 0; i < r.lines.size(); ++i) {
        if (i > 0) out += " / ";
        out += r.lines[i];
    }
    return out;
}

void apply(recipient& r, delivery_status status, std::string reason, std::string dsn_status, std::string remote_mta,
           std::chrono::system_clock::time_point now) {
    r.state = status == delivery_status::delivered   ? recipient::status::delivered
              : status == delivery_status::permanent ? recipient::status::failed
                                                     : recipient::status::pending;
    r.last_error = clean_reason(reason);
    r.dsn_status = std::move(dsn_status);
    r.remote_mta = std::move(remote_mta);
    r.last_attempt = now;
}

// The outcome for the index-th outgoing recipient, by position or address.
const smtp::client::recipient_outcome* find_outcome(const std::vector<smtp::client::recipient_outcome>& outcomes,
                                                    std::vector<bool>& used, std::size_t position,
                                                    std::string_view address) {
    if (position < outcomes.size() && !used[position] && outcomes[position].address == address) {
        used[position] = true;
        return &outcomes[position];
    }
    for (std::size_t k = 0; k < outcomes.size(); ++k) {
        if (!used[k] && outcomes[k].address == address) {
            used[k] = true;
            return &outcomes[k];
        }
    }
    return nullptr;
}

}  // namespace

std::string clean_reason(std::string_view text) {
    std::string out;
    out.reserve(std::min(text.size(), max_last_error_bytes));
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        out += (c < 0x20 || c == 0x7f) ? '?' : ch;
    }
    if (out.size() <= max_last_error_bytes) return out;
    std::size_t cut = max_last_error_bytes - 3;
    // Back up over UTF-8 continuation bytes so no character is split.
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "...";
    return out;
}

void record_transfer(queue::envelope& env, const std::vector<std::size_t>& indexes,
                     const smtp::client::message_done& done, std::string_view remote_mta,
                     std::chrono::system_clock::time_point now) {
    std::vector<bool> used(done.recipients.size(), false);
    std::size_t position = 0;
    for (const auto i : indexes) {
        if (i >= env.recipients.size()) continue;  // to_outgoing skipped it too
        const auto at = position++;
        if (!pending(env, i)) continue;
        auto& r = env.recipients[i];
        const auto* outcome = find_outcome(done.recipients, used, at, r.address);
        if (!outcome) {
            apply(r, delivery_status::temporary, "SMTP client reported no outcome for this recipient", "4.3.0", "",
                  now);
            continue;
        }
        const auto& reply = outcome->response;
        apply(r, outcome->status, reply_text(reply), status_or_default(reply.enhanced, class_of(outcome->status)),
              reply.code != 0 ? std::string(remote_mta) : std::string(), now);
        if (outcome->status == delivery_status::delivered)
            r.success_notice = done.dsn_passed_on ? recipient::success_kind::none : recipient::success_kind::relayed;
    }
}

void record_route_failure(queue::envelope& env, const std::vector<std::size_t>& indexes,
                          const dns::route_failure& failure, std::chrono::system_clock::time_point now) {
    const auto status = failure.permanent ? delivery_status::permanent : delivery_status::temporary;
    const std::string reason = failure.text.empty() ? "no route to the recipient's domain" : failure.text;
    for (const auto i : indexes)
        if (pending(env, i))
            apply(env.recipients[i], status, reason, status_or_default(failure.enhanced_status, class_of(status)), "",
                  now);
}

void record_local_failure(queue::envelope& env, const std::vector<std::size_t>& indexes, std::string_view reason,
                          std::string_view enhanced_status, std::chrono::system_clock::time_point now) {
    auto status = status_or_default(enhanced_status, '4');
    if (status == "4.0.0" && enhanced_status != "4.0.0") status = "4.3.0";
    for (const auto i : indexes)
        if (pending(env, i)) apply(env.recipients[i], delivery_status::temporary, std::string(reason), status, "", now);
}

std::size_t record_administrative_bounce(queue::envelope& env, std::chrono::system_clock::time_point now) {
    std::vector<std::size_t> pending_ones;
    for (std::size_t i = 0; i < env.recipients.size(); ++i)
        if (pending(env, i)) pending_ones.push_back(i);
    record_route_failure(env, pending_ones, {true, 550, "5.0.0", std::string(administrative_bounce_reason)}, now);
    return pending_ones.size();
}

void record_local_delivery(queue::envelope& env, const std::vector<std::size_t>& indexes,
                           std::chrono::system_clock::time_point now) {
    for (const auto i : indexes) {
        if (!pending(env, i)) continue;
        apply(env.recipients[i], delivery_status::delivered, "", "2.0.0", "", now);
        env.recipients[i].success_notice = recipient::success_kind::delivered;
    }
}

}  // namespace mailroom::delivery
