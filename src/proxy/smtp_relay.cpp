#include "proxy/smtp_relay.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <iostream>
#include <memory>
#include <optional>
#include <variant>

#include "common/errors.hpp"
#include "common/log_field.hpp"
#include "delivery/transfer.hpp"
#include "net/offload.hpp"
#include "net/run_engine.hpp"
#include "proto/common/peer_text.hpp"
#include "proto/smtp/server_session.hpp"
#include "proxy/counting_engine.hpp"
#include "proxy/message_buffer.hpp"
#include "proxy/smtp_outcome.hpp"

namespace mailroom::proxy {
namespace {

namespace asio = boost::asio;
namespace sc = smtp::client;
using asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

smtp::listener_policy policy_for(const runtime& rt) {
    smtp::listener_policy p;
    const bool login = rt.local_credentials.has_value();
    p.submission = login;  // AUTH before MAIL (RFC 6409 §4.3) when the device must log in
    p.tls_active = false;
    p.starttls_offered = false;
    p.plaintext_auth = true;  // the device side is plaintext by design (loopback unless allow_remote)
    p.auth_offered = login;
    p.sasl_mechanisms = rt.local_mechanisms;
    p.hostname = rt.entry.helo.empty() ? "localhost" : rt.entry.helo;
    return p;
}

smtp::limits limits_for(const runtime& rt) {
    smtp::limits l;
    l.max_message_bytes = rt.entry.max_message_bytes;
    l.command_timeout = rt.entry.idle_timeout;
    return l;
}

sc::tls_policy tls_of(config::upstream_tls t) {
    return t == config::upstream_tls::implicit ? sc::tls_policy::implicit : sc::tls_policy::required;
}

std::vector<std::string> mechanisms_of(const std::string& auth) {
    if (auth == "auto") return {"SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5", "PLAIN", "LOGIN"};
    std::string m = auth;
    for (auto& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return {m};
}

class smtp_relay {
public:
    smtp_relay(net::byte_stream& device, const runtime& rt, const std::string& id)
        : device_(device), rt_(rt), id_(id), engine_(policy_for(rt), limits_for(rt)), counted_(engine_) {}

    asio::awaitable<void> run() {
        co_await net::run_engine(device_, counted_, *this, engine_.idle_timeout());
        const auto& s = engine_.summary();
        spdlog::info(
            "{} proxy={} session from={} upstream={} tls=\"{}\" auth={} local_user={} messages={} refused={} "
            "bytes_in={} bytes_out={} result={}",
            id_, rt_.entry.name, device_.peer_address(), upstream_seen_.empty() ? upstream_name() : upstream_seen_,
            tls_seen_.empty() ? "-" : tls_seen_, auth_seen_.empty() ? "-" : auth_seen_,
            s.auth_user.empty() ? "-" : log_field(s.auth_user), relayed_, refused_, counted_.bytes_in(), bytes_out_,
            reason_);
        co_await device_.shutdown(std::chrono::seconds(5));
    }

    // net::run_engine's perform: false ends the connection.
    asio::awaitable<bool> operator()(smtp::action& act) {
        return std::visit([this](auto& a) { return on(a); }, act);
    }

private:
    std::string upstream_name() const { return fmt::format("{}:{}", rt_.entry.upstream_host, rt_.entry.upstream_port); }

    asio::awaitable<bool> on(smtp::send_reply& a) {
        bytes_out_ += a.bytes.size();
        co_return co_await device_.write_all(a.bytes, engine_.idle_timeout());
    }
    asio::awaitable<bool> on(smtp::start_tls&) { co_return false; }  // never offered to the device
    asio::awaitable<bool> on(smtp::close_connection& a) {
        reason_ = proto::reason_name(a.why);
        co_return false;
    }
    asio::awaitable<bool> on(smtp::pause& a) {
        asio::steady_timer t(co_await asio::this_coro::executor, a.delay);
        co_await t.async_wait(use_tuple);
        co_return true;
    }

    // The device's own login, against the entry's local user only.
    asio::awaitable<bool> on(smtp::sasl_begin& a) {
        sasl_.reset();
        auth::sasl_step step{auth::sasl_step::outcome::temporary_failure, {}, {}};
        if (rt_.sasl && rt_.local_credentials) {
            const auto& user = rt_.entry.local_user;
            const auto& cred = *rt_.local_credentials;
            auto ex = rt_.sasl->begin(a.mechanism, [&user, &cred](std::string_view who) -> result<auth::lookup_result> {
                if (who != user) return make_error_code(errc::not_found);
                return auth::lookup_result{user, cred};
            });
            if (ex) {
                sasl_ = std::move(*ex);
                mechanism_ = a.mechanism;
                step = co_await net::offload(rt_.pool, [&] { return sasl_->start(a.initial_response_b64); });
            }
        }
        deliver(std::move(step));
        co_return true;
    }
    asio::awaitable<bool> on(smtp::sasl_continue& a) {
        auth::sasl_step step{auth::sasl_step::outcome::failure, {}, {}};
        if (sasl_) step = co_await net::offload(rt_.pool, [&] { return sasl_->step(a.response_b64); });
        deliver(std::move(step));
        co_return true;
    }
    asio::awaitable<bool> on(smtp::sasl_abort&) {
        sasl_.reset();
        co_return true;
    }

    void deliver(auth::sasl_step step) {
        using o = auth::sasl_step::outcome;
        if (step.what == o::challenge) return engine_.sasl_challenge(std::move(step.data_b64));
        sasl_.reset();
        const auto status = step.what == o::success             ? smtp::auth_status::ok
                            : step.what == o::temporary_failure ? smtp::auth_status::temporary_failure
                                                                : smtp::auth_status::bad_credentials;
        spdlog::info("{} proxy={} local auth {} mech={} ip={}", id_, rt_.entry.name,
                     status == smtp::auth_status::ok ? "ok" : "failed", mechanism_, device_.peer_address());
        std::optional<std::string> final_data;
        if (status == smtp::auth_status::ok && !step.data_b64.empty()) final_data = std::move(step.data_b64);
        engine_.sasl_done(status, std::move(step.user), std::move(final_data));
    }

    // Upstream judges senders and recipients, at the end of data.
    asio::awaitable<bool> on(smtp::check_sender&) {
        engine_.sender_checked({});
        co_return true;
    }
    asio::awaitable<bool> on(smtp::check_recipient&) {
        engine_.recipient_checked({});
        co_return true;
    }

    asio::awaitable<bool> on(smtp::message_data& a) {
        if (!body_) body_ = std::make_shared<message_buffer>(rt_.temp_dir);
        body_->append(a.bytes);  // a failure is kept and answered at the end of data
        co_return true;
    }
    asio::awaitable<bool> on(smtp::discard_message&) {
        body_.reset();
        co_return true;
    }

    asio::awaitable<bool> on(smtp::queue_message& a) {
        auto body = std::move(body_);
        if (!body) body = std::make_shared<message_buffer>(rt_.temp_dir);  // an empty message
        if (const auto ec = body->error()) {
            spdlog::error("{} proxy={} cannot keep the message error=\"{}\"", id_, rt_.entry.name, ec.message());
            engine_.message_queued(make_error_code(errc::storage_failure));
            co_return true;
        }
        const auto report = co_await relay(a.tx, body);
        const auto v = device_reply(report);
        std::string to;
        for (const auto& r : a.tx.recipients) to += (to.empty() ? "" : ",") + log_field(r.address);
        spdlog::info("{} proxy={} {} from=<{}> to={} size={} upstream={} tls=\"{}\" reply=\"{} {} {}\"", id_,
                     rt_.entry.name, v.accepted() ? "relayed" : "refused", log_field(a.tx.sender), to, a.size,
                     report.peer.empty() ? upstream_name() : report.peer, report.tls.empty() ? "-" : report.tls, v.code,
                     v.enhanced, log_field(v.text));
        if (v.accepted()) {
            ++relayed_;
            engine_.message_queued(id_ + "." + std::to_string(relayed_ + refused_));
        } else {
            ++refused_;
            engine_.message_refused(v);
        }
        co_return true;
    }

    asio::awaitable<delivery::transfer_report> relay(const smtp::transaction_info& tx,
                                                     std::shared_ptr<message_buffer> body) {
        const auto& e = rt_.entry;
        sc::outgoing_message msg;
        msg.id = id_;
        msg.sender = tx.sender;
        for (const auto& r : tx.recipients) msg.recipients.push_back({r.address, r.params.notify, r.params.orcpt});
        msg.envid = tx.params.envid;
        msg.ret = tx.params.ret;
        msg.smtputf8 = tx.params.smtputf8;
        msg.eight_bit = tx.params.body == smtp::body_type::eight_bit_mime;
        msg.stored = std::move(body);

        delivery::smtp_destination dest;
        dest.host = e.upstream_host;
        dest.port = e.upstream_port;
        dest.tls = tls_of(e.tls);
        dest.verify_certificate = e.verify_certificate;
        if (!e.upstream_user.empty()) dest.auth = delivery::credentials{e.upstream_user, e.upstream_password};
        dest.sasl_mechanisms = mechanisms_of(e.auth);
        dest.plaintext_auth = false;  // PLAIN/LOGIN only inside TLS (the engine's rule)

        asio::ip::tcp::resolver resolver(co_await asio::this_coro::executor);
        auto resolved = co_await resolver.async_resolve(e.upstream_host, std::to_string(e.upstream_port), use_tuple);
        const boost::system::error_code ec = std::get<0>(resolved);
        if (!ec)
            for (const auto& r : std::get<1>(resolved)) dest.endpoints.push_back(r.endpoint());

        delivery::transfer_options topt;
        topt.helo_name = e.helo.empty() ? "localhost" : e.helo;
        topt.tls_client = &rt_.upstream_tls;
        topt.connect_timeout = e.upstream_timeout;
        topt.storage = &rt_.pool;
        topt.trace = [this](std::string_view dir, std::string_view line) { trace(dir, line); };
        std::vector<sc::outgoing_message> messages;
        messages.push_back(std::move(msg));
        auto report = co_await delivery::transfer(topt, dest, std::move(messages));
        if (ec) report.detail = "cannot resolve " + e.upstream_host + ": " + ec.message();
        if (!report.peer.empty()) upstream_seen_ = report.peer;
        if (!report.tls.empty()) tls_seen_ = report.tls;
        co_return report;
    }

    // The upstream dialogue: the mechanism used is remembered for the log
    // line; with --trace every line goes to stderr (AUTH data is already
    // masked by the transfer driver).
    void trace(std::string_view dir, std::string_view line) {
        if (dir == "C" && line.size() > 5 && line.substr(0, 5) == "AUTH ")
            auth_seen_ = std::string(line.substr(5, line.find(' ', 5) - 5));
        if (rt_.trace) std::cerr << id_ << " " << dir << ": " << proto::peer_text(line) << "\n";
    }

    net::byte_stream& device_;
    const runtime& rt_;
    const std::string& id_;
    smtp::server_session engine_;
    counting_engine<smtp::server_session> counted_;
    std::unique_ptr<auth::sasl_exchange> sasl_;
    std::string mechanism_;
    std::shared_ptr<message_buffer> body_;
    std::uint64_t bytes_out_ = 0;
    unsigned relayed_ = 0;
    unsigned refused_ = 0;
    std::string upstream_seen_, tls_seen_, auth_seen_;
    std::string reason_ = "write_failed";  // a failed write ends the loop without a close action
};

}  // namespace

asio::awaitable<void> serve_smtp_relay(net::byte_stream& device, const runtime& rt, const std::string& id) {
    smtp_relay relay(device, rt, id);
    co_await relay.run();
}

}  // namespace mailroom::proxy
