#include "sandbox/smarthost_release.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log_field.hpp"
#include "durable/file_system.hpp"
#include "proto/common/keyword.hpp"
#include "server/outbound.hpp"

namespace mailroom::sandbox {
namespace {

namespace asio = boost::asio;
namespace sc = smtp::client;

// The staged message from `begin` (after the Return-Path) as the client
// engine's stored content, read in pieces while it is sent.
class staged_message final : public sc::stored_content {
public:
    staged_message(std::filesystem::path file, std::uint64_t begin, std::uint64_t file_size)
        : file_(std::move(file)), begin_(begin), body_(file_size - begin) {}
    std::uint64_t size() const noexcept override { return body_; }
    result<std::string> read(std::uint64_t offset, std::size_t max) const override {
        if (offset >= body_) return std::string();
        return durable::real_file_system().read_range(file_, begin_ + offset,
                                                      static_cast<std::size_t>(
                                                          std::min<std::uint64_t>(max, body_ - offset)));
    }

private:
    std::filesystem::path file_;
    std::uint64_t begin_, body_;
};

std::string status_of(sc::delivery_status s) {
    switch (s) {
        case sc::delivery_status::delivered: return "accepted";
        case sc::delivery_status::permanent: return "refused";
        case sc::delivery_status::temporary: break;
    }
    return "deferred";
}

}  // namespace

return_path parse_return_path(std::string_view head) {
    constexpr std::string_view name = "Return-Path:";
    if (!proto::keyword_prefix(head, name)) return {};
    // The field ends at the CRLF not followed by a space or tab (unfolding,
    // RFC 5322 §2.2.3); a bare LF ends lines too (files written by others).
    std::size_t end = name.size();
    for (;;) {
        const auto lf = head.find('\n', end);
        if (lf == std::string_view::npos) return {};  // longer than we read: not a usable header
        end = lf + 1;
        if (end >= head.size() || (head[end] != ' ' && head[end] != '\t')) break;
    }
    std::string_view value = head.substr(name.size(), end - name.size());
    const auto open = value.find('<');
    const auto close = value.rfind('>');
    std::string sender;
    if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
        sender = std::string(value.substr(open + 1, close - open - 1));
    } else {
        for (char c : value)
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') sender += c;
    }
    return {std::move(sender), end};
}

std::unique_ptr<smarthost_release> smarthost_release::create(asio::any_io_executor ex, const config::settings& cfg,
                                                             asio::thread_pool& storage, random_source& rnd) {
    if (!cfg.delivery.smarthost) return nullptr;
    return std::make_unique<smarthost_release>(std::move(ex), cfg, storage, rnd);
}

smarthost_release::smarthost_release(asio::any_io_executor ex, const config::settings& cfg, asio::thread_pool& storage,
                                     random_source& rnd)
    : routing_(server::routing_of(cfg)),
      where_(cfg.delivery.smarthost->host + ":" + std::to_string(cfg.delivery.smarthost->port)),
      resolver_(std::make_unique<dns::resolver>(ex, server::resolver_options_of(cfg.delivery))),
      tls_(server::client_tls(cfg.delivery)), storage_(storage), rnd_(rnd) {
    routing_.routes.clear();  // [delivery.routes] would send some domains elsewhere: only the smarthost
    options_.helo_name = cfg.hostname;
    options_.tls_client = tls_.get();
    options_.connect_timeout = cfg.delivery.connect_timeout;
    options_.storage = &storage;
}

namespace {

// The envelope and content of the staged message (blocking file reads:
// run on the storage pool), or why it cannot be sent.
struct prepared {
    sc::outgoing_message msg;
    std::string error;
};

prepared prepare(const release_request& request) {
    prepared p;
    auto& fs = durable::real_file_system();
    const auto info = fs.stat(request.file);
    auto head = info ? fs.read_range(request.file, 0, return_path_scan_bytes) : result<std::string>(info.error());
    if (!info || !head) {
        p.error = "cannot read the staged message: " + (info ? head.error() : info.error()).message();
        return p;
    }
    const auto rp = parse_return_path(*head);
    auto& msg = p.msg;
    msg.id = request.file.filename().string();
    if (request.sender) msg.sender = *request.sender;
    else if (rp.sender) msg.sender = *rp.sender;
    else {
        p.error = "the message has no Return-Path: give \"from\"";
        return p;
    }
    for (const auto& r : request.recipients) msg.recipients.push_back({r, 0, ""});
    for (std::uint64_t at = rp.header_bytes; at < info->size;) {  // 8-bit octets need BODY=8BITMIME
        auto piece = fs.read_range(request.file, at, 256 * 1024);
        if (!piece || piece->empty()) break;
        msg.eight_bit = msg.eight_bit || std::any_of(piece->begin(), piece->end(),
                                                     [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
        at += piece->size();
    }
    msg.stored = std::make_shared<staged_message>(request.file, rp.header_bytes, info->size);
    return p;
}

}  // namespace

asio::awaitable<release_outcome> smarthost_release::send(release_request request) {
    release_outcome out;
    out.smarthost = where_;
    auto ready = co_await asio::co_spawn(
        storage_, [&request]() -> asio::awaitable<prepared> { co_return prepare(request); }, asio::use_awaitable);
    if (!ready.error.empty()) {
        out.error = std::move(ready.error);
        co_return out;
    }
    auto msg = std::move(ready.msg);
    const auto domain = request.recipients.front().substr(request.recipients.front().rfind('@') + 1);
    auto plan = co_await delivery::route_domain(routing_, *resolver_, rnd_, domain);
    if (auto* failure = std::get_if<dns::route_failure>(&plan)) {
        out.error = "smarthost " + where_ + ": " + failure->text;
        co_return out;
    }
    const auto& destinations = std::get<std::vector<delivery::smtp_destination>>(plan);
    if (destinations.empty()) {
        out.error = "smarthost " + where_ + ": no address";
        co_return out;
    }
    std::vector<sc::outgoing_message> batch;  // not a braced list: GCC 12 coroutines reject one here
    batch.push_back(std::move(msg));
    auto report = co_await delivery::transfer(options_, destinations.front(), std::move(batch));
    out.peer = report.peer;
    out.tls = report.tls;
    bool all = !report.messages.empty();
    for (const auto& m : report.messages)
        for (const auto& r : m.recipients) {
            out.recipients.push_back({r.address, status_of(r.status), r.response.summary()});
            if (r.status != sc::delivery_status::delivered) all = false;
        }
    if (!all) out.error = report.detail.empty() ? "not every recipient was accepted" : report.detail;
    spdlog::info("released file={} smarthost={} peer={} recipients={} result={}", request.file.filename().string(),
                 where_, report.peer.empty() ? "-" : report.peer, out.recipients.size(),
                 log_field(out.error.empty() ? "ok" : out.error));
    co_return out;
}

}  // namespace mailroom::sandbox
