#include "proxy/smtp_outcome.hpp"

#include "proto/common/peer_text.hpp"

namespace mailroom::proxy {
namespace {

namespace sc = smtp::client;

std::string bounded(std::string text) {
    text = proto::peer_text(text);
    if (text.size() > max_relayed_text) text.resize(max_relayed_text);
    return text;
}

smtp::verdict failed(const sc::recipient_outcome& o, std::size_t delivered, std::size_t total) {
    const bool temporary = o.status == sc::delivery_status::temporary;
    const char cls = temporary ? '4' : '5';
    smtp::verdict v;
    const auto& r = o.response;
    std::string text;
    for (const auto& line : r.lines) text += (text.empty() ? "" : " ") + line;
    // The first line repeats the enhanced code; the reply carries it already.
    if (!r.enhanced.empty() && text.rfind(r.enhanced + " ", 0) == 0) text.erase(0, r.enhanced.size() + 1);
    if (r.code != 0 && r.code / 100 == cls - '0') {
        v.code = r.code;
        v.enhanced = r.enhanced.empty() ? std::string(1, cls) + ".0.0" : r.enhanced;
    } else {
        // No upstream reply (connection, TLS, a local refusal), or one of
        // the other class (a refused AUTH is the proxy's problem: temporary).
        v.code = temporary ? 451 : 554;
        v.enhanced = r.enhanced.empty() ? std::string(1, cls) + ".0.0" : r.enhanced;
        v.enhanced[0] = cls;
        if (r.code != 0) text = std::to_string(r.code) + " " + text;
    }
    std::string where = "upstream";
    if (delivered > 0)
        where += " took " + std::to_string(delivered) + " of " + std::to_string(total) + " recipients, not <" +
                 o.address + ">";
    v.text = bounded(where + ": " + (text.empty() ? "no reply" : text));
    return v;
}

}  // namespace

smtp::verdict device_reply(const delivery::transfer_report& report) {
    if (report.messages.empty() || report.messages.front().recipients.empty())
        return {451, "4.4.1", bounded("upstream: " + (report.detail.empty() ? "no answer" : report.detail))};
    const auto& rcpts = report.messages.front().recipients;
    const sc::recipient_outcome* first_temporary = nullptr;
    const sc::recipient_outcome* first_permanent = nullptr;
    std::size_t delivered = 0;
    for (const auto& o : rcpts) {
        if (o.status == sc::delivery_status::delivered) ++delivered;
        else if (o.status == sc::delivery_status::temporary && !first_temporary) first_temporary = &o;
        else if (o.status == sc::delivery_status::permanent && !first_permanent) first_permanent = &o;
    }
    if (first_temporary) return failed(*first_temporary, delivered, rcpts.size());
    if (first_permanent) return failed(*first_permanent, delivered, rcpts.size());
    return {250, "2.0.0", "Ok: relayed"};
}

}  // namespace mailroom::proxy
